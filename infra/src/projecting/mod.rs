//! Running the projectors over the global feed (embedded mode): installing and
//! rebuilding their tables, catching up, following the feed, and reporting lag.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use folio_projections::rebuild::{apply_to_staging, definition_hash, prepare_staging, swap_in};
use folio_projections::{
    apply_batch, apply_events, BatchHooks, BatchOutcome, Checkpoint, FeedEvent, FeedPosition,
    NoHooks, ProjectionError, Projector, ProjectorKind, Target,
};
use serde::Serialize;
use sqlx::PgPool;

use crate::personal_data::KeyWrapping;
use crate::postgres::feed::{await_in_flight, head, read_after, FeedSignal, IN_FLIGHT_WAIT};
use crate::postgres::pool::{self, PoolUse, SessionLock};
use crate::retrying::{FailureStreak, MAX_PAUSE};
use folio_projections::checkpoint::applied_through;
pub use folio_projections::status::ProjectorStatus;
use tracing::Instrument;

mod reactors;

/// Why running the projectors (install, rebuild, catch up, follow) failed; a
/// [`ProjectionError`] is one projector failing on one event.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionRunError {
    /// No projector has that name.
    #[error("no projector is called '{name}' (known: {known})")]
    UnknownProjector {
        /// The name asked for.
        name: String,
        /// The names there are.
        known: String,
    },
    /// A reactor was asked to be rebuilt: that would send what it sent again.
    #[error("'{name}' is a reactor: it is never rebuilt, since replaying history would send its messages again")]
    NeverRebuilt {
        /// Its name.
        name: String,
    },
    /// A projector failed.
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    /// The database failed outside a projector.
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    /// Sealed personal data could not be opened for the projectors.
    #[error(transparent)]
    PersonalData(#[from] crate::personal_data::PersonalDataError),
}

/// Attempts at installing one projector before a transient failure ends the start.
pub const INSTALL_ATTEMPTS: u32 = 8;

impl ProjectionRunError {
    /// Whether trying again may work: the database was unreachable, or refused
    /// the statement for a reason that passes (a deadlock, a serialization
    /// failure, a lock not available, a catalog row updated concurrently).
    pub fn is_transient(&self) -> bool {
        let sql = match self {
            ProjectionRunError::Sql(error)
            | ProjectionRunError::Projection(ProjectionError::Sql(error)) => error,
            _ => return false,
        };
        if crate::postgres::pool::is_unreachable(sql) {
            return true;
        }
        match sql {
            sqlx::Error::Database(db) => match db.code().as_deref() {
                Some("40P01" | "40001" | "55P03") => true,
                Some("XX000") => db.message().contains("concurrently updated"),
                _ => false,
            },
            _ => false,
        }
    }
}

/// Tuning of the embedded projection runner.
#[derive(Debug, Clone, Copy)]
pub struct ProjectionConfig {
    /// Events per transaction.
    pub batch_size: i64,
    /// Longest wait between two looks at the feed when no notification arrives.
    pub poll_interval: Duration,
    /// Longest pause after a failure before trying again.
    pub max_backoff: Duration,
}

impl ProjectionConfig {
    /// The tuning unless configured otherwise: batches of 500, a look at the feed
    /// at least every 500 ms, at most 5 s between retries.
    pub const DEFAULT: ProjectionConfig = ProjectionConfig {
        batch_size: 500,
        poll_interval: Duration::from_millis(500),
        max_backoff: crate::retrying::MAX_PAUSE,
    };
}

impl Default for ProjectionConfig {
    fn default() -> Self {
        ProjectionConfig::DEFAULT
    }
}

/// What a rebuild did.
#[derive(Debug, Clone, Serialize)]
pub struct RebuildReport {
    /// Projector rebuilt.
    pub projector: String,
    /// Events replayed.
    pub events: u64,
    /// Checkpoint after the swap.
    pub position: FeedPosition,
    /// Tables and views swapped in.
    pub relations: Vec<String>,
    /// How long it took, in milliseconds.
    pub millis: u128,
}

/// The projectors of Folio over one database.
#[derive(Debug, Clone)]
pub struct Projections {
    pool: PgPool,
    wrapping: KeyWrapping,
    projectors: Vec<Arc<dyn Projector>>,
    config: ProjectionConfig,
    hooks: Arc<dyn BatchHooks>,
}

impl Projections {
    /// Every projector of Folio, default tuning, opening personal data with keys
    /// stored by `wrapping`.
    pub fn new(pool: PgPool, wrapping: KeyWrapping) -> Self {
        Projections {
            pool,
            wrapping,
            projectors: folio_projections::all(),
            config: ProjectionConfig::default(),
            hooks: Arc::new(NoHooks),
        }
    }

    /// With other tuning.
    pub fn with_config(mut self, config: ProjectionConfig) -> Self {
        self.config = config;
        self
    }

    /// With hooks called around every batch commit (for crash tests).
    pub fn with_hooks(mut self, hooks: Arc<dyn BatchHooks>) -> Self {
        self.hooks = hooks;
        self
    }

    /// How subject keys are opened for the projectors.
    pub fn key_wrapping(&self) -> &KeyWrapping {
        &self.wrapping
    }

    /// The database they write to.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The projectors, in their stable order.
    pub fn projectors(&self) -> &[Arc<dyn Projector>] {
        &self.projectors
    }

    /// The projector called `name`.
    pub fn projector(&self, name: &str) -> Result<Arc<dyn Projector>, ProjectionRunError> {
        self.projectors
            .iter()
            .find(|p| p.name() == name)
            .cloned()
            .ok_or_else(|| ProjectionRunError::UnknownProjector {
                name: name.to_owned(),
                known: self
                    .projectors
                    .iter()
                    .map(|p| p.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    async fn lock_rebuild(&self, projector: &dyn Projector) -> Result<SessionLock, sqlx::Error> {
        let name = format!("folio.rebuild.{}", projector.name());
        SessionLock::acquire(&self.pool, &name, 3).await
    }

    async fn is_current(&self, projector: &dyn Projector) -> Result<bool, sqlx::Error> {
        let mut conn = pool::acquire(&self.pool, PoolUse::Projection).await?;
        let stored = Checkpoint::load(&mut conn, projector.name()).await?;
        Ok(stored.is_some_and(|c| c.definition_hash == definition_hash(projector)))
    }

    /// Builds the tables of every projector that has none yet or whose definition
    /// changed. Returns what was rebuilt. A transient failure (a deadlock with
    /// another database's migrations on the server's shared catalogs, a dropped
    /// connection) is retried with backoff, [`INSTALL_ATTEMPTS`] times in all,
    /// rather than ending the process that starts.
    pub async fn install(&self) -> Result<Vec<RebuildReport>, ProjectionRunError> {
        let mut reports = Vec::new();
        for projector in &self.projectors {
            let what = format!("installing projector {}", projector.name());
            let mut streak = FailureStreak::new(what, MAX_PAUSE);
            loop {
                match self.install_one(projector.as_ref()).await {
                    Ok(report) => {
                        streak.succeeded();
                        reports.extend(report);
                        break;
                    }
                    Err(error)
                        if error.is_transient() && streak.failures() + 1 < INSTALL_ATTEMPTS =>
                    {
                        tokio::time::sleep(streak.failed(&error)).await;
                    }
                    Err(error) => return Err(error),
                }
            }
        }
        Ok(reports)
    }

    /// Installs `projector` unless it is current; `None` when it was.
    async fn install_one(
        &self,
        projector: &dyn Projector,
    ) -> Result<Option<RebuildReport>, ProjectionRunError> {
        if self.is_current(projector).await? {
            return Ok(None);
        }
        let _lock = self.lock_rebuild(projector).await?;
        // Another process may have installed it while we waited for the lock.
        if self.is_current(projector).await? {
            return Ok(None);
        }
        match projector.kind() {
            ProjectorKind::ReadModel => self.rebuild_locked(projector).await.map(Some),
            ProjectorKind::Reactor => self.install_reactor_locked(projector).await,
        }
    }

    /// Replays the whole store into new tables for `name` and swaps them in; the
    /// old tables serve until the swap commits.
    /// A reactor is refused ([`ProjectionRunError::NeverRebuilt`]).
    pub async fn rebuild(&self, name: &str) -> Result<RebuildReport, ProjectionRunError> {
        let projector = self.rebuildable(name)?;
        self.settle_before_rebuild().await?;
        let _lock = self.lock_rebuild(projector.as_ref()).await?;
        self.rebuild_locked(projector.as_ref()).await
    }

    /// Rebuilds every projector of read models, one after the other; reactors
    /// are never rebuilt, only installed (at the feed's head) if they are not.
    pub async fn rebuild_all(&self) -> Result<Vec<RebuildReport>, ProjectionRunError> {
        self.settle_before_rebuild().await?;
        let mut reports = Vec::new();
        let read_models = self
            .projectors
            .iter()
            .filter(|p| p.kind() == ProjectorKind::ReadModel);
        for projector in read_models {
            let _lock = self.lock_rebuild(projector.as_ref()).await?;
            reports.push(self.rebuild_locked(projector.as_ref()).await?);
        }
        self.install_reactors().await?;
        Ok(reports)
    }

    /// Waits so that a rebuild an operator asked for covers everything committed
    /// before it began; past [`IN_FLIGHT_WAIT`] it takes what is final and the live
    /// projector follows the rest. (Installing at start-up does not wait.)
    async fn settle_before_rebuild(&self) -> Result<(), ProjectionRunError> {
        if !await_in_flight(&self.pool, IN_FLIGHT_WAIT).await? {
            tracing::warn!("a long transaction holds the feed back; rebuilding what is final");
        }
        Ok(())
    }

    async fn rebuild_locked(
        &self,
        projector: &dyn Projector,
    ) -> Result<RebuildReport, ProjectionRunError> {
        let started = Instant::now();
        prepare_staging(&self.pool, projector).await?;
        let mut position = FeedPosition::ORIGIN;
        let mut events = 0u64;
        loop {
            let batch = self.read(position).await?;
            let Some(last) = batch.last() else { break };
            position = last.position;
            apply_to_staging(&self.pool, projector, &batch).await?;
            events += batch.len() as u64;
        }
        // The swap: hold the live checkpoint so the live runner pauses, apply what
        // arrived meanwhile to the staging tables, then move them in.
        let mut tx = pool::begin(&self.pool, PoolUse::Projection).await?;
        let previous = Checkpoint::lock(&mut tx, projector.name()).await?;
        Target::staging(projector).enter(&mut tx).await?;
        loop {
            let batch =
                read_opened(&mut tx, &self.wrapping, position, self.config.batch_size).await?;
            let Some(last) = batch.last() else { break };
            position = last.position;
            apply_events(&mut tx, projector, &batch).await?;
            events += batch.len() as u64;
        }
        let relations = swap_in(&mut tx, projector, position, previous.as_ref()).await?;
        tx.commit().await?;
        tracing::info!(projector = projector.name(), events, %position, "rebuilt projection");
        Ok(RebuildReport {
            projector: projector.name().to_owned(),
            events,
            position,
            relations,
            millis: started.elapsed().as_millis(),
        })
    }

    /// The next batch of the feed after `position`.
    async fn read(&self, position: FeedPosition) -> Result<Vec<FeedEvent>, ProjectionRunError> {
        let mut conn = pool::acquire(&self.pool, PoolUse::Projection).await?;
        read_opened(&mut conn, &self.wrapping, position, self.config.batch_size).await
    }

    async fn checkpoint_of(
        &self,
        projector: &dyn Projector,
    ) -> Result<FeedPosition, ProjectionRunError> {
        let mut conn = pool::acquire(&self.pool, PoolUse::Projection).await?;
        Checkpoint::load(&mut conn, projector.name())
            .await?
            .map(|c| c.position)
            .ok_or_else(|| ProjectionError::NotInstalled(projector.name().to_owned()).into())
    }

    /// Applies the next batch after `position`; `None` when nothing is readable.
    async fn step(
        &self,
        projector: &dyn Projector,
        position: FeedPosition,
    ) -> Result<Option<FeedPosition>, ProjectionRunError> {
        let batch = self.read(position).await?;
        if batch.is_empty() {
            return Ok(None);
        }
        let started = Instant::now();
        let span = crate::telemetry::batch_span(
            "projector.batch",
            projector.name(),
            "feed",
            batch.len(),
            batch
                .iter()
                .filter_map(|e| crate::telemetry::trace_parent(&e.metadata)),
        );
        let applied = apply_batch(&self.pool, projector, position, &batch, self.hooks.as_ref())
            .instrument(span)
            .await?;
        match applied {
            BatchOutcome::Applied { position, .. } => {
                crate::telemetry::projected(
                    projector.name(),
                    "feed",
                    batch.len(),
                    started.elapsed(),
                );
                Ok(Some(position))
            }
            BatchOutcome::Stale { current } => Ok(Some(current)),
        }
    }

    /// Applies every event committed before the call to every projector
    /// (installing them first). Events held back by a still-running older
    /// transaction are waited for.
    pub async fn catch_up(&self) -> Result<(), ProjectionRunError> {
        self.install().await?;
        let target = head(&self.pool).await?;
        for projector in &self.projectors {
            self.catch_up_to(projector.as_ref(), target).await?;
        }
        Ok(())
    }

    /// [`Projections::catch_up`] for the projector called `name` alone (the
    /// others stay where they are).
    pub async fn catch_up_one(&self, name: &str) -> Result<(), ProjectionRunError> {
        self.install().await?;
        let projector = self.projector(name)?;
        let target = head(&self.pool).await?;
        self.catch_up_to(projector.as_ref(), target).await
    }

    async fn catch_up_to(
        &self,
        projector: &dyn Projector,
        target: i64,
    ) -> Result<(), ProjectionRunError> {
        let mut position = self.checkpoint_of(projector).await?;
        while applied_through(&self.pool, &[(projector.name(), target)]).await? != [Some(target)] {
            match self.step(projector, position).await? {
                Some(next) => position = next,
                None => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
        Ok(())
    }

    /// Follows the feed with one projector until cancelled: applies batches as
    /// events commit, and after a failure (a database outage, a poisoned event)
    /// records it, logs it once, and retries with backoff from the checkpoint.
    pub async fn follow(&self, projector: Arc<dyn Projector>) -> Infallible {
        let mut signal = FeedSignal::new(&self.pool, self.config.poll_interval).await;
        let mut streak = FailureStreak::new(
            format!("projector {}", projector.name()),
            self.config.max_backoff,
        );
        let mut position = None;
        loop {
            let result = match position {
                Some(from) => self.step(projector.as_ref(), from).await,
                None => self.checkpoint_of(projector.as_ref()).await.map(Some),
            };
            if result.is_ok() && streak.failures() > 0 {
                // Ignored if it fails: the next failure or batch rewrites it anyway.
                let _ = Checkpoint::clear_failure(&self.pool, projector.name()).await;
                streak.succeeded();
            }
            match result {
                Ok(Some(next)) => position = Some(next),
                Ok(None) => signal.pause().await,
                Err(error) => {
                    let pause = streak.failed(&error);
                    let _ = Checkpoint::record_failure(
                        &self.pool,
                        projector.name(),
                        &error.to_string(),
                    )
                    .await;
                    tokio::time::sleep(pause).await;
                    // Start again from what is stored.
                    position = None;
                }
            }
        }
    }

    /// Installs the projectors, then follows the feed with all of them until
    /// cancelled or one cannot start.
    pub async fn run(&self) -> Result<Infallible, ProjectionRunError> {
        self.install().await?;
        let mut tasks = tokio::task::JoinSet::new();
        for projector in &self.projectors {
            let this = self.clone();
            let projector = projector.clone();
            tasks.spawn(async move { Ok::<_, ProjectionRunError>(this.follow(projector).await) });
        }
        first_failure(tasks).await
    }

    /// Where every projector stands and how far behind it is.
    pub async fn status(&self) -> Result<Vec<ProjectorStatus>, ProjectionRunError> {
        Ok(folio_projections::status::of(&self.pool, &self.projectors).await?)
    }
}

/// The next `limit` feed events after `position`, personal data opened: what the
/// projectors read (the relay publishes them sealed).
async fn read_opened(
    conn: &mut sqlx::PgConnection,
    wrapping: &KeyWrapping,
    position: FeedPosition,
    limit: i64,
) -> Result<Vec<FeedEvent>, ProjectionRunError> {
    let mut batch = read_after(&mut *conn, position, limit).await?;
    crate::personal_data::open_feed_events(conn, wrapping, &mut batch).await?;
    Ok(batch)
}

/// Waits on tasks that run until cancelled, and returns the first one's error (a
/// panic is passed on).
pub(crate) async fn first_failure<T: 'static, E: 'static>(
    mut tasks: tokio::task::JoinSet<Result<T, E>>,
) -> Result<Infallible, E> {
    loop {
        match tasks.join_next().await {
            Some(Ok(Err(error))) => return Err(error),
            Some(Err(join)) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
            Some(_) => {}
            None => std::future::pending::<()>().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_install_that_lost_its_connection_is_retried_a_bad_event_is_not() {
        // Given failures of an install
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        let lost = ProjectionRunError::Sql(sqlx::Error::Io(reset));
        let timed_out =
            ProjectionRunError::Projection(ProjectionError::Sql(sqlx::Error::PoolTimedOut));
        let missing = ProjectionRunError::Sql(sqlx::Error::RowNotFound);
        let unknown = ProjectionRunError::UnknownProjector {
            name: "x".into(),
            known: "invoicing".into(),
        };
        // Then only those that may pass are retried
        assert!(lost.is_transient());
        assert!(timed_out.is_transient());
        assert!(!missing.is_transient());
        assert!(!unknown.is_transient());
    }
}
