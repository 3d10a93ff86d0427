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

use crate::postgres::events_table::{FEED_EVENT_COLUMNS as COLUMNS, IN_FEED};
use crate::postgres::pool::{acquire, PoolUse};
use crate::retrying::{FailureStreak, MAX_PAUSE};
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
           AND {IN_FEED}
         ORDER BY transaction_id, global_position
         LIMIT $3"
    ))
    .bind(after.transaction_id.to_string())
    .bind(after.global_position)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// The highest position of any committed event (0 for an empty store).
pub async fn head(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT coalesce(max(global_position), 0) FROM public.events")
        .fetch_one(pool)
        .await
}

/// How long a reader that must cover everything committed before it began (an
/// audit, a rebuild) waits for transactions that were still running.
pub const IN_FLIGHT_WAIT: Duration = Duration::from_secs(10);

/// Waits (polling, up to `max_wait`) until every event committed when it was
/// called is in the feed: until no transaction older than the newest committed
/// event is still running. Returns whether it got there in time.
pub async fn await_in_flight(pool: &PgPool, max_wait: Duration) -> Result<bool, sqlx::Error> {
    let newest: Option<String> = sqlx::query_scalar(
        "SELECT transaction_id::text FROM public.events ORDER BY transaction_id DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    let Some(newest) = newest else {
        return Ok(true);
    };
    let deadline = tokio::time::Instant::now() + max_wait;
    loop {
        let settled: bool =
            sqlx::query_scalar("SELECT $1::xid8 < pg_snapshot_xmin(pg_current_snapshot())")
                .bind(&newest)
                .fetch_one(pool)
                .await?;
        if settled || tokio::time::Instant::now() >= deadline {
            return Ok(settled);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The position of the newest event readers can see now (the origin for an empty
/// store): where a reader that wants only what comes next starts.
pub async fn tail(pool: &PgPool) -> Result<FeedPosition, sqlx::Error> {
    let position: Option<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT transaction_id::text::bigint, global_position FROM public.events
         WHERE {IN_FEED}
         ORDER BY transaction_id DESC, global_position DESC LIMIT 1"
    ))
    .fetch_optional(pool)
    .await?;
    Ok(
        position.map_or(FeedPosition::ORIGIN, |(transaction_id, global_position)| {
            FeedPosition {
                transaction_id,
                global_position,
            }
        }),
    )
}

/// Publishes every event committed after `from` to `sender`, in feed order,
/// until cancelled (live status for subscriptions; nothing is stored, so a
/// subscriber that lags misses events and reads the read models instead). The
/// caller takes `from` ([`tail`]) before it serves, so nothing committed once it
/// serves is missed. A database outage pauses it; it resumes from the last
/// event it published.
pub async fn publish(
    pool: &PgPool,
    sender: tokio::sync::broadcast::Sender<std::sync::Arc<FeedEvent>>,
    (from, poll_interval): (FeedPosition, Duration),
) -> std::convert::Infallible {
    let mut signal = FeedSignal::new(pool, poll_interval).await;
    let mut streak = FailureStreak::new("the subscription feed", MAX_PAUSE);
    let mut position = from;
    loop {
        let read =
            async { read_after(&mut *acquire(pool, PoolUse::Feed).await?, position, 500).await };
        let batch = match read.await {
            Ok(batch) => {
                streak.succeeded();
                position = batch.last().map_or(position, |last| last.position);
                batch
            }
            Err(error) => {
                tokio::time::sleep(streak.failed(&error)).await;
                continue;
            }
        };
        if batch.is_empty() {
            signal.pause().await;
        }
        for event in batch {
            let lag = (chrono::Utc::now() - event.recorded_at)
                .to_std()
                .unwrap_or_default();
            crate::telemetry::delivered_to_subscriptions(lag);
            // No receiver is not an error: nobody is subscribed right now.
            let _ = sender.send(std::sync::Arc::new(event));
        }
    }
}

/// Wakes a reader when rows it reads may have been committed: new events
/// (`folio_events`) for feed readers, or moved checkpoints for the read-progress
/// watcher.
#[derive(Debug)]
pub struct FeedSignal {
    /// The channel listened on.
    channel: &'static str,
    listener: Option<PgListener>,
    pool: PgPool,
    poll_interval: Duration,
    idle: Duration,
    /// Failed attempts to LISTEN, logged once per outage.
    streak: FailureStreak,
}

/// How long opening the LISTEN connection may take before the reader polls instead.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(1);

/// First pause after an empty read that followed a notification.
const QUICK_LOOK: Duration = Duration::from_millis(10);

impl FeedSignal {
    /// Listens on the feed channel; `poll_interval` bounds how long a missed or
    /// held-back event can wait.
    pub async fn new(pool: &PgPool, poll_interval: Duration) -> Self {
        Self::listening(pool, FEED_CHANNEL, poll_interval).await
    }

    /// Listens on `channel` instead (one a trigger notifies at commit).
    pub async fn listening(pool: &PgPool, channel: &'static str, poll_interval: Duration) -> Self {
        let mut signal = FeedSignal {
            channel,
            listener: None,
            pool: pool.clone(),
            poll_interval,
            idle: QUICK_LOOK,
            streak: FailureStreak::new(
                format!("listening on {channel} (polling meanwhile)"),
                poll_interval,
            ),
        };
        signal.reconnect().await;
        signal
    }

    async fn reconnect(&mut self) {
        let listening = async {
            let mut listener = PgListener::connect_with(&self.pool).await?;
            listener.listen(self.channel).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        // Bounded: during an outage the pool would make this wait its acquire timeout.
        let listening = tokio::time::timeout(LISTEN_TIMEOUT, listening);
        self.listener = match listening.await.unwrap_or(Err(sqlx::Error::PoolTimedOut)) {
            Ok(listener) => {
                self.streak.succeeded();
                Some(listener)
            }
            Err(error) => {
                // Polling covers the gap; the next wait tries again.
                self.streak.failed(&error);
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
                self.streak.failed(&error);
                self.listener = None;
                false
            }
            Err(_) => false,
        }
    }

    /// Pauses after a read found nothing. Right after a notification the writer
    /// may still be held back by an older transaction, so look again soon; without
    /// notifications, back off to the poll interval.
    pub async fn pause(&mut self) {
        let notified = self.wait(self.idle).await;
        self.idle = if notified {
            QUICK_LOOK
        } else {
            (self.idle * 2).min(self.poll_interval)
        };
    }
}
