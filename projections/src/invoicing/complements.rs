//! A Mexican payment's complement (CFDI of type P) as its own row, from the
//! day it is numbered: PENDING until its stamp's steps (`stamps`) move it.

use chrono::NaiveDate;
use folio_domain::document_number::DocumentNumber;
use folio_domain::ids::PaymentId;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::event_values::{number_sequence, require_row};
use crate::feed::FeedEvent;
use crate::projector::ProjectionError;

/// Files a payment's complement just numbered, awaiting its stamp.
pub(super) async fn file_complement_issued(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    (payment_id, number, issue_date): (PaymentId, DocumentNumber, NaiveDate),
) -> Result<(), ProjectionError> {
    let result = sqlx::query(
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
    .bind(issue_date)
    .execute(conn)
    .await?;
    require_row(result, event)
}
