//! Invoices (listed by filter and order, or one), their lines, allowances and
//! charges, payments and credit notes.

use crate::amount::{Amount, MaybeAmount};
use crate::event_values::label;
use crate::reading::{Page, Slice};
use chrono::{DateTime, NaiveDate, Utc};
use folio_domain::invoice::DocumentStatus;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

/// An invoice with its payment status as of today.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct InvoiceRow {
    /// The invoice's id (the aggregate id).
    pub invoice_id: Uuid,
    /// The customer invoiced (`customer_id`); the invoice keeps it for life.
    pub customer_id: Uuid,
    /// The customer's name now (null if the customer row is missing).
    pub customer_name: Option<String>,
    /// Document status: `DRAFT`, `ISSUED`, `SENT` or `VOID`.
    pub status: String,
    /// `UNPAID`, `PARTIALLY_PAID`, `PAID` or `OVERDUE` once issued; null before.
    pub payment_status: Option<String>,
    /// Days past the due date while something is due; 0 otherwise.
    pub days_overdue: i32,
    /// ISO 4217 code of every amount of the invoice.
    pub currency: String,
    /// The basis of lines added without one: `NET` or `GROSS`.
    pub price_basis: String,
    /// Document number, once issued.
    pub number: Option<String>,
    /// Issue date, once issued.
    pub issue_date: Option<NaiveDate>,
    /// Due date, once issued.
    pub due_date: Option<NaiveDate>,
    /// Sum of the lines' net amounts (EN 16931 BT-106), once issued.
    #[sqlx(try_from = "MaybeAmount")]
    pub line_total: Option<Decimal>,
    /// Sum of the allowances on the whole document (BT-107), once issued.
    #[sqlx(try_from = "MaybeAmount")]
    pub allowance_total: Option<Decimal>,
    /// Sum of the charges on the whole document (BT-108), once issued.
    #[sqlx(try_from = "MaybeAmount")]
    pub charge_total: Option<Decimal>,
    /// What the taxes are computed on: lines − allowances + charges (BT-109),
    /// once issued.
    #[sqlx(try_from = "MaybeAmount")]
    pub net_total: Option<Decimal>,
    /// Sum of the taxes, once issued.
    #[sqlx(try_from = "MaybeAmount")]
    pub tax_total: Option<Decimal>,
    /// Net plus tax, once issued.
    #[sqlx(try_from = "MaybeAmount")]
    pub total: Option<Decimal>,
    /// Paid minus refunded.
    #[sqlx(try_from = "Amount")]
    pub amount_paid: Decimal,
    /// Sum of the credit notes.
    #[sqlx(try_from = "Amount")]
    pub amount_credited: Decimal,
    /// Still owed (total - paid - credited, when positive), once issued.
    #[sqlx(try_from = "MaybeAmount")]
    pub amount_due: Option<Decimal>,
    /// Held for the customer: paid or credited beyond the total, until refunded.
    #[sqlx(try_from = "Amount")]
    pub customer_credit: Decimal,
    /// The tenant's accounting currency, for an invoice in another one; null
    /// otherwise.
    pub accounting_currency: Option<String>,
    /// Units of the accounting currency per unit of `currency`: the rate the
    /// invoice was booked at.
    pub exchange_rate: Option<Decimal>,
    /// The day that rate is of.
    pub exchange_rate_date: Option<NaiveDate>,
    /// The taxes in the accounting currency, converted once (BT-111).
    #[sqlx(try_from = "MaybeAmount")]
    pub accounting_tax_total: Option<Decimal>,
    /// The total in the accounting currency, converted once.
    #[sqlx(try_from = "MaybeAmount")]
    pub accounting_total: Option<Decimal>,
    /// The last step of the tenant's reminder schedule recorded (0: none).
    pub reminders_sent: i16,
    /// The day of the last payment reminder.
    pub last_reminded_on: Option<NaiveDate>,
    /// The day the open dispute was raised; none while no dispute is open.
    pub disputed_on: Option<NaiveDate>,
    /// What the customer contests, while a dispute is open.
    pub dispute_reason: Option<String>,
    /// Mexico: `PUE` or `PPD`, once set on the draft or fixed at issue.
    pub cfdi_payment_method: Option<String>,
    /// Mexico: the form of payment (c_FormaPago).
    pub cfdi_payment_form: Option<String>,
    /// Mexico: the receiver's CFDI use (c_UsoCFDI); on a draft null means
    /// the customer's.
    pub cfdi_use: Option<String>,
    /// Mexico: where the fiscal stamp stands, `PENDING`, `STAMPED` or
    /// `REJECTED`; none when not issued under MX.
    pub cfdi_status: Option<String>,
    /// Mexico: the fiscal folio, once stamped.
    pub cfdi_uuid: Option<Uuid>,
    /// Mexico: when the CFDI sent to the PAC was sealed.
    pub cfdi_sealed_at: Option<DateTime<Utc>>,
    /// Mexico: when the PAC stamped it.
    pub cfdi_stamped_at: Option<DateTime<Utc>>,
    /// Mexico: the PAC's error code, while it refuses the stamp.
    pub cfdi_rejection_code: Option<String>,
    /// Mexico: the PAC's message, while it refuses the stamp.
    pub cfdi_rejection_message: Option<String>,
    /// Mexico: the last cancellation asked of SAT for the stamped CFDI,
    /// `REQUESTED`, `SUBMITTED`, `REFUSED` or `CANCELLED`; none when none was.
    pub cfdi_cancellation_status: Option<String>,
    /// Mexico: its SAT reason code (`01` to `04`).
    pub cfdi_cancellation_reason: Option<String>,
    /// Mexico: for reason 01, the invoice that replaces this one.
    pub cfdi_cancellation_replaced_by: Option<Uuid>,
    /// Mexico: for reason 01, the replacing fiscal folio SAT is told.
    pub cfdi_cancellation_replacement_uuid: Option<Uuid>,
    /// Mexico: the day it was asked for.
    pub cfdi_cancellation_requested_on: Option<NaiveDate>,
    /// Mexico: when SAT's acknowledgement was recorded.
    pub cfdi_cancellation_submitted_at: Option<DateTime<Utc>>,
    /// Mexico: SAT's status of the folio in it (`EstatusUUID`).
    pub cfdi_cancellation_status_code: Option<String>,
    /// Mexico: the PAC's or SAT's code, while refused.
    pub cfdi_cancellation_refusal_code: Option<String>,
    /// Mexico: their words, while refused.
    pub cfdi_cancellation_refusal_message: Option<String>,
    /// Mexico: when the refusal was recorded.
    pub cfdi_cancellation_refused_at: Option<DateTime<Utc>>,
    /// The invoice's version: pass it as `expected_version` to refuse a write
    /// that would act on a changed invoice.
    pub version: i64,
}

/// A line of an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct InvoiceLineRow {
    /// The invoice it belongs to.
    pub invoice_id: Uuid,
    /// The line's id: it stays through edits, and a line credit note names it.
    pub line_id: Uuid,
    /// Order on the invoice, from 1.
    pub position: i32,
    /// What was sold.
    pub description: String,
    /// How many units.
    pub quantity: Decimal,
    /// Price of one unit, at up to 6 decimals: before tax, or with the
    /// line's taxes included when `price_basis` is `GROSS`.
    pub unit_price: Decimal,
    /// `NET` or `GROSS`: whether the unit price includes the line's taxes.
    pub price_basis: String,
    /// Mexico: SAT's product or service key, if stated.
    pub sat_product_key: Option<String>,
    /// Mexico: SAT's unit key, if stated.
    pub sat_unit_key: Option<String>,
    /// Mexico: the tax object as stated (null: `02` with taxes, `01`
    /// without).
    pub sat_tax_object: Option<String>,
    /// Net amount, rounded, once issued.
    #[sqlx(try_from = "MaybeAmount")]
    pub net_amount: Option<Decimal>,
    /// Tax of the line, once issued.
    #[sqlx(try_from = "MaybeAmount")]
    pub tax_amount: Option<Decimal>,
    /// Net plus tax, once issued.
    #[sqlx(try_from = "MaybeAmount")]
    pub total_amount: Option<Decimal>,
}

/// An allowance or a charge on an invoice's whole document.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct InvoiceAdjustmentRow {
    /// The invoice it belongs to.
    pub invoice_id: Uuid,
    /// Its id, which removing it from a draft names.
    pub adjustment_id: Uuid,
    /// Order on the invoice, from 1.
    pub position: i32,
    /// `ALLOWANCE` (taken off) or `CHARGE` (added).
    pub kind: String,
    /// The fixed amount as stated; null for a percentage.
    pub fixed_amount: Option<Decimal>,
    /// The percentage as stated (of the lines at its VAT); null for a fixed
    /// amount.
    pub percent: Option<Decimal>,
    /// Why, in words.
    pub reason: Option<String>,
    /// Why, as a UNCL 5189 (allowance) or 7161 (charge) code.
    pub reason_code: Option<String>,
    /// The code of its VAT, e.g. `VAT`.
    pub tax_code: String,
    /// The rate of its VAT, in percent.
    pub tax_percent: Decimal,
    /// The EN 16931 category of its VAT, as its UNCL 5305 code (`S`, `Z`, ...).
    pub vat_category: Option<String>,
    /// For a percentage, the nets of the lines at its VAT it was taken of,
    /// once issued.
    #[sqlx(try_from = "MaybeAmount")]
    pub base_amount: Option<Decimal>,
    /// The amount taken off or added, positive, once issued.
    #[sqlx(try_from = "MaybeAmount")]
    pub amount: Option<Decimal>,
}

/// A payment received against an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct PaymentRow {
    /// The invoice it was paid against (`invoice_id`).
    pub invoice_id: Uuid,
    /// The payment's id, which a refund names.
    pub payment_id: Uuid,
    /// Amount received, in the invoice's currency.
    #[sqlx(try_from = "Amount")]
    pub amount: Decimal,
    /// Refunded so far.
    #[sqlx(try_from = "Amount")]
    pub refunded_amount: Decimal,
    /// Value date.
    pub received_on: NaiveDate,
    /// `BANK_TRANSFER`, `CARD`, `CASH`, ... as stored.
    pub method: String,
    /// The payer's reference, if any.
    pub reference: Option<String>,
    /// Units of the accounting currency per unit of the invoice's on the
    /// value date, for an invoice booked in another currency; null otherwise.
    pub exchange_rate: Option<Decimal>,
    /// The exchange gain (positive) or loss it realised, in the accounting
    /// currency, less what its refunds reversed; null unless foreign.
    pub exchange_difference: Option<Decimal>,
}

/// A credit note issued against an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct CreditNoteRow {
    /// The invoice it corrects (`invoice_id`).
    pub invoice_id: Uuid,
    /// The credit note's id.
    pub credit_note_id: Uuid,
    /// Its number in the credit-note series.
    pub number: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Why it was issued.
    pub reason: String,
    /// `LINES` (quantities of invoice lines) or `AMOUNT` (an amount off one
    /// tax rate's lines).
    pub kind: String,
    /// Net amount credited.
    #[sqlx(try_from = "Amount")]
    pub net_total: Decimal,
    /// Tax credited (withholdings negative).
    #[sqlx(try_from = "Amount")]
    pub tax_total: Decimal,
    /// Gross amount credited.
    #[sqlx(try_from = "Amount")]
    pub total: Decimal,
    /// Mexico: where its CFDI's stamp stands (`PENDING`, `STAMPED`,
    /// `REJECTED`); none when the invoice is not a CFDI.
    pub cfdi_status: Option<String>,
    /// Mexico: its own fiscal folio, once stamped.
    pub cfdi_uuid: Option<Uuid>,
    /// Mexico: when the XML sent to the PAC was sealed.
    pub cfdi_sealed_at: Option<DateTime<Utc>>,
    /// Mexico: when the PAC stamped it.
    pub cfdi_stamped_at: Option<DateTime<Utc>>,
    /// Mexico: the PAC's code while refused.
    pub cfdi_rejection_code: Option<String>,
    /// Mexico: the PAC's message while refused.
    pub cfdi_rejection_message: Option<String>,
}

/// An invoice line taken back by a line-based credit note.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct CreditNoteLineRow {
    /// The credit note that takes the line back (`credit_note_id`).
    pub credit_note_id: Uuid,
    /// The invoice line credited.
    pub line_id: Uuid,
    /// Units credited.
    pub quantity: Decimal,
    /// Net amount credited.
    #[sqlx(try_from = "Amount")]
    pub net_amount: Decimal,
    /// The line's share of the credited tax.
    #[sqlx(try_from = "Amount")]
    pub tax_amount: Decimal,
}

/// Which invoices to list (all given conditions hold): the one filter every
/// edge reads invoices with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
pub struct InvoiceFilter {
    /// Only invoices in this document status.
    pub status: Option<DocumentStatus>,
    /// Only this customer's (its UUID).
    pub customer_id: Option<Uuid>,
    /// Issued on or after this date (YYYY-MM-DD).
    pub issued_from: Option<NaiveDate>,
    /// Issued on or before this date (YYYY-MM-DD).
    pub issued_to: Option<NaiveDate>,
    /// True: only invoices past due with something owed; false: only the others.
    pub overdue: Option<bool>,
}

/// Orders of the invoice list; each breaks ties by id, so pages are stable.
/// Spelled `ISSUE_DATE_DESC` (and so on) on the wire, as GraphQL's enum is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InvoiceOrder {
    /// Newest issue date first (drafts last).
    #[default]
    IssueDateDesc,
    /// Oldest issue date first (drafts last).
    IssueDateAsc,
    /// Earliest due date first.
    DueDateAsc,
    /// Largest total first.
    TotalDesc,
}

impl InvoiceOrder {
    fn order_by(self) -> &'static str {
        match self {
            InvoiceOrder::IssueDateDesc => "issue_date DESC NULLS LAST, invoice_id",
            InvoiceOrder::IssueDateAsc => "issue_date ASC NULLS LAST, invoice_id",
            InvoiceOrder::DueDateAsc => "due_date ASC NULLS LAST, invoice_id",
            InvoiceOrder::TotalDesc => "total DESC NULLS LAST, invoice_id",
        }
    }
}

/// The invoice list's columns, from the view that derives the payment status.
const INVOICE_COLUMNS: &str = "invoice_id, customer_id, customer_name, status, payment_status,
    days_overdue, currency, price_basis, number, issue_date, due_date, line_total, allowance_total,
    charge_total, net_total, tax_total, total,
    amount_paid, amount_credited, amount_due, customer_credit, accounting_currency,
    exchange_rate, exchange_rate_date, accounting_tax_total, accounting_total, reminders_sent, last_reminded_on, disputed_on,
    dispute_reason, cfdi_payment_method, cfdi_payment_form, cfdi_use, cfdi_status, cfdi_uuid,
    cfdi_sealed_at, cfdi_stamped_at, cfdi_rejection_code, cfdi_rejection_message,
    cfdi_cancellation_status, cfdi_cancellation_reason, cfdi_cancellation_replaced_by,
    cfdi_cancellation_replacement_uuid, cfdi_cancellation_requested_on,
    cfdi_cancellation_submitted_at, cfdi_cancellation_status_code, cfdi_cancellation_refusal_code,
    cfdi_cancellation_refusal_message, cfdi_cancellation_refused_at, version";

/// Invoices matching `filter`, in `order`.
pub async fn invoices(
    conn: &mut PgConnection,
    filter: &InvoiceFilter,
    order: InvoiceOrder,
    page: Page,
) -> Result<Slice<InvoiceRow>, sqlx::Error> {
    let mut sql = QueryBuilder::<Postgres>::new(format!(
        "SELECT {INVOICE_COLUMNS} FROM folio_read.invoice_overview WHERE true"
    ));
    if let Some(status) = filter.status {
        sql.push(" AND status = ").push_bind(label(&status));
    }
    if let Some(customer) = filter.customer_id {
        sql.push(" AND customer_id = ").push_bind(customer);
    }
    if let Some(from) = filter.issued_from {
        sql.push(" AND issue_date >= ").push_bind(from);
    }
    if let Some(to) = filter.issued_to {
        sql.push(" AND issue_date <= ").push_bind(to);
    }
    match filter.overdue {
        Some(true) => sql.push(" AND payment_status = 'OVERDUE'"),
        Some(false) => sql.push(" AND payment_status IS DISTINCT FROM 'OVERDUE'"),
        None => &mut sql,
    };
    sql.push(" ORDER BY ")
        .push(order.order_by())
        .push(" LIMIT ")
        .push_bind(page.fetch_limit())
        .push(" OFFSET ")
        .push_bind(page.offset);
    let rows = sql.build_query_as().fetch_all(conn).await?;
    Ok(page.slice(rows))
}

/// One invoice, or `None` (also for another tenant's).
pub async fn invoice(
    conn: &mut PgConnection,
    invoice_id: Uuid,
) -> Result<Option<InvoiceRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {INVOICE_COLUMNS} FROM folio_read.invoice_overview WHERE invoice_id = $1"
    ))
    .bind(invoice_id)
    .fetch_optional(conn)
    .await
}

/// The lines of every invoice in `invoice_ids`, each invoice's in order.
pub async fn lines_of(
    conn: &mut PgConnection,
    invoice_ids: &[Uuid],
) -> Result<Vec<InvoiceLineRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.invoice_id, l.line_id, l.position, l.description, l.quantity, l.unit_price,
                l.price_basis, l.sat_product_key, l.sat_unit_key, l.sat_tax_object,
                public.in_minor_units(l.net_amount, i.currency) AS net_amount,
                public.in_minor_units(l.tax_amount, i.currency) AS tax_amount,
                public.in_minor_units(l.total_amount, i.currency) AS total_amount
         FROM folio_read.invoice_lines l
              JOIN folio_read.invoices i USING (tenant_id, invoice_id)
         WHERE l.invoice_id = ANY($1) ORDER BY l.invoice_id, l.position",
    )
    .bind(invoice_ids)
    .fetch_all(conn)
    .await
}

/// The allowances and charges of every invoice in `invoice_ids`, each
/// invoice's in order.
pub async fn adjustments_of(
    conn: &mut PgConnection,
    invoice_ids: &[Uuid],
) -> Result<Vec<InvoiceAdjustmentRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.invoice_id, a.adjustment_id, a.position, a.kind,
                CASE WHEN a.size_kind = 'AMOUNT' THEN a.size_value END AS fixed_amount,
                CASE WHEN a.size_kind = 'PERCENT' THEN a.size_value END AS percent,
                a.reason, a.reason_code, a.tax ->> 'code' AS tax_code,
                (a.tax ->> 'percent')::numeric AS tax_percent,
                a.tax ->> 'category' AS vat_category,
                public.in_minor_units(a.base_amount, i.currency) AS base_amount,
                public.in_minor_units(a.amount, i.currency) AS amount
         FROM folio_read.invoice_adjustments a
              JOIN folio_read.invoices i USING (tenant_id, invoice_id)
         WHERE a.invoice_id = ANY($1) ORDER BY a.invoice_id, a.position",
    )
    .bind(invoice_ids)
    .fetch_all(conn)
    .await
}

/// Amounts at their currency's scale, as every money column the API reads.
const PAYMENT_COLUMNS: &str = "invoice_id, payment_id,
    public.in_minor_units(amount, currency) AS amount,
    public.in_minor_units(refunded_amount, currency) AS refunded_amount,
    received_on, method, reference, exchange_rate, exchange_difference";

/// The payments of every invoice in `invoice_ids`, by value date, then in the
/// order they were recorded.
pub async fn payments_of(
    conn: &mut PgConnection,
    invoice_ids: &[Uuid],
) -> Result<Vec<PaymentRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {PAYMENT_COLUMNS} FROM folio_read.payments
         WHERE invoice_id = ANY($1) ORDER BY invoice_id, received_on, sequence"
    ))
    .bind(invoice_ids)
    .fetch_all(conn)
    .await
}

/// One payment, or `None` (also for another tenant's).
pub async fn payment(
    conn: &mut PgConnection,
    payment_id: Uuid,
) -> Result<Option<PaymentRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {PAYMENT_COLUMNS} FROM folio_read.payments WHERE payment_id = $1"
    ))
    .bind(payment_id)
    .fetch_optional(conn)
    .await
}

const CREDIT_NOTE_COLUMNS: &str = "invoice_id, credit_note_id, number, issue_date, reason, kind,
    public.in_minor_units(net_total, currency) AS net_total,
    public.in_minor_units(tax_total, currency) AS tax_total,
    public.in_minor_units(total, currency) AS total, cfdi_status, cfdi_uuid, cfdi_sealed_at,
    cfdi_stamped_at, cfdi_rejection_code, cfdi_rejection_message";

/// The credit notes of every invoice in `invoice_ids`, by issue date, then in
/// the order they were issued.
pub async fn credit_notes_of(
    conn: &mut PgConnection,
    invoice_ids: &[Uuid],
) -> Result<Vec<CreditNoteRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {CREDIT_NOTE_COLUMNS} FROM folio_read.credit_notes
         WHERE invoice_id = ANY($1) ORDER BY invoice_id, issue_date, sequence"
    ))
    .bind(invoice_ids)
    .fetch_all(conn)
    .await
}

/// One credit note, or `None` (also for another tenant's).
pub async fn credit_note(
    conn: &mut PgConnection,
    credit_note_id: Uuid,
) -> Result<Option<CreditNoteRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {CREDIT_NOTE_COLUMNS} FROM folio_read.credit_notes WHERE credit_note_id = $1"
    ))
    .bind(credit_note_id)
    .fetch_optional(conn)
    .await
}

/// The lines taken back by every credit note in `credit_note_ids`.
pub async fn credit_note_lines_of(
    conn: &mut PgConnection,
    credit_note_ids: &[Uuid],
) -> Result<Vec<CreditNoteLineRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT n.credit_note_id, n.line_id, n.quantity,
                public.in_minor_units(n.net_amount, c.currency) AS net_amount,
                public.in_minor_units(n.tax_amount, c.currency) AS tax_amount
         FROM folio_read.credit_note_lines n
              JOIN folio_read.credit_notes c USING (tenant_id, credit_note_id)
              JOIN folio_read.invoice_lines l
                   ON l.tenant_id = n.tenant_id AND l.invoice_id = n.invoice_id
                       AND l.line_id = n.line_id
         WHERE n.credit_note_id = ANY($1) ORDER BY n.credit_note_id, l.position",
    )
    .bind(credit_note_ids)
    .fetch_all(conn)
    .await
}
