//! Who may call, as every edge (GraphQL over HTTP and WebSocket, MCP over HTTP
//! and stdio) decides it: the bearer token verified by the [`Authenticator`],
//! then the caller it names checked against the tenant's directory by the
//! application layer, which refuses a deactivated user at once and supplies the
//! roles.

use folio_commands::{Caller, UseCases};

use crate::auth::Authenticator;
use crate::error::{authentication, identification, ApiError};

/// The caller behind an `Authorization` header value, or why they are refused.
pub async fn admit(
    authenticator: &Authenticator,
    use_cases: &UseCases,
    header: Option<&str>,
) -> Result<Caller, ApiError> {
    let claimed = authenticator
        .from_header(header)
        .await
        .map_err(|e| authentication(&e))?;
    admit_caller(use_cases, claimed).await
}

/// [`admit`] for a caller whose token was verified already (a stdio session).
pub async fn admit_caller(use_cases: &UseCases, claimed: Caller) -> Result<Caller, ApiError> {
    use_cases.identify(claimed).await.map_err(identification)
}
