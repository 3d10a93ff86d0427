//! What every edge does with one caller's request, whichever protocol carried it
//! (a GraphQL resolver, an MCP tool): check a read right, wait for a write the
//! caller made, open a tenant-confined read, cut a page, build a command's
//! context and report its outcome. GraphQL and MCP share these so that a rule
//! (a page bound, a token's wait, who sees which expenses) has one place.

use std::sync::Arc;
use std::time::Duration;

use folio_commands::archive_reads::ArchiveReads;
use folio_commands::branding::Branding;
use folio_commands::consistency::{ProjectorName, ReadModelProgress};
use folio_commands::health::DatabaseHealth;
use folio_commands::history::AuditTrail;
use folio_commands::{
    Action, Caller, CommandContext, CommandError, CommandOutcome, ExpenseVisibility, UseCases,
    MAX_IDEMPOTENCY_KEY_LEN,
};
use folio_domain::Coded;
use folio_projections::expenses::queries::ExpenseScope;
use folio_projections::reading::Page;
use sqlx::{PgPool, Postgres, Transaction};

use crate::error::{coded, forbidden, limit, unavailable, validation, ApiError};

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
    /// The pool the read models are queried on.
    pub pool: PgPool,
    /// Whether the database answers now: requests are refused at once while it
    /// does not, instead of waiting on the pool.
    pub health: DatabaseHealth,
    /// Where reads wait for consistency tokens (one watcher per process answers
    /// them).
    pub read_progress: ReadModelProgress,
}

/// The projectors whose tables a read with `action`'s right takes rows from: a
/// consistency token waits for these only. The directory's is always among
/// them, as every read takes the tenant's timezone from it.
pub fn projectors_read_with(action: Action) -> &'static [ProjectorName] {
    use folio_projections::{directory, expenses, invoicing};
    match action {
        Action::ReadInvoicing => &[invoicing::NAME, directory::NAME],
        Action::ReadAllExpenses | Action::ReadOwnExpenses => &[expenses::NAME, directory::NAME],
        Action::ReadReports => &[invoicing::NAME, expenses::NAME, directory::NAME],
        Action::ReadDirectory => &[directory::NAME],
        // The event store itself: every committed write is in it.
        Action::ReadHistory => &[],
        // A read not named above waits for every projector.
        _ => &[invoicing::NAME, expenses::NAME, directory::NAME],
    }
}

/// Page size when a list request does not name one.
pub const DEFAULT_PAGE_SIZE: i64 = 20;

/// One request's caller and the services it calls.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// Who asks; every read and write is confined to their tenant.
    pub caller: Caller,
    /// The application layer every write goes through.
    pub use_cases: Arc<UseCases>,
    /// The auditors' use cases (history, event log, past states).
    pub audit_trail: AuditTrail,
    /// The pool the read models are queried on.
    pub pool: PgPool,
    /// The limits this request runs within.
    pub limits: Limits,
    /// Where a read waits for its consistency token.
    pub read_progress: ReadModelProgress,
    /// Where each document's archive stands, and its download links.
    pub archive: ArchiveReads,
    /// The tenant's logo.
    pub branding: Branding,
}

impl RequestContext {
    /// The context of `caller`'s request over `services`.
    pub fn new(caller: Caller, services: &Services, limits: Limits) -> Self {
        RequestContext {
            caller,
            use_cases: services.use_cases.clone(),
            audit_trail: services.audit_trail.clone(),
            pool: services.pool.clone(),
            limits,
            read_progress: services.read_progress.clone(),
            archive: services.archive.clone(),
            branding: services.branding.clone(),
        }
    }

    /// A read transaction confined to the caller's tenant.
    pub async fn reader(&self) -> Result<Transaction<'static, Postgres>, ApiError> {
        folio_projections::reading::tenant_reader(&self.pool, self.caller.tenant_id)
            .await
            .map_err(|e| unavailable(&e))
    }

    /// Refuses unless the caller's roles allow `action` (reads; the use cases check
    /// writes themselves).
    pub fn require(&self, action: Action) -> Result<(), ApiError> {
        self.caller.require(action).map_err(forbidden)
    }

    /// Refuses unless the caller may `action`, then waits for `token`: the rights
    /// first, so a refused caller learns nothing, not even by waiting.
    pub async fn ready_to_read(&self, action: Action, token: Option<&str>) -> Result<(), ApiError> {
        self.require(action)?;
        self.await_token(token, projectors_read_with(action)).await
    }

    /// Which expenses the caller may read: the tenant's, or only their own
    /// (refused if neither).
    pub fn expense_scope(&self) -> Result<ExpenseScope, ApiError> {
        Ok(match self.caller.expense_visibility().map_err(forbidden)? {
            ExpenseVisibility::All => ExpenseScope::Tenant,
            ExpenseVisibility::OwnOnly(user) => ExpenseScope::Employee(user.0),
        })
    }

    /// Waits until `projectors` (the ones whose tables the read takes rows from)
    /// include the write named by `token` (a `consistencyToken` a write
    /// returned), at most the configured wait.
    pub async fn await_token(
        &self,
        token: Option<&str>,
        projectors: &[ProjectorName],
    ) -> Result<(), ApiError> {
        let Some(token) = token else { return Ok(()) };
        let position: i64 = token
            .parse()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| validation(format!("'{token}' is not a consistency token")))?;
        // A token ahead of every committed write was never returned by one:
        // refused at once instead of waiting for nothing.
        let head = folio_projections::checkpoint::feed_head(&self.pool)
            .await
            .map_err(|e| unavailable(&e))?;
        if position > head {
            return Err(validation(format!(
                "'{token}' is ahead of every recorded write: not a consistency token a mutation returned"
            )));
        }
        self.read_progress
            .wait(position, projectors, self.limits.consistency_wait)
            .await
            .map_err(|e| coded(e.code(), e.to_string()))
    }

    /// The page that `first` (a page size, [`DEFAULT_PAGE_SIZE`] if not given)
    /// and `after` (the cursor of the last item read) ask for, within the limits.
    pub fn page(&self, first: Option<i32>, after: Option<&str>) -> Result<Page, ApiError> {
        let first = first.map_or(DEFAULT_PAGE_SIZE, i64::from);
        if first < 0 {
            return Err(validation("first cannot be negative"));
        }
        if first > self.limits.max_page_size as i64 {
            return Err(limit(format!(
                "first is {first}; pages hold at most {} items",
                self.limits.max_page_size
            )));
        }
        let offset = match after {
            None => 0,
            Some(cursor) => cursor
                .parse::<i64>()
                .ok()
                .filter(|o| *o >= 0)
                .and_then(|o| o.checked_add(1))
                .ok_or_else(|| validation(format!("'{cursor}' is not a cursor from this list")))?,
        };
        Ok(Page {
            offset,
            limit: first,
        })
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
pub fn settle<E>(
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

/// The cursor of the item at `offset` in a list (what `after` takes back).
pub fn cursor(offset: i64) -> String {
    offset.to_string()
}
