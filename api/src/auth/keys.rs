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
    /// The identity provider's name for the user (`sub`): their user id in Folio.
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
    /// Who must have issued a token, and for whom, when someone else mints them
    /// (an RS256 key); `None` for Folio's own secret.
    minted_by: Option<Minter>,
}

/// The identity provider that mints the tokens an RS256 key verifies: a token
/// must name it in `iss` and one of `audiences` in `aud`, or a token it minted
/// for another application would be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minter {
    /// The issuer, exactly as in `iss`.
    pub issuer: String,
    /// The audiences Folio's tokens name in `aud` (at least one).
    pub audiences: Vec<String>,
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
            minted_by: None,
        })
    }

    /// RS256 with a PEM public key: verifies only the tokens `minter` issued for
    /// Folio (it mints them, not Folio).
    pub fn rs256(public_key_pem: &[u8], minter: Minter) -> Result<Self, AuthError> {
        if minter.issuer.trim().is_empty() || minter.audiences.is_empty() {
            return Err(AuthError::Invalid(
                "an RS256 key needs the issuer and at least one audience its tokens name".into(),
            ));
        }
        Ok(TokenKeys {
            decoding: DecodingKey::from_rsa_pem(public_key_pem)
                .map_err(|e| AuthError::Invalid(e.to_string()))?,
            encoding: None,
            algorithm: Algorithm::RS256,
            minted_by: Some(minter),
        })
    }

    /// Verifies `token` and returns the caller.
    pub fn verify(&self, token: &str) -> Result<Caller, AuthError> {
        use jsonwebtoken::errors::ErrorKind;
        let mut validation = Validation::new(self.algorithm);
        validation.set_required_spec_claims(&["exp", "sub"]);
        if let Some(minter) = &self.minted_by {
            validation.set_issuer(&[&minter.issuer]);
            validation.set_audience(&minter.audiences);
            validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        }
        validation.leeway = 5;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map_err(
            |e| match e.kind() {
                ErrorKind::ExpiredSignature => AuthError::Expired,
                ErrorKind::InvalidAudience => {
                    AuthError::Invalid("the token is meant for another audience (`aud`)".into())
                }
                ErrorKind::InvalidIssuer => {
                    AuthError::Invalid("the token is from another issuer (`iss`)".into())
                }
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
