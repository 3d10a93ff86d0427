//! Recording a Mexican payment's complement (CFDI of type P): numbered in the
//! tenant's complement series, then the stamper's steps (sealed, stamped or
//! refused by the PAC), and a user's request to try again after a refusal.
//! See `folio_domain::invoice`'s complement rules: one fiscal folio each.

use folio_domain::ids::{InvoiceId, PaymentId};
use folio_domain::invoice::{InvoiceCommand, InvoiceError, StampStep};

use super::{dating, reserved, run, UseCases};
use crate::access::Action;
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::runner::Request;

impl UseCases {
    /// Numbers the complement owed for `payment_id` under the next number of
    /// the tenant's complement series, dated today in the tenant's time.
    /// Numbered already: nothing changes and no number is taken.
    pub async fn issue_payment_complement(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        payment_id: PaymentId,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        let settings = self.settings(ctx.tenant_id()).await?;
        let today = settings.today(self.runner.clock().now());
        let series = settings.invoicing.payment_complement_series;
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "IssuePaymentComplement",
            invoice_id,
            &payment_id,
            Some(series.clone()),
            |n| InvoiceCommand::IssuePaymentComplement {
                payment_id,
                number: reserved(&series, n),
                issue_date: today,
                dating: dating(today, n),
            }
        )
    }

    /// Records a step of `payment_id`'s complement: the seal sent, the PAC's
    /// stamp or its refusal (the same step again changes nothing).
    pub async fn record_complement_step(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        payment_id: PaymentId,
        step: StampStep,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "RecordStampStep",
            invoice_id,
            &(payment_id, &step),
            None,
            |_| InvoiceCommand::RecordStampStep {
                payment_id,
                step: step.clone(),
            }
        )
    }

    /// Asks for a complement's stamp again after the PAC refused it: the
    /// stamper seals it anew and sends it.
    pub async fn request_complement_stamp(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        payment_id: PaymentId,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        let requested_at = self.runner.clock().now();
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "RequestComplementStamp",
            invoice_id,
            &payment_id,
            None,
            |_| InvoiceCommand::RecordStampStep {
                payment_id,
                step: StampStep::Request { requested_at },
            }
        )
    }
}
