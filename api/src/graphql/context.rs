//! What every resolver of one request shares: the caller, the application layer,
//! the read models' pool and the limits; and the three things resolvers do with
//! them (check a read right, open a tenant-confined read, wait for a write).

use std::sync::Arc;
use std::time::Duration;

use async_graphql::Context;
use folio_commands::history::AuditTrail;
use folio_commands::{Action, Caller, CommandContext, UseCases, MAX_IDEMPOTENCY_KEY_LEN};
use folio_domain::ErrorCode;
use sqlx::{PgPool, Postgres, Transaction};

use crate::error::{coded, forbidden, unavailable, validation};
use crate::graphql::Limits;

/// One request's caller and the services its resolvers call.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// Who asks; every read and write is confined to their tenant.
    pub caller: Caller,
    /// The application layer every mutation goes through.
    pub use_cases: Arc<UseCases>,
    /// The auditors' use cases (history, event log, past states).
    pub audit_trail: AuditTrail,
    /// The pool the read models are queried on.
    pub pool: PgPool,
    /// The limits this request runs within.
    pub limits: Limits,
}

/// The request's context (present in every request the server builds).
pub(crate) fn request<'a>(ctx: &'a Context<'a>) -> async_graphql::Result<&'a RequestContext> {
    ctx.data::<RequestContext>()
}

impl RequestContext {
    /// A read transaction confined to the caller's tenant.
    pub async fn reader(&self) -> async_graphql::Result<Transaction<'static, Postgres>> {
        folio_projections::reading::tenant_reader(&self.pool, self.caller.tenant_id)
            .await
            .map_err(|e| unavailable(&e))
    }

    /// Refuses unless the caller's roles allow `action` (reads; the use cases check
    /// writes themselves).
    pub fn require(&self, action: Action) -> async_graphql::Result<()> {
        self.caller.require(action).map_err(forbidden)
    }

    /// Refuses unless the caller may `action`, then waits for `token`: the rights
    /// first, so a refused caller learns nothing, not even by waiting.
    pub async fn ready_to_read(
        &self,
        action: Action,
        token: Option<&str>,
    ) -> async_graphql::Result<()> {
        self.require(action)?;
        self.await_token(token).await
    }

    /// Waits until the read models include the write named by `token` (a
    /// `consistencyToken` a mutation returned), at most the configured wait.
    pub async fn await_token(&self, token: Option<&str>) -> async_graphql::Result<()> {
        let Some(token) = token else { return Ok(()) };
        let position: i64 = token
            .parse()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| validation(format!("'{token}' is not a consistency token")))?;
        let deadline = tokio::time::Instant::now() + self.limits.consistency_wait;
        loop {
            match folio_projections::checkpoint::covers(&self.pool, position, None).await {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(e) => return Err(unavailable(&e)),
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(coded(
                    ErrorCode::Unavailable,
                    format!(
                        "the read models did not reach your write within {} s; retry with the same token",
                        self.limits.consistency_wait.as_secs()
                    ),
                ));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The command context of a mutation: the caller, the idempotency key and the
    /// expected version, if given.
    pub fn command(
        &self,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<CommandContext> {
        let key = folio_commands::idempotency_key(&idempotency_key).ok_or_else(|| {
            validation(format!(
                "idempotencyKey must have 1 to {MAX_IDEMPOTENCY_KEY_LEN} characters"
            ))
        })?;
        let mut ctx = CommandContext::new(self.caller.clone(), key);
        if let Some(version) = expected_version {
            let version = u64::try_from(version)
                .map_err(|_| validation("expectedVersion cannot be negative"))?;
            ctx = ctx.expecting_version(version);
        }
        Ok(ctx)
    }
}
