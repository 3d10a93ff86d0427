//! Reactors: projectors whose output leaves Folio. A reactor turns an event
//! into messages to send (an invoice e-mailed to the customer) and writes them
//! to the outbox (`public.outbox`) in the transaction that moves its
//! checkpoint, so a crash loses none and a redelivered event adds none. A
//! sender delivers them later; commands never wait for it (ADR 013).
//!
//! A reactor is never rebuilt: replaying history would send every message
//! again. It is installed at the feed's head ([`start_at_head`]): its stream
//! guard records every stream as seen so far, so it reacts to what happens from
//! then on, in embedded and in Kafka mode alike.

pub mod expense_mail;
pub mod mail;
pub mod webhooks;

use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::feed::{FeedEvent, FeedPosition};
use crate::projector::{stream_guard_table, ProjectionError, Projector};

/// How a message leaves Folio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// An e-mail over SMTP.
    Email,
    /// A signed HTTP POST to a tenant's webhook endpoint.
    Webhook,
}

impl Channel {
    /// As stored in `outbox.channel`.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "EMAIL",
            Channel::Webhook => "WEBHOOK",
        }
    }

    /// The channel `stored` names, if this version knows it.
    pub fn from_stored(stored: &str) -> Option<Self> {
        match stored {
            "EMAIL" => Some(Channel::Email),
            "WEBHOOK" => Some(Channel::Webhook),
            _ => None,
        }
    }
}

/// A message a reactor decided to send for an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// How it leaves.
    pub channel: Channel,
    /// What it is (`invoice_sent`, or a webhook's type): the sender picks its
    /// template by it.
    pub kind: String,
    /// E-mail addresses (or a webhook endpoint's id); none when the sender
    /// looks them up as it sends (directory users' addresses).
    pub recipients: Vec<String>,
    /// What the sender needs besides: ids; the rest is read when it is sent.
    pub payload: Value,
}

/// UUIDv5 namespace of outbox message ids.
const MESSAGE_NAMESPACE: Uuid = Uuid::from_u128(0x6f2a_41e3_8c1d_4b7e_9a55_0c3f_d1e2_7b90);

/// The id of the message `reactor` sends for `event` with `intent` (`0` for
/// its one message, an endpoint's id for one of several): the same every
/// time the event is delivered.
pub fn message_id(reactor: &str, event: &FeedEvent, intent: &str) -> Uuid {
    let name = format!(
        "{reactor}/{}/{}/{}/{intent}",
        event.aggregate_type, event.aggregate_id, event.sequence
    );
    Uuid::new_v5(&MESSAGE_NAMESPACE, name.as_bytes())
}

/// Queues `message` as the message of `reactor` for `event` with `intent`,
/// in the caller's transaction; a message already queued is left as it is.
pub async fn queue(
    conn: &mut PgConnection,
    reactor: &dyn Projector,
    event: &FeedEvent,
    intent: &str,
    message: Message,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "INSERT INTO public.outbox
             (message_id, tenant_id, channel, kind, recipients, aggregate_type, aggregate_id,
              sequence, payload)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(message_id(reactor.name(), event, intent))
    .bind(event.tenant_id)
    .bind(message.channel.as_str())
    .bind(&message.kind)
    .bind(&message.recipients)
    .bind(&event.aggregate_type)
    .bind(&event.aggregate_id)
    .bind(event.sequence)
    .bind(&message.payload)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records, in the stream guard of `reactor` in the caller's schema, every
/// stream it reads as seen up to the feed's head, files the history of its
/// primed aggregate types ([`Projector::primed_aggregate_types`]) into its
/// tables, and returns that head: the checkpoint a new reactor starts from.
/// Runs in the transaction that installs it, so no event committed later is
/// skipped.
pub async fn start_at_head(
    conn: &mut PgConnection,
    reactor: &dyn Projector,
) -> Result<FeedPosition, ProjectionError> {
    let head: Option<FeedPosition> = sqlx::query_as(
        "SELECT transaction_id::text::bigint AS transaction_id, global_position FROM public.events
         WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY transaction_id DESC, global_position DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(head) = head else {
        return Ok(FeedPosition::ORIGIN);
    };
    let guard = stream_guard_table(reactor);
    sqlx::query(&format!(
        "INSERT INTO {guard} (aggregate_type, aggregate_id, version)
         SELECT aggregate_type, aggregate_id, max(sequence) FROM public.events
         WHERE (transaction_id, global_position) <= ($1::text::xid8, $2)
           AND aggregate_type = ANY($3)
         GROUP BY aggregate_type, aggregate_id"
    ))
    .bind(head.transaction_id.to_string())
    .bind(head.global_position)
    .bind(reactor.aggregate_types())
    .execute(&mut *conn)
    .await?;
    prime(conn, reactor, head).await?;
    Ok(head)
}

/// Files every event up to `head` of `reactor`'s primed aggregate types into
/// its tables, in feed order.
async fn prime(
    conn: &mut PgConnection,
    reactor: &dyn Projector,
    head: FeedPosition,
) -> Result<(), ProjectionError> {
    if reactor.primed_aggregate_types().is_empty() {
        return Ok(());
    }
    let history: Vec<FeedEvent> = sqlx::query_as(
        "SELECT global_position, transaction_id::text::bigint AS transaction_id, tenant_id,
                aggregate_type, aggregate_id, sequence, event_type, event_version, recorded_at,
                payload, metadata
         FROM public.events
         WHERE (transaction_id, global_position) <= ($1::text::xid8, $2)
           AND aggregate_type = ANY($3)
         ORDER BY transaction_id, global_position",
    )
    .bind(head.transaction_id.to_string())
    .bind(head.global_position)
    .bind(reactor.primed_aggregate_types())
    .fetch_all(&mut *conn)
    .await?;
    for event in &history {
        reactor.prime(conn, event).await?;
    }
    Ok(())
}
