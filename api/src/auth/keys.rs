//! Tokens checked against one configured key: HS256 with a shared secret (which
//! also mints, for `folio token`, the demo and tests) or RS256 with a PEM public
//! key. Such tokens carry Folio's own claims: `sub`, `tenant` and `roles`.

use chrono::Utc;
use folio_commands::{Caller, Role};
use folio_domain::ids::{TenantId, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AuthError;

/// The claims Folio reads from a token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user.
    pub sub: String,
    /// The tenant the token is for.
    pub tenant: Uuid,
    /// Roles in that tenant.
    pub roles: Vec<Role>,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Issued at.
    pub iat: i64,
}

/// How tokens are verified (and, with a secret, minted).
#[derive(Clone)]
pub struct TokenKeys {
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    algorithm: Algorithm,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    /// HS256 with a shared secret (at least 32 bytes): verifies and mints.
    pub fn hs256(secret: &[u8]) -> Result<Self, AuthError> {
        if secret.len() < 32 {
            return Err(AuthError::Invalid(
                "the HS256 secret must have at least 32 bytes".into(),
            ));
        }
        let invalid = |e: jsonwebtoken::errors::Error| AuthError::Invalid(e.to_string());
        Ok(TokenKeys {
            decoding: DecodingKey::from_secret(secret).map_err(invalid)?,
            encoding: Some(EncodingKey::from_secret(secret).map_err(invalid)?),
            algorithm: Algorithm::HS256,
        })
    }

    /// RS256 with a PEM public key: verifies only (the identity provider mints).
    pub fn rs256(public_key_pem: &[u8]) -> Result<Self, AuthError> {
        Ok(TokenKeys {
            decoding: DecodingKey::from_rsa_pem(public_key_pem)
                .map_err(|e| AuthError::Invalid(e.to_string()))?,
            encoding: None,
            algorithm: Algorithm::RS256,
        })
    }

    /// Verifies `token` and returns the caller.
    pub fn verify(&self, token: &str) -> Result<Caller, AuthError> {
        let mut validation = Validation::new(self.algorithm);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = 5;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map_err(
            |e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => AuthError::Expired,
                _ => AuthError::Invalid(e.to_string()),
            },
        )?;
        let claims = data.claims;
        if claims.sub.trim().is_empty() || claims.roles.is_empty() {
            return Err(AuthError::Invalid(
                "the token needs a subject and at least one role".into(),
            ));
        }
        Ok(Caller::new(
            TenantId(claims.tenant),
            UserId::new(claims.sub),
            claims.roles,
        ))
    }

    /// Mints a token valid for `ttl` (HS256 keys only).
    pub fn mint(
        &self,
        tenant: TenantId,
        subject: &str,
        roles: &[Role],
        ttl: chrono::Duration,
    ) -> Result<String, AuthError> {
        let Some(encoding) = &self.encoding else {
            return Err(AuthError::Invalid(
                "tokens can only be minted with an HS256 secret".into(),
            ));
        };
        let now = Utc::now();
        let claims = Claims {
            sub: subject.to_owned(),
            tenant: tenant.0,
            roles: roles.to_vec(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
        };
        jsonwebtoken::encode(&Header::new(self.algorithm), &claims, encoding)
            .map_err(|e| AuthError::Invalid(e.to_string()))
    }
}
