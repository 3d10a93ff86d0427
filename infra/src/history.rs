//! Reading stored events back, in feed order, for people and tools.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

/// One stored event with its feed and audit columns.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StoredEvent {
    /// Position in the global feed.
    pub global_position: i64,
    /// Owning tenant.
    pub tenant_id: Option<Uuid>,
    /// Aggregate type.
    pub aggregate_type: String,
    /// Aggregate id.
    pub aggregate_id: String,
    /// Sequence within the aggregate (its version after this event).
    pub sequence: i64,
    /// Event type.
    pub event_type: String,
    /// Event version.
    pub event_version: String,
    /// Payload as stored.
    pub payload: serde_json::Value,
    /// Metadata (actor, command, idempotency key, correlation, time).
    pub metadata: serde_json::Value,
    /// When the database recorded it.
    pub recorded_at: DateTime<Utc>,
}

const COLUMNS: &str = "global_position, tenant_id, aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata, recorded_at";

/// Every event of one aggregate, oldest first.
pub async fn aggregate_history(
    pool: &PgPool,
    aggregate_id: &str,
) -> Result<Vec<StoredEvent>, sqlx::Error> {
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
) -> Result<Vec<StoredEvent>, sqlx::Error> {
    let mut rows: Vec<StoredEvent> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM events WHERE ($2::uuid IS NULL OR tenant_id = $2) ORDER BY global_position DESC LIMIT $1"
    ))
    .bind(limit)
    .bind(tenant_id)
    .fetch_all(pool)
    .await?;
    rows.reverse();
    Ok(rows)
}
