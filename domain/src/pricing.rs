//! The pricing rule: how lines, discounts and taxes become invoice totals.
//!
//! This is the one place that decides amounts. The rule, in order:
//!
//! 1. **Line net** = `quantity × unit_price − discount`, rounded to the currency's
//!    minor unit. A discount is always applied before tax (percent of the gross line,
//!    or a fixed amount), so there is exactly one code path for discounts.
//! 2. **Tax** (withholdings are negative taxes), depending on the tenant's [`TaxRoundingScope`]:
//!    - `PER_LINE`: each line's tax for each rate is rounded; a rate's total is the sum
//!      of the rounded line taxes, so the invoice total equals the sum of line totals.
//!    - `PER_TAX_CATEGORY`: the nets of all lines sharing a rate are summed and the tax
//!      is rounded once per rate (what EN 16931 prescribes); line taxes are shown for
//!      information only.
//! 3. **Totals** are sums of rounded amounts: `net_total = Σ line nets`,
//!    `tax_total = Σ rate totals`, `total = net_total + tax_total`. Nothing is rounded
//!    again at the document level, so no minor unit is created or lost.
//!
//! The [`RoundingPolicy`] in force is recorded in `InvoiceIssued`, so replaying history
//! gives the same totals forever, whatever the tenant changes later. Credit notes
//! are priced under the same policy by `invoice::credit`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::money::{round_to_minor_unit, Currency, RoundingMode, MAX_PRICE_SCALE};
use crate::tax::{validate_line_taxes, TaxError, TaxRate};

/// Where tax amounts are rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaxRoundingScope {
    /// Round each line's tax; rate totals are sums of rounded line taxes.
    #[default]
    PerLine,
    /// Round once per tax rate over the sum of the nets that carry it.
    PerTaxCategory,
}

/// A tenant's rounding policy: the midpoint mode and where tax is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct RoundingPolicy {
    /// Half-even (default) or half-up.
    pub mode: RoundingMode,
    /// Per line (default) or per tax category.
    pub scope: TaxRoundingScope,
}

/// A discount on one line, applied before tax.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Discount {
    /// A percentage of the gross line amount (0 to 100).
    Percent {
        /// The percentage, e.g. `10` for 10%.
        percent: Decimal,
    },
    /// A fixed amount off the gross line amount, in the invoice currency.
    Amount {
        /// The amount taken off.
        amount: Decimal,
    },
}

/// What a draft line says: the input to pricing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LineItem {
    /// What is sold, as printed on the invoice.
    pub description: String,
    /// How many units (up to 6 decimals, never 0). Negative for a deduction:
    /// a deposit invoiced before, goods taken back (EN 16931 BT-129); a
    /// negative line takes no discount.
    pub quantity: Decimal,
    /// Price of one unit before tax, in the invoice currency (up to 6 decimals).
    pub unit_price: Decimal,
    /// Optional discount, applied before tax.
    pub discount: Option<Discount>,
    /// Taxes on this line (several allowed; withholdings included).
    pub taxes: Vec<TaxRate>,
}

/// Why a line was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum LineError {
    /// The description is empty or longer than 1000 characters.
    #[error("a line needs a description of 1 to 1000 characters")]
    InvalidDescription,
    /// Quantity must not be 0 and have at most 6 decimals.
    #[error("quantity {0} must not be 0 and have at most 6 decimals")]
    InvalidQuantity(Decimal),
    /// Unit price must be zero or positive with at most 6 decimals.
    #[error("unit price {0} must be 0 or more with at most 6 decimals")]
    InvalidUnitPrice(Decimal),
    /// A percent discount must be between 0 and 100.
    #[error("discount of {0}% must be between 0 and 100 with at most 4 decimals")]
    InvalidDiscountPercent(Decimal),
    /// A fixed discount must be 0 or more, within the minor unit, and not above the gross amount.
    #[error("discount of {discount} must be 0 or more, in the currency's minor unit, and at most the line's gross amount {gross}")]
    InvalidDiscountAmount {
        /// The refused discount.
        discount: Decimal,
        /// The line's gross amount.
        gross: Decimal,
    },
    /// A deduction (negative quantity) takes no discount: deduct less instead.
    #[error("a deduction (negative quantity) takes no discount; deduct the net amount instead")]
    DiscountOnDeduction,
    /// A tax on the line is invalid.
    #[error(transparent)]
    Tax(#[from] TaxError),
}

/// A line after pricing: every amount rounded to the minor unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PricedLine {
    /// The amount taken off by the discount (rounded as part of the net).
    pub discount_amount: Decimal,
    /// Net amount: quantity × unit price − discount, rounded.
    pub net_amount: Decimal,
    /// Sum of this line's rounded taxes (negative withholdings included).
    pub tax_amount: Decimal,
    /// Net plus tax.
    pub total_amount: Decimal,
}

/// The total of one tax rate over the whole document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TaxTotal {
    /// The tax rate.
    pub tax: TaxRate,
    /// Sum of the nets of the lines carrying this rate.
    pub taxable_base: Decimal,
    /// The tax amount (negative for withholdings).
    pub amount: Decimal,
}

/// The totals of a priced document.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct DocumentTotals {
    /// Σ line nets.
    pub net_total: Decimal,
    /// Σ tax totals (withholdings subtract).
    pub tax_total: Decimal,
    /// net_total + tax_total: what the customer owes.
    pub total: Decimal,
    /// One entry per tax rate, ordered by code, rate and treatment.
    pub tax_totals: Vec<TaxTotal>,
}

/// Checks a line's fields against the currency.
pub fn validate_line(line: &LineItem, currency: Currency) -> Result<(), LineError> {
    let chars = line.description.trim().chars().count();
    if chars == 0 || chars > 1000 {
        return Err(LineError::InvalidDescription);
    }
    if line.quantity.is_zero() || line.quantity.normalize().scale() > MAX_PRICE_SCALE {
        return Err(LineError::InvalidQuantity(line.quantity));
    }
    if line.quantity.is_sign_negative() && line.discount.is_some() {
        return Err(LineError::DiscountOnDeduction);
    }
    if line.unit_price < Decimal::ZERO || line.unit_price.normalize().scale() > MAX_PRICE_SCALE {
        return Err(LineError::InvalidUnitPrice(line.unit_price));
    }
    match &line.discount {
        Some(Discount::Percent { percent })
            if *percent < Decimal::ZERO
                || *percent > Decimal::ONE_HUNDRED
                || percent.normalize().scale() > 4 =>
        {
            return Err(LineError::InvalidDiscountPercent(*percent));
        }
        Some(Discount::Percent { .. }) => {}
        Some(Discount::Amount { amount }) => {
            let gross = line.quantity * line.unit_price;
            if *amount < Decimal::ZERO
                || *amount > gross
                || amount.normalize().scale() > currency.minor_units()
            {
                return Err(LineError::InvalidDiscountAmount {
                    discount: *amount,
                    gross,
                });
            }
        }
        None => {}
    }
    validate_line_taxes(&line.taxes)?;
    Ok(())
}

fn line_net(line: &LineItem, currency: Currency, mode: RoundingMode) -> (Decimal, Decimal) {
    let gross = line.quantity * line.unit_price;
    let discount = match &line.discount {
        None => Decimal::ZERO,
        Some(Discount::Percent { percent }) => gross * *percent / Decimal::ONE_HUNDRED,
        Some(Discount::Amount { amount }) => *amount,
    };
    let net = round_to_minor_unit(gross - discount, currency, mode);
    let rounded_gross = round_to_minor_unit(gross, currency, mode);
    (rounded_gross - net, net)
}

/// Prices a document's lines under a rounding policy (the rule in this module's docs).
/// Lines must have been validated with [`validate_line`].
pub fn price_document<'a>(
    lines: impl IntoIterator<Item = &'a LineItem>,
    currency: Currency,
    policy: RoundingPolicy,
) -> (Vec<PricedLine>, DocumentTotals) {
    let round = |amount| round_to_minor_unit(amount, currency, policy.mode);
    let zero = round(Decimal::ZERO);
    // Per rate: (taxable base, Σ rounded line taxes).
    let mut per_rate: BTreeMap<TaxRate, (Decimal, Decimal)> = BTreeMap::new();
    let mut priced = Vec::new();
    for line in lines {
        let (discount_amount, net_amount) = line_net(line, currency, policy.mode);
        let mut tax_amount = zero;
        for tax in &line.taxes {
            let line_tax = round(tax.unrounded_amount_on(net_amount));
            tax_amount += line_tax;
            let entry = per_rate.entry(tax.clone()).or_insert((zero, zero));
            entry.0 += net_amount;
            entry.1 += line_tax;
        }
        priced.push(PricedLine {
            discount_amount,
            net_amount,
            tax_amount,
            total_amount: net_amount + tax_amount,
        });
    }
    let tax_totals: Vec<TaxTotal> = per_rate
        .into_iter()
        .map(|(tax, (taxable_base, sum_of_line_taxes))| {
            let amount = match policy.scope {
                TaxRoundingScope::PerLine => sum_of_line_taxes,
                TaxRoundingScope::PerTaxCategory => round(tax.unrounded_amount_on(taxable_base)),
            };
            TaxTotal {
                tax,
                taxable_base,
                amount,
            }
        })
        .collect();
    let net_total = priced.iter().fold(zero, |sum, line| sum + line.net_amount);
    let tax_total = tax_totals.iter().fold(zero, |sum, t| sum + t.amount);
    let totals = DocumentTotals {
        net_total,
        tax_total,
        total: net_total + tax_total,
        tax_totals,
    };
    (priced, totals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tax::TaxTreatment;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn eur() -> Currency {
        Currency::from_code("EUR").unwrap()
    }

    fn vat(percent: Decimal) -> TaxRate {
        TaxRate {
            code: "VAT".into(),
            percent,
            treatment: TaxTreatment::Standard,
            category: None,
            exemption: None,
        }
    }

    fn line(quantity: Decimal, unit_price: Decimal, taxes: Vec<TaxRate>) -> LineItem {
        LineItem {
            description: "Consulting".into(),
            quantity,
            unit_price,
            discount: None,
            taxes,
        }
    }

    const PER_LINE: RoundingPolicy = RoundingPolicy {
        mode: RoundingMode::HalfEven,
        scope: TaxRoundingScope::PerLine,
    };
    const PER_CATEGORY: RoundingPolicy = RoundingPolicy {
        mode: RoundingMode::HalfUp,
        scope: TaxRoundingScope::PerTaxCategory,
    };

    #[test]
    fn one_thousand_plus_19_percent_vat_is_exactly_1190() {
        let (_, totals) = price_document(
            &[line(dec!(1), dec!(1000.00), vec![vat(dec!(19))])],
            eur(),
            PER_LINE,
        );
        assert_eq!(totals.net_total, dec!(1000.00));
        assert_eq!(totals.tax_total, dec!(190.00));
        assert_eq!(totals.total, dec!(1190.00));
        assert_eq!(totals.total.to_string(), "1190.00");
    }

    #[test]
    fn fifty_small_lines_are_consistent_with_the_recorded_scope() {
        let lines: Vec<_> = (0..50)
            .map(|_| line(dec!(1), dec!(0.99), vec![vat(dec!(16))]))
            .collect();
        // Per line: 0.1584 rounds to 0.16 on each line; the document is the sum of its lines.
        let (priced, per_line) = price_document(&lines, eur(), PER_LINE);
        assert_eq!(per_line.tax_total, dec!(8.00));
        let line_sum: Decimal = priced.iter().map(|l| l.total_amount).sum();
        assert_eq!(per_line.total, line_sum);
        // Per category: 49.50 × 16% = 7.92, rounded once; no 0.08 drift hides in it.
        let (_, per_category) = price_document(&lines, eur(), PER_CATEGORY);
        assert_eq!(per_category.tax_total, dec!(7.92));
        assert_eq!(per_category.total, dec!(57.42));
    }

    #[test]
    fn document_level_tax_is_never_truncated_toward_zero() {
        // 0.625 × 20% = 0.125 exactly: a midpoint, never cut down to 0.12 by truncation.
        let lines = [line(dec!(1), dec!(0.625), vec![vat(dec!(20))])];
        let half_up = RoundingPolicy {
            mode: RoundingMode::HalfUp,
            scope: TaxRoundingScope::PerTaxCategory,
        };
        let (_, totals) = price_document(&lines, eur(), half_up);
        // net rounds half-up to 0.63; 0.63 × 20% = 0.126 → 0.13
        assert_eq!(totals.net_total, dec!(0.63));
        assert_eq!(totals.tax_total, dec!(0.13));
    }

    #[test]
    fn a_discount_is_taken_before_tax_in_the_one_code_path() {
        let mut discounted = line(dec!(2), dec!(50), vec![vat(dec!(16))]);
        discounted.discount = Some(Discount::Percent { percent: dec!(10) });
        let (priced, totals) = price_document(&[discounted.clone()], eur(), PER_LINE);
        assert_eq!(priced[0].discount_amount, dec!(10.00));
        assert_eq!(priced[0].net_amount, dec!(90.00));
        assert_eq!(totals.tax_total, dec!(14.40));
        discounted.discount = Some(Discount::Amount {
            amount: dec!(10.00),
        });
        let (_, same) = price_document(&[discounted], eur(), PER_LINE);
        assert_eq!(same, totals);
    }

    #[test]
    fn withholdings_reduce_the_total_mexican_style() {
        // 10,000 MXN of fees: IVA 16% added, ISR 10% and two thirds of IVA withheld.
        let mxn = Currency::from_code("MXN").unwrap();
        let taxes = vec![
            TaxRate {
                code: "IVA".into(),
                percent: dec!(16),
                treatment: TaxTreatment::Standard,
                category: None,
                exemption: None,
            },
            TaxRate {
                code: "ISR-RET".into(),
                percent: dec!(10),
                treatment: TaxTreatment::Withholding,
                category: None,
                exemption: None,
            },
            TaxRate {
                code: "IVA-RET".into(),
                percent: dec!(10.6667),
                treatment: TaxTreatment::Withholding,
                category: None,
                exemption: None,
            },
        ];
        let (_, totals) = price_document(&[line(dec!(1), dec!(10000), taxes)], mxn, PER_LINE);
        assert_eq!(totals.tax_totals.len(), 3);
        assert_eq!(
            totals.total,
            dec!(10000.00) + dec!(1600.00) - dec!(1000.00) - dec!(1066.67)
        );
    }

    #[test]
    fn iva_is_charged_and_two_thirds_of_it_withheld_on_one_line() {
        // The Mexican professional-services invoice: one line, IVA 16% charged,
        // IVA withheld at SAT's TasaOCuota 0.106667, ISR withheld at 10%.
        let mxn = Currency::from_code("MXN").unwrap();
        let tax = |code: &str, percent, treatment| TaxRate {
            code: code.into(),
            percent,
            treatment,
            category: None,
            exemption: None,
        };
        let taxes = vec![
            tax("IVA", dec!(16), TaxTreatment::Standard),
            tax("IVA", dec!(10.6667), TaxTreatment::Withholding),
            tax("ISR", dec!(10), TaxTreatment::Withholding),
        ];
        let fee = line(dec!(1), dec!(10000), taxes);
        assert_eq!(validate_line(&fee, mxn), Ok(()));
        let (_, totals) = price_document(&[fee], mxn, PER_LINE);
        let amounts: Vec<(&str, Decimal)> = totals
            .tax_totals
            .iter()
            .map(|t| (t.tax.code.as_str(), t.amount))
            .collect();
        assert_eq!(
            amounts,
            [
                ("ISR", dec!(-1000.00)),
                ("IVA", dec!(-1066.67)),
                ("IVA", dec!(1600.00))
            ]
        );
        assert_eq!(totals.total, dec!(9533.33));
    }

    #[test]
    fn exempt_and_zero_rated_taxes_are_reported_and_add_nothing() {
        let exempt = TaxRate {
            code: "VAT-EX".into(),
            percent: dec!(0),
            treatment: TaxTreatment::Exempt,
            category: None,
            exemption: None,
        };
        let (_, totals) = price_document(
            &[line(dec!(3), dec!(10), vec![exempt.clone()])],
            eur(),
            PER_LINE,
        );
        assert_eq!(
            totals.tax_totals,
            vec![TaxTotal {
                tax: exempt,
                taxable_base: dec!(30.00),
                amount: dec!(0.00)
            }]
        );
        assert_eq!(totals.total, dec!(30.00));
        let wrong = TaxRate {
            code: "VAT0".into(),
            percent: dec!(5),
            treatment: TaxTreatment::ZeroRated,
            category: None,
            exemption: None,
        };
        assert!(matches!(
            validate_line(&line(dec!(1), dec!(1), vec![wrong]), eur()),
            Err(LineError::Tax(TaxError::NonZeroRateForUntaxed { .. }))
        ));
    }

    #[test]
    fn over_precise_quantities_and_prices_are_refused() {
        assert_eq!(
            validate_line(&line(dec!(0.0000001), dec!(1), vec![]), eur()),
            Err(LineError::InvalidQuantity(dec!(0.0000001)))
        );
        assert_eq!(
            validate_line(&line(dec!(1), dec!(-1), vec![]), eur()),
            Err(LineError::InvalidUnitPrice(dec!(-1)))
        );
        assert!(validate_line(&line(dec!(1.5), dec!(0.123456), vec![]), eur()).is_ok());
    }

    fn arb_line() -> impl Strategy<Value = LineItem> {
        (
            1i64..10_000,
            0i64..100_000_000,
            0u32..=6,
            0usize..3,
            prop::option::of(0i64..=100),
        )
            .prop_map(|(qty, price, price_scale, tax_index, discount)| LineItem {
                description: "item".into(),
                quantity: Decimal::new(qty, 2),
                unit_price: Decimal::new(price, price_scale),
                discount: discount.map(|percent| Discount::Percent {
                    percent: Decimal::from(percent),
                }),
                taxes: vec![[vat(dec!(16)), vat(dec!(8)), vat(dec!(19))][tax_index].clone()],
            })
    }

    fn arb_policy() -> impl Strategy<Value = RoundingPolicy> {
        (any::<bool>(), any::<bool>()).prop_map(|(half_up, per_line)| RoundingPolicy {
            mode: if half_up {
                RoundingMode::HalfUp
            } else {
                RoundingMode::HalfEven
            },
            scope: if per_line {
                TaxRoundingScope::PerLine
            } else {
                TaxRoundingScope::PerTaxCategory
            },
        })
    }

    proptest! {
        #[test]
        fn per_line_invoice_total_is_the_sum_of_line_totals(lines in prop::collection::vec(arb_line(), 1..40)) {
            let (priced, totals) = price_document(&lines, eur(), PER_LINE);
            let sum: Decimal = priced.iter().map(|l| l.total_amount).sum();
            prop_assert_eq!(totals.total, sum);
        }

        #[test]
        fn totals_are_sums_of_rounded_amounts_and_no_minor_unit_appears_or_vanishes(
            lines in prop::collection::vec(arb_line(), 1..40), policy in arb_policy()
        ) {
            let (priced, totals) = price_document(&lines, eur(), policy);
            let nets: Decimal = priced.iter().map(|l| l.net_amount).sum();
            prop_assert_eq!(totals.net_total, nets);
            prop_assert_eq!(totals.total, totals.net_total + totals.tax_total);
            let rate_sum: Decimal = totals.tax_totals.iter().map(|t| t.amount).sum();
            prop_assert_eq!(totals.tax_total, rate_sum);
            for amount in priced.iter().flat_map(|l| [l.net_amount, l.tax_amount, l.total_amount]) {
                prop_assert!(amount.scale() <= 2);
            }
            // Rounding error per rate is bounded: at most half a cent per line (per line)
            // or half a cent per rate (per category).
            for t in &totals.tax_totals {
                let exact = t.tax.unrounded_amount_on(t.taxable_base);
                let bound = match policy.scope {
                    TaxRoundingScope::PerLine => dec!(0.005) * Decimal::from(lines.len()),
                    TaxRoundingScope::PerTaxCategory => dec!(0.005),
                };
                prop_assert!((t.amount - exact).abs() <= bound);
            }
        }
    }
}
