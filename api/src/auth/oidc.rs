//! Tokens from an OpenID provider: its discovery document names the JWKS, whose
//! keys are cached by key id and fetched again when a token names a key the
//! cache does not have (the provider rotated), at most once per
//! [`OidcSettings::min_refresh`] so a flood of forged key ids cannot make Folio
//! hammer the provider. Issuer, audience, expiry and not-before are checked, and
//! only the configured algorithms are accepted: `alg: none` never, and never a
//! symmetric algorithm with a key the provider published for an asymmetric one.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use folio_commands::Caller;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::{Mutex, RwLock};

use super::claims::ClaimMapping;
use super::AuthError;

/// What an operator configures for an OpenID provider.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// The issuer URL, exactly as the provider writes it in `iss` (its discovery
    /// document is at `{issuer}/.well-known/openid-configuration`).
    pub issuer: String,
    /// The audiences Folio answers to; a token must name one of them in `aud`,
    /// so a token minted for another application of the same provider is refused.
    pub audiences: Vec<String>,
    /// The signing algorithms accepted (RS256 unless configured).
    pub algorithms: Vec<Algorithm>,
    /// Where the tenant and roles are in the provider's tokens.
    pub mapping: ClaimMapping,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
    /// The shortest time between two fetches of the provider's keys.
    pub min_refresh: Duration,
    /// The longest one fetch of the keys (discovery document and JWKS
    /// together) may take; requests that need new keys wait for it at most
    /// this long.
    pub fetch_deadline: Duration,
}

impl OidcSettings {
    /// The signing algorithm called `name` (`RS256`, `ES256`, ...), if a
    /// provider's published keys can verify it: symmetric ones (`HS256`) cannot.
    pub fn algorithm(name: &str) -> Result<Algorithm, String> {
        let algorithm: Algorithm = name
            .trim()
            .parse()
            .map_err(|_| format!("unknown signing algorithm {name}"))?;
        if matches!(
            algorithm,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        ) {
            return Err(format!(
                "{name} is symmetric: a provider's published keys verify only asymmetric signatures"
            ));
        }
        Ok(algorithm)
    }

    /// Settings for `issuer` and `audiences` with RS256, the default claim
    /// layout, 30 s of leeway and at most one key fetch every 10 s, of 5 s at
    /// most.
    pub fn new(issuer: impl Into<String>, audiences: Vec<String>) -> Self {
        OidcSettings {
            issuer: issuer.into(),
            audiences,
            algorithms: vec![Algorithm::RS256],
            mapping: ClaimMapping::default(),
            leeway: Duration::from_secs(30),
            min_refresh: Duration::from_secs(10),
            fetch_deadline: Duration::from_secs(5),
        }
    }
}

/// One verification key the provider published.
struct PublishedKey {
    key: DecodingKey,
    /// The algorithm the JWK is restricted to, when it says.
    algorithm: Option<Algorithm>,
}

/// The provider's keys as last fetched.
#[derive(Default)]
struct KeyCache {
    by_id: HashMap<String, Arc<PublishedKey>>,
}

/// Verifies tokens of one OpenID provider; cheap to share (`Arc`).
pub struct OidcVerifier {
    settings: OidcSettings,
    http: reqwest::Client,
    keys: RwLock<KeyCache>,
    /// The last fetch of the keys (or try); held while fetching, so concurrent
    /// requests with a new key id wait for one fetch (bounded by
    /// [`OidcSettings::fetch_deadline`]) and share its outcome.
    last_fetch: Mutex<Option<LastFetch>>,
}

/// When the keys were last fetched, and why that failed if it did.
struct LastFetch {
    at: Instant,
    failure: Option<String>,
}

impl std::fmt::Debug for OidcVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcVerifier")
            .field("issuer", &self.settings.issuer)
            .field("audiences", &self.settings.audiences)
            .finish_non_exhaustive()
    }
}

/// The part of the discovery document Folio reads.
#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

impl OidcVerifier {
    /// A verifier that fetches the provider's keys when it first needs them.
    pub fn new(settings: OidcSettings) -> Result<Self, AuthError> {
        if settings.audiences.is_empty() {
            return Err(AuthError::Invalid(
                "an OpenID provider needs at least one audience".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(settings.fetch_deadline)
            .build()
            .map_err(|e| AuthError::ProviderUnavailable(e.to_string()))?;
        Ok(OidcVerifier {
            settings,
            http,
            keys: RwLock::new(KeyCache::default()),
            last_fetch: Mutex::new(None),
        })
    }

    /// The issuer every token must name in `iss` (the provider's URL).
    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }

    /// Verifies `token` and maps its claims to the caller.
    pub async fn verify(&self, token: &str) -> Result<Caller, AuthError> {
        // An unknown `alg` (`none` among them) fails to parse here.
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| AuthError::Invalid(format!("unreadable token header: {e}")))?;
        if !self.settings.algorithms.contains(&header.alg) {
            return Err(AuthError::Invalid(format!(
                "tokens signed with {:?} are not accepted",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| AuthError::Invalid("the token names no signing key (`kid`)".into()))?;
        let published = self.key(&kid).await?;
        if published.algorithm.is_some_and(|alg| alg != header.alg) {
            return Err(AuthError::Invalid(format!(
                "the token's signing key (`kid`) is not for {:?}",
                header.alg
            )));
        }
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&self.settings.audiences);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = self.settings.leeway.as_secs();
        let data = jsonwebtoken::decode::<Value>(token, &published.key, &validation).map_err(
            |e| match e.kind() {
                ErrorKind::ExpiredSignature => AuthError::Expired,
                ErrorKind::ImmatureSignature => {
                    AuthError::Invalid("the token is not valid yet (`nbf`)".into())
                }
                ErrorKind::InvalidAudience => {
                    AuthError::Invalid("the token is meant for another audience (`aud`)".into())
                }
                ErrorKind::InvalidIssuer => {
                    AuthError::Invalid("the token is from another issuer (`iss`)".into())
                }
                _ => AuthError::Invalid(e.to_string()),
            },
        )?;
        self.settings.mapping.caller(&data.claims)
    }

    /// The published key `kid`, fetching the provider's keys again if it is new.
    /// A refusal does not repeat `kid`: it is the caller's text, of any length.
    async fn key(&self, kid: &str) -> Result<Arc<PublishedKey>, AuthError> {
        if let Some(key) = self.keys.read().await.by_id.get(kid) {
            return Ok(key.clone());
        }
        self.refresh().await?;
        self.keys
            .read()
            .await
            .by_id
            .get(kid)
            .cloned()
            .ok_or_else(|| {
                AuthError::Invalid(
                    "the provider has no signing key with the token's key id (`kid`)".into(),
                )
            })
    }

    /// Fetches the discovery document and the JWKS, unless that was done (or
    /// tried) less than `min_refresh` ago: then it answers as that fetch did, so
    /// every request that needed it fails alike while the provider is away.
    /// Call it at start to learn early that the provider is unreachable or
    /// misconfigured.
    pub async fn refresh(&self) -> Result<(), AuthError> {
        let mut last_fetch = self.last_fetch.lock().await;
        if let Some(last) = last_fetch
            .as_ref()
            .filter(|last| last.at.elapsed() < self.settings.min_refresh)
        {
            return last.failure.clone().map_or(Ok(()), |failure| {
                Err(AuthError::ProviderUnavailable(failure))
            });
        }
        let deadline = self.settings.fetch_deadline;
        let fetched = match tokio::time::timeout(deadline, self.fetch()).await {
            Ok(fetched) => fetched,
            Err(_) => Err(AuthError::ProviderUnavailable(format!(
                "its keys could not be fetched within {} ms",
                deadline.as_millis()
            ))),
        };
        let failure = match &fetched {
            Ok(_) => None,
            Err(AuthError::ProviderUnavailable(why)) => Some(why.clone()),
            Err(other) => Some(other.to_string()),
        };
        *last_fetch = Some(LastFetch {
            at: Instant::now(),
            failure: failure.clone(),
        });
        match fetched {
            Ok(cache) => {
                tracing::info!(
                    issuer = %self.settings.issuer,
                    keys = cache.by_id.len(),
                    "fetched the OpenID provider's signing keys"
                );
                *self.keys.write().await = cache;
                Ok(())
            }
            Err(error) => {
                tracing::warn!(issuer = %self.settings.issuer, %error, "cannot fetch the OpenID provider's keys");
                Err(error)
            }
        }
    }

    async fn fetch(&self) -> Result<KeyCache, AuthError> {
        let unavailable = |e: reqwest::Error| AuthError::ProviderUnavailable(e.to_string());
        let issuer = self.settings.issuer.trim_end_matches('/');
        let discovery: Discovery = self
            .http
            .get(format!("{issuer}/.well-known/openid-configuration"))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(unavailable)?
            .json()
            .await
            .map_err(unavailable)?;
        // OpenID Connect Discovery 1.0, 4.3: the document must name the issuer
        // it was fetched for, or its keys are not that issuer's.
        if discovery.issuer != self.settings.issuer {
            return Err(AuthError::ProviderUnavailable(format!(
                "the discovery document names issuer {} instead of {}",
                discovery.issuer, self.settings.issuer
            )));
        }
        let set: JwkSet = self
            .http
            .get(&discovery.jwks_uri)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(unavailable)?
            .json()
            .await
            .map_err(unavailable)?;
        let mut cache = KeyCache::default();
        for jwk in &set.keys {
            let signing = !matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption));
            // A symmetric key has no business in a JWKS; never verify with one.
            let symmetric = matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_));
            let (Some(kid), true, false) = (&jwk.common.key_id, signing, symmetric) else {
                continue;
            };
            let Ok(key) = DecodingKey::from_jwk(jwk) else {
                tracing::warn!(kid, "skipping a published key Folio cannot read");
                continue;
            };
            let algorithm = jwk
                .common
                .key_algorithm
                .and_then(|alg| alg.to_string().parse::<Algorithm>().ok());
            cache
                .by_id
                .insert(kid.clone(), Arc::new(PublishedKey { key, algorithm }));
        }
        Ok(cache)
    }
}
