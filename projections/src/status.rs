//! Where each projector stands: installed or not, its checkpoint, how far behind
//! the store it is, its last failure. Read by `folio projections status`, by the
//! one task per process whose readings `/readyz` (installed or not) and
//! `/metrics` serve, and by the Kafka consumers' stall watch.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use crate::checkpoint::Checkpoint;
use crate::feed::FeedPosition;
use crate::projector::Projector;
use crate::rebuild::definition_hash;

/// Where one projector stands.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectorStatus {
    /// Projector name.
    pub projector: String,
    /// Whether its tables exist.
    pub installed: bool,
    /// Whether its tables match the running code (otherwise the next start rebuilds).
    pub definition_current: bool,
    /// Last event applied.
    pub position: Option<FeedPosition>,
    /// Events in the store it has not applied yet.
    pub events_behind: i64,
    /// Age of the oldest event it has not applied yet, in seconds (0 when caught up).
    pub seconds_behind: f64,
    /// When its checkpoint last moved.
    pub updated_at: Option<DateTime<Utc>>,
    /// When its tables were last rebuilt.
    pub rebuilt_at: Option<DateTime<Utc>>,
    /// Why it is stuck, if it is.
    pub last_error: Option<String>,
    /// Kafka messages it dead-lettered (or parked behind one) since its last
    /// rebuild.
    pub dead_letters: i64,
}

/// How far behind `after` is: events not yet read (committed or not) and the
/// recording time of the oldest of them.
pub async fn backlog(
    pool: &PgPool,
    after: FeedPosition,
) -> Result<(i64, Option<DateTime<Utc>>), sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*), min(recorded_at) FROM public.events
         WHERE (transaction_id, global_position) > ($1::text::xid8, $2)",
    )
    .bind(after.transaction_id.to_string())
    .bind(after.global_position)
    .fetch_one(pool)
    .await
}

/// Where each of `projectors` stands and how far behind it is.
pub async fn of(
    pool: &PgPool,
    projectors: &[Arc<dyn Projector>],
) -> Result<Vec<ProjectorStatus>, sqlx::Error> {
    let stored = Checkpoint::all(pool).await?;
    let dead_letters: Vec<(String, i64)> = sqlx::query_as(
        "SELECT projector, count(*) FROM public.kafka_dead_letters GROUP BY projector",
    )
    .fetch_all(pool)
    .await?;
    let now = Utc::now();
    let mut statuses = Vec::new();
    for projector in projectors {
        let checkpoint = stored.iter().find(|c| c.projector == projector.name());
        let after = checkpoint.map_or(FeedPosition::ORIGIN, |c| c.position);
        let (events_behind, oldest) = backlog(pool, after).await?;
        statuses.push(ProjectorStatus {
            projector: projector.name().to_owned(),
            installed: checkpoint.is_some(),
            definition_current: checkpoint
                .is_some_and(|c| c.definition_hash == definition_hash(projector.as_ref())),
            position: checkpoint.map(|c| c.position),
            events_behind,
            seconds_behind: age(oldest, now),
            updated_at: checkpoint.map(|c| c.updated_at),
            rebuilt_at: checkpoint.map(|c| c.rebuilt_at),
            last_error: checkpoint.and_then(|c| c.last_error.clone()),
            dead_letters: dead_letters
                .iter()
                .find(|(name, _)| name == projector.name())
                .map_or(0, |(_, count)| *count),
        });
    }
    Ok(statuses)
}

/// The names of `projectors` whose tables are not installed yet: one read of
/// the checkpoints, no backlog counted, so a slow backlog never makes a
/// process look unready.
pub async fn uninstalled(
    pool: &PgPool,
    projectors: &[Arc<dyn Projector>],
) -> Result<Vec<String>, sqlx::Error> {
    let installed = Checkpoint::all(pool).await?;
    Ok(projectors
        .iter()
        .filter(|p| !installed.iter().any(|c| c.projector == p.name()))
        .map(|p| p.name().to_owned())
        .collect())
}

/// How far one Kafka relay is behind the store.
#[derive(Debug, Clone, PartialEq)]
pub struct RelayStatus {
    /// The relay's name (its topic prefix).
    pub relay: String,
    /// Events committed that it has not published yet.
    pub events_behind: i64,
    /// Age of the oldest event it has not published, in seconds (0 when none).
    pub seconds_behind: f64,
}

/// Where every Kafka relay that ever ran on this database stands (none in
/// embedded mode).
pub async fn relays(pool: &PgPool) -> Result<Vec<RelayStatus>, sqlx::Error> {
    let relays: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT relay, transaction_id::text::bigint, global_position
         FROM public.relay_checkpoints ORDER BY relay",
    )
    .fetch_all(pool)
    .await?;
    let now = Utc::now();
    let mut statuses = Vec::with_capacity(relays.len());
    for (relay, transaction_id, global_position) in relays {
        let after = FeedPosition {
            transaction_id,
            global_position,
        };
        let (events_behind, oldest) = backlog(pool, after).await?;
        statuses.push(RelayStatus {
            relay,
            events_behind,
            seconds_behind: age(oldest, now),
        });
    }
    Ok(statuses)
}

/// Seconds from `oldest` to `now` (0 when there is nothing waiting).
fn age(oldest: Option<DateTime<Utc>>, now: DateTime<Utc>) -> f64 {
    oldest.map_or(0.0, |t| (now - t).num_milliseconds().max(0) as f64 / 1000.0)
}
