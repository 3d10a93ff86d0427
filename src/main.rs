//! `folio`: the command line of Folio. It parses flags, reads configuration and wires
//! the crates together; everything else lives in the workspace's libraries.

mod audit;
mod demo;
mod events;
mod gdpr;
mod kafka;
mod projections;
mod serve;

use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::EnvFilter;

/// Default database when neither `--database-url` nor `DATABASE_URL` is given.
const DEFAULT_DATABASE_URL: &str = "postgres://root@127.0.0.1:5432/folio";

#[derive(Debug, Parser)]
#[command(
    name = "folio",
    version,
    about = "Event-sourced invoicing and expense management"
)]
struct Cli {
    /// Postgres connection URL; the database is created if missing.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    database_url: String,
    /// HS256 secret (32+ bytes) that signs and verifies bearer tokens. Without it
    /// (and without --jwt-public-key) a published development secret is used.
    #[arg(long, env = "FOLIO_JWT_SECRET", global = true, hide_env_values = true)]
    jwt_secret: Option<String>,
    /// PEM file of an RS256 public key: tokens are verified with it (and minted by
    /// your identity provider, not by `folio token`).
    #[arg(long, env = "FOLIO_JWT_PUBLIC_KEY", global = true)]
    jwt_public_key: Option<std::path::PathBuf>,
    /// Master key (64 hex characters, kept outside the database) that wraps the
    /// per-customer keys sealing personal data. Without it they are stored as is.
    #[arg(
        long,
        env = "FOLIO_PERSONAL_DATA_MASTER_KEY",
        global = true,
        hide_env_values = true
    )]
    personal_data_master_key: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the database if needed and apply every migration.
    Migrate,
    /// Create a demo tenant with customers, invoices in every state, payments and
    /// expenses, all through real commands, and print a summary.
    Demo,
    /// Print stored events: one aggregate's history, or the latest N.
    Events {
        /// Only this aggregate's history.
        #[arg(long)]
        aggregate_id: Option<String>,
        /// Only this tenant's events.
        #[arg(long)]
        tenant: Option<uuid::Uuid>,
        /// How many of the latest events.
        #[arg(long, default_value_t = 20)]
        limit: i64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Serve the GraphQL API and keep the read models up to date until
    /// interrupted: from the feed (embedded), or through Kafka with KAFKA_BROKERS.
    Serve {
        /// Address to listen on (port 0 picks a free port; the address is printed).
        #[arg(long, env = "FOLIO_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Longest a request may run, in milliseconds.
        #[arg(long, env = "FOLIO_REQUEST_TIMEOUT_MS", default_value_t = 15_000)]
        request_timeout_ms: u64,
        /// Longest a query waits for its consistency token, in milliseconds.
        #[arg(long, env = "FOLIO_CONSISTENCY_WAIT_MS", default_value_t = 5_000)]
        consistency_wait_ms: u64,
        #[command(flatten)]
        kafka: kafka::KafkaArgs,
    },
    /// Copy every event of the store to Kafka, in order, until interrupted (needs
    /// KAFKA_BROKERS). A second relay waits as a hot standby.
    Relay {
        #[command(flatten)]
        kafka: kafka::KafkaArgs,
    },
    /// Run the projectors fed from Kafka until interrupted (needs KAFKA_BROKERS);
    /// instances share the partitions of each projector's consumer group.
    Project {
        #[command(flatten)]
        kafka: kafka::KafkaArgs,
    },
    /// Mint a bearer token with the configured HS256 secret (for development).
    Token {
        /// Tenant id.
        #[arg(long)]
        tenant: uuid::Uuid,
        /// Role (repeat for several): admin, accountant, approver, employee, auditor.
        #[arg(long = "role", required = true)]
        roles: Vec<folio_commands::Role>,
        /// The user (subject).
        #[arg(long)]
        subject: String,
        /// Hours until it expires.
        #[arg(long, default_value_t = 12)]
        ttl_hours: i64,
    },
    /// For auditors: the digest to keep, verification of every hash chain, and
    /// sealed exports.
    Audit {
        #[command(subcommand)]
        action: audit::AuditAction,
    },
    /// Personal data: erase a data subject's for good (GDPR art. 17).
    Gdpr {
        #[command(subcommand)]
        action: gdpr::GdprAction,
    },
    /// Inspect, rebuild or run the projectors that fill the read models.
    Projections {
        #[command(subcommand)]
        action: ProjectionsAction,
    },
}

/// What `folio projections` does.
#[derive(Debug, Subcommand)]
enum ProjectionsAction {
    /// Each projector's checkpoint and lag (events and seconds behind).
    Status {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Replay the whole event store into new tables and swap them in atomically;
    /// the old tables keep serving until the swap.
    Rebuild {
        /// The projector to rebuild.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        name: Option<String>,
        /// Rebuild every projector.
        #[arg(long)]
        all: bool,
    },
    /// Install the projectors if needed, then apply new events as they commit
    /// (until interrupted), or only what is there now with --until-caught-up.
    Run {
        /// Stop once everything committed so far is applied.
        #[arg(long)]
        until_caught_up: bool,
    },
}

/// How `folio events` prints.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// An aligned table for people.
    Table,
    /// One JSON object per line for tools.
    Jsonl,
}

fn init_telemetry() {
    let filter = EnvFilter::try_from_env("FOLIO_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    init_telemetry();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // One line a person can act on; the cause chain is logged at debug level.
            tracing::debug!(error = ?error, "command failed");
            eprintln!("folio: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(master) = &cli.personal_data_master_key {
        let id = folio_infra::personal_data::use_master_key(master)?;
        tracing::info!(master_key = %id, "personal-data keys are wrapped by a master key");
    }
    match cli.command {
        Command::Migrate => {
            folio::wiring::App::start(&cli.database_url).await?;
            eprintln!("folio: database migrated");
            Ok(())
        }
        Command::Demo => {
            let keys = serve::token_keys(cli.jwt_secret.as_deref(), None)?;
            let backend = folio::wiring::App::start(&cli.database_url).await?;
            demo::run(&backend, &keys).await
        }
        Command::Serve {
            listen,
            request_timeout_ms,
            consistency_wait_ms,
            kafka,
        } => {
            let keys = serve::token_keys(cli.jwt_secret.as_deref(), cli.jwt_public_key.as_deref())?;
            let limits = folio_api::Limits {
                request_timeout: std::time::Duration::from_millis(request_timeout_ms),
                consistency_wait: std::time::Duration::from_millis(consistency_wait_ms),
                ..folio_api::Limits::default()
            };
            serve::run(&cli.database_url, &listen, keys, limits, kafka.config()).await
        }
        Command::Relay { kafka } => kafka::relay(&cli.database_url, &kafka).await,
        Command::Project { kafka } => kafka::project(&cli.database_url, &kafka).await,
        Command::Token {
            tenant,
            roles,
            subject,
            ttl_hours,
        } => {
            let keys = serve::token_keys(cli.jwt_secret.as_deref(), None)?;
            let token = keys.mint(
                folio_domain::ids::TenantId(tenant),
                &subject,
                &roles,
                chrono::Duration::hours(ttl_hours),
            )?;
            serve::print_line(&token);
            Ok(())
        }
        Command::Events {
            aggregate_id,
            tenant,
            limit,
            format,
        } => {
            let backend = folio::wiring::App::start(&cli.database_url).await?;
            events::print(
                &backend.pool,
                aggregate_id.as_deref(),
                tenant,
                limit,
                format,
            )
            .await
        }
        Command::Audit { action } => audit::run(&cli.database_url, action).await,
        Command::Gdpr { action } => {
            let backend = folio::wiring::App::start(&cli.database_url).await?;
            gdpr::run(&backend, action).await
        }
        Command::Projections { action } => {
            let backend = folio::wiring::App::start(&cli.database_url).await?;
            projections::run(backend.projections(), action).await
        }
    }
}
