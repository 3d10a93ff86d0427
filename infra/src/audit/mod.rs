//! What auditors run: the tamper-evident hash chains over the event store, checked
//! outside the database, and exports that carry their own digest.
//!
//! Every event stores `hash = SHA-256(previous_hash ‖ canonical content)`, chained
//! per stream and computed by a database trigger at insert (so no writer can skip
//! it). A second chain folds every event's hash in global feed order; its head is
//! the digest an auditor keeps, so a whole stream removed later is detected too.
//! See docs/adr/004-audit-chain.md for what this does and does not prove.

pub mod chain;
pub mod export;

use futures::TryStreamExt;
use sqlx::PgPool;

use crate::postgres::events_table::{AUDITED_EVENT_COLUMNS, IN_FEED};
use crate::postgres::feed;

pub use chain::{AuditedEvent, Break, BreakReason, FeedDigest, Hash, Verification};
use chain::{ChainChecker, Coverage, Fold};

/// Why an audit could not run (a broken chain is a [`Verification`], not an error).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Reading or writing a file failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A line of an export is not JSON of an event.
    #[error("line {line} of the export is not an event: {source}")]
    Json {
        /// The line (from 1).
        line: u64,
        /// What serde_json said.
        source: serde_json::Error,
    },
    /// A CSV export could not be read or written.
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    /// A digest, hash or field is not in the form it must have.
    #[error("malformed: {0}")]
    Malformed(String),
}

/// Waits until every event committed now is in the feed, so an audit covers
/// everything committed before it began and a digest taken now is a prefix of
/// every later feed; past [`feed::IN_FLIGHT_WAIT`] it audits what is final.
async fn await_final_feed(pool: &PgPool) -> Result<(), AuditError> {
    if !feed::await_in_flight(pool, feed::IN_FLIGHT_WAIT).await? {
        tracing::warn!("a long transaction holds the feed back; auditing what is final");
    }
    Ok(())
}

/// Recomputes every stream's chain and the global chain over the whole store, in
/// feed order, with constant memory per event (and one entry per stream); checks
/// the global chain against `since`, a digest kept earlier, when given.
pub async fn verify_store(
    pool: &PgPool,
    since: Option<FeedDigest>,
) -> Result<Verification, AuditError> {
    await_final_feed(pool).await?;
    let mut checker = ChainChecker::new(Coverage::WholeStore, since);
    let sql = format!(
        "SELECT {} FROM events WHERE {IN_FEED} ORDER BY transaction_id, global_position",
        AUDITED_EVENT_COLUMNS
    );
    let mut events = sqlx::query_as::<_, AuditedEvent>(&sql).fetch(pool);
    while let Some(event) = events.try_next().await? {
        checker.check(&event);
    }
    Ok(checker.finish())
}

/// The head of the global chain now: the stored hashes folded in feed order.
pub async fn digest(pool: &PgPool) -> Result<FeedDigest, AuditError> {
    await_final_feed(pool).await?;
    let sql = format!(
        "SELECT transaction_id::text::bigint, global_position, hash FROM events
          WHERE {IN_FEED} ORDER BY transaction_id, global_position"
    );
    let mut rows = sqlx::query_as::<_, (i64, i64, Vec<u8>)>(&sql).fetch(pool);
    let mut fold = Fold::default();
    let mut head = FeedDigest::empty();
    while let Some((transaction_id, global_position, hash)) = rows.try_next().await? {
        fold.push(&Hash::from_bytes(&hash)?);
        head = FeedDigest::at(&fold, transaction_id, global_position);
    }
    Ok(head)
}
