//! Notifications: the messages the reactors queued in the outbox (ADR 013),
//! delivered by the [`sender`] with retries, and how their delivery stands.
//!
//! - [`ports`]: the outbox as the sender sees it, and the [`Mailer`] that
//!   speaks SMTP (both implemented in `folio-infra`).
//! - [`retries`]: when a failed message is tried again, and when not at all.
//! - [`compose_error`]: why an e-mail could not be composed (this time).
//! - [`invoice_mail`]: the e-mail of an invoice sent by Folio, and its
//!   payment reminders, with its archived PDF.
//! - [`expense_mail`]: the e-mails of expenses, to approvers and employees,
//!   addressed from the directory when they are sent.
//! - [`webhook_mail`]: the e-mail telling admins Folio disabled a failing
//!   webhook endpoint.
//! - [`templates`], [`reminder_templates`], [`expense_templates`]: what the
//!   e-mails say, in English, German and Spanish.
//! - [`channels`]: e-mail and webhooks, each with its waits between attempts.
//! - [`sender`]: claims due messages, delivers them, records each attempt.
//! - [`log`]: where each notification stands, for admins and per invoice.

pub mod channels;
pub mod compose_error;
pub mod expense_mail;
pub mod expense_templates;
pub mod invoice_mail;
pub mod log;
mod organisation;
pub mod ports;
pub mod reminder_templates;
pub mod retries;
pub mod sender;
pub mod templates;
pub mod webhook_mail;

pub use channels::{MailChannel, WebhookChannel};
pub use ports::{
    Attachment, AttemptOutcome, DueMessage, Email, MailFailure, Mailer, Outbox, OutboxError,
};
pub use retries::RetrySchedule;
pub use sender::{deliver_notifications, NotificationSender};
