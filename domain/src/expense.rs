//! The expense claim: submitted by an employee, approved in as many steps as the
//! tenant's policy asks for its amount, then reimbursed in a batch.
//!
//! Flow: submitted (pending approval) → approved → reimbursed; or rejected (final);
//! or returned for changes → amended by the employee (pending again, approvals reset).
//! An approver can never approve their own expense, nor approve twice.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aggregate::{cqrs_aggregate, domain_event, Decide, TenantOwned};
use crate::error_code::{Coded, ErrorCode};
use crate::exchange::{ExchangeRate, ExchangeRateError};
use crate::ids::{ExpenseId, TenantId, UserId};
use crate::money::{Currency, Money, MoneyError};

/// Approvals needed from an amount upwards, in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ApprovalThreshold {
    /// The currency this threshold is expressed in.
    pub currency: Currency,
    /// From this amount (inclusive)...
    pub from_amount: Decimal,
    /// ...this many distinct approvals are needed.
    pub approvals: u8,
}

/// A spending limit per category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CategoryLimit {
    /// Category name (e.g. `travel`, `meals`).
    pub category: String,
    /// Limit per expense.
    pub limit: Money,
}

/// A tenant's expense policy, handed to the aggregate with each submission so the
/// decision is recorded with the policy that applied.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct ExpensePolicy {
    /// Thresholds; an amount needs the largest `approvals` whose `from_amount` it reaches.
    pub approval_thresholds: Vec<ApprovalThreshold>,
    /// Per-category limits; exceeding one is a policy violation the approver sees.
    pub category_limits: Vec<CategoryLimit>,
    /// Above this amount (same currency) a receipt is expected.
    pub receipt_required_above: Option<Money>,
}

/// Most approvals a policy may ask for.
pub const MAX_APPROVALS: u8 = 5;

impl ExpensePolicy {
    /// The expense's amount in `currency`: the amount itself, or its conversion
    /// at the expense's stated rate into that currency; `None` when neither.
    fn amount_in(details: &ExpenseDetails, currency: Currency) -> Option<Money> {
        if details.amount.currency == currency {
            return Some(details.amount);
        }
        details
            .exchange_rate
            .as_ref()
            .filter(|rate| rate.to == currency)
            .map(|rate| rate.convert(details.amount))
    }

    /// The expense's amount in `currency`, or the refusal that asks for a rate.
    fn comparable(details: &ExpenseDetails, currency: Currency) -> Result<Money, ExpenseError> {
        Self::amount_in(details, currency).ok_or(ExpenseError::ExchangeRateRequired {
            from: details.amount.currency,
            to: currency,
        })
    }

    /// Distinct approvals an expense needs: at least one. Thresholds in the
    /// expense's currency apply to its amount; otherwise thresholds in the
    /// currency its exchange rate converts into apply to the converted amount;
    /// otherwise the expense needs a rate (Folio never converts implicitly, and
    /// never falls back to the strictest threshold).
    pub fn approvals_required(&self, details: &ExpenseDetails) -> Result<u8, ExpenseError> {
        let Some(first) = self.approval_thresholds.first() else {
            return Ok(1);
        };
        let currency = [
            Some(details.amount.currency),
            details.exchange_rate.as_ref().map(|r| r.to),
        ]
        .into_iter()
        .flatten()
        .find(|c| self.approval_thresholds.iter().any(|t| t.currency == *c))
        .unwrap_or(first.currency);
        let amount = Self::comparable(details, currency)?;
        let needed = self
            .approval_thresholds
            .iter()
            .filter(|t| t.currency == currency && amount.amount >= t.from_amount)
            .map(|t| t.approvals)
            .max();
        Ok(needed.unwrap_or(1).max(1))
    }

    /// The policy rules this expense breaks (shown to approvers, not blocking).
    /// A limit in another currency than the expense's is compared with the
    /// amount converted at the expense's rate; without one the expense is
    /// refused, so no limit is escaped by paying abroad.
    pub fn violations(
        &self,
        details: &ExpenseDetails,
    ) -> Result<Vec<PolicyViolation>, ExpenseError> {
        let mut found = Vec::new();
        for limit in &self.category_limits {
            if !limit.category.eq_ignore_ascii_case(&details.category) {
                continue;
            }
            if Self::comparable(details, limit.limit.currency)?.amount > limit.limit.amount {
                found.push(PolicyViolation::CategoryLimitExceeded {
                    category: limit.category.clone(),
                    limit: limit.limit,
                    amount: details.amount,
                });
            }
        }
        if let Some(threshold) = self.receipt_required_above {
            if details.receipt_ref.is_none()
                && Self::comparable(details, threshold.currency)?.amount > threshold.amount
            {
                found.push(PolicyViolation::ReceiptMissing {
                    required_above: threshold,
                });
            }
        }
        Ok(found)
    }
}

/// A policy rule an expense breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PolicyViolation {
    /// The amount is above the category's limit.
    CategoryLimitExceeded {
        /// The category.
        category: String,
        /// Its limit.
        limit: Money,
        /// The expense's amount.
        amount: Money,
    },
    /// No receipt although the amount requires one.
    ReceiptMissing {
        /// The receipt threshold.
        required_above: Money,
    },
}

/// What an employee claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ExpenseDetails {
    /// When the cost was incurred.
    pub incurred_on: NaiveDate,
    /// Who was paid.
    pub merchant: String,
    /// Category (e.g. `travel`).
    pub category: String,
    /// Gross amount, tax included.
    pub amount: Money,
    /// Tax included in the amount, if known.
    pub tax: Option<Money>,
    /// What it was for.
    pub description: String,
    /// Reference of the stored receipt (file id).
    pub receipt_ref: Option<String>,
    /// The rate into the currency the tenant's policy is expressed in, as
    /// stated by the employee (e.g. from the card statement). Needed when a
    /// threshold, limit or receipt rule applies in another currency than the
    /// amount's; absent in expenses submitted before rates were kept, which
    /// read as none given.
    #[serde(default)]
    pub exchange_rate: Option<ExchangeRate>,
}

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

/// A command to the expense aggregate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ExpenseCommand {
    /// Submit a new expense claim.
    Submit {
        /// Owning tenant.
        tenant_id: TenantId,
        /// The new expense's id.
        expense_id: ExpenseId,
        /// The employee claiming.
        employee_id: UserId,
        /// What is claimed.
        details: ExpenseDetails,
        /// The tenant's policy in force.
        policy: ExpensePolicy,
        /// Today's date: an expense cannot be incurred later, nor more than
        /// [`MAX_EXPENSE_AGE_DAYS`] earlier.
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
        /// Owning tenant.
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

/// The oldest an expense may be when it is claimed or amended, in days: older
/// claims are refused rather than silently reimbursed (most tax authorities
/// and company policies stop at a year).
pub const MAX_EXPENSE_AGE_DAYS: i64 = 365;

/// A refused expense command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ExpenseError {
    /// The expense is dated after today.
    #[error("an expense cannot be incurred in the future ({incurred_on} is after {today})")]
    IncurredInTheFuture {
        /// The date given.
        incurred_on: NaiveDate,
        /// Today.
        today: NaiveDate,
    },
    /// The expense is older than [`MAX_EXPENSE_AGE_DAYS`].
    #[error(
        "an expense must be claimed within {MAX_EXPENSE_AGE_DAYS} days; {incurred_on} is too old"
    )]
    TooOld {
        /// The date given.
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
        /// The limit.
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

/// The expense aggregate's state.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Expense {
    /// Where it is in the flow.
    pub status: ExpenseStatus,
    /// Owning tenant.
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

fn required_text(field: &str, value: &str, max: usize) -> Result<String, ExpenseError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(ExpenseError::InvalidText {
            field: field.into(),
            max,
        });
    }
    Ok(value.to_owned())
}

fn clean_details(
    details: ExpenseDetails,
    today: NaiveDate,
) -> Result<ExpenseDetails, ExpenseError> {
    let incurred_on = details.incurred_on;
    if incurred_on > today {
        return Err(ExpenseError::IncurredInTheFuture { incurred_on, today });
    }
    if (today - incurred_on).num_days() > MAX_EXPENSE_AGE_DAYS {
        return Err(ExpenseError::TooOld { incurred_on });
    }
    let amount = Money::exact(details.amount.amount, details.amount.currency)?;
    if !amount.is_positive() {
        return Err(ExpenseError::AmountNotPositive(amount));
    }
    let tax = match details.tax {
        None => None,
        Some(tax) => {
            let valid = tax.currency == amount.currency
                && !tax.is_negative()
                && tax.amount <= amount.amount;
            if !valid {
                return Err(ExpenseError::InvalidTax { tax, amount });
            }
            Some(Money::exact(tax.amount, tax.currency)?)
        }
    };
    let receipt_ref = match details.receipt_ref.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(r) => Some(required_text("receipt reference", r, 200)?),
    };
    Ok(ExpenseDetails {
        incurred_on: details.incurred_on,
        merchant: required_text("merchant", &details.merchant, 200)?,
        category: required_text("category", &details.category, 60)?.to_lowercase(),
        amount,
        tax,
        description: required_text("description", &details.description, 2000)?,
        receipt_ref,
        exchange_rate: details
            .exchange_rate
            .map(|rate| rate.checked(amount.currency))
            .transpose()?,
    })
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
        // The manager gives the first decision; once they approved, any
        // approver gives the approvals still needed (or rejects, or returns),
        // so a threshold of two approvals cannot wait for a second manager.
        match required {
            Some(manager) if manager != approver && self.approvers.is_empty() => {
                Err(ExpenseError::NotTheManager(manager.clone()))
            }
            _ => Ok(()),
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
    // Long on purpose (about 120 lines): one arm per command, each checking its
    // rules in order and naming the error of each; the rules of an expense's whole
    // approval flow read in one place.
    fn decide(&self, command: ExpenseCommand) -> Result<Vec<ExpenseEvent>, ExpenseError> {
        use ExpenseCommand as C;
        use ExpenseEvent as E;
        match command {
            C::Submit {
                tenant_id,
                expense_id,
                employee_id,
                details,
                policy,
                today,
            } => {
                if self.status != ExpenseStatus::New {
                    return Err(ExpenseError::AlreadySubmitted);
                }
                let details = clean_details(details, today)?;
                Ok(vec![E::ExpenseSubmitted {
                    tenant_id,
                    expense_id,
                    employee_id,
                    approvals_required: policy.approvals_required(&details)?,
                    policy_violations: policy.violations(&details)?,
                    details,
                }])
            }
            C::Approve {
                approver_id,
                at,
                comment,
                required_approver,
            } => {
                self.require_pending_for(&approver_id, required_approver.as_ref())?;
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
                let mut events = vec![E::ExpenseApprovalGiven {
                    approver_id: approver_id.clone(),
                    at,
                    comment,
                    approvals_so_far,
                    approvals_required: self.approvals_required,
                }];
                if approvals_so_far >= self.approvals_required {
                    events.push(E::ExpenseApproved { approver_id });
                }
                Ok(events)
            }
            C::Reject {
                approver_id,
                reason,
                required_approver,
            } => {
                self.require_pending_for(&approver_id, required_approver.as_ref())?;
                let reason = required_text("reason", &reason, 2000)?;
                Ok(vec![E::ExpenseRejected {
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
                Ok(vec![E::ExpenseReturned {
                    approver_id,
                    reason,
                }])
            }
            C::Amend {
                employee_id,
                details,
                policy,
                today,
            } => {
                self.require_exists()?;
                if self.employee_id.as_ref() != Some(&employee_id) {
                    return Err(ExpenseError::NotTheEmployee);
                }
                if self.status != ExpenseStatus::Returned {
                    return Err(ExpenseError::NotReturned {
                        status: self.status,
                    });
                }
                let details = clean_details(details, today)?;
                Ok(vec![E::ExpenseAmended {
                    approvals_required: policy.approvals_required(&details)?,
                    policy_violations: policy.violations(&details)?,
                    details,
                }])
            }
            C::Reimburse {
                batch_reference,
                reimbursed_on,
                reimbursed_by,
            } => {
                self.require_exists()?;
                if self.status != ExpenseStatus::Approved {
                    return Err(ExpenseError::NotApproved {
                        status: self.status,
                    });
                }
                if self.employee_id.as_ref() == Some(&reimbursed_by) {
                    return Err(ExpenseError::OwnReimbursement);
                }
                let batch_reference = required_text("batch reference", &batch_reference, 100)?;
                let details = self.details.as_ref().ok_or(ExpenseError::NotFound)?;
                if reimbursed_on < details.incurred_on {
                    return Err(ExpenseError::ReimbursedBeforeIncurred {
                        reimbursed_on,
                        incurred_on: details.incurred_on,
                    });
                }
                let amount = details.amount;
                Ok(vec![E::ExpenseReimbursed {
                    batch_reference,
                    reimbursed_on,
                    amount,
                }])
            }
        }
    }
}

impl TenantOwned for Expense {
    fn tenant(&self) -> Option<TenantId> {
        self.tenant_id
    }
}

cqrs_aggregate!(Expense, type = "Expense", command = ExpenseCommand, event = ExpenseEvent, error = ExpenseError);

#[cfg(test)]
mod tests;
