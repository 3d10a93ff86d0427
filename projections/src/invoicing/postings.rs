//! The revenue and tax ledger behind the reports: every issued document's
//! totals filed as signed entries (an invoice positive, a credit note
//! negative), and a void's reversal of everything filed for its invoice. The
//! entries are never updated, so a report over any period adds them up.

use chrono::NaiveDate;
use folio_domain::exchange::AccountingTotals;
use folio_domain::pricing::DocumentTotals;
use folio_domain::tax::VatCategory;
use rust_decimal::Decimal;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::event_values::{label, require_row};
use crate::feed::FeedEvent;
use crate::projector::ProjectionError;

/// The kinds of revenue and tax postings.
#[derive(Debug, Clone, Copy)]
pub(super) enum Posting {
    /// An invoice's totals, filed as they are.
    InvoiceIssued,
    /// A credit note's totals, filed negative.
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

/// An issued document as the ledger files it.
pub(super) struct Entry<'a> {
    pub posting: Posting,
    pub document_number: &'a str,
    pub entry_date: NaiveDate,
    pub totals: &'a DocumentTotals,
    /// Its totals in the accounting currency, when it is foreign to the books.
    pub accounting: Option<&'a AccountingTotals>,
}

/// Files a document's totals as signed revenue and tax entries, with their
/// amounts in the accounting currency when it is foreign to the books.
pub(super) async fn post(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    entry: Entry<'_>,
) -> Result<(), ProjectionError> {
    let (sign, totals, books) = (entry.posting.sign(), entry.totals, entry.accounting);
    let result = sqlx::query(
        "INSERT INTO revenue_entries (tenant_id, invoice_id, sequence, customer_id, kind,
             document_number, entry_date, currency, net_amount, tax_amount, total_amount,
             accounting_currency, accounting_net_amount, accounting_tax_amount,
             accounting_total_amount)
         SELECT tenant_id, invoice_id, $3, customer_id, $4, $5, $6, currency, $7, $8, $9,
                $10, $11, $12, $13
         FROM invoices WHERE tenant_id = $1 AND invoice_id = $2",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(event.sequence)
    .bind(entry.posting.kind())
    .bind(entry.document_number)
    .bind(entry.entry_date)
    .bind(sign * totals.net_total)
    .bind(sign * totals.tax_total)
    .bind(sign * totals.total)
    .bind(books.map(|b| b.exchange_rate.rate.to.code()))
    .bind(books.map(|b| sign * b.net_total))
    .bind(books.map(|b| sign * b.tax_total))
    .bind(books.map(|b| sign * b.total))
    .execute(&mut *conn)
    .await?;
    require_row(result, event)?;
    post_taxes(conn, event, invoice, &entry).await
}

/// Files a document's tax totals as signed tax entries, one per rate and
/// exemption, in the order the document lists them.
async fn post_taxes(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    entry: &Entry<'_>,
) -> Result<(), ProjectionError> {
    let (posting, entry_date, totals) = (entry.posting, entry.entry_date, entry.totals);
    let sign = posting.sign();
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
    // In the books: each rate's base and tax converted once at the document's
    // rate (their sum may differ from the document's converted totals by
    // rounding, as each is rounded on its own).
    let rate = entry.accounting.map(|books| &books.exchange_rate.rate);
    let in_books = |amounts: &[Decimal]| -> Vec<Option<Decimal>> {
        let convert = |amount: &Decimal| rate.map(|rate| rate.convert_amount(*amount));
        amounts.iter().map(convert).collect()
    };
    sqlx::query(
        "INSERT INTO tax_entries (tenant_id, invoice_id, sequence, ordinal, kind, entry_date,
             currency, tax_code, tax_percent, treatment, vat_category, exemption_code,
             exemption_reason, taxable_base, tax_amount, accounting_currency,
             accounting_taxable_base, accounting_tax_amount)
         SELECT i.tenant_id, i.invoice_id, $3, t.ordinal, $4, $5, i.currency, t.code, t.percent,
                t.treatment, t.category, t.exemption_code, t.exemption_reason, t.base, t.amount,
                $15, t.books_base, t.books_amount
         FROM invoices i,
              unnest($6::int[], $7::text[], $8::numeric[], $9::text[], $10::text[], $11::text[],
                     $12::text[], $13::numeric[], $14::numeric[], $16::numeric[], $17::numeric[])
                  AS t(ordinal, code, percent, treatment, category, exemption_code,
                       exemption_reason, base, amount, books_base, books_amount)
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
    .bind(rate.map(|rate| rate.to.code()))
    .bind(in_books(&bases))
    .bind(in_books(&amounts))
    .execute(conn)
    .await?;
    Ok(())
}

/// Reverses everything posted for an invoice so far, dated `on`.
pub(super) async fn reverse_postings(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    on: NaiveDate,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "INSERT INTO revenue_entries (tenant_id, invoice_id, sequence, customer_id, kind,
             document_number, entry_date, currency, net_amount, tax_amount, total_amount,
             accounting_currency, accounting_net_amount, accounting_tax_amount,
             accounting_total_amount)
         SELECT i.tenant_id, i.invoice_id, $3, i.customer_id, 'INVOICE_VOIDED', i.number, $4,
                i.currency, -sum(r.net_amount), -sum(r.tax_amount), -sum(r.total_amount),
                r.accounting_currency, -sum(r.accounting_net_amount),
                -sum(r.accounting_tax_amount), -sum(r.accounting_total_amount)
         FROM invoices i JOIN revenue_entries r USING (tenant_id, invoice_id)
         WHERE i.tenant_id = $1 AND i.invoice_id = $2
         GROUP BY i.tenant_id, i.invoice_id, i.customer_id, i.number, i.currency,
                  r.accounting_currency",
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
             exemption_reason, taxable_base, tax_amount, accounting_currency,
             accounting_taxable_base, accounting_tax_amount)
         SELECT tenant_id, invoice_id, $3,
                row_number() OVER (ORDER BY tax_code, tax_percent, treatment, vat_category,
                                            exemption_code, exemption_reason)::int,
                'INVOICE_VOIDED', $4, currency, tax_code, tax_percent, treatment, vat_category,
                exemption_code, exemption_reason, -sum(taxable_base), -sum(tax_amount),
                accounting_currency, -sum(accounting_taxable_base), -sum(accounting_tax_amount)
         FROM tax_entries
         WHERE tenant_id = $1 AND invoice_id = $2
         GROUP BY tenant_id, invoice_id, currency, tax_code, tax_percent, treatment,
                  vat_category, exemption_code, exemption_reason, accounting_currency",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(event.sequence)
    .bind(on)
    .execute(conn)
    .await?;
    Ok(())
}
