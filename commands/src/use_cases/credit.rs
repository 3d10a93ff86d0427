//! Applying a customer's credit to another of their invoices (ADR 008): the
//! credit leaves the invoice that holds it, then settles the other one. Each
//! half is a command on its own invoice under a key derived from the request's,
//! so a retry of an interrupted request finishes the move and never repeats a
//! half; until it is finished the move shows as under way in the read model.

use chrono::NaiveDate;
use folio_domain::ids::{CreditTransferId, CustomerId, InvoiceId};
use folio_domain::invoice::{Invoice, InvoiceCommand, InvoiceError};
use folio_domain::money::Money;
use folio_domain::Decide;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{current, derived_id, run, step_context, UseCases};
use crate::access::Action;
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::runner::Request;

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

impl UseCases {
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
        let (_, source_customer) = self.own_invoice(ctx, input.from_invoice).await?;
        let (target, target_customer) = self.own_invoice(ctx, invoice_id).await?;
        let arrival = InvoiceCommand::ApplyCredit {
            transfer_id,
            from_invoice: input.from_invoice,
            from_customer: source_customer,
            amount: input.amount,
            applied_on: on,
        };
        let settled = target
            .transfers
            .applied
            .iter()
            .any(|t| t.transfer_id == transfer_id);
        if !settled {
            require_settles(&target, &arrival, input.amount)?;
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
        let outcome = run!(
            self,
            self.stores.invoices.as_ref(),
            &step_context(ctx, "credit", "apply"),
            "ApplyCredit",
            invoice_id,
            &input,
            None,
            |_| arrival.clone()
        )?;
        Ok((outcome, transfer_id))
    }

    /// The invoice `invoice_id` of the caller's tenant and its customer
    /// (NOT_FOUND otherwise).
    async fn own_invoice(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
    ) -> Result<(Invoice, CustomerId), CommandError<InvoiceError>> {
        let invoice: Invoice =
            current(self.stores.invoices.as_ref(), &invoice_id.to_string()).await?;
        match invoice.customer_id {
            Some(customer) if invoice.tenant_id == Some(ctx.tenant_id()) => Ok((invoice, customer)),
            _ => Err(CommandError::Rejected(InvoiceError::NotFound)),
        }
    }
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
