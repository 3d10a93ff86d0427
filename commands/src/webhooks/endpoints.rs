//! Registering an endpoint and rotating its secret: the use cases' commands,
//! plus the secret, which is made here, kept by [`WebhookSecrets`] and shown
//! to the admin once, in the answer.

use std::sync::Arc;

use folio_domain::ids::WebhookEndpointId;
use folio_domain::webhook::WebhookError;
use ring::rand::SystemRandom;

use super::ports::{SecretsError, WebhookSecrets};
use super::signature::new_secret;
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::use_cases::{RegisterWebhookEndpoint, UseCases};

/// A command's outcome and the endpoint's secret now in force.
#[derive(Debug, Clone)]
pub struct WithSecret {
    /// The command's outcome.
    pub outcome: CommandOutcome,
    /// The endpoint.
    pub endpoint_id: WebhookEndpointId,
    /// The secret, `whsec_...`: shown this once.
    pub secret: String,
}

/// Registers endpoints and rotates their secrets.
#[derive(Clone)]
pub struct WebhookEndpoints {
    use_cases: Arc<UseCases>,
    secrets: Arc<dyn WebhookSecrets>,
    random: SystemRandom,
}

impl std::fmt::Debug for WebhookEndpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookEndpoints")
    }
}

fn unavailable(error: SecretsError) -> CommandError<WebhookError> {
    CommandError::Unavailable(Box::new(error))
}

impl WebhookEndpoints {
    /// The endpoint commands of `use_cases`, with secrets kept by `secrets`.
    pub fn new(use_cases: Arc<UseCases>, secrets: Arc<dyn WebhookSecrets>) -> Self {
        WebhookEndpoints {
            use_cases,
            secrets,
            random: SystemRandom::new(),
        }
    }

    /// Registers an endpoint with its first secret. A retried request
    /// answers the same secret.
    pub async fn register(
        &self,
        ctx: &CommandContext,
        input: RegisterWebhookEndpoint,
    ) -> Result<WithSecret, CommandError<WebhookError>> {
        let outcome = self.use_cases.register_webhook_endpoint(ctx, input).await?;
        self.with_secret(ctx, outcome).await
    }

    /// Starts a new secret for an endpoint; the previous one keeps signing
    /// for a day, so its receiver can switch.
    pub async fn rotate(
        &self,
        ctx: &CommandContext,
        endpoint_id: WebhookEndpointId,
    ) -> Result<WithSecret, CommandError<WebhookError>> {
        let outcome = self
            .use_cases
            .rotate_webhook_secret(ctx, endpoint_id)
            .await?;
        self.with_secret(ctx, outcome).await
    }

    /// Keeps a secret for the version the command left in force (the one
    /// kept already, if any) and answers it with the outcome.
    async fn with_secret(
        &self,
        ctx: &CommandContext,
        outcome: CommandOutcome,
    ) -> Result<WithSecret, CommandError<WebhookError>> {
        let endpoint_id: WebhookEndpointId = outcome
            .aggregate_id
            .parse()
            .map_err(|e: uuid::Error| CommandError::Internal(Box::new(e)))?;
        let endpoint = self
            .use_cases
            .webhook_endpoint(ctx.tenant_id(), endpoint_id)
            .await?;
        let fresh = new_secret(&self.random)
            .ok_or_else(|| CommandError::Internal("the system's random source failed".into()))?;
        let secret = self
            .secrets
            .keep(
                ctx.tenant_id(),
                endpoint_id,
                endpoint.secret_version,
                &fresh,
            )
            .await
            .map_err(unavailable)?;
        Ok(WithSecret {
            outcome,
            endpoint_id,
            secret,
        })
    }
}
