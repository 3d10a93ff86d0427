//! Typed reads of the expenses read model: the claims and the by-category report.
//! Every function runs on a connection from [`crate::reading::tenant_reader`]; who
//! may see whose expenses is the caller's [`ExpenseScope`], decided by the
//! application layer's access matrix.

use chrono::{DateTime, NaiveDate, Utc};
use folio_domain::expense::ExpenseStatus;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::amount::{Amount, MaybeAmount};
use crate::event_values::label;
use crate::reading::{Page, ReportPeriod, Slice};

/// An expense claim as the read model holds it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct ExpenseRow {
    /// The expense's id (the aggregate id).
    pub expense_id: Uuid,
    /// The employee who claims it (their user id).
    pub employee_id: String,
    /// `PENDING_APPROVAL`, `RETURNED`, `APPROVED`, `REJECTED` or `REIMBURSED`.
    pub status: String,
    /// When the expense was incurred.
    pub incurred_on: NaiveDate,
    /// Who was paid.
    pub merchant: String,
    /// The tenant's category (`travel`, `meals`, ...).
    pub category: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Amount claimed.
    #[sqlx(try_from = "Amount")]
    pub amount: Decimal,
    /// The currency the claim states an exchange rate into, if any.
    pub exchange_currency: Option<String>,
    /// The stated rate: units of `exchange_currency` per unit of `currency`.
    pub exchange_rate: Option<Decimal>,
    /// `amount` converted at that rate (what the policy compared).
    #[sqlx(try_from = "MaybeAmount")]
    pub converted_amount: Option<Decimal>,
    /// What it was for.
    pub description: String,
    /// Approvals given in the current round.
    pub approvals_so_far: i32,
    /// Approvals the policy requires for this amount.
    pub approvals_required: i32,
    /// Policy rules the claim breaks (it may still be approved).
    pub policy_violation_count: i32,
    /// Why it was rejected or returned; null otherwise.
    pub decision_reason: Option<String>,
    /// When it was first submitted.
    pub submitted_at: DateTime<Utc>,
    /// The expense's version: pass it as `expected_version` to refuse a
    /// decision on a claim that changed since it was read.
    pub version: i64,
}

/// Expenses of one category, month and currency.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct ExpenseCategoryRow {
    /// First day of the month incurred.
    pub month: NaiveDate,
    /// The category as claimed (lower case, e.g. `travel`).
    pub category: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Expenses not rejected.
    pub expense_count: i64,
    /// Sum claimed.
    #[sqlx(try_from = "Amount")]
    pub claimed_amount: Decimal,
    /// Sum approved (reimbursed included).
    #[sqlx(try_from = "Amount")]
    pub approved_amount: Decimal,
    /// Sum reimbursed.
    #[sqlx(try_from = "Amount")]
    pub reimbursed_amount: Decimal,
}

/// Whose expenses a reader sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpenseScope {
    /// Every expense of the tenant.
    Tenant,
    /// Only this employee's (user id).
    Employee(String),
}

/// Which expenses to list (all given conditions hold): the one filter every
/// edge reads expenses with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
pub struct ExpenseFilter {
    /// Only expenses in this status.
    pub status: Option<ExpenseStatus>,
    /// Only this employee's (their user id; ignored for employees, who see only their own).
    pub employee_id: Option<String>,
    /// Only this category (e.g. `travel`).
    pub category: Option<String>,
    /// Incurred on or after this date (YYYY-MM-DD).
    pub incurred_from: Option<NaiveDate>,
    /// Incurred on or before this date (YYYY-MM-DD).
    pub incurred_to: Option<NaiveDate>,
}

/// Amounts at their currency's scale, as every money column the API reads.
const EXPENSE_COLUMNS: &str = "expense_id, employee_id, status, incurred_on, merchant,
    category, currency, public.in_minor_units(amount, currency) AS amount, exchange_currency,
    exchange_rate, public.in_minor_units(converted_amount, exchange_currency) AS converted_amount,
    description, approvals_so_far, approvals_required,
    policy_violation_count, decision_reason, submitted_at, version";

fn scoped(sql: &mut QueryBuilder<'_, Postgres>, scope: &ExpenseScope) {
    if let ExpenseScope::Employee(user) = scope {
        sql.push(" AND employee_id = ").push_bind(user.clone());
    }
}

/// Expenses within `scope` matching `filter`, newest first.
pub async fn expenses(
    conn: &mut PgConnection,
    scope: &ExpenseScope,
    filter: &ExpenseFilter,
    page: Page,
) -> Result<Slice<ExpenseRow>, sqlx::Error> {
    let mut sql = QueryBuilder::<Postgres>::new(format!(
        "SELECT {EXPENSE_COLUMNS} FROM folio_read.expenses WHERE true"
    ));
    scoped(&mut sql, scope);
    if let (ExpenseScope::Tenant, Some(employee)) = (scope, &filter.employee_id) {
        sql.push(" AND employee_id = ").push_bind(employee.clone());
    }
    if let Some(status) = filter.status {
        sql.push(" AND status = ").push_bind(label(&status));
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
        .push_bind(page.fetch_limit())
        .push(" OFFSET ")
        .push_bind(page.offset);
    let rows = sql.build_query_as().fetch_all(conn).await?;
    Ok(page.slice(rows))
}

/// One expense within `scope`, or `None` (also for another tenant's, or another
/// employee's under [`ExpenseScope::Employee`]).
pub async fn expense(
    conn: &mut PgConnection,
    scope: &ExpenseScope,
    expense_id: Uuid,
) -> Result<Option<ExpenseRow>, sqlx::Error> {
    let mut sql = QueryBuilder::<Postgres>::new(format!(
        "SELECT {EXPENSE_COLUMNS} FROM folio_read.expenses WHERE expense_id = "
    ));
    sql.push_bind(expense_id);
    scoped(&mut sql, scope);
    sql.build_query_as().fetch_optional(conn).await
}

/// A claim as the duplicate check compares it: amount in its currency,
/// incurred date, merchant.
#[derive(Debug, Clone, Copy)]
pub struct ClaimKey<'a> {
    /// The gross amount.
    pub amount: Decimal,
    /// Its ISO 4217 code.
    pub currency: &'a str,
    /// When the cost was incurred.
    pub incurred_on: NaiveDate,
    /// Who was paid (compared case-folded, trimmed).
    pub merchant: &'a str,
}

/// The ids of `tenant`'s expenses other than `except` with `claim`'s amount,
/// currency, date and merchant, at most `limit` of them. Across employees
/// (a team dinner claimed twice), read as the application, not a caller.
pub async fn lookalike_expenses(
    pool: &sqlx::PgPool,
    tenant: Uuid,
    claim: ClaimKey<'_>,
    (except, limit): (Uuid, i64),
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT expense_id FROM folio_read.expenses
         WHERE tenant_id = $1 AND expense_id <> $2 AND amount = $3 AND currency = $4
           AND incurred_on = $5 AND lower(btrim(merchant)) = lower(btrim($6))
         ORDER BY submitted_at, expense_id LIMIT $7",
    )
    .bind(tenant)
    .bind(except)
    .bind(claim.amount)
    .bind(claim.currency)
    .bind(claim.incurred_on)
    .bind(claim.merchant)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Expenses per category, month and currency within `period`.
pub async fn by_category(
    conn: &mut PgConnection,
    period: &ReportPeriod,
) -> Result<Vec<ExpenseCategoryRow>, sqlx::Error> {
    period
        .rows(
            conn,
            "month, category, currency, expense_count, claimed_amount, approved_amount,
                    reimbursed_amount
             FROM folio_read.expenses_by_category_month",
            "month, category, currency",
        )
        .await
}
