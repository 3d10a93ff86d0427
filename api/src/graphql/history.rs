//! What auditors (and admins) read besides the read models: an aggregate's history,
//! the tenant's event log as a connection, and an invoice's or expense's state as
//! of a time or version, rebuilt by folding its events through the domain's own
//! `apply`. Everything here reads the event store, confined to the caller's tenant.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, InputObject, Json, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use folio_commands::history::{EventLogFilter, LogPosition, PastState, PastStateOf, RecordedEvent};
use folio_commands::reads::PageRequest;
use serde_json::Value;

use super::context::request;
use super::ids::uuid_arg;
use super::paging::page_weight;
use crate::error::{read, validation};

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
    fn of(event: RecordedEvent) -> Self {
        let text = |key: &str| {
            event
                .metadata
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let (actor, command, command_id, idempotency_key) = (
            text("actor"),
            text("command"),
            text("command_id"),
            text("idempotency_key"),
        );
        let current_payload = match event.current_payload {
            Ok(payload) => Some(Json(payload)),
            Err(reason) => {
                tracing::error!(aggregate_id = %event.aggregate_id, sequence = event.sequence, %reason, "a stored event cannot be read");
                None
            }
        };
        HistoryEvent {
            global_position: event.position.global_position,
            aggregate_type: event.aggregate_type,
            aggregate_id: ID(event.aggregate_id),
            sequence: event.sequence,
            event_type: event.event_type,
            event_version: event.event_version,
            payload: Json(event.payload),
            current_payload,
            actor,
            command,
            command_id,
            idempotency_key,
            recorded_at: event.recorded_at,
            previous_hash: event.previous_hash,
            hash: event.hash,
        }
    }
}

/// Which events of the log to list (all given conditions hold).
#[derive(Debug, Clone, Default, InputObject)]
pub struct EventLogFilterInput {
    /// Only this aggregate type (`Invoice`, `Expense`, `Customer`, `TenantSettings`).
    pub aggregate_type: Option<String>,
    /// Only this event type, e.g. `PaymentRecorded`.
    pub event_type: Option<String>,
    /// Only events written by this user (the token's `sub`).
    pub actor: Option<String>,
    /// Recorded at or after this instant.
    pub recorded_from: Option<DateTime<Utc>>,
    /// Recorded before this instant.
    pub recorded_to: Option<DateTime<Utc>>,
}

/// An aggregate's state at a point of its past.
#[derive(Debug, Clone, SimpleObject)]
pub struct AggregateState {
    /// `Invoice` or `Expense`.
    pub aggregate_type: String,
    /// The aggregate's raw UUID.
    pub aggregate_id: ID,
    /// Its version then: the sequence of the last event folded in.
    pub version: i64,
    /// When that event was recorded.
    pub as_of: DateTime<Utc>,
    /// The aggregate's state then, as the domain holds it (JSON).
    pub state: Json<Value>,
}

/// A cursor of the event log: `<transaction id>.<global position>`.
fn cursor(position: LogPosition) -> String {
    format!("{}.{}", position.transaction_id, position.global_position)
}

fn parse_cursor(text: &str) -> async_graphql::Result<LogPosition> {
    text.split_once('.')
        .and_then(|(transaction, global)| {
            Some(LogPosition {
                transaction_id: transaction.parse().ok()?,
                global_position: global.parse().ok()?,
            })
        })
        .filter(|p| p.transaction_id >= 0 && p.global_position >= 0)
        .ok_or_else(|| validation(format!("'{text}' is not a cursor of the event log")).into())
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
        #[graphql(desc = "`Invoice`, `Expense`, `Customer` or `TenantSettings`.")]
        aggregate_type: String,
        #[graphql(desc = "The aggregate's raw UUID.")] aggregate_id: ID,
    ) -> async_graphql::Result<Vec<HistoryEvent>> {
        let request = request(ctx)?;
        let events = request
            .audit_trail
            .stream(&request.caller, &aggregate_type, &aggregate_id)
            .await
            .map_err(crate::error::history)?;
        Ok(events.into_iter().map(HistoryEvent::of).collect())
    }

    /// The caller's tenant's events in feed order, after a cursor, filtered
    /// (auditors and admins). Pages never change once read.
    #[graphql(complexity = "page_weight(first) * child_complexity")]
    async fn event_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only events matching all the given conditions.")] filter: Option<
            EventLogFilterInput,
        >,
        #[graphql(desc = "Page size, 20 if not given; at most the server's page limit.")]
        first: Option<i32>,
        #[graphql(desc = "The cursor of the last edge of the previous page.")] after: Option<
            String,
        >,
    ) -> async_graphql::Result<Connection<String, HistoryEvent, EmptyFields, EmptyFields>> {
        let request = request(ctx)?;
        let page = PageRequest { first, after: None };
        let first = request.reads.page(&page).map_err(read)?.limit;
        let start = after
            .as_deref()
            .map(parse_cursor)
            .transpose()?
            .unwrap_or_default();
        let filter = filter.unwrap_or_default();
        let filter = EventLogFilter {
            aggregate_type: filter.aggregate_type,
            event_type: filter.event_type,
            actor: filter.actor,
            from: filter.recorded_from,
            to: filter.recorded_to,
        };
        let mut events = request
            .audit_trail
            .log(&request.caller, start, &filter, first + 1)
            .await
            .map_err(crate::error::history)?;
        let has_next = events.len() as i64 > first;
        events.truncate(first as usize);
        let mut connection = Connection::new(after.is_some(), has_next);
        connection.edges.extend(
            events
                .into_iter()
                .map(|event| Edge::new(cursor(event.position), HistoryEvent::of(event))),
        );
        Ok(connection)
    }

    /// An invoice as it was at `at` and/or `version` (the latest if neither), or
    /// null if it did not exist then (auditors and admins).
    async fn invoice_as_of(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invoice's raw UUID.")] invoice_id: ID,
        #[graphql(desc = "Only events recorded at or before this instant.")] at: Option<
            DateTime<Utc>,
        >,
        #[graphql(desc = "Only events up to this version (from 1).")] version: Option<i64>,
    ) -> async_graphql::Result<Option<AggregateState>> {
        let id = uuid_arg::<uuid::Uuid>(&invoice_id, "invoiceId")?;
        as_of(ctx, PastStateOf::Invoice, id, at, version).await
    }

    /// An expense as it was at `at` and/or `version` (the latest if neither), or
    /// null if it did not exist then (auditors and admins).
    async fn expense_as_of(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The expense's raw UUID.")] expense_id: ID,
        #[graphql(desc = "Only events recorded at or before this instant.")] at: Option<
            DateTime<Utc>,
        >,
        #[graphql(desc = "Only events up to this version (from 1).")] version: Option<i64>,
    ) -> async_graphql::Result<Option<AggregateState>> {
        let id = uuid_arg::<uuid::Uuid>(&expense_id, "expenseId")?;
        as_of(ctx, PastStateOf::Expense, id, at, version).await
    }
}

async fn as_of(
    ctx: &Context<'_>,
    of: PastStateOf,
    id: uuid::Uuid,
    at: Option<DateTime<Utc>>,
    version: Option<i64>,
) -> async_graphql::Result<Option<AggregateState>> {
    let request = request(ctx)?;
    let id = id.to_string();
    let past = request
        .audit_trail
        .state_as_of(&request.caller, of, &id, at, version)
        .await
        .map_err(crate::error::history)?;
    Ok(past.map(
        |PastState {
             version,
             recorded_at,
             state,
         }| AggregateState {
            aggregate_type: match of {
                PastStateOf::Invoice => "Invoice",
                PastStateOf::Expense => "Expense",
            }
            .to_owned(),
            aggregate_id: ID(id),
            version,
            as_of: recorded_at,
            state: Json(state),
        },
    ))
}
