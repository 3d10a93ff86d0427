//! Who may do what: the callers of Folio, their roles, and the one role matrix
//! every edge (GraphQL, MCP, CLI) goes through.
//!
//! Use cases check it themselves before they touch anything, so an edge cannot
//! forget; reads are checked by the edge with the same [`Caller::require`] before it
//! asks a read model, because the read side has no use cases of its own.

use folio_domain::ids::{TenantId, UserId};
use folio_projections::expenses::queries::ExpenseScope;

pub use folio_domain::directory::Role;

/// Something a caller may be allowed to do; each use case names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Register, update and archive customers.
    ManageCustomers,
    /// Draft, issue, send and void invoices; issue credit notes; record the
    /// exchange rates foreign documents are booked at.
    ManageInvoices,
    /// Record and refund payments.
    ManagePayments,
    /// Submit or amend an expense (one's own).
    ClaimExpenses,
    /// Approve, reject or return expenses.
    ApproveExpenses,
    /// Mark expenses reimbursed.
    ReimburseExpenses,
    /// Change tenant settings (invoicing, expense policy) and read them.
    ConfigureTenant,
    /// Read customers, invoices, payments, credit notes.
    ReadInvoicing,
    /// Read every expense of the tenant (employees read only their own).
    ReadAllExpenses,
    /// Read one's own expenses.
    ReadOwnExpenses,
    /// Read reports (aging, revenue, tax, expenses by category).
    ReadReports,
    /// Read the event history: aggregate histories, the event log, past states.
    ReadHistory,
    /// Erase a customer's personal data for good (admins only).
    ErasePersonalData,
    /// Invite, deactivate and reactivate users; set their roles, manager and cost
    /// center; change the directory policy (admins only).
    ManageDirectory,
    /// Read the tenant's directory: its users, their standing, managers and
    /// cost centers.
    ReadDirectory,
}

impl Action {
    /// What the action lets a person do, as the refusal says it ("your roles do not
    /// allow you to …").
    pub fn describe(self) -> &'static str {
        match self {
            Action::ManageCustomers => "manage customers",
            Action::ManageInvoices => "manage invoices",
            Action::ManagePayments => "record or refund payments",
            Action::ClaimExpenses => "submit or amend expenses",
            Action::ApproveExpenses => "approve, reject or return expenses",
            Action::ReimburseExpenses => "reimburse expenses",
            Action::ConfigureTenant => "configure the tenant",
            Action::ReadInvoicing => "read customers and invoices",
            Action::ReadAllExpenses => "read every expense of the tenant",
            Action::ReadOwnExpenses => "read expenses",
            Action::ReadReports => "read reports",
            Action::ReadHistory => "read the event history",
            Action::ErasePersonalData => "erase personal data",
            Action::ManageDirectory => "manage the tenant's users",
            Action::ReadDirectory => "read the tenant's directory",
        }
    }
}

/// The role matrix (README, "Roles", shows the same table).
pub fn allows(role: Role, action: Action) -> bool {
    use Action as A;
    use Role as R;
    match role {
        R::Admin => true,
        R::Accountant => !matches!(
            action,
            A::ApproveExpenses
                | A::ConfigureTenant
                | A::ReadHistory
                | A::ErasePersonalData
                | A::ManageDirectory
                | A::ReadDirectory
        ),
        R::Approver => matches!(
            action,
            A::ApproveExpenses | A::ReadAllExpenses | A::ReadOwnExpenses | A::ClaimExpenses
        ),
        R::Employee => matches!(action, A::ClaimExpenses | A::ReadOwnExpenses),
        R::Auditor => matches!(
            action,
            A::ReadInvoicing
                | A::ReadAllExpenses
                | A::ReadOwnExpenses
                | A::ReadReports
                | A::ReadHistory
                | A::ReadDirectory
        ),
    }
}

/// A caller's roles do not allow the action; nothing was read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("your roles do not allow you to {}", .action.describe())]
pub struct Forbidden {
    /// The action that was refused.
    pub action: Action,
}

/// An authenticated user acting in one tenant: what every use case and read is
/// asked on behalf of. Edges build it from a verified token; the CLI and the demo
/// build one for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The tenant every read and write is confined to.
    pub tenant_id: TenantId,
    /// The user, as the identity provider names them (the token's `sub`).
    pub user: UserId,
    /// The roles the user holds in that tenant; any one allowing an action suffices.
    pub roles: Vec<Role>,
}

impl Caller {
    /// A caller with these roles.
    pub fn new(tenant_id: TenantId, user: UserId, roles: Vec<Role>) -> Self {
        Caller {
            tenant_id,
            user,
            roles,
        }
    }

    /// Whether any of the caller's roles allows `action`.
    pub fn may(&self, action: Action) -> bool {
        self.roles.iter().any(|role| allows(*role, action))
    }

    /// Refuses unless [`Caller::may`] `action`.
    pub fn require(&self, action: Action) -> Result<(), Forbidden> {
        if self.may(action) {
            Ok(())
        } else {
            Err(Forbidden { action })
        }
    }

    /// Whose expenses the caller may read, as the read model filters them: all
    /// of the tenant's, only their own, or none ([`Forbidden`]).
    pub fn expense_scope(&self) -> Result<ExpenseScope, Forbidden> {
        if self.may(Action::ReadAllExpenses) {
            return Ok(ExpenseScope::Tenant);
        }
        self.require(Action::ReadOwnExpenses)?;
        Ok(ExpenseScope::Employee(self.user.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(roles: &[Role]) -> Caller {
        Caller::new(
            TenantId(uuid::Uuid::nil()),
            UserId::new("u"),
            roles.to_vec(),
        )
    }

    #[test]
    fn an_admin_may_do_everything_and_an_auditor_writes_nothing() {
        for action in [
            Action::ManageCustomers,
            Action::ManageInvoices,
            Action::ManagePayments,
            Action::ClaimExpenses,
            Action::ApproveExpenses,
            Action::ReimburseExpenses,
            Action::ConfigureTenant,
            Action::ErasePersonalData,
            Action::ManageDirectory,
        ] {
            assert!(allows(Role::Admin, action));
            assert!(!allows(Role::Auditor, action), "{action:?}");
        }
    }

    #[test]
    fn only_admins_manage_the_directory_and_auditors_read_it() {
        for role in Role::ALL {
            assert_eq!(allows(role, Action::ManageDirectory), role == Role::Admin);
            let reads = matches!(role, Role::Admin | Role::Auditor);
            assert_eq!(allows(role, Action::ReadDirectory), reads, "{role:?}");
        }
    }

    #[test]
    fn any_role_that_allows_an_action_is_enough() {
        let both = caller(&[Role::Employee, Role::Approver]);
        assert!(both.may(Action::ApproveExpenses));
        assert_eq!(
            caller(&[Role::Employee]).require(Action::ApproveExpenses),
            Err(Forbidden {
                action: Action::ApproveExpenses
            })
        );
    }

    #[test]
    fn employees_see_only_their_own_expenses_and_approvers_all() {
        assert_eq!(
            caller(&[Role::Employee]).expense_scope(),
            Ok(ExpenseScope::Employee("u".into()))
        );
        assert_eq!(
            caller(&[Role::Approver]).expense_scope(),
            Ok(ExpenseScope::Tenant)
        );
    }

    #[test]
    fn a_refusal_says_what_was_refused() {
        let refused = caller(&[Role::Auditor])
            .require(Action::ErasePersonalData)
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "your roles do not allow you to erase personal data"
        );
    }

    #[test]
    fn roles_parse_in_any_case_and_unknown_ones_are_named() {
        assert_eq!("Auditor".parse::<Role>(), Ok(Role::Auditor));
        assert!("owner".parse::<Role>().unwrap_err().contains("owner"));
    }
}
