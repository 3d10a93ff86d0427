//! Where each notification stands, as users see it: for an admin, the
//! tenant's; for anyone who reads invoices, an invoice's. The state is the
//! sender's own (the outbox), read through the [`NotificationLog`] port, so
//! edges never read its tables.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use folio_domain::ids::{ExpenseId, InvoiceId, TenantId, WebhookEndpointId};
use folio_domain::ErrorCode;
use folio_projections::reactors::Channel;
use uuid::Uuid;

use super::ports::OutboxError;
use crate::access::{Action, Caller, Forbidden};

/// Where a notification's delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationStatus {
    /// Not tried yet.
    Queued,
    /// A sender is delivering it now.
    Sending,
    /// An attempt failed; it is tried again at `next_attempt_at`.
    Retrying,
    /// Delivered.
    Sent,
    /// Refused for good, or out of attempts: it is not tried again.
    Failed,
    /// Nobody was left to write to (no address recorded, or the news was
    /// moot by the time it was sent): not sent, and not tried again.
    Skipped,
}

/// The latest failure of a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationFailure {
    /// Its stable code (UNAVAILABLE: the server was away; VALIDATION: refused).
    pub code: ErrorCode,
    /// The reason as users see it.
    pub reason: String,
}

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Its stable id (the e-mail's `Message-ID`).
    pub message_id: Uuid,
    /// How it leaves.
    pub channel: Channel,
    /// What it is (`invoice_sent`).
    pub kind: String,
    /// Where it goes.
    pub recipients: Vec<String>,
    /// The aggregate whose event caused it (`Invoice`), and its id.
    pub subject: (String, String),
    /// Where its delivery stands.
    pub status: NotificationStatus,
    /// Attempts made so far.
    pub attempts: u32,
    /// The latest failure, while it is retried or once it failed.
    pub failure: Option<NotificationFailure>,
    /// When it is tried (again), while it waits.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it was delivered.
    pub sent_at: Option<DateTime<Utc>>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}

/// Which notifications to read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NotificationQuery {
    /// Only those about this aggregate id.
    pub subject: Option<String>,
    /// Only those with this status.
    pub status: Option<NotificationStatus>,
    /// Only those going to this recipient (an address, or a webhook
    /// endpoint's id).
    pub recipient: Option<String>,
    /// Only those queued before this instant (the page before the last one).
    pub before: Option<DateTime<Utc>>,
    /// At most this many, newest first.
    pub limit: u32,
}

/// The outbox as its readers see it.
#[async_trait]
pub trait NotificationLog: Send + Sync + 'static {
    /// `tenant`'s notifications that `query` selects, newest first.
    async fn list(
        &self,
        tenant: TenantId,
        query: &NotificationQuery,
    ) -> Result<Vec<Notification>, OutboxError>;
    /// Queues `tenant`'s webhook delivery `message_id` once more, now, if it
    /// is done (sent, failed or skipped).
    async fn redeliver(
        &self,
        tenant: TenantId,
        message_id: Uuid,
    ) -> Result<Redelivery, OutboxError>;
}

/// What asking for a redelivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redelivery {
    /// Queued once more.
    Queued,
    /// Nothing: it is still queued or being retried.
    StillPending,
    /// Nothing: the tenant has no such webhook delivery.
    NotFound,
}

/// Most notifications one read returns.
pub const MAX_NOTIFICATIONS: u32 = 200;

/// Why notifications could not be read.
#[derive(Debug, thiserror::Error)]
pub enum NotificationsError {
    /// The caller may not read them.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// More were asked for than one read returns.
    #[error("at most {MAX_NOTIFICATIONS} notifications are read at once (asked for {0})")]
    TooMany(u32),
    /// No such webhook delivery of the tenant.
    #[error("no webhook delivery {0}")]
    NotFound(Uuid),
    /// The delivery is still under way: it is not queued twice.
    #[error("webhook delivery {0} is still queued or being retried")]
    StillPending(Uuid),
    /// The outbox did not answer.
    #[error(transparent)]
    Unavailable(#[from] OutboxError),
}

impl NotificationsError {
    /// The stable code the client sees.
    pub fn code(&self) -> ErrorCode {
        match self {
            NotificationsError::Forbidden(_) => ErrorCode::Forbidden,
            NotificationsError::TooMany(_) => ErrorCode::Validation,
            NotificationsError::NotFound(_) => ErrorCode::NotFound,
            NotificationsError::StillPending(_) => ErrorCode::Conflict,
            NotificationsError::Unavailable(_) => ErrorCode::Unavailable,
        }
    }
}

/// The notification reads, each confined to the caller's tenant, and the
/// one thing an admin does to them: redeliver a webhook.
#[derive(Clone)]
pub struct NotificationReads {
    log: Arc<dyn NotificationLog>,
}

impl std::fmt::Debug for NotificationReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NotificationReads")
    }
}

impl NotificationReads {
    /// The reads over `log`.
    pub fn new(log: Arc<dyn NotificationLog>) -> Self {
        NotificationReads { log }
    }

    /// The tenant's notifications `query` selects, for an admin (who
    /// configures the tenant).
    pub async fn of_tenant(
        &self,
        caller: &Caller,
        query: NotificationQuery,
    ) -> Result<Vec<Notification>, NotificationsError> {
        caller.require(Action::ConfigureTenant)?;
        if query.limit > MAX_NOTIFICATIONS {
            return Err(NotificationsError::TooMany(query.limit));
        }
        Ok(self.log.list(caller.tenant_id, &query).await?)
    }

    /// Queues a webhook delivery that is done (sent, failed or skipped) once
    /// more, now, for an admin: its receiver missed it, or was fixed. It is
    /// posted with the same `webhook-id`, so a receiver that has it already
    /// recognises it.
    pub async fn redeliver(
        &self,
        caller: &Caller,
        message_id: Uuid,
    ) -> Result<(), NotificationsError> {
        caller.require(Action::ConfigureTenant)?;
        match self.log.redeliver(caller.tenant_id, message_id).await? {
            Redelivery::Queued => Ok(()),
            Redelivery::StillPending => Err(NotificationsError::StillPending(message_id)),
            Redelivery::NotFound => Err(NotificationsError::NotFound(message_id)),
        }
    }

    /// The notifications about `expense` (to its approvers and employee),
    /// newest first, for a caller who reads every expense.
    pub async fn of_expense(
        &self,
        caller: &Caller,
        expense: ExpenseId,
    ) -> Result<Vec<Notification>, NotificationsError> {
        self.about(caller, Action::ReadAllExpenses, expense.to_string())
            .await
    }

    /// The notifications about `invoice` (its e-mails), newest first, for a
    /// caller who reads invoices.
    pub async fn of_invoice(
        &self,
        caller: &Caller,
        invoice: InvoiceId,
    ) -> Result<Vec<Notification>, NotificationsError> {
        self.about(caller, Action::ReadInvoicing, invoice.to_string())
            .await
    }

    /// The deliveries to webhook endpoint `endpoint` that `query` selects,
    /// newest first, for an admin.
    pub async fn of_webhook_endpoint(
        &self,
        caller: &Caller,
        endpoint: WebhookEndpointId,
        query: NotificationQuery,
    ) -> Result<Vec<Notification>, NotificationsError> {
        let query = NotificationQuery {
            recipient: Some(endpoint.to_string()),
            ..query
        };
        self.of_tenant(caller, query).await
    }

    /// The notifications about the record `id`, for a caller allowed `action`.
    async fn about(
        &self,
        caller: &Caller,
        action: Action,
        id: String,
    ) -> Result<Vec<Notification>, NotificationsError> {
        caller.require(action)?;
        let query = NotificationQuery {
            subject: Some(id),
            limit: MAX_NOTIFICATIONS,
            ..NotificationQuery::default()
        };
        Ok(self.log.list(caller.tenant_id, &query).await?)
    }
}
