//! Payment reminders and disputes: a dispute raised and settled by a person;
//! a reminder recorded by the dunning process ([`crate::dunning`]) when the
//! tenant's schedule says a step is due.

use chrono::{DateTime, Utc};
use folio_documents::locale::Locale;
use folio_domain::dunning::DunningPolicy;
use folio_domain::ids::{CustomerId, InvoiceId, LineId, TenantId, UserId};
use folio_domain::invoice::{Delivery, Invoice, InvoiceCommand, InvoiceError, ReminderRequest};
use folio_domain::money::Money;
use folio_domain::pricing::{LineRequest, PriceBasis};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{derived_id, run, step_context, UseCases};
use super::{AddInvoiceLine, CreateInvoiceDraft, IssueInvoice};
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
    /// Whether it charges another invoice's late fee: it charges none itself.
    pub is_late_fee: bool,
}

/// A late fee a reminder charged whose invoice is still to issue or send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateFeeDue {
    /// Its tenant: the process acts in its name.
    pub tenant_id: TenantId,
    /// The invoice reminded of.
    pub invoice_id: InvoiceId,
    /// That invoice's number, which the fee's line names.
    pub number: String,
    /// The reminder's step.
    pub step: u8,
    /// The customer, who is invoiced the fee.
    pub customer_id: CustomerId,
    /// The customer's country, whose language the line is written in.
    pub country: String,
    /// The fee, before tax.
    pub fee: Money,
    /// The tenant's tax-catalogue key of the tax on it.
    pub tax_rate_key: String,
    /// The invoice that charges it ([`folio_domain::dunning::late_fee_invoice_id`]).
    pub fee_invoice_id: InvoiceId,
    /// Where it is e-mailed (the reminder's addresses); none: only issued.
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
        self.tenant_invoice(tenant_id, invoice_id).await
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
        let key = format!(
            "reminder/{}/{step}/{}",
            candidate.invoice_id, schedule.today
        );
        let ctx = CommandContext::new(dunning_caller(candidate.tenant_id), key);
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
                // No fee on a fee.
                late_fee: scheduled
                    .late_fee
                    .clone()
                    .filter(|_| !candidate.is_late_fee),
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

    /// Issues the invoice that charges `fee` to the reminded customer (one
    /// line, taxed at the fee's catalogue rate) and e-mails it where the
    /// reminder went. The fee invoice's id is the request: each step's key
    /// derives from it, so a run that stopped halfway is finished by the
    /// next, and a finished one replays.
    pub async fn invoice_late_fee(
        &self,
        fee: &LateFeeDue,
    ) -> Result<(), CommandError<InvoiceError>> {
        let id = fee.fee_invoice_id;
        let request = CommandContext::new(dunning_caller(fee.tenant_id), id.to_string());
        let step = |what: &str| step_context(&request, "late-fee", what);
        let draft = CreateInvoiceDraft {
            invoice_id: Some(id),
            customer_id: fee.customer_id,
            currency: Some(fee.fee.currency),
            due_terms: None,
            notes: None,
            price_basis: None,
        };
        self.create_invoice_draft(&step("draft"), draft).await?;
        let line = AddInvoiceLine {
            line_id: Some(LineId(derived_id(
                fee.tenant_id,
                "late-fee-line",
                &id.to_string(),
            ))),
            item: LineRequest {
                description: late_fee_line(fee),
                quantity: Decimal::ONE,
                unit_price: fee.fee.amount,
                discount: None,
                taxes: Vec::new(),
                price_basis: Some(PriceBasis::Net),
                sat: None,
            },
            tax_rate_keys: vec![fee.tax_rate_key.clone()],
        };
        self.add_invoice_line(&step("line"), id, line).await?;
        let issue = IssueInvoice {
            issue_date: None,
            prepaid: None,
            exchange_rate: None,
        };
        self.issue_invoice(&step("issue"), id, issue).await?;
        if !fee.recipients.is_empty() {
            let to = fee.recipients.clone();
            self.mark_invoice_sent(&step("send"), id, to, Delivery::Email)
                .await?;
        }
        Ok(())
    }
}

/// The dunning process acting in `tenant_id`'s name, as an accountant.
fn dunning_caller(tenant_id: TenantId) -> Caller {
    Caller::new(
        tenant_id,
        UserId::new(DUNNING_ACTOR),
        vec![Role::Accountant],
    )
}

/// What the fee's line says, in the language of the customer's country.
fn late_fee_line(fee: &LateFeeDue) -> String {
    let (step, number) = (fee.step, &fee.number);
    match Locale::of_country(&fee.country) {
        Locale::En => format!("Late fee: payment reminder {step} for invoice {number}"),
        Locale::De => format!("Mahngebühr: {step}. Zahlungserinnerung zu Rechnung {number}"),
        Locale::Es => format!("Cargo por mora: recordatorio de pago {step} de la factura {number}"),
    }
}
