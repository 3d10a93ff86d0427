//! What webhooks need from the outside world: where endpoint secrets are
//! kept (apart from the events), and an HTTP client that posts deliveries
//! and refuses to reach into private networks.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use folio_domain::ids::{TenantId, WebhookEndpointId};

use crate::notifications::OutboxError;

/// The secret store did not answer.
#[derive(Debug, thiserror::Error)]
#[error("the webhook secret store is unavailable")]
pub struct SecretsError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// The secrets of webhook endpoints, one per endpoint and version.
#[async_trait]
pub trait WebhookSecrets: Send + Sync + 'static {
    /// Keeps `secret` as `version` of `endpoint` unless one is kept already;
    /// returns the one kept (so a retried registration shows the same secret).
    async fn keep(
        &self,
        tenant: TenantId,
        endpoint: WebhookEndpointId,
        version: u32,
        secret: &str,
    ) -> Result<String, SecretsError>;
    /// The secret `version` of `endpoint`, if one is kept.
    async fn secret(
        &self,
        endpoint: WebhookEndpointId,
        version: u32,
    ) -> Result<Option<String>, SecretsError>;
}

/// What an endpoint answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostResponse {
    /// The HTTP status.
    pub status: u16,
    /// The start of its body, for the delivery log.
    pub excerpt: String,
}

/// Why a delivery did not reach an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostFailure {
    /// No answer in time, no connection, no name: it may pass.
    #[error("the endpoint could not be reached: {0}")]
    Unreachable(String),
    /// The endpoint is in a network Folio does not post to (private,
    /// loopback, link-local), or its URL is not one Folio can post to.
    #[error("the endpoint is refused: {0}")]
    Refused(String),
}

/// Posts deliveries over HTTP.
#[async_trait]
pub trait WebhookPoster: Send + Sync + 'static {
    /// Posts `body` with `headers` to `url`, following no redirect.
    async fn post(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        body: Vec<u8>,
    ) -> Result<PostResponse, PostFailure>;
    /// The longest one post takes before it gives up.
    fn timeout(&self) -> Duration;
}

/// How an endpoint's deliveries went, as the outbox's attempt log tells.
#[async_trait]
pub trait EndpointHealth: Send + Sync + 'static {
    /// When the first failed attempt since the endpoint's last success (or
    /// ever, if it never had one) finished; `None` if none failed since.
    async fn failing_since(
        &self,
        tenant: TenantId,
        endpoint: WebhookEndpointId,
    ) -> Result<Option<DateTime<Utc>>, OutboxError>;
}
