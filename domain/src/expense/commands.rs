//! The commands of an expense claim: submit, approve, reject, return, amend,
//! reimburse.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{ExpenseDetails, ExpensePolicy};
use crate::ids::{ExpenseId, TenantId, UserId};

/// A command to the expense aggregate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ExpenseCommand {
    /// Submit a new expense claim.
    Submit {
        /// The caller's tenant: it owns the new aggregate, and no other tenant's command
        /// finds it.
        tenant_id: TenantId,
        /// The new expense's id.
        expense_id: ExpenseId,
        /// The employee claiming.
        employee_id: UserId,
        /// What is claimed.
        details: ExpenseDetails,
        /// The tenant's policy in force.
        policy: ExpensePolicy,
        /// The tenant's other expenses with the same amount, incurred date and
        /// merchant, as the application layer found them: a likely duplicate.
        lookalikes: Vec<ExpenseId>,
        /// Today's date: an expense cannot be incurred later, nor more than
        /// [`MAX_EXPENSE_AGE_DAYS`](super::MAX_EXPENSE_AGE_DAYS) earlier.
        today: NaiveDate,
    },
    /// Give one approval.
    Approve {
        /// Who approves.
        approver_id: UserId,
        /// When it happened (UTC).
        at: DateTime<Utc>,
        /// Optional comment.
        comment: Option<String>,
        /// The employee's manager when the tenant routes approvals by manager
        /// and they can decide (active, with a role that approves): then only
        /// they give the first decision. `None`: any approver may.
        required_approver: Option<UserId>,
    },
    /// Refuse the expense (final).
    Reject {
        /// Who rejects.
        approver_id: UserId,
        /// Why (required).
        reason: String,
        /// The employee's manager when the tenant routes approvals by manager
        /// and they can decide (active, with a role that approves): then only
        /// they give the first decision. `None`: any approver may.
        required_approver: Option<UserId>,
    },
    /// Send back to the employee for changes.
    Return {
        /// Who returns it.
        approver_id: UserId,
        /// What to change (required).
        reason: String,
        /// The employee's manager when the tenant routes approvals by manager
        /// and they can decide (active, with a role that approves): then only
        /// they give the first decision. `None`: any approver may.
        required_approver: Option<UserId>,
    },
    /// The employee changes a returned expense, which goes back for approval.
    Amend {
        /// Who amends (must be the employee).
        employee_id: UserId,
        /// The new details.
        details: ExpenseDetails,
        /// The tenant's policy in force now.
        policy: ExpensePolicy,
        /// The tenant's other expenses like the new details (see `Submit`).
        lookalikes: Vec<ExpenseId>,
        /// Today's date (see `Submit`).
        today: NaiveDate,
    },
    /// Record the reimbursement.
    Reimburse {
        /// The payment batch it was paid in.
        batch_reference: String,
        /// The date it takes effect.
        reimbursed_on: NaiveDate,
        /// Who records it: never the employee who claimed it.
        reimbursed_by: UserId,
    },
}
