//! Whether the database answers, as this process last saw it.
//!
//! A request that needs Postgres while it is away would otherwise wait for the
//! pool's acquire timeout and then fail anyway; a caller is better served by an
//! immediate `UNAVAILABLE` and a retry once the database is back. One watcher per
//! process (in `folio-infra`) probes the database and writes here; the edges read
//! here to refuse new work at once and to report readiness and metrics. Work
//! already running is left to finish or fail on its own: a command's transaction
//! decides, not a probe. Nothing here does I/O.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// Probes that must fail in a row before the database counts as unreachable.
pub const FAILED_PROBES_FOR_OUTAGE: u32 = 3;

/// The shared view of the database's reachability: cheap to clone, every clone
/// sees the same state. Starts as reachable (a process starts only after it
/// connected and migrated).
#[derive(Debug, Clone)]
pub struct DatabaseHealth {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// `true` while the database answers; receivers wake on every change.
    reachable: watch::Sender<bool>,
    /// Why and since when it is away, while it is.
    outage: Mutex<Option<Outage>>,
    /// Probes failed in a row, up to the one that began an outage.
    failed_probes: AtomicU32,
    outages: AtomicU64,
    reconnects: AtomicU64,
    /// Milliseconds spent unreachable in finished outages.
    unreachable_millis: AtomicU64,
}

#[derive(Debug, Clone)]
struct Outage {
    since: Instant,
    reason: String,
}

/// The database is not reachable now: what a request gets instead of waiting.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the database is unreachable ({reason}) since {} s ago; nothing was done: retry shortly", down_for.as_secs())]
pub struct DatabaseUnreachable {
    /// What the last probe said.
    pub reason: String,
    /// How long it has been unreachable.
    pub down_for: Duration,
}

/// A point-in-time reading for readiness and metrics.
#[derive(Debug, Clone)]
pub struct HealthReport {
    /// The current outage, if the database is unreachable now.
    pub unreachable: Option<DatabaseUnreachable>,
    /// Outages that began since the process started.
    pub outages: u64,
    /// Outages that ended (the database answered again).
    pub reconnects: u64,
    /// Time spent unreachable, the current outage included.
    pub unreachable_for: Duration,
}

impl Default for DatabaseHealth {
    fn default() -> Self {
        DatabaseHealth {
            inner: Arc::new(Inner {
                reachable: watch::Sender::new(true),
                outage: Mutex::new(None),
                failed_probes: AtomicU32::new(0),
                outages: AtomicU64::new(0),
                reconnects: AtomicU64::new(0),
                unreachable_millis: AtomicU64::new(0),
            }),
        }
    }
}

impl DatabaseHealth {
    fn outage(&self) -> std::sync::MutexGuard<'_, Option<Outage>> {
        self.inner
            .outage
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Records that a probe failed; the [`FAILED_PROBES_FOR_OUTAGE`]th in a row
    /// begins an outage (one lost packet or a restart of the probe's own
    /// connection is not one). Returns `true` when this began it (the caller
    /// logs it once).
    pub fn probe_failed(&self, reason: impl Into<String>) -> bool {
        let in_a_row = self.inner.failed_probes.fetch_add(1, Ordering::Relaxed) + 1;
        if in_a_row < FAILED_PROBES_FOR_OUTAGE {
            return false;
        }
        self.mark_unreachable(reason)
    }

    /// Records that the database is unreachable, at once. Returns `true` when
    /// this begins an outage (the caller logs it once); later failures only
    /// update the reason.
    pub fn mark_unreachable(&self, reason: impl Into<String>) -> bool {
        let mut outage = self.outage();
        let began = outage.is_none();
        match outage.as_mut() {
            Some(current) => current.reason = reason.into(),
            None => {
                *outage = Some(Outage {
                    since: Instant::now(),
                    reason: reason.into(),
                });
                self.inner.outages.fetch_add(1, Ordering::Relaxed);
            }
        }
        drop(outage);
        if began {
            self.inner.reachable.send_replace(false);
        }
        began
    }

    /// Records that a probe succeeded. Returns how long the outage it ends lasted,
    /// if one was going on (the caller logs it once).
    pub fn mark_reachable(&self) -> Option<Duration> {
        self.inner.failed_probes.store(0, Ordering::Relaxed);
        let ended = self.outage().take()?;
        let lasted = ended.since.elapsed();
        self.inner.reconnects.fetch_add(1, Ordering::Relaxed);
        self.inner.unreachable_millis.fetch_add(
            u64::try_from(lasted.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        self.inner.reachable.send_replace(true);
        Some(lasted)
    }

    /// Whether the last probe reached the database.
    pub fn is_reachable(&self) -> bool {
        *self.inner.reachable.borrow()
    }

    /// `Ok` while the database is reachable; the refusal to hand a caller otherwise.
    pub fn require_reachable(&self) -> Result<(), DatabaseUnreachable> {
        self.current_outage().map_or(Ok(()), Err)
    }

    /// The outage going on now, if any, as a caller is told of it.
    fn current_outage(&self) -> Option<DatabaseUnreachable> {
        self.outage().as_ref().map(|outage| DatabaseUnreachable {
            reason: outage.reason.clone(),
            down_for: outage.since.elapsed(),
        })
    }

    /// The counters and the current outage.
    pub fn report(&self) -> HealthReport {
        let unreachable = self.current_outage();
        let finished = Duration::from_millis(self.inner.unreachable_millis.load(Ordering::Relaxed));
        let ongoing = unreachable.as_ref().map_or(Duration::ZERO, |o| o.down_for);
        HealthReport {
            unreachable,
            outages: self.inner.outages.load(Ordering::Relaxed),
            reconnects: self.inner.reconnects.load(Ordering::Relaxed),
            unreachable_for: finished + ongoing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_begins_once_and_ends_once() {
        // Given a reachable database
        let health = DatabaseHealth::default();
        assert!(health.require_reachable().is_ok());

        // When two probes in a row fail
        assert!(health.mark_unreachable("connection refused"));
        assert!(!health.mark_unreachable("connection reset"));

        // Then one outage is counted, with the latest reason, and requests are refused
        let refusal = health.require_reachable().unwrap_err();
        assert_eq!(refusal.reason, "connection reset");
        assert!(!health.is_reachable());
        let report = health.report();
        assert_eq!((report.outages, report.reconnects), (1, 0));

        // When probes succeed again, the outage ends once
        assert!(health.mark_reachable().is_some());
        assert!(health.mark_reachable().is_none());
        let report = health.report();
        assert_eq!((report.outages, report.reconnects), (1, 1));
        assert!(report.unreachable.is_none());
        assert!(health.require_reachable().is_ok());
    }

    #[test]
    fn an_outage_begins_only_after_several_failed_probes_in_a_row() {
        // Given a reachable database, and probes failing one short of an outage
        let health = DatabaseHealth::default();
        for _ in 1..FAILED_PROBES_FOR_OUTAGE {
            assert!(!health.probe_failed("timeout"));
        }
        // When one probe succeeds, the count starts over
        assert!(health.mark_reachable().is_none());
        for _ in 1..FAILED_PROBES_FOR_OUTAGE {
            assert!(!health.probe_failed("timeout"));
        }
        assert!(health.is_reachable());
        // When the next one fails too, the outage begins, once
        assert!(health.probe_failed("connection refused"));
        assert!(!health.probe_failed("connection refused"));
        assert!(!health.is_reachable());
        assert_eq!(health.report().outages, 1);
    }
}
