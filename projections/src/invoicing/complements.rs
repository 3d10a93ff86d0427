//! A Mexican payment's complement (CFDI of type P) as its own row: numbered
//! PENDING, the XML sealed for the PAC, then STAMPED with its fiscal folio or
//! REJECTED with the PAC's words, and PENDING again when a user asks once more.

use folio_domain::invoice::InvoiceEvent;
use sqlx::PgConnection;
use uuid::Uuid;

use super::stamps::STAMP_ZONE;
use crate::event_values::{number_sequence, require_row};
use crate::feed::FeedEvent;
use crate::projector::ProjectionError;

/// Files one of the complements' own events; any other is refused.
pub(super) async fn project_complement(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    payload: InvoiceEvent,
) -> Result<(), ProjectionError> {
    use InvoiceEvent as E;
    let query = match payload {
        E::PaymentComplementIssued {
            payment_id,
            number,
            issue_date,
        } => sqlx::query(
            "INSERT INTO payment_complements (tenant_id, payment_id, invoice_id, number,
                 number_series, number_sequence, issue_date, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'PENDING')",
        )
        .bind(event.tenant_id)
        .bind(payment_id.0)
        .bind(invoice)
        .bind(number.to_string())
        .bind(number.series.clone())
        .bind(number_sequence(&number, event)?)
        .bind(issue_date),
        E::PaymentComplementSealed { payment_id, seal } => sqlx::query(
            "UPDATE payment_complements SET sealed_at = $3, certificate_number = $4,
                    sealed_xml_sha256 = $5
             WHERE tenant_id = $1 AND payment_id = $2",
        )
        .bind(event.tenant_id)
        .bind(payment_id.0)
        .bind(seal.sealed_at)
        .bind(seal.certificate_number)
        .bind(seal.xml.sha256),
        E::PaymentComplementStamped { payment_id, stamp } => sqlx::query(
            "UPDATE payment_complements SET status = 'STAMPED', uuid = $3,
                    stamped_at = $4 AT TIME ZONE $5, pac_rfc = $6, sat_certificate_number = $7,
                    xml_sha256 = $8, rejection_code = NULL, rejection_message = NULL,
                    rejected_at = NULL
             WHERE tenant_id = $1 AND payment_id = $2",
        )
        .bind(event.tenant_id)
        .bind(payment_id.0)
        .bind(stamp.uuid)
        .bind(stamp.stamped_on)
        .bind(STAMP_ZONE)
        .bind(stamp.pac_rfc)
        .bind(stamp.sat_certificate_number)
        .bind(stamp.xml.sha256),
        E::PaymentComplementRejected {
            payment_id,
            rejection,
        } => sqlx::query(
            "UPDATE payment_complements SET status = 'REJECTED', rejection_code = $3,
                    rejection_message = $4, rejected_at = $5
             WHERE tenant_id = $1 AND payment_id = $2",
        )
        .bind(event.tenant_id)
        .bind(payment_id.0)
        .bind(rejection.code)
        .bind(rejection.message)
        .bind(rejection.rejected_at),
        E::PaymentComplementRequested { payment_id, .. } => sqlx::query(
            "UPDATE payment_complements SET status = 'PENDING', sealed_at = NULL,
                    certificate_number = NULL, sealed_xml_sha256 = NULL, rejection_code = NULL,
                    rejection_message = NULL, rejected_at = NULL
             WHERE tenant_id = $1 AND payment_id = $2",
        )
        .bind(event.tenant_id)
        .bind(payment_id.0),
        _ => {
            return Err(ProjectionError::decode(
                event,
                "not a payment complement event",
            ))
        }
    };
    let result = query.execute(conn).await?;
    require_row(result, event)
}
