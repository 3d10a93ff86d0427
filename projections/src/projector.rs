//! What a projector is, where it writes, and the guard that makes applying the same
//! event twice a no-op.

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use sqlx::PgConnection;

use crate::feed::FeedEvent;

/// Schema the API and BI tools read.
pub const LIVE_SCHEMA: &str = "folio_read";

/// Which event a projection error is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventAt {
    /// Aggregate type.
    pub aggregate_type: String,
    /// Aggregate id.
    pub aggregate_id: String,
    /// Sequence within the aggregate.
    pub sequence: i64,
    /// Event type.
    pub event_type: String,
    /// Event version.
    pub event_version: String,
}

impl EventAt {
    /// Where `event` is.
    pub fn of(event: &FeedEvent) -> Box<Self> {
        Box::new(EventAt {
            aggregate_type: event.aggregate_type.clone(),
            aggregate_id: event.aggregate_id.clone(),
            sequence: event.sequence,
            event_type: event.event_type.clone(),
            event_version: event.event_version.clone(),
        })
    }
}

impl std::fmt::Display for EventAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} v{} at {}/{}#{}",
            self.event_type,
            self.event_version,
            self.aggregate_type,
            self.aggregate_id,
            self.sequence
        )
    }
}

/// Why a projector could not apply events.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// The database failed.
    #[error("database error")]
    Sql(#[from] sqlx::Error),
    /// An event's payload does not match its type.
    #[error("cannot decode {at}: {reason}")]
    Decode {
        /// The event.
        at: Box<EventAt>,
        /// What serde said.
        reason: String,
    },
    /// An event arrived whose predecessor in its stream was never applied: something
    /// upstream lost an event. The projector stops rather than build a wrong model.
    #[error("{at} arrived but the read model has only seen its stream up to #{applied}")]
    Gap {
        /// The event that arrived.
        at: Box<EventAt>,
        /// Last sequence of its stream applied.
        applied: i64,
    },
    /// The projector has no checkpoint yet: it must be rebuilt (installed) first.
    #[error("projector {0} is not installed; run `folio projections rebuild {0}`")]
    NotInstalled(String),
    /// An event refers to a row that is not there (e.g. a payment for an unknown
    /// invoice): the stream is inconsistent with what was projected before.
    #[error("{at} refers to a row the read model does not have")]
    MissingRow {
        /// The event that names the missing row.
        at: Box<EventAt>,
    },
    /// An event reached a part of a projector that does not file its kind: the
    /// projector routes events wrongly (a bug in Folio, not in the stream).
    #[error("{at} is not {family} event; the projector routed it wrongly")]
    Unfiled {
        /// The event that reached the wrong part.
        at: Box<EventAt>,
        /// The events that part files (`a draft`, `a payment`).
        family: &'static str,
    },
}

impl ProjectionError {
    /// A missing-row error for `event`.
    pub fn missing_row(event: &FeedEvent) -> Self {
        ProjectionError::MissingRow {
            at: EventAt::of(event),
        }
    }

    /// `event` reached the part of a projector that files `family` events only.
    pub(crate) fn unfiled(event: &FeedEvent, family: &'static str) -> Self {
        ProjectionError::Unfiled {
            at: EventAt::of(event),
            family,
        }
    }

    pub(crate) fn decode(event: &FeedEvent, reason: impl ToString) -> Self {
        ProjectionError::Decode {
            at: EventAt::of(event),
            reason: reason.to_string(),
        }
    }
}

/// A projector: a pure function from events to read-model rows, written as SQL.
///
/// Implementations write unqualified table names: the caller sets `search_path` to
/// the [`Target`] schema, so the same code fills the live tables and a rebuild's
/// staging tables.
#[async_trait]
pub trait Projector: Send + Sync + std::fmt::Debug + 'static {
    /// Stable name (lower-case letters and underscores): the checkpoint key and the
    /// prefix of its stream-guard table.
    fn name(&self) -> &'static str;

    /// Bumped when the projection code changes meaning, so existing tables are
    /// rebuilt even if their DDL did not change.
    fn version(&self) -> u32;

    /// DDL of its tables, indexes, views and comments.
    fn schema_sql(&self) -> &'static str;

    /// The aggregate types whose events it reads (in Kafka mode: the topics it
    /// consumes).
    fn aggregate_types(&self) -> &'static [&'static str];

    /// Whether it builds read models from the whole history (every projector
    /// of read models) or reacts to what happens from now on (a reactor:
    /// it is never rebuilt, so nothing it sends is sent twice).
    fn kind(&self) -> ProjectorKind {
        ProjectorKind::ReadModel
    }

    /// For a reactor: the aggregate types whose whole history it files into
    /// its own tables when it is installed ([`Projector::prime`]), reacting
    /// to none of it: the state it needs to react to what comes after (the
    /// webhook endpoints registered before it).
    fn primed_aggregate_types(&self) -> &'static [&'static str] {
        &[]
    }

    /// Whether events of this aggregate type concern it.
    fn wants(&self, aggregate_type: &str) -> bool {
        self.aggregate_types().contains(&aggregate_type)
    }

    /// Applies one event (already known to be new for its stream).
    async fn project(
        &self,
        conn: &mut PgConnection,
        event: &FeedEvent,
    ) -> Result<(), ProjectionError>;

    /// For a reactor being installed: files one past event of a primed
    /// aggregate type into its tables, sending nothing.
    async fn prime(
        &self,
        _conn: &mut PgConnection,
        _event: &FeedEvent,
    ) -> Result<(), ProjectionError> {
        Ok(())
    }
}

/// What a projector makes of the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectorKind {
    /// Read models: built by replaying every event, rebuilt when their
    /// definition changes.
    ReadModel,
    /// Side effects (e-mails, webhooks) queued in the outbox: installed at the
    /// feed's head, so history is not sent again, and never rebuilt. Its only
    /// table is its stream guard.
    Reactor,
}

/// The schema a projector writes to: the live one, or its rebuild's staging schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    schema: String,
}

impl Target {
    /// The schema the API and BI read.
    pub fn live() -> Self {
        Target {
            schema: LIVE_SCHEMA.to_owned(),
        }
    }

    /// Where `projector`'s rebuild builds its tables.
    pub fn staging(projector: &dyn Projector) -> Self {
        Target {
            schema: format!("{LIVE_SCHEMA}_rebuild_{}", projector.name()),
        }
    }

    /// The schema's name (a plain identifier).
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Points unqualified names of the current transaction at this schema.
    pub async fn enter(&self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        sqlx::query(&format!("SET LOCAL search_path TO {}", self.schema))
            .execute(conn)
            .await
            .map(drop)
    }
}

/// Name of the table where `projector` remembers the last sequence applied per
/// stream.
pub fn stream_guard_table(projector: &dyn Projector) -> String {
    format!("{}_stream_versions", projector.name())
}

/// DDL of `projector`'s stream-guard table (created beside its read models).
pub fn stream_guard_sql(projector: &dyn Projector) -> String {
    let table = stream_guard_table(projector);
    format!(
        "CREATE TABLE {table} (
             aggregate_type text   NOT NULL,
             aggregate_id   text   NOT NULL,
             version        bigint NOT NULL,
             PRIMARY KEY (aggregate_type, aggregate_id)
         );
         COMMENT ON TABLE {table} IS 'Last event sequence the {name} projector applied per stream; makes redelivery a no-op.';
         COMMENT ON COLUMN {table}.aggregate_type IS 'Aggregate type.';
         COMMENT ON COLUMN {table}.aggregate_id IS 'Aggregate id.';
         COMMENT ON COLUMN {table}.version IS 'Sequence of the last event applied.';",
        name = projector.name()
    )
}

/// What applying a batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Events projected.
    pub applied: u64,
    /// Events skipped because their stream had already seen them.
    pub duplicates: u64,
    /// Events of aggregates the projector does not read.
    pub ignored: u64,
}

/// Applies `events` in order with `projector`, inside the caller's transaction and
/// schema. An event whose stream already reached its sequence is skipped; one that
/// skips a sequence is a [`ProjectionError::Gap`].
pub async fn apply_events(
    conn: &mut PgConnection,
    projector: &dyn Projector,
    events: &[FeedEvent],
) -> Result<Applied, ProjectionError> {
    let table = stream_guard_table(projector);
    // The first event starts a stream; every later one moves it forward by exactly
    // one. Neither touches a row otherwise, which is what tells a duplicate or a gap.
    let start = format!(
        "INSERT INTO {table} (aggregate_type, aggregate_id, version) VALUES ($1, $2, $3)
         ON CONFLICT (aggregate_type, aggregate_id) DO NOTHING
         RETURNING version"
    );
    let advance = format!(
        "UPDATE {table} SET version = $3
         WHERE aggregate_type = $1 AND aggregate_id = $2 AND version = $3 - 1
         RETURNING version"
    );
    let current =
        format!("SELECT version FROM {table} WHERE aggregate_type = $1 AND aggregate_id = $2");
    let mut outcome = Applied::default();
    for event in events {
        if !projector.wants(&event.aggregate_type) {
            outcome.ignored += 1;
            continue;
        }
        let statement = if event.sequence == 1 {
            &start
        } else {
            &advance
        };
        let advanced: Option<i64> = sqlx::query_scalar(statement)
            .bind(&event.aggregate_type)
            .bind(&event.aggregate_id)
            .bind(event.sequence)
            .fetch_optional(&mut *conn)
            .await?;
        if advanced.is_none() {
            let applied: i64 = sqlx::query_scalar(&current)
                .bind(&event.aggregate_type)
                .bind(&event.aggregate_id)
                .fetch_optional(&mut *conn)
                .await?
                .unwrap_or(0);
            if event.sequence <= applied {
                outcome.duplicates += 1;
                continue;
            }
            return Err(ProjectionError::Gap {
                at: EventAt::of(event),
                applied,
            });
        }
        projector.project(conn, event).await?;
        outcome.applied += 1;
    }
    Ok(outcome)
}

/// Decodes `event`'s payload as `E`, the domain's event enum of its aggregate,
/// upcast from its stored version to today's by the domain's one upcaster
/// (`folio_domain::versions`).
pub fn decode<E: DeserializeOwned>(event: &FeedEvent) -> Result<E, ProjectionError> {
    let payload = folio_domain::versions::upcast(
        &event.event_type,
        &event.event_version,
        event.payload.clone(),
    )
    .map_err(|e| ProjectionError::decode(event, e))?;
    serde_json::from_value(payload).map_err(|e| ProjectionError::decode(event, e))
}
