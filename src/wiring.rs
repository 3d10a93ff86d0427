//! Wiring: the one place that builds the application layer from its adapters.
//! Every `folio` command, the tests and the benchmark start here, so a port gets
//! its implementation in exactly one place.

use std::sync::Arc;

use folio_commands::history::AuditTrail;
use folio_commands::{CommandRunner, RetryPolicy, SystemClock, UseCases};
use folio_infra::database::{self, DatabaseError};
use folio_infra::history::PgEventHistory;
use folio_infra::{ledger, personal_data, stores, Projections};
use sqlx::PgPool;

/// Events between two snapshots of an aggregate.
pub const SNAPSHOT_EVERY: usize = 50;

/// A connected, migrated database and the application layer over it.
#[derive(Debug, Clone)]
pub struct App {
    /// The connection pool every adapter shares.
    pub pool: PgPool,
    /// The use cases, over the Postgres event store, ledger and keys.
    pub use_cases: Arc<UseCases>,
    /// The auditors' use cases, over the Postgres event history.
    pub audit_trail: AuditTrail,
}

impl App {
    /// Connects to `database_url` (creating the database if missing), migrates it
    /// and wires the use cases with the system clock.
    pub async fn start(database_url: &str) -> Result<Self, DatabaseError> {
        let pool = database::connect(database_url).await?;
        database::migrate(&pool).await?;
        Ok(Self::over(pool))
    }

    /// Wires the use cases over an already migrated pool. A command holds two
    /// connections at its peak, so at most half the pool runs commands at once.
    pub fn over(pool: PgPool) -> Self {
        let connections = pool.options().get_max_connections() as usize;
        let runner = CommandRunner::new(
            Arc::new(ledger::PgCommandLedger::new(pool.clone())),
            Arc::new(SystemClock),
            Arc::new(personal_data::FingerprintKeys::new(pool.clone())),
            RetryPolicy::default(),
        )
        .with_max_in_flight(connections / 2);
        let use_cases = UseCases::new(stores::event_stores(&pool, SNAPSHOT_EVERY), runner);
        App {
            audit_trail: AuditTrail::new(Arc::new(PgEventHistory::new(pool.clone()))),
            use_cases: Arc::new(use_cases),
            pool,
        }
    }

    /// What the GraphQL edge needs of this process.
    pub fn api_services(&self) -> folio_api::Services {
        folio_api::Services {
            use_cases: self.use_cases.clone(),
            audit_trail: self.audit_trail.clone(),
            pool: self.pool.clone(),
        }
    }

    /// The projectors over this database.
    pub fn projections(&self) -> Projections {
        Projections::new(self.pool.clone())
    }
}
