//! The expense claim: submitted by an employee, approved in as many steps as the
//! tenant's policy asks for its amount, then reimbursed in a batch.
//!
//! Flow: submitted (pending approval) → approved → reimbursed; or rejected (final);
//! or returned for changes → amended by the employee (pending again, approvals reset).
//! An approver can never approve their own expense, nor approve twice.

mod commands;
mod details;
mod errors;
mod events;
mod policy;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use commands::ExpenseCommand;
pub use details::{ExpenseDetails, MAX_EXPENSE_AGE_DAYS};
pub use errors::ExpenseError;
pub use events::ExpenseEvent;
pub use policy::{ApprovalThreshold, CategoryLimit, ExpensePolicy, PolicyViolation, MAX_APPROVALS};

use crate::aggregate::{cqrs_aggregate, Decide, TenantOwned};
use crate::ids::{ExpenseId, TenantId, UserId};
use details::{clean_details, required_text};

/// Where the expense is in its approval flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExpenseStatus {
    /// Not submitted (no events).
    #[default]
    New,
    /// Waiting for approvals.
    PendingApproval,
    /// Sent back to the employee for changes.
    Returned,
    /// Fully approved; waiting for reimbursement.
    Approved,
    /// Refused (final).
    Rejected,
    /// Paid back to the employee (final).
    Reimbursed,
}

/// Who may give an expense's next decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deciders {
    /// Nobody: the expense waits for no decision.
    Nobody,
    /// Only this user (the employee's manager, for the first decision).
    Only(UserId),
    /// Anyone who may approve expenses, except these users (the employee
    /// and who approved already this round).
    AnyApproverExcept(Vec<UserId>),
}

/// The expense aggregate's state.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Expense {
    /// Where it is in the flow.
    pub status: ExpenseStatus,
    /// The owning tenant, once created: commands from other tenants are refused as not
    /// found.
    pub tenant_id: Option<TenantId>,
    /// The employee who claims.
    pub employee_id: Option<UserId>,
    /// Current details.
    pub details: Option<ExpenseDetails>,
    /// Approvals needed.
    pub approvals_required: u8,
    /// Who approved so far (this round).
    pub approvers: Vec<UserId>,
    /// Policy rules broken.
    pub policy_violations: Vec<PolicyViolation>,
}

impl Expense {
    fn require_exists(&self) -> Result<(), ExpenseError> {
        if self.status == ExpenseStatus::New {
            Err(ExpenseError::NotFound)
        } else {
            Ok(())
        }
    }

    fn require_pending_for(
        &self,
        approver: &UserId,
        required: Option<&UserId>,
    ) -> Result<(), ExpenseError> {
        self.require_exists()?;
        if self.status != ExpenseStatus::PendingApproval {
            return Err(ExpenseError::NotPending {
                status: self.status,
            });
        }
        if self.employee_id.as_ref() == Some(approver) {
            return Err(ExpenseError::SelfApproval);
        }
        match self.next_deciders(required) {
            Deciders::Only(manager) if &manager != approver => {
                Err(ExpenseError::NotTheManager(manager))
            }
            _ => Ok(()),
        }
    }

    /// Who may give the next decision, when `required` is the approver the
    /// tenant's routing names (the employee's manager), if any. The manager
    /// gives the first decision; once they approved, any approver gives the
    /// approvals still needed (or rejects, or returns), so a threshold of two
    /// approvals cannot wait for a second manager.
    pub fn next_deciders(&self, required: Option<&UserId>) -> Deciders {
        if self.status != ExpenseStatus::PendingApproval {
            return Deciders::Nobody;
        }
        match required {
            Some(manager) if self.approvers.is_empty() => Deciders::Only(manager.clone()),
            _ => Deciders::AnyApproverExcept(
                self.employee_id
                    .iter()
                    .chain(&self.approvers)
                    .cloned()
                    .collect(),
            ),
        }
    }

    /// Folds one event into the state.
    pub fn fold(&mut self, event: ExpenseEvent) {
        use ExpenseEvent as E;
        match event {
            E::ExpenseSubmitted {
                tenant_id,
                employee_id,
                details,
                approvals_required,
                policy_violations,
                ..
            } => {
                self.status = ExpenseStatus::PendingApproval;
                self.tenant_id = Some(tenant_id);
                self.employee_id = Some(employee_id);
                self.details = Some(details);
                self.approvals_required = approvals_required;
                self.policy_violations = policy_violations;
            }
            E::ExpenseApprovalGiven { approver_id, .. } => self.approvers.push(approver_id),
            E::ExpenseApproved { .. } => self.status = ExpenseStatus::Approved,
            E::ExpenseRejected { .. } => self.status = ExpenseStatus::Rejected,
            E::ExpenseReturned { .. } => self.status = ExpenseStatus::Returned,
            E::ExpenseAmended {
                details,
                approvals_required,
                policy_violations,
            } => {
                self.status = ExpenseStatus::PendingApproval;
                self.details = Some(details);
                self.approvals_required = approvals_required;
                self.policy_violations = policy_violations;
                self.approvers.clear();
            }
            E::ExpenseReimbursed { .. } => self.status = ExpenseStatus::Reimbursed,
        }
    }
}

impl Decide for Expense {
    fn decide(&self, command: ExpenseCommand) -> Result<Vec<ExpenseEvent>, ExpenseError> {
        use ExpenseCommand as C;
        match command {
            C::Submit {
                tenant_id,
                expense_id,
                employee_id,
                details,
                policy,
                lookalikes,
                today,
            } => {
                let claim = (tenant_id, expense_id, employee_id);
                self.decide_submit(claim, details, (&policy, &lookalikes), today)
            }
            C::Approve {
                approver_id,
                at,
                comment,
                required_approver,
            } => {
                self.require_pending_for(&approver_id, required_approver.as_ref())?;
                self.decide_approve(approver_id, at, comment)
            }
            C::Reject {
                approver_id,
                reason,
                required_approver,
            } => {
                self.require_pending_for(&approver_id, required_approver.as_ref())?;
                let reason = required_text("reason", &reason, 2000)?;
                Ok(vec![ExpenseEvent::ExpenseRejected {
                    approver_id,
                    reason,
                }])
            }
            C::Return {
                approver_id,
                reason,
                required_approver,
            } => {
                self.require_pending_for(&approver_id, required_approver.as_ref())?;
                let reason = required_text("reason", &reason, 2000)?;
                Ok(vec![ExpenseEvent::ExpenseReturned {
                    approver_id,
                    reason,
                }])
            }
            C::Amend {
                employee_id,
                details,
                policy,
                lookalikes,
                today,
            } => self.decide_amend(&employee_id, details, (&policy, &lookalikes), today),
            C::Reimburse {
                batch_reference,
                reimbursed_on,
                reimbursed_by,
            } => self.decide_reimburse(&batch_reference, reimbursed_on, &reimbursed_by),
        }
    }
}

/// Who claims what: the tenant, the expense's id and the employee.
type Claim = (TenantId, ExpenseId, UserId);

impl Expense {
    /// A new claim, checked and measured against the tenant's policy.
    fn decide_submit(
        &self,
        (tenant_id, expense_id, employee_id): Claim,
        details: ExpenseDetails,
        (policy, lookalikes): (&ExpensePolicy, &[ExpenseId]),
        today: NaiveDate,
    ) -> Result<Vec<ExpenseEvent>, ExpenseError> {
        if self.status != ExpenseStatus::New {
            return Err(ExpenseError::AlreadySubmitted);
        }
        let details = clean_details(details, today)?;
        Ok(vec![ExpenseEvent::ExpenseSubmitted {
            tenant_id,
            expense_id,
            employee_id,
            approvals_required: policy.approvals_required(&details)?,
            policy_violations: policy.violations(&details, lookalikes)?,
            details,
        }])
    }

    /// One more approval (the approver may decide, checked before), and the
    /// approval of the expense when it was the last one needed.
    fn decide_approve(
        &self,
        approver_id: UserId,
        at: DateTime<Utc>,
        comment: Option<String>,
    ) -> Result<Vec<ExpenseEvent>, ExpenseError> {
        if self.approvers.contains(&approver_id) {
            return Err(ExpenseError::AlreadyApprovedBy(approver_id));
        }
        let comment = comment
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        if comment.as_ref().is_some_and(|c| c.chars().count() > 2000) {
            return Err(ExpenseError::InvalidText {
                field: "comment".into(),
                max: 2000,
            });
        }
        let approvals_so_far = u8::try_from(self.approvers.len() + 1).unwrap_or(u8::MAX);
        let mut events = vec![ExpenseEvent::ExpenseApprovalGiven {
            approver_id: approver_id.clone(),
            at,
            comment,
            approvals_so_far,
            approvals_required: self.approvals_required,
        }];
        if approvals_so_far >= self.approvals_required {
            events.push(ExpenseEvent::ExpenseApproved { approver_id });
        }
        Ok(events)
    }

    /// The employee's new details for a returned claim: approvals start over.
    fn decide_amend(
        &self,
        employee_id: &UserId,
        details: ExpenseDetails,
        (policy, lookalikes): (&ExpensePolicy, &[ExpenseId]),
        today: NaiveDate,
    ) -> Result<Vec<ExpenseEvent>, ExpenseError> {
        self.require_exists()?;
        if self.employee_id.as_ref() != Some(employee_id) {
            return Err(ExpenseError::NotTheEmployee);
        }
        if self.status != ExpenseStatus::Returned {
            return Err(ExpenseError::NotReturned {
                status: self.status,
            });
        }
        let details = clean_details(details, today)?;
        Ok(vec![ExpenseEvent::ExpenseAmended {
            approvals_required: policy.approvals_required(&details)?,
            policy_violations: policy.violations(&details, lookalikes)?,
            details,
        }])
    }

    /// An approved claim paid back in a batch, by someone other than its employee.
    fn decide_reimburse(
        &self,
        batch_reference: &str,
        reimbursed_on: NaiveDate,
        reimbursed_by: &UserId,
    ) -> Result<Vec<ExpenseEvent>, ExpenseError> {
        self.require_exists()?;
        if self.status != ExpenseStatus::Approved {
            return Err(ExpenseError::NotApproved {
                status: self.status,
            });
        }
        if self.employee_id.as_ref() == Some(reimbursed_by) {
            return Err(ExpenseError::OwnReimbursement);
        }
        let batch_reference = required_text("batch reference", batch_reference, 100)?;
        let details = self.details.as_ref().ok_or(ExpenseError::NotFound)?;
        if reimbursed_on < details.incurred_on {
            return Err(ExpenseError::ReimbursedBeforeIncurred {
                reimbursed_on,
                incurred_on: details.incurred_on,
            });
        }
        Ok(vec![ExpenseEvent::ExpenseReimbursed {
            batch_reference,
            reimbursed_on,
            amount: details.amount,
        }])
    }
}

impl TenantOwned for Expense {
    fn tenant(&self) -> Option<TenantId> {
        self.tenant_id
    }
}

cqrs_aggregate!(Expense, type = "Expense", command = ExpenseCommand, event = ExpenseEvent, error = ExpenseError);
