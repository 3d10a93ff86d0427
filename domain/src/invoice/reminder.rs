//! Payment reminders (dunning) and disputes. The tenant's schedule
//! ([`crate::dunning::DunningPolicy`]) says when; the invoice says whether:
//! each step is recorded once, never before its day, only while something is
//! due and nobody disputes the invoice. A later step may be recorded without
//! the earlier ones (a run that comes late catches up to the latest step due,
//! it does not send the missed ones in a burst). A dispute stops reminders
//! until it is resolved.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{check_optional_text, require_reason, Invoice, InvoiceError, InvoiceEvent};
use crate::dunning::{ChargedFee, LateFeeRule};
use crate::email::is_email_address;
use crate::error_code::{Coded, ErrorCode};
use crate::money::Money;

/// A reminder recorded: the payload of [`InvoiceEvent::PaymentReminderSent`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
// Inline in the event's schema, as a struct variant's fields would be.
#[schemars(inline)]
pub struct ReminderSent {
    /// The step of the tenant's schedule, from 1.
    pub step: u8,
    /// The day it was recorded (the tenant's today).
    pub reminded_on: NaiveDate,
    /// Days from the due date to `reminded_on` (negative: before it).
    pub days_after_due: i64,
    /// What the customer still owed that day.
    pub amount_due: Money,
    /// The fee this reminder charges (invoiced apart, to the same customer,
    /// under [`crate::dunning::late_fee_invoice_id`]); absent when it charges
    /// none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_fee: Option<ChargedFee>,
    /// The e-mail addresses it goes to; none when there is nobody to write
    /// to (the invoice went out by post, or the customer's personal data was
    /// erased): the step is recorded all the same.
    pub recipients: Vec<String>,
}

/// A dispute raised: the payload of [`InvoiceEvent::InvoiceDisputed`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
// Inline in the event's schema, as a struct variant's fields would be.
#[schemars(inline)]
pub struct Disputed {
    /// What the customer contests, in words kept with the record.
    pub reason: String,
    /// The day it was raised.
    pub disputed_on: NaiveDate,
}

/// A dispute settled: the payload of [`InvoiceEvent::DisputeResolved`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
// Inline in the event's schema, as a struct variant's fields would be.
#[schemars(inline)]
pub struct DisputeResolved {
    /// How it was settled, if said.
    pub resolution: Option<String>,
    /// The day it was settled.
    pub resolved_on: NaiveDate,
}

/// Why a reminder or a dispute is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ReminderError {
    /// Steps count from 1.
    #[error("a reminder step counts from 1")]
    InvalidStep,
    /// This step, or a later one, was recorded already.
    #[error("reminder step {step} is not after the last one recorded (step {last})")]
    AlreadyReminded {
        /// The step asked for.
        step: u8,
        /// The last step recorded.
        last: u8,
    },
    /// The step's day has not come.
    #[error("this reminder is due on {due_on}, not before")]
    NotDueYet {
        /// The first day it may be recorded.
        due_on: NaiveDate,
    },
    /// Nothing is owed: paid, credited, or settled with credit.
    #[error("nothing is due on this invoice: no reminder")]
    NothingDue,
    /// The customer disputes the invoice.
    #[error("the invoice is disputed: no reminders until the dispute is resolved")]
    Disputed,
    /// A dispute is open already.
    #[error("the invoice is disputed already")]
    AlreadyDisputed,
    /// No dispute is open.
    #[error("the invoice is not disputed")]
    NotDisputed,
}

impl Coded for ReminderError {
    fn code(&self) -> ErrorCode {
        match self {
            ReminderError::InvalidStep => ErrorCode::Validation,
            ReminderError::AlreadyReminded { .. }
            | ReminderError::NotDueYet { .. }
            | ReminderError::NothingDue
            | ReminderError::Disputed
            | ReminderError::AlreadyDisputed
            | ReminderError::NotDisputed => ErrorCode::Conflict,
        }
    }
}

/// A reminder as the application layer asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderRequest {
    /// The step of the schedule, from 1.
    pub step: u8,
    /// The step's day, in days after the due date (the schedule's).
    pub step_days_after_due: i32,
    /// The tenant's today.
    pub today: NaiveDate,
    /// Where the invoice was last e-mailed, else the customer's billing
    /// address; none when there is nobody to write to.
    pub recipients: Vec<String>,
    /// The step's fee, if it charges one (never on an invoice that is itself
    /// a late fee).
    pub late_fee: Option<LateFeeRule>,
}

impl Invoice {
    /// A reminder of step `request.step`: on an issued invoice, on or after
    /// the step's day, after the last step recorded, while something is due
    /// and the invoice is not disputed; to distinct e-mail addresses.
    pub(super) fn decide_reminder(
        &self,
        request: ReminderRequest,
    ) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        self.require_open()?;
        if request.step == 0 {
            return Err(ReminderError::InvalidStep.into());
        }
        if request.step <= self.reminders_sent {
            return Err(ReminderError::AlreadyReminded {
                step: request.step,
                last: self.reminders_sent,
            }
            .into());
        }
        if self.dispute.is_some() {
            return Err(ReminderError::Disputed.into());
        }
        let due_date = self.due_date.ok_or(InvoiceError::NotFound)?;
        let due_on = due_date + chrono::Duration::days(request.step_days_after_due.into());
        if request.today < due_on {
            return Err(ReminderError::NotDueYet { due_on }.into());
        }
        let amount_due = self.amount_due();
        if amount_due <= rust_decimal::Decimal::ZERO {
            return Err(ReminderError::NothingDue.into());
        }
        let recipients = distinct_recipients(&request.recipients, true, true)?;
        let amount_due = self.money(amount_due)?;
        let mode = self.rounding.as_ref().map(|r| r.mode).unwrap_or_default();
        Ok(vec![InvoiceEvent::PaymentReminderSent(ReminderSent {
            step: request.step,
            reminded_on: request.today,
            days_after_due: (request.today - due_date).num_days(),
            amount_due,
            late_fee: request
                .late_fee
                .and_then(|rule| rule.charged_on(amount_due, mode)),
            recipients,
        })])
    }

    /// A dispute raised on an issued invoice that has none open, with a reason.
    pub(super) fn decide_dispute(
        &self,
        reason: &str,
        disputed_on: NaiveDate,
    ) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        self.require_open()?;
        if self.dispute.is_some() {
            return Err(ReminderError::AlreadyDisputed.into());
        }
        self.not_before_issue("a dispute", disputed_on)?;
        Ok(vec![InvoiceEvent::InvoiceDisputed(Disputed {
            reason: require_reason(reason)?,
            disputed_on,
        })])
    }

    /// The open dispute settled.
    pub(super) fn decide_resolve_dispute(
        &self,
        resolution: Option<String>,
        resolved_on: NaiveDate,
    ) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        self.require_exists()?;
        if self.dispute.is_none() {
            return Err(ReminderError::NotDisputed.into());
        }
        Ok(vec![InvoiceEvent::DisputeResolved(DisputeResolved {
            resolution: check_optional_text(resolution)?,
            resolved_on,
        })])
    }
}

/// `recipients` trimmed, repeats (compared without case) dropped: 1 to
/// [`super::MAX_RECIPIENTS`] of them (none at all when `may_be_empty`), each
/// of 1 to 320 characters and, when `emails_only`, an e-mail address.
pub(super) fn distinct_recipients(
    recipients: &[String],
    emails_only: bool,
    may_be_empty: bool,
) -> Result<Vec<String>, InvoiceError> {
    let mut distinct: Vec<String> = Vec::with_capacity(recipients.len());
    for recipient in recipients {
        let recipient = recipient.trim();
        if recipient.is_empty() || recipient.chars().count() > 320 {
            return Err(InvoiceError::RecipientRequired);
        }
        if emails_only && !is_email_address(recipient) {
            return Err(InvoiceError::NotAnEmailAddress {
                recipient: recipient.to_owned(),
            });
        }
        if !distinct.iter().any(|r| r.eq_ignore_ascii_case(recipient)) {
            distinct.push(recipient.to_owned());
        }
    }
    if distinct.is_empty() && !may_be_empty {
        return Err(InvoiceError::RecipientRequired);
    }
    if distinct.len() > super::MAX_RECIPIENTS {
        return Err(InvoiceError::TooManyRecipients {
            max: super::MAX_RECIPIENTS,
        });
    }
    Ok(distinct)
}
