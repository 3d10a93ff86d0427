//! The `invoicing` projector: customers, invoices and their lines, payments,
//! refunds, credit notes, and the signed revenue and tax entries behind the
//! reports. Tables: `tables.sql` beside this file; reads: [`queries`].
//!
//! Amounts come from the events as the domain decided them (rounded totals, amount
//! due after each payment); this code only files them. One file per family of
//! events: `customers`, `drafts`, `adjustments` (a draft's allowances and
//! charges), `lifecycle` (issue, send, archive, void),
//! `payments`, `credits` (credit notes and moves), `stamps` (the fiscal stamp
//! of each Mexican CFDI: an invoice's, a complement's, a credit note's),
//! `complements` (a payment's complement numbered), `cancellations`;
//! `settlement` and `postings`
//! are what several families write (an invoice's running totals, the revenue
//! and tax ledger).

mod adjustments;
mod cancellations;
mod complements;
mod credits;
mod customers;
mod drafts;
mod exchange;
mod lifecycle;
mod mexico;
mod payments;
mod postings;
pub mod queries;
mod reminders;
mod settlement;
mod stamps;

use async_trait::async_trait;
use cqrs_es::Aggregate;
use folio_domain::customer::Customer;
use folio_domain::invoice::{Invoice, InvoiceEvent};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::event_values::{aggregate_uuid, require_row};
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
        // 9: payment_status(...), the one definition of an invoice's payment
        //    status, used by invoice_overview.
        // 10: invoice_adjustments (allowances and charges on the whole
        //     document); invoices.line_total, allowance_total, charge_total.
        // 11: invoice_lines.price_basis (tax-inclusive prices).
        // 12: invoices.accounting_* and exchange_rate* (foreign-currency
        //     invoices booked in the accounting currency), credit_notes.accounting_*,
        //     payments.exchange_*, exchange_differences.
        // 13: payments.accounting_amount, payment_refunds.accounting_amount,
        //     customer_ledger in the books (accounting_currency, accounting_amount,
        //     EXCHANGE_DIFFERENCE entries).
        // 14: credit moved between invoices in foreign books:
        //     credit_transfers.accounting_amount and applied_accounting_amount,
        //     exchange_differences.transfer_id (payment_id nullable), the
        //     ledger's credit entries in the books.
        // 15: invoices.price_basis and invoice_overview.price_basis (the
        //     draft's basis for lines that state none).
        // 16: payment_reminders; invoices.reminders_sent, last_reminded_on,
        //     disputed_on, dispute_reason (dunning), in invoice_overview too.
        // 17: Mexico's tax data: customers.sat_*, invoice_lines.sat_*,
        //     invoices.cfdi_payment_method, cfdi_payment_form, cfdi_use.
        // 18: the fiscal stamp: invoices.cfdi_status, cfdi_sealed_*, cfdi_uuid,
        //     cfdi_stamped_at, ..., cfdi_rejection_*; the cfdi_awaiting_stamp view.
        // 19: archived_documents.format CFDI and CFDI_PDF; a Mexican invoice
        //     awaits its archive only once stamped.
        // 20: invoices.cfdi_cancellation_* (a stamped CFDI cancelled through
        //     SAT); the cfdi_awaiting_cancellation view.
        // 21: invoice_overview.cfdi_cancellation_* (the request, SAT's
        //     acknowledgement, a refusal), which the API shows.
        // 22: payment_complements (a Mexican payment's CFDI of type P, its
        //     number and stamp); the cfdi_complements_awaiting_stamp view.
        // 23: archived_documents.payment_id (a stamped complement's files);
        //     documents_awaiting_archive names stamped complements too.
        // 24: credit_notes.cfdi_* (a Mexican credit note's CFDI of type E and
        //     its stamp); the cfdi_credit_notes_awaiting_stamp view; a Mexican
        //     credit note awaits its archive only once stamped.
        24
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
            customers::project_customer(conn, event, decode(event)?).await
        } else {
            project_invoice(conn, event, decode(event)?).await
        }
    }
}

/// Files one invoice event through the file of its family, then moves the
/// invoice row to the event's version (a new draft's insert sets it itself).
async fn project_invoice(
    conn: &mut PgConnection,
    event: &FeedEvent,
    payload: InvoiceEvent,
) -> Result<(), ProjectionError> {
    use InvoiceEvent as E;
    let invoice = aggregate_uuid(event)?;
    let versioned_by_its_insert = matches!(payload, E::DraftCreated { .. });
    match payload {
        e @ (E::DraftCreated { .. }
        | E::LineAdded { .. }
        | E::LineChanged { .. }
        | E::LineRemoved { .. }
        | E::DraftTermsUpdated { .. }) => drafts::project_draft(conn, event, invoice, e).await?,
        E::CfdiTermsSet { terms } => {
            let cfdi_use = terms.cfdi_use.as_deref();
            mexico::file_cfdi_terms(conn, event, invoice, &terms, cfdi_use).await?
        }
        e @ (E::CfdiSealed(_)
        | E::CfdiStamped(_)
        | E::CfdiStampRejected(_)
        | E::CfdiStampRequested { .. }
        | E::PaymentComplementSealed { .. }
        | E::PaymentComplementStamped { .. }
        | E::PaymentComplementRejected { .. }
        | E::PaymentComplementRequested { .. }
        | E::CreditNoteCfdiSealed { .. }
        | E::CreditNoteCfdiStamped { .. }
        | E::CreditNoteCfdiRejected { .. }
        | E::CreditNoteCfdiRequested { .. }) => {
            let (document, step) = e
                .into_stamp_step()
                .ok_or_else(|| ProjectionError::decode(event, "not a stamp event"))?;
            stamps::project_stamp_step(conn, event, (invoice, document), step).await?
        }
        E::PaymentComplementIssued {
            payment_id,
            number,
            issue_date,
        } => {
            let numbered = (payment_id, number, issue_date);
            complements::file_complement_issued(conn, event, invoice, numbered).await?
        }
        e @ (E::CfdiCancellationRequested(_)
        | E::CfdiCancellationSubmitted(_)
        | E::CfdiCancellationRefused(_)) => {
            cancellations::project_cancellation(conn, event, invoice, e).await?
        }
        e @ (E::DocumentAdjustmentAdded { .. } | E::DocumentAdjustmentRemoved { .. }) => {
            adjustments::project_adjustment(conn, event, invoice, e).await?
        }
        e @ (E::InvoiceIssued { .. }
        | E::InvoiceSent { .. }
        | E::DocumentArchived { .. }
        | E::InvoiceVoided { .. }
        | E::InvoiceCancelled { .. }) => {
            lifecycle::project_document(conn, event, invoice, e).await?
        }
        e @ (E::PaymentRecorded { .. } | E::PaymentRefunded { .. }) => {
            payments::project_payment(conn, event, invoice, e).await?
        }
        E::ExchangeDifferenceRealised {
            payment_id,
            refund_id,
            on,
            settled,
            booked_rate,
            payment_rate,
            difference,
        } => {
            let realised = exchange::Realised {
                by: exchange::RealisedBy::Payment {
                    payment_id,
                    refund_id,
                },
                on,
                settled: &settled,
                rates: (booked_rate, payment_rate),
                difference: &difference,
            };
            exchange::file_difference(conn, event, invoice, realised).await?
        }
        E::CreditExchangeDifferenceRealised {
            transfer_id,
            on,
            settled,
            booked_rate,
            credit_rate,
            difference,
            ..
        } => {
            let realised = exchange::Realised {
                by: exchange::RealisedBy::CreditMove(transfer_id),
                on,
                settled: &settled,
                rates: (booked_rate, credit_rate),
                difference: &difference,
            };
            exchange::file_difference(conn, event, invoice, realised).await?
        }
        e @ (E::CreditNoteIssued { .. }
        | E::CreditTransferred { .. }
        | E::CreditApplied { .. }
        | E::CreditReturned { .. }) => credits::project_credit(conn, event, invoice, e).await?,
        e @ (E::PaymentReminderSent(_) | E::InvoiceDisputed(_) | E::DisputeResolved(_)) => {
            reminders::project_reminder(conn, event, invoice, e).await?
        }
    }
    if versioned_by_its_insert {
        return Ok(());
    }
    touch_invoice(conn, event, invoice).await
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
