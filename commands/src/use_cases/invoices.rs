//! Invoices: drafts and their lines, issuing under a gap-free number, sending,
//! payments and refunds, credit notes, voiding.

use chrono::NaiveDate;
use folio_domain::customer::{Customer, CustomerStanding};
use folio_domain::ids::{CreditNoteId, CustomerId, InvoiceId, LineId, PaymentId, RefundId};
use folio_domain::invoice::{
    CfdiContext, CreditRequest, Delivery, DocumentStatus, DueTerms, Invoice, InvoiceCommand,
    InvoiceError, PaymentMethod, ReplacementInvoice, SatCancellation, SatCancellationReason,
    StampState,
};
use folio_domain::money::{Currency, Money};
use folio_domain::pricing::{LineRequest, PriceBasis};
use folio_domain::tax::TaxRate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{current, dating, derived_id, reserved, run, UseCases};
use crate::access::Action;
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::ports::Reservation;
use crate::runner::Request;

/// Start an invoice draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CreateInvoiceDraft {
    /// Explicit id; derived from the idempotency key when absent.
    pub invoice_id: Option<InvoiceId>,
    /// The customer invoiced; the invoice keeps them for life.
    pub customer_id: CustomerId,
    /// Currency; the customer's default when absent.
    pub currency: Option<Currency>,
    /// Due terms; the customer's payment terms when absent.
    pub due_terms: Option<DueTerms>,
    /// Free text printed on the invoice; none if absent.
    pub notes: Option<String>,
    /// Whether the prices of lines that state no basis exclude (`NET`, when
    /// absent) or include (`GROSS`) their taxes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_basis: Option<PriceBasis>,
}

/// Void (cancel) an issued invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VoidInvoice {
    /// Why, for the record (required).
    pub reason: String,
    /// SAT's reason and replacing invoice: required under the MX jurisdiction,
    /// refused under any other.
    pub sat_cancellation: Option<SatCancellationRequest>,
}

/// A Mexican cancellation as a caller asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SatCancellationRequest {
    /// SAT's reason code (01 to 04).
    pub reason: SatCancellationReason,
    /// The issued invoice of the same customer that replaces this one (reason
    /// 01 only).
    pub replaced_by: Option<InvoiceId>,
}

/// Add a line to a draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AddInvoiceLine {
    /// Explicit line id; derived from the idempotency key when absent.
    pub line_id: Option<LineId>,
    /// The line; without a price basis, the draft's.
    pub item: LineRequest,
    /// Rates of the tenant's tax-rate catalogue, by key, charged before the
    /// line's own `taxes`.
    #[serde(default)]
    pub tax_rate_keys: Vec<String>,
}

/// Issue a draft.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct IssueInvoice {
    /// Issue date; today when absent.
    pub issue_date: Option<NaiveDate>,
    /// The customer's credit to apply as it is issued, which the document
    /// states as paid in advance; none when absent.
    #[serde(default)]
    pub prepaid: Option<super::PrepaidFromCredit>,
    /// The rate into the tenant's accounting currency of the issue date, for
    /// an invoice in another currency; the tenant's table's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_rate: Option<super::StatedRate>,
}

/// Record a payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RecordPayment {
    /// Explicit id; derived from the idempotency key when absent.
    pub payment_id: Option<PaymentId>,
    /// Amount received.
    pub amount: Money,
    /// Value date; today when absent.
    pub received_on: Option<NaiveDate>,
    /// How the payment was made.
    pub method: PaymentMethod,
    /// The payer's reference (a bank transfer's, a card slip's), if any.
    pub reference: Option<String>,
    /// The rate of the value date into the tenant's accounting currency, for
    /// a payment of an invoice booked in another; the tenant's table's when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_rate: Option<super::StatedRate>,
}

/// Refund (part of) a payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefundPayment {
    /// The payment refunded.
    pub payment_id: PaymentId,
    /// The amount, in the invoice's currency.
    pub amount: Money,
    /// Date; today when absent.
    pub refunded_on: Option<NaiveDate>,
    /// Why, in words kept with the record and shown in the history.
    pub reason: String,
}

/// Issue a credit note against an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueCreditNote {
    /// What is credited: quantities of issued lines, or a gross amount off one
    /// tax rate's lines. On a paid invoice the credit becomes the customer's.
    pub credit: CreditRequest,
    /// Issue date; today when absent.
    pub issue_date: Option<NaiveDate>,
    /// Why, in words kept with the record and shown in the history.
    pub reason: String,
}

impl UseCases {
    /// Starts an invoice draft, defaulting currency and terms from the customer.
    pub async fn create_invoice_draft(
        &self,
        ctx: &CommandContext,
        input: CreateInvoiceDraft,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        let invoice_id = input.invoice_id.unwrap_or(InvoiceId(derived_id(
            ctx.tenant_id(),
            "invoice",
            &ctx.idempotency_key,
        )));
        let customer: Customer = current(
            self.stores.customers.as_ref(),
            &input.customer_id.to_string(),
        )
        .await?;
        let standing = customer.standing_for(ctx.tenant_id());
        let visible_tax = (standing != CustomerStanding::Unknown)
            .then_some(customer.tax)
            .flatten();
        let currency = match (input.currency, &visible_tax) {
            (Some(currency), _) => currency,
            (None, Some(tax)) => tax.default_currency,
            (None, None) => {
                return Err(CommandError::Rejected(InvoiceError::CustomerNotFound(
                    input.customer_id,
                )))
            }
        };
        let due_terms = input.due_terms.clone().unwrap_or(DueTerms::NetDays {
            days: visible_tax.as_ref().map_or(0, |t| t.payment_terms_days),
        });
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "CreateInvoiceDraft",
            invoice_id,
            &input,
            None,
            |_| InvoiceCommand::CreateDraft {
                tenant_id: ctx.tenant_id(),
                invoice_id,
                customer_id: input.customer_id,
                customer_standing: standing,
                currency,
                due_terms: due_terms.clone(),
                notes: input.notes.clone(),
                price_basis: input.price_basis.unwrap_or_default(),
            }
        )
    }

    /// Adds a line to a draft; returns the outcome and the line's id.
    pub async fn add_invoice_line(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        input: AddInvoiceLine,
    ) -> Result<(CommandOutcome, LineId), CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        let line_id = input.line_id.unwrap_or(LineId(derived_id(
            ctx.tenant_id(),
            "line",
            &ctx.idempotency_key,
        )));
        let item = self
            .with_catalogue_taxes(ctx, input.item.clone(), &input.tax_rate_keys)
            .await?;
        let outcome = run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "AddInvoiceLine",
            invoice_id,
            &input,
            None,
            |_| InvoiceCommand::AddLine {
                line_id,
                line: item.clone()
            }
        )?;
        Ok((outcome, line_id))
    }

    /// The tenant's catalogue rates of `keys`, in their order; an unknown key
    /// is refused.
    pub(super) async fn catalogue_taxes(
        &self,
        ctx: &CommandContext,
        keys: &[String],
    ) -> Result<Vec<TaxRate>, CommandError<InvoiceError>> {
        let settings = self.settings(ctx.tenant_id()).await?;
        settings
            .catalogue_taxes(keys)
            .map_err(|key| CommandError::Rejected(InvoiceError::UnknownTaxRate(key)))
    }

    /// `item` with the tenant's catalogue rates of `keys` charged before its
    /// own taxes; an unknown key is refused.
    async fn with_catalogue_taxes(
        &self,
        ctx: &CommandContext,
        mut item: LineRequest,
        keys: &[String],
    ) -> Result<LineRequest, CommandError<InvoiceError>> {
        if keys.is_empty() {
            return Ok(item);
        }
        let mut taxes = self.catalogue_taxes(ctx, keys).await?;
        taxes.append(&mut item.taxes);
        item.taxes = taxes;
        Ok(item)
    }

    /// Replaces a draft line.
    pub async fn change_invoice_line(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        line_id: LineId,
        item: LineRequest,
        tax_rate_keys: &[String],
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        let item = self.with_catalogue_taxes(ctx, item, tax_rate_keys).await?;
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "ChangeInvoiceLine",
            invoice_id,
            &(line_id, &item),
            None,
            |_| InvoiceCommand::ChangeLine {
                line_id,
                line: item.clone()
            }
        )
    }

    /// Removes a draft line.
    pub async fn remove_invoice_line(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        line_id: LineId,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "RemoveInvoiceLine",
            invoice_id,
            &line_id,
            None,
            |_| InvoiceCommand::RemoveLine { line_id }
        )
    }

    /// Changes a draft's terms and notes.
    pub async fn update_invoice_terms(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        due_terms: DueTerms,
        notes: Option<String>,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "UpdateInvoiceTerms",
            invoice_id,
            &(&due_terms, &notes),
            None,
            |_| InvoiceCommand::UpdateDraftTerms {
                due_terms: due_terms.clone(),
                notes: notes.clone(),
            }
        )
    }

    /// Issues a draft under the next number of the tenant's invoice series.
    pub async fn issue_invoice(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        input: IssueInvoice,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        let settings = self.settings(ctx.tenant_id()).await?;
        let today = settings.today(self.runner.clock().now());
        let (policy, jurisdiction) = (settings.invoicing.clone(), settings.jurisdiction);
        let issue_date = input.issue_date.unwrap_or(today);
        // The customer may have been archived since the draft was created.
        let draft: Invoice =
            current(self.stores.invoices.as_ref(), &invoice_id.to_string()).await?;
        let (customer_standing, buyer_vat_id, receiver) = match draft.customer_id {
            Some(customer_id) => {
                let customer: Customer =
                    current(self.stores.customers.as_ref(), &customer_id.to_string()).await?;
                let tax = customer.tax.as_ref();
                let vat_id = tax.and_then(|t| t.tax_id.clone());
                let receiver = tax.and_then(|t| t.sat.clone());
                (customer.standing_for(ctx.tenant_id()), vat_id, receiver)
            }
            None => (CustomerStanding::Unknown, None, None),
        };
        let cfdi = Box::new(CfdiContext {
            issuer: settings.sat_issuer.clone(),
            receiver,
        });
        // The issue under the number reserved (none: a trial on the draft's
        // state before credit moves), with the credit applied as it is issued.
        let books = self
            .books(
                ctx.tenant_id(),
                settings.accounting_currency,
                draft.currency,
                issue_date,
                input.exchange_rate.as_ref(),
            )
            .await?;
        let issue = |reservation: Option<&Reservation>, prepaid| InvoiceCommand::Issue {
            number: reserved(&policy.invoice_series, reservation),
            issue_date,
            rounding: policy.rounding,
            dating: dating(today, reservation),
            customer_standing,
            jurisdiction,
            buyer_vat_id: buyer_vat_id.clone(),
            cfdi: cfdi.clone(),
            prepaid,
            books: books.clone(),
        };
        let prepaid = match &input.prepaid {
            Some(asked) if draft.status == DocumentStatus::Draft => {
                let trial = |prepaid| issue(None, prepaid);
                Some(
                    self.release_for_issue(ctx, invoice_id, &draft, asked, issue_date, trial)
                        .await?,
                )
            }
            _ => None,
        };
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "IssueInvoice",
            invoice_id,
            &input,
            Some(policy.invoice_series.clone()),
            |n| issue(n, prepaid.clone())
        )
    }

    /// Records that an invoice was sent: by Folio, which then e-mails it
    /// (`Delivery::Email`; the e-mail reactor queues the message), or some
    /// other way (`Delivery::Recorded`).
    pub async fn mark_invoice_sent(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        recipients: Vec<String>,
        delivery: Delivery,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        // Recipients are the customer's personal data: none is taken for a customer
        // whose personal data was erased.
        let invoice: Invoice =
            current(self.stores.invoices.as_ref(), &invoice_id.to_string()).await?;
        if let Some(customer_id) = invoice.customer_id {
            let customer: Customer =
                current(self.stores.customers.as_ref(), &customer_id.to_string()).await?;
            if customer.erased && customer.tenant_id == Some(ctx.tenant_id()) {
                return Err(CommandError::Rejected(
                    InvoiceError::CustomerPersonalDataErased(customer_id),
                ));
            }
        }
        let subject = invoice.customer_id.map(|id| id.to_string());
        let fingerprinted = self
            .runner
            .blind(ctx.tenant_id(), subject.as_deref(), &recipients, "")
            .await?;
        let sent_at = self.runner.clock().now();
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            match delivery {
                Delivery::Recorded => "MarkInvoiceSent",
                Delivery::Email => "SendInvoice",
            },
            invoice_id,
            &fingerprinted,
            None,
            |_| InvoiceCommand::MarkSent {
                sent_at,
                recipients: recipients.clone(),
                delivery,
            }
        )
    }

    /// Records a payment; returns the outcome and the payment's id.
    pub async fn record_payment(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        input: RecordPayment,
    ) -> Result<(CommandOutcome, PaymentId), CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManagePayments)?;
        let payment_id = input.payment_id.unwrap_or(PaymentId(derived_id(
            ctx.tenant_id(),
            "payment",
            &ctx.idempotency_key,
        )));
        let basics = self.basics(ctx.tenant_id()).await?;
        let received_on = input
            .received_on
            .unwrap_or_else(|| basics.today(self.runner.clock().now()));
        let currency = Some(input.amount.currency);
        let stated = input.exchange_rate.as_ref();
        let books = self
            .books(ctx.tenant_id(), basics.books, currency, received_on, stated)
            .await?;
        let outcome = run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "RecordPayment",
            invoice_id,
            &input,
            None,
            |_| InvoiceCommand::RecordPayment {
                payment_id,
                amount: input.amount,
                received_on,
                method: input.method,
                reference: input.reference.clone(),
                books: books.clone(),
            }
        )?;
        Ok((outcome, payment_id))
    }

    /// Refunds (part of) a payment; returns the outcome and the refund's id.
    pub async fn refund_payment(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        input: RefundPayment,
    ) -> Result<(CommandOutcome, RefundId), CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManagePayments)?;
        let refund_id = RefundId(derived_id(ctx.tenant_id(), "refund", &ctx.idempotency_key));
        let refunded_on = match input.refunded_on {
            Some(date) => date,
            None => self.today(ctx.tenant_id()).await?,
        };
        let outcome = run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "RefundPayment",
            invoice_id,
            &input,
            None,
            |_| InvoiceCommand::RefundPayment {
                refund_id,
                payment_id: input.payment_id,
                amount: input.amount,
                refunded_on,
                reason: input.reason.clone(),
            }
        )?;
        Ok((outcome, refund_id))
    }

    /// Issues a credit note under the next number of the tenant's credit-note series.
    pub async fn issue_credit_note(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        input: IssueCreditNote,
    ) -> Result<(CommandOutcome, CreditNoteId), CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        let settings = self.settings(ctx.tenant_id()).await?;
        let today = settings.today(self.runner.clock().now());
        let policy = settings.invoicing;
        let credit_note_id = CreditNoteId(derived_id(
            ctx.tenant_id(),
            "credit-note",
            &ctx.idempotency_key,
        ));
        let issue_date = input.issue_date.unwrap_or(today);
        let series = policy.credit_note_series.clone();
        let outcome = run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "IssueCreditNote",
            invoice_id,
            &input,
            Some(series.clone()),
            |n| InvoiceCommand::IssueCreditNote {
                credit_note_id,
                number: reserved(&series, n),
                request: input.credit.clone(),
                issue_date,
                dating: dating(today, n),
                reason: input.reason.clone(),
            }
        )?;
        Ok((outcome, credit_note_id))
    }

    /// Voids an unpaid invoice, as the tenant's jurisdiction allows: refused in
    /// the EU, with SAT's reason (and for 01 the replacing invoice) in Mexico.
    pub async fn void_invoice(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        input: VoidInvoice,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        let settings = self.settings(ctx.tenant_id()).await?;
        let (jurisdiction, voided_on) = (
            settings.jurisdiction,
            settings.today(self.runner.clock().now()),
        );
        let sat = match &input.sat_cancellation {
            None => None,
            Some(request) => Some(SatCancellation {
                reason: request.reason,
                replacement: match request.replaced_by {
                    None => None,
                    Some(id) => Some(self.replacement(ctx, id).await?),
                },
            }),
        };
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "VoidInvoice",
            invoice_id,
            &input,
            None,
            |_| InvoiceCommand::Void {
                reason: input.reason.clone(),
                voided_on,
                jurisdiction,
                sat: sat.clone(),
            }
        )
    }

    /// What the store holds of `invoice_id` as a replacement: another tenant's
    /// invoice reads as one that does not exist.
    async fn replacement(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
    ) -> Result<ReplacementInvoice, CommandError<InvoiceError>> {
        let invoice: Invoice =
            current(self.stores.invoices.as_ref(), &invoice_id.to_string()).await?;
        let ours = invoice.tenant_id == Some(ctx.tenant_id());
        Ok(ReplacementInvoice {
            invoice_id,
            customer_id: invoice.customer_id.filter(|_| ours),
            status: if ours {
                invoice.status
            } else {
                DocumentStatus::New
            },
            cfdi_uuid: match invoice.stamp {
                Some(StampState::Stamped { uuid }) if ours => Some(uuid),
                _ => None,
            },
        })
    }
}
