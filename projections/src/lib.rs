//! # folio-projections
//!
//! Projectors turn the ordered event feed into read models in Postgres, for the API
//! and for BI tools. This crate owns what a projector *is* and how its work stays
//! exactly-once; where the events come from (the global feed or Kafka) is the
//! caller's business.
//!
//! - [`feed`]: the event envelope projectors consume and its position in the feed.
//! - [`projector`]: the [`Projector`] trait, the per-stream guard that makes a
//!   redelivered event a no-op, and the schema a projector writes to.
//! - [`checkpoint`]: applying a batch and advancing the checkpoint in one
//!   transaction.
//! - [`delivery`]: the same guarantee over a partitioned, at-least-once transport
//!   (Kafka): offsets and dead letters in the read models' transaction.
//! - [`rebuild`]: building a projector's tables from scratch in a staging schema and
//!   swapping them in atomically.
//! - [`invoicing`], [`expenses`] and [`directory`]: the read models themselves, each whole in its
//!   folder: the tables (`tables.sql`), the projector that writes them (`mod.rs`)
//!   and the typed queries every edge reads them with (`queries.rs`). They are
//!   documented for BI in `schemas/read_models.md`.
//! - [`reactors`]: projectors whose output leaves Folio (e-mails), queued in
//!   the outbox in the checkpoint's transaction; never rebuilt.
//! - [`status`]: where each projector stands (checkpoint, lag, last failure).
//! - [`reading`]: the tenant-confined read transaction and paging every query uses.
//! - [`bi_access`]: login roles for BI tools that row-level security confines to
//!   one tenant.
//! - [`amount`]: reading an amount with its scale (`0.00`, not `0`).

#![deny(missing_docs)]

pub mod amount;
pub mod bi_access;
pub mod checkpoint;
pub mod delivery;
pub mod directory;
mod event_values;
pub mod expenses;
pub mod feed;
pub mod invoicing;
pub mod projector;
pub mod reactors;
pub mod reading;
pub mod rebuild;
pub mod status;

use std::sync::Arc;

pub use checkpoint::{apply_batch, BatchHooks, BatchOutcome, Checkpoint, NoHooks};
pub use feed::{FeedEvent, FeedPosition};
pub use projector::{
    apply_events, Applied, EventAt, ProjectionError, Projector, ProjectorKind, Target,
};

/// Every projector Folio runs (read models, then reactors), in a stable order.
pub fn all() -> Vec<Arc<dyn Projector>> {
    vec![
        Arc::new(invoicing::InvoicingProjector),
        Arc::new(expenses::ExpensesProjector),
        Arc::new(directory::DirectoryProjector),
        Arc::new(reactors::mail::MailReactor),
        Arc::new(reactors::expense_mail::ExpenseMailReactor),
        Arc::new(reactors::webhooks::WebhookReactor),
    ]
}
