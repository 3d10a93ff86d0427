//! The MCP write tools: register a customer, draft, add a line, issue, send,
//! record a payment, submit, approve and reject an expense. Each takes the use
//! case's own input type (so its JSON Schema is the use case's), flattened beside
//! the idempotency key, the expected version and the target's id, and runs the
//! use case with the caller's command context; the outcome is counted under the
//! same command type GraphQL counts.

use folio_commands::{
    AddInvoiceAdjustment, AddInvoiceLine, ApproveExpense, CommandOutcome, CreateInvoiceDraft,
    IssueInvoice, RecordExchangeRate, RecordPayment, RegisterCustomer, SubmitExpense,
};
use folio_domain::ids::{ExpenseId, InvoiceId};
use folio_domain::invoice::Delivery;
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::Extensions;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::FolioMcp;
use crate::error::ApiError;
use crate::request::{command_answer, RequestContext};

/// What every write tool takes besides its own arguments.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct WriteArgs<T> {
    /// 1-200 characters chosen by you: a retry with the same key returns the
    /// first outcome and writes nothing again.
    pub idempotency_key: String,
    /// The version you last read: refused with CONFLICT if the aggregate changed
    /// since. Omit to apply on top of any change.
    pub expected_version: Option<i64>,
    /// The command's own arguments.
    #[serde(flatten)]
    pub command: T,
}

/// What a write tool returns.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Written {
    /// The aggregate written (the customer, invoice or expense UUID).
    pub aggregate_id: String,
    /// Its version after the write: pass as `expected_version` to change it only
    /// if nobody else did meanwhile.
    pub version: u64,
    /// Pass to a read tool as `consistency_token` to read this write; null when
    /// the write changed nothing.
    pub consistency_token: Option<String>,
    /// True when the idempotency key was seen before: this is the first outcome,
    /// replayed, and nothing was written again.
    pub replayed: bool,
}

impl From<CommandOutcome> for Written {
    fn from(outcome: CommandOutcome) -> Self {
        Written {
            aggregate_id: outcome.aggregate_id,
            version: outcome.version,
            consistency_token: outcome.position.map(|p| p.to_string()),
            replayed: outcome.replayed,
        }
    }
}

/// The invoice a write applies to.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct OnInvoice<T> {
    /// The invoice's UUID.
    pub invoice_id: Uuid,
    /// What to do to it.
    #[serde(flatten)]
    pub input: T,
}

/// The expense a write applies to.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct OnExpense<T> {
    /// The expense's UUID.
    pub expense_id: Uuid,
    /// What to do to it.
    #[serde(flatten)]
    pub input: T,
}

/// Where an invoice was sent.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct MarkInvoiceSent {
    /// The addresses (e-mail or a channel) it was sent to: 1 to 10.
    pub recipients: Vec<String>,
}

/// Where Folio e-mails an invoice.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SendInvoice {
    /// The e-mail addresses it goes to: 1 to 10.
    pub to: Vec<String>,
}

/// Why an expense is rejected.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RejectExpense {
    /// The reason, shown to the employee and kept in the history.
    pub reason: String,
}

impl FolioMcp {
    /// Runs a write: the caller's command context, the use case, its outcome
    /// counted under `command` (the same type GraphQL's mutation counts) and
    /// mapped.
    async fn write<T, E, F, Fut>(
        &self,
        command: &str,
        extensions: &Extensions,
        args: WriteArgs<T>,
        call: F,
    ) -> Result<Json<Written>, ApiError>
    where
        E: folio_domain::Coded + std::error::Error,
        F: FnOnce(RequestContext, folio_commands::CommandContext, T) -> Fut,
        Fut: std::future::Future<Output = Result<CommandOutcome, folio_commands::CommandError<E>>>,
    {
        let request = self.request(extensions).await?;
        let context = request
            .command(&args.idempotency_key, args.expected_version)?
            .traced(Self::trace_parent(extensions));
        let result = call(request, context, args.command).await;
        Ok(Json(command_answer(command, result)?.into()))
    }
}

#[tool_router(router = write_tools, vis = "pub(super)")]
impl FolioMcp {
    /// Registers a customer: contact details (name required) and tax details
    /// (country, default currency, payment terms).
    #[tool(annotations(
        title = "Register a customer",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn register_customer(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<WriteArgs<RegisterCustomer>>,
    ) -> Result<Json<Written>, ApiError> {
        self.write(
            "RegisterCustomer",
            &extensions,
            args,
            |r, c, input| async move { r.use_cases.register_customer(&c, input).await },
        )
        .await
    }

    /// Starts an invoice draft for a customer; currency and terms default to the
    /// customer's.
    #[tool(annotations(
        title = "Create an invoice draft",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn create_invoice_draft(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<WriteArgs<CreateInvoiceDraft>>,
    ) -> Result<Json<Written>, ApiError> {
        self.write(
            "CreateInvoiceDraft",
            &extensions,
            args,
            |r, c, input| async move { r.use_cases.create_invoice_draft(&c, input).await },
        )
        .await
    }

    /// Adds a line to an invoice draft: description, quantity, unit price,
    /// optional discount and its taxes.
    #[tool(annotations(
        title = "Add an invoice line",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn add_invoice_line(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<WriteArgs<OnInvoice<AddInvoiceLine>>>,
    ) -> Result<Json<Written>, ApiError> {
        self.write("AddInvoiceLine", &extensions, args, |r, c, on| async move {
            r.use_cases
                .add_invoice_line(&c, InvoiceId(on.invoice_id), on.input)
                .await
                .map(|(outcome, _)| outcome)
        })
        .await
    }

    /// Adds an allowance or a charge on a whole invoice draft: a fixed amount
    /// or a percentage of the lines at its one VAT rate, with a reason or a
    /// UNCL 5189/7161 code.
    #[tool(annotations(
        title = "Add an allowance or charge to an invoice",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn add_invoice_adjustment(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<WriteArgs<OnInvoice<AddInvoiceAdjustment>>>,
    ) -> Result<Json<Written>, ApiError> {
        self.write(
            "AddInvoiceAdjustment",
            &extensions,
            args,
            |r, c, on| async move {
                r.use_cases
                    .add_invoice_adjustment(&c, InvoiceId(on.invoice_id), on.input)
                    .await
                    .map(|(outcome, _)| outcome)
            },
        )
        .await
    }

    /// Issues a draft: numbers it in the tenant's series and freezes its amounts.
    #[tool(annotations(
        title = "Issue an invoice",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn issue_invoice(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<WriteArgs<OnInvoice<IssueInvoice>>>,
    ) -> Result<Json<Written>, ApiError> {
        self.write("IssueInvoice", &extensions, args, |r, c, on| async move {
            r.use_cases
                .issue_invoice(&c, InvoiceId(on.invoice_id), on.input)
                .await
        })
        .await
    }

    /// E-mails an issued invoice to the customer with its archived PDF: it is
    /// recorded as sent at once and the e-mail follows (its delivery is in
    /// GraphQL's `Invoice.notifications`). Sending again e-mails it again.
    #[tool(annotations(
        title = "E-mail an invoice to the customer",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = true
    ))]
    async fn send_invoice(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<WriteArgs<OnInvoice<SendInvoice>>>,
    ) -> Result<Json<Written>, ApiError> {
        self.write("SendInvoice", &extensions, args, |r, c, on| async move {
            r.use_cases
                .mark_invoice_sent(&c, InvoiceId(on.invoice_id), on.input.to, Delivery::Email)
                .await
        })
        .await
    }

    /// Records that an issued invoice was sent, and to whom (Folio does not
    /// send it: this is the record of a sending done elsewhere).
    #[tool(annotations(
        title = "Record an invoice as sent",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn mark_invoice_sent(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<WriteArgs<OnInvoice<MarkInvoiceSent>>>,
    ) -> Result<Json<Written>, ApiError> {
        self.write(
            "MarkInvoiceSent",
            &extensions,
            args,
            |r, c, on| async move {
                r.use_cases
                    .mark_invoice_sent(
                        &c,
                        InvoiceId(on.invoice_id),
                        on.input.recipients,
                        Delivery::Recorded,
                    )
                    .await
            },
        )
        .await
    }

    /// Records the rate of one day in the tenant's exchange-rate table (from
    /// one currency into another, up to 10 decimals, with its source):
    /// invoices and payments in a currency foreign to the books are booked at
    /// the latest rate on or before their date. Recorded again, a day's rate
    /// replaces it for what is booked later.
    #[tool(annotations(
        title = "Record an exchange rate",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn record_exchange_rate(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<WriteArgs<RecordExchangeRate>>,
    ) -> Result<Json<Written>, ApiError> {
        self.write(
            "RecordExchangeRate",
            &extensions,
            args,
            |r, c, input| async move { r.use_cases.record_exchange_rate(&c, input).await },
        )
        .await
    }

    /// Records a payment received against an issued invoice, in its currency.
    #[tool(annotations(
        title = "Record a payment",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn record_payment(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<WriteArgs<OnInvoice<RecordPayment>>>,
    ) -> Result<Json<Written>, ApiError> {
        self.write("RecordPayment", &extensions, args, |r, c, on| async move {
            r.use_cases
                .record_payment(&c, InvoiceId(on.invoice_id), on.input)
                .await
                .map(|(outcome, _)| outcome)
        })
        .await
    }

    /// Submits an expense claim as you: date, merchant, category, amount (tax
    /// included), what it was for and the receipt's reference.
    #[tool(annotations(
        title = "Submit an expense",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn submit_expense(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<WriteArgs<SubmitExpense>>,
    ) -> Result<Json<Written>, ApiError> {
        self.write(
            "SubmitExpense",
            &extensions,
            args,
            |r, c, input| async move { r.use_cases.submit_expense(&c, input).await },
        )
        .await
    }

    /// Approves an expense waiting for approval (approvers; not your own claim).
    #[tool(annotations(
        title = "Approve an expense",
        read_only_hint = false,
        destructive_hint = false,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn approve_expense(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<WriteArgs<OnExpense<ApproveExpense>>>,
    ) -> Result<Json<Written>, ApiError> {
        self.write("ApproveExpense", &extensions, args, |r, c, on| async move {
            r.use_cases
                .approve_expense(&c, ExpenseId(on.expense_id), on.input)
                .await
        })
        .await
    }

    /// Rejects an expense waiting for approval, with the reason (final).
    #[tool(annotations(
        title = "Reject an expense",
        read_only_hint = false,
        destructive_hint = true,
        idempotent_hint = true,
        open_world_hint = false
    ))]
    async fn reject_expense(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<WriteArgs<OnExpense<RejectExpense>>>,
    ) -> Result<Json<Written>, ApiError> {
        self.write("RejectExpense", &extensions, args, |r, c, on| async move {
            r.use_cases
                .reject_expense(&c, ExpenseId(on.expense_id), on.input.reason)
                .await
        })
        .await
    }
}
