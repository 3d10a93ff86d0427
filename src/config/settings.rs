//! The settings as given: the flags and environment variables of every
//! `folio` command (`Settings`), and what `folio serve` adds (`ServeSettings`,
//! `KafkaSettings`). Secrets are `SecretString`s, so printing the settings
//! shows none of them; `validate` turns these into a `Config`.

use std::path::PathBuf;

use folio_api::protection::Protection;
use folio_api::Limits;
use folio_infra::kafka::KafkaConfig;
use folio_infra::postgres::pool;
use folio_infra::ProjectionConfig;
use secrecy::SecretString;

use super::{DEFAULT_BLOB_STORE, DEFAULT_DATABASE_URL, DEFAULT_STATUS_INTERVAL};

/// The settings every `folio` command shares, as given (flattened into the CLI).
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// Postgres connection URL; the database is created if missing.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = DEFAULT_DATABASE_URL,
        global = true,
        hide_env_values = true
    )]
    pub database_url: SecretString,
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
    pub jwt_secret: Option<SecretString>,
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
    pub personal_data_master_key: Option<SecretString>,
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
    pub s3_secret_access_key: Option<SecretString>,
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
    pub download_link_key: Option<SecretString>,
    /// The PAC that stamps the CFDIs of invoices issued under MX, on SW
    /// Sapien's REST API: `https://services.test.sw.com.mx` (SW's test
    /// environment), `https://services.sw.com.mx`, or a local
    /// `folio pac-simulator` (`http://127.0.0.1:8095`). Without it, those
    /// invoices wait PENDING for their stamp.
    #[arg(long, env = "FOLIO_PAC_URL", global = true)]
    pub pac_url: Option<String>,
    /// The PAC account's user; required with FOLIO_PAC_URL.
    #[arg(long, env = "FOLIO_PAC_USER", global = true)]
    pub pac_user: Option<String>,
    /// The PAC account's password; required with FOLIO_PAC_URL.
    #[arg(
        long,
        env = "FOLIO_PAC_PASSWORD",
        global = true,
        hide_env_values = true
    )]
    pub pac_password: Option<SecretString>,
    /// SAT's CFDI status service (`ConsultaCFDIService.svc`), asked whether
    /// SAT cancelled a CFDI whose cancellation the PAC sent; used with
    /// FOLIO_PAC_URL. Defaults to SAT's own
    /// (`https://consultaqr.facturaelectronica.sat.gob.mx/ConsultaCFDIService.svc`);
    /// a `folio pac-simulator` answers it too (`http://127.0.0.1:8095/ConsultaCFDIService.svc`).
    #[arg(long, env = "FOLIO_SAT_STATUS_URL", global = true)]
    pub sat_status_url: Option<String>,
    /// The SMTP server e-mail is sent through: `smtp://HOST:PORT` (plain),
    /// with `?tls=required` or `?tls=opportunistic` for STARTTLS, or
    /// `smtps://HOST:PORT` (TLS from the start); credentials as
    /// `smtp://USER:PASSWORD@HOST`. Without it, e-mails are queued and wait
    /// until one is configured.
    #[arg(long, env = "FOLIO_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<SecretString>,
    /// The address e-mail is sent from (its display name is the seller's);
    /// required with FOLIO_SMTP_URL.
    #[arg(long, env = "FOLIO_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,
    /// How long one exchange with the SMTP server may take before it fails
    /// (and is retried), in milliseconds; a message a sender claimed is held
    /// for four times this, then another sender takes it over.
    #[arg(
        long,
        env = "FOLIO_SMTP_TIMEOUT_MS",
        default_value_t = 30_000,
        global = true
    )]
    pub smtp_timeout_ms: u64,
    /// How long a failed e-mail waits before each new attempt; once these
    /// are used up it fails for good (each wait a number and `s`, `m` or `h`).
    #[arg(
        long,
        env = "FOLIO_MAIL_RETRY_SCHEDULE",
        default_value = "30s,2m,10m,1h,6h",
        global = true
    )]
    pub mail_retry_schedule: String,
    /// How long a failed webhook delivery waits before each new attempt
    /// (jitter of up to a fifth is added); once these are used up it fails
    /// for good.
    #[arg(
        long,
        env = "FOLIO_WEBHOOK_RETRY_SCHEDULE",
        default_value = "5s,5m,30m,2h,5h,10h,10h",
        global = true
    )]
    pub webhook_retry_schedule: String,
    /// How long every delivery to a webhook endpoint may fail (since its
    /// last success) before Folio disables it and e-mails the tenant's admins:
    /// a number and `s`, `m`, `h` or `d`.
    #[arg(
        long,
        env = "FOLIO_WEBHOOK_DISABLE_AFTER",
        default_value = "5d",
        global = true
    )]
    pub webhook_disable_after: String,
    /// Let webhooks reach loopback addresses (127.0.0.1, ::1), for tests and
    /// local development; private and link-local ones stay refused.
    #[arg(long, env = "FOLIO_WEBHOOK_ALLOW_LOOPBACK", global = true)]
    pub webhook_allow_loopback: bool,
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
    /// How often payment reminders due on the tenants' schedules are
    /// recorded and e-mailed (a number and `s`, `m`, `h` or `d`), or `off`
    /// where a scheduled `folio reminders run` does it instead.
    #[arg(long, env = "FOLIO_DUNNING_INTERVAL", default_value = "15m")]
    pub dunning_interval: String,
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
