//! The reads: every list, item and report an edge serves, each checked the
//! same way whichever edge asks. A read checks the caller's right first (a
//! refused caller learns nothing, not even by waiting), then the input (page,
//! filter, period), then waits for the caller's consistency token, and only
//! then queries the read model in a transaction confined to the caller's
//! tenant. GraphQL and MCP call these and only map types, so a rule (a page
//! bound, a currency's spelling, who sees which expenses) has one place.
//!
//! [`ReadModels`] is the process's (the pool and the progress reads wait on);
//! [`Reads`] is one caller's, with the limits of the edge they came through.
//! One file per area: `invoicing` (customers, invoices, credit notes,
//! payments and what belongs to them), `expenses`, `directory`, `reports`,
//! `sat` (SAT's catalogues, compiled in: no database).

mod directory;
mod expenses;
mod invoicing;
mod reports;
mod sat;
mod webhooks;

use std::time::Duration;

use folio_domain::{Coded, ErrorCode};
use folio_projections::checkpoint;
use folio_projections::reading::{tenant_reader, InvalidReportFilter, Page};
use sqlx::{PgPool, Postgres, Transaction};

use crate::access::{Action, Caller, Forbidden};
use crate::consistency::{ConsistencyWaitError, ProjectorName, ReadModelProgress};

pub use invoicing::{ChildRows, InvoiceDetail};
pub use sat::SatCode;

/// The read models of this process: where they are queried, and the progress
/// reads wait on for their consistency tokens. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ReadModels {
    pool: PgPool,
    progress: ReadModelProgress,
}

/// The bounds one edge puts on its reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// Longest a read waits for its consistency token.
    pub consistency_wait: Duration,
    /// Largest page a list gives.
    pub max_page_size: usize,
}

/// One caller's reads: every query is confined to their tenant and checked
/// against their roles.
#[derive(Debug, Clone)]
pub struct Reads {
    models: ReadModels,
    caller: Caller,
    limits: ReadLimits,
}

/// Which page of a list the caller asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Page size; [`DEFAULT_PAGE_SIZE`] if not given.
    pub first: Option<i32>,
    /// The [`cursor`] of the last item already read.
    pub after: Option<String>,
}

/// Page size when a list request does not name one.
pub const DEFAULT_PAGE_SIZE: i64 = 20;

/// The cursor of the item at `offset` in a list: what [`PageRequest::after`]
/// takes back.
pub fn cursor(offset: i64) -> String {
    offset.to_string()
}

/// Why a read gives nothing.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The caller's roles do not allow the read.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// The input (a page, a filter, a token) is malformed.
    #[error("{0}")]
    Invalid(String),
    /// The page asked for is larger than the edge allows.
    #[error("first is {asked}; pages hold at most {most} items")]
    PageTooLarge {
        /// The page size asked for.
        asked: i64,
        /// The largest allowed.
        most: usize,
    },
    /// The read models did not reach the caller's write in time, or too many
    /// reads wait already.
    #[error(transparent)]
    NotReady(#[from] ConsistencyWaitError),
    /// The database did not answer.
    #[error("the read models are unavailable; retry shortly")]
    Unavailable(#[source] sqlx::Error),
}

impl Coded for ReadError {
    fn code(&self) -> ErrorCode {
        match self {
            ReadError::Forbidden(_) => ErrorCode::Forbidden,
            ReadError::Invalid(_) => ErrorCode::Validation,
            ReadError::PageTooLarge { .. } => ErrorCode::Limit,
            ReadError::NotReady(wait) => wait.code(),
            ReadError::Unavailable(_) => ErrorCode::Unavailable,
        }
    }
}

impl From<sqlx::Error> for ReadError {
    fn from(error: sqlx::Error) -> Self {
        ReadError::Unavailable(error)
    }
}

impl From<InvalidReportFilter> for ReadError {
    fn from(error: InvalidReportFilter) -> Self {
        ReadError::Invalid(error.to_string())
    }
}

/// The projectors whose tables a read with `action`'s right takes rows from: a
/// consistency token waits for these only. The directory's is always among
/// them, as every read takes the tenant's timezone from it.
pub fn projectors_read_with(action: Action) -> &'static [ProjectorName] {
    use folio_projections::reactors::{expense_mail, mail, webhooks};
    use folio_projections::{directory, expenses, invoicing};
    match action {
        // The e-mail reactors too: an invoice's and an expense's notifications
        // are read with them.
        Action::ReadInvoicing => &[invoicing::NAME, directory::NAME, mail::NAME],
        Action::ReadAllExpenses | Action::ReadOwnExpenses => {
            &[expenses::NAME, directory::NAME, expense_mail::NAME]
        }
        Action::ReadDirectory => &[directory::NAME],
        // The webhook endpoints, which the webhook reactor files.
        Action::ConfigureTenant => &[directory::NAME, webhooks::NAME],
        // The event store itself: every committed write is in it.
        Action::ReadHistory => &[],
        // Reports, and a read not named above, wait for every projector.
        _ => &[invoicing::NAME, expenses::NAME, directory::NAME],
    }
}

impl ReadModels {
    /// The read models queried on `pool`, their progress tracked by `progress`
    /// (answered by one watcher per process).
    pub fn new(pool: PgPool, progress: ReadModelProgress) -> Self {
        ReadModels { pool, progress }
    }

    /// The progress reads wait on.
    pub fn progress(&self) -> &ReadModelProgress {
        &self.progress
    }

    /// `caller`'s reads within `limits`.
    pub fn of(&self, caller: Caller, limits: ReadLimits) -> Reads {
        Reads {
            models: self.clone(),
            caller,
            limits,
        }
    }
}

impl Reads {
    /// Who reads.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// Waits until `projectors` (those whose tables the read takes rows from)
    /// include the write named by `token` (a `consistencyToken` a write
    /// returned), at most the edge's wait.
    pub async fn await_token(
        &self,
        token: Option<&str>,
        projectors: &[ProjectorName],
    ) -> Result<(), ReadError> {
        let Some(token) = token else { return Ok(()) };
        let position: i64 =
            token.parse().ok().filter(|p| *p > 0).ok_or_else(|| {
                ReadError::Invalid(format!("'{token}' is not a consistency token"))
            })?;
        // A token ahead of every committed write was never returned by one:
        // refused at once instead of waiting for nothing.
        if position > checkpoint::feed_head(&self.models.pool).await? {
            return Err(ReadError::Invalid(format!(
                "'{token}' is ahead of every recorded write: not a consistency token a mutation returned"
            )));
        }
        let wait = self.limits.consistency_wait;
        Ok(self
            .models
            .progress
            .wait(position, projectors, wait)
            .await?)
    }

    /// The page `request` asks for, within the edge's bound.
    pub fn page(&self, request: &PageRequest) -> Result<Page, ReadError> {
        let first = request.first.map_or(DEFAULT_PAGE_SIZE, i64::from);
        if first < 0 {
            return Err(ReadError::Invalid("first cannot be negative".into()));
        }
        if first > self.limits.max_page_size as i64 {
            return Err(ReadError::PageTooLarge {
                asked: first,
                most: self.limits.max_page_size,
            });
        }
        let offset = match request.after.as_deref() {
            None => 0,
            Some(cursor) => cursor
                .parse::<i64>()
                .ok()
                .filter(|o| *o >= 0)
                .and_then(|o| o.checked_add(1))
                .ok_or_else(|| {
                    ReadError::Invalid(format!("'{cursor}' is not a cursor from this list"))
                })?,
        };
        Ok(Page {
            offset,
            limit: first,
        })
    }

    /// A transaction confined to the caller's tenant, once the read models
    /// show `token` in the tables `action` reads (the caller's right to
    /// `action` was checked before).
    async fn open(
        &self,
        action: Action,
        token: Option<&str>,
    ) -> Result<Transaction<'static, Postgres>, ReadError> {
        self.await_token(token, projectors_read_with(action))
            .await?;
        self.tenant().await
    }

    /// A transaction confined to the caller's tenant, without waiting.
    async fn tenant(&self) -> Result<Transaction<'static, Postgres>, ReadError> {
        Ok(tenant_reader(&self.models.pool, self.caller.tenant_id).await?)
    }
}
