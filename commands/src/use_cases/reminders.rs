//! Payment reminders and disputes: a dispute raised and settled by a person;
//! a reminder recorded by the dunning process ([`crate::dunning`]) when the
//! tenant's schedule says a step is due.

use chrono::{DateTime, Utc};
use folio_domain::dunning::DunningPolicy;
use folio_domain::ids::{InvoiceId, TenantId, UserId};
use folio_domain::invoice::{Invoice, InvoiceCommand, InvoiceError, ReminderRequest};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{current, run, UseCases};
use crate::access::{Action, Caller, Role};
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::runner::Request;

/// The actor reminders are recorded as.
pub const DUNNING_ACTOR: &str = "system:dunning";

/// Raise a dispute: the customer contests the invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DisputeInvoice {
    /// What is contested (required).
    pub reason: String,
}

/// Settle an invoice's dispute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ResolveInvoiceDispute {
    /// How it was settled, if said.
    pub resolution: Option<String>,
}

/// An invoice the dunning process may remind of, as the read model has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderCandidate {
    /// Its tenant: the process acts in its name.
    pub tenant_id: TenantId,
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// Its due date.
    pub due_date: chrono::NaiveDate,
    /// The last step recorded (0: none).
    pub reminders_sent: u8,
    /// Where a reminder goes: the e-mail addresses the invoice was last sent
    /// to, else the customer's billing address; none when there is neither.
    pub recipients: Vec<String>,
}

/// What became of a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminded {
    /// No step of the tenant's schedule is due that was not recorded.
    NotDue,
    /// Step `n` was recorded now.
    Recorded(u8),
    /// Step `n` was recorded by an earlier request of the same day (another
    /// instance, or a run retried): its outcome, replayed.
    RecordedBefore(u8),
}

/// The tenant's reminder schedule and its date at `now`, as the process
/// reads them once per tenant and run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSchedule {
    /// The schedule (no steps: no reminders).
    pub policy: DunningPolicy,
    /// The tenant's date at the run's instant.
    pub today: chrono::NaiveDate,
}

impl UseCases {
    /// Records that the customer contests `invoice_id`: reminders stop until
    /// the dispute is resolved.
    pub async fn dispute_invoice(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        input: DisputeInvoice,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        let disputed_on = self.today(ctx.tenant_id()).await?;
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "DisputeInvoice",
            invoice_id,
            &input,
            None,
            |_| InvoiceCommand::MarkDisputed {
                reason: input.reason.clone(),
                disputed_on,
            }
        )
    }

    /// Records that the dispute on `invoice_id` is settled: reminders resume
    /// with the latest step whose day has come.
    pub async fn resolve_invoice_dispute(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        input: ResolveInvoiceDispute,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        let resolved_on = self.today(ctx.tenant_id()).await?;
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "ResolveInvoiceDispute",
            invoice_id,
            &input,
            None,
            |_| InvoiceCommand::ResolveDispute {
                resolution: input.resolution.clone(),
                resolved_on,
            }
        )
    }

    /// The invoice as the store holds it now (what a reminder's e-mail
    /// checks is still due); another tenant's reads as not found.
    pub async fn invoice_state(
        &self,
        tenant_id: TenantId,
        invoice_id: InvoiceId,
    ) -> Result<Invoice, CommandError<InvoiceError>> {
        let invoice: Invoice =
            current(self.stores.invoices.as_ref(), &invoice_id.to_string()).await?;
        if invoice.tenant_id != Some(tenant_id) {
            return Err(CommandError::Rejected(InvoiceError::NotFound));
        }
        Ok(invoice)
    }

    /// The reminder schedule of `tenant_id` and its date at `now`.
    pub async fn reminder_schedule(
        &self,
        tenant_id: TenantId,
        now: DateTime<Utc>,
    ) -> Result<TenantSchedule, CommandError<InvoiceError>> {
        let settings = self.settings(tenant_id).await?;
        Ok(TenantSchedule {
            today: settings.today(now),
            policy: settings.dunning,
        })
    }

    /// Records the latest step of `schedule` due for `candidate` that is not
    /// recorded yet, if any. The request's key is the invoice, the step and
    /// the day: a second process running the same day replays the first's
    /// outcome, and the invoice itself refuses a step recorded before, so
    /// no step is ever recorded twice, whoever runs it and however often.
    pub async fn remind_if_due(
        &self,
        candidate: &ReminderCandidate,
        schedule: &TenantSchedule,
    ) -> Result<Reminded, CommandError<InvoiceError>> {
        let days_after_due = (schedule.today - candidate.due_date).num_days();
        let Some(step) = schedule.policy.step_due(days_after_due) else {
            return Ok(Reminded::NotDue);
        };
        let (step, scheduled) = match (
            u8::try_from(step),
            schedule.policy.steps.get(step.saturating_sub(1)),
        ) {
            (Ok(step), Some(at)) if step > candidate.reminders_sent => (step, at),
            _ => return Ok(Reminded::NotDue),
        };
        let caller = Caller::new(
            candidate.tenant_id,
            UserId::new(DUNNING_ACTOR),
            vec![Role::Accountant],
        );
        let key = format!(
            "reminder/{}/{step}/{}",
            candidate.invoice_id, schedule.today
        );
        let ctx = CommandContext::new(caller, key);
        let input = (candidate.invoice_id, step, schedule.today);
        let outcome = run!(
            self,
            self.stores.invoices.as_ref(),
            &ctx,
            "RecordPaymentReminder",
            candidate.invoice_id,
            &input,
            None,
            |_| InvoiceCommand::RecordPaymentReminder(ReminderRequest {
                step,
                step_days_after_due: scheduled.days_after_due,
                // Charged once fees are invoiced (docs/design/dunning.md).
                late_fee: None,
                today: schedule.today,
                recipients: candidate.recipients.clone(),
            })
        )?;
        Ok(if outcome.replayed {
            Reminded::RecordedBefore(step)
        } else {
            Reminded::Recorded(step)
        })
    }
}
