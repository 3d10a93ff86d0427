//! The `expenses` projector: expense claims with their approvals and policy
//! violations, and reimbursement batches. Tables: `tables.sql` beside this file; reads: [`queries`].

pub mod queries;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::Aggregate;
use folio_domain::expense::{Expense, ExpenseDetails, ExpenseEvent, PolicyViolation};
use folio_domain::money::Money;
use sqlx::postgres::PgQueryResult;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::event_values::{aggregate_uuid, require_row};
use crate::feed::FeedEvent;
use crate::projector::{decode, ProjectionError, Projector};

/// The projector's name: its checkpoint's key, and how a read names the
/// projector it waits for.
pub const NAME: &str = "expenses";

/// Projects expenses.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExpensesProjector;

#[async_trait]
impl Projector for ExpensesProjector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> u32 {
        // 2: the stated exchange rate and the converted amount.
        // 3: POSSIBLE_DUPLICATE violations (expense_policy_violations.duplicate_of;
        //    limit_amount and currency NULL for them).
        3
    }

    fn schema_sql(&self) -> &'static str {
        include_str!("tables.sql")
    }

    fn aggregate_types(&self) -> &'static [&'static str] {
        &[Expense::TYPE]
    }

    async fn project(
        &self,
        conn: &mut PgConnection,
        event: &FeedEvent,
    ) -> Result<(), ProjectionError> {
        project_expense(conn, event, decode(event)?).await
    }
}

/// Replaces the violation rows of an expense by `violations`.
async fn file_violations(
    conn: &mut PgConnection,
    event: &FeedEvent,
    expense: Uuid,
    violations: &[PolicyViolation],
) -> Result<(), ProjectionError> {
    sqlx::query("DELETE FROM expense_policy_violations WHERE tenant_id = $1 AND expense_id = $2")
        .bind(event.tenant_id)
        .bind(expense)
        .execute(&mut *conn)
        .await?;
    for (ordinal, violation) in (1..).zip(violations) {
        let (kind, category, limit, duplicate_of) = match violation {
            PolicyViolation::CategoryLimitExceeded {
                category, limit, ..
            } => (
                "CATEGORY_LIMIT_EXCEEDED",
                Some(category.as_str()),
                Some(limit),
                None,
            ),
            PolicyViolation::ReceiptMissing { required_above } => {
                ("RECEIPT_MISSING", None, Some(required_above), None)
            }
            PolicyViolation::PossibleDuplicate { expense_ids } => {
                let ids: Vec<Uuid> = expense_ids.iter().map(|id| id.0).collect();
                ("POSSIBLE_DUPLICATE", None, None, Some(ids))
            }
        };
        sqlx::query(
            "INSERT INTO expense_policy_violations (tenant_id, expense_id, ordinal, kind, category,
                 limit_amount, currency, duplicate_of)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(event.tenant_id)
        .bind(expense)
        .bind(ordinal)
        .bind(kind)
        .bind(category)
        .bind(limit.map(|limit| limit.amount))
        .bind(limit.map(|limit| limit.currency.code()))
        .bind(duplicate_of)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// What an employee claims and what the policy said about it: written on submit
/// and again on every amendment.
#[derive(Debug, Clone, Copy)]
struct Claim<'a> {
    details: &'a ExpenseDetails,
    approvals_required: u8,
    violations: &'a [PolicyViolation],
}

/// Runs `sql` (an insert or an update of one expense) with the claim bound to
/// $3..$12, its exchange rate (currency, rate, converted amount, source) to
/// $13..$16, the event's time and sequence to $17 and $18, and `employee` to
/// $19; then replaces the expense's violation rows.
async fn file_claim(
    conn: &mut PgConnection,
    event: &FeedEvent,
    expense: Uuid,
    sql: &str,
    claim: Claim<'_>,
    employee: Option<&str>,
) -> Result<PgQueryResult, ProjectionError> {
    let details = claim.details;
    let mut query = sqlx::query(sql)
        .bind(event.tenant_id)
        .bind(expense)
        .bind(details.incurred_on)
        .bind(&details.merchant)
        .bind(&details.category)
        .bind(details.amount.currency.code())
        .bind(details.amount.amount)
        .bind(details.tax.map(|tax| tax.amount))
        .bind(&details.description)
        .bind(&details.receipt_ref)
        .bind(i32::from(claim.approvals_required))
        .bind(i32::try_from(claim.violations.len()).unwrap_or(i32::MAX))
        .bind(details.exchange_rate.as_ref().map(|r| r.to.code()))
        .bind(details.exchange_rate.as_ref().map(|r| r.rate))
        .bind(
            details
                .exchange_rate
                .as_ref()
                .map(|r| r.convert(details.amount).amount),
        )
        .bind(
            details
                .exchange_rate
                .as_ref()
                .and_then(|r| r.source.as_deref()),
        )
        .bind(event.recorded_at)
        .bind(event.sequence);
    if let Some(employee) = employee {
        query = query.bind(employee);
    }
    let result = query.execute(&mut *conn).await?;
    file_violations(conn, event, expense, claim.violations).await?;
    Ok(result)
}

/// How a submission files its claim: a new row, first round, no approval yet.
const SUBMITTED: &str = "INSERT INTO expenses (tenant_id, expense_id, incurred_on, merchant,
         category, currency, amount, tax_amount, description, receipt_ref, approvals_required,
         policy_violation_count, exchange_currency, exchange_rate, converted_amount,
         exchange_rate_source, updated_at, version, employee_id, status,
         approval_round, approvals_so_far, submitted_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
             $17, $18, $19, 'PENDING_APPROVAL', 1, 0, $17)";

/// How an amendment files its claim: the row rewritten, pending again in a new
/// round with no approval.
const AMENDED: &str = "UPDATE expenses SET incurred_on = $3, merchant = $4, category = $5,
         currency = $6, amount = $7, tax_amount = $8, description = $9,
         receipt_ref = $10, approvals_required = $11, policy_violation_count = $12,
         exchange_currency = $13, exchange_rate = $14, converted_amount = $15,
         exchange_rate_source = $16,
         updated_at = $17, version = $18, status = 'PENDING_APPROVAL',
         approval_round = approval_round + 1, approvals_so_far = 0
     WHERE tenant_id = $1 AND expense_id = $2";

/// Files one expense event: each arm one statement or a function of its own.
async fn project_expense(
    conn: &mut PgConnection,
    event: &FeedEvent,
    payload: ExpenseEvent,
) -> Result<(), ProjectionError> {
    let expense = aggregate_uuid(event)?;
    let result = match payload {
        ExpenseEvent::ExpenseSubmitted {
            employee_id,
            details,
            approvals_required,
            policy_violations,
            ..
        } => {
            let claim = Claim {
                details: &details,
                approvals_required,
                violations: &policy_violations,
            };
            let employee = Some(employee_id.0.as_str());
            file_claim(conn, event, expense, SUBMITTED, claim, employee).await?
        }
        ExpenseEvent::ExpenseApprovalGiven {
            approver_id,
            at,
            comment,
            approvals_so_far,
            approvals_required,
        } => {
            let approval = Approval {
                approver: &approver_id.0,
                at,
                comment: comment.as_deref(),
                so_far: approvals_so_far,
                required: approvals_required,
            };
            file_approval(conn, event, expense, approval).await?
        }
        ExpenseEvent::ExpenseApproved { approver_id } => {
            file_decision(conn, event, expense, "APPROVED", &approver_id.0, None).await?
        }
        ExpenseEvent::ExpenseRejected {
            approver_id,
            reason,
        } => {
            let reason = Some(reason.as_str());
            file_decision(conn, event, expense, "REJECTED", &approver_id.0, reason).await?
        }
        ExpenseEvent::ExpenseReturned {
            approver_id,
            reason,
        } => {
            let reason = Some(reason.as_str());
            file_decision(conn, event, expense, "RETURNED", &approver_id.0, reason).await?
        }
        ExpenseEvent::ExpenseAmended {
            details,
            approvals_required,
            policy_violations,
        } => {
            let claim = Claim {
                details: &details,
                approvals_required,
                violations: &policy_violations,
            };
            file_claim(conn, event, expense, AMENDED, claim, None).await?
        }
        ExpenseEvent::ExpenseReimbursed {
            batch_reference,
            reimbursed_on,
            amount,
        } => {
            let batch = (batch_reference.as_str(), reimbursed_on, &amount);
            file_reimbursement(conn, event, expense, batch).await?
        }
    };
    require_row(result, event)
}

/// One approval of the current round, as `ExpenseApprovalGiven` records it.
struct Approval<'a> {
    approver: &'a str,
    at: DateTime<Utc>,
    comment: Option<&'a str>,
    so_far: u8,
    required: u8,
}

/// Files an approval in the expense's current round and its running count.
async fn file_approval(
    conn: &mut PgConnection,
    event: &FeedEvent,
    expense: Uuid,
    approval: Approval<'_>,
) -> Result<PgQueryResult, ProjectionError> {
    sqlx::query(
        "INSERT INTO expense_approvals (tenant_id, expense_id, approval_round, approver_id,
             approved_at, comment)
         SELECT tenant_id, expense_id, approval_round, $3, $4, $5
         FROM expenses WHERE tenant_id = $1 AND expense_id = $2",
    )
    .bind(event.tenant_id)
    .bind(expense)
    .bind(approval.approver)
    .bind(approval.at)
    .bind(approval.comment)
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query(
        "UPDATE expenses SET approvals_so_far = $3, approvals_required = $4,
             updated_at = $5, version = $6
         WHERE tenant_id = $1 AND expense_id = $2",
    )
    .bind(event.tenant_id)
    .bind(expense)
    .bind(i32::from(approval.so_far))
    .bind(i32::from(approval.required))
    .bind(event.recorded_at)
    .bind(event.sequence)
    .execute(conn)
    .await?)
}

/// Files a reimbursement: the expense paid back, and its batch's running total
/// per currency.
async fn file_reimbursement(
    conn: &mut PgConnection,
    event: &FeedEvent,
    expense: Uuid,
    (batch_reference, reimbursed_on, amount): (&str, NaiveDate, &Money),
) -> Result<PgQueryResult, ProjectionError> {
    sqlx::query(
        "INSERT INTO reimbursement_batches (tenant_id, batch_reference, currency,
             expense_count, total_amount, first_reimbursed_on, last_reimbursed_on)
         VALUES ($1, $2, $3, 1, $4, $5, $5)
         ON CONFLICT (tenant_id, batch_reference, currency) DO UPDATE
         SET expense_count = reimbursement_batches.expense_count + 1,
             total_amount = reimbursement_batches.total_amount + excluded.total_amount,
             first_reimbursed_on = least(reimbursement_batches.first_reimbursed_on, excluded.first_reimbursed_on),
             last_reimbursed_on = greatest(reimbursement_batches.last_reimbursed_on, excluded.last_reimbursed_on)",
    )
    .bind(event.tenant_id)
    .bind(batch_reference)
    .bind(amount.currency.code())
    .bind(amount.amount)
    .bind(reimbursed_on)
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query(
        "UPDATE expenses SET status = 'REIMBURSED', reimbursed_on = $3,
             reimbursement_batch = $4, reimbursed_amount = $5, updated_at = $6, version = $7
         WHERE tenant_id = $1 AND expense_id = $2",
    )
    .bind(event.tenant_id)
    .bind(expense)
    .bind(reimbursed_on)
    .bind(batch_reference)
    .bind(amount.amount)
    .bind(event.recorded_at)
    .bind(event.sequence)
    .execute(conn)
    .await?)
}

/// Records an approver's decision that changes the status.
async fn file_decision(
    conn: &mut PgConnection,
    event: &FeedEvent,
    expense: Uuid,
    status: &str,
    approver: &str,
    reason: Option<&str>,
) -> Result<PgQueryResult, ProjectionError> {
    Ok(sqlx::query(
        "UPDATE expenses SET status = $3, decided_at = $4, decided_by = $5, decision_reason = $6,
             updated_at = $4, version = $7
         WHERE tenant_id = $1 AND expense_id = $2",
    )
    .bind(event.tenant_id)
    .bind(expense)
    .bind(status)
    .bind(event.recorded_at)
    .bind(approver)
    .bind(reason)
    .bind(event.sequence)
    .execute(conn)
    .await?)
}
