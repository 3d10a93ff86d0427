//! Who may do what: the role matrix, in one table (also in README's "Roles").

use crate::auth::{Principal, Role};

/// Something a caller may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Register, update and archive customers.
    ManageCustomers,
    /// Draft, issue, send and void invoices; issue credit notes.
    ManageInvoices,
    /// Record and refund payments.
    ManagePayments,
    /// Submit or amend an expense (one's own).
    ClaimExpenses,
    /// Approve, reject or return expenses.
    ApproveExpenses,
    /// Mark expenses reimbursed.
    ReimburseExpenses,
    /// Change tenant settings (invoicing, expense policy).
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
}

/// The role matrix.
pub fn allows(role: Role, action: Action) -> bool {
    use Action as A;
    use Role as R;
    match role {
        R::Admin => true,
        R::Accountant => !matches!(
            action,
            A::ApproveExpenses | A::ConfigureTenant | A::ReadHistory | A::ErasePersonalData
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
        ),
    }
}

/// Whether any of the caller's roles allows `action`.
pub fn may(principal: &Principal, action: Action) -> bool {
    principal.roles.iter().any(|role| allows(*role, action))
}
