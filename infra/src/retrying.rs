//! How background loops (projectors, the relay, Kafka consumers, the subscription
//! feed, the database watcher) wait and log while something they need is away.
//!
//! An outage can last a minute or an hour; a loop that logged every retry would
//! bury the one line an operator needs. So a loop keeps a [`FailureStreak`]: the
//! first failure is logged as a warning, the retries only at debug level, and the
//! recovery once, with how long it took.

use std::fmt::Display;
use std::time::{Duration, Instant};

/// The longest pause between two attempts of a background loop, unless configured
/// otherwise: the end of an outage is noticed within it, and an attempt costs one
/// cheap statement or request.
pub(crate) const MAX_PAUSE: Duration = Duration::from_secs(5);

/// Pause before the `failures`-th retry of a background loop: 100 ms doubling, at
/// most `max`.
pub(crate) fn backoff(failures: u32, max: Duration) -> Duration {
    Duration::from_millis(100)
        .saturating_mul(2u32.saturating_pow(failures.min(16)))
        .min(max)
}

/// A loop's current run of failures: logs at its start and its end only, and says
/// how long to pause before the next attempt.
#[derive(Debug)]
pub(crate) struct FailureStreak {
    /// What is failing, for the log ("projector invoicing", "the relay").
    what: String,
    max_pause: Duration,
    failures: u32,
    since: Option<Instant>,
}

impl FailureStreak {
    /// A streak for `what`, whose pauses grow to at most `max_pause`.
    pub(crate) fn new(what: impl Into<String>, max_pause: Duration) -> Self {
        FailureStreak {
            what: what.into(),
            max_pause,
            failures: 0,
            since: None,
        }
    }

    /// Counts a failure and returns the pause before the next attempt. Only the
    /// first failure of a streak is logged as a warning.
    pub(crate) fn failed(&mut self, error: &dyn Display) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let pause = backoff(self.failures, self.max_pause);
        if self.since.is_none() {
            self.since = Some(Instant::now());
            tracing::warn!(what = %self.what, %error, "failing; retrying with backoff until it works (each retry is logged at debug level)");
        } else {
            tracing::debug!(what = %self.what, %error, failures = self.failures, ?pause, "still failing");
        }
        pause
    }

    /// Ends the streak, if there was one, with one line saying how long it lasted.
    pub(crate) fn succeeded(&mut self) {
        if let Some(since) = self.since.take() {
            tracing::info!(what = %self.what, failures = self.failures, after = ?since.elapsed(), "working again");
        }
        self.failures = 0;
    }

    /// Failures in the current streak (0 when the last attempt worked).
    pub(crate) fn failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let max = Duration::from_secs(30);
        assert_eq!(backoff(1, max), Duration::from_millis(200));
        assert_eq!(backoff(3, max), Duration::from_millis(800));
        assert_eq!(backoff(40, max), max);
    }

    #[test]
    fn a_streak_grows_its_pauses_and_starts_over_after_a_success() {
        // Given a loop that fails three times
        let mut streak = FailureStreak::new("a test loop", Duration::from_secs(1));
        let pauses: Vec<Duration> = (0..5).map(|_| streak.failed(&"refused")).collect();

        // Then its pauses double up to the cap
        assert_eq!(
            pauses,
            [200, 400, 800, 1000, 1000].map(Duration::from_millis)
        );
        assert_eq!(streak.failures(), 5);

        // When it works again, the next failure starts a new streak
        streak.succeeded();
        assert_eq!(streak.failures(), 0);
        assert_eq!(streak.failed(&"refused"), Duration::from_millis(200));
    }
}
