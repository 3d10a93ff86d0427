//! The tenant and user directory: who works for a tenant, with which roles, who
//! their manager is and where their costs go. Tokens say who a caller claims to
//! be; for a tenant with a directory, the directory says whether they may still
//! act (a deactivated user's valid token is refused) and with which roles.
//!
//! Two aggregates: [`Tenant`] (created by an operator; how people join and how
//! expense approvals are routed) and [`User`] (one per token subject and tenant,
//! its id derived from both by [`user_aggregate_id`]). Users carry no name or
//! e-mail: the identity provider holds those, the directory only the subject.

mod tenant;
mod user;
mod user_error;

#[cfg(test)]
mod tests;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{TenantId, UserId};

pub use tenant::{Tenant, TenantCommand, TenantError, TenantEvent};
pub use user::{User, UserCommand, UserError, UserEvent, UserStatus, MAX_COST_CENTER_LEN};

/// A role a user holds in a tenant. Spelled in lower case in tokens and flags
/// (`admin`, `accountant`, ...); what each may do is the application layer's
/// access matrix.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything in the tenant, including settings, the directory and erasure.
    Admin,
    /// Customers, invoices, payments, credit notes, reimbursements, reports.
    Accountant,
    /// Approves, rejects and returns expenses; reads all expenses.
    Approver,
    /// Submits and amends their own expenses; reads only their own.
    Employee,
    /// Reads everything in the tenant, the event history included; writes nothing.
    Auditor,
}

impl Role {
    /// Every role, in the order the README's matrix lists them.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Accountant,
        Role::Approver,
        Role::Employee,
        Role::Auditor,
    ];

    /// `roles` once each, in [`Role::ALL`]'s order: how the directory stores them.
    pub fn normalized(roles: &[Role]) -> Vec<Role> {
        let mut roles = roles.to_vec();
        roles.sort();
        roles.dedup();
        roles
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "accountant" => Ok(Role::Accountant),
            "approver" => Ok(Role::Approver),
            "employee" => Ok(Role::Employee),
            "auditor" => Ok(Role::Auditor),
            other => Err(format!(
                "unknown role '{other}' (admin, accountant, approver, employee, auditor)"
            )),
        }
    }
}

/// How people who are not in a tenant's directory yet are treated when their
/// token first arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Enrollment {
    /// They join at once, with the roles their token carries (the identity
    /// provider decides who gets a token for this tenant); from then on they
    /// act with the roles both the directory and their current token grant, so
    /// a role the provider revokes is gone with their next token.
    Open,
    /// They are refused until an admin invites them (what an operator's
    /// `folio tenant create` sets unless told otherwise).
    #[default]
    InviteOnly,
}

/// Who may decide on an employee's expense.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApprovalRouting {
    /// Anyone whose role lets them approve expenses.
    #[default]
    AnyApprover,
    /// The employee's manager in the directory gives the first decision, any
    /// approver the approvals still needed; without a manager who can decide
    /// (none, deactivated, or without a role that approves) any approver
    /// decides, so no expense is stuck.
    EmployeesManager,
}

/// A tenant's directory policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct DirectoryPolicy {
    /// How unknown subjects are treated.
    pub enrollment: Enrollment,
    /// Who decides on expenses.
    pub approval_routing: ApprovalRouting,
}

/// The id of the [`User`] aggregate of `subject` in `tenant_id`: derived, so a
/// token's subject finds its directory entry without a lookup table.
pub fn user_aggregate_id(tenant_id: TenantId, subject: &UserId) -> Uuid {
    tenant_id.derive("user", &subject.0)
}
