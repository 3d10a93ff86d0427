//! The per-tenant GraphQL complexity budget, as a schema extension: once a query
//! is validated its complexity is known, and it is charged to the caller's
//! tenant before anything is resolved. A query the budget cannot cover now is
//! refused with `LIMIT` (and `retryAfter`, in seconds), having read nothing; so
//! one tenant's dashboards of huge queries cannot take the server from the
//! others, whatever their request rate.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{ErrorExtensionValues, ServerError, ValidationResult};
use folio_domain::ErrorCode;

use crate::protection::RateLimits;
use crate::request::RequestContext;

/// Charges each query's complexity to its tenant's budget in `RateLimits`.
#[derive(Debug, Clone)]
pub(crate) struct ComplexityBudget(pub(crate) RateLimits);

impl ExtensionFactory for ComplexityBudget {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Charge(self.0.clone()))
    }
}

struct Charge(RateLimits);

#[async_graphql::async_trait::async_trait]
impl Extension for Charge {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let Some(request) = ctx.data_opt::<RequestContext>() else {
            return Ok(result);
        };
        match self
            .0
            .charge_complexity(request.caller.tenant_id, result.complexity)
        {
            Ok(()) => Ok(result),
            Err(refusal) => {
                let mut error = ServerError::new(refusal.message(), None);
                let mut extensions = ErrorExtensionValues::default();
                extensions.set("code", ErrorCode::Limit.as_str());
                extensions.set("retryAfter", refusal.retry_after_seconds);
                error.extensions = Some(extensions);
                Err(vec![error])
            }
        }
    }
}
