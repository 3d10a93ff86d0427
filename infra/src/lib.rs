//! # folio-infra
//!
//! The adapters that implement the application layer's ports, grouped by
//! technology:
//!
//! - [`postgres`]: the pool and migrations, the event store (postgres-es with
//!   snapshots behind the one sealing append path), the command ledger
//!   (idempotency outcomes and gap-free document numbers), the global feed (gap-free,
//!   in commit order), the auditors' event history, and the stored event row's
//!   columns, defined once.
//! - [`kafka`]: the Kafka transport: the relay from the feed to topics, and the
//!   projectors fed from them (Kafka mode).
//! - [`personal_data`]: personal data sealed with a key per subject, opened for
//!   readers, and erased by destroying the key.
//! - [`audit`]: the tamper-evident hash chains, their verification and sealed
//!   exports, for auditors.
//! - [`projecting`]: the projectors run over the feed (embedded mode): install,
//!   rebuild, catch up, follow.
//! - [`upcasting`]: the domain's event upcasters, plugged into the stores.
//!
//! The binary's `wiring` module builds the use cases from these adapters.

#![deny(missing_docs)]

pub mod audit;
pub mod kafka;
pub mod personal_data;
pub mod postgres;
pub mod projecting;
pub mod upcasting;

pub use postgres::pool::DatabaseError;
pub use projecting::{ProjectionConfig, ProjectionRunError, Projections};

/// Pause before the `failures`-th retry of a background loop: 100 ms doubling, at
/// most `max`.
pub(crate) fn backoff(failures: u32, max: std::time::Duration) -> std::time::Duration {
    std::time::Duration::from_millis(100)
        .saturating_mul(2u32.saturating_pow(failures.min(16)))
        .min(max)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let max = Duration::from_secs(30);
        assert_eq!(super::backoff(1, max), Duration::from_millis(200));
        assert_eq!(super::backoff(3, max), Duration::from_millis(800));
        assert_eq!(super::backoff(40, max), max);
    }
}
