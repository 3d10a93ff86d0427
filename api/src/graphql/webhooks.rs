//! Webhook endpoints (admins): where Folio posts the tenant's events, signed
//! in the Standard Webhooks format. A secret is shown once, when the
//! endpoint is registered or its secret rotated.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use folio_commands::notifications::log::NotificationQuery as Query;
use folio_commands::webhooks::WithSecret;
use folio_commands::{RegisterWebhookEndpoint, UpdateWebhookEndpoint};
use folio_domain::ids::WebhookEndpointId;
use folio_domain::webhook::{all_webhook_types, WebhookError};
use folio_projections::reactors::webhooks::WebhookEndpointRow;

use super::context::request;
use super::ids::uuid_arg;
use super::notifications::{Notification, NotificationStatus};
use super::outcome::{command_type, CommandResult};
use crate::error::{notifications, read};
use crate::request::command_answer;

/// A webhook endpoint of the tenant.
#[derive(Debug, Clone)]
pub struct WebhookEndpoint(WebhookEndpointRow);

/// A webhook endpoint of the tenant.
#[Object]
impl WebhookEndpoint {
    /// Its id, as mutations take it.
    async fn endpoint_id(&self) -> ID {
        ID(self.0.endpoint_id.to_string())
    }
    /// Where deliveries are posted.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The webhook types it receives (`invoice.issued`, ...); empty: every type.
    async fn event_types(&self) -> &[String] {
        &self.0.event_types
    }
    /// What it is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// `ENABLED` or `DISABLED`.
    async fn status(&self) -> &str {
        &self.0.status
    }
    /// Why it is disabled, while it is.
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }
    /// The version of the secret that signs now (1, then one more per
    /// rotation).
    async fn secret_version(&self) -> i32 {
        self.0.secret_version
    }
    /// When it was registered (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Its version: pass it as `expectedVersion`.
    async fn version(&self) -> i64 {
        self.0.version
    }
    /// Its deliveries, newest first: each event posted to it, with its
    /// status, attempts and the last failure.
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only those with this status, e.g. FAILED.")] status: Option<
            NotificationStatus,
        >,
        #[graphql(desc = "Only those queued before this instant.")] before: Option<DateTime<Utc>>,
        #[graphql(desc = "At most this many (1-200).", default = 50)] first: u32,
    ) -> async_graphql::Result<Vec<Notification>> {
        let request = request(ctx)?;
        let query = Query {
            status: status.map(Into::into),
            before,
            limit: first,
            ..Query::default()
        };
        let found = request
            .notifications
            .of_webhook_endpoint(
                &request.caller,
                WebhookEndpointId(self.0.endpoint_id),
                query,
            )
            .await
            .map_err(notifications)?;
        Ok(found.into_iter().map(Notification::from).collect())
    }
}

/// A registered endpoint, or a rotated secret: the command's outcome and the
/// secret, shown this once.
#[derive(Debug, Clone, SimpleObject)]
pub struct WebhookSecretResult {
    /// What the command did.
    pub result: CommandResult,
    /// The endpoint.
    pub endpoint_id: ID,
    /// The secret that signs from now on, `whsec_` and base64, as Standard
    /// Webhooks libraries take it. Keep it: it is not shown again (a retry
    /// of the same request shows it again).
    pub secret: String,
}

/// An endpoint to register.
#[derive(Debug, Clone, InputObject)]
pub struct RegisterWebhookEndpointInput {
    /// Where deliveries are posted: `https://` (or `http://`), without
    /// credentials. Private, loopback and link-local addresses are refused
    /// when Folio delivers.
    pub url: String,
    /// The webhook types it receives (see `webhookEventTypes`); empty or
    /// absent: every type.
    #[graphql(default)]
    pub event_types: Vec<String>,
    /// What it is for (at most 200 characters).
    pub description: Option<String>,
}

/// What to change of an endpoint; absent fields stay as they are.
#[derive(Debug, Clone, InputObject)]
pub struct UpdateWebhookEndpointInput {
    /// The new URL.
    pub url: Option<String>,
    /// The new types (empty: every type).
    pub event_types: Option<Vec<String>>,
    /// The new description.
    pub description: Option<String>,
    /// True to remove the description.
    #[graphql(default)]
    pub clear_description: bool,
}

/// The webhook queries (admins).
#[derive(Debug, Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// The tenant's webhook endpoints, oldest first.
    async fn webhook_endpoints(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A mutation's consistencyToken: wait until this read shows it.")]
        consistency_token: Option<String>,
    ) -> async_graphql::Result<Vec<WebhookEndpoint>> {
        let rows = request(ctx)?
            .reads
            .webhook_endpoints(consistency_token.as_deref())
            .await
            .map_err(read)?;
        Ok(rows.into_iter().map(WebhookEndpoint).collect())
    }

    /// Every webhook type an endpoint can receive: `<record>.<event>`, e.g.
    /// `invoice.issued`, `invoice.payment_recorded`, `expense.approved`.
    async fn webhook_event_types(&self) -> Vec<String> {
        all_webhook_types()
    }
}

/// The answer of a command that shows a secret.
fn with_secret(
    ctx: &Context<'_>,
    result: Result<WithSecret, folio_commands::CommandError<WebhookError>>,
) -> async_graphql::Result<WebhookSecretResult> {
    let command = command_type(ctx.field().name());
    let (answer, secret) = match result {
        Ok(with) => (Ok(with.outcome), Some((with.endpoint_id, with.secret))),
        Err(error) => (Err(error), None),
    };
    // An error is answered (and counted) here; an outcome always has its secret.
    let outcome = command_answer(&command, answer)?;
    let (endpoint_id, secret) = secret.ok_or("the secret went missing")?;
    Ok(WebhookSecretResult {
        result: outcome.into(),
        endpoint_id: ID(endpoint_id.to_string()),
        secret,
    })
}

/// The webhook mutations (admins).
#[derive(Debug, Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Registers an endpoint; it receives the events committed from now on.
    /// Answers its secret, once.
    async fn register_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(desc = "Where, which types, what for.")] input: RegisterWebhookEndpointInput,
    ) -> async_graphql::Result<WebhookSecretResult> {
        let request = request(ctx)?;
        let c = request.command(&idempotency_key, None)?;
        let input = RegisterWebhookEndpoint {
            endpoint_id: None,
            url: input.url,
            event_types: input.event_types,
            description: input.description,
        };
        with_secret(ctx, request.webhooks.register(&c, input).await)
    }

    /// Starts a new secret; the previous one keeps signing for 24 hours (both
    /// signatures are sent), so the receiver can switch. Answers the new
    /// secret, once.
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(desc = "The endpoint's id.")] endpoint_id: ID,
    ) -> async_graphql::Result<WebhookSecretResult> {
        let id: WebhookEndpointId = uuid_arg(&endpoint_id, "endpointId")?;
        let request = request(ctx)?;
        let c = request.command(&idempotency_key, None)?;
        with_secret(ctx, request.webhooks.rotate(&c, id).await)
    }

    /// Changes an endpoint's URL, types or description.
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The endpoint's id.")] endpoint_id: ID,
        #[graphql(desc = "What changes.")] input: UpdateWebhookEndpointInput,
    ) -> async_graphql::Result<CommandResult> {
        let id: WebhookEndpointId = uuid_arg(&endpoint_id, "endpointId")?;
        let input = UpdateWebhookEndpoint {
            url: input.url,
            event_types: input.event_types,
            description: input.description,
            clear_description: input.clear_description,
        };
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.update_webhook_endpoint(&c, id, input)
        })
    }

    /// Stops deliveries to an endpoint until it is enabled again; events
    /// meanwhile are not delivered to it.
    async fn disable_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(desc = "The endpoint's id.")] endpoint_id: ID,
        #[graphql(desc = "Why.")] reason: String,
    ) -> async_graphql::Result<CommandResult> {
        let id: WebhookEndpointId = uuid_arg(&endpoint_id, "endpointId")?;
        command!(ctx, idempotency_key, None, |use_cases, c| {
            use_cases.disable_webhook_endpoint(&c, id, reason, false)
        })
    }

    /// Resumes deliveries to a disabled endpoint.
    async fn enable_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(desc = "The endpoint's id.")] endpoint_id: ID,
    ) -> async_graphql::Result<CommandResult> {
        let id: WebhookEndpointId = uuid_arg(&endpoint_id, "endpointId")?;
        command!(ctx, idempotency_key, None, |use_cases, c| {
            use_cases.enable_webhook_endpoint(&c, id)
        })
    }

    /// Posts a delivery that is done (sent, failed or skipped) once more,
    /// now, with the same `webhook-id`: for a receiver that lost it or was
    /// fixed. One attempt (a failure is not retried on the whole schedule
    /// again); NOT_FOUND for another tenant's, CONFLICT while it is still
    /// pending. Answers whether it was queued.
    async fn redeliver_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The delivery's `messageId`.")] message_id: ID,
    ) -> async_graphql::Result<bool> {
        let message: uuid::Uuid = uuid_arg(&message_id, "messageId")?;
        let request = request(ctx)?;
        request
            .notifications
            .redeliver(&request.caller, message)
            .await
            .map_err(notifications)?;
        Ok(true)
    }

    /// Removes an endpoint for good; its pending deliveries are skipped.
    async fn delete_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(desc = "The endpoint's id.")] endpoint_id: ID,
    ) -> async_graphql::Result<CommandResult> {
        let id: WebhookEndpointId = uuid_arg(&endpoint_id, "endpointId")?;
        command!(ctx, idempotency_key, None, |use_cases, c| {
            use_cases.delete_webhook_endpoint(&c, id)
        })
    }
}
