//! An invoice's life as a document: issued (numbered, its lines fixed, its
//! totals in the ledger), sent, archived, and voided or cancelled (its postings
//! reversed, nothing more owed).

use chrono::NaiveDate;
use folio_domain::adjustment::{adjustment_totals, IssuedAdjustment};
use folio_domain::document_number::DocumentNumber;
use folio_domain::exchange::AccountingTotals;
use folio_domain::invoice::{
    ArchivedFile, ArchivedFormat, DocumentOfInvoice, InvoiceEvent, IssuedLine,
};
use folio_domain::pricing::{DocumentTotals, RoundingPolicy};
use rust_decimal::Decimal;
use sqlx::PgConnection;
use uuid::Uuid;

use super::adjustments;
use super::drafts::insert_line;
use super::mexico::file_cfdi_terms;
use super::postings::{post, reverse_postings, Entry, Posting};
use super::stamps::file_stamp_pending;
use crate::event_values::{label, number_sequence, require_row};
use crate::feed::FeedEvent;
use crate::projector::ProjectionError;

/// Files an event of the invoice as a document; any other is refused as not one.
pub(super) async fn project_document(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    payload: InvoiceEvent,
) -> Result<(), ProjectionError> {
    match payload {
        InvoiceEvent::InvoiceIssued {
            number,
            issue_date,
            due_date,
            rounding,
            lines,
            adjustments,
            totals,
            // Credit applied at issue is filed from the CreditApplied recorded
            // with this event, as any applied credit is.
            prepaid: _,
            accounting,
            cfdi,
        } => {
            let issued = Issued {
                number: &number,
                issue_date,
                due_date,
                rounding: &rounding,
                lines: &lines,
                adjustments: &adjustments,
                totals: &totals,
                accounting: accounting.as_ref(),
            };
            issue(conn, event, invoice, issued).await?;
            match cfdi {
                Some(cfdi) => {
                    let cfdi_use = Some(cfdi.receiver.cfdi_use.as_str());
                    file_cfdi_terms(conn, event, invoice, &cfdi.payment, cfdi_use).await?;
                    file_stamp_pending(conn, event, invoice).await
                }
                None => Ok(()),
            }
        }
        InvoiceEvent::InvoiceSent {
            sent_at,
            recipients,
            ..
        } => {
            let result = sqlx::query(
                "UPDATE invoices SET status = 'SENT', sent_at = $3, sent_to = $4
                 WHERE tenant_id = $1 AND invoice_id = $2",
            )
            .bind(event.tenant_id)
            .bind(invoice)
            .bind(sent_at)
            // None once the customer's personal data is erased.
            .bind((!recipients.is_empty()).then(|| recipients.join(", ")))
            .execute(conn)
            .await?;
            require_row(result, event)
        }
        InvoiceEvent::DocumentArchived {
            document,
            files,
            archived_at,
        } => {
            let archived = (document, files.as_slice(), archived_at);
            file_archive(conn, event, invoice, archived).await
        }
        InvoiceEvent::InvoiceVoided { reason, voided_on } => {
            let void = Void {
                on: voided_on,
                reason: &reason,
                sat: None,
            };
            file_void(conn, event, invoice, void).await
        }
        InvoiceEvent::InvoiceCancelled {
            reason,
            cancelled_on,
            sat_reason,
            replaced_by,
        } => {
            let void = Void {
                on: cancelled_on,
                reason: &reason,
                sat: Some((sat_reason.code(), replaced_by.map(|id| id.0))),
            };
            file_void(conn, event, invoice, void).await?;
            super::cancellations::file_cancelled(conn, event, invoice).await
        }
        _ => Err(ProjectionError::unfiled(event, "a document")),
    }
}

/// A void, or a Mexican cancellation (a void with SAT's reason and, maybe,
/// the invoice that replaces it).
struct Void<'a> {
    on: NaiveDate,
    reason: &'a str,
    sat: Option<(&'static str, Option<Uuid>)>,
}

/// Voids an invoice: its postings reversed on the void's date, its status
/// `VOID`, nothing more owed.
async fn file_void(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    void: Void<'_>,
) -> Result<(), ProjectionError> {
    reverse_postings(conn, event, invoice, void.on).await?;
    let (sat_reason, replaced_by) = void.sat.unzip();
    let result = sqlx::query(
        "UPDATE invoices SET status = 'VOID', voided_on = $3, void_reason = $4,
             sat_cancellation_reason = $5, replaced_by = $6,
             amount_due = CASE WHEN amount_due IS NULL THEN NULL ELSE 0 END
         WHERE tenant_id = $1 AND invoice_id = $2",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(void.on)
    .bind(void.reason)
    .bind(sat_reason)
    .bind(replaced_by.flatten())
    .execute(conn)
    .await?;
    require_row(result, event)
}

/// Files the stored files of an issued invoice (no credit note) or of one of
/// its credit notes.
async fn file_archive(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    (document, files, archived_at): (
        DocumentOfInvoice,
        &[ArchivedFile],
        chrono::DateTime<chrono::Utc>,
    ),
) -> Result<(), ProjectionError> {
    let (credit_note, payment) = match document {
        DocumentOfInvoice::Invoice => (None, None),
        DocumentOfInvoice::CreditNote { credit_note_id } => (Some(credit_note_id.0), None),
        DocumentOfInvoice::PaymentComplement { payment_id } => (None, Some(payment_id.0)),
    };
    for file in files {
        let format = match file.format {
            ArchivedFormat::FacturX => "FACTUR_X",
            ArchivedFormat::Ubl => "UBL",
            ArchivedFormat::Cfdi => "CFDI",
            ArchivedFormat::CfdiPdf => "CFDI_PDF",
        };
        sqlx::query(
            "INSERT INTO archived_documents (tenant_id, invoice_id, credit_note_id, payment_id,
                 format, sha256, size_bytes, content_type, archived_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(event.tenant_id)
        .bind(invoice)
        .bind(credit_note)
        .bind(payment)
        .bind(format)
        .bind(&file.sha256)
        .bind(i64::try_from(file.size_bytes).unwrap_or(i64::MAX))
        .bind(&file.content_type)
        .bind(archived_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// `amount` at the scale of the invoice's amounts: a sum of nothing reads
/// `0.00` in euros, as every other amount of the invoice does.
fn in_minor_units(mut amount: Decimal, totals: &DocumentTotals) -> Decimal {
    amount.rescale(totals.net_total.scale());
    amount
}

/// The parts of `InvoiceIssued` the read models file.
struct Issued<'a> {
    number: &'a DocumentNumber,
    issue_date: NaiveDate,
    due_date: NaiveDate,
    rounding: &'a RoundingPolicy,
    lines: &'a [IssuedLine],
    adjustments: &'a [IssuedAdjustment],
    totals: &'a DocumentTotals,
    accounting: Option<&'a AccountingTotals>,
}

/// Files an issue: the invoice's number, dates and totals (and, booked in a
/// foreign currency, its rate and totals in the books), its issued lines and
/// adjustments in place of the draft's, and its totals in the ledger.
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
        adjustments,
        totals,
        accounting,
    } = issued;
    let line_total: Decimal = lines.iter().map(|l| l.priced.net_amount).sum();
    let (allowance_total, charge_total) = adjustment_totals(adjustments);
    let result = sqlx::query(
        "UPDATE invoices SET status = 'ISSUED', number = $3, number_series = $4,
             number_sequence = $5, issue_date = $6, due_date = $7, net_days = NULL,
             net_total = $8, tax_total = $9, total = $10, amount_due = $10,
             rounding_mode = $11, rounding_scope = $12,
             line_total = $13, allowance_total = $14, charge_total = $15,
             accounting_currency = $16, exchange_rate = $17, exchange_rate_date = $18,
             exchange_rate_source = $19, accounting_net_total = $20,
             accounting_tax_total = $21, accounting_total = $22
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
    .bind(in_minor_units(line_total, totals))
    .bind(in_minor_units(allowance_total, totals))
    .bind(in_minor_units(charge_total, totals))
    .bind(accounting.map(|a| a.exchange_rate.rate.to.code()))
    .bind(accounting.map(|a| a.exchange_rate.rate.rate))
    .bind(accounting.map(|a| a.exchange_rate.date))
    .bind(accounting.and_then(|a| a.exchange_rate.rate.source.as_deref()))
    .bind(accounting.map(|a| a.net_total))
    .bind(accounting.map(|a| a.tax_total))
    .bind(accounting.map(|a| a.total))
    .execute(&mut *conn)
    .await?;
    require_row(result, event)?;
    adjustments::file_issued(conn, event, invoice, adjustments).await?;
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
    let entry = Entry {
        posting: Posting::InvoiceIssued,
        document_number: &number.to_string(),
        entry_date: issue_date,
        totals,
        accounting,
    };
    post(conn, event, invoice, entry).await
}
