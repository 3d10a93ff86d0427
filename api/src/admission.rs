//! Who may call, as every edge (GraphQL over HTTP and WebSocket, MCP over HTTP
//! and stdio) decides it: the bearer token verified by the [`Authenticator`],
//! the tenant it names charged against its rate limit (before any database
//! work, so a tenant over its limit costs the database nothing), then the
//! caller checked against the tenant's directory by the application layer,
//! which refuses a deactivated user at once and supplies the roles.

use axum::response::{IntoResponse, Response};
use folio_commands::{Caller, UseCases};

use crate::auth::Authenticator;
use crate::error::{admission_response, authentication, identification, limit, ApiError};
use crate::protection::{RateLimited, RateLimits};

/// Why a request is not admitted.
#[derive(Debug)]
pub enum Refusal {
    /// The token or the directory refuses the caller.
    Caller(ApiError),
    /// The caller's tenant is over its rate limit.
    RateLimited(RateLimited),
}

impl Refusal {
    /// The refusal as a GraphQL or MCP error (`LIMIT` for a rate limit).
    pub fn into_api_error(self) -> ApiError {
        match self {
            Refusal::Caller(error) => error,
            Refusal::RateLimited(limited) => limit(limited.message()),
        }
    }
}

/// An HTTP answer before any protocol runs: 401, 503 or 429, each with the
/// header that tells a client what to do.
impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Caller(error) => admission_response(&error),
            Refusal::RateLimited(limited) => limited.into_response(),
        }
    }
}

/// The caller behind an `Authorization` header value, or why they are refused.
pub async fn admit(
    authenticator: &Authenticator,
    use_cases: &UseCases,
    rate_limits: &RateLimits,
    header: Option<&str>,
) -> Result<Caller, Refusal> {
    let claimed = authenticator
        .verify_header(header)
        .await
        .map_err(|e| Refusal::Caller(authentication(&e)))?;
    rate_limits
        .check_tenant(claimed.tenant_id)
        .map_err(Refusal::RateLimited)?;
    admit_caller(use_cases, claimed)
        .await
        .map_err(Refusal::Caller)
}

/// The directory's check of a caller whose token was verified already (a
/// stdio session, whose one token is checked at start).
pub async fn admit_caller(use_cases: &UseCases, claimed: Caller) -> Result<Caller, ApiError> {
    use_cases.sign_in(claimed).await.map_err(identification)
}
