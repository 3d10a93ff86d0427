//! The GraphQL schema: queries over the read models, a mutation per command,
//! subscriptions to status changes. Every resolver checks the role matrix and stays
//! inside the caller's tenant.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, Enum, InputObject, Object, Schema, SimpleObject, Subscription, ID};
use chrono::NaiveDate;
use folio_commands::{CommandContext, CommandOutcome};
use folio_domain::ids::TenantId;
use folio_domain::ErrorCode;
use folio_infra::Backend;
use folio_projections::FeedEvent;
use futures_util::Stream;
use sqlx::{PgPool, Postgres, QueryBuilder, Transaction};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::access::{may, Action};
use crate::auth::Principal;
use crate::error::{coded, forbidden, limit, unavailable, validation};
use crate::inputs;
use crate::reads::{
    tenant_tx, AgingRow, Balance, CreditNote, Customer, Expense, ExpenseCategoryRow, Invoice,
    InvoiceLine, InvoiceSort, Payment, RevenueRow, TaxRow,
};

/// The schema type.
pub type FolioSchema = Schema<Query, Mutation, Subscription>;

/// Limits a request must stay within.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest selection allowed.
    pub max_depth: usize,
    /// Largest complexity (fields, lists weighted by page size).
    pub max_complexity: usize,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Largest page (`first`).
    pub max_page_size: usize,
    /// Longest a request may run.
    pub request_timeout: Duration,
    /// Longest a query waits for the read models to reach a consistency token.
    pub consistency_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 10,
            max_complexity: 2_000,
            max_body_bytes: 256 * 1024,
            max_page_size: 100,
            request_timeout: Duration::from_secs(15),
            consistency_wait: Duration::from_secs(5),
        }
    }
}

/// What every resolver of one request needs: the caller and the backend.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The caller.
    pub principal: Principal,
    /// The backend.
    pub backend: Arc<Backend>,
    /// The limits.
    pub limits: Limits,
}

impl RequestContext {
    /// A read transaction confined to the caller's tenant.
    pub async fn tx(&self) -> async_graphql::Result<Transaction<'static, Postgres>> {
        tenant_tx(&self.backend.pool, self.principal.tenant)
            .await
            .map_err(|e| unavailable(&e))
    }

    /// Refuses unless the caller's roles allow `action`.
    pub fn require(&self, action: Action, what: &str) -> async_graphql::Result<()> {
        if may(&self.principal, action) {
            Ok(())
        } else {
            Err(forbidden(what))
        }
    }

    /// Waits until the read models include the write named by `token`.
    pub async fn await_token(&self, token: Option<&str>) -> async_graphql::Result<()> {
        let Some(token) = token else { return Ok(()) };
        let position: i64 = token
            .parse()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| validation(format!("'{token}' is not a consistency token")))?;
        let deadline = tokio::time::Instant::now() + self.limits.consistency_wait;
        loop {
            match folio_infra::feed::checkpoints_cover(&self.backend.pool, position, None).await {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(e) => return Err(unavailable(&e)),
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(coded(
                    ErrorCode::Unavailable,
                    format!(
                        "the read models did not reach your write within {} s; retry with the same token",
                        self.limits.consistency_wait.as_secs()
                    ),
                ));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn command(
        &self,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> async_graphql::Result<CommandContext> {
        let key = idempotency_key.trim();
        if key.is_empty() || key.len() > 200 {
            return Err(validation("idempotencyKey must have 1 to 200 characters"));
        }
        let mut ctx = CommandContext::new(self.principal.tenant, self.principal.user.clone(), key);
        if let Some(version) = expected_version {
            let version = u64::try_from(version)
                .map_err(|_| validation("expectedVersion cannot be negative"))?;
            ctx = ctx.expecting_version(version);
        }
        Ok(ctx)
    }
}

pub(crate) fn request<'a>(ctx: &'a Context<'a>) -> async_graphql::Result<&'a RequestContext> {
    ctx.data::<RequestContext>()
}

/// Rows that belong to a parent (an invoice, a customer): in a list of parents
/// they are loaded for the whole page in one query, not one query per parent.
pub trait Children:
    for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Clone + Send + Sync + Unpin + 'static
{
    /// Selects the rows of the parents in `$1` (a `uuid[]`), in display order.
    const SQL: &'static str;
    /// The parent this row belongs to.
    fn parent(&self) -> Uuid;
}

/// Loads [`Children`] of many parents at once, inside the caller's tenant.
#[derive(Debug)]
pub struct ChildrenLoader<T> {
    pool: PgPool,
    tenant: TenantId,
    rows: std::marker::PhantomData<fn() -> T>,
}

impl<T> ChildrenLoader<T> {
    /// For one request's tenant.
    pub fn new(pool: PgPool, tenant: TenantId) -> Self {
        ChildrenLoader {
            pool,
            tenant,
            rows: std::marker::PhantomData,
        }
    }
}

impl<T: Children> Loader<Uuid> for ChildrenLoader<T> {
    type Value = Vec<T>;
    type Error = Arc<async_graphql::Error>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let mut tx = tenant_tx(&self.pool, self.tenant)
            .await
            .map_err(|e| Arc::new(unavailable(&e)))?;
        let rows: Vec<T> = sqlx::query_as(T::SQL)
            .bind(keys)
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| Arc::new(unavailable(&e)))?;
        let mut by_parent: HashMap<Uuid, Vec<T>> = HashMap::new();
        for row in rows {
            by_parent.entry(row.parent()).or_default().push(row);
        }
        Ok(by_parent)
    }
}

/// The children of `parent`, through the request's loader.
pub async fn children<T: Children>(
    ctx: &Context<'_>,
    parent: Uuid,
) -> async_graphql::Result<Vec<T>> {
    let loader = ctx.data::<DataLoader<ChildrenLoader<T>>>()?;
    Ok(loader
        .load_one(parent)
        .await
        .map_err(|e| (*e).clone())?
        .unwrap_or_default())
}

/// Filters of the invoice list.
#[derive(Debug, Default, InputObject)]
pub struct InvoiceFilter {
    /// Only this document status (DRAFT, ISSUED, SENT, VOID).
    pub status: Option<String>,
    /// Only this customer.
    pub customer_id: Option<ID>,
    /// Issued on or after.
    pub issued_from: Option<NaiveDate>,
    /// Issued on or before.
    pub issued_to: Option<NaiveDate>,
    /// Only invoices past due with something owed.
    pub overdue: Option<bool>,
}

/// Filters of the expense list.
#[derive(Debug, Default, InputObject)]
pub struct ExpenseFilter {
    /// Only this status.
    pub status: Option<String>,
    /// Only this employee (ignored for employees, who see only their own).
    pub employee_id: Option<String>,
    /// Only this category.
    pub category: Option<String>,
    /// Incurred on or after.
    pub incurred_from: Option<NaiveDate>,
    /// Incurred on or before.
    pub incurred_to: Option<NaiveDate>,
}

/// The page size `first` asks for (20 if not given), within the limit.
pub(crate) fn page_size(limits: &Limits, first: Option<i32>) -> async_graphql::Result<i64> {
    let first = first.unwrap_or(20);
    if first < 0 {
        return Err(validation("first cannot be negative"));
    }
    let first = first as usize;
    if first > limits.max_page_size {
        return Err(limit(format!(
            "first is {first}; pages hold at most {} items",
            limits.max_page_size
        )));
    }
    Ok(first as i64)
}

/// Resolves page arguments (offset cursors) within the page-size limit.
fn page(
    limits: &Limits,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<(i64, i64)> {
    let first = page_size(limits, first)?;
    let offset = match after {
        None => 0,
        Some(cursor) => cursor
            .parse::<i64>()
            .ok()
            .filter(|o| *o >= 0)
            .map(|o| o + 1)
            .ok_or_else(|| validation(format!("'{cursor}' is not a cursor from this list")))?,
    };
    Ok((first, offset))
}

fn connection<T: async_graphql::OutputType>(
    mut rows: Vec<T>,
    first: i64,
    offset: i64,
) -> Connection<String, T, EmptyFields, EmptyFields> {
    let has_next = rows.len() as i64 > first;
    rows.truncate(first as usize);
    let mut connection = Connection::new(offset > 0, has_next);
    connection.edges.extend(
        rows.into_iter()
            .enumerate()
            .map(|(i, row)| Edge::new((offset + i as i64).to_string(), row)),
    );
    connection
}

/// The columns of [`Invoice`], from the view that derives payment status: the
/// invoice list query before filters, order and page (shared with the benchmark's
/// plain-handler baseline, so both run the same SQL).
pub const SELECT_INVOICES: &str = "SELECT invoice_id, customer_id, customer_name, status,
        payment_status, days_overdue, currency, number, issue_date, due_date, net_total,
        tax_total, total, amount_paid, amount_credited, amount_due, version
    FROM folio_read.invoice_overview";

/// Queries.
#[derive(Debug, Default)]
pub struct ReadModelQuery;

/// Queries: the read models, and the event history for auditors.
#[derive(Debug, Default, async_graphql::MergedObject)]
pub struct Query(ReadModelQuery, crate::history::HistoryQuery);

#[Object]
impl ReadModelQuery {
    /// Customers of the caller's tenant, by name.
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only customers whose name contains this (any case).")] search: Option<
            String,
        >,
        first: Option<i32>,
        after: Option<String>,
        consistency_token: Option<String>,
    ) -> async_graphql::Result<Connection<String, Customer, EmptyFields, EmptyFields>> {
        let request = request(ctx)?;
        request.require(Action::ReadInvoicing, "read customers")?;
        request.await_token(consistency_token.as_deref()).await?;
        let (first, offset) = page(&request.limits, first, after)?;
        let mut tx = request.tx().await?;
        // The search is a literal substring: LIKE's wildcards in it are escaped.
        let pattern = search.map(|s| {
            let escaped = s
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{}%", escaped.to_lowercase())
        });
        let rows: Vec<Customer> = sqlx::query_as(
            "SELECT customer_id, name, email, phone, address, tax_id, country, default_currency,
                    payment_terms_days, status, personal_data_erased_at, version
             FROM folio_read.customers
             WHERE $3::text IS NULL OR lower(name) LIKE $3
             ORDER BY lower(name), customer_id LIMIT $1 OFFSET $2",
        )
        .bind(first + 1)
        .bind(offset)
        .bind(pattern)
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| unavailable(&e))?;
        Ok(connection(rows, first, offset))
    }

    /// Invoices of the caller's tenant.
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        filter: Option<InvoiceFilter>,
        sort: Option<InvoiceSort>,
        first: Option<i32>,
        after: Option<String>,
        consistency_token: Option<String>,
    ) -> async_graphql::Result<Connection<String, Invoice, EmptyFields, EmptyFields>> {
        let request = request(ctx)?;
        request.require(Action::ReadInvoicing, "read invoices")?;
        request.await_token(consistency_token.as_deref()).await?;
        let (first, offset) = page(&request.limits, first, after)?;
        let filter = filter.unwrap_or_default();
        let mut sql = QueryBuilder::<Postgres>::new(format!("{SELECT_INVOICES} WHERE true"));
        if let Some(status) = &filter.status {
            sql.push(" AND status = ")
                .push_bind(status.to_ascii_uppercase());
        }
        if let Some(customer) = &filter.customer_id {
            sql.push(" AND customer_id = ")
                .push_bind(inputs::id::<Uuid>(customer, "customerId")?);
        }
        if let Some(from) = filter.issued_from {
            sql.push(" AND issue_date >= ").push_bind(from);
        }
        if let Some(to) = filter.issued_to {
            sql.push(" AND issue_date <= ").push_bind(to);
        }
        match filter.overdue {
            Some(true) => sql.push(" AND payment_status = 'OVERDUE'"),
            Some(false) => sql.push(" AND payment_status IS DISTINCT FROM 'OVERDUE'"),
            None => &mut sql,
        };
        sql.push(" ORDER BY ")
            .push(sort.unwrap_or_default().order_by())
            .push(" LIMIT ")
            .push_bind(first + 1)
            .push(" OFFSET ")
            .push_bind(offset);
        let mut tx = request.tx().await?;
        let rows: Vec<Invoice> = sql
            .build_query_as()
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| unavailable(&e))?;
        Ok(connection(rows, first, offset))
    }

    /// One invoice, with lines, payments and credit notes.
    async fn invoice(
        &self,
        ctx: &Context<'_>,
        id: ID,
        consistency_token: Option<String>,
    ) -> async_graphql::Result<Option<Invoice>> {
        let request = request(ctx)?;
        request.require(Action::ReadInvoicing, "read invoices")?;
        request.await_token(consistency_token.as_deref()).await?;
        let id = inputs::id::<Uuid>(&id, "id")?;
        let mut tx = request.tx().await?;
        sqlx::query_as(&format!("{SELECT_INVOICES} WHERE invoice_id = $1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| unavailable(&e))
    }

    /// Expenses: all of the tenant's for approvers, accountants, auditors and
    /// admins; employees see only their own.
    async fn expenses(
        &self,
        ctx: &Context<'_>,
        filter: Option<ExpenseFilter>,
        first: Option<i32>,
        after: Option<String>,
        consistency_token: Option<String>,
    ) -> async_graphql::Result<Connection<String, Expense, EmptyFields, EmptyFields>> {
        let request = request(ctx)?;
        let only_own = !may(&request.principal, Action::ReadAllExpenses);
        request.require(Action::ReadOwnExpenses, "read expenses")?;
        request.await_token(consistency_token.as_deref()).await?;
        let (first, offset) = page(&request.limits, first, after)?;
        let filter = filter.unwrap_or_default();
        let mut sql = QueryBuilder::<Postgres>::new(
            "SELECT expense_id, employee_id, status, incurred_on, merchant, category, currency,
                    amount, description, approvals_so_far, approvals_required,
                    policy_violation_count, decision_reason, submitted_at, version
             FROM folio_read.expenses WHERE true",
        );
        if only_own {
            sql.push(" AND employee_id = ")
                .push_bind(request.principal.user.0.clone());
        } else if let Some(employee) = &filter.employee_id {
            sql.push(" AND employee_id = ").push_bind(employee.clone());
        }
        if let Some(status) = &filter.status {
            sql.push(" AND status = ")
                .push_bind(status.to_ascii_uppercase());
        }
        if let Some(category) = &filter.category {
            sql.push(" AND category = ").push_bind(category.clone());
        }
        if let Some(from) = filter.incurred_from {
            sql.push(" AND incurred_on >= ").push_bind(from);
        }
        if let Some(to) = filter.incurred_to {
            sql.push(" AND incurred_on <= ").push_bind(to);
        }
        sql.push(" ORDER BY incurred_on DESC, expense_id LIMIT ")
            .push_bind(first + 1)
            .push(" OFFSET ")
            .push_bind(offset);
        let mut tx = request.tx().await?;
        let rows: Vec<Expense> = sql
            .build_query_as()
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| unavailable(&e))?;
        Ok(connection(rows, first, offset))
    }

    /// Accounts-receivable aging per customer and currency, as of today.
    async fn ar_aging(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AgingRow>> {
        report(
            ctx,
            "SELECT customer_id, customer_name, currency, current_amount, days_1_30, days_31_60,
                    days_61_90, days_over_90, total_due
             FROM folio_read.ar_aging ORDER BY customer_name, currency",
        )
        .await
    }

    /// Revenue per month and currency.
    async fn revenue_by_month(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RevenueRow>> {
        report(
            ctx,
            "SELECT month, currency, invoiced_net, credited_net, voided_net, net_revenue, tax
             FROM folio_read.revenue_by_month ORDER BY month, currency",
        )
        .await
    }

    /// Tax per rate, month and currency.
    async fn tax_summary(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TaxRow>> {
        report(
            ctx,
            "SELECT month, currency, tax_code, tax_percent, treatment, taxable_base, tax_amount
             FROM folio_read.tax_summary ORDER BY month, currency, tax_code, tax_percent",
        )
        .await
    }

    /// Expenses per category, month and currency.
    async fn expenses_by_category(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ExpenseCategoryRow>> {
        report(
            ctx,
            "SELECT month, category, currency, expense_count, claimed_amount, approved_amount,
                    reimbursed_amount
             FROM folio_read.expenses_by_category_month ORDER BY month, category, currency",
        )
        .await
    }
}

async fn report<T>(ctx: &Context<'_>, sql: &'static str) -> async_graphql::Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let request = request(ctx)?;
    request.require(Action::ReadReports, "read reports")?;
    let mut tx = request.tx().await?;
    sqlx::query_as(sql)
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| unavailable(&e))
}

/// What a mutation returns.
#[derive(Debug, Clone, SimpleObject)]
pub struct CommandResult {
    /// The aggregate written.
    pub aggregate_id: ID,
    /// Its version after the command (pass as `expectedVersion` next time).
    pub version: i64,
    /// Pass to queries as `consistencyToken` to read this write.
    pub consistency_token: Option<String>,
    /// True when the idempotency key was seen before and this is the first outcome.
    pub replayed: bool,
}

impl From<CommandOutcome> for CommandResult {
    fn from(outcome: CommandOutcome) -> Self {
        CommandResult {
            aggregate_id: ID(outcome.aggregate_id),
            version: i64::try_from(outcome.version).unwrap_or(i64::MAX),
            consistency_token: outcome.position.map(|p| p.to_string()),
            replayed: outcome.replayed,
        }
    }
}

/// Mutations: one per command. Each takes an `idempotencyKey` (retry with the same
/// key after a network error: the first outcome is returned) and, where it changes
/// an existing aggregate, an optional `expectedVersion`.
#[derive(Debug, Default)]
pub struct Mutation;

/// Runs a use case with the caller's context after checking the role matrix.
macro_rules! command {
    ($ctx:expr, $action:expr, $what:literal, $key:expr, $version:expr, |$folio:ident, $cctx:ident| $call:expr) => {{
        let request = request($ctx)?;
        request.require($action, $what)?;
        let $cctx = request.command($key, $version)?;
        let $folio = &request.backend.folio;
        let result = $call.await;
        if let Ok(metrics) = $ctx.data::<Arc<crate::metrics::Metrics>>() {
            metrics.command(match &result {
                Ok(_) => "OK",
                Err(error) => error.code().as_str(),
            });
        }
        Ok(CommandResult::from(result.map_err(crate::error::command)?))
    }};
}

#[Object]
impl Mutation {
    /// Registers a customer.
    async fn register_customer(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        input: inputs::CustomerInput,
    ) -> async_graphql::Result<CommandResult> {
        let input = input.into_command()?;
        command!(
            ctx,
            Action::ManageCustomers,
            "manage customers",
            idempotency_key,
            None,
            |folio, c| folio.register_customer(&c, input)
        )
    }

    /// Replaces a customer's contact details.
    async fn update_customer_contact(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        customer_id: ID,
        contact: inputs::ContactInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&customer_id, "customerId")?;
        command!(
            ctx,
            Action::ManageCustomers,
            "manage customers",
            idempotency_key,
            expected_version,
            |folio, c| folio.update_customer_contact(&c, id, contact.into())
        )
    }

    /// Replaces a customer's tax details.
    async fn update_customer_tax_details(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        customer_id: ID,
        tax: inputs::TaxDetailsInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&customer_id, "customerId")?;
        let tax = tax.into_domain()?;
        command!(
            ctx,
            Action::ManageCustomers,
            "manage customers",
            idempotency_key,
            expected_version,
            |folio, c| folio.update_customer_tax_details(&c, id, tax)
        )
    }

    /// Archives a customer.
    async fn archive_customer(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        customer_id: ID,
        reason: String,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&customer_id, "customerId")?;
        command!(
            ctx,
            Action::ManageCustomers,
            "manage customers",
            idempotency_key,
            expected_version,
            |folio, c| folio.archive_customer(&c, id, reason)
        )
    }

    /// Erases a customer's personal data for good (admins only): its contact
    /// details read as `[erased]` and its invoices' recipients as none everywhere
    /// from then on, history included, while its invoices, amounts and the audit
    /// chains stay intact. Erasing again changes nothing.
    async fn erase_customer_personal_data(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        customer_id: ID,
        #[graphql(desc = "Why, e.g. the data-subject request's reference.")] reason: String,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&customer_id, "customerId")?;
        command!(
            ctx,
            Action::ErasePersonalData,
            "erase personal data",
            idempotency_key,
            None,
            |folio, c| folio.erase_customer_personal_data(&c, id, reason)
        )
    }

    /// Starts an invoice draft.
    async fn create_invoice_draft(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        input: inputs::InvoiceDraftInput,
    ) -> async_graphql::Result<CommandResult> {
        let input = input.into_command()?;
        command!(
            ctx,
            Action::ManageInvoices,
            "manage invoices",
            idempotency_key,
            None,
            |folio, c| folio.create_invoice_draft(&c, input)
        )
    }

    /// Adds a line to a draft.
    async fn add_invoice_line(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        invoice_id: ID,
        line: inputs::LineInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&invoice_id, "invoiceId")?;
        let item = line.into_domain()?;
        command!(
            ctx,
            Action::ManageInvoices,
            "manage invoices",
            idempotency_key,
            expected_version,
            |folio, c| async {
                folio
                    .add_invoice_line(
                        &c,
                        id,
                        folio_commands::AddInvoiceLine {
                            line_id: None,
                            item,
                        },
                    )
                    .await
                    .map(|(outcome, _)| outcome)
            }
        )
    }

    /// Replaces a draft line.
    async fn change_invoice_line(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        invoice_id: ID,
        line_id: ID,
        line: inputs::LineInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&invoice_id, "invoiceId")?;
        let line_id = inputs::id(&line_id, "lineId")?;
        let item = line.into_domain()?;
        command!(
            ctx,
            Action::ManageInvoices,
            "manage invoices",
            idempotency_key,
            expected_version,
            |folio, c| folio.change_invoice_line(&c, id, line_id, item)
        )
    }

    /// Removes a draft line.
    async fn remove_invoice_line(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        invoice_id: ID,
        line_id: ID,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&invoice_id, "invoiceId")?;
        let line_id = inputs::id(&line_id, "lineId")?;
        command!(
            ctx,
            Action::ManageInvoices,
            "manage invoices",
            idempotency_key,
            expected_version,
            |folio, c| folio.remove_invoice_line(&c, id, line_id)
        )
    }

    /// Changes a draft's terms and notes.
    async fn update_invoice_terms(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        invoice_id: ID,
        terms: inputs::DueTermsInput,
        notes: Option<String>,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&invoice_id, "invoiceId")?;
        let terms = terms.into_domain()?;
        command!(
            ctx,
            Action::ManageInvoices,
            "manage invoices",
            idempotency_key,
            expected_version,
            |folio, c| folio.update_invoice_terms(&c, id, terms, notes)
        )
    }

    /// Issues a draft: numbers it and freezes its amounts.
    async fn issue_invoice(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        invoice_id: ID,
        issue_date: Option<NaiveDate>,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&invoice_id, "invoiceId")?;
        command!(
            ctx,
            Action::ManageInvoices,
            "manage invoices",
            idempotency_key,
            expected_version,
            |folio, c| folio.issue_invoice(&c, id, folio_commands::IssueInvoice { issue_date })
        )
    }

    /// Records that an invoice was sent.
    async fn mark_invoice_sent(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        invoice_id: ID,
        #[graphql(desc = "Where it was sent (an e-mail address or a channel).")] recipient: String,
        #[graphql(desc = "Further recipients of the same sending.")] cc: Option<Vec<String>>,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&invoice_id, "invoiceId")?;
        let recipients: Vec<String> = std::iter::once(recipient)
            .chain(cc.unwrap_or_default())
            .collect();
        command!(
            ctx,
            Action::ManageInvoices,
            "manage invoices",
            idempotency_key,
            expected_version,
            |folio, c| folio.mark_invoice_sent(&c, id, recipients)
        )
    }

    /// Records a payment.
    async fn record_payment(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        invoice_id: ID,
        payment: inputs::PaymentInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&invoice_id, "invoiceId")?;
        let payment = payment.into_command()?;
        command!(
            ctx,
            Action::ManagePayments,
            "record payments",
            idempotency_key,
            expected_version,
            |folio, c| async {
                folio
                    .record_payment(&c, id, payment)
                    .await
                    .map(|(outcome, _)| outcome)
            }
        )
    }

    /// Refunds (part of) a payment.
    async fn refund_payment(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        invoice_id: ID,
        refund: inputs::RefundInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&invoice_id, "invoiceId")?;
        let refund = refund.into_command()?;
        command!(
            ctx,
            Action::ManagePayments,
            "refund payments",
            idempotency_key,
            expected_version,
            |folio, c| async {
                folio
                    .refund_payment(&c, id, refund)
                    .await
                    .map(|(outcome, _)| outcome)
            }
        )
    }

    /// Issues a credit note against an invoice.
    async fn issue_credit_note(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        invoice_id: ID,
        credit_note: inputs::CreditNoteInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&invoice_id, "invoiceId")?;
        let input = credit_note.into_command()?;
        command!(
            ctx,
            Action::ManageInvoices,
            "issue credit notes",
            idempotency_key,
            expected_version,
            |folio, c| async {
                folio
                    .issue_credit_note(&c, id, input)
                    .await
                    .map(|(outcome, _)| outcome)
            }
        )
    }

    /// Voids an invoice (only while nothing was paid or credited).
    async fn void_invoice(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        invoice_id: ID,
        reason: String,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&invoice_id, "invoiceId")?;
        command!(
            ctx,
            Action::ManageInvoices,
            "void invoices",
            idempotency_key,
            expected_version,
            |folio, c| folio.void_invoice(&c, id, reason)
        )
    }

    /// Submits an expense as the caller.
    async fn submit_expense(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expense: inputs::ExpenseInput,
    ) -> async_graphql::Result<CommandResult> {
        let details = expense.into_domain()?;
        command!(
            ctx,
            Action::ClaimExpenses,
            "submit expenses",
            idempotency_key,
            None,
            |folio, c| folio.submit_expense(
                &c,
                folio_commands::SubmitExpense {
                    expense_id: None,
                    details
                }
            )
        )
    }

    /// Approves an expense.
    async fn approve_expense(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        expense_id: ID,
        comment: Option<String>,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&expense_id, "expenseId")?;
        command!(
            ctx,
            Action::ApproveExpenses,
            "approve expenses",
            idempotency_key,
            expected_version,
            |folio, c| folio.approve_expense(&c, id, folio_commands::ApproveExpense { comment })
        )
    }

    /// Rejects an expense.
    async fn reject_expense(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        expense_id: ID,
        reason: String,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&expense_id, "expenseId")?;
        command!(
            ctx,
            Action::ApproveExpenses,
            "reject expenses",
            idempotency_key,
            expected_version,
            |folio, c| folio.reject_expense(&c, id, reason)
        )
    }

    /// Sends an expense back to its employee for changes.
    async fn return_expense(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        expense_id: ID,
        reason: String,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&expense_id, "expenseId")?;
        command!(
            ctx,
            Action::ApproveExpenses,
            "return expenses",
            idempotency_key,
            expected_version,
            |folio, c| folio.return_expense(&c, id, reason)
        )
    }

    /// Amends a returned expense (its employee only).
    async fn amend_expense(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        expense_id: ID,
        expense: inputs::ExpenseInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&expense_id, "expenseId")?;
        let details = expense.into_domain()?;
        command!(
            ctx,
            Action::ClaimExpenses,
            "amend expenses",
            idempotency_key,
            expected_version,
            |folio, c| folio.amend_expense(&c, id, details)
        )
    }

    /// Marks an approved expense as paid back.
    async fn reimburse_expense(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        expense_id: ID,
        batch_reference: String,
        reimbursed_on: Option<NaiveDate>,
    ) -> async_graphql::Result<CommandResult> {
        let id = inputs::id(&expense_id, "expenseId")?;
        command!(
            ctx,
            Action::ReimburseExpenses,
            "reimburse expenses",
            idempotency_key,
            expected_version,
            |folio, c| folio.reimburse_expense(&c, id, batch_reference, reimbursed_on)
        )
    }

    /// Sets the tenant's invoicing policy (rounding, number series).
    async fn configure_invoicing(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        policy: inputs::InvoicingPolicyInput,
    ) -> async_graphql::Result<CommandResult> {
        let policy = policy.into_domain()?;
        command!(
            ctx,
            Action::ConfigureTenant,
            "configure the tenant",
            idempotency_key,
            expected_version,
            |folio, c| folio.configure_invoicing(&c, policy)
        )
    }

    /// Sets the tenant's expense policy.
    async fn configure_expense_policy(
        &self,
        ctx: &Context<'_>,
        idempotency_key: String,
        expected_version: Option<i64>,
        policy: inputs::ExpensePolicyInput,
    ) -> async_graphql::Result<CommandResult> {
        let policy = policy.into_domain()?;
        command!(
            ctx,
            Action::ConfigureTenant,
            "configure the tenant",
            idempotency_key,
            expected_version,
            |folio, c| folio.configure_expense_policy(&c, policy)
        )
    }
}

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ChangeKind {
    /// An invoice changed status or amount due.
    Invoice,
    /// An expense changed status.
    Expense,
}

/// A status change of an invoice or expense in the caller's tenant.
#[derive(Debug, Clone, SimpleObject)]
pub struct StatusChange {
    /// Invoice or expense.
    pub kind: ChangeKind,
    /// Its id.
    pub aggregate_id: ID,
    /// The event, e.g. `InvoiceIssued`, `PaymentRecorded`, `ExpenseApproved`.
    pub event_type: String,
    /// Version after the event.
    pub version: i64,
    /// Pass to queries to read the new state.
    pub consistency_token: String,
}

fn status_change(event: &FeedEvent) -> Option<StatusChange> {
    let kind = match (event.aggregate_type.as_str(), event.event_type.as_str()) {
        (
            "Invoice",
            "InvoiceIssued" | "InvoiceSent" | "PaymentRecorded" | "PaymentRefunded"
            | "CreditNoteIssued" | "InvoiceVoided",
        ) => ChangeKind::Invoice,
        (
            "Expense",
            "ExpenseSubmitted" | "ExpenseApproved" | "ExpenseRejected" | "ExpenseReturned"
            | "ExpenseAmended" | "ExpenseReimbursed",
        ) => ChangeKind::Expense,
        _ => return None,
    };
    Some(StatusChange {
        kind,
        aggregate_id: ID(event.aggregate_id.clone()),
        event_type: event.event_type.clone(),
        version: event.sequence,
        consistency_token: event.position.global_position.to_string(),
    })
}

/// Subscriptions (graphql-transport-ws on `/graphql/ws`).
#[derive(Debug, Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Status changes of invoices and expenses in the caller's tenant, as they
    /// commit. Invoices need read access to invoicing, expenses to all expenses.
    async fn status_changes(
        &self,
        ctx: &Context<'_>,
        kinds: Option<Vec<ChangeKind>>,
    ) -> async_graphql::Result<impl Stream<Item = StatusChange>> {
        let request = request(ctx)?;
        let mut wanted = kinds.unwrap_or_else(|| vec![ChangeKind::Invoice, ChangeKind::Expense]);
        wanted.retain(|kind| match kind {
            ChangeKind::Invoice => may(&request.principal, Action::ReadInvoicing),
            ChangeKind::Expense => may(&request.principal, Action::ReadAllExpenses),
        });
        if wanted.is_empty() {
            return Err(forbidden("follow these status changes"));
        }
        let tenant = request.principal.tenant.0;
        let mut receiver = ctx.data::<broadcast::Sender<Arc<FeedEvent>>>()?.subscribe();
        Ok(async_stream::stream! {
            loop {
                match receiver.recv().await {
                    Ok(event) if event.tenant_id == tenant => {
                        if let Some(change) = status_change(&event) {
                            if wanted.contains(&change.kind) {
                                yield change;
                            }
                        }
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        })
    }
}

/// Builds the schema with its limits.
pub fn build(limits: &Limits, changes: broadcast::Sender<Arc<FeedEvent>>) -> FolioSchema {
    Schema::build(Query::default(), Mutation, Subscription)
        .data(changes)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .finish()
}

/// The schema's SDL (what `schemas/schema.graphql` holds).
pub fn sdl() -> String {
    let (sender, _) = broadcast::channel(1);
    build(&Limits::default(), sender).sdl()
}

/// Per-request data: the caller, the backend and the loaders for the tenant.
pub fn request_data(
    principal: Principal,
    backend: Arc<Backend>,
    limits: Limits,
) -> async_graphql::Data {
    fn loader<T: Children>(backend: &Backend, tenant: TenantId) -> DataLoader<ChildrenLoader<T>> {
        DataLoader::new(
            ChildrenLoader::new(backend.pool.clone(), tenant),
            tokio::spawn,
        )
    }
    let tenant = principal.tenant;
    let mut data = async_graphql::Data::default();
    data.insert(loader::<InvoiceLine>(&backend, tenant));
    data.insert(loader::<Payment>(&backend, tenant));
    data.insert(loader::<CreditNote>(&backend, tenant));
    data.insert(loader::<Balance>(&backend, tenant));
    data.insert(RequestContext {
        principal,
        backend,
        limits,
    });
    data
}
