//! What every edge does with one caller's request, whichever protocol carried it
//! (a GraphQL resolver, an MCP tool): reach the caller's reads (rights, tokens,
//! pages and filters are checked there, in `folio_commands::reads`), build a
//! command's context and report its outcome. GraphQL and MCP share these so
//! that a rule has one place.

use std::sync::Arc;
use std::time::Duration;

use folio_commands::archive_reads::ArchiveReads;
use folio_commands::branding::Branding;
use folio_commands::csd::CsdInstaller;
use folio_commands::health::DatabaseHealth;
use folio_commands::history::AuditTrail;
use folio_commands::notifications::log::NotificationReads;
use folio_commands::reads::{ReadLimits, ReadModels, Reads};
use folio_commands::stamping::StampReads;
use folio_commands::webhooks::WebhookEndpoints;
use folio_commands::{
    Caller, CommandContext, CommandError, CommandOutcome, UseCases, MAX_IDEMPOTENCY_KEY_LEN,
};
use folio_domain::Coded;
use sqlx::PgPool;

use crate::error::{validation, ApiError};

/// Limits a request must stay within.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest selection allowed.
    pub max_depth: usize,
    /// Largest complexity (fields; a connection's by its page size).
    pub max_complexity: usize,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Largest page (`first`), and most ids `nodes` takes at once.
    pub max_page_size: usize,
    /// Longest a request may run.
    pub request_timeout: Duration,
    /// Longest a query waits for the read models to reach a consistency token.
    pub consistency_wait: Duration,
    /// Whether clients may read the schema (`__schema`, `__type`).
    pub introspection: bool,
    /// Most reads that may wait for consistency tokens at once; more are
    /// refused with `UNAVAILABLE` at once.
    pub max_waiting_reads: usize,
}

impl Limits {
    /// The limits unless configured otherwise.
    pub const DEFAULT: Limits = Limits {
        max_depth: 10,
        max_complexity: 2_000,
        max_body_bytes: 256 * 1024,
        max_page_size: 100,
        request_timeout: Duration::from_secs(15),
        consistency_wait: Duration::from_secs(5),
        introspection: true,
        max_waiting_reads: 1_000,
    };
}

impl Limits {
    /// The bounds these limits put on reads.
    pub fn reads(&self) -> ReadLimits {
        ReadLimits {
            consistency_wait: self.consistency_wait,
            max_page_size: self.max_page_size,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// What one request needs besides the caller: the application layer and the
/// read models' pool.
#[derive(Debug, Clone)]
pub struct Services {
    /// The use cases every write calls.
    pub use_cases: Arc<UseCases>,
    /// The auditors' use cases.
    pub audit_trail: AuditTrail,
    /// Where each issued document's archive stands.
    pub archive: ArchiveReads,
    /// The tenant's logo.
    pub branding: Branding,
    /// Where each notification's delivery stands.
    pub notifications: NotificationReads,
    /// Webhook endpoints' registration and secret rotation.
    pub webhooks: WebhookEndpoints,
    /// Installing the tenant's CSD (Mexico).
    pub csd: CsdInstaller,
    /// Where each Mexican invoice's stamping stands (failed attempts).
    pub stamps: StampReads,
    /// The read models every read queries, and the progress reads wait on
    /// (one watcher per process answers them).
    pub reads: ReadModels,
    /// The database's pool (its gauges are exported).
    pub pool: PgPool,
    /// Whether the database answers now: requests are refused at once while it
    /// does not, instead of waiting on the pool.
    pub health: DatabaseHealth,
}

/// One request's caller and the services it calls.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// Who asks; every read and write is confined to their tenant.
    pub caller: Caller,
    /// The application layer every write goes through.
    pub use_cases: Arc<UseCases>,
    /// The auditors' use cases (history, event log, past states).
    pub audit_trail: AuditTrail,
    /// The caller's reads, within this request's limits.
    pub reads: Reads,
    /// The limits this request runs within.
    pub limits: Limits,
    /// Where each document's archive stands, and its download links.
    pub archive: ArchiveReads,
    /// The tenant's logo.
    pub branding: Branding,
    /// Where each notification's delivery stands.
    pub notifications: NotificationReads,
    /// Webhook endpoints' registration and secret rotation.
    pub webhooks: WebhookEndpoints,
    /// Installing the tenant's CSD (Mexico).
    pub csd: CsdInstaller,
}

impl RequestContext {
    /// The context of `caller`'s request over `services`.
    pub fn new(caller: Caller, services: &Services, limits: Limits) -> Self {
        RequestContext {
            reads: services.reads.of(caller.clone(), limits.reads()),
            caller,
            use_cases: services.use_cases.clone(),
            audit_trail: services.audit_trail.clone(),
            limits,
            archive: services.archive.clone(),
            branding: services.branding.clone(),
            notifications: services.notifications.clone(),
            webhooks: services.webhooks.clone(),
            csd: services.csd.clone(),
        }
    }

    /// The command context of a write: the caller, the idempotency key and the
    /// expected version, if given.
    pub fn command(
        &self,
        idempotency_key: &str,
        expected_version: Option<i64>,
    ) -> Result<CommandContext, ApiError> {
        let key = folio_commands::idempotency_key(idempotency_key).ok_or_else(|| {
            validation(format!(
                "idempotencyKey must have 1 to {MAX_IDEMPOTENCY_KEY_LEN} characters"
            ))
        })?;
        let mut ctx = CommandContext::new(self.caller.clone(), key)
            .traced(crate::trace::current_trace_parent());
        if let Some(version) = expected_version {
            let version = u64::try_from(version)
                .map_err(|_| validation("expectedVersion cannot be negative"))?;
            ctx = ctx.expecting_version(version);
        }
        Ok(ctx)
    }
}

/// A use case's result as the caller sees it, counted under `command` (its
/// type, `RecordPayment`, the same whichever edge ran it) by its code.
pub fn command_answer<E>(
    command: &str,
    result: Result<CommandOutcome, CommandError<E>>,
) -> Result<CommandOutcome, ApiError>
where
    E: Coded + std::error::Error,
{
    crate::metrics::command(
        command,
        match &result {
            Ok(_) => "OK",
            Err(error) => error.code().as_str(),
        },
    );
    result.map_err(crate::error::command)
}
