//! The stored event row, defined once: which columns of `public.events` every
//! reader selects, and which rows belong to the global feed. Readers select it in
//! one of two shapes: with `payload` and `metadata` as JSON (the feed, projectors,
//! `folio events`) or as the exact text the audit chain hashed (audit, history).

/// The columns every shape shares: position, tenant, stream, type, time.
macro_rules! key_columns {
    () => {
        "global_position, transaction_id::text::bigint AS transaction_id, tenant_id, \
         aggregate_type, aggregate_id, sequence, event_type, event_version, recorded_at"
    };
}

/// The row as `folio_projections::FeedEvent` reads it: payload and metadata as JSON.
pub const FEED_EVENT_COLUMNS: &str = concat!(key_columns!(), ", payload, metadata");

/// The row as `crate::audit::AuditedEvent` reads it: payload and metadata as the
/// exact text the database hashed, with the chain's hashes.
pub const AUDITED_EVENT_COLUMNS: &str = concat!(
    key_columns!(),
    ", payload::text AS payload, metadata::text AS metadata, previous_hash, hash"
);

/// The condition that makes an event part of the feed: its transaction is older
/// than every transaction still running, so nothing can commit before it any more
/// (see [`crate::postgres::feed`]).
pub const IN_FEED: &str = "transaction_id < pg_snapshot_xmin(pg_current_snapshot())";
