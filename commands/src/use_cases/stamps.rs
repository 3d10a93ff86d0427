//! Recording a Mexican invoice's fiscal stamp: the stamper's steps (the CFDI
//! sealed, the PAC's stamp or refusal) and a user's request to try again after
//! a refusal become the invoice's events. See `folio_domain::invoice`'s stamp
//! rules: one fiscal folio per invoice.

use folio_domain::ids::InvoiceId;
use folio_domain::invoice::{CfdiRejection, CfdiSeal, CfdiStamp, InvoiceCommand, InvoiceError};

use super::{run, UseCases};
use crate::access::Action;
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::runner::Request;

impl UseCases {
    /// Records the CFDI sealed for the PAC (the same XML again changes
    /// nothing).
    pub async fn record_cfdi_seal(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        seal: CfdiSeal,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "RecordCfdiSeal",
            invoice_id,
            &seal,
            None,
            |_| InvoiceCommand::RecordCfdiSeal(seal.clone())
        )
    }

    /// Records the PAC's stamp (the same folio again changes nothing).
    pub async fn record_cfdi_stamp(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        stamp: CfdiStamp,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "RecordCfdiStamp",
            invoice_id,
            &stamp,
            None,
            |_| InvoiceCommand::RecordCfdiStamp(stamp.clone())
        )
    }

    /// Records the PAC's refusal of the stamp.
    pub async fn record_cfdi_rejection(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        rejection: CfdiRejection,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "RecordCfdiRejection",
            invoice_id,
            &rejection,
            None,
            |_| InvoiceCommand::RecordCfdiRejection(rejection.clone())
        )
    }

    /// Asks for the stamp again after the PAC refused it: the stamper seals
    /// the CFDI anew (with the customer's data as it is now) and sends it.
    pub async fn request_cfdi_stamp(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        let requested_at = self.runner.clock().now();
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "RequestCfdiStamp",
            invoice_id,
            &(),
            None,
            |_| InvoiceCommand::RequestCfdiStamp { requested_at }
        )
    }
}
