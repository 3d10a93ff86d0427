//! Where the database is: its URL, which holds the password (a secret, never
//! printed; left out of what `psql` is given), and the pool's bounds.

use std::time::Duration;

use folio_infra::postgres::pool;
use secrecy::SecretString;
use url::Url;

use super::ConfigError;

/// Where the database is and how the pool behaves.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// The connection URL, credentials included.
    pub url: SecretString,
    /// Most connections in the pool.
    pub max_connections: u32,
    /// Longest a request waits for a connection.
    pub acquire_timeout: Duration,
}

impl DatabaseConfig {
    /// The defaults for `url` (what tests and tools use).
    pub fn for_url(url: impl Into<String>) -> Self {
        DatabaseConfig {
            url: SecretString::from(url.into()),
            max_connections: pool::DEFAULT_MAX_CONNECTIONS,
            acquire_timeout: pool::DEFAULT_ACQUIRE_TIMEOUT,
        }
    }
}

/// The connection parameters libpq knows: sqlx's own (such as
/// `statement-cache-capacity`) make `psql` refuse a URL.
const LIBPQ_PARAMETERS: [&str; 8] = [
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "application_name",
    "options",
    "connect_timeout",
    "target_session_attrs",
];

/// A database URL for `psql`: the password left out (psql reads it from
/// `PGPASSWORD` or `~/.pgpass`, and the URL is safe to print), and only the
/// parameters libpq knows, as they were written.
pub fn psql_url(url: &str) -> Result<String, ConfigError> {
    let mut url = Url::parse(url).map_err(|e| ConfigError::OutOfRange {
        setting: "--database-url / DATABASE_URL",
        expected: "a postgres:// URL",
        given: e.to_string(),
    })?;
    // Only a URL that cannot have a password refuses to drop one.
    let _ = url.set_password(None);
    let kept: Vec<String> = url
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| LIBPQ_PARAMETERS.contains(&pair.split('=').next().unwrap_or_default()))
        .map(str::to_owned)
        .collect();
    url.set_query((!kept.is_empty()).then(|| kept.join("&")).as_deref());
    Ok(url.into())
}
