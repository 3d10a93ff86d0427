//! The mutations of an invoice's life, each a call of its use case.

use async_graphql::{Context, Object, ID};
use folio_commands::{
    AddInvoiceLine, DisputeInvoice, IssueInvoice, ResolveInvoiceDispute, VoidInvoice,
};
use folio_domain::invoice::Delivery;

use crate::graphql::ids::uuid_arg;
use crate::graphql::inputs::{
    AccountingRateInput, AppliedCreditInput, CreditNoteInput, DueTermsInput, InvoiceDraftInput,
    LineInput, PaymentInput, PrepaidCreditInput, RefundInput, SatCancellationInput,
};
use crate::graphql::outcome::CommandResult;
use crate::graphql::scalars::Date;

/// The invoice mutations (accountants and admins).
#[derive(Debug, Default)]
pub struct InvoiceMutation;

#[Object]
impl InvoiceMutation {
    /// Starts an invoice draft; currency and terms default to the customer's.
    async fn create_invoice_draft(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(desc = "The customer and, optionally, currency, terms and notes.")]
        input: InvoiceDraftInput,
    ) -> async_graphql::Result<CommandResult> {
        let input = input.into_command()?;
        command!(ctx, idempotency_key, None, |use_cases, c| use_cases
            .create_invoice_draft(&c, input))
    }

    /// Adds a line to a draft.
    async fn add_invoice_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The line's description, quantity, unit price, discount and taxes.")]
        line: LineInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let (item, tax_rate_keys) = line.into_domain()?;
        let input = AddInvoiceLine {
            line_id: None,
            item,
            tax_rate_keys,
        };
        command!(
            ctx,
            idempotency_key,
            expected_version,
            |use_cases, c| async {
                use_cases
                    .add_invoice_line(&c, id, input)
                    .await
                    .map(|(outcome, _)| outcome)
            }
        )
    }

    /// Replaces a draft line.
    async fn change_invoice_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The line's UUID (`lineId`).")] line_id: ID,
        #[graphql(desc = "The line's description, quantity, unit price, discount and taxes.")]
        line: LineInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let line_id = uuid_arg(&line_id, "lineId")?;
        let (item, keys) = line.into_domain()?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.change_invoice_line(&c, id, line_id, item, &keys)
        })
    }

    /// Removes a draft line.
    async fn remove_invoice_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The line's UUID (`lineId`).")] line_id: ID,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let line_id = uuid_arg(&line_id, "lineId")?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.remove_invoice_line(&c, id, line_id)
        })
    }

    /// Changes a draft's terms and notes.
    async fn update_invoice_terms(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "When the invoice falls due: net days or a fixed date.")]
        terms: DueTermsInput,
        #[graphql(desc = "Free text printed on the invoice; null removes it.")] notes: Option<
            String,
        >,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let terms = terms.into_domain()?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.update_invoice_terms(&c, id, terms, notes)
        })
    }

    /// Issues a draft: numbers it in the tenant's series and freezes its amounts.
    #[expect(
        clippy::too_many_arguments,
        reason = "each parameter is one of the mutation's arguments"
    )]
    async fn issue_invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The issue date; today in the tenant's timezone if not given.")]
        issue_date: Option<Date>,
        #[graphql(
            desc = "Credit of the customer (held on another of their invoices) to apply as it is issued: the document states it as paid in advance."
        )]
        prepaid: Option<PrepaidCreditInput>,
        #[graphql(
            desc = "For an invoice in another currency than the tenant's accounting currency: its rate of the issue date. The tenant's exchange-rate table gives it when omitted."
        )]
        exchange_rate: Option<AccountingRateInput>,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let input = IssueInvoice {
            issue_date: issue_date.map(|d| d.0),
            prepaid: prepaid.map(PrepaidCreditInput::into_command).transpose()?,
            exchange_rate: exchange_rate.map(AccountingRateInput::into_command),
        };
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.issue_invoice(&c, id, input)
        })
    }

    /// Records that an invoice was sent.
    async fn mark_invoice_sent(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "Where it was sent (an e-mail address or a channel).")] recipient: String,
        #[graphql(desc = "Further recipients of the same sending.")] cc: Option<Vec<String>>,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let recipients: Vec<String> = std::iter::once(recipient)
            .chain(cc.unwrap_or_default())
            .collect();
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.mark_invoice_sent(&c, id, recipients, Delivery::Recorded)
        })
    }

    /// Sends an issued invoice by e-mail: records it as sent, and Folio
    /// e-mails it to the recipients with its archived documents attached.
    /// The e-mail is queued once the outcome is returned; `notifications` on
    /// the invoice (read with the outcome's `consistencyToken`) shows whether
    /// it went out. Sending again e-mails it again.
    async fn send_invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The e-mail addresses it goes to (1 to 10); repeats are dropped.")]
        to: Vec<String>,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.mark_invoice_sent(&c, id, to, Delivery::Email)
        })
    }

    /// Records a payment against an issued invoice.
    async fn record_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The amount received, in the invoice's currency, and how.")]
        payment: PaymentInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let payment = payment.into_command()?;
        command!(
            ctx,
            idempotency_key,
            expected_version,
            |use_cases, c| async {
                use_cases
                    .record_payment(&c, id, payment)
                    .await
                    .map(|(outcome, _)| outcome)
            }
        )
    }

    /// Settles (part of) an issued invoice with credit another invoice of the
    /// same customer holds (an overpayment, a credit note after payment): the
    /// credit leaves that invoice and settles this one. Retrying with the same
    /// key finishes a move a failure interrupted and never repeats one.
    async fn apply_customer_credit(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(desc = "The UUID of the invoice settled (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "Where the credit comes from and how much.")] credit: AppliedCreditInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let credit = credit.into_command()?;
        command!(ctx, idempotency_key, None, |use_cases, c| async {
            use_cases
                .apply_customer_credit(&c, id, credit)
                .await
                .map(|(outcome, _)| outcome)
        })
    }

    /// Refunds (part of) a payment.
    async fn refund_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The payment refunded and how much of it.")] refund: RefundInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let refund = refund.into_command()?;
        command!(
            ctx,
            idempotency_key,
            expected_version,
            |use_cases, c| async {
                use_cases
                    .refund_payment(&c, id, refund)
                    .await
                    .map(|(outcome, _)| outcome)
            }
        )
    }

    /// Issues a credit note against an issued invoice.
    async fn issue_credit_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The gross amount credited and why.")] credit_note: CreditNoteInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let input = credit_note.into_command()?;
        command!(
            ctx,
            idempotency_key,
            expected_version,
            |use_cases, c| async {
                use_cases
                    .issue_credit_note(&c, id, input)
                    .await
                    .map(|(outcome, _)| outcome)
            }
        )
    }

    /// Voids an invoice while nothing was paid or credited, as the tenant's
    /// jurisdiction allows: never under `EU` (issue a credit note), with SAT's
    /// reason under `MX`.
    async fn void_invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "Why, for the record.")] reason: String,
        #[graphql(
            desc = "SAT's reason code and the replacing invoice: required under the MX jurisdiction, refused under the others."
        )]
        sat_cancellation: Option<SatCancellationInput>,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let input = VoidInvoice {
            reason,
            sat_cancellation: sat_cancellation
                .map(SatCancellationInput::into_request)
                .transpose()?,
        };
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.void_invoice(&c, id, input.clone())
        })
    }

    /// Records that the customer contests the invoice: payment reminders stop
    /// until the dispute is resolved.
    async fn dispute_invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "What the customer contests, for the record.")] reason: String,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let input = DisputeInvoice { reason };
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.dispute_invoice(&c, id, input.clone())
        })
    }

    /// Records that the invoice's dispute is settled: reminders resume with
    /// the latest step of the schedule whose day has come (not every step
    /// missed meanwhile).
    async fn resolve_invoice_dispute(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "How it was settled, for the record.")] resolution: Option<String>,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let input = ResolveInvoiceDispute { resolution };
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.resolve_invoice_dispute(&c, id, input.clone())
        })
    }
}
