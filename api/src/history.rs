//! What auditors (and admins) read besides the read models: an aggregate's history,
//! the tenant's event log as a connection, and an invoice's or expense's state as
//! of a time or version, rebuilt by folding its events through the domain's own
//! `apply`. Everything here reads the event store, confined to the caller's tenant.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, InputObject, Json, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use folio_domain::expense::Expense;
use folio_domain::invoice::Invoice;
use folio_infra::audit::AuditedEvent;
use folio_infra::history::{self, EventLogFilter, HistoryError, StateAsOf};
use folio_projections::FeedPosition;
use serde::Serialize;
use serde_json::Value;

use crate::access::Action;
use crate::error::{coded, unavailable, validation};
use crate::inputs;
use crate::schema::{page_size, request, RequestContext};

/// One stored event, as an auditor reads it.
#[derive(Debug, Clone, SimpleObject)]
pub struct HistoryEvent {
    /// Position in the global feed.
    pub global_position: i64,
    /// Aggregate type (`Invoice`, `Expense`, `Customer`, `TenantSettings`).
    pub aggregate_type: String,
    /// Aggregate id.
    pub aggregate_id: ID,
    /// Sequence within the aggregate, from 1.
    pub sequence: i64,
    /// Event type.
    pub event_type: String,
    /// The schema version it was written at.
    pub event_version: String,
    /// The payload exactly as stored (and hashed), at its stored version, personal
    /// data sealed.
    pub payload: Json<Value>,
    /// The payload as the aggregate and the projections read it: personal data
    /// opened (`[erased]` once its subject was erased) and upcast to today's
    /// version of its type; null if it cannot be read.
    pub current_payload: Option<Json<Value>>,
    /// Who wrote it (the user the command ran as).
    pub actor: Option<String>,
    /// The command that wrote it (`RecordPayment`, ...).
    pub command: Option<String>,
    /// The id of that command run (shared by every event it wrote).
    pub command_id: Option<String>,
    /// The caller's idempotency key for it.
    pub idempotency_key: Option<String>,
    /// When the database recorded it.
    pub recorded_at: DateTime<Utc>,
    /// SHA-256 of the previous event of the stream (zeros for the first).
    pub previous_hash: String,
    /// SHA-256 over `previousHash` and this event's canonical content.
    pub hash: String,
}

impl HistoryEvent {
    fn of(event: AuditedEvent, current_payload: Result<Value, String>) -> Self {
        let payload: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
        let metadata: Value = serde_json::from_str(&event.metadata).unwrap_or(Value::Null);
        let text = |key: &str| metadata.get(key).and_then(Value::as_str).map(str::to_owned);
        let current_payload = match current_payload {
            Ok(payload) => Some(Json(payload)),
            Err(reason) => {
                tracing::error!(aggregate_id = %event.aggregate_id, sequence = event.sequence, %reason, "a stored event cannot be read");
                None
            }
        };
        HistoryEvent {
            global_position: event.global_position,
            aggregate_type: event.aggregate_type,
            aggregate_id: ID(event.aggregate_id),
            sequence: event.sequence,
            event_type: event.event_type,
            event_version: event.event_version,
            payload: Json(payload),
            current_payload,
            actor: text("actor"),
            command: text("command"),
            command_id: text("command_id"),
            idempotency_key: text("idempotency_key"),
            recorded_at: event.recorded_at,
            previous_hash: event.previous_hash.to_string(),
            hash: event.hash.to_string(),
        }
    }
}

/// Which events of the log to list (all given conditions hold).
#[derive(Debug, Clone, Default, InputObject)]
pub struct EventLogFilterInput {
    /// Only this aggregate type.
    pub aggregate_type: Option<String>,
    /// Only this event type.
    pub event_type: Option<String>,
    /// Only events written by this user.
    pub actor: Option<String>,
    /// Recorded at or after this.
    pub recorded_from: Option<DateTime<Utc>>,
    /// Recorded before this.
    pub recorded_to: Option<DateTime<Utc>>,
}

/// An aggregate's state at a point of its past.
#[derive(Debug, Clone, SimpleObject)]
pub struct AggregateState {
    /// Aggregate type.
    pub aggregate_type: String,
    /// Aggregate id.
    pub aggregate_id: ID,
    /// Its version then: the sequence of the last event folded in.
    pub version: i64,
    /// When that event was recorded.
    pub as_of: DateTime<Utc>,
    /// The aggregate's state then, as the domain holds it.
    pub state: Json<Value>,
}

/// A cursor of the event log: `<transaction id>.<global position>`.
fn cursor(position: FeedPosition) -> String {
    format!("{}.{}", position.transaction_id, position.global_position)
}

fn parse_cursor(text: &str) -> async_graphql::Result<FeedPosition> {
    text.split_once('.')
        .and_then(|(transaction, global)| {
            Some(FeedPosition {
                transaction_id: transaction.parse().ok()?,
                global_position: global.parse().ok()?,
            })
        })
        .filter(|p| p.transaction_id >= 0 && p.global_position >= 0)
        .ok_or_else(|| validation(format!("'{text}' is not a cursor of the event log")))
}

fn auditor<'a>(ctx: &'a Context<'a>) -> async_graphql::Result<&'a RequestContext> {
    let request = request(ctx)?;
    request.require(Action::ReadHistory, "read the event history")?;
    Ok(request)
}

/// The history queries, merged into the schema's `Query`.
#[derive(Debug, Default)]
pub struct HistoryQuery;

#[Object]
impl HistoryQuery {
    /// Every event of one aggregate of the caller's tenant, oldest first (auditors
    /// and admins).
    async fn history(
        &self,
        ctx: &Context<'_>,
        aggregate_type: String,
        aggregate_id: ID,
    ) -> async_graphql::Result<Vec<HistoryEvent>> {
        let request = auditor(ctx)?;
        let events = history::stream_history(
            &request.backend.pool,
            request.principal.tenant.0,
            &aggregate_type,
            &aggregate_id,
        )
        .await
        .map_err(|e| unavailable(&e))?;
        readable(request, events).await
    }

    /// The caller's tenant's events in feed order, after a cursor, filtered
    /// (auditors and admins). Pages never change once read.
    async fn event_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<EventLogFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, HistoryEvent, EmptyFields, EmptyFields>> {
        let request = auditor(ctx)?;
        let first = page_size(&request.limits, first)?;
        let start = after
            .as_deref()
            .map(parse_cursor)
            .transpose()?
            .unwrap_or(FeedPosition::ORIGIN);
        let filter = filter.unwrap_or_default();
        if let (Some(from), Some(to)) = (filter.recorded_from, filter.recorded_to) {
            if from > to {
                return Err(validation("recordedFrom is after recordedTo"));
            }
        }
        let filter = EventLogFilter {
            aggregate_type: filter.aggregate_type,
            event_type: filter.event_type,
            actor: filter.actor,
            from: filter.recorded_from,
            to: filter.recorded_to,
        };
        let mut events = history::event_log(
            &request.backend.pool,
            request.principal.tenant.0,
            start,
            &filter,
            first + 1,
        )
        .await
        .map_err(|e| unavailable(&e))?;
        let has_next = events.len() as i64 > first;
        events.truncate(first as usize);
        let cursors: Vec<String> = events
            .iter()
            .map(|event| {
                cursor(FeedPosition {
                    transaction_id: event.transaction_id,
                    global_position: event.global_position,
                })
            })
            .collect();
        let mut connection = Connection::new(after.is_some(), has_next);
        connection.edges.extend(
            cursors
                .into_iter()
                .zip(readable(request, events).await?)
                .map(|(cursor, event)| Edge::new(cursor, event)),
        );
        Ok(connection)
    }

    /// An invoice as it was at `at` and/or `version` (the latest if neither), or
    /// null if it did not exist then (auditors and admins).
    async fn invoice_as_of(
        &self,
        ctx: &Context<'_>,
        invoice_id: ID,
        at: Option<DateTime<Utc>>,
        version: Option<i64>,
    ) -> async_graphql::Result<Option<AggregateState>> {
        let id = inputs::id::<uuid::Uuid>(&invoice_id, "invoiceId")?;
        as_of::<Invoice>(ctx, id, at, version).await
    }

    /// An expense as it was at `at` and/or `version` (the latest if neither), or
    /// null if it did not exist then (auditors and admins).
    async fn expense_as_of(
        &self,
        ctx: &Context<'_>,
        expense_id: ID,
        at: Option<DateTime<Utc>>,
        version: Option<i64>,
    ) -> async_graphql::Result<Option<AggregateState>> {
        let id = inputs::id::<uuid::Uuid>(&expense_id, "expenseId")?;
        as_of::<Expense>(ctx, id, at, version).await
    }
}

/// Stored events as auditors read them, each with its current payload.
async fn readable(
    request: &RequestContext,
    events: Vec<AuditedEvent>,
) -> async_graphql::Result<Vec<HistoryEvent>> {
    let current = history::current_payloads(&request.backend.pool, &events)
        .await
        .map_err(history_error)?;
    Ok(events
        .into_iter()
        .zip(current)
        .map(|(event, current)| HistoryEvent::of(event, current))
        .collect())
}

/// A failed history read as a GraphQL error: the database's as unavailable,
/// anything else (an unreadable event) logged and reported without detail.
fn history_error(error: HistoryError) -> async_graphql::Error {
    match error {
        HistoryError::Database(e) => unavailable(&e),
        other => {
            tracing::error!(error = %other, "a stored event cannot be read");
            coded(
                folio_domain::ErrorCode::Internal,
                "a stored event of this aggregate cannot be read; it was logged",
            )
        }
    }
}

async fn as_of<A>(
    ctx: &Context<'_>,
    id: uuid::Uuid,
    at: Option<DateTime<Utc>>,
    version: Option<i64>,
) -> async_graphql::Result<Option<AggregateState>>
where
    A: cqrs_es::Aggregate + Default + Serialize,
{
    let request = auditor(ctx)?;
    if version.is_some_and(|v| v < 1) {
        return Err(validation("version starts at 1"));
    }
    let id = id.to_string();
    let folded = history::state_as_of::<A>(
        &request.backend.pool,
        request.principal.tenant.0,
        &id,
        at,
        version,
    )
    .await;
    match folded {
        Ok(None) => Ok(None),
        Ok(Some(StateAsOf {
            state,
            version,
            recorded_at,
        })) => Ok(Some(AggregateState {
            aggregate_type: A::TYPE.to_owned(),
            aggregate_id: ID(id),
            version,
            as_of: recorded_at,
            state: Json(serde_json::to_value(&state)?),
        })),
        Err(error) => Err(history_error(error)),
    }
}
