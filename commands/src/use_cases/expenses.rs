//! Expenses: an employee submits and amends their claims, approvers decide on
//! them under the tenant's policy, accountants record the reimbursement.

use chrono::NaiveDate;
use folio_domain::directory::{ApprovalRouting, Tenant, UserStatus};
use folio_domain::expense::{Deciders, Expense, ExpenseCommand, ExpenseDetails, ExpenseError};
use folio_domain::ids::{ExpenseId, TenantId, UserId};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{current, derived_id, run, UseCases};
use crate::access::{Action, Caller};
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::ports::ReadModelUnavailable;
use crate::runner::Request;

/// Submit an expense (the actor is the employee).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SubmitExpense {
    /// Explicit id; derived from the idempotency key when absent.
    pub expense_id: Option<ExpenseId>,
    /// What is claimed.
    pub details: ExpenseDetails,
}

/// Approve an expense (the actor is the approver).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApproveExpense {
    /// Optional comment.
    pub comment: Option<String>,
}

impl UseCases {
    /// Submits an expense for the acting employee under the tenant's policy.
    pub async fn submit_expense(
        &self,
        ctx: &CommandContext,
        input: SubmitExpense,
    ) -> Result<CommandOutcome, CommandError<ExpenseError>> {
        ctx.caller.require(Action::ClaimExpenses)?;
        let settings = self.settings(ctx.tenant_id()).await?;
        let today = settings.today(self.runner.clock().now());
        let (books, policy) = (settings.accounting_currency, settings.expenses);
        let expense_id = input.expense_id.unwrap_or(ExpenseId(derived_id(
            ctx.tenant_id(),
            "expense",
            &ctx.idempotency_key,
        )));
        let details = self
            .with_table_rate(ctx.tenant_id(), books, input.details.clone())
            .await?;
        let lookalikes = self
            .lookalikes(ctx.tenant_id(), &details, expense_id)
            .await?;
        run!(
            self,
            self.stores.expenses.as_ref(),
            ctx,
            "SubmitExpense",
            expense_id,
            &input,
            None,
            |_| ExpenseCommand::Submit {
                tenant_id: ctx.tenant_id(),
                expense_id,
                employee_id: ctx.actor().clone(),
                details: details.clone(),
                policy: policy.clone(),
                lookalikes: lookalikes.clone(),
                today,
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
        ctx.caller.require(Action::ApproveExpenses)?;
        let at = self.runner.clock().now();
        let required_approver = self.required_approver(ctx, expense_id).await?;
        run!(
            self,
            self.stores.expenses.as_ref(),
            ctx,
            "ApproveExpense",
            expense_id,
            &input,
            None,
            |_| ExpenseCommand::Approve {
                approver_id: ctx.actor().clone(),
                at,
                comment: input.comment.clone(),
                required_approver: required_approver.clone(),
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
        ctx.caller.require(Action::ApproveExpenses)?;
        let required_approver = self.required_approver(ctx, expense_id).await?;
        run!(
            self,
            self.stores.expenses.as_ref(),
            ctx,
            "RejectExpense",
            expense_id,
            &reason,
            None,
            |_| ExpenseCommand::Reject {
                approver_id: ctx.actor().clone(),
                reason: reason.clone(),
                required_approver: required_approver.clone(),
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
        ctx.caller.require(Action::ApproveExpenses)?;
        let required_approver = self.required_approver(ctx, expense_id).await?;
        run!(
            self,
            self.stores.expenses.as_ref(),
            ctx,
            "ReturnExpense",
            expense_id,
            &reason,
            None,
            |_| ExpenseCommand::Return {
                approver_id: ctx.actor().clone(),
                reason: reason.clone(),
                required_approver: required_approver.clone(),
            }
        )
    }

    /// Who alone may give the first decision on `expense_id`: the employee's
    /// manager when the tenant routes approvals by manager, the employee has
    /// one, and the manager can decide (not deactivated, with a role that may
    /// approve); else anyone the matrix lets approve (`None`), so no expense
    /// waits for someone who cannot act. Read from the event store, so a
    /// manager changed a moment ago already counts.
    async fn required_approver(
        &self,
        ctx: &CommandContext,
        expense_id: ExpenseId,
    ) -> Result<Option<UserId>, CommandError<ExpenseError>> {
        let expense: Expense =
            current(self.stores.expenses.as_ref(), &expense_id.to_string()).await?;
        self.routed_approver(ctx.tenant_id(), &expense).await
    }

    /// [`Self::required_approver`] of a loaded `expense`.
    async fn routed_approver(
        &self,
        tenant_id: TenantId,
        expense: &Expense,
    ) -> Result<Option<UserId>, CommandError<ExpenseError>> {
        let tenant: Tenant = current(self.stores.tenants.as_ref(), &tenant_id.to_string()).await?;
        if tenant.policy.approval_routing != ApprovalRouting::EmployeesManager {
            return Ok(None);
        }
        let Some(employee) = &expense.employee_id else {
            return Ok(None);
        };
        let Some(manager) = self
            .directory_user::<ExpenseError>(tenant_id, employee)
            .await?
            .manager
        else {
            return Ok(None);
        };
        let standing = self
            .directory_user::<ExpenseError>(tenant_id, &manager)
            .await?;
        let can_decide = matches!(standing.status, UserStatus::Invited | UserStatus::Active)
            && Caller::new(tenant_id, manager.clone(), standing.roles).may(Action::ApproveExpenses);
        Ok(can_decide.then_some(manager))
    }

    /// An expense as the store holds it now, and who may give its next
    /// decision under the tenant's routing: what the e-mail telling approvers
    /// that it waits for them needs. A system read, asked by the mail sender,
    /// not by a user.
    pub async fn awaited_deciders(
        &self,
        tenant_id: TenantId,
        expense_id: ExpenseId,
    ) -> Result<(Expense, Deciders), CommandError<ExpenseError>> {
        let expense: Expense =
            current(self.stores.expenses.as_ref(), &expense_id.to_string()).await?;
        let required = self.routed_approver(tenant_id, &expense).await?;
        let deciders = expense.next_deciders(required.as_ref());
        Ok((expense, deciders))
    }

    /// The tenant's other expenses with `claim`'s amount, date and merchant:
    /// the domain flags the claim as a possible duplicate of them.
    async fn lookalikes(
        &self,
        tenant: TenantId,
        claim: &ExpenseDetails,
        except: ExpenseId,
    ) -> Result<Vec<ExpenseId>, CommandError<ExpenseError>> {
        self.expense_lookalikes
            .like(tenant, claim, except)
            .await
            .map_err(|ReadModelUnavailable(e)| CommandError::Unavailable(e))
    }

    /// The acting employee amends a returned expense.
    pub async fn amend_expense(
        &self,
        ctx: &CommandContext,
        expense_id: ExpenseId,
        details: ExpenseDetails,
    ) -> Result<CommandOutcome, CommandError<ExpenseError>> {
        ctx.caller.require(Action::ClaimExpenses)?;
        let settings = self.settings(ctx.tenant_id()).await?;
        let today = settings.today(self.runner.clock().now());
        let (books, policy) = (settings.accounting_currency, settings.expenses);
        let amended = self
            .with_table_rate(ctx.tenant_id(), books, details.clone())
            .await?;
        let lookalikes = self
            .lookalikes(ctx.tenant_id(), &amended, expense_id)
            .await?;
        run!(
            self,
            self.stores.expenses.as_ref(),
            ctx,
            "AmendExpense",
            expense_id,
            &details,
            None,
            |_| ExpenseCommand::Amend {
                employee_id: ctx.actor().clone(),
                details: amended.clone(),
                policy: policy.clone(),
                lookalikes: lookalikes.clone(),
                today,
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
        ctx.caller.require(Action::ReimburseExpenses)?;
        let reimbursed_on = match reimbursed_on {
            Some(date) => date,
            None => self.today(ctx.tenant_id()).await?,
        };
        run!(
            self,
            self.stores.expenses.as_ref(),
            ctx,
            "ReimburseExpense",
            expense_id,
            &(&batch_reference, reimbursed_on),
            None,
            |_| ExpenseCommand::Reimburse {
                batch_reference: batch_reference.clone(),
                reimbursed_on,
                reimbursed_by: ctx.actor().clone(),
            }
        )
    }
}
