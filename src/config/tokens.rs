//! Where bearer tokens' keys come from, and the authenticator and minting keys
//! built from them: an HS256 secret, an RS256 public key with its issuer and
//! audiences, an OpenID provider, or the published development secret.

use std::path::PathBuf;

use folio_api::auth::{ClaimMapping, Minter, OidcSettings, OidcVerifier};
use folio_api::{Authenticator, TokenKeys};
use secrecy::{ExposeSecret, SecretString};
use url::{Host, Url};

use super::{Config, ConfigError, Settings, DEVELOPMENT_SECRET};

/// Where bearer tokens' keys come from.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// An HS256 secret from the configuration.
    Secret(SecretString),
    /// An RS256 public key in a PEM file, and who mints the tokens it verifies.
    PublicKeyFile(PathBuf, Minter),
    /// An OpenID provider's published keys.
    Oidc(OidcSettings),
    /// Nothing configured, in development mode: the published development
    /// secret (with a warning; loopback only).
    Development,
    /// Nothing configured and not in development mode: no tokens can be checked.
    Missing,
}

impl Settings {
    /// Who mints the tokens an RS256 public key verifies: both settings are
    /// required, or a token minted for another application would pass.
    pub(super) fn minter(&self) -> Result<Minter, ConfigError> {
        let missing = |setting| {
            ConfigError::Required {
            setting,
            because: "FOLIO_JWT_PUBLIC_KEY is set: without it a token the identity provider minted for another application would be accepted",
        }
        };
        let issuer = self
            .jwt_issuer
            .as_deref()
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .ok_or(missing("--jwt-issuer / FOLIO_JWT_ISSUER"))?;
        let audiences: Vec<String> = self
            .jwt_audience
            .iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect();
        if audiences.is_empty() {
            return Err(missing("--jwt-audience / FOLIO_JWT_AUDIENCE"));
        }
        Ok(Minter {
            issuer: issuer.to_owned(),
            audiences,
        })
    }

    /// The OpenID provider settings around `issuer`.
    pub(super) fn oidc(&self, issuer: &str) -> Result<OidcSettings, ConfigError> {
        let problem = |setting, problem: String| ConfigError::Oidc { setting, problem };
        let audiences: Vec<String> = self
            .oidc_audience
            .iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect();
        if audiences.is_empty() {
            return Err(problem(
                "--oidc-audience / FOLIO_OIDC_AUDIENCE",
                "name the audience Folio's tokens are minted for; without it a token the provider \
                 minted for any other application would be accepted"
                    .into(),
            ));
        }
        let url =
            checked_issuer(issuer).map_err(|e| problem("--oidc-issuer / FOLIO_OIDC_ISSUER", e))?;
        let algorithms = self
            .oidc_algorithms
            .iter()
            .map(|name| {
                OidcSettings::algorithm(name)
                    .map_err(|e| problem("--oidc-algorithms / FOLIO_OIDC_ALGORITHMS", e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mapping = ClaimMapping {
            tenant: self
                .oidc_tenant_claim
                .parse()
                .map_err(|e| problem("--oidc-tenant-claim / FOLIO_OIDC_TENANT_CLAIM", e))?,
            roles: self
                .oidc_roles_claim
                .parse()
                .map_err(|e| problem("--oidc-roles-claim / FOLIO_OIDC_ROLES_CLAIM", e))?,
            role_names: self
                .oidc_role_map
                .as_deref()
                .ok_or_else(|| {
                    "say what the provider's role names mean: `provider-role=folio-role,...`, \
                     or `identity` if they are Folio's own (admin, accountant, ...)"
                        .to_owned()
                })
                .and_then(str::parse)
                .map_err(|e| problem("--oidc-role-map / FOLIO_OIDC_ROLE_MAP", e))?,
        };
        Ok(OidcSettings {
            algorithms,
            mapping,
            ..OidcSettings::new(url, audiences)
        })
    }
}

/// An issuer must be an absolute http(s) URL; `https` unless the provider is on
/// this machine (development and tests).
fn checked_issuer(issuer: &str) -> Result<String, String> {
    let issuer = issuer.trim();
    let url = Url::parse(issuer).map_err(|e| format!("{issuer} is not an http(s) URL: {e}"))?;
    let loopback = match url.host() {
        None => return Err(format!("{issuer} names no host")),
        Some(Host::Domain(name)) => name == "localhost",
        Some(Host::Ipv4(address)) => address.is_loopback(),
        Some(Host::Ipv6(address)) => address.is_loopback(),
    };
    match url.scheme() {
        "https" => Ok(issuer.to_owned()),
        "http" if loopback => Ok(issuer.to_owned()),
        "http" => Err(format!(
            "{issuer} is not https: tokens and keys would cross the network unprotected"
        )),
        _ => Err(format!("{issuer} is not an http(s) URL")),
    }
}

impl Config {
    /// The keys `folio token` and the demo mint with: the HS256 secret, else the
    /// development secret (an RS256 key cannot mint: the identity provider does).
    pub fn minting_keys(&self) -> Result<TokenKeys, ConfigError> {
        let invalid = |e: &dyn std::fmt::Display| ConfigError::TokenKey(e.to_string());
        match &self.tokens {
            TokenSource::PublicKeyFile(..) | TokenSource::Oidc(_) => Err(ConfigError::TokenKey(
                "tokens can only be minted with FOLIO_JWT_SECRET; with FOLIO_JWT_PUBLIC_KEY or FOLIO_OIDC_ISSUER your identity provider mints them".into(),
            )),
            TokenSource::Secret(secret) => {
                TokenKeys::hs256(secret.expose_secret().as_bytes()).map_err(|e| invalid(&e))
            }
            TokenSource::Development => {
                tracing::warn!("development mode: tokens use the public development secret");
                TokenKeys::hs256(DEVELOPMENT_SECRET.as_bytes()).map_err(|e| invalid(&e))
            }
            TokenSource::Missing => Err(ConfigError::NoTokenKey),
        }
    }

    /// What checks bearer tokens: the OpenID provider, else the configured key
    /// (an RS256 public key or an HS256 secret), else the development secret.
    pub fn authenticator(&self) -> Result<Authenticator, ConfigError> {
        match &self.tokens {
            TokenSource::Oidc(settings) => OidcVerifier::new(settings.clone())
                .map(Authenticator::from)
                .map_err(|e| ConfigError::TokenKey(e.to_string())),
            TokenSource::PublicKeyFile(path, minter) => {
                let pem = std::fs::read(path).map_err(|e| {
                    ConfigError::TokenKey(format!("cannot read {}: {e}", path.display()))
                })?;
                TokenKeys::rs256(&pem, minter.clone())
                    .map(Authenticator::from)
                    .map_err(|e| ConfigError::TokenKey(e.to_string()))
            }
            _ => self.minting_keys().map(Authenticator::from),
        }
    }

    /// Refuses to serve `address` (where a server listens) with the published
    /// development secret unless it is loopback: anyone who read the README
    /// could mint an admin token for any tenant.
    pub fn require_safe_listener(&self, address: std::net::SocketAddr) -> Result<(), ConfigError> {
        if matches!(self.tokens, TokenSource::Development) && !address.ip().is_loopback() {
            return Err(ConfigError::DevelopmentSecretOffLoopback(address));
        }
        Ok(())
    }
}
