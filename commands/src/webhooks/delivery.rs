//! One webhook delivery: the event the outbox row names, read from the store
//! as it reads today (personal data opened, or erased), posted to the
//! endpoint as a Standard Webhooks message, signed with each secret in force.
//!
//! The body is `{"type", "timestamp", "data"}`: `type` the webhook type
//! (`invoice.issued`), `timestamp` when the event was recorded, `data` the
//! record it is about and the event itself. The headers are `webhook-id`
//! (the outbox message's id, the same on every attempt), `webhook-timestamp`
//! (this attempt's, Unix seconds) and `webhook-signature`.
//!
//! An endpoint whose every delivery failed for a while (5 days unless
//! configured) is disabled by Folio itself (`automatic`); the webhook reactor
//! then e-mails the tenant's admins.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use folio_domain::ids::{UserId, WebhookEndpointId};
use folio_domain::webhook::{EndpointStatus, WebhookEndpoint};
use folio_domain::ErrorCode;
use serde_json::{json, Value};

use super::ports::{EndpointHealth, PostFailure, WebhookPoster, WebhookSecrets};
use super::signature::{secret_bytes, signatures};
use crate::access::{Caller, Role};
use crate::context::CommandContext;
use crate::history::EventHistory;
use crate::notifications::compose_error::ComposeError;
use crate::notifications::DueMessage;
use crate::ports::Clock;
use crate::use_cases::UseCases;

/// Why a delivery did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// What it is about could not be read, or nobody is to receive it.
    #[error(transparent)]
    Compose(#[from] ComposeError),
    /// The endpoint answered, but not with a 2xx.
    #[error("the endpoint answered {status}{}", excerpt(.body))]
    Answered {
        /// The HTTP status.
        status: u16,
        /// The start of its body.
        body: String,
    },
    /// The endpoint was not reached, or is refused.
    #[error(transparent)]
    Post(#[from] PostFailure),
}

fn excerpt(body: &str) -> String {
    if body.is_empty() {
        String::new()
    } else {
        format!(": {body}")
    }
}

impl DeliveryError {
    /// The stable code of the failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            DeliveryError::Compose(e) => e.code(),
            DeliveryError::Answered { .. } | DeliveryError::Post(PostFailure::Unreachable(_)) => {
                ErrorCode::Unavailable
            }
            DeliveryError::Post(PostFailure::Refused(_)) => ErrorCode::Validation,
        }
    }

    /// Whether trying again later may work: any answer but a 2xx, and any
    /// endpoint out of reach, may pass; a refused one will not.
    pub fn is_transient(&self) -> bool {
        self.code() == ErrorCode::Unavailable
    }
}

/// The actor Folio disables failing endpoints as.
const WEBHOOKS: &str = "system:webhooks";

/// The ports a delivery reads and posts through.
#[derive(Clone)]
pub struct DeliveryPorts {
    /// The endpoints' state, and the command that disables one.
    pub use_cases: Arc<UseCases>,
    /// The events delivered.
    pub history: Arc<dyn EventHistory>,
    /// The endpoints' secrets.
    pub secrets: Arc<dyn WebhookSecrets>,
    /// The HTTP client.
    pub poster: Arc<dyn WebhookPoster>,
    /// How an endpoint's deliveries went.
    pub health: Arc<dyn EndpointHealth>,
    /// The time.
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for DeliveryPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeliveryPorts")
    }
}

/// Posts webhook deliveries.
#[derive(Clone)]
pub struct WebhookDelivery {
    use_cases: Arc<UseCases>,
    history: Arc<dyn EventHistory>,
    secrets: Arc<dyn WebhookSecrets>,
    poster: Arc<dyn WebhookPoster>,
    health: Arc<dyn EndpointHealth>,
    clock: Arc<dyn Clock>,
    disable_after: Duration,
}

impl std::fmt::Debug for WebhookDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookDelivery")
    }
}

/// A duration as the disabling reason writes it: `5 days`, `2 hours`, `30 s`.
fn written(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        s if s >= 86_400 && s % 86_400 == 0 => format!("{} days", s / 86_400),
        s if s >= 3_600 && s % 3_600 == 0 => format!("{} hours", s / 3_600),
        s => format!("{s} s"),
    }
}

/// A read of the store that failed, as a delivery failure.
fn unreadable(reason: impl std::fmt::Display) -> ComposeError {
    ComposeError::Unreadable {
        code: ErrorCode::Unavailable,
        reason: reason.to_string(),
    }
}

impl WebhookDelivery {
    /// Deliveries through `ports`; an endpoint failing for `disable_after`
    /// is disabled.
    pub fn new(ports: DeliveryPorts, disable_after: Duration) -> Self {
        WebhookDelivery {
            use_cases: ports.use_cases,
            history: ports.history,
            secrets: ports.secrets,
            poster: ports.poster,
            health: ports.health,
            clock: ports.clock,
            disable_after,
        }
    }

    /// The longest one post takes.
    pub fn timeout(&self) -> std::time::Duration {
        self.poster.timeout()
    }

    /// Posts `message` once; after a failure, disables its endpoint if every
    /// delivery to it failed for too long.
    pub async fn deliver(&self, message: &DueMessage) -> Result<(), DeliveryError> {
        let endpoint_id: WebhookEndpointId = message.payload_id("endpoint_id")?;
        let result = self.post(message, endpoint_id).await;
        let failed = matches!(
            &result,
            Err(error) if !matches!(error, DeliveryError::Compose(ComposeError::NobodyToWrite(_)))
        );
        if failed {
            self.disable_if_failing(message, endpoint_id).await;
        }
        result
    }

    /// Disables `endpoint`, the one of `message`, if its first failure since
    /// its last success is older than `disable_after`. A failure to find out
    /// or to disable is only logged: the next failure asks again.
    async fn disable_if_failing(&self, message: &DueMessage, endpoint: WebhookEndpointId) {
        let since = match self.health.failing_since(message.tenant_id, endpoint).await {
            Ok(Some(since)) => since,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, %endpoint, "cannot tell how long a webhook endpoint has failed");
                return;
            }
        };
        let limit = chrono::Duration::from_std(self.disable_after).unwrap_or(chrono::Duration::MAX);
        if self.clock.now() - since < limit {
            return;
        }
        let caller = Caller::new(message.tenant_id, UserId::new(WEBHOOKS), vec![Role::Admin]);
        let ctx = CommandContext::new(caller, format!("webhook-auto-disable/{endpoint}/{since}"));
        let reason = format!(
            "every delivery failed for {} (since {})",
            written(self.disable_after),
            since.format("%Y-%m-%d %H:%M UTC")
        );
        match self
            .use_cases
            .disable_webhook_endpoint(&ctx, endpoint, reason, true)
            .await
        {
            Ok(_) => tracing::warn!(%endpoint, "disabled a webhook endpoint that kept failing"),
            Err(error) => {
                tracing::warn!(%error, %endpoint, "cannot disable a failing webhook endpoint")
            }
        }
    }

    /// Posts `message` to `endpoint_id` once.
    async fn post(
        &self,
        message: &DueMessage,
        endpoint_id: WebhookEndpointId,
    ) -> Result<(), DeliveryError> {
        let endpoint = self
            .use_cases
            .webhook_endpoint(message.tenant_id, endpoint_id)
            .await
            .map_err(ComposeError::unloadable)?;
        match endpoint.status {
            EndpointStatus::Enabled => {}
            EndpointStatus::Disabled => Err(ComposeError::NobodyToWrite(
                "the endpoint is disabled".into(),
            ))?,
            EndpointStatus::Unknown | EndpointStatus::Deleted => Err(ComposeError::NobodyToWrite(
                "the endpoint was deleted".into(),
            ))?,
        }
        let body = serde_json::to_vec(&self.body(message).await?).map_err(|e| unreadable(&e))?;
        let now = self.clock.now();
        let keys = self.signing_keys(endpoint_id, &endpoint, now).await?;
        let id = message.message_id.to_string();
        let headers = [
            ("content-type", "application/json".to_owned()),
            ("webhook-id", id.clone()),
            ("webhook-timestamp", now.timestamp().to_string()),
            (
                "webhook-signature",
                signatures(&keys, &id, now.timestamp(), &body),
            ),
        ];
        let answer = self.poster.post(&endpoint.url, &headers, body).await?;
        if (200..300).contains(&answer.status) {
            return Ok(());
        }
        Err(DeliveryError::Answered {
            status: answer.status,
            body: answer.excerpt,
        })
    }

    /// The message's body: the event as the store reads it today.
    async fn body(&self, message: &DueMessage) -> Result<Value, ComposeError> {
        let (aggregate_type, aggregate_id, sequence) = &message.cause;
        let event = self
            .history
            .event(message.tenant_id, aggregate_type, aggregate_id, *sequence)
            .await
            .map_err(unreadable)?
            .ok_or_else(|| {
                ComposeError::Malformed(format!("no event {aggregate_id}/{sequence}"))
            })?;
        let payload = event.current_payload.map_err(unreadable)?;
        let fields = payload.get(&event.event_type).cloned().unwrap_or(payload);
        Ok(json!({
            "type": message.kind,
            "timestamp": event.recorded_at,
            "data": {
                "object": aggregate_type.to_lowercase(),
                "id": aggregate_id,
                "sequence": sequence,
                "event_type": event.event_type,
                "event": fields,
            },
        }))
    }

    /// The keys that sign now: the endpoint's secret, and the one before it
    /// while a rotation's overlap lasts.
    async fn signing_keys(
        &self,
        endpoint_id: WebhookEndpointId,
        endpoint: &WebhookEndpoint,
        now: DateTime<Utc>,
    ) -> Result<Vec<Vec<u8>>, ComposeError> {
        let mut versions = vec![endpoint.secret_version];
        if endpoint
            .previous_secret_until
            .is_some_and(|until| now < until)
        {
            versions.push(endpoint.secret_version.saturating_sub(1));
        }
        let mut keys = Vec::new();
        for version in versions.into_iter().filter(|v| *v > 0) {
            let secret = self
                .secrets
                .secret(endpoint_id, version)
                .await
                .map_err(unreadable)?
                .ok_or_else(|| unreadable(format!("secret {version} is not kept yet")))?;
            keys.push(
                secret_bytes(&secret).ok_or_else(|| unreadable("a kept secret is malformed"))?,
            );
        }
        Ok(keys)
    }
}
