//! A draft's allowances and charges on the whole document (EN 16931 BG-20,
//! BG-21): added with their VAT rate and reason, removed while still a draft.
//! Issuing decides their amounts (`folio_domain::pricing`).

use folio_domain::adjustment::{AdjustmentKind, AdjustmentSize, DocumentAdjustment};
use folio_domain::ids::{AdjustmentId, InvoiceId};
use folio_domain::invoice::{InvoiceCommand, InvoiceError};
use folio_domain::tax::TaxRate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{derived_id, run, UseCases};
use crate::access::Action;
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::runner::Request;

/// Add an allowance or a charge to a draft: its VAT rate stated in full
/// (`tax`) or picked from the tenant's catalogue (`tax_rate_key`), exactly one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AddInvoiceAdjustment {
    /// Explicit id; derived from the idempotency key when absent.
    pub adjustment_id: Option<AdjustmentId>,
    /// Allowance (off) or charge (on).
    pub kind: AdjustmentKind,
    /// A fixed amount or a percentage of the lines at its rate.
    pub size: AdjustmentSize,
    /// Why, in words; this or `reason_code` is required.
    #[serde(default)]
    pub reason: Option<String>,
    /// Why, as a UNCL 5189 (allowance) or 7161 (charge) code.
    #[serde(default)]
    pub reason_code: Option<String>,
    /// The one VAT rate whose base it changes, stated in full.
    #[serde(default)]
    pub tax: Option<TaxRate>,
    /// Or that rate picked from the tenant's tax-rate catalogue by key.
    #[serde(default)]
    pub tax_rate_key: Option<String>,
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
        let tax = match (&input.tax, &input.tax_rate_key) {
            (Some(tax), None) => tax.clone(),
            (None, Some(key)) => {
                let mut taxes = self.catalogue_taxes(ctx, std::slice::from_ref(key)).await?;
                taxes.remove(0)
            }
            _ => return Err(CommandError::Rejected(InvoiceError::AdjustmentTaxChoice)),
        };
        let adjustment = DocumentAdjustment {
            kind: input.kind,
            size: input.size.clone(),
            reason: input.reason.clone(),
            reason_code: input.reason_code.clone(),
            tax,
        };
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
                adjustment: adjustment.clone()
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
