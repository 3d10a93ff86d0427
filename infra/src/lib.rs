//! # folio-infra
//!
//! Everything Folio needs from the outside world, on Postgres:
//!
//! - [`audit`]: the tamper-evident hash chains, their verification and sealed
//!   exports, for auditors.
//! - [`database`]: connecting (creating the database if missing) and running the SQL
//!   migrations kept in `schemas/migrations/`.
//! - [`stores`]: the cqrs-es event stores (postgres-es, with snapshots) for every
//!   aggregate, implementing `folio_commands::EventStores`. (The binary's
//!   `wiring` module builds the use cases from these adapters.)
//! - [`ledger`]: the command ledger (idempotency outcomes and gap-free document
//!   numbers), implementing `folio_commands::CommandLedger`.
//! - [`upcasting`]: the domain's event upcasters, plugged into the stores.
//! - [`personal_data`]: personal data sealed with a key per subject, opened for
//!   readers, and erased by destroying the key.
//! - [`history`]: reading stored events back for people (the `folio events` command).
//! - [`feed`]: the global feed, gap-free and in commit order.
//! - [`projecting`]: the projectors run over the feed (embedded mode): install,
//!   rebuild, catch up, follow, status.
//! - [`kafka`]: the Kafka transport: the relay from the feed to topics, and the
//!   projectors fed from them (Kafka mode).

#![deny(missing_docs)]

pub mod audit;
pub mod database;
pub mod feed;
pub mod history;
pub mod kafka;
pub mod ledger;
pub mod personal_data;
pub mod projecting;
pub mod stores;
pub mod upcasting;

pub use database::{connect, DatabaseError};
pub use projecting::{ProjectionConfig, Projections, ProjectionsError};

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
