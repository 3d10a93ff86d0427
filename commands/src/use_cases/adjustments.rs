//! A draft's allowances and charges on the whole document (EN 16931 BG-20,
//! BG-21): added with their VAT rate and reason, removed while still a draft.
//! Issuing decides their amounts (`folio_domain::pricing`).

use folio_domain::adjustment::DocumentAdjustment;
use folio_domain::ids::{AdjustmentId, InvoiceId};
use folio_domain::invoice::{InvoiceCommand, InvoiceError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{derived_id, run, UseCases};
use crate::access::Action;
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::runner::Request;

/// Add an allowance or a charge to a draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AddInvoiceAdjustment {
    /// Explicit id; derived from the idempotency key when absent.
    pub adjustment_id: Option<AdjustmentId>,
    /// What it takes off or adds, at which VAT rate, and why.
    pub adjustment: DocumentAdjustment,
}

impl UseCases {
    /// Adds an allowance or a charge on the whole draft; returns its id.
    pub async fn add_invoice_adjustment(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        input: AddInvoiceAdjustment,
    ) -> Result<(CommandOutcome, AdjustmentId), CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        let adjustment_id = input.adjustment_id.unwrap_or(AdjustmentId(derived_id(
            ctx.tenant_id(),
            "adjustment",
            &ctx.idempotency_key,
        )));
        let outcome = run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "AddInvoiceAdjustment",
            invoice_id,
            &input,
            None,
            |_| InvoiceCommand::AddDocumentAdjustment {
                adjustment_id,
                adjustment: input.adjustment.clone()
            }
        )?;
        Ok((outcome, adjustment_id))
    }

    /// Removes an allowance or a charge from a draft.
    pub async fn remove_invoice_adjustment(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        adjustment_id: AdjustmentId,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "RemoveInvoiceAdjustment",
            invoice_id,
            &adjustment_id,
            None,
            |_| InvoiceCommand::RemoveDocumentAdjustment { adjustment_id }
        )
    }
}
