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

use std::time::Duration;

use folio_commands::notifications::RetrySchedule;
use folio_infra::blob_store::BlobLocation;
use folio_infra::personal_data::KeyWrapping;
use folio_infra::webhook_http::AddressPolicy;
use folio_infra::ProjectionConfig;
use secrecy::SecretString;

mod database;
mod errors;
mod settings;
#[cfg(test)]
mod tests;
mod tokens;
mod validate;

pub use database::{psql_url, DatabaseConfig};
pub use errors::ConfigError;
pub use settings::{KafkaSettings, ServeSettings, Settings};
pub use tokens::TokenSource;

/// The database used when neither `--database-url` nor `DATABASE_URL` is given.
pub const DEFAULT_DATABASE_URL: &str = "postgres://root@127.0.0.1:5432/folio";

/// The development secret, used only with `--dev` and no token key configured. It
/// is public (it is in the source), so tokens signed with it prove nothing outside
/// a laptop: `folio serve` uses it on loopback only.
pub const DEVELOPMENT_SECRET: &str = "folio-development-secret-not-for-production-use";

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
    /// Where e-mail goes out, and how failures are retried.
    pub mail: MailSettings,
    /// Which endpoints webhooks may reach, and how failures are retried.
    pub webhooks: WebhookSettings,
    /// The PAC that stamps Mexican invoices; none: they wait for one.
    pub pac: Option<PacSettings>,
}

/// A PAC account (SW Sapien's REST API).
#[derive(Debug, Clone)]
pub struct PacSettings {
    /// The service's base URL.
    pub url: String,
    /// The account's user.
    pub user: String,
    /// Its password.
    pub password: SecretString,
    /// SAT's CFDI status service, asked what SAT decided of a cancellation.
    pub sat_status_url: String,
}

/// How webhooks are posted.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Which addresses deliveries may reach.
    pub policy: AddressPolicy,
    /// The waits between attempts.
    pub retries: RetrySchedule,
    /// How long every delivery to an endpoint may fail before Folio
    /// disables it.
    pub disable_after: Duration,
}

/// How notifications are e-mailed.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// The SMTP server and sender address; none: e-mails stay queued.
    pub smtp: Option<SmtpSettings>,
    /// The waits between attempts.
    pub retries: RetrySchedule,
}

/// An SMTP server to send through.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// Its URL, credentials included.
    pub url: SecretString,
    /// The address e-mail is sent from.
    pub from: String,
    /// The longest one SMTP exchange may take.
    pub timeout: Duration,
}

/// How the server signs download links (for a `file:` blob store).
#[derive(Debug, Clone, Default)]
pub struct DownloadLinkSettings {
    /// Prefix of every link: the server's public address, or empty for
    /// links relative to the API.
    pub base_url: String,
    /// The signing key; none for a random key of this process.
    pub key: Option<SecretString>,
}

/// Where documents are archived unless configured: a directory beside the
/// process, so the README's first command needs no S3.
pub const DEFAULT_BLOB_STORE: &str = "file:folio-documents";

/// How long every delivery to a webhook endpoint may fail before Folio
/// disables it, unless configured.
pub const DEFAULT_WEBHOOK_DISABLE_AFTER: Duration = Duration::from_secs(5 * 24 * 3600);

/// How often readiness and lag are read unless configured: as often as an
/// orchestrator probes, well within a Prometheus scrape interval.
pub const DEFAULT_STATUS_INTERVAL: Duration = Duration::from_secs(5);

impl Config {
    /// The defaults for a database URL: no master key, development tokens,
    /// documents archived in the system's temporary directory, no SMTP
    /// server (what the tests and the benchmark start from).
    pub fn for_database(url: impl Into<String>) -> Self {
        Config {
            database: DatabaseConfig::for_url(url),
            tokens: TokenSource::Development,
            key_wrapping: KeyWrapping::none(),
            projections: ProjectionConfig::default(),
            status_interval: DEFAULT_STATUS_INTERVAL,
            blob_store: BlobLocation::Directory(std::env::temp_dir().join("folio-documents")),
            download_links: DownloadLinkSettings::default(),
            mail: MailSettings {
                smtp: None,
                retries: RetrySchedule::email(),
            },
            webhooks: WebhookSettings {
                policy: AddressPolicy::default(),
                retries: RetrySchedule::webhook(),
                disable_after: DEFAULT_WEBHOOK_DISABLE_AFTER,
            },
            pac: None,
        }
    }
}
