//! The `invoicing` projector: customers, invoices and their lines, payments,
//! refunds, credit notes, and the signed revenue and tax entries behind the
//! reports. Tables: `tables.sql` beside this file; reads: [`queries`].
//!
//! Amounts come from the events as the domain decided them (rounded totals, amount
//! due after each payment); this code only files them.

pub mod queries;

use async_trait::async_trait;
use chrono::NaiveDate;
use cqrs_es::Aggregate;
use folio_domain::customer::{ContactDetails, Customer, CustomerEvent};
use folio_domain::document_number::DocumentNumber;
use folio_domain::invoice::{
    ArchivedFormat, DocumentOfInvoice, DueTerms, Invoice, InvoiceEvent, IssuedLine,
};
use folio_domain::money::Money;
use folio_domain::pricing::{Discount, DocumentTotals, LineItem, PricedLine, RoundingPolicy};
use folio_domain::tax::VatCategory;
use rust_decimal::Decimal;
use sqlx::types::Json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::event_values::{aggregate_uuid, label, number_sequence, require_row};
use crate::feed::FeedEvent;
use crate::projector::{decode, ProjectionError, Projector};

/// The projector's name: its checkpoint's key, and how a read names the
/// projector it waits for.
pub const NAME: &str = "invoicing";

/// Projects customers and invoices.
#[derive(Debug, Clone, Copy, Default)]
pub struct InvoicingProjector;

#[async_trait]
impl Projector for InvoicingProjector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> u32 {
        // 2: customers.personal_data_erased_at.
        // 3: ar_aging_as_of(date), the aging rule the view and the API share.
        // 4: invoices.sat_cancellation_reason and replaced_by (Mexican cancellations).
        // 5: invoices.customer_credit, credit_notes.kind, credit_note_lines,
        //    customer_ledger, credit in customer_balances and ar_aging_as_of.
        // 6: sequence on payments, payment_refunds and credit_notes (list order);
        //    vat_category and exemption in tax_entries and tax_summary.
        // 7: archived_documents (the stored files of each issued document).
        // 8: the documents_awaiting_archive view (the archiver's and the gauge's
        //    one definition of what is still to archive).
        8
    }

    fn schema_sql(&self) -> &'static str {
        include_str!("tables.sql")
    }

    fn aggregate_types(&self) -> &'static [&'static str] {
        &[Customer::TYPE, Invoice::TYPE]
    }

    async fn project(
        &self,
        conn: &mut PgConnection,
        event: &FeedEvent,
    ) -> Result<(), ProjectionError> {
        if event.aggregate_type == Customer::TYPE {
            project_customer(conn, event, decode(event)?).await
        } else {
            project_invoice(conn, event, decode(event)?).await
        }
    }
}

async fn project_customer(
    conn: &mut PgConnection,
    event: &FeedEvent,
    payload: CustomerEvent,
) -> Result<(), ProjectionError> {
    let tenant = event.tenant_id;
    let customer = aggregate_uuid(event)?;
    let result = match payload {
        CustomerEvent::CustomerRegistered { contact, tax, .. } => {
            sqlx::query(
                "INSERT INTO customers (tenant_id, customer_id, name, email, phone, address, tax_id,
                     country, default_currency, payment_terms_days, status, registered_at, updated_at, version)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'ACTIVE', $11, $11, $12)",
            )
            .bind(tenant)
            .bind(customer)
            .bind(&contact.name)
            .bind(&contact.email)
            .bind(&contact.phone)
            .bind(&contact.address)
            .bind(&tax.tax_id)
            .bind(&tax.country)
            .bind(tax.default_currency.code())
            .bind(i32::from(tax.payment_terms_days))
            .bind(event.recorded_at)
            .bind(event.sequence)
            .execute(&mut *conn)
            .await?
        }
        CustomerEvent::CustomerContactUpdated { contact } => {
            set_contact(conn, event, &contact, false).await?
        }
        CustomerEvent::CustomerTaxDetailsUpdated { tax } => {
            sqlx::query(
                "UPDATE customers SET tax_id = $3, country = $4, default_currency = $5,
                     payment_terms_days = $6, updated_at = $7, version = $8
                 WHERE tenant_id = $1 AND customer_id = $2",
            )
            .bind(tenant)
            .bind(customer)
            .bind(&tax.tax_id)
            .bind(&tax.country)
            .bind(tax.default_currency.code())
            .bind(i32::from(tax.payment_terms_days))
            .bind(event.recorded_at)
            .bind(event.sequence)
            .execute(&mut *conn)
            .await?
        }
        CustomerEvent::CustomerArchived { reason } => {
            sqlx::query(
                "UPDATE customers SET status = 'ARCHIVED', archived_reason = $3,
                     updated_at = $4, version = $5
                 WHERE tenant_id = $1 AND customer_id = $2",
            )
            .bind(tenant)
            .bind(customer)
            .bind(&reason)
            .bind(event.recorded_at)
            .bind(event.sequence)
            .execute(&mut *conn)
            .await?
        }
        CustomerEvent::CustomerPersonalDataErased { .. } => {
            // Where its invoices were sent is its personal data too.
            sqlx::query(
                "UPDATE invoices SET sent_to = NULL WHERE tenant_id = $1 AND customer_id = $2",
            )
            .bind(tenant)
            .bind(customer)
            .execute(&mut *conn)
            .await?;
            set_contact(conn, event, &ContactDetails::erased(), true).await?
        }
    };
    require_row(result, event)
}

/// Writes a customer's contact columns (and, for an erasure, when it happened).
async fn set_contact(
    conn: &mut PgConnection,
    event: &FeedEvent,
    contact: &ContactDetails,
    erasure: bool,
) -> Result<sqlx::postgres::PgQueryResult, ProjectionError> {
    Ok(sqlx::query(
        "UPDATE customers SET name = $3, email = $4, phone = $5, address = $6,
             personal_data_erased_at = CASE WHEN $9 THEN $7 ELSE personal_data_erased_at END,
             updated_at = $7, version = $8
         WHERE tenant_id = $1 AND customer_id = $2",
    )
    .bind(event.tenant_id)
    .bind(aggregate_uuid(event)?)
    .bind(&contact.name)
    .bind(&contact.email)
    .bind(&contact.phone)
    .bind(&contact.address)
    .bind(event.recorded_at)
    .bind(event.sequence)
    .bind(erasure)
    .execute(&mut *conn)
    .await?)
}

/// Moves an invoice row to this event's version; every invoice event does this.
async fn touch_invoice(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
) -> Result<(), ProjectionError> {
    let result = sqlx::query(
        "UPDATE invoices SET updated_at = $3, version = $4 WHERE tenant_id = $1 AND invoice_id = $2",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(event.recorded_at)
    .bind(event.sequence)
    .execute(conn)
    .await?;
    require_row(result, event)
}

fn due_terms_columns(terms: &DueTerms) -> (Option<NaiveDate>, Option<i32>) {
    match terms {
        DueTerms::NetDays { days } => (None, Some(i32::from(*days))),
        DueTerms::OnDate { date } => (Some(*date), None),
    }
}

fn discount_columns(item: &LineItem) -> (Option<&'static str>, Option<Decimal>) {
    match &item.discount {
        None => (None, None),
        Some(Discount::Percent { percent }) => (Some("PERCENT"), Some(*percent)),
        Some(Discount::Amount { amount }) => (Some("AMOUNT"), Some(*amount)),
    }
}

async fn insert_line(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    line_id: Uuid,
    position: Option<i32>,
    item: &LineItem,
    priced: Option<&PricedLine>,
) -> Result<(), ProjectionError> {
    let (discount_kind, discount_value) = discount_columns(item);
    sqlx::query(
        "INSERT INTO invoice_lines (tenant_id, invoice_id, line_id, position, description, quantity,
             unit_price, discount_kind, discount_value, taxes, discount_amount, net_amount,
             tax_amount, total_amount)
         VALUES ($1, $2, $3,
                 coalesce($4, (SELECT coalesce(max(position), 0) + 1 FROM invoice_lines
                               WHERE tenant_id = $1 AND invoice_id = $2)),
                 $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(line_id)
    .bind(position)
    .bind(&item.description)
    .bind(item.quantity)
    .bind(item.unit_price)
    .bind(discount_kind)
    .bind(discount_value)
    .bind(Json(&item.taxes))
    .bind(priced.map(|p| p.discount_amount))
    .bind(priced.map(|p| p.net_amount))
    .bind(priced.map(|p| p.tax_amount))
    .bind(priced.map(|p| p.total_amount))
    .execute(conn)
    .await?;
    Ok(())
}

/// Money that reduced (or, negative, raised) what an invoice asks for.
#[derive(Debug, Clone, Copy)]
enum Settled {
    /// Paid (a refund is a negative payment).
    Paid(Decimal),
    /// Credited by a credit note.
    Credited(Decimal),
    /// Settled by credit moved from another invoice (negative: credit moved
    /// away from this one).
    CreditMoved(Decimal),
}

/// What an invoice asks for and holds after a settlement, as the domain decided.
#[derive(Debug, Clone, Copy)]
struct Balance {
    /// What the customer still owes.
    amount_due: Decimal,
    /// What the invoice holds for the customer.
    credit: Decimal,
}

/// Adds a settlement to an invoice and stores the amount due and the customer's
/// credit the domain decided.
async fn settle(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    settled: Settled,
    after: Balance,
) -> Result<(), ProjectionError> {
    let zero = Decimal::ZERO;
    let (paid, credited, moved) = match settled {
        Settled::Paid(amount) => (amount, zero, zero),
        Settled::Credited(amount) => (zero, amount, zero),
        Settled::CreditMoved(amount) => (zero, zero, amount),
    };
    let result = sqlx::query(
        "UPDATE invoices SET amount_paid = amount_paid + $3,
             amount_credited = amount_credited + $4, credit_applied = credit_applied + $5,
             amount_due = $6, customer_credit = $7
         WHERE tenant_id = $1 AND invoice_id = $2",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(paid)
    .bind(credited)
    .bind(moved)
    .bind(after.amount_due)
    .bind(after.credit)
    .execute(conn)
    .await?;
    require_row(result, event)
}

/// The half of a credit move one invoice records.
#[derive(Debug, Clone, Copy)]
enum TransferHalf {
    /// The credit left this invoice for `to`.
    Out { to: Uuid, on: NaiveDate },
    /// The credit arrived from `from`.
    In { from: Uuid, on: NaiveDate },
}

/// Records `invoice`'s half of the move `transfer` and settles the invoice
/// with it. The move's row is made by whichever half arrives first (a
/// transport may deliver the two invoices' events in either order) and
/// completed by the other.
async fn move_credit(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    (transfer, half): (Uuid, TransferHalf),
    amount: &Money,
    after: Balance,
) -> Result<(), ProjectionError> {
    let (from, to, transferred_on, applied_on, moved) = match half {
        TransferHalf::Out { to, on } => (invoice, to, Some(on), None, -amount.amount),
        TransferHalf::In { from, on } => (from, invoice, None, Some(on), amount.amount),
    };
    let result = sqlx::query(
        "INSERT INTO credit_transfers (tenant_id, transfer_id, customer_id, currency, amount,
             from_invoice_id, to_invoice_id, transferred_on, applied_on, transferred_at, applied_at)
         SELECT tenant_id, $3, customer_id, $4, $5, $6, $7, $8, $9,
                CASE WHEN $8::date IS NULL THEN NULL ELSE $10::timestamptz END,
                CASE WHEN $9::date IS NULL THEN NULL ELSE $10::timestamptz END
         FROM invoices WHERE tenant_id = $1 AND invoice_id = $2
         ON CONFLICT (tenant_id, transfer_id) DO UPDATE
             SET transferred_on = coalesce(credit_transfers.transferred_on, excluded.transferred_on),
                 applied_on = coalesce(credit_transfers.applied_on, excluded.applied_on),
                 transferred_at = coalesce(credit_transfers.transferred_at, excluded.transferred_at),
                 applied_at = coalesce(credit_transfers.applied_at, excluded.applied_at)",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(transfer)
    .bind(amount.currency.code())
    .bind(amount.amount)
    .bind(from)
    .bind(to)
    .bind(transferred_on)
    .bind(applied_on)
    .bind(event.recorded_at)
    .execute(&mut *conn)
    .await?;
    require_row(result, event)?;
    settle(conn, event, invoice, Settled::CreditMoved(moved), after).await
}

/// The kinds of revenue and tax postings.
#[derive(Debug, Clone, Copy)]
enum Posting {
    InvoiceIssued,
    CreditNoteIssued,
}

impl Posting {
    fn kind(self) -> &'static str {
        match self {
            Posting::InvoiceIssued => "INVOICE_ISSUED",
            Posting::CreditNoteIssued => "CREDIT_NOTE_ISSUED",
        }
    }

    fn sign(self) -> Decimal {
        match self {
            Posting::InvoiceIssued => Decimal::ONE,
            Posting::CreditNoteIssued => Decimal::NEGATIVE_ONE,
        }
    }
}

/// Files a document's totals as signed revenue and tax entries.
async fn post(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    posting: Posting,
    document_number: &str,
    entry_date: NaiveDate,
    totals: &DocumentTotals,
) -> Result<(), ProjectionError> {
    let sign = posting.sign();
    let result = sqlx::query(
        "INSERT INTO revenue_entries (tenant_id, invoice_id, sequence, customer_id, kind,
             document_number, entry_date, currency, net_amount, tax_amount, total_amount)
         SELECT tenant_id, invoice_id, $3, customer_id, $4, $5, $6, currency, $7, $8, $9
         FROM invoices WHERE tenant_id = $1 AND invoice_id = $2",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(event.sequence)
    .bind(posting.kind())
    .bind(document_number)
    .bind(entry_date)
    .bind(sign * totals.net_total)
    .bind(sign * totals.tax_total)
    .bind(sign * totals.total)
    .execute(&mut *conn)
    .await?;
    require_row(result, event)?;
    let ordinals: Vec<i32> = (1..).take(totals.tax_totals.len()).collect();
    let codes: Vec<&str> = totals
        .tax_totals
        .iter()
        .map(|t| t.tax.code.as_str())
        .collect();
    let percents: Vec<Decimal> = totals.tax_totals.iter().map(|t| t.tax.percent).collect();
    let treatments: Vec<String> = totals
        .tax_totals
        .iter()
        .map(|t| label(&t.tax.treatment))
        .collect();
    let categories: Vec<Option<&str>> = totals
        .tax_totals
        .iter()
        .map(|t| t.tax.category.map(VatCategory::code))
        .collect();
    let exemptions = totals.tax_totals.iter().map(|t| t.tax.exemption.as_ref());
    let exemption_codes: Vec<Option<&str>> = exemptions
        .clone()
        .map(|e| e.and_then(|e| e.code.as_deref()))
        .collect();
    let exemption_reasons: Vec<Option<&str>> = exemptions
        .map(|e| e.and_then(|e| e.reason.as_deref()))
        .collect();
    let bases: Vec<Decimal> = totals
        .tax_totals
        .iter()
        .map(|t| sign * t.taxable_base)
        .collect();
    let amounts: Vec<Decimal> = totals.tax_totals.iter().map(|t| sign * t.amount).collect();
    sqlx::query(
        "INSERT INTO tax_entries (tenant_id, invoice_id, sequence, ordinal, kind, entry_date,
             currency, tax_code, tax_percent, treatment, vat_category, exemption_code,
             exemption_reason, taxable_base, tax_amount)
         SELECT i.tenant_id, i.invoice_id, $3, t.ordinal, $4, $5, i.currency, t.code, t.percent,
                t.treatment, t.category, t.exemption_code, t.exemption_reason, t.base, t.amount
         FROM invoices i,
              unnest($6::int[], $7::text[], $8::numeric[], $9::text[], $10::text[], $11::text[],
                     $12::text[], $13::numeric[], $14::numeric[])
                  AS t(ordinal, code, percent, treatment, category, exemption_code,
                       exemption_reason, base, amount)
         WHERE i.tenant_id = $1 AND i.invoice_id = $2",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(event.sequence)
    .bind(posting.kind())
    .bind(entry_date)
    .bind(&ordinals)
    .bind(&codes)
    .bind(&percents)
    .bind(&treatments)
    .bind(&categories)
    .bind(&exemption_codes)
    .bind(&exemption_reasons)
    .bind(&bases)
    .bind(&amounts)
    .execute(conn)
    .await?;
    Ok(())
}

/// Reverses everything posted for an invoice so far, dated `on`.
async fn reverse_postings(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    on: NaiveDate,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "INSERT INTO revenue_entries (tenant_id, invoice_id, sequence, customer_id, kind,
             document_number, entry_date, currency, net_amount, tax_amount, total_amount)
         SELECT i.tenant_id, i.invoice_id, $3, i.customer_id, 'INVOICE_VOIDED', i.number, $4,
                i.currency, -sum(r.net_amount), -sum(r.tax_amount), -sum(r.total_amount)
         FROM invoices i JOIN revenue_entries r USING (tenant_id, invoice_id)
         WHERE i.tenant_id = $1 AND i.invoice_id = $2
         GROUP BY i.tenant_id, i.invoice_id, i.customer_id, i.number, i.currency",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(event.sequence)
    .bind(on)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO tax_entries (tenant_id, invoice_id, sequence, ordinal, kind, entry_date,
             currency, tax_code, tax_percent, treatment, vat_category, exemption_code,
             exemption_reason, taxable_base, tax_amount)
         SELECT tenant_id, invoice_id, $3,
                row_number() OVER (ORDER BY tax_code, tax_percent, treatment, vat_category,
                                            exemption_code, exemption_reason)::int,
                'INVOICE_VOIDED', $4, currency, tax_code, tax_percent, treatment, vat_category,
                exemption_code, exemption_reason, -sum(taxable_base), -sum(tax_amount)
         FROM tax_entries
         WHERE tenant_id = $1 AND invoice_id = $2
         GROUP BY tenant_id, invoice_id, currency, tax_code, tax_percent, treatment,
                  vat_category, exemption_code, exemption_reason",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(event.sequence)
    .bind(on)
    .execute(conn)
    .await?;
    Ok(())
}

/// The parts of `InvoiceIssued` the read models file.
struct Issued<'a> {
    number: &'a DocumentNumber,
    issue_date: NaiveDate,
    due_date: NaiveDate,
    rounding: &'a RoundingPolicy,
    lines: &'a [IssuedLine],
    totals: &'a DocumentTotals,
}

async fn issue(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    issued: Issued<'_>,
) -> Result<(), ProjectionError> {
    let Issued {
        number,
        issue_date,
        due_date,
        rounding,
        lines,
        totals,
    } = issued;
    let result = sqlx::query(
        "UPDATE invoices SET status = 'ISSUED', number = $3, number_series = $4,
             number_sequence = $5, issue_date = $6, due_date = $7, net_days = NULL,
             net_total = $8, tax_total = $9, total = $10, amount_due = $10,
             rounding_mode = $11, rounding_scope = $12
         WHERE tenant_id = $1 AND invoice_id = $2",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(number.to_string())
    .bind(&number.series)
    .bind(number_sequence(number, event)?)
    .bind(issue_date)
    .bind(due_date)
    .bind(totals.net_total)
    .bind(totals.tax_total)
    .bind(totals.total)
    .bind(label(&rounding.mode))
    .bind(label(&rounding.scope))
    .execute(&mut *conn)
    .await?;
    require_row(result, event)?;
    // The issued lines are the document: replace the draft's with them.
    sqlx::query("DELETE FROM invoice_lines WHERE tenant_id = $1 AND invoice_id = $2")
        .bind(event.tenant_id)
        .bind(invoice)
        .execute(&mut *conn)
        .await?;
    for (position, line) in (1..).zip(lines) {
        insert_line(
            conn,
            event,
            invoice,
            line.line_id.0,
            Some(position),
            &line.item,
            Some(&line.priced),
        )
        .await?;
    }
    post(
        conn,
        event,
        invoice,
        Posting::InvoiceIssued,
        &number.to_string(),
        issue_date,
        totals,
    )
    .await
}

/// Files one invoice event. Long on purpose (about 270 lines): one match arm per
/// event type, each one or two SQL statements, so the whole write side of the
/// invoice tables reads in one place, in the order of the invoice's life; the
/// multi-statement steps (issue, settle, post, reverse) are functions of their own.
async fn project_invoice(
    conn: &mut PgConnection,
    event: &FeedEvent,
    payload: InvoiceEvent,
) -> Result<(), ProjectionError> {
    let tenant = event.tenant_id;
    let invoice = aggregate_uuid(event)?;
    match payload {
        InvoiceEvent::DraftCreated {
            customer_id,
            currency,
            due_terms,
            notes,
            ..
        } => {
            let (due_date, net_days) = due_terms_columns(&due_terms);
            sqlx::query(
                "INSERT INTO invoices (tenant_id, invoice_id, customer_id, status, currency,
                     due_date, net_days, notes, created_at, updated_at, version)
                 VALUES ($1, $2, $3, 'DRAFT', $4, $5, $6, $7, $8, $8, $9)",
            )
            .bind(tenant)
            .bind(invoice)
            .bind(customer_id.0)
            .bind(currency.code())
            .bind(due_date)
            .bind(net_days)
            .bind(&notes)
            .bind(event.recorded_at)
            .bind(event.sequence)
            .execute(&mut *conn)
            .await?;
            return Ok(());
        }
        InvoiceEvent::LineAdded { line_id, item } => {
            insert_line(conn, event, invoice, line_id.0, None, &item, None).await?;
        }
        InvoiceEvent::LineChanged { line_id, item } => {
            let (discount_kind, discount_value) = discount_columns(&item);
            let result = sqlx::query(
                "UPDATE invoice_lines SET description = $4, quantity = $5, unit_price = $6,
                     discount_kind = $7, discount_value = $8, taxes = $9
                 WHERE tenant_id = $1 AND invoice_id = $2 AND line_id = $3",
            )
            .bind(tenant)
            .bind(invoice)
            .bind(line_id.0)
            .bind(&item.description)
            .bind(item.quantity)
            .bind(item.unit_price)
            .bind(discount_kind)
            .bind(discount_value)
            .bind(Json(&item.taxes))
            .execute(&mut *conn)
            .await?;
            require_row(result, event)?;
        }
        InvoiceEvent::LineRemoved { line_id } => {
            let position: Option<i32> = sqlx::query_scalar(
                "DELETE FROM invoice_lines WHERE tenant_id = $1 AND invoice_id = $2 AND line_id = $3
                 RETURNING position",
            )
            .bind(tenant)
            .bind(invoice)
            .bind(line_id.0)
            .fetch_optional(&mut *conn)
            .await?;
            let position = position.ok_or_else(|| ProjectionError::missing_row(event))?;
            sqlx::query(
                "UPDATE invoice_lines SET position = position - 1
                 WHERE tenant_id = $1 AND invoice_id = $2 AND position > $3",
            )
            .bind(tenant)
            .bind(invoice)
            .bind(position)
            .execute(&mut *conn)
            .await?;
        }
        InvoiceEvent::DraftTermsUpdated { due_terms, notes } => {
            let (due_date, net_days) = due_terms_columns(&due_terms);
            let result = sqlx::query(
                "UPDATE invoices SET due_date = $3, net_days = $4, notes = $5
                 WHERE tenant_id = $1 AND invoice_id = $2",
            )
            .bind(tenant)
            .bind(invoice)
            .bind(due_date)
            .bind(net_days)
            .bind(&notes)
            .execute(&mut *conn)
            .await?;
            require_row(result, event)?;
        }
        InvoiceEvent::InvoiceIssued {
            number,
            issue_date,
            due_date,
            rounding,
            lines,
            totals,
        } => {
            let issued = Issued {
                number: &number,
                issue_date,
                due_date,
                rounding: &rounding,
                lines: &lines,
                totals: &totals,
            };
            issue(conn, event, invoice, issued).await?;
        }
        InvoiceEvent::InvoiceSent {
            sent_at,
            recipients,
        } => {
            let result = sqlx::query(
                "UPDATE invoices SET status = 'SENT', sent_at = $3, sent_to = $4
                 WHERE tenant_id = $1 AND invoice_id = $2",
            )
            .bind(tenant)
            .bind(invoice)
            .bind(sent_at)
            // None once the customer's personal data is erased.
            .bind((!recipients.is_empty()).then(|| recipients.join(", ")))
            .execute(&mut *conn)
            .await?;
            require_row(result, event)?;
        }
        InvoiceEvent::PaymentRecorded {
            payment_id,
            amount,
            received_on,
            method,
            reference,
            amount_due_after,
            credit_after,
        } => {
            let result = sqlx::query(
                "INSERT INTO payments (tenant_id, payment_id, invoice_id, customer_id, currency,
                     amount, received_on, method, reference, recorded_at, sequence)
                 SELECT tenant_id, $3, invoice_id, customer_id, $4, $5, $6, $7, $8, $9, $10
                 FROM invoices WHERE tenant_id = $1 AND invoice_id = $2",
            )
            .bind(tenant)
            .bind(invoice)
            .bind(payment_id.0)
            .bind(amount.currency.code())
            .bind(amount.amount)
            .bind(received_on)
            .bind(label(&method))
            .bind(&reference)
            .bind(event.recorded_at)
            .bind(event.sequence)
            .execute(&mut *conn)
            .await?;
            require_row(result, event)?;
            settle(
                conn,
                event,
                invoice,
                Settled::Paid(amount.amount),
                Balance {
                    amount_due: amount_due_after,
                    credit: credit_after,
                },
            )
            .await?;
        }
        InvoiceEvent::PaymentRefunded {
            refund_id,
            payment_id,
            amount,
            refunded_on,
            reason,
            amount_due_after,
            credit_after,
        } => {
            sqlx::query(
                "INSERT INTO payment_refunds (tenant_id, refund_id, payment_id, invoice_id,
                     currency, amount, refunded_on, reason, recorded_at, sequence)
                 VALUES ($1, $3, $4, $2, $5, $6, $7, $8, $9, $10)",
            )
            .bind(tenant)
            .bind(invoice)
            .bind(refund_id.0)
            .bind(payment_id.0)
            .bind(amount.currency.code())
            .bind(amount.amount)
            .bind(refunded_on)
            .bind(&reason)
            .bind(event.recorded_at)
            .bind(event.sequence)
            .execute(&mut *conn)
            .await?;
            let result = sqlx::query(
                "UPDATE payments SET refunded_amount = refunded_amount + $3
                 WHERE tenant_id = $1 AND payment_id = $2",
            )
            .bind(tenant)
            .bind(payment_id.0)
            .bind(amount.amount)
            .execute(&mut *conn)
            .await?;
            require_row(result, event)?;
            settle(
                conn,
                event,
                invoice,
                Settled::Paid(-amount.amount),
                Balance {
                    amount_due: amount_due_after,
                    credit: credit_after,
                },
            )
            .await?;
        }
        InvoiceEvent::CreditNoteIssued {
            credit_note_id,
            number,
            issue_date,
            reason,
            totals,
            lines,
            amount_due_after,
            credit_after,
        } => {
            let result = sqlx::query(
                "INSERT INTO credit_notes (tenant_id, credit_note_id, invoice_id, customer_id,
                     number, number_series, number_sequence, issue_date, reason, currency,
                     kind, net_total, tax_total, total, recorded_at, sequence)
                 SELECT tenant_id, $3, invoice_id, customer_id, $4, $5, $6, $7, $8, currency,
                        $13, $9, $10, $11, $12, $14
                 FROM invoices WHERE tenant_id = $1 AND invoice_id = $2",
            )
            .bind(tenant)
            .bind(invoice)
            .bind(credit_note_id.0)
            .bind(number.to_string())
            .bind(&number.series)
            .bind(number_sequence(&number, event)?)
            .bind(issue_date)
            .bind(&reason)
            .bind(totals.net_total)
            .bind(totals.tax_total)
            .bind(totals.total)
            .bind(event.recorded_at)
            .bind(if lines.is_empty() { "AMOUNT" } else { "LINES" })
            .bind(event.sequence)
            .execute(&mut *conn)
            .await?;
            require_row(result, event)?;
            if !lines.is_empty() {
                sqlx::query(
                    "INSERT INTO credit_note_lines (tenant_id, credit_note_id, invoice_id,
                         line_id, quantity, net_amount, tax_amount)
                     SELECT $1, $2, $3, l.line_id, l.quantity, l.net_amount, l.tax_amount
                     FROM unnest($4::uuid[], $5::numeric[], $6::numeric[], $7::numeric[])
                          AS l(line_id, quantity, net_amount, tax_amount)",
                )
                .bind(tenant)
                .bind(credit_note_id.0)
                .bind(invoice)
                .bind(lines.iter().map(|l| l.line_id.0).collect::<Vec<Uuid>>())
                .bind(lines.iter().map(|l| l.quantity).collect::<Vec<Decimal>>())
                .bind(lines.iter().map(|l| l.net_amount).collect::<Vec<Decimal>>())
                .bind(lines.iter().map(|l| l.tax_amount).collect::<Vec<Decimal>>())
                .execute(&mut *conn)
                .await?;
            }
            settle(
                conn,
                event,
                invoice,
                Settled::Credited(totals.total),
                Balance {
                    amount_due: amount_due_after,
                    credit: credit_after,
                },
            )
            .await?;
            post(
                conn,
                event,
                invoice,
                Posting::CreditNoteIssued,
                &number.to_string(),
                issue_date,
                &totals,
            )
            .await?;
        }
        InvoiceEvent::CreditTransferred {
            transfer_id,
            to_invoice,
            amount,
            transferred_on,
            amount_due_after,
            credit_after,
        } => {
            let half = TransferHalf::Out {
                to: to_invoice.0,
                on: transferred_on,
            };
            let after = Balance {
                amount_due: amount_due_after,
                credit: credit_after,
            };
            move_credit(conn, event, invoice, (transfer_id.0, half), &amount, after).await?;
        }
        InvoiceEvent::CreditApplied {
            transfer_id,
            from_invoice,
            amount,
            applied_on,
            amount_due_after,
            credit_after,
        } => {
            let half = TransferHalf::In {
                from: from_invoice.0,
                on: applied_on,
            };
            let after = Balance {
                amount_due: amount_due_after,
                credit: credit_after,
            };
            move_credit(conn, event, invoice, (transfer_id.0, half), &amount, after).await?;
        }
        InvoiceEvent::CreditReturned {
            transfer_id,
            amount,
            returned_on,
            amount_due_after,
            credit_after,
        } => {
            let result = sqlx::query(
                "UPDATE credit_transfers SET returned_on = $3, returned_at = $4
                 WHERE tenant_id = $1 AND transfer_id = $2",
            )
            .bind(tenant)
            .bind(transfer_id.0)
            .bind(returned_on)
            .bind(event.recorded_at)
            .execute(&mut *conn)
            .await?;
            require_row(result, event)?;
            let after = Balance {
                amount_due: amount_due_after,
                credit: credit_after,
            };
            settle(
                conn,
                event,
                invoice,
                Settled::CreditMoved(amount.amount),
                after,
            )
            .await?;
        }
        InvoiceEvent::InvoiceVoided { reason, voided_on } => {
            reverse_postings(conn, event, invoice, voided_on).await?;
            let result = sqlx::query(
                "UPDATE invoices SET status = 'VOID', voided_on = $3, void_reason = $4,
                     amount_due = CASE WHEN amount_due IS NULL THEN NULL ELSE 0 END
                 WHERE tenant_id = $1 AND invoice_id = $2",
            )
            .bind(tenant)
            .bind(invoice)
            .bind(voided_on)
            .bind(&reason)
            .execute(&mut *conn)
            .await?;
            require_row(result, event)?;
        }
        InvoiceEvent::DocumentArchived {
            document,
            files,
            archived_at,
        } => {
            let credit_note = match document {
                DocumentOfInvoice::Invoice => None,
                DocumentOfInvoice::CreditNote { credit_note_id } => Some(credit_note_id.0),
            };
            for file in &files {
                let format = match file.format {
                    ArchivedFormat::FacturX => "FACTUR_X",
                    ArchivedFormat::Ubl => "UBL",
                };
                sqlx::query(
                    "INSERT INTO archived_documents (tenant_id, invoice_id, credit_note_id, format,
                         sha256, size_bytes, content_type, archived_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(tenant)
                .bind(invoice)
                .bind(credit_note)
                .bind(format)
                .bind(&file.sha256)
                .bind(i64::try_from(file.size_bytes).unwrap_or(i64::MAX))
                .bind(&file.content_type)
                .bind(archived_at)
                .execute(&mut *conn)
                .await?;
            }
        }
        InvoiceEvent::InvoiceCancelled {
            reason,
            cancelled_on,
            sat_reason,
            replaced_by,
        } => {
            reverse_postings(conn, event, invoice, cancelled_on).await?;
            let result = sqlx::query(
                "UPDATE invoices SET status = 'VOID', voided_on = $3, void_reason = $4,
                     sat_cancellation_reason = $5, replaced_by = $6,
                     amount_due = CASE WHEN amount_due IS NULL THEN NULL ELSE 0 END
                 WHERE tenant_id = $1 AND invoice_id = $2",
            )
            .bind(tenant)
            .bind(invoice)
            .bind(cancelled_on)
            .bind(&reason)
            .bind(sat_reason.code())
            .bind(replaced_by.map(|id| id.0))
            .execute(&mut *conn)
            .await?;
            require_row(result, event)?;
        }
    }
    touch_invoice(conn, event, invoice).await
}
