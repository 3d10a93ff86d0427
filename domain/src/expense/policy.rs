//! The tenant's expense policy: how many approvals an amount needs, and the
//! per-category limits an expense is checked against (a breach is recorded,
//! not refused, so an approver decides with it in view).

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ExpenseDetails, ExpenseError};
use crate::ids::ExpenseId;
use crate::money::{Currency, Money};

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
    /// Expenses in `lookalikes` (the tenant's others with the same amount,
    /// date and merchant) make it a possible duplicate.
    pub fn violations(
        &self,
        details: &ExpenseDetails,
        lookalikes: &[ExpenseId],
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
        if !lookalikes.is_empty() {
            let mut expense_ids = lookalikes.to_vec();
            expense_ids.sort();
            expense_ids.dedup();
            found.push(PolicyViolation::PossibleDuplicate { expense_ids });
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
    /// Other expenses of the tenant have the same amount, incurred date and
    /// merchant: possibly the same cost claimed twice.
    PossibleDuplicate {
        /// Those expenses, as they were found at submission.
        expense_ids: Vec<ExpenseId>,
    },
}
