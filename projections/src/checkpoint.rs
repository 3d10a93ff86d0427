//! Exactly-once effect: a batch of events and the projector's new checkpoint are
//! written in one Postgres transaction, so a crash anywhere leaves either both or
//! neither.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Executor, PgConnection, PgPool};

use crate::feed::{FeedEvent, FeedPosition};
use crate::projector::{apply_events, Applied, ProjectionError, Projector, Target};

/// A projector's row in `projection_checkpoints`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Projector name.
    pub projector: String,
    /// Last event applied.
    pub position: FeedPosition,
    /// Definition its live tables were built from.
    pub definition_hash: String,
    /// Tables and views it owns in the live schema.
    pub relations: Vec<String>,
    /// When its tables were last rebuilt.
    pub rebuilt_at: DateTime<Utc>,
    /// When its checkpoint last moved.
    pub updated_at: DateTime<Utc>,
    /// The last failure, until a batch succeeds again.
    pub last_error: Option<String>,
}

/// A row of `projection_checkpoints` as selected by [`CHECKPOINT_COLUMNS`].
#[derive(sqlx::FromRow)]
struct CheckpointRow {
    projector: String,
    transaction_id: i64,
    global_position: i64,
    definition_hash: String,
    relations: Vec<String>,
    rebuilt_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    last_error: Option<String>,
}

const CHECKPOINT_COLUMNS: &str = "projector, transaction_id::text::bigint AS transaction_id, global_position, definition_hash, relations, rebuilt_at, updated_at, last_error";

impl From<CheckpointRow> for Checkpoint {
    fn from(row: CheckpointRow) -> Self {
        Checkpoint {
            projector: row.projector,
            position: FeedPosition {
                transaction_id: row.transaction_id,
                global_position: row.global_position,
            },
            definition_hash: row.definition_hash,
            relations: row.relations,
            rebuilt_at: row.rebuilt_at,
            updated_at: row.updated_at,
            last_error: row.last_error,
        }
    }
}

impl Checkpoint {
    /// Every checkpoint, by projector name.
    pub async fn all(pool: &PgPool) -> Result<Vec<Checkpoint>, sqlx::Error> {
        let rows: Vec<CheckpointRow> = sqlx::query_as(&format!(
            "SELECT {CHECKPOINT_COLUMNS} FROM public.projection_checkpoints ORDER BY projector"
        ))
        .fetch_all(pool)
        .await?;
        Ok(rows.into_iter().map(Checkpoint::from).collect())
    }

    /// The checkpoint of `projector`, if it is installed.
    pub async fn load(
        conn: &mut PgConnection,
        projector: &str,
    ) -> Result<Option<Checkpoint>, sqlx::Error> {
        Self::select(conn, projector, "").await
    }

    /// Like [`Checkpoint::load`], and locks the row until the transaction ends, so
    /// no other writer of this projector's tables runs meanwhile.
    pub async fn lock(
        conn: &mut PgConnection,
        projector: &str,
    ) -> Result<Option<Checkpoint>, sqlx::Error> {
        Self::select(conn, projector, "FOR UPDATE").await
    }

    async fn select(
        conn: &mut PgConnection,
        projector: &str,
        locking: &str,
    ) -> Result<Option<Checkpoint>, sqlx::Error> {
        let row: Option<CheckpointRow> = sqlx::query_as(&format!(
            "SELECT {CHECKPOINT_COLUMNS} FROM public.projection_checkpoints WHERE projector = $1 {locking}"
        ))
        .bind(projector)
        .fetch_optional(conn)
        .await?;
        Ok(row.map(Checkpoint::from))
    }

    /// Records that `projector`'s tables now answer to `definition_hash`
    /// without rebuilding them (a reactor's new version: it is never rebuilt).
    pub async fn redefine(
        conn: &mut PgConnection,
        projector: &str,
        definition_hash: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE public.projection_checkpoints SET definition_hash = $2 WHERE projector = $1",
        )
        .bind(projector)
        .bind(definition_hash)
        .execute(conn)
        .await
        .map(drop)
    }

    /// Records why `projector` is stuck (outside any batch), for status and health.
    pub async fn record_failure(
        pool: &PgPool,
        projector: &str,
        error: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE public.projection_checkpoints SET last_error = $2, last_error_at = now() WHERE projector = $1",
        )
        .bind(projector)
        .bind(error)
        .execute(pool)
        .await
        .map(drop)
    }

    /// Clears what [`Checkpoint::record_failure`] recorded, once `projector` works
    /// again: a projector that recovered while no event was waiting would
    /// otherwise look stuck until the next event.
    pub async fn clear_failure(pool: &PgPool, projector: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE public.projection_checkpoints SET last_error = NULL, last_error_at = NULL
             WHERE projector = $1 AND last_error IS NOT NULL",
        )
        .bind(projector)
        .execute(pool)
        .await
        .map(drop)
    }
}

/// Moves `projector`'s checkpoint to `position` (inside the caller's transaction).
pub(crate) async fn advance(
    conn: &mut PgConnection,
    projector: &str,
    position: FeedPosition,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE public.projection_checkpoints
         SET transaction_id = $2::text::xid8, global_position = $3, updated_at = now(),
             last_error = NULL, last_error_at = NULL
         WHERE projector = $1",
    )
    .bind(projector)
    .bind(position.transaction_id.to_string())
    .bind(position.global_position)
    .execute(conn)
    .await
    .map(drop)
}

/// Points where a test can stop a batch, to prove a crash there loses nothing.
#[async_trait]
pub trait BatchHooks: Send + Sync + std::fmt::Debug {
    /// After the read models and checkpoint are written, before the commit.
    async fn before_commit(&self, _projector: &str) {}
    /// After the commit, before the next batch.
    async fn after_commit(&self, _projector: &str) {}
}

/// No hooks: what production runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHooks;

impl BatchHooks for NoHooks {}

/// What [`apply_batch`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOutcome {
    /// The batch is applied; the checkpoint is at `position`.
    Applied {
        /// The last event the batch applied.
        position: FeedPosition,
        /// What happened to the events.
        applied: Applied,
    },
    /// Someone else moved the checkpoint (another instance, or a rebuild swapped
    /// new tables in): nothing was written; continue from `current`.
    Stale {
        /// The checkpoint as stored.
        current: FeedPosition,
    },
}

/// Applies `events`, which follow `expected` in the feed, to `projector`'s live
/// tables and moves its checkpoint to the last of them, in one transaction.
pub async fn apply_batch(
    pool: &PgPool,
    projector: &dyn Projector,
    expected: FeedPosition,
    events: &[FeedEvent],
    hooks: &dyn BatchHooks,
) -> Result<BatchOutcome, ProjectionError> {
    let Some(last) = events.last() else {
        return Ok(BatchOutcome::Applied {
            position: expected,
            applied: Applied::default(),
        });
    };
    let mut tx = pool.begin().await?;
    let stored = Checkpoint::lock(&mut tx, projector.name())
        .await?
        .ok_or_else(|| ProjectionError::NotInstalled(projector.name().to_owned()))?;
    if stored.position != expected {
        return Ok(BatchOutcome::Stale {
            current: stored.position,
        });
    }
    Target::live().enter(&mut tx).await?;
    let applied = apply_events(&mut tx, projector, events).await?;
    advance(&mut tx, projector.name(), last.position).await?;
    hooks.before_commit(projector.name()).await;
    tx.commit().await?;
    hooks.after_commit(projector.name()).await;
    Ok(BatchOutcome::Applied {
        position: last.position,
        applied,
    })
}

/// The highest position a committed event holds (0 for an empty store): a
/// consistency token above it names no write, and waiting for it is pointless.
pub async fn feed_head(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT coalesce(max(global_position), 0) FROM public.events")
        .fetch_one(pool)
        .await
}

/// For each projector in `wanted` with the highest position someone waits
/// for, in `wanted`'s order: the position through which its checkpoint
/// includes every committed event, looked for no further than that highest
/// position (one below the first event at or below it that the checkpoint does
/// not include, else the position itself); `None` when it is not installed.
///
/// Positions are unique, so a consistency token names one event: a read
/// waiting for it is answered, and a catch-up is done, once the projectors
/// concerned are through it. The answer holds for events committed before the
/// query began (see `folio_commands::consistency::Round`).
pub async fn applied_through(
    pool: &PgPool,
    wanted: &[(&str, i64)],
) -> Result<Vec<Option<i64>>, sqlx::Error> {
    let (projectors, highest): (Vec<&str>, Vec<i64>) = wanted.iter().copied().unzip();
    let mut tx = pool.begin().await?;
    // The events a checkpoint does not include are the range after it in feed
    // order, which the feed-order index finds at once. The planner cannot know
    // that range is short (it is the projector's backlog) and picks a scan of the
    // whole table, which made every look O(events): steer it off (and keep the
    // penalty cost that steers it from triggering JIT compilation).
    (&mut *tx)
        .execute("SET LOCAL enable_seqscan = off; SET LOCAL jit = off")
        .await?;
    let found = sqlx::query_scalar(
        "SELECT (SELECT coalesce((SELECT min(e.global_position) - 1 FROM public.events e
                                  WHERE (e.transaction_id, e.global_position)
                                        > (p.transaction_id, p.global_position)
                                    AND e.global_position <= w.highest),
                                 w.highest)
                 FROM public.projection_checkpoints p WHERE p.projector = w.projector)
         FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS w(projector, highest, n)
         ORDER BY w.n",
    )
    .bind(projectors)
    .bind(highest)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(found)
}
