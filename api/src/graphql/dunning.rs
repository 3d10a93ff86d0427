//! The tenant's reminder schedule as GraphQL reads it (`tenantSettings.dunning`)
//! and writes it (`configureDunning`'s `DunningPolicyInput`).

use async_graphql::{InputObject, SimpleObject};
use folio_domain::dunning as domain;

use crate::error::validation;

use super::inputs::MoneyInput;
use super::money::Money;
use super::scalars::Decimal;

/// One payment reminder of the schedule.
#[derive(Debug, Clone, SimpleObject)]
pub struct DunningStep {
    /// Days after the due date it is sent: `-3` three days before, `7` a week
    /// overdue.
    pub days_after_due: i32,
    /// The fee it charges, invoiced apart to the customer; null: none.
    pub late_fee: Option<LateFee>,
}

/// A fee a reminder charges: a fixed amount or a percentage of what is due.
#[derive(Debug, Clone, SimpleObject)]
pub struct LateFee {
    /// The fixed fee (charged on invoices in its currency only); null for a
    /// percentage.
    pub fixed: Option<Money>,
    /// Percent of the amount still due; null for a fixed fee.
    pub percent: Option<Decimal>,
    /// The key of the tax on the fee in the tenant's tax catalogue.
    pub tax_rate_key: String,
}

/// When customers are reminded of open invoices.
#[derive(Debug, Clone, SimpleObject)]
pub struct DunningPolicy {
    /// The reminders, earliest first; none: no reminders. A run sends an
    /// invoice the latest step whose day has come, at most 14 days after
    /// that day.
    pub steps: Vec<DunningStep>,
}

/// One payment reminder of a new schedule.
#[derive(Debug, Clone, InputObject)]
pub struct DunningStepInput {
    /// Days after the due date it is sent: `-3` three days before, `7` a week
    /// overdue (-30 to 365).
    pub days_after_due: i32,
    /// The fee it charges, if any: invoiced apart to the customer (an issued
    /// invoice is never changed) and e-mailed with the reminder's recipients.
    pub late_fee: Option<LateFeeInput>,
}

/// A reminder's fee: exactly one of `fixed` and `percent`.
#[derive(Debug, Clone, InputObject)]
pub struct LateFeeInput {
    /// A fixed fee, charged on invoices in its currency only.
    pub fixed: Option<MoneyInput>,
    /// A percentage of the amount still due (above 0, at most 100).
    pub percent: Option<Decimal>,
    /// The key of the tax on the fee in the tenant's tax catalogue
    /// (`configureTaxRates`): late fees are outside the scope of VAT in most
    /// of the EU and taxed in Mexico.
    pub tax_rate_key: String,
}

/// A new schedule.
#[derive(Debug, Clone, InputObject)]
pub struct DunningPolicyInput {
    /// The reminders (at most 6, one per day); none: no reminders.
    pub steps: Vec<DunningStepInput>,
}

impl From<domain::DunningPolicy> for DunningPolicy {
    fn from(policy: domain::DunningPolicy) -> Self {
        let steps = policy.steps.into_iter().map(|step| DunningStep {
            days_after_due: step.days_after_due,
            late_fee: step.late_fee.map(|rule| {
                let (fixed, percent) = match rule.fee {
                    domain::LateFee::Fixed { amount } => (Some(Money::from(&amount)), None),
                    domain::LateFee::Percent { percent } => (None, Some(percent.into())),
                };
                LateFee {
                    fixed,
                    percent,
                    tax_rate_key: rule.tax_rate_key,
                }
            }),
        });
        DunningPolicy {
            steps: steps.collect(),
        }
    }
}

impl DunningPolicyInput {
    /// The domain's schedule; a fee with both or neither of its forms, or
    /// an amount in an unknown currency, is refused.
    pub fn into_domain(self) -> async_graphql::Result<domain::DunningPolicy> {
        let steps = self.steps.into_iter().map(|step| {
            Ok(domain::DunningStep {
                days_after_due: step.days_after_due,
                late_fee: step.late_fee.map(LateFeeInput::into_domain).transpose()?,
            })
        });
        Ok(domain::DunningPolicy {
            steps: steps.collect::<async_graphql::Result<_>>()?,
        })
    }
}

impl LateFeeInput {
    fn into_domain(self) -> async_graphql::Result<domain::LateFeeRule> {
        let fee = match (self.fixed, self.percent) {
            (Some(fixed), None) => domain::LateFee::Fixed {
                amount: fixed.into_domain()?,
            },
            (None, Some(percent)) => domain::LateFee::Percent { percent: percent.0 },
            _ => {
                return Err(validation(
                    "a late fee is either fixed or a percent, not both or neither",
                )
                .into())
            }
        };
        Ok(domain::LateFeeRule {
            fee,
            tax_rate_key: self.tax_rate_key,
        })
    }
}
