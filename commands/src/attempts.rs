//! The failed attempts of a process of `folio serve` at one piece of work
//! (archiving a document, stamping a CFDI): what users see of the latest,
//! and how long the next one waits.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use folio_domain::ErrorCode;

/// The latest failed attempt at a piece of work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedAttempt {
    /// The stable code of the reason (UNAVAILABLE: a store or a service was
    /// away; VALIDATION: the work cannot be done as the data stands;
    /// INTERNAL: a bug or an unreadable answer).
    pub code: ErrorCode,
    /// The reason as users see it (no internal detail; that is logged).
    pub reason: String,
    /// How many attempts failed in a row.
    pub attempts: u32,
    /// When the latest one failed.
    pub last_attempt_at: DateTime<Utc>,
    /// When the process tries again.
    pub next_attempt_at: DateTime<Utc>,
}

/// The longest a failing piece of work waits before its next attempt.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// How long a piece of work waits after its `failures`-th failed attempt:
/// twice as long each time from `interval`, at most [`MAX_BACKOFF`].
pub fn retry_in(interval: Duration, failures: u32) -> Duration {
    interval
        .saturating_mul(1 << failures.min(20))
        .min(MAX_BACKOFF)
}

/// One round of a process's loop: waits `interval`, then reads the work
/// due with `pending`; none when the queue cannot be read (logged, naming
/// `what` the process reads), so the loop goes on to its next round.
pub async fn next_round<T, E, F>(
    interval: Duration,
    what: &str,
    pending: impl FnOnce() -> F,
) -> Vec<T>
where
    E: std::fmt::Display,
    F: Future<Output = Result<Vec<T>, E>>,
{
    tokio::time::sleep(interval).await;
    pending().await.unwrap_or_else(|error| {
        tracing::warn!(%error, "cannot read {what}");
        Vec::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_piece_of_work_waits_twice_as_long_each_time_up_to_an_hour() {
        let interval = Duration::from_secs(2);
        assert_eq!(retry_in(interval, 1), Duration::from_secs(4));
        assert_eq!(retry_in(interval, 2), Duration::from_secs(8));
        assert_eq!(retry_in(interval, 40), MAX_BACKOFF);
    }
}
