//! The global feed: every event of the store in commit order, gap-free.
//!
//! `global_position` alone is not safe to checkpoint: a transaction that took
//! position 10 can commit after one that took 11, and a reader that already moved
//! past 11 would skip 10 forever. So readers only look at events whose writing
//! transaction is older than every transaction still running
//! (`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`), and order and
//! checkpoint by `(transaction_id, global_position)`: whatever commits later sorts
//! after the checkpoint. New events are announced on the `folio_events` channel at
//! commit; readers also poll, because the transaction that held them back may not
//! have written events (and so never notifies).

use std::time::Duration;

use crate::history::COLUMNS;
use chrono::{DateTime, Utc};
use folio_projections::{FeedEvent, FeedPosition};
use sqlx::postgres::PgListener;
use sqlx::{PgConnection, PgPool};

/// Channel the events table notifies on (see the projections migration).
pub const FEED_CHANNEL: &str = "folio_events";

/// Up to `limit` events after `after`, in feed order, of transactions that can no
/// longer be overtaken by a later commit.
pub async fn read_after(
    conn: &mut PgConnection,
    after: FeedPosition,
    limit: i64,
) -> Result<Vec<FeedEvent>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM public.events
         WHERE (transaction_id, global_position) > ($1::text::xid8, $2)
           AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY transaction_id, global_position
         LIMIT $3"
    ))
    .bind(after.transaction_id.to_string())
    .bind(after.global_position)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// How far behind `after` is: events not yet read (committed or not) and the
/// recording time of the oldest of them.
pub async fn backlog(
    pool: &PgPool,
    after: FeedPosition,
) -> Result<(i64, Option<DateTime<Utc>>), sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*), min(recorded_at) FROM public.events
         WHERE (transaction_id, global_position) > ($1::text::xid8, $2)",
    )
    .bind(after.transaction_id.to_string())
    .bind(after.global_position)
    .fetch_one(pool)
    .await
}

/// The highest position of any committed event (0 for an empty store).
pub async fn head(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT coalesce(max(global_position), 0) FROM public.events")
        .fetch_one(pool)
        .await
}

/// Whether a reader at `checkpoint` has read every event at or below
/// `global_position` (positions are unique, so a token names one event).
pub async fn covers(
    pool: &PgPool,
    checkpoint: FeedPosition,
    global_position: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT NOT EXISTS (
             SELECT 1 FROM public.events
             WHERE global_position <= $3
               AND (transaction_id, global_position) > ($1::text::xid8, $2))",
    )
    .bind(checkpoint.transaction_id.to_string())
    .bind(checkpoint.global_position)
    .bind(global_position)
    .fetch_one(pool)
    .await
}

/// Wakes a feed reader when events may have been committed.
#[derive(Debug)]
pub struct FeedSignal {
    listener: Option<PgListener>,
    pool: PgPool,
    poll_interval: Duration,
}

impl FeedSignal {
    /// Listens on the feed channel; `poll_interval` bounds how long a missed or
    /// held-back event can wait.
    pub async fn new(pool: &PgPool, poll_interval: Duration) -> Self {
        let mut signal = FeedSignal {
            listener: None,
            pool: pool.clone(),
            poll_interval,
        };
        signal.reconnect().await;
        signal
    }

    async fn reconnect(&mut self) {
        self.listener = match PgListener::connect_with(&self.pool).await {
            Ok(mut listener) => match listener.listen(FEED_CHANNEL).await {
                Ok(()) => Some(listener),
                Err(error) => {
                    tracing::warn!(%error, "cannot LISTEN for new events; polling only");
                    None
                }
            },
            Err(error) => {
                tracing::warn!(%error, "cannot LISTEN for new events; polling only");
                None
            }
        };
    }

    /// Waits for a notification, at most `timeout` (capped by the poll interval).
    /// Returns whether a notification arrived.
    pub async fn wait(&mut self, timeout: Duration) -> bool {
        let timeout = timeout.min(self.poll_interval);
        let Some(listener) = self.listener.as_mut() else {
            tokio::time::sleep(timeout).await;
            self.reconnect().await;
            return false;
        };
        match tokio::time::timeout(timeout, listener.recv()).await {
            Ok(Ok(_)) => true,
            Ok(Err(error)) => {
                tracing::warn!(%error, "lost the LISTEN connection; reconnecting");
                self.listener = None;
                false
            }
            Err(_) => false,
        }
    }

    /// The configured poll interval.
    pub fn poll_interval(&self) -> Duration {
        self.poll_interval
    }
}
