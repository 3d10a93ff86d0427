//! Read-your-writes without a poll per request: a read that carries a
//! consistency token waits here until the read models it reads include that
//! write.
//!
//! Waiters register the position they need and the projectors they read; one
//! watcher per process (in `folio-infra`) asks the database, in one query per
//! round, how far each of those projectors has applied the feed and publishes
//! it here, which wakes every waiter it satisfies. However many reads wait,
//! they hold no database connection and cost the database one query per round.
//! The number of waiters is bounded: past the bound a read is refused at once
//! rather than queued. Nothing here does I/O.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use folio_domain::{Coded, ErrorCode};
use tokio::sync::{watch, Notify};

/// A projector as the read models name it (`invoicing`, `expenses`, ...).
pub type ProjectorName = &'static str;

/// What one round of the watcher found: per projector some read waited on, the
/// feed position through which it has applied every event committed before the
/// round began (as far as the highest position waited for; projectors that are
/// not installed are absent).
///
/// A round's answer holds only for writes committed before it began: a
/// transaction may take a lower position than one that already committed and
/// commit later, so "through 11" found earlier says nothing about a 10 committed
/// since. So a read is answered only by a round that began after it started
/// waiting, never by an older one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    /// Rounds are numbered from 1 in the order they began.
    pub number: u64,
    /// Per projector, the position through which it has applied the feed.
    pub applied_through: HashMap<ProjectorName, i64>,
}

/// Why a read did not get to wait for its token, or waited in vain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsistencyWaitError {
    /// The process already holds as many waiting reads as it allows.
    #[error("{limit} reads are already waiting for the read models; retry shortly")]
    TooManyWaiting {
        /// The bound on waiting reads.
        limit: usize,
    },
    /// The read models did not reach the write in time.
    #[error("the read models did not reach your write within {} s; retry with the same token", waited.as_secs())]
    NotReached {
        /// How long the read waited.
        waited: Duration,
    },
}

impl Coded for ConsistencyWaitError {
    /// Both are passing states of the server: the same request may succeed later.
    fn code(&self) -> ErrorCode {
        ErrorCode::Unavailable
    }
}

/// The shared progress of the read models and the reads waiting on it: cheap to
/// clone, every clone sees the same state.
#[derive(Debug, Clone)]
pub struct ReadModelProgress {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Most reads that may wait at once.
    max_waiting: usize,
    waiting: Mutex<Waiting>,
    /// The last round's answer; waiters wake on every new one.
    last_round: watch::Sender<Round>,
    /// Raised when a read begins to wait, so that a round begins for it.
    needed: Notify,
}

/// The registered waiters: per projector, how many wait for each position.
#[derive(Debug, Default)]
struct Waiting {
    reads: usize,
    /// The number of the last round that began.
    rounds_begun: u64,
    positions: BTreeMap<ProjectorName, BTreeMap<i64, usize>>,
}

impl ReadModelProgress {
    /// No waiters and no rounds yet; at most `max_waiting` reads may wait at once.
    pub fn new(max_waiting: usize) -> Self {
        ReadModelProgress {
            inner: Arc::new(Inner {
                max_waiting,
                waiting: Mutex::new(Waiting::default()),
                last_round: watch::Sender::new(Round::default()),
                needed: Notify::new(),
            }),
        }
    }

    fn waiting(&self) -> MutexGuard<'_, Waiting> {
        self.inner
            .waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits, at most `within`, until a round that began after this call finds
    /// every one of `projectors` through `position`. A read of no projector does
    /// not wait.
    pub async fn wait(
        &self,
        position: i64,
        projectors: &[ProjectorName],
        within: Duration,
    ) -> Result<(), ConsistencyWaitError> {
        if projectors.is_empty() {
            return Ok(());
        }
        let mut rounds = self.inner.last_round.subscribe();
        let registered = self.register(position, projectors)?;
        self.inner.needed.notify_one();
        let answered = |round: &Round| {
            round.number > registered.after_round
                && projectors.iter().all(|p| {
                    round
                        .applied_through
                        .get(p)
                        .is_some_and(|through| *through >= position)
                })
        };
        // The sender lives as long as `self`, so only the deadline ends the wait.
        let answer = tokio::time::timeout(within, rounds.wait_for(answered)).await;
        match answer {
            Ok(_) => Ok(()),
            Err(_) => Err(ConsistencyWaitError::NotReached { waited: within }),
        }
    }

    fn register(
        &self,
        position: i64,
        projectors: &[ProjectorName],
    ) -> Result<Registration<'_>, ConsistencyWaitError> {
        let mut waiting = self.waiting();
        if waiting.reads >= self.inner.max_waiting {
            return Err(ConsistencyWaitError::TooManyWaiting {
                limit: self.inner.max_waiting,
            });
        }
        waiting.reads += 1;
        for projector in projectors {
            *waiting
                .positions
                .entry(projector)
                .or_default()
                .entry(position)
                .or_default() += 1;
        }
        Ok(Registration {
            progress: self,
            after_round: waiting.rounds_begun,
            position,
            projectors: projectors.to_vec(),
        })
    }

    /// Reads waiting now (a gauge).
    pub fn waiting_reads(&self) -> usize {
        self.waiting().reads
    }

    /// Begins a round: its number, and what it must find out (per projector that
    /// a read waits on, the highest position waited for). `None` when no read
    /// waits: there is nothing to ask.
    pub fn begin_round(&self) -> Option<(u64, Vec<(ProjectorName, i64)>)> {
        let mut waiting = self.waiting();
        if waiting.reads == 0 {
            return None;
        }
        waiting.rounds_begun += 1;
        let wanted = waiting
            .positions
            .iter()
            .filter_map(|(projector, positions)| {
                positions
                    .last_key_value()
                    .map(|(high, _)| (*projector, *high))
            })
            .collect();
        Some((waiting.rounds_begun, wanted))
    }

    /// Resolves when a read begins to wait (at once if one did since the last
    /// call): the watcher begins a round for it.
    pub async fn needed(&self) {
        self.inner.needed.notified().await;
    }

    /// Publishes what round `number` found, waking the reads it answers.
    pub fn publish(&self, number: u64, applied_through: &[(ProjectorName, i64)]) {
        self.inner.last_round.send_replace(Round {
            number,
            applied_through: applied_through.iter().copied().collect(),
        });
    }
}

/// A read's place among the waiters, given up when the read stops waiting for
/// whatever reason (answered, timed out, its request cancelled).
struct Registration<'a> {
    progress: &'a ReadModelProgress,
    /// The last round that began before the read registered: its answer may
    /// predate the read's write.
    after_round: u64,
    position: i64,
    projectors: Vec<ProjectorName>,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        let mut waiting = self.progress.waiting();
        waiting.reads -= 1;
        for projector in &self.projectors {
            let Some(positions) = waiting.positions.get_mut(projector) else {
                continue;
            };
            if let Some(count) = positions.get_mut(&self.position) {
                *count -= 1;
                if *count == 0 {
                    positions.remove(&self.position);
                }
            }
            if positions.is_empty() {
                waiting.positions.remove(projector);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn waiting(
        progress: &ReadModelProgress,
        position: i64,
        projectors: &'static [ProjectorName],
    ) -> tokio::task::JoinHandle<Result<(), ConsistencyWaitError>> {
        let progress = progress.clone();
        tokio::spawn(async move { progress.wait(position, projectors, 5 * SECOND).await })
    }

    async fn until_waiting(progress: &ReadModelProgress, reads: usize) {
        while progress.waiting_reads() < reads {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn waiters_ask_for_their_highest_position_and_wake_when_a_round_finds_it() {
        // Given two reads waiting on invoicing (5 and 9), one of them on expenses too
        let progress = ReadModelProgress::new(4);
        let low = waiting(&progress, 5, &["invoicing"]);
        let high = waiting(&progress, 9, &["invoicing", "expenses"]);
        until_waiting(&progress, 2).await;

        // When a round begins, it asks for the highest position per projector
        let (round, wanted) = progress.begin_round().unwrap();
        assert_eq!(wanted, vec![("expenses", 9), ("invoicing", 9)]);

        // When it finds invoicing through 6: only the read of 5 is answered
        progress.publish(round, &[("invoicing", 6), ("expenses", 20)]);
        assert_eq!(low.await.unwrap(), Ok(()));
        assert_eq!(progress.waiting_reads(), 1);

        // When the next round finds invoicing through 9: the other read is too
        let (round, wanted) = progress.begin_round().unwrap();
        assert_eq!(wanted, vec![("expenses", 9), ("invoicing", 9)]);
        progress.publish(round, &[("invoicing", 9), ("expenses", 9)]);
        assert_eq!(high.await.unwrap(), Ok(()));
        assert_eq!(progress.waiting_reads(), 0);
        assert!(progress.begin_round().is_none());
    }

    #[tokio::test]
    async fn a_read_is_answered_only_by_a_round_that_began_after_it() {
        // Given a round that began while nobody waited for 10, and found invoicing
        // through 11 (a transaction holding 10 had not committed yet)
        let progress = ReadModelProgress::new(4);
        let earlier = waiting(&progress, 11, &["invoicing"]);
        until_waiting(&progress, 1).await;
        let (round, _) = progress.begin_round().unwrap();

        // When the read of 10 begins to wait, and the earlier round publishes
        let read = waiting(&progress, 10, &["invoicing"]);
        until_waiting(&progress, 2).await;
        progress.publish(round, &[("invoicing", 11)]);
        assert_eq!(earlier.await.unwrap(), Ok(()));

        // Then the read of 10 still waits, for a round of its own
        tokio::task::yield_now().await;
        assert!(!read.is_finished());
        let (round, wanted) = progress.begin_round().unwrap();
        assert_eq!(wanted, vec![("invoicing", 10)]);
        progress.publish(round, &[("invoicing", 10)]);
        assert_eq!(read.await.unwrap(), Ok(()));
    }

    #[tokio::test]
    async fn a_read_of_no_projector_does_not_wait() {
        let progress = ReadModelProgress::new(1);
        assert_eq!(progress.wait(7, &[], Duration::ZERO).await, Ok(()));
        assert!(progress.begin_round().is_none());
    }

    #[tokio::test]
    async fn past_the_bound_a_read_is_refused_and_a_timed_out_read_leaves() {
        // Given a bound of one waiting read, and one read waiting at most 50 ms
        let progress = ReadModelProgress::new(1);
        let within = Duration::from_millis(50);
        let first = {
            let progress = progress.clone();
            tokio::spawn(async move { progress.wait(3, &["invoicing"], within).await })
        };
        until_waiting(&progress, 1).await;

        // When a second read comes, it is refused at once
        assert_eq!(
            progress.wait(3, &["expenses"], 5 * SECOND).await,
            Err(ConsistencyWaitError::TooManyWaiting { limit: 1 })
        );

        // When no round answers, the first read gives up after its wait
        assert_eq!(
            first.await.unwrap(),
            Err(ConsistencyWaitError::NotReached { waited: within })
        );

        // Then its place is free again
        assert_eq!(progress.waiting_reads(), 0);
        assert!(progress.begin_round().is_none());
    }
}
