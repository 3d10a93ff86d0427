//! The unit projectors consume: one stored event with where it sits in the feed.
//! The same envelope travels through Kafka and is printed by `folio events`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A position in the global feed. The feed is ordered by the writing transaction
/// first and the insertion position second, which is commit order for readers that
/// only look below the oldest running transaction.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, sqlx::FromRow,
)]
pub struct FeedPosition {
    /// The writing transaction (Postgres `xid8`; fits an `i64` for the life of a
    /// cluster).
    pub transaction_id: i64,
    /// The event's `global_position`.
    pub global_position: i64,
}

impl FeedPosition {
    /// Before the first event.
    pub const ORIGIN: FeedPosition = FeedPosition {
        transaction_id: 0,
        global_position: 0,
    };
}

impl std::fmt::Display for FeedPosition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.global_position, self.transaction_id)
    }
}

/// One stored event with its feed and audit columns: what projectors consume,
/// what the relay publishes and what `folio events` prints. Serialised flat
/// (`transaction_id` and `global_position` beside the other fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct FeedEvent {
    /// Where it is in the feed.
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub position: FeedPosition,
    /// The tenant whose aggregate wrote it (from its metadata).
    pub tenant_id: Uuid,
    /// Aggregate type, e.g. `Invoice`.
    pub aggregate_type: String,
    /// Aggregate id.
    pub aggregate_id: String,
    /// Sequence within the aggregate, from 1.
    pub sequence: i64,
    /// Event type, e.g. `InvoiceIssued`.
    pub event_type: String,
    /// Event schema version.
    pub event_version: String,
    /// The payload as stored (`{"EventType": {...}}`).
    pub payload: serde_json::Value,
    /// Actor, command, idempotency key, correlation and time.
    pub metadata: serde_json::Value,
    /// When the database recorded it.
    pub recorded_at: DateTime<Utc>,
}
