//! Applying a customer's credit to another of their invoices (ADR 008): the
//! credit leaves the invoice that holds it, then settles the other one. Each
//! half is a command on its own invoice under a key derived from the request's,
//! so a retry of an interrupted request finishes the move and never repeats a
//! half; until it is finished the move shows as under way in the read model,
//! where a process finds it and finishes it without the client
//! ([`finish_credit_moves`]): it applies the credit, or gives it back to the
//! invoice it left when the other one can no longer take it.

use chrono::NaiveDate;
use std::sync::Arc;
use std::time::Duration;

use folio_domain::ids::{CreditTransferId, CustomerId, InvoiceId, UserId};
use folio_domain::invoice::{
    CreditWorth, DocumentStatus, Invoice, InvoiceCommand, InvoiceError, PrepaidCredit,
};
use folio_domain::money::Money;
use folio_domain::Decide;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{current, derived_id, run, step_context, UseCases};
use crate::access::{Action, Caller, Role};
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::ports::{CreditMovesUnderWay, MoveUnderWay};
use crate::runner::Request;

/// Who the history names for what the finisher does.
pub const CREDIT_MOVE_FINISHER: &str = "system:credit-moves";

/// How long a move may be under way before the finisher takes it over: the
/// request that started it may still be finishing it.
pub const CREDIT_MOVE_GRACE: Duration = Duration::from_secs(30);

/// What the finisher did with a move under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveFinished {
    /// The target recorded the credit.
    Applied,
    /// The target had recorded it already (the read model was behind).
    AppliedBefore,
    /// The target could no longer take it: the source has it back.
    Returned,
    /// The target is still a draft (the issue that was to apply it failed):
    /// it takes the credit once issued, so the move waits.
    Waiting,
}

/// Settle (part of) an invoice with credit another invoice of the same
/// customer holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApplyCustomerCredit {
    /// The invoice holding the credit.
    pub from_invoice: InvoiceId,
    /// How much to apply: at most what the source holds and what the invoice
    /// settled still owes.
    pub amount: Money,
    /// The date it takes effect; today when absent.
    pub applied_on: Option<NaiveDate>,
}

/// The customer's credit to apply as an invoice is issued (paid in advance,
/// EN 16931 BT-113).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PrepaidFromCredit {
    /// The invoice of the same customer that holds the credit (an earlier
    /// deposit, an overpayment).
    pub from_invoice: InvoiceId,
    /// How much: at most what that invoice holds and the new invoice's total.
    pub amount: Money,
}

impl UseCases {
    /// Releases `asked` from the invoice holding it, for the draft `invoice_id`
    /// to apply as it is issued; `issue` builds the issue with the credit it
    /// is given. The issue is tried first, so credit moves only towards an
    /// issue its rules accept; if the issue fails after all, the move stays
    /// under way until the draft is issued ([`UseCases::finish_credit_move`]).
    pub(super) async fn release_for_issue(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        draft: &Invoice,
        asked: &PrepaidFromCredit,
        issue_date: NaiveDate,
        issue: impl Fn(Option<PrepaidCredit>) -> InvoiceCommand,
    ) -> Result<PrepaidCredit, CommandError<InvoiceError>> {
        let transfer_id = CreditTransferId(derived_id(
            ctx.tenant_id(),
            "prepaid-credit",
            &ctx.idempotency_key,
        ));
        let (source, source_customer) = self.own_invoice(ctx, asked.from_invoice).await?;
        let target_customer = draft
            .customer_id
            .ok_or(CommandError::Rejected(InvoiceError::NotFound))?;
        let prepaid = PrepaidCredit {
            transfer_id,
            from_invoice: asked.from_invoice,
            from_customer: source_customer,
            amount: asked.amount,
            worth: worth_of_move(&source, transfer_id, asked.amount),
        };
        draft
            .decide(issue(Some(prepaid.clone())))
            .map_err(CommandError::Rejected)?;
        run!(
            self,
            self.stores.invoices.as_ref(),
            &step_context(ctx, "prepaid", "transfer"),
            "TransferCredit",
            asked.from_invoice,
            asked,
            None,
            |_| InvoiceCommand::TransferCredit {
                transfer_id,
                to_invoice: invoice_id,
                to_customer: target_customer,
                amount: asked.amount,
                transferred_on: issue_date,
            }
        )?;
        let worth = self.recorded_worth(ctx, &source, transfer_id).await?;
        Ok(PrepaidCredit { worth, ..prepaid })
    }

    /// Moves `input.amount` of credit from `input.from_invoice` to `invoice_id`;
    /// returns the settled invoice's outcome and the move's id.
    pub async fn apply_customer_credit(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        input: ApplyCustomerCredit,
    ) -> Result<(CommandOutcome, CreditTransferId), CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManagePayments)?;
        let transfer_id = CreditTransferId(derived_id(
            ctx.tenant_id(),
            "credit-transfer",
            &ctx.idempotency_key,
        ));
        let on = match input.applied_on {
            Some(date) => date,
            None => self.today(ctx.tenant_id()).await?,
        };
        let (source, source_customer) = self.own_invoice(ctx, input.from_invoice).await?;
        let (target, target_customer) = self.own_invoice(ctx, invoice_id).await?;
        let arrival = |worth| InvoiceCommand::ApplyCredit {
            transfer_id,
            from_invoice: input.from_invoice,
            from_customer: source_customer,
            amount: input.amount,
            applied_on: on,
            worth,
        };
        let settled = target
            .transfers
            .applied
            .iter()
            .any(|t| t.transfer_id == transfer_id);
        if !settled {
            let expected = worth_of_move(&source, transfer_id, input.amount);
            require_settles(&target, &arrival(expected), input.amount)?;
        }
        run!(
            self,
            self.stores.invoices.as_ref(),
            &step_context(ctx, "credit", "transfer"),
            "TransferCredit",
            input.from_invoice,
            &input,
            None,
            |_| InvoiceCommand::TransferCredit {
                transfer_id,
                to_invoice: invoice_id,
                to_customer: target_customer,
                amount: input.amount,
                transferred_on: on,
            }
        )?;
        let worth = self.recorded_worth(ctx, &source, transfer_id).await?;
        let outcome = run!(
            self,
            self.stores.invoices.as_ref(),
            &step_context(ctx, "credit", "apply"),
            "ApplyCredit",
            invoice_id,
            &input,
            None,
            |_| arrival(worth.clone())
        )?;
        Ok((outcome, transfer_id))
    }

    /// Finishes `move_` as its request would have: the target records the
    /// credit, or, when its rules refuse it now (voided since, say), the source
    /// takes it back whole. Runs as [`CREDIT_MOVE_FINISHER`] under keys derived
    /// from the move, so replicas running it at once do each half once.
    pub async fn finish_credit_move(
        &self,
        move_: &MoveUnderWay,
    ) -> Result<MoveFinished, CommandError<InvoiceError>> {
        let caller = Caller::new(
            move_.tenant_id,
            UserId::new(CREDIT_MOVE_FINISHER),
            vec![Role::Accountant],
        );
        // The move is the request: its steps' keys derive from it as a
        // request's steps' keys derive from its idempotency key.
        let request = CommandContext::new(caller, move_.transfer_id.to_string());
        let step = |what: &str| step_context(&request, "credit-finisher", what);
        let (source, source_customer) = self.own_invoice(&request, move_.from_invoice).await?;
        let worth = source.credit_worth_moved(move_.transfer_id);
        let target: Invoice =
            current(self.stores.invoices.as_ref(), &move_.to_invoice.to_string()).await?;
        if target.status == DocumentStatus::Draft {
            // A draft can still take it once issued: giving it back now could
            // cross the issue that applies it as paid in advance. Nothing is
            // tried, so no refusal is recorded under the move's key.
            return Ok(MoveFinished::Waiting);
        }
        let on = self.today(move_.tenant_id).await?;
        let applied = run!(
            self,
            self.stores.invoices.as_ref(),
            &step("finish"),
            "ApplyCredit",
            move_.to_invoice,
            move_,
            None,
            |_| InvoiceCommand::ApplyCredit {
                transfer_id: move_.transfer_id,
                from_invoice: move_.from_invoice,
                from_customer: source_customer,
                amount: move_.amount,
                applied_on: on,
                worth: worth.clone(),
            }
        );
        match applied {
            Ok(_) => Ok(MoveFinished::Applied),
            // Recorded already: the read model was behind. Never a reason to
            // give the credit back.
            Err(CommandError::Rejected(InvoiceError::DuplicateCreditTransfer(_))) => {
                Ok(MoveFinished::AppliedBefore)
            }
            Err(CommandError::Rejected(refused)) => {
                tracing::info!(transfer = %move_.transfer_id, %refused, "the target refuses the credit; giving it back");
                run!(
                    self,
                    self.stores.invoices.as_ref(),
                    &step("return"),
                    "ReturnCredit",
                    move_.from_invoice,
                    move_,
                    None,
                    |_| InvoiceCommand::ReturnCredit {
                        transfer_id: move_.transfer_id,
                        returned_on: on,
                    }
                )?;
                Ok(MoveFinished::Returned)
            }
            Err(other) => Err(other),
        }
    }

    /// What the recorded move `transfer_id` took out of the books of
    /// `source` (as read before the move): the worth the credit arrives
    /// with. Only an invoice booked in a foreign currency is read again, for
    /// the half it recorded since; any other is booked in no books, which
    /// its issue fixed for good.
    async fn recorded_worth(
        &self,
        ctx: &CommandContext,
        source: &Invoice,
        transfer_id: CreditTransferId,
    ) -> Result<Option<CreditWorth>, CommandError<InvoiceError>> {
        let Some(source_id) = source.invoice_id.filter(|_| source.booked_at.is_some()) else {
            return Ok(None);
        };
        let (recorded, _) = self.own_invoice(ctx, source_id).await?;
        Ok(recorded.credit_worth_moved(transfer_id))
    }

    /// The invoice `invoice_id` of the caller's tenant and its customer
    /// (NOT_FOUND otherwise).
    async fn own_invoice(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
    ) -> Result<(Invoice, CustomerId), CommandError<InvoiceError>> {
        let invoice = self.tenant_invoice(ctx.tenant_id(), invoice_id).await?;
        match invoice.customer_id {
            Some(customer) => Ok((invoice, customer)),
            None => Err(CommandError::Rejected(InvoiceError::NotFound)),
        }
    }
}

/// What move `transfer_id` of `amount` takes out of `source`'s books: what it
/// took, once recorded (a retry), else what it would take now. Only the
/// checks before the move use this; the target's half takes the recorded worth.
fn worth_of_move(
    source: &Invoice,
    transfer_id: CreditTransferId,
    amount: Money,
) -> Option<CreditWorth> {
    source
        .credit_worth_moved(transfer_id)
        .or_else(|| source.credit_worth_leaving(amount.amount))
}

/// Refuses, before anything moves, credit the target could not take now: what
/// its own rules would refuse (not issued, dated before it, another customer or
/// currency), or more than it owes (which would only move credit around). Once
/// the source has released the credit, the target's half must not fail.
fn require_settles(
    target: &Invoice,
    arrival: &InvoiceCommand,
    amount: Money,
) -> Result<(), CommandError<InvoiceError>> {
    target
        .decide(arrival.clone())
        .map_err(CommandError::Rejected)?;
    let due = target.amount_due();
    if amount.amount > due {
        return Err(CommandError::Rejected(InvoiceError::OverApplication {
            due: Money::new(due, amount.currency),
            offered: amount,
        }));
    }
    Ok(())
}

/// Finishes the credit moves `moves` finds under way, every `interval`,
/// forever; a move that fails now (the database is away) is taken again in
/// the next round.
pub async fn finish_credit_moves(
    use_cases: Arc<UseCases>,
    moves: Arc<dyn CreditMovesUnderWay>,
    interval: Duration,
) -> std::convert::Infallible {
    loop {
        tokio::time::sleep(interval).await;
        let under_way = match moves.older_than(CREDIT_MOVE_GRACE).await {
            Ok(under_way) => under_way,
            Err(error) => {
                tracing::warn!(%error, "cannot read the credit moves under way");
                continue;
            }
        };
        for move_ in under_way {
            match use_cases.finish_credit_move(&move_).await {
                Ok(done) => {
                    tracing::info!(transfer = %move_.transfer_id, ?done, "finished a credit move")
                }
                Err(error) => {
                    tracing::warn!(transfer = %move_.transfer_id, %error, "cannot finish a credit move yet")
                }
            }
        }
    }
}
