//! The MCP read tools: customers, invoices (a list with filters, one with its
//! lines, payments and credit notes), expenses, the four reports and an
//! aggregate's audited history. Each calls the caller's reads
//! ([`folio_commands::reads::Reads`], which check the read right, the input and
//! an optional `consistency_token` the way every edge does) and returns the
//! read-model rows, so their JSON Schemas, and the filters', are the rows' own.
//!
//! Every tool returns `Result<Json<T>, ApiError>`, spelled out (the SDK's macro
//! reads the output schema off that exact shape): the structured result, or a
//! tool error with Folio's code.

use chrono::NaiveDate;
use folio_commands::history::RecordedEvent;
use folio_commands::reads::{cursor, InvoiceDetail, PageRequest, Reads};
use folio_domain::ErrorCode;
use folio_projections::expenses::queries::{ExpenseCategoryRow, ExpenseFilter, ExpenseRow};
use folio_projections::invoicing::queries::{
    AgingRow, CustomerRow, CustomerStatement, InvoiceFilter, InvoiceOrder, InvoiceRow, RevenueRow,
    TaxRow,
};
use folio_projections::reading::{ReportAmounts, ReportFilter, Slice};
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::Extensions;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::FolioMcp;
use crate::error::{coded, read, ApiError};

/// Which page of a list to read, and which write it must show.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListArgs {
    /// Page size: 20 if not given, at most the server's page limit (100).
    pub first: Option<i32>,
    /// `next_cursor` of the previous page, to read the one after it.
    pub after: Option<String>,
    /// A write's `consistency_token`: wait until this read shows that write.
    pub consistency_token: Option<String>,
}

/// One page of a list.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Listed<T> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// Pass as `after` to read the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl ListArgs {
    fn page(&self) -> PageRequest {
        PageRequest {
            first: self.first,
            after: self.after.clone(),
        }
    }

    fn token(&self) -> Option<&str> {
        self.consistency_token.as_deref()
    }
}

impl<T> From<Slice<T>> for Listed<T> {
    fn from(slice: Slice<T>) -> Self {
        let last = slice.offset + slice.items.len() as i64 - 1;
        Listed {
            next_cursor: slice.has_next.then(|| cursor(last)),
            items: slice.items,
        }
    }
}

/// Customers to list.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListCustomers {
    /// Only customers whose name contains this text (any case).
    pub search: Option<String>,
    /// Paging and consistency.
    #[serde(flatten)]
    pub list: ListArgs,
}

/// Invoices to list (all given conditions hold).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListInvoices {
    /// Which invoices.
    #[serde(flatten)]
    pub filter: InvoiceFilter,
    /// The order; newest issue date first if not given.
    pub sort: Option<InvoiceOrder>,
    /// Paging and consistency.
    #[serde(flatten)]
    pub list: ListArgs,
}

/// One invoice to fetch.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetInvoice {
    /// The invoice's UUID.
    pub invoice_id: Uuid,
    /// A write's `consistency_token`: wait until this read shows that write.
    pub consistency_token: Option<String>,
}

/// Expenses to list (all given conditions hold). Employees see only their own.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListExpenses {
    /// Which expenses.
    #[serde(flatten)]
    pub filter: ExpenseFilter,
    /// Paging and consistency.
    #[serde(flatten)]
    pub list: ListArgs,
}

/// Which months and currency a report covers.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ReportArgs {
    /// The months and currency.
    #[serde(flatten)]
    pub filter: ReportFilter,
    /// A write's `consistency_token`: wait until this read shows that write.
    pub consistency_token: Option<String>,
}

/// The revenue or tax report to read.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct LedgerReportArgs {
    /// The months and currency.
    #[serde(flatten)]
    pub filter: ReportFilter,
    /// Each document's own amounts (`DOCUMENT_CURRENCY`, the default) or the
    /// tenant's accounting currency (`ACCOUNTING_CURRENCY`).
    #[serde(default)]
    pub amounts: ReportAmounts,
    /// A write's `consistency_token`: wait until this read shows that write.
    pub consistency_token: Option<String>,
}

/// The receivables aging to read.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct AgingArgs {
    /// Only amounts in this ISO 4217 currency.
    pub currency: Option<String>,
    /// Age the receivables as of this date; today if not given.
    pub as_of: Option<NaiveDate>,
    /// Each invoice's own currency (`DOCUMENT_CURRENCY`, the default) or the
    /// tenant's accounting currency (`ACCOUNTING_CURRENCY`).
    #[serde(default)]
    pub amounts: ReportAmounts,
    /// A write's `consistency_token`: wait until this read shows that write.
    pub consistency_token: Option<String>,
}

/// The customer statement to read.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct StatementArgs {
    /// The customer's UUID.
    pub customer_id: Uuid,
    /// ISO 4217 code of the statement: a document currency, or the accounting
    /// currency with `amounts` `ACCOUNTING_CURRENCY`.
    pub currency: String,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period.
    pub to: NaiveDate,
    /// Each document's own amounts (`DOCUMENT_CURRENCY`, the default) or the
    /// books' (`ACCOUNTING_CURRENCY`): payments at their rate, exchange
    /// differences as entries of their own.
    #[serde(default)]
    pub amounts: ReportAmounts,
}

/// A customer's statement for a period: a negative balance is owed to the
/// customer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Statement {
    /// ISO 4217 code of the amounts.
    pub currency: String,
    /// The opening balance, the period's entries with the running balance,
    /// and the closing balance.
    #[serde(flatten)]
    pub statement: CustomerStatement,
}

/// A report's rows.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Report<T> {
    /// The rows, in the report's order.
    pub rows: Vec<T>,
}

/// The aggregate whose history to read.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct HistoryArgs {
    /// `Invoice`, `Expense`, `Customer` or `TenantSettings`.
    pub aggregate_type: String,
    /// The aggregate's UUID.
    pub aggregate_id: Uuid,
}

/// One event of an aggregate's history, as auditors read it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HistoryEntry {
    /// Sequence within the aggregate, from 1.
    pub sequence: i64,
    /// The event type, e.g. `PaymentRecorded`.
    pub event_type: String,
    /// The schema version it was written at.
    pub event_version: String,
    /// When the database recorded it (RFC 3339).
    pub recorded_at: String,
    /// The payload as readers see it today (personal data opened or erased);
    /// null if it cannot be read (see `unreadable`).
    pub payload: Option<serde_json::Value>,
    /// Why the payload cannot be read, if it cannot.
    pub unreadable: Option<String>,
    /// Actor, command, command id, idempotency key, correlation, time.
    pub metadata: serde_json::Value,
    /// SHA-256 (hex) over the previous hash and this event: the audit chain.
    pub hash: String,
    /// SHA-256 (hex) of the previous event of the stream; zeros for the first.
    pub previous_hash: String,
}

impl From<RecordedEvent> for HistoryEntry {
    fn from(event: RecordedEvent) -> Self {
        let (payload, unreadable) = match event.current_payload {
            Ok(payload) => (Some(payload), None),
            Err(why) => (None, Some(why)),
        };
        HistoryEntry {
            sequence: event.sequence,
            event_type: event.event_type,
            event_version: event.event_version,
            recorded_at: event.recorded_at.to_rfc3339(),
            payload,
            unreadable,
            metadata: event.metadata,
            hash: event.hash,
            previous_hash: event.previous_hash,
        }
    }
}

/// An aggregate's history.
#[derive(Debug, Serialize, JsonSchema)]
pub struct History {
    /// Every event, oldest first.
    pub events: Vec<HistoryEntry>,
}

/// A read that found nothing the caller may see: another tenant's id reads the
/// same as an id that does not exist.
fn not_found(what: &str, id: Uuid) -> ApiError {
    coded(
        ErrorCode::NotFound,
        format!("no {what} {id} in your tenant"),
    )
}

impl FolioMcp {
    /// The reads of the caller of the request `extensions` belong to.
    async fn reads(&self, extensions: &Extensions) -> Result<Reads, ApiError> {
        Ok(self.request(extensions).await?.reads)
    }
}

#[tool_router(router = read_tools, vis = "pub(super)")]
impl FolioMcp {
    /// Customers of your tenant by name, with contact and tax details.
    #[tool(annotations(
        title = "List customers",
        read_only_hint = true,
        open_world_hint = false
    ))]
    async fn list_customers(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<ListCustomers>,
    ) -> Result<Json<Listed<CustomerRow>>, ApiError> {
        let reads = self.reads(&extensions).await?;
        let slice = reads
            .customers(args.search.as_deref(), &args.list.page(), args.list.token())
            .await
            .map_err(read)?;
        Ok(Json(slice.into()))
    }

    /// Invoices of your tenant with totals, amount due and days overdue; filter by
    /// status, customer, issue dates or overdue.
    #[tool(annotations(
        title = "List invoices",
        read_only_hint = true,
        open_world_hint = false
    ))]
    async fn list_invoices(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<ListInvoices>,
    ) -> Result<Json<Listed<InvoiceRow>>, ApiError> {
        let reads = self.reads(&extensions).await?;
        let order = args.sort.unwrap_or_default();
        let slice = reads
            .invoices(&args.filter, order, &args.list.page(), args.list.token())
            .await
            .map_err(read)?;
        Ok(Json(slice.into()))
    }

    /// One invoice with its lines, payments and credit notes.
    #[tool(annotations(
        title = "Get an invoice",
        read_only_hint = true,
        open_world_hint = false
    ))]
    async fn get_invoice(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<GetInvoice>,
    ) -> Result<Json<InvoiceDetail>, ApiError> {
        let reads = self.reads(&extensions).await?;
        let id = args.invoice_id;
        let detail = reads
            .invoice_detail(id, args.consistency_token.as_deref())
            .await
            .map_err(read)?
            .ok_or_else(|| not_found("invoice", id))?;
        Ok(Json(detail))
    }

    /// Expense claims, newest first: the whole tenant's for approvers,
    /// accountants, auditors and admins; only your own for employees.
    #[tool(annotations(
        title = "List expenses",
        read_only_hint = true,
        open_world_hint = false
    ))]
    async fn list_expenses(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<ListExpenses>,
    ) -> Result<Json<Listed<ExpenseRow>>, ApiError> {
        let reads = self.reads(&extensions).await?;
        let slice = reads
            .expenses(&args.filter, &args.list.page(), args.list.token())
            .await
            .map_err(read)?;
        Ok(Json(slice.into()))
    }

    /// Accounts receivable aging: what each customer owes, by how long overdue.
    #[tool(annotations(
        title = "AR aging report",
        read_only_hint = true,
        open_world_hint = false
    ))]
    async fn ar_aging(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<AgingArgs>,
    ) -> Result<Json<Report<AgingRow>>, ApiError> {
        let reads = self.reads(&extensions).await?;
        let token = args.consistency_token.as_deref();
        let rows = reads
            .ar_aging((args.currency.as_deref(), args.as_of), args.amounts, token)
            .await
            .map_err(read)?;
        Ok(Json(Report { rows }))
    }

    /// A customer's statement for a period: opening balance, invoices, credit
    /// notes, payments and refunds with the running balance, closing balance.
    #[tool(annotations(
        title = "Customer statement",
        read_only_hint = true,
        open_world_hint = false
    ))]
    async fn customer_statement(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<StatementArgs>,
    ) -> Result<Json<Statement>, ApiError> {
        let reads = self.reads(&extensions).await?;
        let id = args.customer_id;
        reads
            .customer(id, None)
            .await
            .map_err(read)?
            .ok_or_else(|| not_found("customer", id))?;
        let period = (args.from, args.to);
        let (currency, statement) = reads
            .customer_statement(args.customer_id, &args.currency, period, args.amounts)
            .await
            .map_err(read)?;
        Ok(Json(Statement {
            currency,
            statement,
        }))
    }

    /// Revenue per month and currency: invoiced, credited and voided net, and tax.
    #[tool(annotations(
        title = "Revenue report",
        read_only_hint = true,
        open_world_hint = false
    ))]
    async fn revenue_report(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<LedgerReportArgs>,
    ) -> Result<Json<Report<RevenueRow>>, ApiError> {
        let reads = self.reads(&extensions).await?;
        let token = args.consistency_token.as_deref();
        let rows = reads
            .revenue_by_month(&args.filter, args.amounts, token)
            .await
            .map_err(read)?;
        Ok(Json(Report { rows }))
    }

    /// Tax per month, currency, tax code and rate: taxable base and tax amount.
    #[tool(annotations(title = "Tax report", read_only_hint = true, open_world_hint = false))]
    async fn tax_report(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<LedgerReportArgs>,
    ) -> Result<Json<Report<TaxRow>>, ApiError> {
        let reads = self.reads(&extensions).await?;
        let token = args.consistency_token.as_deref();
        let rows = reads
            .tax_summary(&args.filter, args.amounts, token)
            .await
            .map_err(read)?;
        Ok(Json(Report { rows }))
    }

    /// Expenses per month, category and currency: claimed, approved, reimbursed.
    #[tool(annotations(
        title = "Expenses by category",
        read_only_hint = true,
        open_world_hint = false
    ))]
    async fn expenses_by_category(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<ReportArgs>,
    ) -> Result<Json<Report<ExpenseCategoryRow>>, ApiError> {
        let reads = self.reads(&extensions).await?;
        let token = args.consistency_token.as_deref();
        let rows = reads
            .expenses_by_category(&args.filter, token)
            .await
            .map_err(read)?;
        Ok(Json(Report { rows }))
    }

    /// Every event of one aggregate, oldest first, with its audit-chain hashes
    /// (auditors and admins).
    #[tool(annotations(
        title = "Aggregate history",
        read_only_hint = true,
        open_world_hint = false
    ))]
    async fn aggregate_history(
        &self,
        extensions: Extensions,
        Parameters(args): Parameters<HistoryArgs>,
    ) -> Result<Json<History>, ApiError> {
        let request = self.request(&extensions).await?;
        let events = request
            .audit_trail
            .stream(
                &request.caller,
                &args.aggregate_type,
                &args.aggregate_id.to_string(),
            )
            .await
            .map_err(crate::error::history)?;
        Ok(Json(History {
            events: events.into_iter().map(HistoryEntry::from).collect(),
        }))
    }
}
