//! Recording what SAT answers of a stamped CFDI's cancellation (the
//! canceller's steps): its acknowledgement, the cancellation itself (the
//! invoice void, dated today in the tenant's time), or a refusal. The request
//! is a user's void (`void_invoice`); see `folio_domain::invoice`'s
//! cancellation rules.

use folio_domain::ids::InvoiceId;
use folio_domain::invoice::{
    CfdiCancellationReceipt, CfdiCancellationRefusal, InvoiceCommand, InvoiceError,
};

use super::{run, UseCases};
use crate::access::Action;
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::runner::Request;

impl UseCases {
    /// Records SAT's acknowledgement of the request (a second one changes
    /// nothing).
    pub async fn record_cfdi_cancellation_receipt(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        receipt: CfdiCancellationReceipt,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "RecordCfdiCancellationReceipt",
            invoice_id,
            &receipt,
            None,
            |_| InvoiceCommand::RecordCfdiCancellationReceipt(receipt.clone())
        )
    }

    /// Records that SAT cancelled the CFDI: the invoice is void from today.
    pub async fn record_cfdi_cancelled(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        let cancelled_on = self.today(ctx.tenant_id()).await?;
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "RecordCfdiCancelled",
            invoice_id,
            &cancelled_on,
            None,
            |_| InvoiceCommand::RecordCfdiCancelled { cancelled_on }
        )
    }

    /// Records that SAT, the PAC or the receiver refused the cancellation.
    pub async fn record_cfdi_cancellation_refusal(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        refusal: CfdiCancellationRefusal,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "RecordCfdiCancellationRefusal",
            invoice_id,
            &refusal,
            None,
            |_| InvoiceCommand::RecordCfdiCancellationRefusal(refusal.clone())
        )
    }
}
