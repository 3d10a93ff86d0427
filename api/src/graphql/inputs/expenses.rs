//! Expense claims and the tenant's expense policy.

use async_graphql::InputObject;
use folio_domain::expense::{ApprovalThreshold, CategoryLimit, ExpenseDetails, ExpensePolicy};

use crate::graphql::scalars::{Date, Decimal};

use super::{currency, ExchangeRateInput, MoneyInput};

/// An expense claim.
#[derive(Debug, Clone, InputObject)]
pub struct ExpenseInput {
    /// When the cost was incurred.
    pub incurred_on: Date,
    /// Who was paid.
    pub merchant: String,
    /// Category, e.g. travel.
    pub category: String,
    /// Amount, tax included.
    pub amount: MoneyInput,
    /// Tax contained, if known.
    pub tax: Option<MoneyInput>,
    /// What it was for.
    pub description: String,
    /// Receipt reference.
    pub receipt_ref: Option<String>,
    /// The rate into the currency the tenant's expense policy is expressed in
    /// (from the card statement, say): required when a threshold, limit or
    /// receipt rule applies in another currency than the amount's, or the
    /// claim is refused with VALIDATION.
    pub exchange_rate: Option<ExchangeRateInput>,
}

impl ExpenseInput {
    /// The domain's expense details.
    pub fn into_domain(self) -> async_graphql::Result<ExpenseDetails> {
        Ok(ExpenseDetails {
            incurred_on: self.incurred_on.0,
            merchant: self.merchant,
            category: self.category,
            amount: self.amount.into_domain()?,
            tax: self.tax.map(MoneyInput::into_domain).transpose()?,
            description: self.description,
            receipt_ref: self.receipt_ref,
            exchange_rate: self
                .exchange_rate
                .map(ExchangeRateInput::into_domain)
                .transpose()?,
        })
    }
}

/// Approvals needed from an amount on.
#[derive(Debug, Clone, InputObject)]
pub struct ApprovalThresholdInput {
    /// The ISO 4217 currency the threshold is expressed in, e.g. EUR.
    pub currency: String,
    /// From this amount.
    pub from_amount: Decimal,
    /// Distinct approvals.
    pub approvals: u8,
}

/// A category's limit.
#[derive(Debug, Clone, InputObject)]
pub struct CategoryLimitInput {
    /// The expense category the limit applies to, e.g. `meals`.
    pub category: String,
    /// The most one expense of the category may claim without a policy violation.
    pub limit: MoneyInput,
}

/// The tenant's expense policy.
#[derive(Debug, Clone, InputObject)]
pub struct ExpensePolicyInput {
    /// Approval thresholds.
    pub approval_thresholds: Vec<ApprovalThresholdInput>,
    /// Category limits.
    pub category_limits: Vec<CategoryLimitInput>,
    /// Receipts required above this amount.
    pub receipt_required_above: Option<MoneyInput>,
}

impl ExpensePolicyInput {
    /// The domain's policy.
    pub fn into_domain(self) -> async_graphql::Result<ExpensePolicy> {
        Ok(ExpensePolicy {
            approval_thresholds: self
                .approval_thresholds
                .into_iter()
                .map(|t| {
                    Ok(ApprovalThreshold {
                        currency: currency(&t.currency)?,
                        from_amount: t.from_amount.0,
                        approvals: t.approvals,
                    })
                })
                .collect::<async_graphql::Result<_>>()?,
            category_limits: self
                .category_limits
                .into_iter()
                .map(|l| {
                    Ok(CategoryLimit {
                        category: l.category,
                        limit: l.limit.into_domain()?,
                    })
                })
                .collect::<async_graphql::Result<_>>()?,
            receipt_required_above: self
                .receipt_required_above
                .map(MoneyInput::into_domain)
                .transpose()?,
        })
    }
}
