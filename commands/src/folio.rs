//! The use cases: one method per thing a person can ask of Folio.
//!
//! Each method fills in what the domain must not fetch itself (ids, today's date,
//! the next number, the tenant's policies, the customer's standing) and hands the
//! command to the [`Executor`]. Ids of new things are derived from the tenant and the
//! idempotency key (UUID v5) unless the caller gives one, so a retried request always
//! targets the same aggregate.

use chrono::NaiveDate;
use cqrs_es::persist::EventStoreAggregateContext;
use cqrs_es::EventStore;
use folio_domain::customer::{
    ContactDetails, Customer, CustomerCommand, CustomerError, CustomerStanding, TaxDetails,
};
use folio_domain::document_number::DocumentNumber;
use folio_domain::expense::{ExpenseCommand, ExpenseDetails, ExpenseError, ExpensePolicy};
use folio_domain::ids::{
    CreditNoteId, CustomerId, ExpenseId, InvoiceId, LineId, PaymentId, RefundId, TenantId,
};
use folio_domain::invoice::{DueTerms, Invoice, InvoiceCommand, InvoiceError, PaymentMethod};
use folio_domain::money::{Currency, Money};
use folio_domain::pricing::LineItem;
use folio_domain::settings::{InvoicingPolicy, SettingsCommand, SettingsError, TenantSettings};
use folio_domain::Decide;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::executor::{Executor, Request};
use crate::ports::EventStores;

/// Register a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisterCustomer {
    /// Explicit id; derived from the idempotency key when absent.
    pub customer_id: Option<CustomerId>,
    /// Contact details.
    pub contact: ContactDetails,
    /// Tax details.
    pub tax: TaxDetails,
}

/// Start an invoice draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateInvoiceDraft {
    /// Explicit id; derived from the idempotency key when absent.
    pub invoice_id: Option<InvoiceId>,
    /// The customer invoiced.
    pub customer_id: CustomerId,
    /// Currency; the customer's default when absent.
    pub currency: Option<Currency>,
    /// Due terms; the customer's payment terms when absent.
    pub due_terms: Option<DueTerms>,
    /// Notes.
    pub notes: Option<String>,
}

/// Add a line to a draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddInvoiceLine {
    /// Explicit line id; derived from the idempotency key when absent.
    pub line_id: Option<LineId>,
    /// The line.
    pub item: LineItem,
}

/// Issue a draft.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IssueInvoice {
    /// Issue date; today when absent.
    pub issue_date: Option<NaiveDate>,
}

/// Record a payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordPayment {
    /// Explicit id; derived from the idempotency key when absent.
    pub payment_id: Option<PaymentId>,
    /// Amount received.
    pub amount: Money,
    /// Value date; today when absent.
    pub received_on: Option<NaiveDate>,
    /// How.
    pub method: PaymentMethod,
    /// Reference.
    pub reference: Option<String>,
}

/// Refund (part of) a payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefundPayment {
    /// The payment refunded.
    pub payment_id: PaymentId,
    /// Amount.
    pub amount: Money,
    /// Date; today when absent.
    pub refunded_on: Option<NaiveDate>,
    /// Why.
    pub reason: String,
}

/// Issue a credit note against an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueCreditNote {
    /// Gross amount credited.
    pub amount: Money,
    /// Issue date; today when absent.
    pub issue_date: Option<NaiveDate>,
    /// Why.
    pub reason: String,
}

/// Submit an expense (the actor is the employee).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmitExpense {
    /// Explicit id; derived from the idempotency key when absent.
    pub expense_id: Option<ExpenseId>,
    /// What is claimed.
    pub details: ExpenseDetails,
}

/// Approve an expense (the actor is the approver).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApproveExpense {
    /// Optional comment.
    pub comment: Option<String>,
}

/// Folio's application service: every use case, over a set of event stores.
#[derive(Debug)]
pub struct Folio<S: EventStores> {
    stores: S,
    executor: Executor,
}

/// A deterministic id for something created by the request with this key.
fn derived_id(tenant_id: TenantId, kind: &str, key: &str) -> Uuid {
    Uuid::new_v5(&tenant_id.0, format!("{kind}/{key}").as_bytes())
}

macro_rules! run {
    ($self:ident, $store:expr, $ctx:expr, $name:literal, $id:expr, $input:expr, $series:expr, $build:expr) => {
        $self
            .executor
            .run(
                $store,
                $ctx,
                Request {
                    command_name: $name,
                    aggregate_id: $id.to_string(),
                    input: $input,
                    series: $series,
                },
                $build,
            )
            .await
    };
}

/// The number the ledger reserved for a series. The executor refuses to decide a
/// numbered command without one, so the fallback (sequence 0, which the store's number
/// trigger would refuse) is never written.
fn reserved(series: &str, number: Option<&DocumentNumber>) -> DocumentNumber {
    number.cloned().unwrap_or_else(|| DocumentNumber {
        series: series.to_owned(),
        sequence: 0,
    })
}

/// Loads an aggregate's current state (empty when it does not exist), reporting a
/// failure in the error type of the use case that needs it.
async fn current<A, ES, E>(store: &ES, id: &str) -> Result<A, CommandError<E>>
where
    A: Decide,
    ES: EventStore<A, AC = EventStoreAggregateContext<A>>,
    E: std::error::Error,
{
    match store.load_aggregate(id).await {
        Ok(context) => Ok(context.aggregate),
        Err(cqrs_es::AggregateError::DatabaseConnectionError(e)) => {
            Err(CommandError::Unavailable(e))
        }
        Err(e) => Err(CommandError::Internal(e.to_string().into())),
    }
}

impl<S: EventStores> Folio<S> {
    /// Folio over these stores, running commands with this executor.
    pub fn new(stores: S, executor: Executor) -> Self {
        Folio { stores, executor }
    }

    /// The event stores.
    pub fn stores(&self) -> &S {
        &self.stores
    }

    async fn settings<E: std::error::Error>(
        &self,
        tenant_id: TenantId,
    ) -> Result<TenantSettings, CommandError<E>> {
        let settings: TenantSettings =
            current(self.stores.settings(), &tenant_id.to_string()).await?;
        Ok(settings)
    }

    // ----- customers -----

    /// Registers a customer.
    pub async fn register_customer(
        &self,
        ctx: &CommandContext,
        input: RegisterCustomer,
    ) -> Result<CommandOutcome, CommandError<CustomerError>> {
        let customer_id = input.customer_id.unwrap_or(CustomerId(derived_id(
            ctx.tenant_id,
            "customer",
            &ctx.idempotency_key,
        )));
        let subject = customer_id.to_string();
        let fingerprinted = self
            .executor
            .blind(ctx.tenant_id, Some(&subject), &input, "/contact")
            .await?;
        run!(
            self,
            self.stores.customers(),
            ctx,
            "RegisterCustomer",
            customer_id,
            &fingerprinted,
            None,
            |_| CustomerCommand::Register {
                tenant_id: ctx.tenant_id,
                customer_id,
                contact: input.contact.clone(),
                tax: input.tax.clone(),
            }
        )
    }

    /// Replaces a customer's contact details.
    pub async fn update_customer_contact(
        &self,
        ctx: &CommandContext,
        customer_id: CustomerId,
        contact: ContactDetails,
    ) -> Result<CommandOutcome, CommandError<CustomerError>> {
        let subject = customer_id.to_string();
        let fingerprinted = self
            .executor
            .blind(ctx.tenant_id, Some(&subject), &contact, "")
            .await?;
        run!(
            self,
            self.stores.customers(),
            ctx,
            "UpdateCustomerContact",
            customer_id,
            &fingerprinted,
            None,
            |_| CustomerCommand::UpdateContact {
                contact: contact.clone()
            }
        )
    }

    /// Replaces a customer's tax details.
    pub async fn update_customer_tax_details(
        &self,
        ctx: &CommandContext,
        customer_id: CustomerId,
        tax: TaxDetails,
    ) -> Result<CommandOutcome, CommandError<CustomerError>> {
        run!(
            self,
            self.stores.customers(),
            ctx,
            "UpdateCustomerTaxDetails",
            customer_id,
            &tax,
            None,
            |_| CustomerCommand::UpdateTaxDetails { tax: tax.clone() }
        )
    }

    /// Archives a customer.
    pub async fn archive_customer(
        &self,
        ctx: &CommandContext,
        customer_id: CustomerId,
        reason: String,
    ) -> Result<CommandOutcome, CommandError<CustomerError>> {
        run!(
            self,
            self.stores.customers(),
            ctx,
            "ArchiveCustomer",
            customer_id,
            &reason,
            None,
            |_| CustomerCommand::Archive {
                reason: reason.clone()
            }
        )
    }

    /// Erases a customer's personal data (GDPR art. 17): the store destroys the key
    /// its contact details were sealed with, so they read as erased everywhere,
    /// history included. Erasing again changes nothing.
    pub async fn erase_customer_personal_data(
        &self,
        ctx: &CommandContext,
        customer_id: CustomerId,
        reason: String,
    ) -> Result<CommandOutcome, CommandError<CustomerError>> {
        run!(
            self,
            self.stores.customers(),
            ctx,
            "EraseCustomerPersonalData",
            customer_id,
            &reason,
            None,
            |_| CustomerCommand::ErasePersonalData {
                reason: reason.clone()
            }
        )
    }

    // ----- invoices -----

    /// Starts an invoice draft, defaulting currency and terms from the customer.
    pub async fn create_invoice_draft(
        &self,
        ctx: &CommandContext,
        input: CreateInvoiceDraft,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        let invoice_id = input.invoice_id.unwrap_or(InvoiceId(derived_id(
            ctx.tenant_id,
            "invoice",
            &ctx.idempotency_key,
        )));
        let customer: Customer =
            current(self.stores.customers(), &input.customer_id.to_string()).await?;
        let standing = customer.standing_for(ctx.tenant_id);
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
            self.stores.invoices(),
            ctx,
            "CreateInvoiceDraft",
            invoice_id,
            &input,
            None,
            |_| InvoiceCommand::CreateDraft {
                tenant_id: ctx.tenant_id,
                invoice_id,
                customer_id: input.customer_id,
                customer_standing: standing,
                currency,
                due_terms: due_terms.clone(),
                notes: input.notes.clone(),
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
        let line_id = input.line_id.unwrap_or(LineId(derived_id(
            ctx.tenant_id,
            "line",
            &ctx.idempotency_key,
        )));
        let outcome = run!(
            self,
            self.stores.invoices(),
            ctx,
            "AddInvoiceLine",
            invoice_id,
            &input,
            None,
            |_| InvoiceCommand::AddLine {
                line_id,
                item: input.item.clone()
            }
        )?;
        Ok((outcome, line_id))
    }

    /// Replaces a draft line.
    pub async fn change_invoice_line(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        line_id: LineId,
        item: LineItem,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        run!(
            self,
            self.stores.invoices(),
            ctx,
            "ChangeInvoiceLine",
            invoice_id,
            &(line_id, &item),
            None,
            |_| InvoiceCommand::ChangeLine {
                line_id,
                item: item.clone()
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
        run!(
            self,
            self.stores.invoices(),
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
        run!(
            self,
            self.stores.invoices(),
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
        let policy: InvoicingPolicy = self.settings(ctx.tenant_id).await?.invoicing;
        let issue_date = input
            .issue_date
            .unwrap_or_else(|| self.executor.clock().today());
        run!(
            self,
            self.stores.invoices(),
            ctx,
            "IssueInvoice",
            invoice_id,
            &input,
            Some(policy.invoice_series.clone()),
            |n| InvoiceCommand::Issue {
                number: reserved(&policy.invoice_series, n),
                issue_date,
                rounding: policy.rounding,
            }
        )
    }

    /// Records that an invoice was sent.
    pub async fn mark_invoice_sent(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        recipients: Vec<String>,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        // Recipients are the customer's personal data: none is taken for a customer
        // whose personal data was erased.
        let invoice: Invoice = current(self.stores.invoices(), &invoice_id.to_string()).await?;
        if let Some(customer_id) = invoice.customer_id {
            let customer: Customer =
                current(self.stores.customers(), &customer_id.to_string()).await?;
            if customer.erased && customer.tenant_id == Some(ctx.tenant_id) {
                return Err(CommandError::Rejected(
                    InvoiceError::CustomerPersonalDataErased(customer_id),
                ));
            }
        }
        let subject = invoice.customer_id.map(|id| id.to_string());
        let fingerprinted = self
            .executor
            .blind(ctx.tenant_id, subject.as_deref(), &recipients, "")
            .await?;
        let sent_at = self.executor.clock().now();
        run!(
            self,
            self.stores.invoices(),
            ctx,
            "MarkInvoiceSent",
            invoice_id,
            &fingerprinted,
            None,
            |_| InvoiceCommand::MarkSent {
                sent_at,
                recipients: recipients.clone()
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
        let payment_id = input.payment_id.unwrap_or(PaymentId(derived_id(
            ctx.tenant_id,
            "payment",
            &ctx.idempotency_key,
        )));
        let received_on = input
            .received_on
            .unwrap_or_else(|| self.executor.clock().today());
        let outcome = run!(
            self,
            self.stores.invoices(),
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
        let refund_id = RefundId(derived_id(ctx.tenant_id, "refund", &ctx.idempotency_key));
        let refunded_on = input
            .refunded_on
            .unwrap_or_else(|| self.executor.clock().today());
        let outcome = run!(
            self,
            self.stores.invoices(),
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
        let policy = self.settings(ctx.tenant_id).await?.invoicing;
        let credit_note_id = CreditNoteId(derived_id(
            ctx.tenant_id,
            "credit-note",
            &ctx.idempotency_key,
        ));
        let issue_date = input
            .issue_date
            .unwrap_or_else(|| self.executor.clock().today());
        let series = policy.credit_note_series.clone();
        let outcome = run!(
            self,
            self.stores.invoices(),
            ctx,
            "IssueCreditNote",
            invoice_id,
            &input,
            Some(series.clone()),
            |n| InvoiceCommand::IssueCreditNote {
                credit_note_id,
                number: reserved(&series, n),
                amount: input.amount,
                issue_date,
                reason: input.reason.clone(),
            }
        )?;
        Ok((outcome, credit_note_id))
    }

    /// Voids an unpaid invoice.
    pub async fn void_invoice(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        reason: String,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        let voided_on = self.executor.clock().today();
        run!(
            self,
            self.stores.invoices(),
            ctx,
            "VoidInvoice",
            invoice_id,
            &reason,
            None,
            |_| InvoiceCommand::Void {
                reason: reason.clone(),
                voided_on
            }
        )
    }

    // ----- expenses -----

    /// Submits an expense for the acting employee under the tenant's policy.
    pub async fn submit_expense(
        &self,
        ctx: &CommandContext,
        input: SubmitExpense,
    ) -> Result<CommandOutcome, CommandError<ExpenseError>> {
        let policy: ExpensePolicy = self.settings(ctx.tenant_id).await?.expenses;
        let expense_id = input.expense_id.unwrap_or(ExpenseId(derived_id(
            ctx.tenant_id,
            "expense",
            &ctx.idempotency_key,
        )));
        run!(
            self,
            self.stores.expenses(),
            ctx,
            "SubmitExpense",
            expense_id,
            &input,
            None,
            |_| ExpenseCommand::Submit {
                tenant_id: ctx.tenant_id,
                expense_id,
                employee_id: ctx.actor.clone(),
                details: input.details.clone(),
                policy: policy.clone(),
            }
        )
    }

    /// Gives the acting approver's approval.
    pub async fn approve_expense(
        &self,
        ctx: &CommandContext,
        expense_id: ExpenseId,
        input: ApproveExpense,
    ) -> Result<CommandOutcome, CommandError<ExpenseError>> {
        let at = self.executor.clock().now();
        run!(
            self,
            self.stores.expenses(),
            ctx,
            "ApproveExpense",
            expense_id,
            &input,
            None,
            |_| ExpenseCommand::Approve {
                approver_id: ctx.actor.clone(),
                at,
                comment: input.comment.clone(),
            }
        )
    }

    /// Rejects an expense.
    pub async fn reject_expense(
        &self,
        ctx: &CommandContext,
        expense_id: ExpenseId,
        reason: String,
    ) -> Result<CommandOutcome, CommandError<ExpenseError>> {
        run!(
            self,
            self.stores.expenses(),
            ctx,
            "RejectExpense",
            expense_id,
            &reason,
            None,
            |_| ExpenseCommand::Reject {
                approver_id: ctx.actor.clone(),
                reason: reason.clone()
            }
        )
    }

    /// Returns an expense to its employee for changes.
    pub async fn return_expense(
        &self,
        ctx: &CommandContext,
        expense_id: ExpenseId,
        reason: String,
    ) -> Result<CommandOutcome, CommandError<ExpenseError>> {
        run!(
            self,
            self.stores.expenses(),
            ctx,
            "ReturnExpense",
            expense_id,
            &reason,
            None,
            |_| ExpenseCommand::Return {
                approver_id: ctx.actor.clone(),
                reason: reason.clone()
            }
        )
    }

    /// The acting employee amends a returned expense.
    pub async fn amend_expense(
        &self,
        ctx: &CommandContext,
        expense_id: ExpenseId,
        details: ExpenseDetails,
    ) -> Result<CommandOutcome, CommandError<ExpenseError>> {
        let policy = self.settings(ctx.tenant_id).await?.expenses;
        run!(
            self,
            self.stores.expenses(),
            ctx,
            "AmendExpense",
            expense_id,
            &details,
            None,
            |_| ExpenseCommand::Amend {
                employee_id: ctx.actor.clone(),
                details: details.clone(),
                policy: policy.clone(),
            }
        )
    }

    /// Records the reimbursement of an approved expense.
    pub async fn reimburse_expense(
        &self,
        ctx: &CommandContext,
        expense_id: ExpenseId,
        batch_reference: String,
        reimbursed_on: Option<NaiveDate>,
    ) -> Result<CommandOutcome, CommandError<ExpenseError>> {
        let reimbursed_on = reimbursed_on.unwrap_or_else(|| self.executor.clock().today());
        run!(
            self,
            self.stores.expenses(),
            ctx,
            "ReimburseExpense",
            expense_id,
            &(&batch_reference, reimbursed_on),
            None,
            |_| ExpenseCommand::Reimburse {
                batch_reference: batch_reference.clone(),
                reimbursed_on,
            }
        )
    }

    // ----- settings -----

    /// Sets the tenant's invoicing policy.
    pub async fn configure_invoicing(
        &self,
        ctx: &CommandContext,
        policy: InvoicingPolicy,
    ) -> Result<CommandOutcome, CommandError<SettingsError>> {
        run!(
            self,
            self.stores.settings(),
            ctx,
            "ConfigureInvoicing",
            ctx.tenant_id,
            &policy,
            None,
            |_| SettingsCommand::ConfigureInvoicing {
                tenant_id: ctx.tenant_id,
                policy: policy.clone(),
            }
        )
    }

    /// Sets the tenant's expense policy.
    pub async fn configure_expense_policy(
        &self,
        ctx: &CommandContext,
        policy: ExpensePolicy,
    ) -> Result<CommandOutcome, CommandError<SettingsError>> {
        run!(
            self,
            self.stores.settings(),
            ctx,
            "ConfigureExpensePolicy",
            ctx.tenant_id,
            &policy,
            None,
            |_| SettingsCommand::ConfigureExpensePolicy {
                tenant_id: ctx.tenant_id,
                policy: policy.clone(),
            }
        )
    }
}
