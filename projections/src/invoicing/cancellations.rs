//! A stamped CFDI's cancellation on its invoice's row: REQUESTED when a user
//! asks, SUBMITTED once SAT acknowledged it, REFUSED when SAT, the PAC or the
//! receiver said no, CANCELLED when the invoice is void by it.

use folio_domain::invoice::InvoiceEvent;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::event_values::require_row;
use crate::feed::FeedEvent;
use crate::projector::ProjectionError;

/// Files one of the cancellation's own events; any other is refused.
pub(super) async fn project_cancellation(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    payload: InvoiceEvent,
) -> Result<(), ProjectionError> {
    let query = match payload {
        InvoiceEvent::CfdiCancellationRequested(request) => sqlx::query(
            "UPDATE invoices SET cfdi_cancellation_status = 'REQUESTED',
                    cfdi_cancellation_requested_on = $3, cfdi_cancellation_reason = $4,
                    cfdi_cancellation_replaced_by = $5, cfdi_cancellation_replacement_uuid = $6,
                    cfdi_cancellation_acuse_sha256 = NULL, cfdi_cancellation_status_code = NULL,
                    cfdi_cancellation_submitted_at = NULL, cfdi_cancellation_refusal_code = NULL,
                    cfdi_cancellation_refusal_message = NULL, cfdi_cancellation_refused_at = NULL
             WHERE tenant_id = $1 AND invoice_id = $2",
        )
        .bind(event.tenant_id)
        .bind(invoice)
        .bind(request.requested_on)
        .bind(request.sat_reason.code())
        .bind(request.replaced_by.map(|id| id.0))
        .bind(request.replacement_uuid),
        InvoiceEvent::CfdiCancellationSubmitted(receipt) => sqlx::query(
            "UPDATE invoices SET cfdi_cancellation_status = 'SUBMITTED',
                    cfdi_cancellation_acuse_sha256 = $3, cfdi_cancellation_status_code = $4,
                    cfdi_cancellation_submitted_at = $5
             WHERE tenant_id = $1 AND invoice_id = $2",
        )
        .bind(event.tenant_id)
        .bind(invoice)
        .bind(receipt.acuse.sha256)
        .bind(receipt.status_code)
        .bind(receipt.received_at),
        InvoiceEvent::CfdiCancellationRefused(refusal) => sqlx::query(
            "UPDATE invoices SET cfdi_cancellation_status = 'REFUSED',
                    cfdi_cancellation_refusal_code = $3, cfdi_cancellation_refusal_message = $4,
                    cfdi_cancellation_refused_at = $5
             WHERE tenant_id = $1 AND invoice_id = $2",
        )
        .bind(event.tenant_id)
        .bind(invoice)
        .bind(refusal.code)
        .bind(refusal.message)
        .bind(refusal.refused_at),
        _ => return Err(ProjectionError::decode(event, "not a cancellation event")),
    };
    let result = query.execute(conn).await?;
    require_row(result, event)
}

/// Marks the cancellation SAT was deciding on as done, when a cancellation
/// voids the invoice (one SAT never knew had none).
pub(super) async fn file_cancelled(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "UPDATE invoices SET cfdi_cancellation_status = 'CANCELLED'
         WHERE tenant_id = $1 AND invoice_id = $2
           AND cfdi_cancellation_status IN ('REQUESTED', 'SUBMITTED')",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .execute(conn)
    .await?;
    Ok(())
}
