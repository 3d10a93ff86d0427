//! The e-mail reactor: an invoice Folio is to e-mail (`InvoiceSent` with
//! `Delivery::Email`) becomes one message to its recipients, and so does
//! each payment reminder (`PaymentReminderSent`) that has any.

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

/// What a payment reminder's message is called in the outbox.
pub const PAYMENT_REMINDER: &str = "payment_reminder";

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
        let message = match event.event_type.as_str() {
            "InvoiceSent" => match decode(event)? {
                InvoiceEvent::InvoiceSent {
                    recipients,
                    delivery: Delivery::Email,
                    ..
                } => Message {
                    channel: Channel::Email,
                    kind: INVOICE_SENT.to_owned(),
                    recipients,
                    payload: json!({ "invoice_id": event.aggregate_id }),
                },
                _ => return Ok(()),
            },
            "PaymentReminderSent" => match decode(event)? {
                InvoiceEvent::PaymentReminderSent(sent) => Message {
                    channel: Channel::Email,
                    kind: PAYMENT_REMINDER.to_owned(),
                    recipients: sent.recipients,
                    payload: json!({
                        "invoice_id": event.aggregate_id,
                        "step": sent.step,
                        "days_after_due": sent.days_after_due,
                        "late_fee": sent.late_fee.map(|fee| fee.amount),
                    }),
                },
                _ => return Ok(()),
            },
            _ => return Ok(()),
        };
        // None once the customer's personal data is erased, or a reminder of
        // an invoice that went out by post: nobody to write to.
        if message.recipients.is_empty() {
            return Ok(());
        }
        queue(conn, self, event, "0", message).await
    }
}
