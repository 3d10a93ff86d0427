//! Who is calling: a bearer JWT, verified against one configured key
//! ([`TokenKeys`]) or an OpenID provider's published keys ([`OidcVerifier`]),
//! becomes a [`Caller`], whom the tenant's directory then admits or refuses
//! ([`crate::admission`]). Every edge (GraphQL over HTTP and WebSocket, MCP
//! over HTTP and stdio) asks the same [`Authenticator`].

mod claims;
mod keys;
mod oidc;

use std::sync::Arc;

use folio_commands::Caller;

pub use claims::{ClaimMapping, ClaimPath, RoleNames};
pub use keys::{Claims, Minter, TokenKeys};
pub use oidc::{OidcSettings, OidcVerifier};

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization: Bearer` header.
    #[error("a bearer token is required (Authorization: Bearer <jwt>)")]
    Missing,
    /// The token has expired.
    #[error("the token has expired; get a new one")]
    Expired,
    /// Signature, algorithm or claims are wrong.
    #[error("the token is not valid: {0}")]
    Invalid(String),
    /// The OpenID provider's keys cannot be fetched, so the token cannot be
    /// checked; not the caller's fault, and a retry may succeed.
    #[error("the identity provider cannot be reached to check the token: {0}")]
    ProviderUnavailable(String),
}

/// Checks bearer tokens, however the deployment is configured; cheap to clone.
#[derive(Debug, Clone)]
pub enum Authenticator {
    /// One configured key: an HS256 secret or an RS256 public key.
    Keys(Arc<TokenKeys>),
    /// An OpenID provider, its keys fetched and refreshed from its JWKS.
    Oidc(Arc<OidcVerifier>),
}

impl From<TokenKeys> for Authenticator {
    fn from(keys: TokenKeys) -> Self {
        Authenticator::Keys(Arc::new(keys))
    }
}

impl From<OidcVerifier> for Authenticator {
    fn from(verifier: OidcVerifier) -> Self {
        Authenticator::Oidc(Arc::new(verifier))
    }
}

impl Authenticator {
    /// Verifies `token` and returns the caller it names.
    pub async fn verify(&self, token: &str) -> Result<Caller, AuthError> {
        match self {
            Authenticator::Keys(keys) => keys.verify(token),
            Authenticator::Oidc(verifier) => verifier.verify(token).await,
        }
    }

    /// The caller named by an `Authorization` header value (`Bearer <jwt>`).
    pub async fn verify_header(&self, header: Option<&str>) -> Result<Caller, AuthError> {
        let token = header
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::Missing)?;
        self.verify(token).await
    }
}
