//! The events of an expense claim, as recorded.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ExpenseDetails, PolicyViolation};
use crate::aggregate::domain_event;
use crate::ids::{ExpenseId, TenantId, UserId};
use crate::money::Money;

/// An event of the expense aggregate.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
pub enum ExpenseEvent {
    /// An expense was submitted.
    ExpenseSubmitted {
        /// The tenant that owns the aggregate from now on: any other tenant's command finds
        /// nothing.
        tenant_id: TenantId,
        /// The expense's id.
        expense_id: ExpenseId,
        /// The employee.
        employee_id: UserId,
        /// What is claimed.
        details: ExpenseDetails,
        /// Distinct approvals needed under the policy in force.
        approvals_required: u8,
        /// Policy rules broken, for the approvers.
        policy_violations: Vec<PolicyViolation>,
    },
    /// One approval was given.
    ExpenseApprovalGiven {
        /// Who approved.
        approver_id: UserId,
        /// When it happened (UTC).
        at: DateTime<Utc>,
        /// The approver's comment, if any.
        comment: Option<String>,
        /// Approvals so far, this one included.
        approvals_so_far: u8,
        /// Approvals needed.
        approvals_required: u8,
    },
    /// The last needed approval was given.
    ExpenseApproved {
        /// Who gave the last approval.
        approver_id: UserId,
    },
    /// The expense was refused.
    ExpenseRejected {
        /// The user who decided (their id, the token's `sub`).
        approver_id: UserId,
        /// Why, in words kept with the record and shown in the history.
        reason: String,
    },
    /// The expense was sent back for changes.
    ExpenseReturned {
        /// The user who decided (their id, the token's `sub`).
        approver_id: UserId,
        /// What to change.
        reason: String,
    },
    /// The employee changed a returned expense; approvals start over.
    ExpenseAmended {
        /// The new details.
        details: ExpenseDetails,
        /// Approvals needed now.
        approvals_required: u8,
        /// Policy rules broken now.
        policy_violations: Vec<PolicyViolation>,
    },
    /// The employee was paid back.
    ExpenseReimbursed {
        /// The payment batch.
        batch_reference: String,
        /// The date it takes effect.
        reimbursed_on: NaiveDate,
        /// Amount paid back.
        amount: Money,
    },
}

domain_event!(ExpenseEvent);
