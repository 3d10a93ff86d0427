//! Expenses: the `Expense` node, its queries (employees see only their own), and
//! the mutations of the approval flow.

use async_graphql::{ComplexObject, Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use folio_commands::reads::PageRequest;
use folio_commands::{ApproveExpense, SubmitExpense};
use folio_projections::expenses::queries::{ExpenseFilter as RowFilter, ExpenseRow};
use uuid::Uuid;

use super::context::request;
use super::enums::{from_stored, ExpenseStatus};
use super::ids::{global_id, uuid_arg, NodeKind};
use super::inputs::ExpenseInput;
use super::money::Money;
use super::outcome::CommandResult;
use super::paging::{connection, page_weight, List};
use super::scalars::{Date, Decimal};
use crate::error::read;

/// An expense claim.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct Expense {
    /// Opaque global id (for `node(id:)`).
    pub id: ID,
    /// The expense's UUID, as mutations take it.
    pub expense_id: Uuid,
    /// The employee who claims it (their user id, the token's `sub`).
    pub employee_id: String,
    /// The status label as stored (read through `status`).
    #[graphql(skip)]
    pub stored_status: String,
    /// When the cost was incurred.
    pub incurred_on: Date,
    /// Who was paid.
    pub merchant: String,
    /// The tenant's category, e.g. `travel`, `meals`.
    pub category: String,
    /// ISO 4217 code of the amount.
    pub currency: String,
    /// Amount claimed, tax included.
    pub amount: Decimal,
    /// The exchange rate stated with the claim, into the currency of the
    /// tenant's policy; null when the claim is in that currency.
    pub exchange_rate: Option<ExpenseExchangeRate>,
    /// What it was for.
    pub description: String,
    /// Approvals given in the current round.
    pub approvals_so_far: i32,
    /// Approvals the tenant's policy requires for this amount.
    pub approvals_required: i32,
    /// Policy rules the claim breaks (approvers see them; it may still be approved).
    pub policy_violation_count: i32,
    /// Why it was rejected or returned; null otherwise.
    pub decision_reason: Option<String>,
    /// When it was first submitted.
    pub submitted_at: DateTime<Utc>,
    /// Aggregate version: pass as `expectedVersion` to change it only if nobody
    /// else did meanwhile.
    pub version: i64,
}

/// An expense's stated exchange rate and what it converted.
#[derive(Debug, Clone, SimpleObject)]
pub struct ExpenseExchangeRate {
    /// Units of the converted currency per unit of the expense's currency.
    pub rate: Decimal,
    /// The amount converted (rounded half-up once): what the policy's
    /// thresholds, limits and receipt rule were compared with.
    pub converted: Money,
}

impl From<ExpenseRow> for Expense {
    fn from(row: ExpenseRow) -> Self {
        Expense {
            id: global_id(NodeKind::Expense, row.expense_id),
            expense_id: row.expense_id,
            employee_id: row.employee_id,
            stored_status: row.status,
            incurred_on: row.incurred_on.into(),
            merchant: row.merchant,
            category: row.category,
            currency: row.currency,
            amount: row.amount.into(),
            exchange_rate: match (
                row.exchange_currency,
                row.exchange_rate,
                row.converted_amount,
            ) {
                (Some(currency), Some(rate), Some(converted)) => Some(ExpenseExchangeRate {
                    rate: rate.into(),
                    converted: Money {
                        amount: converted.into(),
                        currency,
                    },
                }),
                _ => None,
            },
            description: row.description,
            approvals_so_far: row.approvals_so_far,
            approvals_required: row.approvals_required,
            policy_violation_count: row.policy_violation_count,
            decision_reason: row.decision_reason,
            submitted_at: row.submitted_at,
            version: row.version,
        }
    }
}

#[ComplexObject]
impl Expense {
    /// Where the expense is in its approval flow.
    async fn status(&self) -> async_graphql::Result<ExpenseStatus> {
        from_stored(&self.stored_status)
    }

    /// The e-mails Folio sent or is sending about this expense (to its
    /// approvers, to the employee), newest first; for those who read every
    /// expense (approvers, accountants, auditors, admins).
    async fn notifications(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::notifications::Notification>> {
        crate::graphql::notifications::of_expense(ctx, self.expense_id).await
    }
}

/// Filters of the expense list (all given conditions hold).
#[derive(Debug, Default, InputObject)]
pub struct ExpenseFilter {
    /// Only expenses in this status.
    pub status: Option<ExpenseStatus>,
    /// Only this employee's (ignored for employees, who see only their own).
    pub employee_id: Option<String>,
    /// Only this category.
    pub category: Option<String>,
    /// Incurred on or after this date.
    pub incurred_from: Option<Date>,
    /// Incurred on or before this date.
    pub incurred_to: Option<Date>,
}

/// One expense the caller may see, or null, once the read models reached `token`
/// (the rights are checked first).
pub(crate) async fn expense_by_id(
    ctx: &Context<'_>,
    expense_id: Uuid,
    token: Option<&str>,
) -> async_graphql::Result<Option<Expense>> {
    let row = request(ctx)?
        .reads
        .expense(expense_id, token)
        .await
        .map_err(read)?;
    Ok(row.map(Expense::from))
}

/// The expense queries.
#[derive(Debug, Default)]
pub struct ExpenseQuery;

#[Object]
impl ExpenseQuery {
    /// Expenses, newest first: all of the tenant's for approvers, accountants,
    /// auditors and admins; employees see only their own.
    #[graphql(complexity = "page_weight(first) * child_complexity")]
    async fn expenses(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only expenses matching all the given conditions.")] filter: Option<
            ExpenseFilter,
        >,
        #[graphql(desc = "Page size, 20 if not given; at most the server's page limit.")]
        first: Option<i32>,
        #[graphql(desc = "The cursor of the last edge of the previous page.")] after: Option<
            String,
        >,
        #[graphql(desc = "A mutation's consistencyToken: wait until this read shows it.")]
        consistency_token: Option<String>,
    ) -> async_graphql::Result<List<Expense>> {
        let filter = filter.unwrap_or_default();
        let filter = RowFilter {
            status: filter.status.map(Into::into),
            employee_id: filter.employee_id,
            category: filter.category,
            incurred_from: filter.incurred_from.map(|d| d.0),
            incurred_to: filter.incurred_to.map(|d| d.0),
        };
        let slice = request(ctx)?
            .reads
            .expenses(
                &filter,
                &PageRequest { first, after },
                consistency_token.as_deref(),
            )
            .await
            .map_err(read)?;
        Ok(connection(slice))
    }

    /// One expense by its UUID; null if the caller may not see it or the tenant
    /// has none such.
    async fn expense(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The expense's UUID (`expenseId`).")] id: ID,
        #[graphql(desc = "A mutation's consistencyToken: wait until this read shows it.")]
        consistency_token: Option<String>,
    ) -> async_graphql::Result<Option<Expense>> {
        let id = uuid_arg(&id, "id")?;
        expense_by_id(ctx, id, consistency_token.as_deref()).await
    }
}

/// The expense mutations.
#[derive(Debug, Default)]
pub struct ExpenseMutation;

#[Object]
impl ExpenseMutation {
    /// Submits an expense as the caller (every role that may claim expenses).
    async fn submit_expense(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(desc = "What is claimed: date, merchant, category, amount, receipt.")]
        expense: ExpenseInput,
    ) -> async_graphql::Result<CommandResult> {
        let input = SubmitExpense {
            expense_id: None,
            details: expense.into_domain()?,
        };
        command!(ctx, idempotency_key, None, |use_cases, c| use_cases
            .submit_expense(&c, input))
    }

    /// Gives the caller's approval (approvers and admins; never one's own).
    async fn approve_expense(
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
        #[graphql(desc = "The expense's UUID (`expenseId`).")] expense_id: ID,
        #[graphql(desc = "Shown to the employee and kept in the history.")] comment: Option<String>,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&expense_id, "expenseId")?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.approve_expense(&c, id, ApproveExpense { comment })
        })
    }

    /// Rejects an expense for good.
    async fn reject_expense(
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
        #[graphql(desc = "The expense's UUID (`expenseId`).")] expense_id: ID,
        #[graphql(desc = "Why; shown to the employee.")] reason: String,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&expense_id, "expenseId")?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.reject_expense(&c, id, reason)
        })
    }

    /// Sends an expense back to its employee for changes.
    async fn return_expense(
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
        #[graphql(desc = "The expense's UUID (`expenseId`).")] expense_id: ID,
        #[graphql(desc = "What to change; shown to the employee.")] reason: String,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&expense_id, "expenseId")?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.return_expense(&c, id, reason)
        })
    }

    /// Amends a returned expense (its employee only); approvals start over.
    async fn amend_expense(
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
        #[graphql(desc = "The expense's UUID (`expenseId`).")] expense_id: ID,
        #[graphql(desc = "What is claimed: date, merchant, category, amount, receipt.")]
        expense: ExpenseInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&expense_id, "expenseId")?;
        let details = expense.into_domain()?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.amend_expense(&c, id, details)
        })
    }

    /// Marks an approved expense as paid back (accountants and admins).
    async fn reimburse_expense(
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
        #[graphql(desc = "The expense's UUID (`expenseId`).")] expense_id: ID,
        #[graphql(desc = "The payout batch it was paid in, e.g. a bank file's reference.")]
        batch_reference: String,
        #[graphql(desc = "The payout date; today in the tenant's timezone if not given.")]
        reimbursed_on: Option<Date>,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&expense_id, "expenseId")?;
        let on = reimbursed_on.map(|d| d.0);
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.reimburse_expense(&c, id, batch_reference, on)
        })
    }
}
