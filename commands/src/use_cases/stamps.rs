//! Recording the fiscal stamps of a Mexican invoice's CFDIs (its own, its
//! payments' complements, its credit notes'): the stamper's steps (the CFDI
//! sealed, the PAC's stamp or refusal) and a user's request to try again
//! after a refusal become the invoice's events. See `folio_domain::invoice`'s
//! stamp rules: one fiscal folio per CFDI.

use folio_domain::ids::InvoiceId;
use folio_domain::invoice::{DocumentOfInvoice, InvoiceCommand, InvoiceError, StampStep};

use super::{run, UseCases};
use crate::access::Action;
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::runner::Request;

impl UseCases {
    /// Records a step of `document`'s CFDI: the seal sent, the PAC's stamp
    /// or its refusal (the same step again changes nothing).
    pub async fn record_stamp_step(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        document: DocumentOfInvoice,
        step: StampStep,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "RecordStampStep",
            invoice_id,
            &(document, &step),
            None,
            |_| InvoiceCommand::RecordStampStep {
                document,
                step: step.clone(),
            }
        )
    }

    /// Asks for `document`'s stamp again after the PAC refused it: the
    /// stamper seals the CFDI anew (with the customer's data as it is now)
    /// and sends it.
    pub async fn request_stamp(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        document: DocumentOfInvoice,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        let requested_at = self.runner.clock().now();
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "RequestCfdiStamp",
            invoice_id,
            &document,
            None,
            |_| InvoiceCommand::RecordStampStep {
                document,
                step: StampStep::Request { requested_at },
            }
        )
    }
}
