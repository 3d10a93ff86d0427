//! Notifications: the e-mails Folio sends, and where each delivery stands
//! (queued, retrying with the reason, sent, failed for good). Admins read the
//! tenant's; whoever reads invoices reads an invoice's (`Invoice.notifications`).

use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use folio_commands::notifications::log::{
    Notification as Read, NotificationQuery as Query, NotificationStatus as Status,
};
use folio_projections::reactors::Channel;

use super::context::request;
use crate::error::notifications;

/// Where a notification's delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum NotificationStatus {
    /// Not tried yet.
    Queued,
    /// Being delivered now.
    Sending,
    /// An attempt failed (see `failure`); tried again at `nextAttemptAt`.
    Retrying,
    /// Delivered to the mail server.
    Sent,
    /// Refused for good (a bad address), or out of attempts: not tried again.
    Failed,
    /// Nobody was left to write to (no address in the directory, or the
    /// expense no longer waited): not sent, not tried again; `failure` says why.
    Skipped,
}

impl From<Status> for NotificationStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Queued => NotificationStatus::Queued,
            Status::Sending => NotificationStatus::Sending,
            Status::Retrying => NotificationStatus::Retrying,
            Status::Sent => NotificationStatus::Sent,
            Status::Failed => NotificationStatus::Failed,
            Status::Skipped => NotificationStatus::Skipped,
        }
    }
}

impl From<NotificationStatus> for Status {
    fn from(status: NotificationStatus) -> Self {
        match status {
            NotificationStatus::Queued => Status::Queued,
            NotificationStatus::Sending => Status::Sending,
            NotificationStatus::Retrying => Status::Retrying,
            NotificationStatus::Sent => Status::Sent,
            NotificationStatus::Failed => Status::Failed,
            NotificationStatus::Skipped => Status::Skipped,
        }
    }
}

/// How a notification leaves Folio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum NotificationChannel {
    /// An e-mail over SMTP.
    Email,
    /// A signed POST to a webhook endpoint.
    Webhook,
}

/// Why the latest attempt failed.
#[derive(Debug, Clone, SimpleObject)]
pub struct NotificationFailure {
    /// The stable error code: UNAVAILABLE when the mail server (or the
    /// invoice's archive) was not there yet, VALIDATION when it was refused.
    pub code: String,
    /// What went wrong, for a person.
    pub reason: String,
}

/// One message Folio sends.
#[derive(Debug, Clone, SimpleObject)]
pub struct Notification {
    /// Its stable id: the e-mail's `Message-ID` (`<id@sender-domain>`), the
    /// same on every attempt, so a repeat can be recognised.
    pub message_id: ID,
    /// How it leaves.
    pub channel: NotificationChannel,
    /// What it is: `invoice_sent` (an invoice e-mailed to its customer),
    /// `expense_waiting` (to whoever may decide on an expense),
    /// `expense_approved`, `expense_rejected`, `expense_returned`,
    /// `expense_reimbursed` (to the employee).
    pub kind: String,
    /// Where it goes; an expense's e-mails are addressed from the directory
    /// when they are sent, so this is empty until then.
    pub recipients: Vec<String>,
    /// The kind of record it is about (`Invoice`, `Expense`).
    pub subject_type: String,
    /// That record's UUID.
    pub subject_id: ID,
    /// Where its delivery stands.
    pub status: NotificationStatus,
    /// Attempts made so far.
    pub attempts: u32,
    /// Why the latest attempt failed, or why it was skipped; null unless
    /// RETRYING, FAILED or SKIPPED.
    pub failure: Option<NotificationFailure>,
    /// When it is tried (again), while QUEUED or RETRYING (UTC).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it was delivered (UTC).
    pub sent_at: Option<DateTime<Utc>>,
    /// When it was queued (UTC).
    pub created_at: DateTime<Utc>,
}

impl From<Read> for Notification {
    fn from(read: Read) -> Self {
        Notification {
            message_id: ID(read.message_id.to_string()),
            channel: match read.channel {
                Channel::Email => NotificationChannel::Email,
                Channel::Webhook => NotificationChannel::Webhook,
            },
            kind: read.kind,
            recipients: read.recipients,
            subject_type: read.subject.0,
            subject_id: ID(read.subject.1),
            status: read.status.into(),
            attempts: read.attempts,
            failure: read.failure.map(|failure| NotificationFailure {
                code: failure.code.as_str().to_owned(),
                reason: failure.reason,
            }),
            next_attempt_at: read.next_attempt_at,
            sent_at: read.sent_at,
            created_at: read.created_at,
        }
    }
}

/// The notifications query.
#[derive(Debug, Default)]
pub struct NotificationQuery;

#[Object]
impl NotificationQuery {
    /// The tenant's notifications, newest first (admins). Page back with
    /// `before`: the `createdAt` of the last one read.
    async fn notifications(
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
            status: status.map(Status::from),
            before,
            limit: first,
            ..Query::default()
        };
        let found = request
            .notifications
            .of_tenant(&request.caller, query)
            .await
            .map_err(notifications)?;
        Ok(found.into_iter().map(Notification::from).collect())
    }
}

/// The notifications about expense `expense_id`, newest first.
pub(crate) async fn of_expense(
    ctx: &Context<'_>,
    expense_id: uuid::Uuid,
) -> async_graphql::Result<Vec<Notification>> {
    let request = request(ctx)?;
    let found = request
        .notifications
        .of_expense(&request.caller, folio_domain::ids::ExpenseId(expense_id))
        .await
        .map_err(notifications)?;
    Ok(found.into_iter().map(Notification::from).collect())
}

/// The notifications about invoice `invoice_id`, newest first.
pub(crate) async fn of_invoice(
    ctx: &Context<'_>,
    invoice_id: uuid::Uuid,
) -> async_graphql::Result<Vec<Notification>> {
    let request = request(ctx)?;
    let found = request
        .notifications
        .of_invoice(&request.caller, folio_domain::ids::InvoiceId(invoice_id))
        .await
        .map_err(notifications)?;
    Ok(found.into_iter().map(Notification::from).collect())
}
