//! A store restored into another cluster (a dump restored after losing the
//! server, a test fixture) keeps the transaction ids its events were written
//! under. The feed orders events by them and shows an event only once every
//! transaction before it has ended, so while this cluster's counter is behind
//! the highest restored id the feed shows nothing, and the events written next
//! would sort before the restored ones. Migrating moves the counter past them.

use sqlx::PgPool;

/// Why the counter could not be moved.
#[derive(Debug, thiserror::Error)]
pub enum CatchUpError {
    /// The store was restored from a cluster so far ahead of this one that
    /// moving the counter is the operator's.
    #[error(
        "the event store holds transaction ids up to {highest}, but this cluster's next is {next}: \
         stop the server and run pg_resetwal --next-transaction-id={} on its data directory",
        highest + 1
    )]
    TooFarBehind {
        /// The highest transaction id in the store.
        highest: i64,
        /// The cluster's next transaction id.
        next: i64,
    },
    /// Postgres refused a query.
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

/// The most transaction ids migrating spends to catch up: about ten seconds'
/// worth. A cluster further behind is moved by its operator, with the server
/// stopped: `pg_resetwal --next-transaction-id`.
pub const MOST_TO_CATCH_UP: i64 = 1_000_000;

/// Moves this cluster's transaction counter past the highest transaction id in
/// the event store, when a restore left it behind; returns how many ids it
/// spent (none on a store written here).
pub async fn catch_up(pool: &PgPool) -> Result<i64, CatchUpError> {
    // xmax of a snapshot is the next id to be assigned; reading it takes none.
    let (highest, next): (Option<i64>, i64) = sqlx::query_as(
        "SELECT (SELECT max(transaction_id)::text::bigint FROM events),
                pg_snapshot_xmax(pg_current_snapshot())::text::bigint",
    )
    .fetch_one(pool)
    .await?;
    let Some(highest) = highest else {
        return Ok(0);
    };
    let behind = highest + 1 - next;
    if behind <= 0 {
        return Ok(0);
    }
    if behind > MOST_TO_CATCH_UP {
        return Err(CatchUpError::TooFarBehind { highest, next });
    }
    tracing::warn!(
        highest,
        next,
        "the event store was written by a cluster ahead of this one (a restore): \
         moving the transaction counter past it"
    );
    // One transaction per id, each committed inside the loop: only a DO
    // block sent alone, outside any transaction, may commit, so it goes as a
    // simple query of its own, on a connection closed afterwards (it was
    // told not to wait for the disk).
    let mut conn = pool.acquire().await?.detach();
    sqlx::raw_sql("SET synchronous_commit = off")
        .execute(&mut conn)
        .await?;
    sqlx::raw_sql(&format!(
        "DO $$ BEGIN
             FOR i IN 1..{behind} LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP;
         END $$"
    ))
    .execute(&mut conn)
    .await?;
    Ok(behind)
}
