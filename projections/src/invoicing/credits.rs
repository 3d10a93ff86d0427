//! Credit: credit notes (with the lines they credit, filed negative in the
//! ledger) and credit moved between two invoices of a customer, or returned.

use chrono::NaiveDate;
use folio_domain::document_number::DocumentNumber;
use folio_domain::exchange::AccountingTotals;
use folio_domain::ids::{CreditNoteId, CreditTransferId};
use folio_domain::invoice::{CreditedLine, InvoiceEvent};
use folio_domain::money::Money;
use folio_domain::pricing::DocumentTotals;
use rust_decimal::Decimal;
use sqlx::PgConnection;
use uuid::Uuid;

use super::postings::{post, Entry, Posting};
use super::settlement::{apply_settlement, move_credit, Balance, Settled, TransferHalf};
use crate::event_values::{number_sequence, require_row};
use crate::feed::FeedEvent;
use crate::projector::ProjectionError;

/// Files a credit note or a credit move; any other event is refused as not one.
pub(super) async fn project_credit(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    payload: InvoiceEvent,
) -> Result<(), ProjectionError> {
    let after = |amount_due, credit| Balance { amount_due, credit };
    match payload {
        InvoiceEvent::CreditNoteIssued {
            credit_note_id,
            number,
            issue_date,
            reason,
            totals,
            lines,
            amount_due_after,
            credit_after,
            accounting,
        } => {
            let note = CreditNote {
                credit_note_id,
                number: &number,
                issue_date,
                reason: &reason,
                totals: &totals,
                lines: &lines,
                accounting: accounting.as_ref(),
            };
            issue_credit_note(conn, event, invoice, note).await?;
            let settled = Settled::Credited(totals.total);
            let after = after(amount_due_after, credit_after);
            apply_settlement(conn, event, invoice, settled, after).await?;
            let number = number.to_string();
            let entry = Entry {
                posting: Posting::CreditNoteIssued,
                document_number: &number,
                entry_date: issue_date,
                totals: &totals,
                accounting: accounting.as_ref(),
            };
            post(conn, event, invoice, entry).await
        }
        InvoiceEvent::CreditTransferred {
            transfer_id,
            to_invoice,
            amount,
            transferred_on,
            amount_due_after,
            credit_after,
            booked,
        } => {
            let half = TransferHalf::Out {
                to: to_invoice.0,
                on: transferred_on,
                booked,
            };
            let after = after(amount_due_after, credit_after);
            move_credit(conn, event, invoice, (transfer_id.0, half), &amount, after).await
        }
        InvoiceEvent::CreditApplied {
            transfer_id,
            from_invoice,
            amount,
            applied_on,
            amount_due_after,
            credit_after,
            booking,
        } => {
            let half = TransferHalf::In {
                from: from_invoice.0,
                on: applied_on,
                worth: booking.as_ref().map(|b| b.received),
                booked: booking.map(|b| b.booked),
            };
            let after = after(amount_due_after, credit_after);
            move_credit(conn, event, invoice, (transfer_id.0, half), &amount, after).await
        }
        InvoiceEvent::CreditReturned {
            transfer_id,
            amount,
            returned_on,
            amount_due_after,
            credit_after,
            ..
        } => {
            let after = after(amount_due_after, credit_after);
            let returned = (transfer_id, &amount, returned_on);
            return_credit(conn, event, invoice, returned, after).await
        }
        _ => Err(ProjectionError::unfiled(event, "a credit")),
    }
}

/// What `CreditNoteIssued` files as the credit note's rows.
struct CreditNote<'a> {
    credit_note_id: CreditNoteId,
    number: &'a DocumentNumber,
    issue_date: NaiveDate,
    reason: &'a str,
    totals: &'a DocumentTotals,
    /// Empty for a credit note of an amount.
    lines: &'a [CreditedLine],
    /// Its totals in the accounting currency, when the invoice is foreign.
    accounting: Option<&'a AccountingTotals>,
}

/// Inserts a credit note's row (for the invoice's customer and currency) and
/// the lines it credits.
async fn issue_credit_note(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    note: CreditNote<'_>,
) -> Result<(), ProjectionError> {
    let result = sqlx::query(
        "INSERT INTO credit_notes (tenant_id, credit_note_id, invoice_id, customer_id,
             number, number_series, number_sequence, issue_date, reason, currency,
             kind, net_total, tax_total, total, recorded_at, sequence,
             accounting_tax_total, accounting_total, cfdi_status)
         SELECT tenant_id, $3, invoice_id, customer_id, $4, $5, $6, $7, $8, currency,
                $13, $9, $10, $11, $12, $14, $15, $16,
                CASE WHEN cfdi_status IS NOT NULL THEN 'PENDING' END
         FROM invoices WHERE tenant_id = $1 AND invoice_id = $2",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(note.credit_note_id.0)
    .bind(note.number.to_string())
    .bind(&note.number.series)
    .bind(number_sequence(note.number, event)?)
    .bind(note.issue_date)
    .bind(note.reason)
    .bind(note.totals.net_total)
    .bind(note.totals.tax_total)
    .bind(note.totals.total)
    .bind(event.recorded_at)
    .bind(if note.lines.is_empty() {
        "AMOUNT"
    } else {
        "LINES"
    })
    .bind(event.sequence)
    .bind(note.accounting.map(|a| a.tax_total))
    .bind(note.accounting.map(|a| a.total))
    .execute(&mut *conn)
    .await?;
    require_row(result, event)?;
    if note.lines.is_empty() {
        return Ok(());
    }
    let lines = note.lines;
    sqlx::query(
        "INSERT INTO credit_note_lines (tenant_id, credit_note_id, invoice_id,
             line_id, quantity, net_amount, tax_amount)
         SELECT $1, $2, $3, l.line_id, l.quantity, l.net_amount, l.tax_amount
         FROM unnest($4::uuid[], $5::numeric[], $6::numeric[], $7::numeric[])
              AS l(line_id, quantity, net_amount, tax_amount)",
    )
    .bind(event.tenant_id)
    .bind(note.credit_note_id.0)
    .bind(invoice)
    .bind(lines.iter().map(|l| l.line_id.0).collect::<Vec<Uuid>>())
    .bind(lines.iter().map(|l| l.quantity).collect::<Vec<Decimal>>())
    .bind(lines.iter().map(|l| l.net_amount).collect::<Vec<Decimal>>())
    .bind(lines.iter().map(|l| l.tax_amount).collect::<Vec<Decimal>>())
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks a credit move returned (the other invoice never recorded it) and
/// settles the invoice it came back to.
async fn return_credit(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    (transfer, amount, returned_on): (CreditTransferId, &Money, NaiveDate),
    after: Balance,
) -> Result<(), ProjectionError> {
    let result = sqlx::query(
        "UPDATE credit_transfers SET returned_on = $3, returned_at = $4
         WHERE tenant_id = $1 AND transfer_id = $2",
    )
    .bind(event.tenant_id)
    .bind(transfer.0)
    .bind(returned_on)
    .bind(event.recorded_at)
    .execute(&mut *conn)
    .await?;
    require_row(result, event)?;
    let settled = Settled::CreditMoved(amount.amount);
    apply_settlement(conn, event, invoice, settled, after).await
}
