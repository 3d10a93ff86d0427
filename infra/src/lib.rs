//! # folio-infra
//!
//! Everything Folio needs from the outside world, on Postgres:
//!
//! - [`audit`]: the tamper-evident hash chains, their verification and sealed
//!   exports, for auditors.
//! - [`database`]: connecting (creating the database if missing) and running the SQL
//!   migrations kept in `schemas/migrations/`.
//! - [`stores`]: the cqrs-es event stores (postgres-es, with snapshots) for every
//!   aggregate, implementing `folio_commands::EventStores`.
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
//! - [`Backend`]: all of it wired together.

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

use std::sync::Arc;

use folio_commands::{Executor, Folio, RetryPolicy, SystemClock};
use sqlx::PgPool;

pub use database::{connect, DatabaseError};
pub use projecting::{ProjectionConfig, Projections, ProjectionsError};

/// Pause before the `failures`-th retry of a background loop: 100 ms doubling, at
/// most `max`.
pub(crate) fn backoff(failures: u32, max: std::time::Duration) -> std::time::Duration {
    std::time::Duration::from_millis(100)
        .saturating_mul(2u32.saturating_pow(failures.min(16)))
        .min(max)
}

/// Events between two snapshots of an aggregate.
pub const SNAPSHOT_EVERY: usize = 50;

/// A connected, migrated backend: the pool and the application service over it.
#[derive(Debug)]
pub struct Backend {
    /// The connection pool.
    pub pool: PgPool,
    /// The use cases.
    pub folio: Folio<stores::PostgresStores>,
}

impl Backend {
    /// Connects to `database_url` (creating the database if missing), migrates it and
    /// wires the use cases with the system clock.
    pub async fn start(database_url: &str) -> Result<Self, DatabaseError> {
        let pool = connect(database_url).await?;
        database::migrate(&pool).await?;
        Ok(Self::over(pool))
    }

    /// Wires the use cases over an already migrated pool.
    pub fn over(pool: PgPool) -> Self {
        let stores = stores::PostgresStores::new(pool.clone(), SNAPSHOT_EVERY);
        let ledger = Arc::new(ledger::PgCommandLedger::new(pool.clone()));
        let connections = pool.options().get_max_connections() as usize;
        let fingerprints = Arc::new(personal_data::FingerprintKeys::new(pool.clone()));
        let executor = Executor::new(
            ledger,
            Arc::new(SystemClock),
            fingerprints,
            RetryPolicy::default(),
        )
        .with_max_in_flight(connections / 2);
        Backend {
            folio: Folio::new(stores, executor),
            pool,
        }
    }

    /// The projectors over this backend's database.
    pub fn projections(&self) -> Projections {
        Projections::new(self.pool.clone())
    }
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
