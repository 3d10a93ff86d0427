//! The webhook reactor: every event of an invoice, a customer or an expense
//! becomes one delivery per endpoint of its tenant that receives its type.
//!
//! It files the endpoints themselves (`WebhookEndpoint` events) in its own
//! table as it meets them in the feed, so the endpoints an event goes to are
//! exactly those registered (and enabled) before it was committed, whatever
//! any read model's lag. Installed, it first files every endpoint registered
//! before (it is primed with their history), and posts nothing of the past. The outbox row names the event and the endpoint; the
//! sender reads the event and signs it when it posts.

use async_trait::async_trait;
use folio_domain::webhook::{webhook_type, WebhookEvent, PUBLISHED_AGGREGATES};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{queue, Channel, Message};
use crate::event_values::{aggregate_uuid, require_row};
use crate::feed::FeedEvent;
use crate::projector::{decode, ProjectionError, Projector, ProjectorKind};

/// The reactor's name: its checkpoint's key.
pub const NAME: &str = "webhooks";

/// The aggregate type of endpoints.
const ENDPOINT: &str = "WebhookEndpoint";

/// The e-mail to the tenant's admins when Folio disabled an endpoint that
/// kept failing.
pub const ENDPOINT_DISABLED: &str = "webhook_endpoint_disabled";

/// Queues a delivery per endpoint for every published event.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebhookReactor;

#[async_trait]
impl Projector for WebhookReactor {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> u32 {
        1
    }

    fn schema_sql(&self) -> &'static str {
        include_str!("webhooks.sql")
    }

    fn aggregate_types(&self) -> &'static [&'static str] {
        &[
            ENDPOINT,
            PUBLISHED_AGGREGATES[0],
            PUBLISHED_AGGREGATES[1],
            PUBLISHED_AGGREGATES[2],
        ]
    }

    fn kind(&self) -> ProjectorKind {
        ProjectorKind::Reactor
    }

    fn primed_aggregate_types(&self) -> &'static [&'static str] {
        &[ENDPOINT]
    }

    async fn prime(
        &self,
        conn: &mut PgConnection,
        event: &FeedEvent,
    ) -> Result<(), ProjectionError> {
        file_endpoint(conn, event, decode(event)?).await
    }

    async fn project(
        &self,
        conn: &mut PgConnection,
        event: &FeedEvent,
    ) -> Result<(), ProjectionError> {
        if event.aggregate_type == ENDPOINT {
            let change: WebhookEvent = decode(event)?;
            let automatic = matches!(
                change,
                WebhookEvent::WebhookEndpointDisabled {
                    automatic: true,
                    ..
                }
            );
            file_endpoint(conn, event, change).await?;
            if automatic {
                // The admins hear of it; their addresses are looked up when sent.
                let message = Message {
                    channel: Channel::Email,
                    kind: ENDPOINT_DISABLED.to_owned(),
                    recipients: Vec::new(),
                    payload: json!({ "endpoint_id": event.aggregate_id }),
                };
                queue(conn, self, event, "admins", message).await?;
            }
            return Ok(());
        }
        let Some(kind) = webhook_type(&event.aggregate_type, &event.event_type) else {
            return Ok(());
        };
        let endpoints: Vec<Uuid> = sqlx::query_scalar(
            "SELECT endpoint_id FROM webhook_endpoints
             WHERE tenant_id = $1 AND status = 'ENABLED'
               AND (event_types = '{}' OR $2 = ANY(event_types))
             ORDER BY endpoint_id",
        )
        .bind(event.tenant_id)
        .bind(&kind)
        .fetch_all(&mut *conn)
        .await?;
        for endpoint in endpoints {
            let message = Message {
                channel: Channel::Webhook,
                kind: kind.clone(),
                recipients: vec![endpoint.to_string()],
                payload: json!({ "endpoint_id": endpoint }),
            };
            queue(conn, self, event, &endpoint.to_string(), message).await?;
        }
        Ok(())
    }
}

/// Files one endpoint event in `webhook_endpoints`.
async fn file_endpoint(
    conn: &mut PgConnection,
    event: &FeedEvent,
    payload: WebhookEvent,
) -> Result<(), ProjectionError> {
    let endpoint = aggregate_uuid(event)?;
    // $1 endpoint, $2 event time, $3 sequence; $4.. the change.
    let statement = |sql: &'static str| {
        sqlx::query(sql)
            .bind(endpoint)
            .bind(event.recorded_at)
            .bind(event.sequence)
    };
    use WebhookEvent as E;
    let query = match payload {
        E::WebhookEndpointRegistered {
            url,
            event_types,
            description,
            ..
        } => statement(
            "INSERT INTO webhook_endpoints (endpoint_id, tenant_id, url, event_types, description,
                 status, secret_version, created_at, updated_at, version)
             VALUES ($1, $4, $5, $6, $7, 'ENABLED', 1, $2, $2, $3)",
        )
        .bind(event.tenant_id)
        .bind(url)
        .bind(event_types)
        .bind(description),
        E::WebhookEndpointChanged {
            url,
            event_types,
            description,
        } => statement(
            "UPDATE webhook_endpoints SET url = $4, event_types = $5, description = $6,
                 updated_at = $2, version = $3 WHERE endpoint_id = $1",
        )
        .bind(url)
        .bind(event_types)
        .bind(description),
        E::WebhookSecretRotated { secret_version, .. } => statement(
            "UPDATE webhook_endpoints SET secret_version = $4, updated_at = $2, version = $3
             WHERE endpoint_id = $1",
        )
        .bind(i32::try_from(secret_version).unwrap_or(i32::MAX)),
        E::WebhookEndpointDisabled { reason, .. } => statement(
            "UPDATE webhook_endpoints SET status = 'DISABLED', disabled_reason = $4,
                 updated_at = $2, version = $3 WHERE endpoint_id = $1",
        )
        .bind(reason),
        E::WebhookEndpointEnabled {} => statement(
            "UPDATE webhook_endpoints SET status = 'ENABLED', disabled_reason = NULL,
                 updated_at = $2, version = $3 WHERE endpoint_id = $1",
        ),
        E::WebhookEndpointDeleted {} => statement(
            "UPDATE webhook_endpoints SET status = 'DELETED', updated_at = $2, version = $3
             WHERE endpoint_id = $1",
        ),
    };
    require_row(query.execute(&mut *conn).await?, event)
}

/// A webhook endpoint as admins list it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct WebhookEndpointRow {
    /// Its id.
    pub endpoint_id: Uuid,
    /// Where deliveries are posted.
    pub url: String,
    /// The webhook types it receives; empty: every type.
    pub event_types: Vec<String>,
    /// What it is for.
    pub description: Option<String>,
    /// `ENABLED`, `DISABLED` or `DELETED`.
    pub status: String,
    /// The version of the secret that signs now.
    pub secret_version: i32,
    /// Why it is disabled, while it is.
    pub disabled_reason: Option<String>,
    /// When it was registered.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The aggregate's version: pass it as `expected_version`.
    pub version: i64,
}

/// The columns of a [`WebhookEndpointRow`].
const ENDPOINT_COLUMNS: &str = "endpoint_id, url, event_types, description, status,
    secret_version, disabled_reason, created_at, version";

/// The reader's tenant's endpoints (deleted ones left out), oldest first.
pub async fn endpoints(conn: &mut PgConnection) -> Result<Vec<WebhookEndpointRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {ENDPOINT_COLUMNS} FROM folio_read.webhook_endpoints WHERE status <> 'DELETED'
         ORDER BY created_at, endpoint_id"
    ))
    .fetch_all(conn)
    .await
}

/// One endpoint of the reader's tenant, deleted or not.
pub async fn endpoint(
    conn: &mut PgConnection,
    endpoint_id: Uuid,
) -> Result<Option<WebhookEndpointRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {ENDPOINT_COLUMNS} FROM folio_read.webhook_endpoints WHERE endpoint_id = $1"
    ))
    .bind(endpoint_id)
    .fetch_optional(conn)
    .await
}
