//! Typed reads of the invoicing read model: customers and their balances,
//! invoices with their lines, payments and credit notes, and the receivables,
//! revenue and tax reports. Every function runs on a connection from
//! [`crate::reading::tenant_reader`], so it only ever sees one tenant's rows.
//!
//! Rows carry statuses and codes as stored (`"ISSUED"`, `"EUR"`); edges map them
//! to their own types.

use chrono::{DateTime, NaiveDate, Utc};
use folio_domain::invoice::DocumentStatus;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::amount::{Amount, MaybeAmount};
use crate::event_values::label;
use crate::reading::{contains_pattern, Page, ReportAmounts, ReportPeriod, Slice};

/// A customer as the read model holds it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct CustomerRow {
    /// The customer's id (the aggregate id).
    pub customer_id: Uuid,
    /// Name on invoices; `[erased]` once its personal data was erased.
    pub name: String,
    /// Billing e-mail; null when not given or erased.
    pub email: Option<String>,
    /// Phone; null when not given or erased.
    pub phone: Option<String>,
    /// Postal address; null when not given or erased.
    pub address: Option<String>,
    /// Tax id (VAT id, RFC, ...), if known.
    pub tax_id: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
    /// ISO 4217 code new invoices default to.
    pub default_currency: String,
    /// Days from issue to due date new invoices default to.
    pub payment_terms_days: i32,
    /// `ACTIVE` or `ARCHIVED`.
    pub status: String,
    /// When its personal data was erased; null if never.
    pub personal_data_erased_at: Option<DateTime<Utc>>,
    /// The aggregate's version (its last event's sequence).
    pub version: i64,
}

/// What one customer owes, and is owed, in one currency (customers with neither
/// have no row).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct BalanceRow {
    /// The customer whose balance it is (`customer_id`).
    pub customer_id: Uuid,
    /// ISO 4217 code.
    pub currency: String,
    /// Issued or sent invoices with something due.
    pub open_invoices: i64,
    /// Sum still owed.
    #[sqlx(try_from = "Amount")]
    pub open_amount: Decimal,
    /// The part of `open_amount` past its due date.
    #[sqlx(try_from = "Amount")]
    pub overdue_amount: Decimal,
    /// Held for the customer: overpayments and credit notes beyond what was
    /// due, not yet refunded.
    #[sqlx(try_from = "Amount")]
    pub credit_amount: Decimal,
    /// `open_amount - credit_amount`: negative when the customer is owed.
    #[sqlx(try_from = "Amount")]
    pub balance: Decimal,
}

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

/// One entry of a customer's statement.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct StatementEntryRow {
    /// Issue, void, value or refund date.
    pub entry_date: NaiveDate,
    /// `INVOICE`, `INVOICE_VOIDED`, `CREDIT_NOTE`, `PAYMENT`, `REFUND`,
    /// `EXCHANGE_DIFFERENCE` (in the books only), `CREDIT_TRANSFERRED`,
    /// `CREDIT_APPLIED` or `CREDIT_RETURNED`.
    pub kind: String,
    /// The invoice the entry belongs to.
    pub invoice_id: Uuid,
    /// Invoice or credit-note number; the payer's reference for money.
    pub document_number: Option<String>,
    /// Signed: + raises what the customer owes, - lowers it.
    #[sqlx(try_from = "Amount")]
    pub amount: Decimal,
    /// The balance after this entry.
    #[sqlx(try_from = "Amount")]
    pub balance: Decimal,
}

/// A customer's statement for a period in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CustomerStatement {
    /// The balance at the start of the period (entries before `from`).
    pub opening_balance: Decimal,
    /// The period's entries by date, then by when they were recorded.
    pub entries: Vec<StatementEntryRow>,
    /// The balance at the end of the period: opening plus every entry.
    pub closing_balance: Decimal,
}

/// Receivables of one customer in one currency, by days past due.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct AgingRow {
    /// The customer who owes (`customer_id`).
    pub customer_id: Uuid,
    /// Its name.
    pub customer_name: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Due, not yet past the due date.
    #[sqlx(try_from = "Amount")]
    pub current_amount: Decimal,
    /// 1 to 30 days past due.
    #[sqlx(try_from = "Amount")]
    pub days_1_30: Decimal,
    /// 31 to 60 days past due.
    #[sqlx(try_from = "Amount")]
    pub days_31_60: Decimal,
    /// 61 to 90 days past due.
    #[sqlx(try_from = "Amount")]
    pub days_61_90: Decimal,
    /// More than 90 days past due.
    #[sqlx(try_from = "Amount")]
    pub days_over_90: Decimal,
    /// All buckets together.
    #[sqlx(try_from = "Amount")]
    pub total_due: Decimal,
    /// Held for the customer on that date, in no bucket.
    #[sqlx(try_from = "Amount")]
    pub credit_amount: Decimal,
}

/// Revenue of one month in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct RevenueRow {
    /// First day of the month.
    pub month: NaiveDate,
    /// ISO 4217 code.
    pub currency: String,
    /// Net amount of the invoices issued in the month.
    #[sqlx(try_from = "Amount")]
    pub invoiced_net: Decimal,
    /// Net amount of the credit notes issued in the month (positive).
    #[sqlx(try_from = "Amount")]
    pub credited_net: Decimal,
    /// Net amount of the invoices voided in the month (positive).
    #[sqlx(try_from = "Amount")]
    pub voided_net: Decimal,
    /// `invoiced_net - credited_net - voided_net`.
    #[sqlx(try_from = "Amount")]
    pub net_revenue: Decimal,
    /// Net tax of the month, with the same signs.
    #[sqlx(try_from = "Amount")]
    pub tax: Decimal,
}

/// Tax of one rate in one month and currency.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct TaxRow {
    /// First day of the month.
    pub month: NaiveDate,
    /// ISO 4217 code.
    pub currency: String,
    /// The tax code (`VAT`, `IVA`, `ISR`, ...).
    pub tax_code: String,
    /// Rate in percent.
    pub tax_percent: Decimal,
    /// `STANDARD`, `ZERO_RATED`, `EXEMPT` or `WITHHOLDING`.
    pub treatment: String,
    /// The EN 16931 VAT category's UNCL5305 code (`S`, `AE`, ...); absent for
    /// withholdings and taxes stated without one.
    pub vat_category: Option<String>,
    /// The VATEX exemption reason code, for categories that charge no VAT.
    pub exemption_code: Option<String>,
    /// The exemption reason in words.
    pub exemption_reason: Option<String>,
    /// Net amount taxed at this rate.
    #[sqlx(try_from = "Amount")]
    pub taxable_base: Decimal,
    /// Tax at this rate (withholdings negative).
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

const CUSTOMER_COLUMNS: &str = "customer_id, name, email, phone, address, tax_id, country,
    default_currency, payment_terms_days, status, personal_data_erased_at, version";

/// The invoice list's columns, from the view that derives the payment status.
const INVOICE_COLUMNS: &str = "invoice_id, customer_id, customer_name, status, payment_status,
    days_overdue, currency, number, issue_date, due_date, line_total, allowance_total,
    charge_total, net_total, tax_total, total,
    amount_paid, amount_credited, amount_due, customer_credit, accounting_currency,
    exchange_rate, exchange_rate_date, accounting_tax_total, accounting_total, version";

/// Customers by name (case-insensitive), optionally only those whose name
/// contains `search`.
pub async fn customers(
    conn: &mut PgConnection,
    search: Option<&str>,
    page: Page,
) -> Result<Slice<CustomerRow>, sqlx::Error> {
    let rows = sqlx::query_as(&format!(
        "SELECT {CUSTOMER_COLUMNS} FROM folio_read.customers
         WHERE $3::text IS NULL OR lower(name) LIKE $3
         ORDER BY lower(name), customer_id LIMIT $1 OFFSET $2"
    ))
    .bind(page.fetch_limit())
    .bind(page.offset)
    .bind(search.map(contains_pattern))
    .fetch_all(conn)
    .await?;
    Ok(page.slice(rows))
}

/// One customer, or `None` (also for another tenant's).
pub async fn customer(
    conn: &mut PgConnection,
    customer_id: Uuid,
) -> Result<Option<CustomerRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {CUSTOMER_COLUMNS} FROM folio_read.customers WHERE customer_id = $1"
    ))
    .bind(customer_id)
    .fetch_optional(conn)
    .await
}

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
                l.price_basis,
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
    public.in_minor_units(total, currency) AS total";

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

/// A stored file of an archived invoice or credit note.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ArchivedFileRow {
    /// The document it belongs to: the invoice's id, or the credit note's.
    pub parent: Uuid,
    /// `FACTUR_X` or `UBL`.
    pub format: String,
    /// SHA-256 of the file (64 lowercase hex digits), its blob-store address.
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// MIME type.
    pub content_type: String,
    /// When it was stored.
    pub archived_at: DateTime<Utc>,
}

/// A stored file of an archived credit note (its `parent` is the credit
/// note's id).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CreditNoteFileRow {
    /// The stored file, with the invoice it belongs to.
    #[sqlx(flatten)]
    pub file: ArchivedFileRow,
}

const ARCHIVED_FILE_COLUMNS: &str = "format, sha256, size_bytes, content_type, archived_at";

/// The archived files of the invoices in `invoice_ids` (their own, not their
/// credit notes'), by format.
pub async fn invoice_files_of(
    conn: &mut PgConnection,
    invoice_ids: &[Uuid],
) -> Result<Vec<ArchivedFileRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT invoice_id AS parent, {ARCHIVED_FILE_COLUMNS} FROM folio_read.archived_documents
         WHERE credit_note_id IS NULL AND invoice_id = ANY($1) ORDER BY invoice_id, format"
    ))
    .bind(invoice_ids)
    .fetch_all(conn)
    .await
}

/// The archived files of the credit notes in `credit_note_ids`, by format.
pub async fn credit_note_files_of(
    conn: &mut PgConnection,
    credit_note_ids: &[Uuid],
) -> Result<Vec<CreditNoteFileRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT credit_note_id AS parent, {ARCHIVED_FILE_COLUMNS} FROM folio_read.archived_documents
         WHERE credit_note_id = ANY($1) ORDER BY credit_note_id, format"
    ))
    .bind(credit_note_ids)
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

/// The open balances of every customer in `customer_ids`, by currency.
pub async fn balances_of(
    conn: &mut PgConnection,
    customer_ids: &[Uuid],
) -> Result<Vec<BalanceRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT customer_id, currency, open_invoices, open_amount, overdue_amount,
                credit_amount, balance
         FROM folio_read.customer_balances WHERE customer_id = ANY($1) ORDER BY currency",
    )
    .bind(customer_ids)
    .fetch_all(conn)
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

/// A customer's statement in `currency` from `from` to `to` (both included):
/// the opening balance, every document and payment of the period with the
/// running balance, and the closing balance, all from `customer_ledger`. In
/// the accounting currency its entries are the ledger's `accounting_amount`,
/// exchange differences among them; in a document currency those move nothing
/// and are left out.
pub async fn customer_statement(
    conn: &mut PgConnection,
    customer_id: Uuid,
    currency: &str,
    (from, to): (NaiveDate, NaiveDate),
    amounts: ReportAmounts,
) -> Result<CustomerStatement, sqlx::Error> {
    let in_books = amounts == ReportAmounts::AccountingCurrency;
    let Amount(opening_balance) = sqlx::query_scalar(
        "SELECT public.in_minor_units(coalesce(sum(CASE WHEN $4 THEN accounting_amount
                                                     ELSE amount END), 0), $2)
         FROM folio_read.customer_ledger
         WHERE customer_id = $1 AND entry_date < $3
           AND CASE WHEN $4 THEN accounting_currency ELSE currency END = $2",
    )
    .bind(customer_id)
    .bind(currency)
    .bind(from)
    .bind(in_books)
    .fetch_one(&mut *conn)
    .await?;
    let entries: Vec<StatementEntryRow> = sqlx::query_as(
        "WITH entries AS (
             SELECT entry_date, kind, invoice_id, document_number, recorded_at,
                    CASE WHEN $6 THEN accounting_amount ELSE amount END AS amount
             FROM folio_read.customer_ledger
             WHERE customer_id = $1 AND entry_date BETWEEN $3 AND $4
               AND CASE WHEN $6 THEN accounting_currency ELSE currency END = $2
               AND ($6 OR kind <> 'EXCHANGE_DIFFERENCE'))
         SELECT entry_date, kind, invoice_id, document_number, amount,
                $5 + sum(amount) OVER (ORDER BY entry_date, recorded_at,
                                                kind = 'EXCHANGE_DIFFERENCE', kind, invoice_id
                                       ROWS UNBOUNDED PRECEDING) AS balance
         FROM entries
         -- A difference follows the payment or refund recorded with it.
         ORDER BY entry_date, recorded_at, kind = 'EXCHANGE_DIFFERENCE', kind, invoice_id",
    )
    .bind(customer_id)
    .bind(currency)
    .bind(from)
    .bind(to)
    .bind(opening_balance)
    .bind(in_books)
    .fetch_all(&mut *conn)
    .await?;
    let closing_balance = entries.last().map_or(opening_balance, |e| e.balance);
    Ok(CustomerStatement {
        opening_balance,
        entries,
        closing_balance,
    })
}

/// Receivables aging per customer and currency as of `as_of` (today when `None`):
/// what was owed on that date, by days past due then, optionally in one currency.
pub async fn ar_aging(
    conn: &mut PgConnection,
    currency: Option<&str>,
    as_of: Option<NaiveDate>,
    amounts: ReportAmounts,
) -> Result<Vec<AgingRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT customer_id, customer_name, currency, current_amount, days_1_30, days_31_60,
                days_61_90, days_over_90, total_due, credit_amount
         FROM folio_read.ar_aging_of(coalesce($2::date, current_date), $3)
         WHERE $1::text IS NULL OR currency = $1
         ORDER BY customer_name, currency",
    )
    .bind(currency)
    .bind(as_of)
    .bind(amounts == ReportAmounts::AccountingCurrency)
    .fetch_all(conn)
    .await
}

/// Revenue per month and currency within `period`.
pub async fn revenue_by_month(
    conn: &mut PgConnection,
    period: &ReportPeriod,
    amounts: ReportAmounts,
) -> Result<Vec<RevenueRow>, sqlx::Error> {
    let view = amounts.view("revenue_by_month");
    period
        .rows(
            conn,
            &format!(
                "month, currency, invoiced_net, credited_net, voided_net, net_revenue, tax
                 FROM {view}"
            ),
            "month, currency",
        )
        .await
}

/// Tax per tax, VAT category, rate, exemption reason, month and currency within
/// `period`.
pub async fn tax_summary(
    conn: &mut PgConnection,
    period: &ReportPeriod,
    amounts: ReportAmounts,
) -> Result<Vec<TaxRow>, sqlx::Error> {
    let view = amounts.view("tax_summary");
    period
        .rows(
            conn,
            &format!(
                "month, currency, tax_code, tax_percent, treatment, vat_category, exemption_code,
                 exemption_reason, taxable_base, tax_amount
                 FROM {view}"
            ),
            "month, currency, tax_code, treatment, vat_category, tax_percent, exemption_code,
             exemption_reason",
        )
        .await
}

/// A credit move whose source released the credit and whose target has not
/// recorded it: what the process that finishes moves reads.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MoveUnderWayRow {
    /// The tenant whose move it is: the finisher acts in its name.
    pub tenant_id: Uuid,
    /// The move's id.
    pub transfer_id: Uuid,
    /// The invoice the credit left.
    pub from_invoice_id: Uuid,
    /// The invoice it is to settle.
    pub to_invoice_id: Uuid,
    /// ISO 4217 currency.
    pub currency: String,
    /// How much moved.
    pub amount: Decimal,
}

/// Moves under way since before `older_than` ago, in every tenant (read as the
/// pool's own role, not the API's), oldest first, at most `limit`.
pub async fn moves_under_way(
    pool: &sqlx::PgPool,
    older_than: std::time::Duration,
    limit: i64,
) -> Result<Vec<MoveUnderWayRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT tenant_id, transfer_id, from_invoice_id, to_invoice_id, currency, amount
         FROM folio_read.credit_transfers
         WHERE transferred_on IS NOT NULL AND applied_on IS NULL AND returned_on IS NULL
           AND transferred_at <= now() - make_interval(secs => $1)
         ORDER BY transferred_at LIMIT $2",
    )
    .bind(older_than.as_secs_f64())
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// How many credit moves are under way now, in every tenant (a gauge: one
/// that stays is a move its finisher cannot finish).
pub async fn count_moves_under_way(pool: &sqlx::PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM folio_read.credit_transfers
         WHERE transferred_on IS NOT NULL AND applied_on IS NULL AND returned_on IS NULL",
    )
    .fetch_one(pool)
    .await
}

/// How many issued documents (invoices and credit notes, every tenant) have no
/// archived files yet, and how many of them the archiver failed on so far
/// (gauges: a document that stays is one the archiver cannot archive; the
/// reason is in `document_archive_attempts.last_error`).
pub async fn count_documents_awaiting_archive(
    pool: &sqlx::PgPool,
) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM folio_read.documents_awaiting_archive),
                (SELECT count(*) FROM public.document_archive_attempts)",
    )
    .fetch_one(pool)
    .await
}
