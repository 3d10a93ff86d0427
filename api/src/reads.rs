//! Read-model queries for the API. Every query runs in a transaction that takes the
//! `folio_api` role and sets `folio.tenant_id`, so Postgres row-level security
//! confines it to the caller's tenant even if a `WHERE` were forgotten.

use async_graphql::{ComplexObject, Enum, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use folio_domain::ids::TenantId;
use folio_projections::rebuild::API_ROLE;
use rust_decimal::Decimal;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::schema::{children, Children};

/// A transaction confined to `tenant`.
pub async fn tenant_tx(
    pool: &PgPool,
    tenant: TenantId,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(&format!("SET LOCAL ROLE {API_ROLE}"))
        .execute(&mut *tx)
        .await?;
    sqlx::query("SELECT set_config('folio.tenant_id', $1, true)")
        .bind(tenant.0.to_string())
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// A customer.
#[derive(Debug, Clone, SimpleObject, sqlx::FromRow)]
#[graphql(complex)]
pub struct Customer {
    /// Id.
    pub customer_id: Uuid,
    /// Name on invoices.
    pub name: String,
    /// Billing e-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Tax id.
    pub tax_id: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
    /// Default currency.
    pub default_currency: String,
    /// Default payment terms in days.
    pub payment_terms_days: i32,
    /// ACTIVE or ARCHIVED.
    pub status: String,
    /// When its personal data was erased (the name reads `[erased]` and the
    /// contact fields are null from then on); null if never.
    pub personal_data_erased_at: Option<DateTime<Utc>>,
    /// Aggregate version (for `expectedVersion`).
    pub version: i64,
}

/// What a customer owes in one currency.
#[derive(Debug, Clone, SimpleObject, sqlx::FromRow)]
pub struct Balance {
    /// Customer.
    #[graphql(skip)]
    pub customer_id: Uuid,
    /// Currency.
    pub currency: String,
    /// Open invoices.
    pub open_invoices: i64,
    /// Amount still owed.
    pub open_amount: Decimal,
    /// Part of it past due.
    pub overdue_amount: Decimal,
}

#[ComplexObject]
impl Customer {
    /// Open balance per currency.
    async fn balances(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Vec<Balance>> {
        children(ctx, self.customer_id).await
    }
}

/// An invoice with its payment status as of today.
#[derive(Debug, Clone, SimpleObject, sqlx::FromRow)]
#[graphql(complex)]
pub struct Invoice {
    /// Id.
    pub invoice_id: Uuid,
    /// Customer.
    pub customer_id: Uuid,
    /// Customer name.
    pub customer_name: Option<String>,
    /// DRAFT, ISSUED, SENT or VOID.
    pub status: String,
    /// UNPAID, PARTIALLY_PAID, PAID or OVERDUE (issued invoices only).
    pub payment_status: Option<String>,
    /// Days past due while something is due.
    pub days_overdue: i32,
    /// Currency.
    pub currency: String,
    /// Number (once issued).
    pub number: Option<String>,
    /// Issue date.
    pub issue_date: Option<NaiveDate>,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Net total.
    pub net_total: Option<Decimal>,
    /// Tax total.
    pub tax_total: Option<Decimal>,
    /// Total.
    pub total: Option<Decimal>,
    /// Paid minus refunded.
    pub amount_paid: Decimal,
    /// Credited.
    pub amount_credited: Decimal,
    /// Still owed.
    pub amount_due: Option<Decimal>,
    /// Aggregate version (for `expectedVersion`).
    pub version: i64,
}

/// A line of an invoice.
#[derive(Debug, Clone, SimpleObject, sqlx::FromRow)]
pub struct InvoiceLine {
    /// Invoice.
    #[graphql(skip)]
    pub invoice_id: Uuid,
    /// Line id.
    pub line_id: Uuid,
    /// Order on the invoice.
    pub position: i32,
    /// Description.
    pub description: String,
    /// Quantity.
    pub quantity: Decimal,
    /// Unit price.
    pub unit_price: Decimal,
    /// Net amount (once issued).
    pub net_amount: Option<Decimal>,
    /// Tax (once issued).
    pub tax_amount: Option<Decimal>,
    /// Total (once issued).
    pub total_amount: Option<Decimal>,
}

/// A payment.
#[derive(Debug, Clone, SimpleObject, sqlx::FromRow)]
pub struct Payment {
    /// Invoice.
    #[graphql(skip)]
    pub invoice_id: Uuid,
    /// Id.
    pub payment_id: Uuid,
    /// Amount.
    pub amount: Decimal,
    /// Refunded so far.
    pub refunded_amount: Decimal,
    /// Value date.
    pub received_on: NaiveDate,
    /// Method.
    pub method: String,
    /// Reference.
    pub reference: Option<String>,
}

/// A credit note.
#[derive(Debug, Clone, SimpleObject, sqlx::FromRow)]
pub struct CreditNote {
    /// Invoice.
    #[graphql(skip)]
    pub invoice_id: Uuid,
    /// Id.
    pub credit_note_id: Uuid,
    /// Number.
    pub number: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Why.
    pub reason: String,
    /// Total credited.
    pub total: Decimal,
}

#[ComplexObject]
impl Invoice {
    /// Lines, in order.
    async fn lines(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Vec<InvoiceLine>> {
        children(ctx, self.invoice_id).await
    }

    /// Payments received.
    async fn payments(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Vec<Payment>> {
        children(ctx, self.invoice_id).await
    }

    /// Credit notes issued against it.
    async fn credit_notes(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Vec<CreditNote>> {
        children(ctx, self.invoice_id).await
    }
}

impl Children for InvoiceLine {
    const SQL: &'static str =
        "SELECT invoice_id, line_id, position, description, quantity, unit_price,
            net_amount, tax_amount, total_amount
        FROM folio_read.invoice_lines WHERE invoice_id = ANY($1) ORDER BY invoice_id, position";
    fn parent(&self) -> Uuid {
        self.invoice_id
    }
}

impl Children for Payment {
    const SQL: &'static str = "SELECT invoice_id, payment_id, amount, refunded_amount, received_on,
            method, reference
        FROM folio_read.payments WHERE invoice_id = ANY($1) ORDER BY received_on, payment_id";
    fn parent(&self) -> Uuid {
        self.invoice_id
    }
}

impl Children for CreditNote {
    const SQL: &'static str = "SELECT invoice_id, credit_note_id, number, issue_date, reason, total
        FROM folio_read.credit_notes WHERE invoice_id = ANY($1) ORDER BY number";
    fn parent(&self) -> Uuid {
        self.invoice_id
    }
}

impl Children for Balance {
    const SQL: &'static str =
        "SELECT customer_id, currency, open_invoices, open_amount, overdue_amount
        FROM folio_read.customer_balances WHERE customer_id = ANY($1) ORDER BY currency";
    fn parent(&self) -> Uuid {
        self.customer_id
    }
}

/// An expense claim.
#[derive(Debug, Clone, SimpleObject, sqlx::FromRow)]
pub struct Expense {
    /// Id.
    pub expense_id: Uuid,
    /// Employee (user id).
    pub employee_id: String,
    /// PENDING_APPROVAL, RETURNED, APPROVED, REJECTED or REIMBURSED.
    pub status: String,
    /// When incurred.
    pub incurred_on: NaiveDate,
    /// Merchant.
    pub merchant: String,
    /// Category.
    pub category: String,
    /// Currency.
    pub currency: String,
    /// Amount.
    pub amount: Decimal,
    /// Description.
    pub description: String,
    /// Approvals given in the current round.
    pub approvals_so_far: i32,
    /// Approvals needed.
    pub approvals_required: i32,
    /// Policy rules broken.
    pub policy_violation_count: i32,
    /// Reason of a rejection or return.
    pub decision_reason: Option<String>,
    /// Submitted at.
    pub submitted_at: DateTime<Utc>,
    /// Aggregate version (for `expectedVersion`).
    pub version: i64,
}

/// Accounts-receivable aging of one customer in one currency.
#[derive(Debug, Clone, SimpleObject, sqlx::FromRow)]
pub struct AgingRow {
    /// Customer.
    pub customer_id: Uuid,
    /// Customer name.
    pub customer_name: String,
    /// Currency.
    pub currency: String,
    /// Not yet due.
    pub current_amount: Decimal,
    /// 1-30 days past due.
    pub days_1_30: Decimal,
    /// 31-60 days past due.
    pub days_31_60: Decimal,
    /// 61-90 days past due.
    pub days_61_90: Decimal,
    /// More than 90 days past due.
    pub days_over_90: Decimal,
    /// All together.
    pub total_due: Decimal,
}

/// Revenue of one month in one currency.
#[derive(Debug, Clone, SimpleObject, sqlx::FromRow)]
pub struct RevenueRow {
    /// First day of the month.
    pub month: NaiveDate,
    /// Currency.
    pub currency: String,
    /// Invoiced (net).
    pub invoiced_net: Decimal,
    /// Credited (net).
    pub credited_net: Decimal,
    /// Voided (net).
    pub voided_net: Decimal,
    /// Net revenue.
    pub net_revenue: Decimal,
    /// Tax.
    pub tax: Decimal,
}

/// Tax of one rate in one month and currency.
#[derive(Debug, Clone, SimpleObject, sqlx::FromRow)]
pub struct TaxRow {
    /// First day of the month.
    pub month: NaiveDate,
    /// Currency.
    pub currency: String,
    /// Tax code.
    pub tax_code: String,
    /// Rate in percent.
    pub tax_percent: Decimal,
    /// Treatment.
    pub treatment: String,
    /// Taxable base.
    pub taxable_base: Decimal,
    /// Tax.
    pub tax_amount: Decimal,
}

/// Expenses of one category, month and currency.
#[derive(Debug, Clone, SimpleObject, sqlx::FromRow)]
pub struct ExpenseCategoryRow {
    /// First day of the month incurred.
    pub month: NaiveDate,
    /// Category.
    pub category: String,
    /// Currency.
    pub currency: String,
    /// Expenses not rejected.
    pub expense_count: i64,
    /// Claimed.
    pub claimed_amount: Decimal,
    /// Approved.
    pub approved_amount: Decimal,
    /// Reimbursed.
    pub reimbursed_amount: Decimal,
}

/// Invoice orderings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Default)]
pub enum InvoiceSort {
    /// Newest issue date first (drafts last).
    #[default]
    IssueDateDesc,
    /// Oldest issue date first.
    IssueDateAsc,
    /// Earliest due date first.
    DueDateAsc,
    /// Largest total first.
    TotalDesc,
}

impl InvoiceSort {
    /// The SQL ORDER BY, with the id as a tie-breaker for stable pages.
    pub fn order_by(self) -> &'static str {
        match self {
            InvoiceSort::IssueDateDesc => "issue_date DESC NULLS LAST, invoice_id",
            InvoiceSort::IssueDateAsc => "issue_date ASC NULLS LAST, invoice_id",
            InvoiceSort::DueDateAsc => "due_date ASC NULLS LAST, invoice_id",
            InvoiceSort::TotalDesc => "total DESC NULLS LAST, invoice_id",
        }
    }
}
