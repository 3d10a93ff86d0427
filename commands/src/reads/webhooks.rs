//! Reads of the tenant's webhook endpoints (admins).

use folio_projections::reactors::webhooks::{self, WebhookEndpointRow};

use super::{ReadError, Reads};
use crate::access::Action;

impl Reads {
    /// The tenant's webhook endpoints (deleted ones left out), oldest first.
    pub async fn webhook_endpoints(
        &self,
        token: Option<&str>,
    ) -> Result<Vec<WebhookEndpointRow>, ReadError> {
        self.caller.require(Action::ConfigureTenant)?;
        let mut tx = self.open(Action::ConfigureTenant, token).await?;
        Ok(webhooks::endpoints(&mut tx).await?)
    }

    /// One webhook endpoint of the tenant, deleted or not.
    pub async fn webhook_endpoint(
        &self,
        endpoint_id: uuid::Uuid,
    ) -> Result<Option<WebhookEndpointRow>, ReadError> {
        self.caller.require(Action::ConfigureTenant)?;
        let mut tx = self.open(Action::ConfigureTenant, None).await?;
        Ok(webhooks::endpoint(&mut tx, endpoint_id).await?)
    }
}
