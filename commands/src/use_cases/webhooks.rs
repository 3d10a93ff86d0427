//! Webhook endpoints: an admin registers, changes, disables, enables and
//! deletes them, and rotates their secrets (the secrets themselves are kept
//! by [`crate::webhooks::WebhookEndpoints`], never in the events).

use folio_domain::ids::{TenantId, WebhookEndpointId};
use folio_domain::webhook::{WebhookCommand, WebhookEndpoint, WebhookError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{current, derived_id, run, UseCases};
use crate::access::Action;
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::runner::Request;

/// Register a webhook endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RegisterWebhookEndpoint {
    /// Explicit id; derived from the idempotency key when absent.
    pub endpoint_id: Option<WebhookEndpointId>,
    /// Where deliveries are posted.
    pub url: String,
    /// The webhook types it receives; none: every type.
    pub event_types: Vec<String>,
    /// What it is for.
    pub description: Option<String>,
}

/// Change an endpoint; an absent field stays as it is, `clear_description`
/// removes the description.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct UpdateWebhookEndpoint {
    /// The new URL.
    pub url: Option<String>,
    /// The new types (empty: every type).
    pub event_types: Option<Vec<String>>,
    /// The new description.
    pub description: Option<String>,
    /// Remove the description.
    #[serde(default)]
    pub clear_description: bool,
}

impl UseCases {
    /// Registers a webhook endpoint of the caller's tenant.
    pub async fn register_webhook_endpoint(
        &self,
        ctx: &CommandContext,
        input: RegisterWebhookEndpoint,
    ) -> Result<CommandOutcome, CommandError<WebhookError>> {
        ctx.caller.require(Action::ConfigureTenant)?;
        let endpoint_id = input.endpoint_id.unwrap_or(WebhookEndpointId(derived_id(
            ctx.tenant_id(),
            "webhook-endpoint",
            &ctx.idempotency_key,
        )));
        run!(
            self,
            self.stores.webhooks.as_ref(),
            ctx,
            "RegisterWebhookEndpoint",
            endpoint_id,
            &input,
            None,
            |_| WebhookCommand::Register {
                tenant_id: ctx.tenant_id(),
                endpoint_id,
                url: input.url.clone(),
                event_types: input.event_types.clone(),
                description: input.description.clone(),
            }
        )
    }

    /// Changes an endpoint's URL, types or description.
    pub async fn update_webhook_endpoint(
        &self,
        ctx: &CommandContext,
        endpoint_id: WebhookEndpointId,
        input: UpdateWebhookEndpoint,
    ) -> Result<CommandOutcome, CommandError<WebhookError>> {
        self.on_endpoint(ctx, endpoint_id, "UpdateWebhookEndpoint", &input, || {
            WebhookCommand::Update {
                url: input.url.clone(),
                event_types: input.event_types.clone(),
                description: match (&input.description, input.clear_description) {
                    (Some(description), _) => Some(Some(description.clone())),
                    (None, true) => Some(None),
                    (None, false) => None,
                },
            }
        })
        .await
    }

    /// Starts a new secret for an endpoint (the previous one signs for a day
    /// more).
    pub async fn rotate_webhook_secret(
        &self,
        ctx: &CommandContext,
        endpoint_id: WebhookEndpointId,
    ) -> Result<CommandOutcome, CommandError<WebhookError>> {
        let at = self.runner.clock().now();
        self.on_endpoint(ctx, endpoint_id, "RotateWebhookSecret", &(), || {
            WebhookCommand::RotateSecret { at }
        })
        .await
    }

    /// Stops deliveries to an endpoint (`automatic`: Folio does, after days
    /// of failures).
    pub async fn disable_webhook_endpoint(
        &self,
        ctx: &CommandContext,
        endpoint_id: WebhookEndpointId,
        reason: String,
        automatic: bool,
    ) -> Result<CommandOutcome, CommandError<WebhookError>> {
        self.on_endpoint(
            ctx,
            endpoint_id,
            "DisableWebhookEndpoint",
            &(&reason, automatic),
            || WebhookCommand::Disable {
                reason: reason.clone(),
                automatic,
            },
        )
        .await
    }

    /// Resumes deliveries to a disabled endpoint.
    pub async fn enable_webhook_endpoint(
        &self,
        ctx: &CommandContext,
        endpoint_id: WebhookEndpointId,
    ) -> Result<CommandOutcome, CommandError<WebhookError>> {
        self.on_endpoint(ctx, endpoint_id, "EnableWebhookEndpoint", &(), || {
            WebhookCommand::Enable
        })
        .await
    }

    /// Removes an endpoint for good.
    pub async fn delete_webhook_endpoint(
        &self,
        ctx: &CommandContext,
        endpoint_id: WebhookEndpointId,
    ) -> Result<CommandOutcome, CommandError<WebhookError>> {
        self.on_endpoint(ctx, endpoint_id, "DeleteWebhookEndpoint", &(), || {
            WebhookCommand::Delete
        })
        .await
    }

    /// An endpoint of `tenant_id` as the store holds it now (another
    /// tenant's reads as unknown): what a delivery is posted by. A system
    /// read, asked by the sender, not by a user.
    pub async fn webhook_endpoint(
        &self,
        tenant_id: TenantId,
        endpoint_id: WebhookEndpointId,
    ) -> Result<WebhookEndpoint, CommandError<WebhookError>> {
        let endpoint: WebhookEndpoint =
            current(self.stores.webhooks.as_ref(), &endpoint_id.to_string()).await?;
        if endpoint.tenant_id != Some(tenant_id) {
            return Ok(WebhookEndpoint::default());
        }
        Ok(endpoint)
    }

    /// Runs `command` on an endpoint of the caller's tenant, for an admin.
    async fn on_endpoint<I: Serialize + Sync>(
        &self,
        ctx: &CommandContext,
        endpoint_id: WebhookEndpointId,
        name: &'static str,
        input: &I,
        command: impl Fn() -> WebhookCommand + Send + Sync,
    ) -> Result<CommandOutcome, CommandError<WebhookError>> {
        ctx.caller.require(Action::ConfigureTenant)?;
        run!(
            self,
            self.stores.webhooks.as_ref(),
            ctx,
            name,
            endpoint_id,
            &(endpoint_id, input),
            None,
            |_| command()
        )
    }
}
