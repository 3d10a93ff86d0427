//! Reading stored events back, in feed order, for people and tools.

use folio_projections::FeedEvent;
use sqlx::PgPool;
use uuid::Uuid;

/// The columns of a [`FeedEvent`], for `SELECT`s over `public.events`.
pub(crate) const COLUMNS: &str = "global_position, transaction_id::text::bigint AS transaction_id, tenant_id, aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata, recorded_at";

/// Every event of one aggregate, oldest first.
pub async fn aggregate_history(
    pool: &PgPool,
    aggregate_id: &str,
) -> Result<Vec<FeedEvent>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM events WHERE aggregate_id = $1 ORDER BY aggregate_type, sequence"
    ))
    .bind(aggregate_id)
    .fetch_all(pool)
    .await
}

/// The latest `limit` events of the store (optionally of one tenant), oldest first.
pub async fn latest(
    pool: &PgPool,
    limit: i64,
    tenant_id: Option<Uuid>,
) -> Result<Vec<FeedEvent>, sqlx::Error> {
    let mut rows: Vec<FeedEvent> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM events WHERE ($2::uuid IS NULL OR tenant_id = $2) ORDER BY global_position DESC LIMIT $1"
    ))
    .bind(limit)
    .bind(tenant_id)
    .fetch_all(pool)
    .await?;
    rows.reverse();
    Ok(rows)
}
