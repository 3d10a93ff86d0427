//! The auditors' view of the event store: one stream's history, the tenant's
//! event log page by page, and an invoice's or expense's state at any point of its
//! past. [`AuditTrail`] checks the caller's roles and tenant; the
//! [`EventHistory`] port (implemented by `folio-infra` on Postgres) reads.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use folio_domain::ids::TenantId;
use serde_json::Value;

use crate::access::{Action, Caller, Forbidden};

/// A position in the global feed: the writing transaction (Postgres `xid8`) and
/// the event's insertion position. Log pages are ordered and resumed by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct LogPosition {
    /// The writing transaction's id.
    pub transaction_id: i64,
    /// The event's `global_position`.
    pub global_position: i64,
}

/// One stored event as an auditor reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    /// Where it sits in the global feed.
    pub position: LogPosition,
    /// `Invoice`, `Expense`, `Customer` or `TenantSettings`.
    pub aggregate_type: String,
    /// The aggregate's id as the event store keys it (a UUID's text).
    pub aggregate_id: String,
    /// Sequence within the aggregate, from 1.
    pub sequence: i64,
    /// The event type, e.g. `PaymentRecorded`.
    pub event_type: String,
    /// The schema version it was written at.
    pub event_version: String,
    /// The payload exactly as stored (and hashed), personal data sealed.
    pub payload: Value,
    /// The payload as readers see it today (personal data opened or erased,
    /// upcast to the current version), or why it cannot be read.
    pub current_payload: Result<Value, String>,
    /// Actor, command, command id, idempotency key, correlation, time.
    pub metadata: Value,
    /// When the database recorded it.
    pub recorded_at: DateTime<Utc>,
    /// SHA-256 (hex) of the previous event of the stream; zeros for the first.
    pub previous_hash: String,
    /// SHA-256 (hex) over `previous_hash` and this event's canonical content.
    pub hash: String,
}

/// Which events of the log to list (all given conditions hold).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventLogFilter {
    /// Only this aggregate type.
    pub aggregate_type: Option<String>,
    /// Only this event type.
    pub event_type: Option<String>,
    /// Only events written by this user.
    pub actor: Option<String>,
    /// Recorded at or after this.
    pub from: Option<DateTime<Utc>>,
    /// Recorded before this.
    pub to: Option<DateTime<Utc>>,
}

/// The aggregates whose past state can be rebuilt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PastStateOf {
    /// An invoice, with its payments and credit notes.
    Invoice,
    /// An expense claim.
    Expense,
}

/// An aggregate's state at a point of its past, folded through the domain's own
/// `apply`.
#[derive(Debug, Clone, PartialEq)]
pub struct PastState {
    /// Its version then: the sequence of the last event folded in.
    pub version: i64,
    /// When that event was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The state as the domain holds it, serialised.
    pub state: Value,
}

/// Why the history could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The caller's roles do not allow reading the history.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// The request is malformed (an inverted period, version 0).
    #[error("{0}")]
    InvalidRequest(String),
    /// The store could not be reached; retry.
    #[error("the event store is unavailable; retry shortly")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A stored event cannot be read (logged; reported without detail).
    #[error("a stored event cannot be read")]
    Unreadable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl HistoryError {
    /// The stable code the client sees.
    pub fn code(&self) -> folio_domain::ErrorCode {
        use folio_domain::ErrorCode;
        match self {
            HistoryError::Forbidden(_) => ErrorCode::Forbidden,
            HistoryError::InvalidRequest(_) => ErrorCode::Validation,
            HistoryError::Unavailable(_) => ErrorCode::Unavailable,
            HistoryError::Unreadable(_) => ErrorCode::Internal,
        }
    }
}

/// Reads stored events of one tenant (the port `folio-infra` implements).
#[async_trait]
pub trait EventHistory: Send + Sync + 'static {
    /// Every event of one stream, oldest first.
    async fn stream(
        &self,
        tenant_id: TenantId,
        aggregate_type: &str,
        aggregate_id: &str,
    ) -> Result<Vec<RecordedEvent>, HistoryError>;
    /// Event `sequence` of one stream, if it has one.
    async fn event(
        &self,
        tenant_id: TenantId,
        aggregate_type: &str,
        aggregate_id: &str,
        sequence: i64,
    ) -> Result<Option<RecordedEvent>, HistoryError>;
    /// Up to `limit` events after `after` in feed order, matching `filter`; only
    /// events no later commit can precede, so a page never changes once read.
    async fn log(
        &self,
        tenant_id: TenantId,
        after: LogPosition,
        filter: &EventLogFilter,
        limit: i64,
    ) -> Result<Vec<RecordedEvent>, HistoryError>;
    /// The aggregate's state after its events recorded at or before `at` and up to
    /// `version`; `None` if it had none by then (or is another tenant's).
    async fn state_as_of(
        &self,
        tenant_id: TenantId,
        of: PastStateOf,
        aggregate_id: &str,
        at: Option<DateTime<Utc>>,
        version: Option<i64>,
    ) -> Result<Option<PastState>, HistoryError>;
}

/// The history use cases: each checks that the caller may read the history and
/// confines the read to the caller's tenant.
#[derive(Clone)]
pub struct AuditTrail {
    history: Arc<dyn EventHistory>,
}

impl std::fmt::Debug for AuditTrail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditTrail")
    }
}

impl AuditTrail {
    /// The use cases over a history reader.
    pub fn new(history: Arc<dyn EventHistory>) -> Self {
        AuditTrail { history }
    }

    /// Every event of one stream of the caller's tenant, oldest first.
    pub async fn stream(
        &self,
        caller: &Caller,
        aggregate_type: &str,
        aggregate_id: &str,
    ) -> Result<Vec<RecordedEvent>, HistoryError> {
        caller.require(Action::ReadHistory)?;
        self.history
            .stream(caller.tenant_id, aggregate_type, aggregate_id)
            .await
    }

    /// The caller's tenant's events after `after`, in feed order.
    pub async fn log(
        &self,
        caller: &Caller,
        after: LogPosition,
        filter: &EventLogFilter,
        limit: i64,
    ) -> Result<Vec<RecordedEvent>, HistoryError> {
        caller.require(Action::ReadHistory)?;
        if let (Some(from), Some(to)) = (filter.from, filter.to) {
            if from > to {
                return Err(HistoryError::InvalidRequest(
                    "recordedFrom is after recordedTo".into(),
                ));
            }
        }
        self.history
            .log(caller.tenant_id, after, filter, limit)
            .await
    }

    /// An invoice or expense of the caller's tenant as it was at `at` and/or
    /// `version` (the latest if neither).
    pub async fn state_as_of(
        &self,
        caller: &Caller,
        of: PastStateOf,
        aggregate_id: &str,
        at: Option<DateTime<Utc>>,
        version: Option<i64>,
    ) -> Result<Option<PastState>, HistoryError> {
        caller.require(Action::ReadHistory)?;
        if version.is_some_and(|v| v < 1) {
            return Err(HistoryError::InvalidRequest("version starts at 1".into()));
        }
        self.history
            .state_as_of(caller.tenant_id, of, aggregate_id, at, version)
            .await
    }
}
