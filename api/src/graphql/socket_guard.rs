//! Every operation on a GraphQL socket admitted as an HTTP request is, as a
//! schema extension: the socket's token verified again (so an expired one is
//! refused), the caller checked against the directory (so a deactivated user is
//! refused and role changes apply), the tenant's rate limit charged, the
//! database's outage guard and the request timeout applied. Requests over HTTP
//! carry no [`SocketSession`] and pass untouched: their route does the same.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextPrepareRequest,
};
use async_graphql::{Pos, Request, Response, ServerResult};
use folio_domain::ErrorCode;

use super::request_data;
use crate::admission::admit;
use crate::auth::Authenticator;
use crate::error::{coded, limit, ApiError};
use crate::protection::RateLimits;
use crate::request::{Limits, Services};

/// What admits a socket and each of its operations.
#[derive(Clone)]
pub struct SocketAdmission {
    /// The application layer and the read models' pool.
    pub services: Services,
    /// Verifies the socket's bearer token.
    pub authenticator: Authenticator,
    /// The request timeout and the other limits.
    pub limits: Limits,
    /// The tenant's rate limit, charged per operation.
    pub rate_limits: RateLimits,
}

impl std::fmt::Debug for SocketAdmission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketAdmission")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A socket admitted with `authorization`, kept in the connection's data.
#[derive(Clone)]
pub struct SocketSession {
    /// What checks each operation.
    pub admission: SocketAdmission,
    /// The `Authorization` value the socket was opened with.
    pub authorization: String,
}

/// Admits every operation of a socket again (see the module's documentation).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SocketGuard;

impl ExtensionFactory for SocketGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SocketGuard)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for SocketGuard {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if let Some(session) = ctx.data_opt::<SocketSession>() {
            let admission = &session.admission;
            if let Err(outage) = admission.services.health.require_reachable() {
                return Err(refused(coded(ErrorCode::Unavailable, outage.to_string())));
            }
            let principal = admit(
                &admission.authenticator,
                &admission.services.use_cases,
                &admission.rate_limits,
                Some(&session.authorization),
            )
            .await
            .map_err(|refusal| refused(refusal.into_api_error()))?;
            // The operation runs as the caller the directory says now.
            request.data = request_data(principal, &admission.services, admission.limits);
        }
        next.run(ctx, request).await
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let Some(session) = ctx.data_opt::<SocketSession>() else {
            return next.run(ctx, operation_name).await;
        };
        let limits = session.admission.limits;
        match tokio::time::timeout(limits.request_timeout, next.run(ctx, operation_name)).await {
            Ok(response) => response,
            Err(_) => Response::from_errors(vec![refused(limit(format!(
                "the operation took longer than {} s and was stopped; a mutation may still have been applied: retry it with the same idempotencyKey",
                limits.request_timeout.as_secs()
            )))]),
        }
    }
}

/// A refusal as GraphQL reports it, with its code.
fn refused(error: ApiError) -> async_graphql::ServerError {
    async_graphql::Error::from(error).into_server_error(Pos::default())
}

impl std::fmt::Debug for SocketSession {
    /// The token is a secret: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketSession")
            .field("admission", &self.admission)
            .finish_non_exhaustive()
    }
}
