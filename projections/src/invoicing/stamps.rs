//! A Mexican invoice's fiscal stamp on its row: PENDING from the issue, the
//! CFDI sealed for the PAC, then STAMPED with its fiscal folio or REJECTED
//! with the PAC's words, and PENDING again when a user asks once more.

use folio_domain::invoice::InvoiceEvent;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::event_values::require_row;
use crate::feed::FeedEvent;
use crate::projector::ProjectionError;

/// The zone `FechaTimbrado` is written in: Mexico's central time.
pub(super) const STAMP_ZONE: &str = "America/Mexico_City";

/// Marks an invoice just issued under MX as awaiting its stamp.
pub(super) async fn file_stamp_pending(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
) -> Result<(), ProjectionError> {
    let result = sqlx::query(
        "UPDATE invoices SET cfdi_status = 'PENDING' WHERE tenant_id = $1 AND invoice_id = $2",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .execute(conn)
    .await?;
    require_row(result, event)
}

/// Files one of the stamp's events; any other is refused as not one.
pub(super) async fn project_stamp(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    payload: InvoiceEvent,
) -> Result<(), ProjectionError> {
    let query = match payload {
        InvoiceEvent::CfdiSealed(seal) => sqlx::query(
            "UPDATE invoices SET cfdi_sealed_at = $3, cfdi_certificate_number = $4,
                    cfdi_sealed_xml_sha256 = $5
             WHERE tenant_id = $1 AND invoice_id = $2",
        )
        .bind(event.tenant_id)
        .bind(invoice)
        .bind(seal.sealed_at)
        .bind(seal.certificate_number)
        .bind(seal.xml.sha256),
        InvoiceEvent::CfdiStamped(stamp) => sqlx::query(
            "UPDATE invoices SET cfdi_status = 'STAMPED', cfdi_uuid = $3,
                    cfdi_stamped_at = $4 AT TIME ZONE $5, cfdi_pac_rfc = $6,
                    cfdi_sat_certificate_number = $7, cfdi_xml_sha256 = $8,
                    cfdi_rejection_code = NULL, cfdi_rejection_message = NULL,
                    cfdi_rejected_at = NULL
             WHERE tenant_id = $1 AND invoice_id = $2",
        )
        .bind(event.tenant_id)
        .bind(invoice)
        .bind(stamp.uuid)
        .bind(stamp.stamped_on)
        .bind(STAMP_ZONE)
        .bind(stamp.pac_rfc)
        .bind(stamp.sat_certificate_number)
        .bind(stamp.xml.sha256),
        InvoiceEvent::CfdiStampRejected(rejection) => sqlx::query(
            "UPDATE invoices SET cfdi_status = 'REJECTED', cfdi_rejection_code = $3,
                    cfdi_rejection_message = $4, cfdi_rejected_at = $5
             WHERE tenant_id = $1 AND invoice_id = $2",
        )
        .bind(event.tenant_id)
        .bind(invoice)
        .bind(rejection.code)
        .bind(rejection.message)
        .bind(rejection.rejected_at),
        InvoiceEvent::CfdiStampRequested { .. } => sqlx::query(
            "UPDATE invoices SET cfdi_status = 'PENDING', cfdi_sealed_at = NULL,
                    cfdi_certificate_number = NULL, cfdi_sealed_xml_sha256 = NULL,
                    cfdi_rejection_code = NULL, cfdi_rejection_message = NULL,
                    cfdi_rejected_at = NULL
             WHERE tenant_id = $1 AND invoice_id = $2",
        )
        .bind(event.tenant_id)
        .bind(invoice),
        _ => return Err(ProjectionError::decode(event, "not a stamp event")),
    };
    let result = query.execute(conn).await?;
    require_row(result, event)
}
