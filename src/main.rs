//! `folio`: the command line of Folio. It parses flags, reads configuration and wires
//! the crates together; everything else lives in the workspace's libraries.

mod audit;
mod bi;
mod demo;
mod demo_mexico;
mod documents;
mod events;
mod gdpr;
mod kafka;
mod mcp;
mod pac_simulator;
mod projections;
mod reminders;
mod serve;
mod tenant;

use clap::{Parser, Subcommand, ValueEnum};
use folio::config::{KafkaSettings, ServeSettings, Settings};
use folio::wiring::App;
use secrecy::ExposeSecret;

#[derive(Debug, Parser)]
#[command(
    name = "folio",
    version,
    about = "Event-sourced invoicing and expense management"
)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
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
        #[command(flatten)]
        serve: ServeSettings,
        #[command(flatten)]
        kafka: KafkaSettings,
    },
    /// Copy every event of the store to Kafka, in order, until interrupted (needs
    /// KAFKA_BROKERS). A second relay waits as a hot standby.
    Relay {
        #[command(flatten)]
        kafka: KafkaSettings,
        /// Serve this process's metrics at http://ADDR/metrics (Prometheus).
        #[arg(long, env = "FOLIO_METRICS_LISTEN")]
        metrics_listen: Option<String>,
    },
    /// Run the projectors fed from Kafka until interrupted (needs KAFKA_BROKERS);
    /// instances share the partitions of each projector's consumer group.
    Project {
        #[command(flatten)]
        kafka: KafkaSettings,
        /// Serve this process's metrics at http://ADDR/metrics (Prometheus).
        #[arg(long, env = "FOLIO_METRICS_LISTEN")]
        metrics_listen: Option<String>,
    },
    /// Serve the MCP tools on stdin/stdout for a desktop assistant, as the caller
    /// named by a bearer token (refused at start without a valid one).
    Mcp {
        /// The bearer token every tool call is made with (a JWT, as for GraphQL).
        #[arg(long, env = "FOLIO_MCP_TOKEN", hide_env_values = true)]
        token: Option<String>,
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
    /// The documents of issued invoices and credit notes: render them (PDF,
    /// Factur-X, UBL, CII) or export the files archived at issue time.
    Documents {
        #[command(subcommand)]
        action: documents::DocumentsAction,
    },
    /// Login roles for BI tools, each confined to one tenant's read models.
    Bi {
        #[command(subcommand)]
        action: bi::BiAction,
    },
    /// Create a tenant with its directory (an operator's act).
    Tenant {
        #[command(subcommand)]
        action: tenant::TenantAction,
    },
    /// Payment reminders on the tenants' schedules (dunning).
    Reminders {
        #[command(subcommand)]
        action: reminders::RemindersAction,
    },
    /// Serve a local PAC for tests and the demo: SW Sapien's REST stamping
    /// API, checking each CFDI with SAT's schema and XSLT, its seal and
    /// certificate, and stamping it with a test certificate (not SAT's).
    PacSimulator(pac_simulator::PacSimulatorArgs),
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

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let _telemetry = folio::telemetry::init(&cli.settings.log, cli.settings.log_format);
    folio::telemetry::install_metrics();
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
    let config = cli.settings.validate()?;
    if let Some(id) = config.key_wrapping.master_key_id() {
        tracing::info!(master_key = %id, "personal-data keys are wrapped by a master key");
    }
    match cli.command {
        Command::Migrate => {
            App::start(&config).await?;
            eprintln!("folio: database migrated");
            Ok(())
        }
        Command::Demo => {
            let keys = config.minting_keys()?;
            let app = App::start(&config).await?;
            let database_url = folio::config::psql_url(config.database.url.expose_secret())?;
            demo::run(&app, &keys, &database_url).await
        }
        Command::Serve { serve, kafka } => {
            let authenticator = config.authenticator()?;
            let limits = serve.limits()?;
            let protection = serve.protection(cli.settings.dev)?;
            serve::run(
                &config,
                (&serve.listen, serve.metrics_listen.as_deref()),
                authenticator,
                (limits, protection),
                (kafka.config()?, serve.dunning_interval()?),
            )
            .await
        }
        Command::Mcp { token } => mcp::run(&config, token).await,
        Command::Relay {
            kafka,
            metrics_listen,
        } => kafka::relay(&config, &kafka, metrics_listen.as_deref()).await,
        Command::Project {
            kafka,
            metrics_listen,
        } => kafka::project(&config, &kafka, metrics_listen.as_deref()).await,
        Command::Token {
            tenant,
            roles,
            subject,
            ttl_hours,
        } => {
            let token = config.minting_keys()?.mint(
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
            let app = App::start(&config).await?;
            events::print(&app.pool, aggregate_id.as_deref(), tenant, limit, format).await
        }
        Command::Audit { action } => audit::run(&config, action).await,
        Command::Reminders { action } => {
            let app = App::start(&config).await?;
            reminders::run(&app, action).await
        }
        Command::Gdpr { action } => {
            let app = App::start(&config).await?;
            gdpr::run(&app, action).await
        }
        Command::Tenant { action } => {
            let app = App::start(&config).await?;
            tenant::run(&app, action).await
        }
        Command::Bi { action } => {
            let app = App::start(&config).await?;
            bi::run(&app, action).await
        }
        Command::Documents { action } => {
            let app = App::start(&config).await?;
            documents::run(&app, action).await
        }
        Command::Projections { action } => {
            let app = App::start(&config).await?;
            projections::run(app.projections(), action).await
        }
        // A PAC of its own: no database of Folio's.
        Command::PacSimulator(args) => pac_simulator::run(args).await,
    }
}
