//! Conversions every projector and query needs between event values and SQL
//! parameters (ids, enum labels, document numbers, affected rows).

use folio_domain::document_number::DocumentNumber;
use serde::Serialize;
use sqlx::postgres::PgQueryResult;
use uuid::Uuid;

use crate::feed::FeedEvent;
use crate::projector::ProjectionError;

/// The aggregate id of `event` as a UUID (every Folio aggregate id is one).
pub(crate) fn aggregate_uuid(event: &FeedEvent) -> Result<Uuid, ProjectionError> {
    event
        .aggregate_id
        .parse()
        .map_err(|e| ProjectionError::decode(event, format!("aggregate id: {e}")))
}

/// The serde name of a unit enum variant (`HALF_UP`, `BANK_TRANSFER`, ...), the
/// same spelling the events and the API use.
pub(crate) fn label<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        other => format!("{other:?}"),
    }
}

/// Fails with [`ProjectionError::MissingRow`] unless the statement touched a row.
pub(crate) fn require_row(result: PgQueryResult, event: &FeedEvent) -> Result<(), ProjectionError> {
    if result.rows_affected() == 0 {
        Err(ProjectionError::missing_row(event))
    } else {
        Ok(())
    }
}

/// A document number's sequence as a Postgres bigint.
pub(crate) fn number_sequence(
    number: &DocumentNumber,
    event: &FeedEvent,
) -> Result<i64, ProjectionError> {
    i64::try_from(number.sequence)
        .map_err(|_| ProjectionError::decode(event, "document number sequence beyond bigint"))
}
