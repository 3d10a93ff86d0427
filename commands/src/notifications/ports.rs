//! What the sender needs from the outside world: the outbox it claims
//! messages from and records attempts in, and a mail server.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use folio_domain::ids::TenantId;
use folio_domain::ErrorCode;
use folio_projections::reactors::Channel;
use uuid::Uuid;

/// A message whose delivery is due, claimed by one sender for a while.
#[derive(Debug, Clone, PartialEq)]
pub struct DueMessage {
    /// Its stable id (the e-mail's `Message-ID`).
    pub message_id: Uuid,
    /// Whose it is.
    pub tenant_id: TenantId,
    /// How it leaves.
    pub channel: Channel,
    /// What it is (`invoice_sent`).
    pub kind: String,
    /// E-mail addresses it goes to (none yet for a message addressed when
    /// it is sent).
    pub recipients: Vec<String>,
    /// The personal-data subjects (directory users' streams) whose addresses
    /// `recipients` holds, when they were looked up at sending: erasing one
    /// of them forgets the addresses.
    pub recipient_subjects: Vec<String>,
    /// The ids it is about, as the reactor queued them.
    pub payload: serde_json::Value,
    /// The event that caused it: its stream's type and id, and its sequence.
    pub cause: (String, String, i64),
    /// Which attempt this is, from 1.
    pub attempt: u32,
}

/// What came of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Delivered.
    Sent,
    /// Failed for now: tried again at `at`.
    Retry {
        /// Stable code of the reason.
        code: ErrorCode,
        /// The reason as users see it.
        reason: String,
        /// When it is tried again.
        at: DateTime<Utc>,
    },
    /// Not sent, and not tried again: nobody is left to write to.
    Skipped {
        /// Why, as users see it.
        reason: String,
    },
    /// Failed for good: refused (a bad address), or out of attempts.
    Failed {
        /// Stable code of the reason.
        code: ErrorCode,
        /// The reason as users see it.
        reason: String,
        /// Whether it failed for good only because it ran out of attempts.
        gave_up: bool,
    },
}

/// The outbox did not answer (the sender tries again on its next round).
#[derive(Debug, thiserror::Error)]
#[error("the outbox is unavailable")]
pub struct OutboxError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// The outbox as the sender uses it. Any number of senders may claim at once:
/// a message is held by one at a time.
#[async_trait]
pub trait Outbox: Send + Sync + 'static {
    /// Up to `limit` messages of `channels` that are due (queued, waiting
    /// for their retry, or held by a sender whose hold expired: it stopped
    /// mid-send), held for this sender for `hold`, oldest first.
    async fn claim(
        &self,
        limit: u32,
        hold: Duration,
        channels: &[Channel],
    ) -> Result<Vec<DueMessage>, OutboxError>;
    /// Records the outcome of `message`'s attempt that began at `started_at`,
    /// and the recipients it names (as the attempt addressed them).
    async fn record(
        &self,
        message: &DueMessage,
        started_at: DateTime<Utc>,
        outcome: &AttemptOutcome,
    ) -> Result<(), OutboxError>;
}

/// A file attached to an e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The name the recipient sees.
    pub filename: String,
    /// Its MIME type.
    pub content_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// An e-mail ready to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// Its `Message-ID`: the outbox message's id, the same on every attempt,
    /// so a receiver can tell a repeat.
    pub message_id: Uuid,
    /// The name the sender shows (the seller's); the address is the mail
    /// server's configured sender.
    pub from_name: Option<String>,
    /// Where replies go (the seller's contact address), if anywhere else.
    pub reply_to: Option<String>,
    /// The recipients.
    pub to: Vec<String>,
    /// Blind copies (the tenant's own records); not among the recipients
    /// the outbox shows.
    pub bcc: Vec<String>,
    /// The subject line.
    pub subject: String,
    /// The body, as plain text.
    pub text: String,
    /// The same body as HTML, sent beside the text (`multipart/alternative`).
    pub html: Option<String>,
    /// Files attached.
    pub attachments: Vec<Attachment>,
}

/// Why a mail server did not take an e-mail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailFailure {
    /// The server was away, or failed for now (SMTP 4xx): try again.
    #[error("the mail server is unavailable: {0}")]
    Unavailable(String),
    /// The server refused it for good (SMTP 5xx, a malformed address).
    #[error("the mail server refused the message: {0}")]
    Refused(String),
}

/// Sends e-mail.
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    /// Hands `email` to the mail server.
    async fn send(&self, email: &Email) -> Result<(), MailFailure>;
    /// The longest one [`Mailer::send`] takes before it gives up.
    fn timeout(&self) -> Duration;
}
