//! Webhook secrets in `public.webhook_secrets`, wrapped by the master key
//! when the deployment has one (like personal-data keys).

use async_trait::async_trait;
use folio_commands::webhooks::{SecretsError, WebhookSecrets};
use folio_domain::ids::{TenantId, WebhookEndpointId};
use ring::rand::SystemRandom;
use sqlx::PgPool;

use crate::personal_data::master_key::{stored_wrapped, unwrapped};
use crate::personal_data::KeyWrapping;

/// The secrets, in Postgres.
#[derive(Debug, Clone)]
pub struct PgWebhookSecrets {
    pool: PgPool,
    wrapping: KeyWrapping,
    random: SystemRandom,
}

impl PgWebhookSecrets {
    /// The secrets in `pool`'s database, wrapped as `wrapping` says.
    pub fn new(pool: PgPool, wrapping: KeyWrapping) -> Self {
        PgWebhookSecrets {
            pool,
            wrapping,
            random: SystemRandom::new(),
        }
    }
}

/// What a secret is wrapped for: its endpoint and version.
fn label(endpoint: WebhookEndpointId, version: u32) -> String {
    format!("webhook-secret/{endpoint}/{version}")
}

fn unavailable(error: impl std::error::Error + Send + Sync + 'static) -> SecretsError {
    SecretsError(Box::new(error))
}

#[async_trait]
impl WebhookSecrets for PgWebhookSecrets {
    async fn keep(
        &self,
        tenant: TenantId,
        endpoint: WebhookEndpointId,
        version: u32,
        secret: &str,
    ) -> Result<String, SecretsError> {
        let (stored, wrapped_by) = stored_wrapped(
            &self.wrapping,
            &self.random,
            &label(endpoint, version),
            secret.as_bytes(),
        )
        .map_err(unavailable)?;
        sqlx::query(
            "INSERT INTO webhook_secrets (endpoint_id, version, tenant_id, secret, wrapped_by)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (endpoint_id, version) DO NOTHING",
        )
        .bind(endpoint.0)
        .bind(i32::try_from(version).unwrap_or(i32::MAX))
        .bind(tenant.0)
        .bind(stored)
        .bind(wrapped_by)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        self.secret(endpoint, version)
            .await?
            .ok_or_else(|| SecretsError("a secret just kept is gone".into()))
    }

    async fn secret(
        &self,
        endpoint: WebhookEndpointId,
        version: u32,
    ) -> Result<Option<String>, SecretsError> {
        let row: Option<(Vec<u8>, Option<String>)> = sqlx::query_as(
            "SELECT secret, wrapped_by FROM webhook_secrets WHERE endpoint_id = $1 AND version = $2",
        )
        .bind(endpoint.0)
        .bind(i32::try_from(version).unwrap_or(i32::MAX))
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        let Some((stored, wrapped_by)) = row else {
            return Ok(None);
        };
        let bytes = unwrapped(
            &self.wrapping,
            &label(endpoint, version),
            stored,
            wrapped_by,
        )
        .map_err(unavailable)?;
        String::from_utf8(bytes).map(Some).map_err(unavailable)
    }
}
