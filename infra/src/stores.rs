//! The cqrs-es event stores, one per aggregate, on postgres-es with snapshots,
//! personal data sealed ([`crate::personal_data`]).

use cqrs_es::persist::PersistedEventStore;
use folio_commands::EventStores;
use folio_domain::customer::Customer;
use folio_domain::expense::Expense;
use folio_domain::invoice::Invoice;
use folio_domain::settings::TenantSettings;
use sqlx::PgPool;

use crate::personal_data::SealingRepository;

/// A postgres-es store for one aggregate type.
pub type PgStore<A> = PersistedEventStore<SealingRepository, A>;

/// The event stores of every aggregate, sharing one pool and the same tables.
pub struct PostgresStores {
    customers: PgStore<Customer>,
    invoices: PgStore<Invoice>,
    expenses: PgStore<Expense>,
    settings: PgStore<TenantSettings>,
}

impl std::fmt::Debug for PostgresStores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PostgresStores")
    }
}

fn store<A: cqrs_es::Aggregate>(pool: &PgPool, snapshot_every: usize) -> PgStore<A> {
    PersistedEventStore::new_snapshot_store(SealingRepository::new(pool.clone()), snapshot_every)
        .with_upcasters(vec![Box::new(crate::upcasting::DomainUpcaster)])
}

impl PostgresStores {
    /// Stores over `pool`, snapshotting every `snapshot_every` events.
    pub fn new(pool: PgPool, snapshot_every: usize) -> Self {
        PostgresStores {
            customers: store(&pool, snapshot_every),
            invoices: store(&pool, snapshot_every),
            expenses: store(&pool, snapshot_every),
            settings: store(&pool, snapshot_every),
        }
    }
}

impl EventStores for PostgresStores {
    type Customers = PgStore<Customer>;
    type Invoices = PgStore<Invoice>;
    type Expenses = PgStore<Expense>;
    type Settings = PgStore<TenantSettings>;

    fn customers(&self) -> &Self::Customers {
        &self.customers
    }
    fn invoices(&self) -> &Self::Invoices {
        &self.invoices
    }
    fn expenses(&self) -> &Self::Expenses {
        &self.expenses
    }
    fn settings(&self) -> &Self::Settings {
        &self.settings
    }
}
