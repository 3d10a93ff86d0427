//! The ways a message leaves Folio, each with its own waits between
//! attempts: e-mail through the mail server, composed by the invoice and
//! expense composers; webhooks posted to tenants' endpoints.

use std::sync::Arc;
use std::time::Duration;

use folio_domain::directory::user_aggregate_id;
use folio_domain::ErrorCode;
use folio_projections::reactors::mail::{INVOICE_SENT, PAYMENT_REMINDER};
use folio_projections::reactors::webhooks::ENDPOINT_DISABLED;

use super::compose_error::ComposeError;
use super::expense_mail::{Addressed, ExpenseMail};
use super::invoice_mail::InvoiceMail;
use super::ports::{DueMessage, MailFailure, Mailer};
use super::retries::RetrySchedule;
use super::webhook_mail::WebhookMail;
use crate::webhooks::{DeliveryError, WebhookDelivery};

/// Why one attempt failed, as the outbox records it.
pub(super) struct Failure {
    pub(super) code: ErrorCode,
    pub(super) reason: String,
    pub(super) nature: Nature,
}

/// Whether a failure may pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Nature {
    /// It may pass: try again on the schedule.
    Transient,
    /// It will not pass: fail for good.
    Permanent,
    /// There is nobody to write to: skip the message.
    NobodyToWrite,
}

impl Nature {
    /// Whether a failure that is not "nobody to write to" may pass.
    fn of(transient: bool) -> Self {
        if transient {
            Nature::Transient
        } else {
            Nature::Permanent
        }
    }
}

impl From<ComposeError> for Failure {
    fn from(error: ComposeError) -> Self {
        let nature = if matches!(error, ComposeError::NobodyToWrite(_)) {
            Nature::NobodyToWrite
        } else {
            Nature::of(error.is_transient())
        };
        Failure {
            code: error.code(),
            reason: error.reason(),
            nature,
        }
    }
}

impl From<MailFailure> for Failure {
    fn from(failure: MailFailure) -> Self {
        let transient = matches!(failure, MailFailure::Unavailable(_));
        Failure {
            code: if transient {
                ErrorCode::Unavailable
            } else {
                ErrorCode::Validation
            },
            reason: failure.to_string(),
            nature: Nature::of(transient),
        }
    }
}

impl From<DeliveryError> for Failure {
    fn from(error: DeliveryError) -> Self {
        match error {
            DeliveryError::Compose(error) => error.into(),
            other => Failure {
                code: other.code(),
                reason: other.to_string(),
                nature: Nature::of(other.is_transient()),
            },
        }
    }
}

/// How e-mail leaves: the mail server, what composes each kind, and the
/// waits between attempts.
#[derive(Clone)]
pub struct MailChannel {
    /// The mail server.
    pub mailer: Arc<dyn Mailer>,
    /// Composes invoices' e-mails.
    pub invoices: InvoiceMail,
    /// Composes expenses' e-mails.
    pub expenses: ExpenseMail,
    /// Composes the admins' e-mail of a disabled webhook endpoint.
    pub webhooks: WebhookMail,
    /// The waits between attempts.
    pub schedule: RetrySchedule,
}

impl std::fmt::Debug for MailChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailChannel")
            .field("schedule", &self.schedule)
            .finish_non_exhaustive()
    }
}

impl MailChannel {
    /// Composes and sends `message` once; returns it as it was sent (with
    /// the recipients it was addressed to).
    pub(super) async fn attempt(&self, message: &DueMessage) -> Result<DueMessage, Failure> {
        let Addressed { email, users } = match message.kind.as_str() {
            INVOICE_SENT => Addressed {
                email: self.invoices.compose(message).await?,
                users: Vec::new(),
            },
            PAYMENT_REMINDER => Addressed {
                email: self.invoices.compose_reminder(message).await?,
                users: Vec::new(),
            },
            kind if kind.starts_with("expense_") => self.expenses.compose(message).await?,
            ENDPOINT_DISABLED => self.webhooks.compose(message).await?,
            other => {
                return Err(Failure {
                    code: ErrorCode::Internal,
                    reason: format!("this version of Folio cannot send a '{other}' message"),
                    nature: Nature::Permanent,
                })
            }
        };
        self.mailer.send(&email).await?;
        let subjects = users
            .iter()
            .map(|user| user_aggregate_id(message.tenant_id, user).to_string());
        Ok(DueMessage {
            recipients: email.to,
            recipient_subjects: message
                .recipient_subjects
                .iter()
                .cloned()
                .chain(subjects)
                .collect(),
            ..message.clone()
        })
    }

    /// The longest one attempt waits for the mail server.
    pub(super) fn timeout(&self) -> Duration {
        self.mailer.timeout()
    }
}

/// How webhooks leave: the delivery, and the waits between attempts (with
/// jitter added).
#[derive(Debug, Clone)]
pub struct WebhookChannel {
    /// Posts one delivery.
    pub delivery: WebhookDelivery,
    /// The waits between attempts.
    pub schedule: RetrySchedule,
}

impl WebhookChannel {
    /// Posts `message` once.
    pub(super) async fn attempt(&self, message: &DueMessage) -> Result<DueMessage, Failure> {
        self.delivery.deliver(message).await?;
        Ok(message.clone())
    }
}
