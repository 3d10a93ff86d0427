//! Reading stored events back for people and tools: the latest events, one
//! aggregate's history, a tenant's event log, and an aggregate's state at any
//! point of its past (time travel for auditors).
//!
//! Listings return events as stored (personal data sealed, as hashed); the payload
//! a reader means today, personal data opened (or erased) and upcast, comes from
//! [`current_payloads`], and past states are folded from those.

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use folio_commands::history as history_port;
use folio_domain::expense::Expense;
use folio_domain::ids::TenantId;
use folio_domain::invoice::Invoice;
use folio_projections::{FeedEvent, FeedPosition};
use sqlx::PgPool;
use uuid::Uuid;

use crate::audit::AuditedEvent;
use crate::personal_data::{subjects, KeyWrapping, Keys, PersonalDataError};

use crate::postgres::events_table::{
    AUDITED_EVENT_COLUMNS, FEED_EVENT_COLUMNS as COLUMNS, IN_FEED,
};

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

/// Every event of one stream of `tenant`, oldest first, with its hashes.
pub async fn stream_history(
    pool: &PgPool,
    tenant: Uuid,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<Vec<AuditedEvent>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {} FROM events
          WHERE tenant_id = $1 AND aggregate_type = $2 AND aggregate_id = $3
          ORDER BY sequence",
        AUDITED_EVENT_COLUMNS
    ))
    .bind(tenant)
    .bind(aggregate_type)
    .bind(aggregate_id)
    .fetch_all(pool)
    .await
}

/// Event `sequence` of one stream of `tenant`, as auditors read it.
pub async fn stream_event(
    pool: &PgPool,
    tenant: Uuid,
    aggregate_type: &str,
    aggregate_id: &str,
    sequence: i64,
) -> Result<Option<AuditedEvent>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {} FROM events
          WHERE tenant_id = $1 AND aggregate_type = $2 AND aggregate_id = $3 AND sequence = $4",
        AUDITED_EVENT_COLUMNS
    ))
    .bind(tenant)
    .bind(aggregate_type)
    .bind(aggregate_id)
    .bind(sequence)
    .fetch_optional(pool)
    .await
}

pub use folio_commands::history::EventLogFilter;

/// Up to `limit` events of `tenant` after `after` (a feed position), in feed
/// order, matching `filter`. Only events in the global feed are listed (see
/// [`crate::postgres::feed`]), so a page never changes once read and paging never skips.
pub async fn event_log(
    pool: &PgPool,
    tenant: Uuid,
    after: FeedPosition,
    filter: &EventLogFilter,
    limit: i64,
) -> Result<Vec<AuditedEvent>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {} FROM events
          WHERE {} AND tenant_id = $1
            AND (transaction_id, global_position) > ($2::text::xid8, $3)
            AND ($4::text IS NULL OR aggregate_type = $4)
            AND ($5::text IS NULL OR event_type = $5)
            AND ($6::text IS NULL OR metadata ->> 'actor' = $6)
            AND ($7::timestamptz IS NULL OR recorded_at >= $7)
            AND ($8::timestamptz IS NULL OR recorded_at < $8)
          ORDER BY transaction_id, global_position
          LIMIT $9",
        AUDITED_EVENT_COLUMNS, IN_FEED
    ))
    .bind(tenant)
    .bind(after.transaction_id.to_string())
    .bind(after.global_position)
    .bind(filter.aggregate_type.as_deref())
    .bind(filter.event_type.as_deref())
    .bind(filter.actor.as_deref())
    .bind(filter.from)
    .bind(filter.to)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// What a stored payload means today: personal data opened (erased if its key is
/// gone), then upcast to its type's current version.
fn current_payload(
    keys: &Keys,
    subject: &str,
    event_type: &str,
    event_version: &str,
    mut payload: serde_json::Value,
) -> Result<serde_json::Value, String> {
    keys.open_event(event_type, subject, &mut payload)
        .map_err(|e| e.to_string())?;
    folio_domain::versions::upcast(event_type, event_version, payload).map_err(|e| e.to_string())
}

/// Today's payload of each of `events` (personal data opened or erased, then
/// upcast), or why it cannot be read; `stored` holds each event's payload as
/// parsed from its stored text.
pub async fn current_payloads(
    pool: &PgPool,
    wrapping: &KeyWrapping,
    events: &[AuditedEvent],
    stored: &[Result<serde_json::Value, String>],
) -> Result<Vec<Result<serde_json::Value, String>>, HistoryError> {
    let named =
        subjects(events.iter().zip(stored).filter_map(|(event, payload)| {
            Some((event.event_type.as_str(), payload.as_ref().ok()?))
        }));
    let keys = Keys::fetch(&mut *pool.acquire().await?, wrapping, named).await?;
    Ok(events
        .iter()
        .zip(stored)
        .map(|(event, payload)| {
            current_payload(
                &keys,
                &event.aggregate_id,
                &event.event_type,
                &event.event_version,
                payload.clone()?,
            )
        })
        .collect())
}

/// An aggregate's state rebuilt from its first events.
#[derive(Debug, Clone, PartialEq)]
pub struct StateAsOf<A> {
    /// The state after the last event folded in.
    pub state: A,
    /// The sequence of that event (the aggregate's version then).
    pub version: i64,
    /// When that event was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// Why a past state could not be rebuilt.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Personal data could not be opened.
    #[error(transparent)]
    PersonalData(#[from] PersonalDataError),
    /// A stored event could not be read as the domain's event.
    #[error("event {sequence} of {aggregate_id} cannot be read: {reason}")]
    Unreadable {
        /// The aggregate.
        aggregate_id: String,
        /// The event's sequence.
        sequence: i64,
        /// What failed: opening its personal data, upcasting, or decoding.
        reason: String,
    },
}

/// The state of aggregate `aggregate_id` of type `A` in `tenant` as it was at
/// `at` (events recorded then or before) and at most at `version`, folded through
/// the domain's own `apply` after upcasting each event; `None` if it had no events
/// by then (or is not the tenant's).
pub async fn state_as_of<A>(
    pool: &PgPool,
    wrapping: &KeyWrapping,
    tenant: Uuid,
    aggregate_id: &str,
    at: Option<DateTime<Utc>>,
    version: Option<i64>,
) -> Result<Option<StateAsOf<A>>, HistoryError>
where
    A: Aggregate + Default,
{
    let rows: Vec<(i64, String, String, serde_json::Value, DateTime<Utc>)> = sqlx::query_as(
        "SELECT sequence, event_type, event_version, payload, recorded_at FROM events
          WHERE tenant_id = $1 AND aggregate_type = $2 AND aggregate_id = $3
            AND ($4::timestamptz IS NULL OR recorded_at <= $4)
            AND ($5::bigint IS NULL OR sequence <= $5)
          ORDER BY sequence",
    )
    .bind(tenant)
    .bind(A::TYPE)
    .bind(aggregate_id)
    .bind(at)
    .bind(version)
    .fetch_all(pool)
    .await?;
    let named = subjects(
        rows.iter()
            .map(|(_, event_type, _, payload, _)| (event_type.as_str(), payload)),
    );
    let keys = Keys::fetch(&mut *pool.acquire().await?, wrapping, named).await?;
    let mut state = A::default();
    let mut last = None;
    for (sequence, event_type, event_version, payload, recorded_at) in rows {
        let unreadable = |reason: String| HistoryError::Unreadable {
            aggregate_id: aggregate_id.to_owned(),
            sequence,
            reason,
        };
        let payload = current_payload(&keys, aggregate_id, &event_type, &event_version, payload)
            .map_err(unreadable)?;
        let event: A::Event =
            serde_json::from_value(payload).map_err(|e| unreadable(e.to_string()))?;
        state.apply(event);
        last = Some((sequence, recorded_at));
    }
    Ok(last.map(|(version, recorded_at)| StateAsOf {
        state,
        version,
        recorded_at,
    }))
}

/// The auditors' history on Postgres: implements `folio_commands::history::EventHistory`.
#[derive(Debug, Clone)]
pub struct PgEventHistory {
    pool: PgPool,
    wrapping: KeyWrapping,
}

impl PgEventHistory {
    /// Reads from the event store behind `pool`, opening personal data with keys
    /// stored by `wrapping`.
    pub fn new(pool: PgPool, wrapping: KeyWrapping) -> Self {
        PgEventHistory { pool, wrapping }
    }

    /// Stored events as auditors read them, each with today's payload.
    async fn recorded(
        &self,
        events: Vec<AuditedEvent>,
    ) -> Result<Vec<history_port::RecordedEvent>, history_port::HistoryError> {
        // Each stored payload is parsed once: kept as stored, and opened from.
        let stored: Vec<Result<serde_json::Value, String>> = events
            .iter()
            .map(|event| serde_json::from_str(&event.payload).map_err(|e| e.to_string()))
            .collect();
        let current = current_payloads(&self.pool, &self.wrapping, &events, &stored)
            .await
            .map_err(port_error)?;
        Ok(events
            .into_iter()
            .zip(stored)
            .zip(current)
            .map(
                |((event, stored), current_payload)| history_port::RecordedEvent {
                    position: history_port::LogPosition {
                        transaction_id: event.transaction_id,
                        global_position: event.global_position,
                    },
                    payload: stored.unwrap_or_default(),
                    metadata: serde_json::from_str(&event.metadata).unwrap_or_default(),
                    current_payload,
                    aggregate_type: event.aggregate_type,
                    aggregate_id: event.aggregate_id,
                    sequence: event.sequence,
                    event_type: event.event_type,
                    event_version: event.event_version,
                    recorded_at: event.recorded_at,
                    previous_hash: event.previous_hash.to_string(),
                    hash: event.hash.to_string(),
                },
            )
            .collect())
    }
}

fn port_error(error: HistoryError) -> history_port::HistoryError {
    match error {
        HistoryError::Database(e) => history_port::HistoryError::Unavailable(Box::new(e)),
        other => history_port::HistoryError::Unreadable(Box::new(other)),
    }
}

fn unavailable(error: sqlx::Error) -> history_port::HistoryError {
    history_port::HistoryError::Unavailable(Box::new(error))
}

#[async_trait::async_trait]
impl history_port::EventHistory for PgEventHistory {
    async fn stream(
        &self,
        tenant_id: TenantId,
        aggregate_type: &str,
        aggregate_id: &str,
    ) -> Result<Vec<history_port::RecordedEvent>, history_port::HistoryError> {
        let events = stream_history(&self.pool, tenant_id.0, aggregate_type, aggregate_id)
            .await
            .map_err(unavailable)?;
        self.recorded(events).await
    }

    async fn event(
        &self,
        tenant_id: TenantId,
        aggregate_type: &str,
        aggregate_id: &str,
        sequence: i64,
    ) -> Result<Option<history_port::RecordedEvent>, history_port::HistoryError> {
        let event = stream_event(
            &self.pool,
            tenant_id.0,
            aggregate_type,
            aggregate_id,
            sequence,
        )
        .await
        .map_err(unavailable)?;
        Ok(self.recorded(event.into_iter().collect()).await?.pop())
    }

    async fn log(
        &self,
        tenant_id: TenantId,
        after: history_port::LogPosition,
        filter: &history_port::EventLogFilter,
        limit: i64,
    ) -> Result<Vec<history_port::RecordedEvent>, history_port::HistoryError> {
        let after = FeedPosition {
            transaction_id: after.transaction_id,
            global_position: after.global_position,
        };
        let events = event_log(&self.pool, tenant_id.0, after, filter, limit)
            .await
            .map_err(unavailable)?;
        self.recorded(events).await
    }

    async fn state_as_of(
        &self,
        tenant_id: TenantId,
        of: history_port::PastStateOf,
        aggregate_id: &str,
        at: Option<DateTime<Utc>>,
        version: Option<i64>,
    ) -> Result<Option<history_port::PastState>, history_port::HistoryError> {
        fn past<A: serde::Serialize>(
            folded: Option<StateAsOf<A>>,
        ) -> Result<Option<history_port::PastState>, history_port::HistoryError> {
            folded
                .map(|s| {
                    Ok(history_port::PastState {
                        version: s.version,
                        recorded_at: s.recorded_at,
                        state: serde_json::to_value(&s.state)
                            .map_err(|e| history_port::HistoryError::Unreadable(Box::new(e)))?,
                    })
                })
                .transpose()
        }
        let pool = &self.pool;
        match of {
            history_port::PastStateOf::Invoice => past(
                state_as_of::<Invoice>(
                    pool,
                    &self.wrapping,
                    tenant_id.0,
                    aggregate_id,
                    at,
                    version,
                )
                .await
                .map_err(port_error)?,
            ),
            history_port::PastStateOf::Expense => past(
                state_as_of::<Expense>(
                    pool,
                    &self.wrapping,
                    tenant_id.0,
                    aggregate_id,
                    at,
                    version,
                )
                .await
                .map_err(port_error)?,
            ),
        }
    }
}
