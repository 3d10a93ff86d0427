//! What `/readyz` and `/metrics` say about the store: whether the read models
//! are installed, how far each projector and relay is behind, how many
//! credit moves are under way, how many issued documents await their
//! archive and how many Mexican invoices their stamp. One task per
//! process reads it from the database on an interval and the handlers answer
//! from memory, so probes and scrapes, however many and from wherever, never
//! reach the database.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use folio_projections::invoicing::queries::{
    count_cfdi_processes, count_documents_awaiting_archive, count_moves_under_way,
    count_unsent_notifications, CfdiProcessCounts,
};
use folio_projections::status::{self, ProjectorStatus, RelayStatus};
use sqlx::PgPool;

/// How long one reading waits for the database before it counts as not
/// answering; a slow backlog count leaves the last lag figures in place.
const DATABASE_CHECK_TIMEOUT: Duration = Duration::from_millis(800);

/// The store's figures as the last reading found them, shared by the handlers
/// and the task that reads them.
#[derive(Clone, Debug)]
pub struct StoreVitals {
    interval: Duration,
    last: Arc<Mutex<Option<Reading>>>,
}

/// One reading's verdict on readiness.
#[derive(Debug)]
struct Reading {
    taken: Instant,
    /// `Err(why)` when the database did not answer or a read model is missing.
    verdict: Result<(), String>,
}

impl StoreVitals {
    /// Figures read every `interval`; nothing is known before the first reading.
    pub fn new(interval: Duration) -> Self {
        StoreVitals {
            interval,
            last: Arc::new(Mutex::new(None)),
        }
    }

    /// Whether the last reading found the database answering and every read
    /// model installed; `Err` says why not. A reading older than two intervals
    /// (the task is stuck) counts as none.
    pub fn readiness(&self) -> Result<(), String> {
        let last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let Some(reading) = last.as_ref() else {
            return Err("the database has not been checked yet".to_owned());
        };
        let age = reading.taken.elapsed();
        if age > self.interval * 2 + DATABASE_CHECK_TIMEOUT {
            return Err(format!(
                "the database has not been checked for {} s",
                age.as_secs()
            ));
        }
        reading.verdict.clone()
    }

    /// Reads the figures once: readiness from the checkpoints (one statement),
    /// then every projector's and relay's lag into the gauges. Each part gives
    /// up after 800 ms.
    pub async fn read(&self, pool: &PgPool) {
        let verdict = installed(pool).await;
        let ready = verdict.is_ok();
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(Reading {
            taken: Instant::now(),
            verdict,
        });
        if ready {
            let lag = async {
                let projectors = status::of(pool, &folio_projections::all()).await?;
                let relays = status::relays(pool).await?;
                let moves = count_moves_under_way(pool).await?;
                let archive = count_documents_awaiting_archive(pool).await?;
                let unsent = count_unsent_notifications(pool).await?;
                let cfdis = count_cfdi_processes(pool).await?;
                Ok::<_, sqlx::Error>((projectors, relays, moves, archive, unsent, cfdis))
            };
            if let Ok(Ok((projectors, relays, moves, (awaiting, failing), unsent, cfdis))) =
                tokio::time::timeout(DATABASE_CHECK_TIMEOUT, lag).await
            {
                lag_gauges(&projectors, &relays);
                metrics::gauge!("folio_credit_moves_under_way").set(moves as f64);
                metrics::gauge!("folio_documents_awaiting_archive").set(awaiting as f64);
                metrics::gauge!("folio_documents_archive_failing").set(failing as f64);
                unsent_gauges(&unsent);
                cfdi_gauges(&cfdis);
            }
        }
    }

    /// Reads the figures every interval, forever (the first reading is the
    /// caller's, before it announces itself).
    pub async fn keep_reading(self, pool: PgPool) -> std::convert::Infallible {
        loop {
            tokio::time::sleep(self.interval).await;
            self.read(&pool).await;
        }
    }
}

/// The notifications not sent, by channel and status; every pair is set
/// (zero when none is), so a count that fell to nothing shows as 0.
fn unsent_gauges(unsent: &[(String, String, i64)]) {
    for channel in ["EMAIL"] {
        for status in ["QUEUED", "SENDING", "RETRYING", "FAILED"] {
            let count = unsent
                .iter()
                .find(|(c, s, _)| c == channel && s == status)
                .map_or(0, |(.., count)| *count);
            metrics::gauge!("folio_notifications_unsent", "channel" => channel, "status" => status)
                .set(count as f64);
        }
    }
}

/// `Ok` when the database answers and every read model is installed.
async fn installed(pool: &PgPool) -> Result<(), String> {
    let projectors = folio_projections::all();
    let check = status::uninstalled(pool, &projectors);
    match tokio::time::timeout(DATABASE_CHECK_TIMEOUT, check).await {
        Err(_) => Err(format!(
            "Postgres did not answer within {} ms",
            DATABASE_CHECK_TIMEOUT.as_millis()
        )),
        Ok(Err(error)) => Err(format!("Postgres: {error}")),
        Ok(Ok(uninstalled)) if !uninstalled.is_empty() => Err(format!(
            "read models not installed yet: {}",
            uninstalled.join(", ")
        )),
        Ok(Ok(_)) => Ok(()),
    }
}

/// The pool's use: known in memory, so set at scrape time.
pub fn pool_gauges(pool: &PgPool) {
    let idle = pool.num_idle() as f64;
    metrics::gauge!("folio_db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("folio_db_pool_connections", "state" => "in_use")
        .set(f64::from(pool.size()) - idle);
    metrics::gauge!("folio_db_pool_max_connections")
        .set(f64::from(pool.options().get_max_connections()));
}

/// How far each projector and relay is behind the store.
fn lag_gauges(projectors: &[ProjectorStatus], relays: &[RelayStatus]) {
    for s in projectors {
        let projector = s.projector.clone();
        metrics::gauge!("folio_projection_events_behind", "projector" => projector.clone())
            .set(s.events_behind as f64);
        metrics::gauge!("folio_projection_seconds_behind", "projector" => projector.clone())
            .set(s.seconds_behind);
        metrics::gauge!("folio_projection_dead_letters", "projector" => projector.clone())
            .set(s.dead_letters as f64);
        let failing = if s.last_error.is_some() { 1.0 } else { 0.0 };
        metrics::gauge!("folio_projection_failing", "projector" => projector).set(failing);
    }
    for r in relays {
        metrics::gauge!("folio_relay_events_behind", "relay" => r.relay.clone())
            .set(r.events_behind as f64);
        metrics::gauge!("folio_relay_seconds_behind", "relay" => r.relay.clone())
            .set(r.seconds_behind);
    }
}

/// The gauges of Mexico's fiscal processes.
fn cfdi_gauges(counts: &CfdiProcessCounts) {
    metrics::gauge!("folio_cfdi_awaiting_stamp").set(counts.awaiting_stamp as f64);
    metrics::gauge!("folio_cfdi_stamp_failing").set(counts.stamp_failing as f64);
    metrics::gauge!("folio_cfdi_oldest_seal_age_seconds").set(counts.oldest_seal_age_seconds);
    metrics::gauge!("folio_cfdi_awaiting_cancellation").set(counts.awaiting_cancellation as f64);
    metrics::gauge!("folio_cfdi_cancellation_failing").set(counts.cancellation_failing as f64);
}
