//! The cqrs-es event stores, one per aggregate, on postgres-es with snapshots,
//! personal data sealed ([`crate::personal_data`]) and old event versions upcast
//! ([`crate::upcasting`]): the implementation of `folio_commands::EventStores`.

use std::sync::Arc;

use cqrs_es::persist::PersistedEventStore;
use folio_commands::EventStores;
use sqlx::PgPool;

use crate::personal_data::SealingRepository;

/// A postgres-es store for one aggregate type.
pub type PgStore<A> = PersistedEventStore<SealingRepository, A>;

/// The store of one aggregate type over `pool`, snapshotting every `snapshot_every`
/// events.
pub fn store<A: cqrs_es::Aggregate>(pool: &PgPool, snapshot_every: usize) -> PgStore<A> {
    PersistedEventStore::new_snapshot_store(SealingRepository::new(pool.clone()), snapshot_every)
        .with_upcasters(vec![Box::new(crate::upcasting::DomainUpcaster)])
}

/// The stores of every aggregate, sharing one pool and the same tables.
pub fn event_stores(pool: &PgPool, snapshot_every: usize) -> EventStores {
    EventStores {
        customers: Arc::new(store(pool, snapshot_every)),
        invoices: Arc::new(store(pool, snapshot_every)),
        expenses: Arc::new(store(pool, snapshot_every)),
        settings: Arc::new(store(pool, snapshot_every)),
    }
}
