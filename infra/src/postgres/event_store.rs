//! The cqrs-es event stores, one per aggregate, on postgres-es with snapshots,
//! personal data sealed ([`crate::personal_data`]) and old event versions upcast
//! ([`crate::upcasting`]): the implementation of `folio_commands::EventStores`.

use std::sync::Arc;

use cqrs_es::persist::PersistedEventStore;
use folio_commands::EventStores;
use sqlx::PgPool;

use crate::personal_data::KeyWrapping;

use crate::postgres::sealing_repository::SealingRepository;

/// A postgres-es store for one aggregate type.
pub type PgStore<A> = PersistedEventStore<SealingRepository, A>;

/// The store of one aggregate type over `pool`, personal data sealed with keys
/// stored by `wrapping`, snapshotting every `snapshot_every` events.
pub fn store<A: cqrs_es::Aggregate>(
    pool: &PgPool,
    wrapping: &KeyWrapping,
    snapshot_every: usize,
) -> PgStore<A> {
    let repository = SealingRepository::new(pool.clone(), wrapping.clone());
    PersistedEventStore::new_snapshot_store(repository, snapshot_every)
        .with_upcasters(vec![Box::new(crate::upcasting::DomainUpcaster)])
}

/// The stores of every aggregate, sharing one pool and the same tables.
pub fn event_stores(pool: &PgPool, wrapping: &KeyWrapping, snapshot_every: usize) -> EventStores {
    EventStores {
        customers: Arc::new(store(pool, wrapping, snapshot_every)),
        invoices: Arc::new(store(pool, wrapping, snapshot_every)),
        expenses: Arc::new(store(pool, wrapping, snapshot_every)),
        settings: Arc::new(store(pool, wrapping, snapshot_every)),
        tenants: Arc::new(store(pool, wrapping, snapshot_every)),
        users: Arc::new(store(pool, wrapping, snapshot_every)),
        webhooks: Arc::new(store(pool, wrapping, snapshot_every)),
        rate_tables: Arc::new(store(pool, wrapping, snapshot_every)),
    }
}
