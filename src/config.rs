//! One typed configuration for every `folio` command.
//!
//! Layering: the defaults < environment variables < command-line flags (clap
//! applies the last two, each flag naming its variable). Each default is owned by
//! the library that uses it (`ProjectionConfig::DEFAULT`, `Limits::DEFAULT`, the
//! pool's and Kafka's constants) and the flags name them, so no default is written
//! twice. [`Settings`] is what was given; [`Settings::validate`] checks all of it once, at start, and
//! returns a [`Config`] of typed parts (or a [`ConfigError`] naming the setting and
//! what to do). Nothing else in the workspace reads the environment, and no part of
//! the configuration lives in a global. README's "Configuration" table lists every
//! setting; keep the two together.

use std::path::PathBuf;
use std::time::Duration;

use folio_api::auth::{ClaimMapping, Minter, OidcSettings, OidcVerifier};
use folio_api::protection::Protection;
use folio_api::{Authenticator, Limits, TokenKeys};
use folio_infra::blob_store::{BlobLocation, S3Bucket};
use folio_infra::kafka::KafkaConfig;
use folio_infra::personal_data::KeyWrapping;
use folio_infra::postgres::pool;
use folio_infra::ProjectionConfig;

/// The database used when neither `--database-url` nor `DATABASE_URL` is given.
pub const DEFAULT_DATABASE_URL: &str = "postgres://root@127.0.0.1:5432/folio";

/// The development secret, used only with `--dev` and no token key configured. It
/// is public (it is in the source), so tokens signed with it prove nothing outside
/// a laptop: `folio serve` uses it on loopback only.
pub const DEVELOPMENT_SECRET: &str = "folio-development-secret-not-for-production-use";

/// The settings every `folio` command shares, as given (flattened into the CLI).
#[derive(Clone, clap::Args)]
pub struct Settings {
    /// Postgres connection URL; the database is created if missing.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = DEFAULT_DATABASE_URL,
        global = true,
        hide_env_values = true
    )]
    pub database_url: String,
    /// Most connections the process opens to Postgres (a command holds two at its
    /// peak, so half of them run commands).
    #[arg(
        long,
        env = "FOLIO_DB_MAX_CONNECTIONS",
        default_value_t = pool::DEFAULT_MAX_CONNECTIONS,
        global = true
    )]
    pub db_max_connections: u32,
    /// Longest a request waits for a free connection before it fails, in
    /// milliseconds.
    #[arg(
        long,
        env = "FOLIO_DB_ACQUIRE_TIMEOUT_MS",
        default_value_t = pool::DEFAULT_ACQUIRE_TIMEOUT.as_millis() as u64,
        global = true
    )]
    pub db_acquire_timeout_ms: u64,
    /// HS256 secret (32+ bytes) that signs and verifies bearer tokens. Without it,
    /// --jwt-public-key or --oidc-issuer, commands that need tokens refuse to
    /// start unless --dev lets them use the published development secret.
    #[arg(long, env = "FOLIO_JWT_SECRET", global = true, hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// PEM file of an RS256 public key: tokens are verified with it (and minted by
    /// your identity provider, not by `folio token`). Needs --jwt-issuer and
    /// --jwt-audience.
    #[arg(long, env = "FOLIO_JWT_PUBLIC_KEY", global = true)]
    pub jwt_public_key: Option<PathBuf>,
    /// The issuer (`iss`) every token verified with --jwt-public-key must name.
    #[arg(long, env = "FOLIO_JWT_ISSUER", global = true)]
    pub jwt_issuer: Option<String>,
    /// Audiences (`aud`) a token verified with --jwt-public-key must name one
    /// of (comma-separated).
    #[arg(long, env = "FOLIO_JWT_AUDIENCE", value_delimiter = ',', global = true)]
    pub jwt_audience: Vec<String>,
    /// OpenID provider whose tokens are accepted (its issuer URL, exactly as in
    /// `iss`); its keys are read from its discovery document and JWKS and
    /// fetched again when it rotates them. Needs --oidc-audience.
    #[arg(long, env = "FOLIO_OIDC_ISSUER", global = true)]
    pub oidc_issuer: Option<String>,
    /// Audiences (comma-separated) a provider's token must name in `aud`.
    #[arg(
        long,
        env = "FOLIO_OIDC_AUDIENCE",
        value_delimiter = ',',
        global = true
    )]
    pub oidc_audience: Vec<String>,
    /// Signing algorithms accepted from the provider (comma-separated).
    #[arg(
        long,
        env = "FOLIO_OIDC_ALGORITHMS",
        value_delimiter = ',',
        default_value = "RS256",
        global = true
    )]
    pub oidc_algorithms: Vec<String>,
    /// Where the provider's tokens carry the tenant id: a claim name, or a JSON
    /// Pointer such as `/org/id`.
    #[arg(
        long,
        env = "FOLIO_OIDC_TENANT_CLAIM",
        default_value = "tenant",
        global = true
    )]
    pub oidc_tenant_claim: String,
    /// Where the provider's tokens carry the roles: a claim name, or a JSON
    /// Pointer such as `/realm_access/roles`.
    #[arg(
        long,
        env = "FOLIO_OIDC_ROLES_CLAIM",
        default_value = "roles",
        global = true
    )]
    pub oidc_roles_claim: String,
    /// The provider's role names as Folio roles, e.g.
    /// `finance-admins=admin,ap-clerks=accountant` (only mapped names count), or
    /// `identity` if the provider uses Folio's own role names. Required with
    /// --oidc-issuer.
    #[arg(long, env = "FOLIO_OIDC_ROLE_MAP", global = true)]
    pub oidc_role_map: Option<String>,
    /// Development mode: without a token key, sign and verify tokens with the
    /// published development secret (`folio serve` then listens on loopback
    /// only). Without it and without a key, commands that need tokens refuse to
    /// start. The variable takes what environment files write: `1`/`0`,
    /// `true`/`false`, `yes`/`no`, `on`/`off`.
    #[arg(
        long,
        env = "FOLIO_DEV",
        global = true,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub dev: bool,
    /// Master key (64 hex characters, kept outside the database) that wraps the
    /// per-customer keys sealing personal data. Without it they are stored as is.
    #[arg(
        long,
        env = "FOLIO_PERSONAL_DATA_MASTER_KEY",
        global = true,
        hide_env_values = true
    )]
    pub personal_data_master_key: Option<String>,
    /// Events per projector transaction (embedded mode and rebuilds).
    #[arg(
        long,
        env = "FOLIO_PROJECTION_BATCH_SIZE",
        default_value_t = ProjectionConfig::DEFAULT.batch_size,
        global = true
    )]
    pub projection_batch_size: i64,
    /// Longest a projector waits between two looks at the feed when no
    /// notification arrives, in milliseconds.
    #[arg(
        long,
        env = "FOLIO_PROJECTION_POLL_INTERVAL_MS",
        default_value_t = ProjectionConfig::DEFAULT.poll_interval.as_millis() as u64,
        global = true
    )]
    pub projection_poll_interval_ms: u64,
    /// How often one task reads, for `/readyz` and `/metrics`, whether the read
    /// models are installed and how far each projector and relay is behind, in
    /// milliseconds; probes and scrapes are answered from its last reading.
    #[arg(
        long,
        env = "FOLIO_STATUS_INTERVAL_MS",
        default_value_t = DEFAULT_STATUS_INTERVAL.as_millis() as u64,
        global = true
    )]
    pub status_interval_ms: u64,
    /// Where documents are archived: `file:DIRECTORY` (created if missing;
    /// relative to the working directory) or `s3://BUCKET`.
    #[arg(
        long,
        env = "FOLIO_BLOB_STORE",
        default_value = DEFAULT_BLOB_STORE,
        global = true
    )]
    pub blob_store: String,
    /// The S3 API server of an `s3://` blob store when it is not AWS, e.g.
    /// `http://127.0.0.1:9000`.
    #[arg(long, env = "FOLIO_S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,
    /// The S3 bucket's region.
    #[arg(
        long,
        env = "FOLIO_S3_REGION",
        default_value = "us-east-1",
        global = true
    )]
    pub s3_region: String,
    /// The S3 access key id; without it (and the secret), the machine's role.
    #[arg(long, env = "AWS_ACCESS_KEY_ID", global = true, hide_env_values = true)]
    pub s3_access_key_id: Option<String>,
    /// The S3 secret access key, given with the access key id.
    #[arg(
        long,
        env = "AWS_SECRET_ACCESS_KEY",
        global = true,
        hide_env_values = true
    )]
    pub s3_secret_access_key: Option<String>,
    /// The address clients reach this server at, e.g.
    /// `https://folio.example.com`: the download links it signs itself (for a
    /// `file:` blob store) are absolute under it; without it they are paths
    /// relative to the API.
    #[arg(long, env = "FOLIO_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// The key download links are signed with (at least 32 characters);
    /// without it, a random key of this process: its links stop working when
    /// it restarts, and other replicas refuse them.
    #[arg(
        long,
        env = "FOLIO_DOWNLOAD_LINK_KEY",
        global = true,
        hide_env_values = true
    )]
    pub download_link_key: Option<String>,
    /// What is logged (to stderr): a `tracing` filter, e.g. `info` or
    /// `warn,folio_infra=debug`.
    #[arg(long, env = "FOLIO_LOG", default_value = "warn", global = true)]
    pub log: String,
    /// How log lines are written: `text`, or `json` (one object per line, with
    /// the trace id, tenant and command id of the spans it happened in).
    #[arg(
        long,
        env = "FOLIO_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: crate::telemetry::LogFormat,
}

impl std::fmt::Debug for Settings {
    /// Secrets are never printed, only whether they are set.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redacted_url(&self.database_url))
            .field("db_max_connections", &self.db_max_connections)
            .field("db_acquire_timeout_ms", &self.db_acquire_timeout_ms)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "<set>"))
            .field("jwt_public_key", &self.jwt_public_key)
            .field("jwt_issuer", &self.jwt_issuer)
            .field("jwt_audience", &self.jwt_audience)
            .field("oidc_issuer", &self.oidc_issuer)
            .field("oidc_audience", &self.oidc_audience)
            .field("dev", &self.dev)
            .field(
                "personal_data_master_key",
                &self.personal_data_master_key.as_ref().map(|_| "<set>"),
            )
            .field("projection_batch_size", &self.projection_batch_size)
            .field(
                "projection_poll_interval_ms",
                &self.projection_poll_interval_ms,
            )
            .field("status_interval_ms", &self.status_interval_ms)
            .field("blob_store", &self.blob_store)
            .field("s3_endpoint", &self.s3_endpoint)
            .field("s3_region", &self.s3_region)
            .field("s3_access_key_id", &self.s3_access_key_id)
            .field(
                "s3_secret_access_key",
                &self.s3_secret_access_key.as_ref().map(|_| "<set>"),
            )
            .field("public_url", &self.public_url)
            .field(
                "download_link_key",
                &self.download_link_key.as_ref().map(|_| "<set>"),
            )
            .field("log", &self.log)
            .field("log_format", &self.log_format)
            .finish()
    }
}

/// A database URL for `psql`: the password left out (psql reads it from
/// `PGPASSWORD` or `~/.pgpass`, and the URL is safe to print), and only the
/// connection parameters libpq knows (sqlx's own, such as
/// `statement-cache-capacity`, make psql refuse the URL).
pub fn psql_url(url: &str) -> String {
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
    let without_password = with_password_as(url, "");
    let Some((base, query)) = without_password.split_once('?') else {
        return without_password;
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| LIBPQ_PARAMETERS.contains(&pair.split('=').next().unwrap_or_default()))
        .collect();
    if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

/// A database URL with its password masked, for logs.
fn redacted_url(url: &str) -> String {
    with_password_as(url, ":***")
}

/// `url` with whatever follows the user name in its credentials (`:password`)
/// replaced by `replacement`; a URL without credentials as it is.
fn with_password_as(url: &str, replacement: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{}{user}{replacement}{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Where the database is and how the pool behaves.
#[derive(Clone)]
pub struct DatabaseConfig {
    /// The connection URL (with credentials: never logged).
    pub url: String,
    /// Most connections in the pool.
    pub max_connections: u32,
    /// Longest a request waits for a connection.
    pub acquire_timeout: Duration,
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redacted_url(&self.url))
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .finish()
    }
}

impl DatabaseConfig {
    /// The defaults for `url` (what tests and tools use).
    pub fn for_url(url: impl Into<String>) -> Self {
        DatabaseConfig {
            url: url.into(),
            max_connections: pool::DEFAULT_MAX_CONNECTIONS,
            acquire_timeout: pool::DEFAULT_ACQUIRE_TIMEOUT,
        }
    }
}

/// Where bearer tokens' keys come from.
#[derive(Clone)]
pub enum TokenSource {
    /// An HS256 secret from the configuration.
    Secret(String),
    /// An RS256 public key in a PEM file, and who mints the tokens it verifies.
    PublicKeyFile(PathBuf, Minter),
    /// An OpenID provider's published keys.
    Oidc(OidcSettings),
    /// Nothing configured, in development mode: the published development
    /// secret (with a warning; loopback only).
    Development,
    /// Nothing configured and not in development mode: no tokens can be checked.
    Missing,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::Secret(_) => f.write_str("Secret(<set>)"),
            TokenSource::PublicKeyFile(path, minter) => {
                write!(f, "PublicKeyFile({}, {minter:?})", path.display())
            }
            TokenSource::Oidc(settings) => write!(f, "Oidc({})", settings.issuer),
            TokenSource::Development => f.write_str("Development"),
            TokenSource::Missing => f.write_str("Missing"),
        }
    }
}

/// The validated configuration every command starts from.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database and its pool.
    pub database: DatabaseConfig,
    /// Where token keys come from.
    pub tokens: TokenSource,
    /// How subject keys are stored and opened (the master key, if any).
    pub key_wrapping: KeyWrapping,
    /// How the embedded projectors batch and poll.
    pub projections: ProjectionConfig,
    /// How often readiness and lag are read for `/readyz` and `/metrics`.
    pub status_interval: Duration,
    /// Where documents are archived.
    pub blob_store: BlobLocation,
    /// How the server signs the download links of a store that cannot.
    pub download_links: DownloadLinkSettings,
}

/// How the server signs download links (for a `file:` blob store).
#[derive(Clone, Default)]
pub struct DownloadLinkSettings {
    /// Prefix of every link: the server's public address, or empty for
    /// links relative to the API.
    pub base_url: String,
    /// The signing key; none for a random key of this process.
    pub key: Option<String>,
}

impl std::fmt::Debug for DownloadLinkSettings {
    /// The key is never printed, only whether it is set.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadLinkSettings")
            .field("base_url", &self.base_url)
            .field("key", &self.key.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// The shortest download-link key accepted: 32 characters, 256 bits at the
/// least of a random hex or base64 string.
const MIN_DOWNLOAD_LINK_KEY_LEN: usize = 32;

/// Where documents are archived unless configured: a directory beside the
/// process, so the README's first command needs no S3.
pub const DEFAULT_BLOB_STORE: &str = "file:folio-documents";

/// How often readiness and lag are read unless configured: as often as an
/// orchestrator probes, well within a Prometheus scrape interval.
pub const DEFAULT_STATUS_INTERVAL: Duration = Duration::from_secs(5);

/// A setting that cannot be used; nothing was started.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A number outside its range.
    #[error("{setting} must be {expected} (it is {given})")]
    OutOfRange {
        /// The flag and variable, e.g. `--db-max-connections / FOLIO_DB_MAX_CONNECTIONS`.
        setting: &'static str,
        /// What it must be.
        expected: &'static str,
        /// What was given.
        given: String,
    },
    /// The master key is malformed.
    // No `#[from]`: the cause is the message, and a source would print it twice.
    #[error("FOLIO_PERSONAL_DATA_MASTER_KEY: {0}")]
    MasterKey(folio_infra::personal_data::PersonalDataError),
    /// The token key cannot be used.
    #[error("token keys: {0}")]
    TokenKey(String),
    /// More than one token source was given.
    #[error(
        "give one of FOLIO_JWT_SECRET, FOLIO_JWT_PUBLIC_KEY and FOLIO_OIDC_ISSUER, not several"
    )]
    TwoTokenSources,
    /// A setting another one needs is missing.
    #[error("{setting} is required: {because}")]
    Required {
        /// The flag and variable that is missing.
        setting: &'static str,
        /// Why it is needed.
        because: &'static str,
    },
    /// An OpenID provider setting cannot be used.
    #[error("{setting}: {problem}")]
    Oidc {
        /// The flag and variable.
        setting: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// No token key, and not in development mode.
    #[error(
        "no token key: set FOLIO_JWT_SECRET (32+ bytes) or FOLIO_JWT_PUBLIC_KEY (an RS256 PEM file), \
         or FOLIO_OIDC_ISSUER (an OpenID provider), or pass --dev (FOLIO_DEV=1) to use the published \
         development secret on this machine only"
    )]
    NoTokenKey,
    /// The development secret on an address other machines reach.
    #[error(
        "refusing to serve {0} with the published development secret (--dev): it serves loopback \
         only; set FOLIO_JWT_SECRET, FOLIO_JWT_PUBLIC_KEY or FOLIO_OIDC_ISSUER to listen there"
    )]
    DevelopmentSecretOffLoopback(std::net::SocketAddr),
}

fn in_range<T: PartialOrd + ToString>(
    setting: &'static str,
    value: T,
    low: T,
    high: T,
    expected: &'static str,
) -> Result<T, ConfigError> {
    if value < low || value > high {
        return Err(ConfigError::OutOfRange {
            setting,
            expected,
            given: value.to_string(),
        });
    }
    Ok(value)
}

impl Settings {
    /// Checks every setting and builds the typed configuration.
    pub fn validate(&self) -> Result<Config, ConfigError> {
        let max_connections = in_range(
            "--db-max-connections / FOLIO_DB_MAX_CONNECTIONS",
            self.db_max_connections,
            2,
            1_000,
            "2 to 1000",
        )?;
        let acquire_ms = in_range(
            "--db-acquire-timeout-ms / FOLIO_DB_ACQUIRE_TIMEOUT_MS",
            self.db_acquire_timeout_ms,
            1,
            600_000,
            "1 to 600000 ms",
        )?;
        let batch_size = in_range(
            "--projection-batch-size / FOLIO_PROJECTION_BATCH_SIZE",
            self.projection_batch_size,
            1,
            100_000,
            "1 to 100000",
        )?;
        let poll_ms = in_range(
            "--projection-poll-interval-ms / FOLIO_PROJECTION_POLL_INTERVAL_MS",
            self.projection_poll_interval_ms,
            1,
            60_000,
            "1 to 60000 ms",
        )?;
        let status_ms = in_range(
            "--status-interval-ms / FOLIO_STATUS_INTERVAL_MS",
            self.status_interval_ms,
            100,
            600_000,
            "100 to 600000 ms",
        )?;
        let tokens = match (&self.jwt_secret, &self.jwt_public_key, &self.oidc_issuer) {
            (Some(secret), None, None) => TokenSource::Secret(secret.clone()),
            (None, Some(path), None) => TokenSource::PublicKeyFile(path.clone(), self.minter()?),
            (None, None, Some(issuer)) => TokenSource::Oidc(self.oidc(issuer)?),
            (None, None, None) if self.dev => TokenSource::Development,
            (None, None, None) => TokenSource::Missing,
            _ => return Err(ConfigError::TwoTokenSources),
        };
        let minter_given = self.jwt_issuer.is_some() || !self.jwt_audience.is_empty();
        if minter_given && !matches!(tokens, TokenSource::PublicKeyFile(..)) {
            return Err(ConfigError::OutOfRange {
                setting: "--jwt-issuer, --jwt-audience / FOLIO_JWT_ISSUER, FOLIO_JWT_AUDIENCE",
                expected: "set only with FOLIO_JWT_PUBLIC_KEY (an OpenID provider's are FOLIO_OIDC_ISSUER and FOLIO_OIDC_AUDIENCE)",
                given: "set".into(),
            });
        }
        let key_wrapping = match &self.personal_data_master_key {
            Some(hex) => KeyWrapping::with_master_key(hex).map_err(ConfigError::MasterKey)?,
            None => KeyWrapping::none(),
        };
        Ok(Config {
            database: DatabaseConfig {
                url: self.database_url.clone(),
                max_connections,
                acquire_timeout: Duration::from_millis(acquire_ms),
            },
            tokens,
            key_wrapping,
            projections: ProjectionConfig {
                batch_size,
                poll_interval: Duration::from_millis(poll_ms),
                ..ProjectionConfig::default()
            },
            status_interval: Duration::from_millis(status_ms),
            blob_store: self.blob_location()?,
            download_links: self.download_links()?,
        })
    }

    /// How download links are signed, from `FOLIO_PUBLIC_URL` and
    /// `FOLIO_DOWNLOAD_LINK_KEY`.
    fn download_links(&self) -> Result<DownloadLinkSettings, ConfigError> {
        let base_url = match self.public_url.as_deref().map(str::trim) {
            None | Some("") => String::new(),
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                url.trim_end_matches('/').to_owned()
            }
            Some(url) => {
                return Err(ConfigError::OutOfRange {
                    setting: "--public-url / FOLIO_PUBLIC_URL",
                    expected: "an http:// or https:// address",
                    given: url.to_owned(),
                })
            }
        };
        if let Some(key) = &self.download_link_key {
            if key.len() < MIN_DOWNLOAD_LINK_KEY_LEN {
                return Err(ConfigError::OutOfRange {
                    setting: "FOLIO_DOWNLOAD_LINK_KEY",
                    expected: "at least 32 characters",
                    given: format!("{} characters", key.len()),
                });
            }
        }
        Ok(DownloadLinkSettings {
            base_url,
            key: self.download_link_key.clone(),
        })
    }

    /// The blob store's location from `FOLIO_BLOB_STORE` and, for S3, its
    /// server, region and credentials.
    fn blob_location(&self) -> Result<BlobLocation, ConfigError> {
        const SETTING: &str = "--blob-store / FOLIO_BLOB_STORE";
        let given = self.blob_store.trim();
        if let Some(bucket) = given.strip_prefix("s3://") {
            let bucket = bucket.trim_end_matches('/');
            if bucket.is_empty() || bucket.contains('/') {
                return Err(ConfigError::OutOfRange {
                    setting: SETTING,
                    expected: "s3://BUCKET (a bucket name, no path)",
                    given: given.to_owned(),
                });
            }
            let credentials = match (&self.s3_access_key_id, &self.s3_secret_access_key) {
                (Some(id), Some(secret)) => Some((id.clone(), secret.clone())),
                (None, None) => None,
                _ => return Err(ConfigError::Required {
                    setting: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
                    because:
                        "S3 credentials are a pair: give both, or neither to use the machine's role",
                }),
            };
            return Ok(BlobLocation::S3(S3Bucket {
                bucket: bucket.to_owned(),
                region: self.s3_region.clone(),
                endpoint: self.s3_endpoint.clone(),
                credentials,
            }));
        }
        match given
            .strip_prefix("file://")
            .or_else(|| given.strip_prefix("file:"))
        {
            Some(directory) if !directory.is_empty() => {
                Ok(BlobLocation::Directory(PathBuf::from(directory)))
            }
            _ => Err(ConfigError::OutOfRange {
                setting: SETTING,
                expected: "file:DIRECTORY or s3://BUCKET",
                given: given.to_owned(),
            }),
        }
    }
}

impl Settings {
    /// Who mints the tokens an RS256 public key verifies: both settings are
    /// required, or a token minted for another application would pass.
    fn minter(&self) -> Result<Minter, ConfigError> {
        let missing = |setting| {
            ConfigError::Required {
            setting,
            because: "FOLIO_JWT_PUBLIC_KEY is set: without it a token the identity provider minted for another application would be accepted",
        }
        };
        let issuer = self
            .jwt_issuer
            .as_deref()
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .ok_or(missing("--jwt-issuer / FOLIO_JWT_ISSUER"))?;
        let audiences: Vec<String> = self
            .jwt_audience
            .iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect();
        if audiences.is_empty() {
            return Err(missing("--jwt-audience / FOLIO_JWT_AUDIENCE"));
        }
        Ok(Minter {
            issuer: issuer.to_owned(),
            audiences,
        })
    }

    /// The OpenID provider settings around `issuer`.
    fn oidc(&self, issuer: &str) -> Result<OidcSettings, ConfigError> {
        let problem = |setting, problem: String| ConfigError::Oidc { setting, problem };
        let audiences: Vec<String> = self
            .oidc_audience
            .iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect();
        if audiences.is_empty() {
            return Err(problem(
                "--oidc-audience / FOLIO_OIDC_AUDIENCE",
                "name the audience Folio's tokens are minted for; without it a token the provider \
                 minted for any other application would be accepted"
                    .into(),
            ));
        }
        let url =
            checked_issuer(issuer).map_err(|e| problem("--oidc-issuer / FOLIO_OIDC_ISSUER", e))?;
        let algorithms = self
            .oidc_algorithms
            .iter()
            .map(|name| {
                OidcSettings::algorithm(name)
                    .map_err(|e| problem("--oidc-algorithms / FOLIO_OIDC_ALGORITHMS", e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mapping = ClaimMapping {
            tenant: self
                .oidc_tenant_claim
                .parse()
                .map_err(|e| problem("--oidc-tenant-claim / FOLIO_OIDC_TENANT_CLAIM", e))?,
            roles: self
                .oidc_roles_claim
                .parse()
                .map_err(|e| problem("--oidc-roles-claim / FOLIO_OIDC_ROLES_CLAIM", e))?,
            role_names: self
                .oidc_role_map
                .as_deref()
                .ok_or_else(|| {
                    "say what the provider's role names mean: `provider-role=folio-role,...`, \
                     or `identity` if they are Folio's own (admin, accountant, ...)"
                        .to_owned()
                })
                .and_then(str::parse)
                .map_err(|e| problem("--oidc-role-map / FOLIO_OIDC_ROLE_MAP", e))?,
        };
        Ok(OidcSettings {
            algorithms,
            mapping,
            ..OidcSettings::new(url, audiences)
        })
    }
}

/// An issuer must be an absolute http(s) URL; `https` unless the provider is on
/// this machine (development and tests).
fn checked_issuer(issuer: &str) -> Result<String, String> {
    let issuer = issuer.trim();
    let (scheme, rest) = issuer
        .split_once("://")
        .ok_or_else(|| format!("{issuer} is not an http(s) URL"))?;
    let host = rest.split('/').next().unwrap_or_default();
    let host = host.rsplit_once(':').map_or(host, |(host, _port)| host);
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]");
    match scheme {
        _ if host.is_empty() => Err(format!("{issuer} names no host")),
        "https" => Ok(issuer.to_owned()),
        "http" if loopback => Ok(issuer.to_owned()),
        "http" => Err(format!(
            "{issuer} is not https: tokens and keys would cross the network unprotected"
        )),
        _ => Err(format!("{issuer} is not an http(s) URL")),
    }
}

impl Config {
    /// The defaults for a database URL: no master key, development tokens,
    /// documents archived in the system's temporary directory (what the tests
    /// and the benchmark start from).
    pub fn for_database(url: impl Into<String>) -> Self {
        Config {
            database: DatabaseConfig::for_url(url),
            tokens: TokenSource::Development,
            key_wrapping: KeyWrapping::none(),
            projections: ProjectionConfig::default(),
            status_interval: DEFAULT_STATUS_INTERVAL,
            blob_store: BlobLocation::Directory(std::env::temp_dir().join("folio-documents")),
            download_links: DownloadLinkSettings::default(),
        }
    }

    /// The keys `folio token` and the demo mint with: the HS256 secret, else the
    /// development secret (an RS256 key cannot mint: the identity provider does).
    pub fn minting_keys(&self) -> Result<TokenKeys, ConfigError> {
        let invalid = |e: &dyn std::fmt::Display| ConfigError::TokenKey(e.to_string());
        match &self.tokens {
            TokenSource::PublicKeyFile(..) | TokenSource::Oidc(_) => Err(ConfigError::TokenKey(
                "tokens can only be minted with FOLIO_JWT_SECRET; with FOLIO_JWT_PUBLIC_KEY or FOLIO_OIDC_ISSUER your identity provider mints them".into(),
            )),
            TokenSource::Secret(secret) => {
                TokenKeys::hs256(secret.as_bytes()).map_err(|e| invalid(&e))
            }
            TokenSource::Development => {
                tracing::warn!("development mode: tokens use the public development secret");
                TokenKeys::hs256(DEVELOPMENT_SECRET.as_bytes()).map_err(|e| invalid(&e))
            }
            TokenSource::Missing => Err(ConfigError::NoTokenKey),
        }
    }

    /// What checks bearer tokens: the OpenID provider, else the configured key
    /// (an RS256 public key or an HS256 secret), else the development secret.
    pub fn authenticator(&self) -> Result<Authenticator, ConfigError> {
        match &self.tokens {
            TokenSource::Oidc(settings) => OidcVerifier::new(settings.clone())
                .map(Authenticator::from)
                .map_err(|e| ConfigError::TokenKey(e.to_string())),
            TokenSource::PublicKeyFile(path, minter) => {
                let pem = std::fs::read(path).map_err(|e| {
                    ConfigError::TokenKey(format!("cannot read {}: {e}", path.display()))
                })?;
                TokenKeys::rs256(&pem, minter.clone())
                    .map(Authenticator::from)
                    .map_err(|e| ConfigError::TokenKey(e.to_string()))
            }
            _ => self.minting_keys().map(Authenticator::from),
        }
    }

    /// Refuses to serve `address` (where a server listens) with the published
    /// development secret unless it is loopback: anyone who read the README
    /// could mint an admin token for any tenant.
    pub fn require_safe_listener(&self, address: std::net::SocketAddr) -> Result<(), ConfigError> {
        if matches!(self.tokens, TokenSource::Development) && !address.ip().is_loopback() {
            return Err(ConfigError::DevelopmentSecretOffLoopback(address));
        }
        Ok(())
    }
}

/// What `folio serve` adds: where to listen, the request limits, and Kafka.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeSettings {
    /// Address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, env = "FOLIO_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Serve `/metrics` (Prometheus) at http://ADDR/metrics instead of on the
    /// API's address, so scrapes stay on an internal network.
    #[arg(long, env = "FOLIO_METRICS_LISTEN")]
    pub metrics_listen: Option<String>,
    /// Longest a request may run, in milliseconds.
    #[arg(
        long,
        env = "FOLIO_REQUEST_TIMEOUT_MS",
        default_value_t = Limits::DEFAULT.request_timeout.as_millis() as u64
    )]
    pub request_timeout_ms: u64,
    /// Longest a query waits for its consistency token, in milliseconds.
    #[arg(
        long,
        env = "FOLIO_CONSISTENCY_WAIT_MS",
        default_value_t = Limits::DEFAULT.consistency_wait.as_millis() as u64
    )]
    pub consistency_wait_ms: u64,
    /// Most queries that may wait for consistency tokens at once; more are
    /// refused with UNAVAILABLE at once.
    #[arg(
        long,
        env = "FOLIO_CONSISTENCY_WAITERS",
        default_value_t = Limits::DEFAULT.max_waiting_reads
    )]
    pub consistency_waiters: usize,
    /// Requests per second one tenant may make (twice that in a burst); 0: no limit.
    #[arg(
        long,
        env = "FOLIO_RATE_LIMIT_PER_TENANT",
        default_value_t = Protection::DEFAULT_PER_TENANT
    )]
    pub rate_limit_per_tenant: u32,
    /// Requests per second one client address may make (twice that in a burst);
    /// 0: no limit.
    #[arg(
        long,
        env = "FOLIO_RATE_LIMIT_PER_ADDRESS",
        default_value_t = Protection::DEFAULT_PER_ADDRESS
    )]
    pub rate_limit_per_address: u32,
    /// GraphQL complexity one tenant may spend per second (twice that in a
    /// burst; at least half the largest query's complexity); 0: no budget.
    #[arg(
        long,
        env = "FOLIO_COMPLEXITY_PER_TENANT",
        default_value_t = Protection::DEFAULT_COMPLEXITY_PER_TENANT
    )]
    pub complexity_per_tenant: u32,
    /// Whether clients may read the schema through introspection (`__schema`,
    /// `__type`): GraphiQL, codegen and API clients need it; turn it off where
    /// the published schema file is the only contract (`1`/`0`, `true`/`false`,
    /// `yes`/`no`, `on`/`off`).
    #[arg(
        long,
        env = "FOLIO_GRAPHQL_INTROSPECTION",
        default_value_t = true,
        action = clap::ArgAction::Set,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub graphql_introspection: bool,
    /// Browser origins allowed to call the API, comma-separated
    /// (`https://app.example.com`); none by default.
    #[arg(long, env = "FOLIO_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Serve GraphiQL at `GET /graphql` (`1`/`0`, `true`/`false`, `yes`/`no`,
    /// `on`/`off`); unless set, on with --dev and off otherwise.
    #[arg(
        long,
        env = "FOLIO_GRAPHIQL",
        num_args = 0..=1,
        default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub graphiql: Option<bool>,
    /// Where GraphiQL's page loads React and GraphiQL from: the public CDN, or an
    /// internal mirror serving the same npm files under the same paths (each is
    /// pinned by its integrity hash).
    #[arg(
        long,
        env = "FOLIO_GRAPHIQL_ASSETS",
        default_value = folio_api::graphiql::DEFAULT_ASSETS_URL
    )]
    pub graphiql_assets: String,
}

impl ServeSettings {
    /// The request limits, checked. A consistency wait longer than the request
    /// timeout is allowed: the request is then stopped with `LIMIT` first.
    pub fn limits(&self) -> Result<Limits, ConfigError> {
        let timeout_ms = in_range(
            "--request-timeout-ms / FOLIO_REQUEST_TIMEOUT_MS",
            self.request_timeout_ms,
            100,
            600_000,
            "100 to 600000 ms",
        )?;
        let wait_ms = in_range(
            "--consistency-wait-ms / FOLIO_CONSISTENCY_WAIT_MS",
            self.consistency_wait_ms,
            0,
            600_000,
            "0 to 600000 ms",
        )?;
        let max_waiting_reads = in_range(
            "--consistency-waiters / FOLIO_CONSISTENCY_WAITERS",
            self.consistency_waiters,
            1,
            1_000_000,
            "1 to 1000000",
        )?;
        Ok(Limits {
            request_timeout: Duration::from_millis(timeout_ms),
            consistency_wait: Duration::from_millis(wait_ms),
            max_waiting_reads,
            introspection: self.graphql_introspection,
            ..Limits::default()
        })
    }

    /// The rate limits, allowed browser origins and GraphiQL's page, checked;
    /// `dev` turns the page on unless `--graphiql` says otherwise.
    pub fn protection(&self, dev: bool) -> Result<Protection, ConfigError> {
        let assets = self.graphiql_assets.trim_end_matches('/');
        if !(assets.starts_with("https://") || assets.starts_with("http://")) {
            return Err(ConfigError::OutOfRange {
                setting: "--graphiql-assets / FOLIO_GRAPHIQL_ASSETS",
                expected: "an http(s) URL serving the npm files, e.g. https://unpkg.com",
                given: self.graphiql_assets.clone(),
            });
        }
        for origin in &self.cors_origins {
            let valid = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin.contains('*');
            if !valid {
                return Err(ConfigError::OutOfRange {
                    setting: "--cors-origins / FOLIO_CORS_ORIGINS",
                    expected: "origins like https://app.example.com (no wildcards)",
                    given: origin.clone(),
                });
            }
        }
        // A burst (twice the rate) must hold the largest query allowed, or that
        // query could never run.
        let largest = Limits::DEFAULT.max_complexity as u64;
        let budget = self.complexity_per_tenant;
        if budget != 0 && u64::from(budget) * 2 < largest {
            return Err(ConfigError::OutOfRange {
                setting: "--complexity-per-tenant / FOLIO_COMPLEXITY_PER_TENANT",
                expected: "0 (no budget) or at least half the largest query's complexity (1000)",
                given: budget.to_string(),
            });
        }
        Ok(Protection {
            per_tenant: self.rate_limit_per_tenant,
            per_address: self.rate_limit_per_address,
            complexity_per_tenant: budget,
            cors_origins: self.cors_origins.clone(),
            graphiql_assets: self.graphiql.unwrap_or(dev).then(|| assets.to_owned()),
        })
    }
}

/// Where the Kafka broker is and how Folio lays out its topics.
#[derive(Debug, Clone, clap::Args)]
pub struct KafkaSettings {
    /// Kafka bootstrap servers (host:port,...). With it, `folio serve` relays the
    /// feed and feeds its projectors from Kafka instead of the feed directly.
    #[arg(long = "kafka-brokers", env = "KAFKA_BROKERS")]
    pub brokers: Option<String>,
    /// First part of every topic and consumer-group name.
    #[arg(
        long = "kafka-topic-prefix",
        env = "FOLIO_KAFKA_TOPIC_PREFIX",
        default_value = KafkaConfig::DEFAULT_TOPIC_PREFIX
    )]
    pub topic_prefix: String,
    /// Partitions of the topics Folio creates.
    #[arg(
        long = "kafka-partitions",
        env = "FOLIO_KAFKA_PARTITIONS",
        default_value_t = KafkaConfig::DEFAULT_PARTITIONS
    )]
    pub partitions: i32,
    /// Replication factor of the topics Folio creates.
    #[arg(
        long = "kafka-replication",
        env = "FOLIO_KAFKA_REPLICATION",
        default_value_t = KafkaConfig::DEFAULT_REPLICATION_FACTOR
    )]
    pub replication_factor: i32,
    /// Messages per relay batch and per projector transaction.
    #[arg(
        long = "kafka-batch-size",
        env = "FOLIO_KAFKA_BATCH_SIZE",
        default_value_t = KafkaConfig::DEFAULT_BATCH_SIZE
    )]
    pub batch_size: usize,
    /// How long the relay waits for the broker to acknowledge a message before it
    /// publishes its batch again, in milliseconds.
    #[arg(
        long = "kafka-message-timeout-ms",
        env = "FOLIO_KAFKA_MESSAGE_TIMEOUT_MS",
        default_value_t = KafkaConfig::DEFAULT_MESSAGE_TIMEOUT.as_millis() as u64
    )]
    pub message_timeout_ms: u64,
}

impl KafkaSettings {
    /// The Kafka configuration, checked; `None` when no broker is configured.
    pub fn config(&self) -> Result<Option<KafkaConfig>, ConfigError> {
        let Some(brokers) = self.brokers.as_ref().filter(|b| !b.trim().is_empty()) else {
            return Ok(None);
        };
        let partitions = in_range(
            "--kafka-partitions / FOLIO_KAFKA_PARTITIONS",
            self.partitions,
            1,
            10_000,
            "1 to 10000",
        )?;
        let replication_factor = in_range(
            "--kafka-replication / FOLIO_KAFKA_REPLICATION",
            self.replication_factor,
            1,
            100,
            "1 to 100",
        )?;
        let batch_size = in_range(
            "--kafka-batch-size / FOLIO_KAFKA_BATCH_SIZE",
            self.batch_size,
            1,
            100_000,
            "1 to 100000",
        )?;
        Ok(Some(KafkaConfig {
            topic_prefix: self.topic_prefix.clone(),
            partitions,
            replication_factor,
            batch_size,
            message_timeout: Duration::from_millis(self.message_timeout_ms.max(1)),
            ..KafkaConfig::new(brokers.clone())
        }))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        settings: Settings,
        #[command(flatten)]
        serve: ServeSettings,
    }

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("folio").chain(args.iter().copied())).expect("parses")
    }

    #[test]
    fn the_blob_store_is_a_directory_by_default_or_an_s3_bucket() {
        let default = parse(&[]).settings.validate().expect("valid");
        assert_eq!(
            default.blob_store,
            BlobLocation::Directory(PathBuf::from("folio-documents"))
        );
        let s3 = parse(&[
            "--blob-store",
            "s3://invoices/",
            "--s3-endpoint",
            "http://127.0.0.1:9000",
            "--s3-access-key-id",
            "id",
            "--s3-secret-access-key",
            "secret",
        ])
        .settings
        .validate()
        .expect("valid");
        let BlobLocation::S3(bucket) = s3.blob_store else {
            panic!("an S3 bucket")
        };
        assert_eq!(bucket.bucket, "invoices");
        assert_eq!(bucket.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert!(!format!("{bucket:?}").contains("secret"), "never printed");
        for wrong in [
            vec!["--blob-store", "s3://"],
            vec!["--blob-store", "/tmp/docs"],
        ] {
            let refused = parse(&wrong).settings.validate().unwrap_err().to_string();
            assert!(refused.contains("FOLIO_BLOB_STORE"), "{refused}");
        }
        let half = parse(&["--blob-store", "s3://b", "--s3-access-key-id", "id"])
            .settings
            .validate()
            .unwrap_err()
            .to_string();
        assert!(half.contains("AWS_SECRET_ACCESS_KEY"), "{half}");
    }

    #[test]
    fn download_links_are_relative_by_default_and_a_short_key_or_odd_address_is_refused() {
        let default = parse(&[]).settings.validate().expect("valid");
        assert_eq!(default.download_links.base_url, "");
        assert_eq!(default.download_links.key, None);
        let key = "k".repeat(32);
        let set = parse(&[
            "--public-url",
            "https://folio.example.com/",
            "--download-link-key",
            &key,
        ])
        .settings
        .validate()
        .expect("valid");
        assert_eq!(set.download_links.base_url, "https://folio.example.com");
        assert!(!format!("{set:?}").contains(&key), "never printed");
        for (wrong, named) in [
            (
                vec!["--public-url", "folio.example.com"],
                "FOLIO_PUBLIC_URL",
            ),
            (
                vec!["--download-link-key", "short"],
                "FOLIO_DOWNLOAD_LINK_KEY",
            ),
        ] {
            let refused = parse(&wrong).settings.validate().unwrap_err().to_string();
            assert!(refused.contains(named), "{refused}");
        }
    }

    #[test]
    fn without_a_key_tokens_need_development_mode_and_it_serves_loopback_only() {
        // Given no token key
        let strict = parse(&[]).settings.validate().expect("valid");
        let dev = parse(&["--dev"]).settings.validate().expect("valid");
        // Then without --dev nothing can check a token, and the refusal names
        // every way out
        let refused = strict.authenticator().expect_err("no key").to_string();
        for way_out in [
            "FOLIO_JWT_SECRET",
            "FOLIO_JWT_PUBLIC_KEY",
            "FOLIO_OIDC_ISSUER",
            "--dev",
        ] {
            assert!(refused.contains(way_out), "{refused}");
        }
        // And with it the development secret serves loopback and nothing else
        assert!(dev.authenticator().is_ok());
        let loopback = "127.0.0.1:8080".parse().unwrap();
        let everywhere = "0.0.0.0:8080".parse().unwrap();
        assert!(dev.require_safe_listener(loopback).is_ok());
        let refused = dev
            .require_safe_listener(everywhere)
            .unwrap_err()
            .to_string();
        assert!(refused.contains("FOLIO_JWT_SECRET"), "{refused}");
        // While a configured secret serves any address
        let keyed = parse(&["--jwt-secret", "a-secret-of-at-least-thirty-two-bytes!!"])
            .settings
            .validate()
            .expect("valid");
        assert!(keyed.require_safe_listener(everywhere).is_ok());
    }

    #[test]
    fn flags_override_the_defaults_and_out_of_range_values_are_named() {
        let cli = parse(&["--db-max-connections", "8", "--projection-batch-size", "50"]);
        let config = cli.settings.validate().expect("valid");
        assert_eq!(config.database.max_connections, 8);
        assert_eq!(config.projections.batch_size, 50);

        let refused = parse(&["--db-max-connections", "1"]).settings.validate();
        let message = refused.expect_err("1 connection is too few").to_string();
        assert!(message.contains("FOLIO_DB_MAX_CONNECTIONS"), "{message}");
    }

    #[test]
    fn request_limits_out_of_range_are_refused_by_name() {
        let cli = parse(&["--request-timeout-ms", "10"]);
        let message = cli.serve.limits().expect_err("refused").to_string();
        assert!(message.contains("FOLIO_REQUEST_TIMEOUT_MS"), "{message}");
        // A wait longer than the request is bounded by the request, not refused.
        let cli = parse(&[
            "--request-timeout-ms",
            "1000",
            "--consistency-wait-ms",
            "2000",
        ]);
        let limits = cli.serve.limits().expect("accepted");
        assert_eq!(limits.consistency_wait, Duration::from_secs(2));
    }

    #[test]
    fn a_psql_url_has_no_password_and_only_libpq_parameters() {
        assert_eq!(
            psql_url("postgres://folio:s3cret@db:5432/folio?sslmode=require&statement-cache-capacity=100"),
            "postgres://folio@db:5432/folio?sslmode=require"
        );
        assert_eq!(
            psql_url("postgres://root@127.0.0.1:5432/folio?statement-cache-capacity=100"),
            "postgres://root@127.0.0.1:5432/folio"
        );
    }

    #[test]
    fn a_malformed_master_key_and_two_token_sources_are_refused() {
        let cli = parse(&["--personal-data-master-key", "abc"]);
        assert!(matches!(
            cli.settings.validate(),
            Err(ConfigError::MasterKey(_))
        ));
        let cli = parse(&["--jwt-secret", "s", "--jwt-public-key", "k.pem"]);
        assert!(matches!(
            cli.settings.validate(),
            Err(ConfigError::TwoTokenSources)
        ));
    }

    #[test]
    fn an_openid_provider_needs_an_audience_https_and_asymmetric_algorithms() {
        let issuer = ["--oidc-issuer", "https://id.example.com/realms/acme"];
        let refusal = |extra: &[&str]| {
            let args: Vec<&str> = issuer.iter().chain(extra).copied().collect();
            parse(&args).settings.validate().unwrap_err().to_string()
        };
        // Given an issuer without an audience, Then the refusal says why it matters
        assert!(refusal(&[]).contains("FOLIO_OIDC_AUDIENCE"));
        // Given HS256, Then it is refused: published keys are asymmetric
        let hs = refusal(&["--oidc-audience", "folio", "--oidc-algorithms", "HS256"]);
        assert!(hs.contains("symmetric"), "{hs}");
        // Given a plain-http issuer off this machine, Then it is refused
        let args = [
            "--oidc-issuer",
            "http://id.example.com",
            "--oidc-audience",
            "folio",
        ];
        let plain = parse(&args).settings.validate().unwrap_err().to_string();
        assert!(plain.contains("not https"), "{plain}");
        // Given a bad role map, Then the setting is named
        let map = refusal(&["--oidc-audience", "folio", "--oidc-role-map", "x=owner"]);
        assert!(map.contains("FOLIO_OIDC_ROLE_MAP"), "{map}");
        // Given no role map, Then the operator must say what the names mean
        let unmapped = refusal(&["--oidc-audience", "folio"]);
        assert!(
            unmapped.contains("FOLIO_OIDC_ROLE_MAP") && unmapped.contains("identity"),
            "{unmapped}"
        );
        // Given a secret besides the issuer, Then one source must be chosen
        assert!(refusal(&["--oidc-audience", "a", "--jwt-secret", "s"]).contains("not several"));
        // Given everything, Then it is valid, listens anywhere and cannot mint
        let args = [
            issuer[0],
            issuer[1],
            "--oidc-audience",
            "folio, billing",
            "--oidc-roles-claim",
            "/realm_access/roles",
            "--oidc-role-map",
            "finance=accountant",
        ];
        let config = parse(&args).settings.validate().expect("valid");
        let TokenSource::Oidc(settings) = &config.tokens else {
            panic!("{:?}", config.tokens);
        };
        assert_eq!(settings.audiences, ["folio", "billing"]);
        assert_eq!(settings.mapping.roles.to_string(), "/realm_access/roles");
        assert!(config.authenticator().is_ok());
        assert!(config.minting_keys().is_err());
        assert!(config
            .require_safe_listener("0.0.0.0:8080".parse().unwrap())
            .is_ok());
        // And a provider on this machine may speak plain http
        let local = [
            "--oidc-issuer",
            "http://127.0.0.1:9000",
            "--oidc-audience",
            "f",
            "--oidc-role-map",
            "identity",
        ];
        assert!(parse(&local).settings.validate().is_ok());
    }

    #[test]
    fn an_rs256_key_needs_the_issuer_and_audience_of_its_tokens() {
        let key = ["--jwt-public-key", "/etc/folio/idp.pem"];
        let refusal = |extra: &[&str]| {
            let args: Vec<&str> = key.iter().chain(extra).copied().collect();
            parse(&args).settings.validate().unwrap_err().to_string()
        };
        // Given a key alone, Then the issuer is required, and why
        let alone = refusal(&[]);
        assert!(alone.contains("FOLIO_JWT_ISSUER"), "{alone}");
        assert!(alone.contains("another application"), "{alone}");
        // Given an issuer but no audience, Then the audience is required
        let no_audience = refusal(&["--jwt-issuer", "https://id.example.com"]);
        assert!(no_audience.contains("FOLIO_JWT_AUDIENCE"), "{no_audience}");
        // Given both, Then the key verifies tokens for that issuer and audience
        let args = [
            key[0],
            key[1],
            "--jwt-issuer",
            "https://id.example.com",
            "--jwt-audience",
            "folio, billing",
        ];
        let config = parse(&args).settings.validate().expect("valid");
        let TokenSource::PublicKeyFile(_, minter) = &config.tokens else {
            panic!("{:?}", config.tokens);
        };
        assert_eq!(minter.issuer, "https://id.example.com");
        assert_eq!(minter.audiences, ["folio", "billing"]);
        // Given an issuer beside a secret, Then it is refused: it would check nothing
        let beside = parse(&[
            "--jwt-secret",
            "s",
            "--jwt-issuer",
            "https://id.example.com",
        ]);
        let refused = beside.settings.validate().unwrap_err().to_string();
        assert!(
            refused.contains("only with FOLIO_JWT_PUBLIC_KEY"),
            "{refused}"
        );
    }

    #[test]
    fn secrets_are_never_printed() {
        let cli = parse(&[
            "--database-url",
            "postgres://folio:hunter2@db:5432/folio",
            "--jwt-secret",
            "a-very-secret-secret-of-32-bytes!!",
        ]);
        let printed = format!("{:?} {:?}", cli.settings, cli.settings.validate().unwrap());
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("a-very-secret"), "{printed}");
    }
}
