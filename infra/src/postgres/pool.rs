//! Connecting to Postgres and migrating the schema.

use std::str::FromStr;
use std::time::Duration;

use folio_domain::money::Currency;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};

/// Why the database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The URL is malformed.
    #[error("invalid database URL: {0}")]
    InvalidUrl(#[source] sqlx::Error),
    /// Postgres did not answer.
    #[error("cannot reach Postgres at {target}: {reason}")]
    Unreachable {
        /// host:port/database, without credentials.
        target: String,
        /// What the driver said, in one line.
        reason: String,
    },
    /// A migration failed.
    #[error("migrating the database failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A restored store's cluster could not be moved past its transaction
    /// ids ([`super::transaction_counter`]).
    #[error(transparent)]
    TransactionCounter(#[from] super::transaction_counter::CatchUpError),
    /// Any other database error.
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

fn target_of(options: &PgConnectOptions) -> String {
    format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("(default)")
    )
}

fn unreachable(options: &PgConnectOptions, error: &sqlx::Error) -> DatabaseError {
    let reason = match error {
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::PoolTimedOut => "timed out".to_owned(),
        other => other.to_string(),
    };
    DatabaseError::Unreachable {
        target: target_of(options),
        reason: reason.lines().next().unwrap_or_default().to_owned(),
    }
}

/// Whether `error` means the database could not be reached (so the work may be
/// retried once it is back), as opposed to a statement it refused. The one place
/// this is decided: the ledger, the event store and the projectors all ask here.
///
/// Besides the driver's own I/O, TLS, protocol and pool errors, these server
/// answers count: connection exceptions (SQLSTATE class 08), the server shutting
/// down or starting up (57P01, 57P02, 57P03) and no free connection slot (53300).
pub fn is_unreachable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

fn is_missing_database(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.code().as_deref() == Some("3D000"))
}

/// Creates the database named in `options` if it does not exist yet.
pub async fn ensure_database(options: &PgConnectOptions) -> Result<(), DatabaseError> {
    let Some(name) = options.get_database() else {
        return Ok(());
    };
    match options.connect().await {
        Ok(conn) => {
            conn.close().await.ok();
            Ok(())
        }
        Err(e) if is_missing_database(&e) => {
            let maintenance = options.clone().database("postgres");
            let mut conn = maintenance
                .connect()
                .await
                .map_err(|e| unreachable(&maintenance, &e))?;
            let quoted = format!("\"{}\"", name.replace('"', "\"\""));
            match sqlx::query(&format!("CREATE DATABASE {quoted}"))
                .execute(&mut conn)
                .await
            {
                Ok(_) => {}
                // Someone else created it meanwhile.
                Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("42P04") => {}
                Err(e) => return Err(e.into()),
            }
            conn.close().await.ok();
            tracing::info!(database = name, "created database");
            Ok(())
        }
        Err(e) => Err(unreachable(options, &e)),
    }
}

/// Connections a pool holds unless configured otherwise.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 32;

/// How long a request waits for a pooled connection unless configured otherwise.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects with a pool of at most `max_connections`, where a request waits at
/// most `acquire_timeout` for a free one.
pub async fn connect_with(
    database_url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<PgPool, DatabaseError> {
    let options = PgConnectOptions::from_str(database_url).map_err(DatabaseError::InvalidUrl)?;
    ensure_database(&options).await?;
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(acquire_timeout)
        .connect_with(options.clone())
        .await
        .map_err(|e| unreachable(&options, &e))
}

/// Applies every migration of `schemas/migrations/` not applied yet, moves a
/// restored store's cluster past its transaction ids
/// ([`super::transaction_counter`]), then copies the domain's currencies into
/// `currencies`, which the read models round with.
pub async fn migrate(pool: &PgPool) -> Result<(), DatabaseError> {
    sqlx::migrate!("../schemas/migrations").run(pool).await?;
    super::transaction_counter::catch_up(pool).await?;
    let (codes, minor_units): (Vec<String>, Vec<i32>) = Currency::all()
        .map(|c| (c.code().to_owned(), c.minor_units() as i32))
        .unzip();
    sqlx::query(
        "INSERT INTO public.currencies (code, minor_units)
         SELECT * FROM unnest($1::text[], $2::int[])
         ON CONFLICT (code) DO UPDATE SET minor_units = excluded.minor_units
         WHERE currencies.minor_units <> excluded.minor_units",
    )
    .bind(codes)
    .bind(minor_units)
    .execute(pool)
    .await?;
    Ok(())
}

/// Why a connection was taken from the pool: the label of
/// `folio_db_pool_acquire_seconds`, so an operator sees who waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolUse {
    /// A command's ledger transaction (the write path).
    Command,
    /// A projector's batch or checkpoint.
    Projection,
    /// Reading the event feed.
    Feed,
}

impl PoolUse {
    fn label(self) -> &'static str {
        match self {
            PoolUse::Command => "command",
            PoolUse::Projection => "projection",
            PoolUse::Feed => "feed",
        }
    }
}

/// A connection from `pool`, recording how long the pool made `purpose` wait
/// for it (`folio_db_pool_acquire_seconds`): waits grow before the pool runs
/// out, so this is the early sign of a pool too small for the load.
pub async fn acquire(
    pool: &PgPool,
    purpose: PoolUse,
) -> Result<sqlx::pool::PoolConnection<sqlx::Postgres>, sqlx::Error> {
    let started = std::time::Instant::now();
    let connection = pool.acquire().await;
    metrics::histogram!("folio_db_pool_acquire_seconds", "purpose" => purpose.label())
        .record(started.elapsed().as_secs_f64());
    connection
}

/// A transaction on a connection from `pool`, its wait recorded as by
/// [`acquire`].
pub async fn begin(
    pool: &PgPool,
    purpose: PoolUse,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    let connection = acquire(pool, purpose).await?;
    sqlx::Transaction::begin(connection, None).await
}

/// A session-level advisory lock held on a connection of its own: dropping it
/// closes the connection, which releases the lock even if its holder was
/// cancelled or crashed.
///
/// The lock lives exactly as long as its connection: if the database restarts, it
/// is gone, and another process may take it. A holder learns that from
/// [`SessionLock::is_held`], or by doing its reads on [`SessionLock::connection`],
/// which fail once the connection is gone.
#[derive(Debug)]
pub struct SessionLock {
    connection: PgConnection,
}

impl SessionLock {
    /// Waits until no one else holds the lock named `name` in `class`, then holds it.
    pub async fn acquire(pool: &PgPool, name: &str, class: i32) -> Result<Self, sqlx::Error> {
        let mut connection = pool.acquire().await?.detach();
        sqlx::query("SELECT pg_advisory_lock(hashtextextended($1, $2))")
            .bind(name)
            .bind(i64::from(class))
            .execute(&mut connection)
            .await?;
        Ok(SessionLock { connection })
    }

    /// The connection that holds the lock: reads done on it fail once the lock is lost.
    pub fn connection(&mut self) -> &mut PgConnection {
        &mut self.connection
    }

    /// Whether the lock's connection still answers (within a second), and so
    /// whether the lock is still held.
    pub async fn is_held(&mut self) -> bool {
        let ping = self.connection.ping();
        matches!(
            tokio::time::timeout(Duration::from_secs(1), ping).await,
            Ok(Ok(()))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::is_unreachable;

    #[test]
    fn failures_to_reach_the_database_are_told_from_refused_statements() {
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(is_unreachable(&sqlx::Error::Io(reset)));
        assert!(is_unreachable(&sqlx::Error::PoolTimedOut));
        assert!(is_unreachable(&sqlx::Error::Protocol(
            "unexpected response from SSLRequest".into()
        )));
        assert!(!is_unreachable(&sqlx::Error::RowNotFound));
        assert!(!is_unreachable(&sqlx::Error::ColumnNotFound("x".into())));
    }
}
