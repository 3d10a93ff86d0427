//! The e-mail reactor: an invoice Folio is to e-mail (`InvoiceSent` with
//! `Delivery::Email`) becomes one message to its recipients.

use async_trait::async_trait;
use folio_domain::invoice::{Delivery, InvoiceEvent};
use serde_json::json;
use sqlx::PgConnection;

use super::{queue, Channel, Message};
use crate::feed::FeedEvent;
use crate::projector::{decode, ProjectionError, Projector, ProjectorKind};

/// The reactor's name: its checkpoint's key.
pub const NAME: &str = "mail";

/// What an e-mailed invoice's message is called in the outbox.
pub const INVOICE_SENT: &str = "invoice_sent";

/// Queues the e-mails events call for.
#[derive(Debug, Clone, Copy, Default)]
pub struct MailReactor;

#[async_trait]
impl Projector for MailReactor {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> u32 {
        1
    }

    fn schema_sql(&self) -> &'static str {
        ""
    }

    fn aggregate_types(&self) -> &'static [&'static str] {
        &["Invoice"]
    }

    fn kind(&self) -> ProjectorKind {
        ProjectorKind::Reactor
    }

    async fn project(
        &self,
        conn: &mut PgConnection,
        event: &FeedEvent,
    ) -> Result<(), ProjectionError> {
        if event.event_type != "InvoiceSent" {
            return Ok(());
        }
        let InvoiceEvent::InvoiceSent {
            recipients,
            delivery: Delivery::Email,
            ..
        } = decode(event)?
        else {
            return Ok(());
        };
        // None once the customer's personal data is erased: nobody to write to.
        if recipients.is_empty() {
            return Ok(());
        }
        let message = Message {
            channel: Channel::Email,
            kind: INVOICE_SENT.to_owned(),
            recipients,
            payload: json!({ "invoice_id": event.aggregate_id }),
        };
        queue(conn, self, event, "0", message).await
    }
}
