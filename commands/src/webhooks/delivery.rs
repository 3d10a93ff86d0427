//! One webhook delivery: the event the outbox row names, read from the store
//! as it reads today (personal data opened, or erased), posted to the
//! endpoint as a Standard Webhooks message, signed with each secret in force.
//!
//! The body is `{"type", "timestamp", "data"}`: `type` the webhook type
//! (`invoice.issued`), `timestamp` when the event was recorded, `data` the
//! record it is about and the event itself. The headers are `webhook-id`
//! (the outbox message's id, the same on every attempt), `webhook-timestamp`
//! (this attempt's, Unix seconds) and `webhook-signature`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use folio_domain::ids::WebhookEndpointId;
use folio_domain::webhook::{EndpointStatus, WebhookEndpoint};
use folio_domain::ErrorCode;
use serde_json::{json, Value};

use super::ports::{PostFailure, WebhookPoster, WebhookSecrets};
use super::signature::{secret_bytes, signatures};
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

/// Posts webhook deliveries.
#[derive(Clone)]
pub struct WebhookDelivery {
    use_cases: Arc<UseCases>,
    history: Arc<dyn EventHistory>,
    secrets: Arc<dyn WebhookSecrets>,
    poster: Arc<dyn WebhookPoster>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for WebhookDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookDelivery")
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
    /// Deliveries of events read through `history`, to endpoints read
    /// through `use_cases`, signed with `secrets`, posted by `poster`.
    pub fn new(
        use_cases: Arc<UseCases>,
        history: Arc<dyn EventHistory>,
        secrets: Arc<dyn WebhookSecrets>,
        poster: Arc<dyn WebhookPoster>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        WebhookDelivery {
            use_cases,
            history,
            secrets,
            poster,
            clock,
        }
    }

    /// The longest one post takes.
    pub fn timeout(&self) -> std::time::Duration {
        self.poster.timeout()
    }

    /// Posts `message` once.
    pub async fn deliver(&self, message: &DueMessage) -> Result<(), DeliveryError> {
        let malformed = || ComposeError::Malformed(message.payload.to_string());
        let endpoint_id: WebhookEndpointId = message.payload["endpoint_id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .ok_or_else(malformed)?;
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
