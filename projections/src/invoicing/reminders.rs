//! Payment reminders and disputes: each reminder a row of `payment_reminders`
//! and the invoice's last step; a dispute open on the invoice row while it
//! lasts.

use chrono::NaiveDate;
use folio_domain::dunning::late_fee_invoice_id;
use folio_domain::ids::{InvoiceId, TenantId};
use folio_domain::invoice::{DisputeResolved, Disputed, InvoiceEvent, ReminderSent};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::event_values::require_row;
use crate::feed::FeedEvent;
use crate::projector::ProjectionError;

/// Files a reminder or a dispute of the invoice; any other event is refused
/// as not one.
pub(super) async fn project_reminder(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    payload: InvoiceEvent,
) -> Result<(), ProjectionError> {
    match payload {
        InvoiceEvent::PaymentReminderSent(sent) => file_reminder(conn, event, invoice, sent).await,
        InvoiceEvent::InvoiceDisputed(Disputed {
            reason,
            disputed_on,
        }) => file_dispute(conn, event, invoice, Some((disputed_on, reason))).await,
        InvoiceEvent::DisputeResolved(DisputeResolved { .. }) => {
            file_dispute(conn, event, invoice, None).await
        }
        _ => Err(ProjectionError::unfiled(event, "a reminder or a dispute")),
    }
}

/// The invoice's open dispute: its day and reason, or none once resolved.
async fn file_dispute(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    open: Option<(NaiveDate, String)>,
) -> Result<(), ProjectionError> {
    let (disputed_on, reason) = open.unzip();
    let result = sqlx::query(
        "UPDATE invoices SET disputed_on = $3, dispute_reason = $4
         WHERE tenant_id = $1 AND invoice_id = $2",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(disputed_on)
    .bind(reason)
    .execute(conn)
    .await?;
    require_row(result, event)
}

async fn file_reminder(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    sent: ReminderSent,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "INSERT INTO payment_reminders
            (tenant_id, invoice_id, step, reminded_on, days_after_due, currency, amount_due,
             e_mailed, recorded_at, late_fee, late_fee_tax_rate_key, fee_invoice_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(i16::from(sent.step))
    .bind(sent.reminded_on)
    .bind(i32::try_from(sent.days_after_due).unwrap_or(i32::MAX))
    .bind(sent.amount_due.currency.code())
    .bind(sent.amount_due.amount)
    .bind(!sent.recipients.is_empty())
    .bind(event.recorded_at)
    .bind(sent.late_fee.as_ref().map(|fee| fee.amount.amount))
    .bind(sent.late_fee.as_ref().map(|fee| fee.tax_rate_key.clone()))
    .bind(
        sent.late_fee.as_ref().map(|_| {
            late_fee_invoice_id(TenantId(event.tenant_id), InvoiceId(invoice), sent.step).0
        }),
    )
    .execute(&mut *conn)
    .await?;
    let result = sqlx::query(
        "UPDATE invoices SET reminders_sent = $3, last_reminded_on = $4
         WHERE tenant_id = $1 AND invoice_id = $2",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(i16::from(sent.step))
    .bind(sent.reminded_on)
    .execute(conn)
    .await?;
    require_row(result, event)
}
