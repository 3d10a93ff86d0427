//! Why an expense command is refused, each with its stable code.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{ExpenseStatus, MAX_EXPENSE_AGE_DAYS};
use crate::error_code::{Coded, ErrorCode};
use crate::exchange::ExchangeRateError;
use crate::ids::UserId;
use crate::money::{Currency, Money, MoneyError};

/// A refused expense command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ExpenseError {
    /// The expense is dated after today.
    #[error("an expense cannot be incurred in the future ({incurred_on} is after {today})")]
    IncurredInTheFuture {
        /// The date the request gave.
        incurred_on: NaiveDate,
        /// Today.
        today: NaiveDate,
    },
    /// The expense is older than [`MAX_EXPENSE_AGE_DAYS`].
    #[error(
        "an expense must be claimed within {MAX_EXPENSE_AGE_DAYS} days; {incurred_on} is too old"
    )]
    TooOld {
        /// The date the request gave.
        incurred_on: NaiveDate,
    },
    /// Segregation of duties: the employee who claimed it cannot record its
    /// reimbursement.
    #[error("you cannot reimburse your own expense")]
    OwnReimbursement,
    /// A reimbursement dated before the expense was incurred.
    #[error("a reimbursement cannot be dated {reimbursed_on}, before the expense ({incurred_on})")]
    ReimbursedBeforeIncurred {
        /// The reimbursement date given.
        reimbursed_on: NaiveDate,
        /// When the expense was incurred.
        incurred_on: NaiveDate,
    },
    /// A policy rule applies in another currency than the expense's, and the
    /// expense states no rate into it.
    #[error(
        "the expense policy is expressed in {to}: state the exchange rate from {from} into {to}"
    )]
    ExchangeRateRequired {
        /// The expense's currency.
        from: Currency,
        /// The currency the rule is expressed in.
        to: Currency,
    },
    /// The stated exchange rate is malformed.
    #[error(transparent)]
    ExchangeRate(#[from] ExchangeRateError),
    /// Already submitted.
    #[error("an expense with this id already exists")]
    AlreadySubmitted,
    /// No such expense.
    #[error("expense not found")]
    NotFound,
    /// The amount is malformed.
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// The amount must be positive.
    #[error("the amount must be greater than zero, got {0}")]
    AmountNotPositive(Money),
    /// The tax must be in the same currency and not above the amount.
    #[error("tax {tax} must be in the expense's currency and between 0 and {amount}")]
    InvalidTax {
        /// The tax given.
        tax: Money,
        /// The expense amount.
        amount: Money,
    },
    /// A required text field is missing or too long.
    #[error("{field} is required and at most {max} characters")]
    InvalidText {
        /// The field.
        field: String,
        /// The most allowed.
        max: usize,
    },
    /// An approver tried to approve their own expense.
    #[error("you cannot approve, reject or return your own expense")]
    SelfApproval,
    /// The tenant routes approvals by manager, the manager has not approved
    /// yet, and the approver is not the employee's manager.
    #[error("only the employee's manager ({0}) may decide on this expense first")]
    NotTheManager(UserId),
    /// This approver already approved.
    #[error("{0} has already approved this expense")]
    AlreadyApprovedBy(UserId),
    /// The expense is not waiting for approval.
    #[error("the expense is {status:?}, not pending approval")]
    NotPending {
        /// Current status.
        status: ExpenseStatus,
    },
    /// Only returned expenses can be amended.
    #[error("the expense is {status:?}; only a returned expense can be amended")]
    NotReturned {
        /// Current status.
        status: ExpenseStatus,
    },
    /// Only the employee who submitted may amend.
    #[error("only the employee who submitted the expense may amend it")]
    NotTheEmployee,
    /// Only approved expenses can be reimbursed.
    #[error("the expense is {status:?}; only an approved expense can be reimbursed")]
    NotApproved {
        /// Current status.
        status: ExpenseStatus,
    },
}

impl Coded for ExpenseError {
    fn code(&self) -> ErrorCode {
        use ExpenseError as E;
        match self {
            E::NotFound => ErrorCode::NotFound,
            E::SelfApproval | E::NotTheEmployee | E::NotTheManager(_) | E::OwnReimbursement => {
                ErrorCode::Forbidden
            }
            E::AlreadySubmitted
            | E::AlreadyApprovedBy(_)
            | E::NotPending { .. }
            | E::NotReturned { .. }
            | E::NotApproved { .. } => ErrorCode::Conflict,
            E::Money(_)
            | E::AmountNotPositive(_)
            | E::InvalidTax { .. }
            | E::InvalidText { .. }
            | E::IncurredInTheFuture { .. }
            | E::TooOld { .. }
            | E::ReimbursedBeforeIncurred { .. }
            | E::ExchangeRateRequired { .. }
            | E::ExchangeRate(_) => ErrorCode::Validation,
        }
    }
}
