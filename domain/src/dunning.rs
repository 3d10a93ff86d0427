//! A tenant's payment reminders (dunning): when an open invoice's customer is
//! reminded, counted in days from its due date (negative: before it), and
//! the fee a reminder may charge. The steps are what the reminder process
//! follows; no step, no reminders.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::{InvoiceId, TenantId};
use crate::money::{Money, RoundingMode};

/// Most steps a schedule holds.
pub const MAX_DUNNING_STEPS: usize = 6;
/// Earliest a reminder may come, in days before the due date.
pub const EARLIEST_DAYS_BEFORE_DUE: i32 = 30;
/// Latest a reminder may come, in days after the due date.
pub const LATEST_DAYS_AFTER_DUE: i32 = 365;
/// How many days after its day a step may still be sent: a run that comes
/// late (an outage) catches up, but a schedule set today does not remind of
/// invoices whose steps passed long ago, in one burst.
pub const CATCH_UP_DAYS: i64 = 14;

/// One reminder of the schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DunningStep {
    /// Days after the due date it is sent (`-3`: three days before; `7`: a
    /// week overdue).
    pub days_after_due: i32,
    /// The fee this reminder charges, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_fee: Option<LateFeeRule>,
}

/// A fee charged with a reminder. An issued invoice is never changed, so the
/// fee is invoiced on its own, to the same customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LateFee {
    /// A fixed amount, charged on invoices in its currency (none on others).
    Fixed {
        /// The fee.
        amount: Money,
    },
    /// A percentage of what is still due, rounded to the currency as the
    /// invoice's totals were.
    Percent {
        /// Percent of the amount due (above 0, at most 100).
        percent: Decimal,
    },
}

/// A step's late fee and the tax on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LateFeeRule {
    /// How much.
    pub fee: LateFee,
    /// The key of the tax on the fee in the tenant's tax catalogue: late fees
    /// are outside the scope of VAT in most of the EU and taxed in Mexico, so
    /// the tenant says which rate applies.
    pub tax_rate_key: String,
}

/// A late fee a reminder charged: what, and the tax on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
// Inline in the reminder's schema, as its own fields would be.
#[schemars(inline)]
pub struct ChargedFee {
    /// The fee, before tax.
    pub amount: Money,
    /// The tenant's tax-catalogue key of the tax on it.
    pub tax_rate_key: String,
}

/// The id of the invoice that charges the late fee of reminder `step` of
/// `invoice`: derived, so whoever issues it, however often, issues one.
pub fn late_fee_invoice_id(tenant: TenantId, invoice: InvoiceId, step: u8) -> InvoiceId {
    InvoiceId(tenant.derive("late-fee", &format!("{invoice}/{step}")))
}

impl LateFeeRule {
    /// The fee this rule charges on `amount_due`, if any (see [`LateFee::on`]).
    pub fn charged_on(&self, amount_due: Money, mode: RoundingMode) -> Option<ChargedFee> {
        Some(ChargedFee {
            amount: self.fee.on(amount_due, mode)?,
            tax_rate_key: self.tax_rate_key.clone(),
        })
    }
}

impl LateFee {
    /// The fee on `amount_due`, in its currency, rounded by `mode`; none when
    /// a fixed fee is in another currency or the fee comes to nothing.
    pub fn on(&self, amount_due: Money, mode: RoundingMode) -> Option<Money> {
        let fee = match self {
            LateFee::Fixed { amount } => {
                (amount.currency == amount_due.currency).then_some(*amount)?
            }
            LateFee::Percent { percent } => {
                let fee = amount_due.amount * percent / Decimal::ONE_HUNDRED;
                Money::new(fee, amount_due.currency).rounded(mode)
            }
        };
        fee.is_positive().then_some(fee)
    }

    /// The fee, or why it is refused: a positive amount its currency can pay,
    /// or a percentage above 0 and at most 100 with at most 4 decimals.
    fn validated(self) -> Result<Self, DunningError> {
        let refuse = |why: &str| Err(DunningError::InvalidLateFee(why.to_owned()));
        match &self {
            LateFee::Fixed { amount } => match Money::exact(amount.amount, amount.currency) {
                Ok(exact) if exact.is_positive() => Ok(LateFee::Fixed { amount: exact }),
                _ => refuse("a fixed fee is a positive amount in its currency's minor unit"),
            },
            LateFee::Percent { percent } => {
                if *percent <= Decimal::ZERO
                    || *percent > Decimal::ONE_HUNDRED
                    || percent.scale() > 4
                {
                    refuse("a percentage fee is above 0 and at most 100, with at most 4 decimals")
                } else {
                    Ok(self)
                }
            }
        }
    }
}

/// The reminders of a tenant, in the order they are sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct DunningPolicy {
    /// The steps, earliest first; none: no reminders.
    pub steps: Vec<DunningStep>,
}

/// Why a reminder schedule is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum DunningError {
    /// More steps than a schedule holds.
    #[error("a reminder schedule has at most {MAX_DUNNING_STEPS} steps")]
    TooManySteps,
    /// A step out of range.
    #[error("a reminder comes {EARLIEST_DAYS_BEFORE_DUE} days before the due date at the earliest and {LATEST_DAYS_AFTER_DUE} days after it at the latest, not {0}")]
    OutOfRange(i32),
    /// Two steps on the same day.
    #[error("two reminders on day {0}: each step needs its own day")]
    SameDay(i32),
    /// A late fee that cannot be charged.
    #[error("{0}")]
    InvalidLateFee(String),
    /// A late fee's tax is not in the tenant's tax catalogue.
    #[error("the late fee's tax rate '{0}' is not in the tenant's tax catalogue")]
    UnknownTaxRate(String),
}

impl DunningPolicy {
    /// The schedule with its steps in order, or why it is refused.
    pub fn validated(mut self) -> Result<Self, DunningError> {
        if self.steps.len() > MAX_DUNNING_STEPS {
            return Err(DunningError::TooManySteps);
        }
        if let Some(step) = self.steps.iter().find(|s| {
            s.days_after_due < -EARLIEST_DAYS_BEFORE_DUE || s.days_after_due > LATEST_DAYS_AFTER_DUE
        }) {
            return Err(DunningError::OutOfRange(step.days_after_due));
        }
        for step in &mut self.steps {
            if let Some(rule) = step.late_fee.take() {
                step.late_fee = Some(LateFeeRule {
                    fee: rule.fee.validated()?,
                    tax_rate_key: rule.tax_rate_key.trim().to_owned(),
                });
            }
        }
        self.steps.sort_by_key(|s| s.days_after_due);
        if let Some(pair) = self
            .steps
            .windows(2)
            .find(|pair| pair[0].days_after_due == pair[1].days_after_due)
        {
            return Err(DunningError::SameDay(pair[0].days_after_due));
        }
        Ok(self)
    }

    /// The number (from 1) of the latest step due on `days_after_due`, if
    /// any is and its day is at most [`CATCH_UP_DAYS`] ago: what a reminder
    /// run on that day catches up to.
    pub fn step_due(&self, days_after_due: i64) -> Option<usize> {
        let latest = self
            .steps
            .iter()
            .rposition(|s| i64::from(s.days_after_due) <= days_after_due)?;
        let late_by = days_after_due - i64::from(self.steps[latest].days_after_due);
        (late_by <= CATCH_UP_DAYS).then_some(latest + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(days: &[i32]) -> DunningPolicy {
        DunningPolicy {
            steps: days
                .iter()
                .map(|d| DunningStep {
                    days_after_due: *d,
                    late_fee: None,
                })
                .collect(),
        }
    }

    #[test]
    fn a_schedule_is_kept_in_order_and_sane() {
        assert_eq!(
            policy(&[30, -3, 14, 7]).validated(),
            Ok(policy(&[-3, 7, 14, 30]))
        );
        assert_eq!(policy(&[7, 7]).validated(), Err(DunningError::SameDay(7)));
        assert_eq!(
            policy(&[-31]).validated(),
            Err(DunningError::OutOfRange(-31))
        );
        assert_eq!(
            policy(&[1, 2, 3, 4, 5, 6, 7]).validated(),
            Err(DunningError::TooManySteps)
        );
        assert_eq!(policy(&[]).validated(), Ok(policy(&[])));
    }

    #[test]
    fn the_step_due_is_the_latest_whose_day_has_come() {
        let schedule = policy(&[-3, 7, 14, 30]);
        assert_eq!(schedule.step_due(-4), None);
        assert_eq!(schedule.step_due(-3), Some(1));
        assert_eq!(schedule.step_due(6), Some(1));
        assert_eq!(schedule.step_due(7), Some(2));
        assert_eq!(schedule.step_due(44), Some(4));
        assert_eq!(policy(&[]).step_due(100), None);
    }

    #[test]
    fn a_step_whose_day_passed_long_ago_is_not_sent_late() {
        let schedule = policy(&[-3, 7, 14, 30]);
        // Two weeks late, a run still catches up
        assert_eq!(schedule.step_due(30 + CATCH_UP_DAYS), Some(4));
        // Later, a schedule set today does not remind of it at all
        assert_eq!(schedule.step_due(31 + CATCH_UP_DAYS), None);
        assert_eq!(schedule.step_due(400), None);
    }

    fn eur(cents: i64) -> Money {
        Money::new(
            Decimal::new(cents, 2),
            crate::money::Currency::from_code("EUR").unwrap(),
        )
    }

    #[test]
    fn a_fixed_fee_applies_in_its_currency_and_a_percentage_to_what_is_due() {
        let five = LateFee::Fixed { amount: eur(500) };
        assert_eq!(five.on(eur(10_000), RoundingMode::HalfUp), Some(eur(500)));
        let usd = crate::money::Currency::from_code("USD").unwrap();
        let due_in_dollars = Money::new(Decimal::new(10_000, 2), usd);
        assert_eq!(five.on(due_in_dollars, RoundingMode::HalfUp), None);
        let one_and_a_half = LateFee::Percent {
            percent: Decimal::new(15, 1),
        };
        // 1.5% of 333.33 is 4.99995: 5.00
        assert_eq!(
            one_and_a_half.on(eur(33_333), RoundingMode::HalfUp),
            Some(eur(500))
        );
        // 1.5% of 0.10 is 0.0015: nothing to charge
        assert_eq!(one_and_a_half.on(eur(10), RoundingMode::HalfUp), None);
    }

    #[test]
    fn a_fee_is_refused_unless_it_can_be_charged() {
        let with_fee = |fee: LateFee| DunningPolicy {
            steps: vec![DunningStep {
                days_after_due: 14,
                late_fee: Some(LateFeeRule {
                    fee,
                    tax_rate_key: " not-subject ".into(),
                }),
            }],
        };
        for refused in [
            LateFee::Fixed { amount: eur(0) },
            LateFee::Fixed {
                amount: Money::new(Decimal::new(5005, 3), eur(0).currency),
            },
            LateFee::Percent {
                percent: Decimal::ZERO,
            },
            LateFee::Percent {
                percent: Decimal::new(10_001, 2),
            },
        ] {
            assert!(
                matches!(
                    with_fee(refused.clone()).validated(),
                    Err(DunningError::InvalidLateFee(_))
                ),
                "{refused:?}"
            );
        }
        let kept = with_fee(LateFee::Fixed { amount: eur(500) })
            .validated()
            .unwrap();
        assert_eq!(
            kept.steps[0].late_fee.as_ref().unwrap().tax_rate_key,
            "not-subject"
        );
    }

    proptest::proptest! {
        #[test]
        fn a_percentage_fee_is_the_share_of_what_is_due_within_half_a_cent(
            due_cents in 1i64..100_000_000,
            basis_points in 1i64..=10_000,
        ) {
            let percent = Decimal::new(basis_points, 2);
            let fee = LateFee::Percent { percent }.on(eur(due_cents), RoundingMode::HalfEven);
            let exact = Decimal::new(due_cents, 2) * percent / Decimal::ONE_HUNDRED;
            match fee {
                Some(fee) => {
                    proptest::prop_assert!((fee.amount - exact).abs() <= Decimal::new(5, 3));
                    proptest::prop_assert!(fee.amount.scale() <= 2);
                    proptest::prop_assert!(fee.amount <= Decimal::new(due_cents, 2));
                }
                None => proptest::prop_assert!(exact <= Decimal::new(5, 3)),
            }
        }
    }
}
