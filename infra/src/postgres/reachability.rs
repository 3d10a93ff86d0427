//! The database watcher: one task per long-running process that probes Postgres
//! and keeps the application layer's [`DatabaseHealth`] true.
//!
//! It probes on a connection of its own, not the pool's: a pool that is busy
//! under load is not an outage, and a probe must never queue behind the requests
//! it is meant to protect. Each probe is bounded, so a database behind a network
//! partition (no answer at all) is noticed as quickly as one that refuses
//! connections.

use std::convert::Infallible;
use std::time::Duration;

use folio_commands::health::DatabaseHealth;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, PgConnection, PgPool};

/// Time between two probes.
pub const PROBE_INTERVAL: Duration = Duration::from_millis(500);

/// How long a probe (connect if needed, then `SELECT 1`) may take before the
/// database counts as unreachable.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Probes the database of `pool` every [`PROBE_INTERVAL`] until cancelled, and
/// records the result in `health` (an outage begins after
/// `folio_commands::health::FAILED_PROBES_FOR_OUTAGE` failures in a row). Logs
/// once when an outage begins and once when it ends.
pub async fn watch(pool: &PgPool, health: &DatabaseHealth) -> Infallible {
    let options = pool.connect_options();
    let mut connection = None;
    loop {
        match probe(&options, &mut connection).await {
            Ok(()) => {
                if let Some(lasted) = health.mark_reachable() {
                    // At warn, like the outage's start, so the default level shows
                    // both ends of it.
                    tracing::warn!(after = ?lasted, "Postgres answers again; commands and queries are accepted");
                }
            }
            Err(reason) => {
                connection = None;
                if health.probe_failed(reason.clone()) {
                    tracing::error!(%reason, "Postgres is unreachable; commands and queries answer UNAVAILABLE until it returns");
                }
            }
        }
        tokio::time::sleep(PROBE_INTERVAL).await;
    }
}

/// One probe: reuses the watcher's connection, or opens one.
async fn probe(
    options: &PgConnectOptions,
    connection: &mut Option<PgConnection>,
) -> Result<(), String> {
    let attempt = async {
        let conn = match connection {
            Some(conn) => conn,
            None => connection.insert(options.connect().await?),
        };
        sqlx::query("SELECT 1").execute(conn).await.map(drop)
    };
    match tokio::time::timeout(PROBE_TIMEOUT, attempt).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(first_line(&error)),
        Err(_) => Err(format!("no answer within {PROBE_TIMEOUT:?}")),
    }
}

fn first_line(error: &sqlx::Error) -> String {
    error
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}
