//! Numbering a Mexican payment's complement (CFDI of type P) in the tenant's
//! complement series: the stamper's first step for it (its stamp's steps are
//! every CFDI's, in `stamps`). See `folio_domain::invoice`'s complement
//! rules: one fiscal folio each.

use folio_domain::ids::{InvoiceId, PaymentId};
use folio_domain::invoice::{InvoiceCommand, InvoiceError};

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
}
