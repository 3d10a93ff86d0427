//! The pricing rule's examples and properties.

use super::*;
use crate::adjustment::AdjustmentKind;
use crate::tax::TaxTreatment;
use proptest::prelude::*;
use rust_decimal_macros::dec;

/// Prices lines alone: a document without allowances or charges.
fn price_lines<'a>(
    lines: impl IntoIterator<Item = &'a LineItem>,
    currency: Currency,
    policy: RoundingPolicy,
) -> (Vec<PricedLine>, DocumentTotals) {
    let priced = price_document(lines, [], currency, policy);
    assert!(priced.adjustments.is_empty());
    (priced.lines, priced.totals)
}

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
        price_basis: Default::default(),
        sat: None,
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
    let (_, totals) = price_lines(
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
    let (priced, per_line) = price_lines(&lines, eur(), PER_LINE);
    assert_eq!(per_line.tax_total, dec!(8.00));
    let line_sum: Decimal = priced.iter().map(|l| l.total_amount).sum();
    assert_eq!(per_line.total, line_sum);
    // Per category: 49.50 × 16% = 7.92, rounded once; no 0.08 drift hides in it.
    let (_, per_category) = price_lines(&lines, eur(), PER_CATEGORY);
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
    let (_, totals) = price_lines(&lines, eur(), half_up);
    // net rounds half-up to 0.63; 0.63 × 20% = 0.126 → 0.13
    assert_eq!(totals.net_total, dec!(0.63));
    assert_eq!(totals.tax_total, dec!(0.13));
}

#[test]
fn a_discount_is_taken_before_tax_in_the_one_code_path() {
    let mut discounted = line(dec!(2), dec!(50), vec![vat(dec!(16))]);
    discounted.discount = Some(Discount::Percent { percent: dec!(10) });
    let (priced, totals) = price_lines(&[discounted.clone()], eur(), PER_LINE);
    assert_eq!(priced[0].discount_amount, dec!(10.00));
    assert_eq!(priced[0].net_amount, dec!(90.00));
    assert_eq!(totals.tax_total, dec!(14.40));
    discounted.discount = Some(Discount::Amount {
        amount: dec!(10.00),
    });
    let (_, same) = price_lines(&[discounted], eur(), PER_LINE);
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
    let (_, totals) = price_lines(&[line(dec!(1), dec!(10000), taxes)], mxn, PER_LINE);
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
    let (_, totals) = price_lines(&[fee], mxn, PER_LINE);
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
    let (_, totals) = price_lines(
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
            price_basis: Default::default(),
            sat: None,
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
    fn a_lines_taxes_one_by_one_sum_to_its_priced_tax_per_line(
        lines in prop::collection::vec(arb_line(), 1..10), half_up in any::<bool>()
    ) {
        let mode = if half_up { RoundingMode::HalfUp } else { RoundingMode::HalfEven };
        let policy = RoundingPolicy { mode, scope: TaxRoundingScope::PerLine };
        let (priced, _) = price_lines(&lines, eur(), policy);
        for (line, priced) in lines.iter().zip(&priced) {
            let one_by_one: Decimal = super::line_taxes(line, eur(), mode)
                .iter()
                .map(|(_, amount)| *amount)
                .sum();
            prop_assert_eq!(one_by_one, priced.tax_amount);
        }
    }

    #[test]
    fn per_line_invoice_total_is_the_sum_of_line_totals(lines in prop::collection::vec(arb_line(), 1..40)) {
        let (priced, totals) = price_lines(&lines, eur(), PER_LINE);
        let sum: Decimal = priced.iter().map(|l| l.total_amount).sum();
        prop_assert_eq!(totals.total, sum);
    }

    #[test]
    fn totals_are_sums_of_rounded_amounts_and_no_minor_unit_appears_or_vanishes(
        lines in prop::collection::vec(arb_line(), 1..40), policy in arb_policy()
    ) {
        let (priced, totals) = price_lines(&lines, eur(), policy);
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

fn adjustment(kind: AdjustmentKind, size: AdjustmentSize, tax: TaxRate) -> DocumentAdjustment {
    DocumentAdjustment {
        kind,
        size,
        reason: Some("Agreed".into()),
        reason_code: None,
        tax,
    }
}

fn fixed(amount: Decimal) -> AdjustmentSize {
    AdjustmentSize::Amount { amount }
}

#[test]
fn an_allowance_lowers_its_rate_s_base_and_the_vat_on_it() {
    // 1,000.00 at 19% less a 50.00 allowance at 19%: VAT is due on 950.00.
    let lines = [line(dec!(1), dec!(1000), vec![vat(dec!(19))])];
    let allowance = adjustment(AdjustmentKind::Allowance, fixed(dec!(50)), vat(dec!(19)));
    for policy in [PER_LINE, PER_CATEGORY] {
        let priced = price_document(&lines, [&allowance], eur(), policy);
        assert_eq!(priced.adjustments[0].amount, dec!(50.00));
        assert_eq!(priced.adjustments[0].base_amount, None);
        assert_eq!(priced.totals.net_total, dec!(950.00));
        assert_eq!(priced.totals.tax_totals[0].taxable_base, dec!(950.00));
        assert_eq!(priced.totals.tax_total, dec!(180.50));
        assert_eq!(priced.totals.total, dec!(1130.50));
        // The line itself is priced as without the allowance.
        assert_eq!(priced.lines[0].net_amount, dec!(1000.00));
    }
}

#[test]
fn a_percentage_is_of_the_lines_at_its_rate_and_each_rate_keeps_its_own_base() {
    // 1,000.00 at 19% and 500.00 at 7%; a 2% rebate on the 19% goods, and
    // 25.00 of freight charged at 19%.
    let lines = [
        line(dec!(1), dec!(1000), vec![vat(dec!(19))]),
        line(dec!(2), dec!(250), vec![vat(dec!(7))]),
    ];
    let rebate = adjustment(
        AdjustmentKind::Allowance,
        AdjustmentSize::Percent { percent: dec!(2) },
        vat(dec!(19)),
    );
    let freight = adjustment(AdjustmentKind::Charge, fixed(dec!(25)), vat(dec!(19)));
    let priced = price_document(&lines, [&rebate, &freight], eur(), PER_CATEGORY);
    assert_eq!(priced.adjustments[0].base_amount, Some(dec!(1000.00)));
    assert_eq!(priced.adjustments[0].amount, dec!(20.00));
    let bases: Vec<(Decimal, Decimal, Decimal)> = priced
        .totals
        .tax_totals
        .iter()
        .map(|t| (t.tax.percent, t.taxable_base, t.amount))
        .collect();
    assert_eq!(
        bases,
        [
            (dec!(7), dec!(500.00), dec!(35.00)),
            (dec!(19), dec!(1005.00), dec!(190.95))
        ]
    );
    assert_eq!(priced.totals.net_total, dec!(1505.00));
    assert_eq!(priced.totals.total, dec!(1730.95));
}

#[test]
fn a_charge_at_a_rate_no_line_carries_opens_that_rate() {
    // Goods at 7%, freight charged at 19%: the 19% base is the freight alone.
    let lines = [line(dec!(1), dec!(100), vec![vat(dec!(7))])];
    let freight = adjustment(AdjustmentKind::Charge, fixed(dec!(10)), vat(dec!(19)));
    let priced = price_document(&lines, [&freight], eur(), PER_LINE);
    let nineteen = &priced.totals.tax_totals[1];
    assert_eq!(
        (nineteen.taxable_base, nineteen.amount),
        (dec!(10.00), dec!(1.90))
    );
    assert_eq!(priced.totals.total, dec!(118.90));
}

#[test]
fn a_percentage_rounds_once_under_the_tenant_s_mode() {
    // 5% of 0.50 is 0.025, a midpoint: 0.02 half-even (PER_LINE here), 0.03
    // half-up (PER_CATEGORY here).
    let lines = [line(dec!(1), dec!(0.50), vec![vat(dec!(19))])];
    let five = adjustment(
        AdjustmentKind::Allowance,
        AdjustmentSize::Percent { percent: dec!(5) },
        vat(dec!(19)),
    );
    let amount = |policy| price_document(&lines, [&five], eur(), policy).adjustments[0].amount;
    assert_eq!(amount(PER_LINE), dec!(0.02));
    assert_eq!(amount(PER_CATEGORY), dec!(0.03));
}

fn arb_adjustment() -> impl Strategy<Value = DocumentAdjustment> {
    (any::<bool>(), any::<bool>(), 1i64..500_000, 0usize..3).prop_map(
        |(charge, percent, size, tax_index)| {
            let kind = if charge {
                AdjustmentKind::Charge
            } else {
                AdjustmentKind::Allowance
            };
            let size = if percent {
                AdjustmentSize::Percent {
                    percent: Decimal::new(size % 10_000, 2),
                }
            } else {
                fixed(Decimal::new(size, 2))
            };
            let tax = [vat(dec!(16)), vat(dec!(8)), vat(dec!(19))][tax_index].clone();
            adjustment(kind, size, tax)
        },
    )
}

proptest! {
    #[test]
    fn the_net_total_is_the_lines_less_allowances_plus_charges(
        lines in prop::collection::vec(arb_line(), 1..20),
        adjustments in prop::collection::vec(arb_adjustment(), 0..6),
        policy in arb_policy(),
    ) {
        // EN 16931 BR-CO-13: BT-109 = BT-106 − BT-107 + BT-108.
        let priced = price_document(&lines, &adjustments, eur(), policy);
        let line_total: Decimal = priced.lines.iter().map(|l| l.net_amount).sum();
        let (mut allowances, mut charges) = (Decimal::ZERO, Decimal::ZERO);
        for (asked, decided) in adjustments.iter().zip(&priced.adjustments) {
            prop_assert!(decided.amount.scale() <= 2 && decided.amount >= Decimal::ZERO);
            match asked.kind {
                AdjustmentKind::Allowance => allowances += decided.amount,
                AdjustmentKind::Charge => charges += decided.amount,
            }
        }
        prop_assert_eq!(priced.totals.net_total, line_total - allowances + charges);
        prop_assert_eq!(priced.totals.total, priced.totals.net_total + priced.totals.tax_total);
        let bases: Decimal = priced.totals.tax_totals.iter().map(|t| t.taxable_base).sum();
        prop_assert_eq!(bases, priced.totals.net_total);
    }

    #[test]
    fn each_rate_s_base_is_its_line_nets_less_its_allowances_plus_its_charges(
        lines in prop::collection::vec(arb_line(), 1..20),
        adjustments in prop::collection::vec(arb_adjustment(), 0..6),
        policy in arb_policy(),
    ) {
        // EN 16931 BR-S-08: a category's taxable amount per rate.
        let priced = price_document(&lines, &adjustments, eur(), policy);
        for t in &priced.totals.tax_totals {
            let nets: Decimal = lines.iter().zip(&priced.lines)
                .filter(|(line, _)| line.taxes.contains(&t.tax))
                .map(|(_, p)| p.net_amount)
                .sum();
            let adjusted: Decimal = adjustments.iter().zip(&priced.adjustments)
                .filter(|(a, _)| a.tax == t.tax)
                .map(|(a, p)| a.kind.sign() * p.amount)
                .sum();
            prop_assert_eq!(t.taxable_base, nets + adjusted);
            if policy.scope == TaxRoundingScope::PerTaxCategory {
                let exact = t.tax.unrounded_amount_on(t.taxable_base);
                prop_assert!((t.amount - exact).abs() <= dec!(0.005));
            }
        }
    }

    #[test]
    fn an_allowance_and_a_charge_of_the_same_amount_and_rate_cancel_out(
        lines in prop::collection::vec(arb_line(), 1..20),
        amount in 1i64..500_000,
        tax_index in 0usize..3,
        policy in arb_policy(),
    ) {
        let tax = [vat(dec!(16)), vat(dec!(8)), vat(dec!(19))][tax_index].clone();
        let pair = [
            adjustment(AdjustmentKind::Allowance, fixed(Decimal::new(amount, 2)), tax.clone()),
            adjustment(AdjustmentKind::Charge, fixed(Decimal::new(amount, 2)), tax),
        ];
        let plain = price_document(&lines, [], eur(), policy);
        let adjusted = price_document(&lines, &pair, eur(), policy);
        prop_assert_eq!(plain.lines, adjusted.lines);
        let rates = |totals: &DocumentTotals| -> Vec<(TaxRate, Decimal, Decimal)> {
            totals.tax_totals.iter()
                .filter(|t| !(t.taxable_base.is_zero() && t.amount.is_zero()))
                .map(|t| (t.tax.clone(), t.taxable_base, t.amount))
                .collect()
        };
        prop_assert_eq!(rates(&plain.totals), rates(&adjusted.totals));
        prop_assert_eq!(plain.totals.total, adjusted.totals.total);
    }
}

fn gross(quantity: Decimal, unit_price: Decimal, taxes: Vec<TaxRate>) -> LineItem {
    LineItem {
        price_basis: PriceBasis::Gross,
        ..line(quantity, unit_price, taxes)
    }
}

#[test]
fn five_hundred_gross_at_19_percent_is_exactly_500_under_both_scopes() {
    for policy in [PER_LINE, PER_CATEGORY] {
        let (priced, totals) = price_lines(
            &[gross(dec!(1), dec!(500), vec![vat(dec!(19))])],
            eur(),
            policy,
        );
        assert_eq!(
            (
                priced[0].net_amount,
                priced[0].tax_amount,
                priced[0].total_amount
            ),
            (dec!(420.17), dec!(79.83), dec!(500.00)),
            "{policy:?}"
        );
        assert_eq!(
            (totals.net_total, totals.tax_total, totals.total),
            (dec!(420.17), dec!(79.83), dec!(500.00))
        );
    }
}

#[test]
fn many_small_gross_lines_total_the_sum_of_their_grosses_to_the_cent() {
    // 50 × 0.99 gross at 16%, and 3 × 9.99 at 19%: the customer was quoted 49.50
    // and 29.97, and pays exactly that under either scope.
    let mut lines: Vec<LineItem> = (0..50)
        .map(|_| gross(dec!(1), dec!(0.99), vec![vat(dec!(16))]))
        .collect();
    lines.push(gross(dec!(3), dec!(9.99), vec![vat(dec!(19))]));
    for policy in [PER_LINE, PER_CATEGORY] {
        let (priced, totals) = price_lines(&lines, eur(), policy);
        assert_eq!(totals.total, dec!(79.47), "{policy:?}");
        let nets: Decimal = priced.iter().map(|l| l.net_amount).sum();
        assert_eq!(nets, totals.net_total);
        for t in &totals.tax_totals {
            let exact = t.tax.unrounded_amount_on(t.taxable_base);
            assert!(
                (t.amount - exact).abs() <= dec!(0.01) * Decimal::from(50),
                "{t:?}"
            );
        }
    }
    // Per category the 16% tax is taken out of 49.50 once: 6.83, base 42.67.
    let (_, totals) = price_lines(&lines, eur(), PER_CATEGORY);
    let sixteen = totals
        .tax_totals
        .iter()
        .find(|t| t.tax.percent == dec!(16))
        .unwrap();
    assert_eq!(
        (sixteen.taxable_base, sixteen.amount),
        (dec!(42.67), dec!(6.83))
    );
}

#[test]
fn inclusive_taxes_are_never_compounded() {
    // 124.00 gross with IVA 16% and IEPS 8%: the net is 100.00 (124 ÷ 1.24), not
    // 98.99 (124 ÷ 1.16 ÷ 1.08).
    let ieps = TaxRate {
        code: "IEPS".into(),
        ..vat(dec!(8))
    };
    let (priced, totals) = price_lines(
        &[gross(dec!(1), dec!(124), vec![vat(dec!(16)), ieps])],
        eur(),
        PER_LINE,
    );
    assert_eq!(priced[0].net_amount, dec!(100.00));
    let taxes: Vec<Decimal> = totals.tax_totals.iter().map(|t| t.amount).collect();
    assert_eq!(taxes, [dec!(8.00), dec!(16.00)]);
    assert_eq!(totals.total, dec!(124.00));
}

#[test]
fn a_gross_discount_gives_the_net_of_the_same_discount_on_the_net_price() {
    // 10% off 119.00 gross at 19% is 107.10 gross: net 90.00, as 10% off 100.00 net.
    let mut discounted = gross(dec!(1), dec!(119), vec![vat(dec!(19))]);
    discounted.discount = Some(Discount::Percent { percent: dec!(10) });
    let mut net_line = line(dec!(1), dec!(100), vec![vat(dec!(19))]);
    net_line.discount = Some(Discount::Percent { percent: dec!(10) });
    for policy in [PER_LINE, PER_CATEGORY] {
        let (from_gross, gross_totals) = price_lines(&[discounted.clone()], eur(), policy);
        let (from_net, net_totals) = price_lines(&[net_line.clone()], eur(), policy);
        assert_eq!(from_gross[0].net_amount, from_net[0].net_amount);
        assert_eq!(from_gross[0].discount_amount, dec!(10.00));
        assert_eq!(gross_totals, net_totals);
    }
}

#[test]
fn a_gross_price_takes_no_withholding() {
    let isr = TaxRate {
        code: "ISR".into(),
        treatment: TaxTreatment::Withholding,
        ..vat(dec!(10))
    };
    assert_eq!(
        validate_line(&gross(dec!(1), dec!(100), vec![vat(dec!(16)), isr]), eur()),
        Err(LineError::GrossWithWithholding)
    );
}

fn arb_gross_line() -> impl Strategy<Value = LineItem> {
    arb_line().prop_map(|mut line| {
        line.price_basis = PriceBasis::Gross;
        line
    })
}

proptest! {
    #[test]
    fn gross_lines_total_their_grosses_exactly_and_each_rate_stays_within_a_cent(
        lines in prop::collection::vec(prop_oneof![arb_gross_line(), arb_line()], 1..30),
        policy in arb_policy(),
    ) {
        let (priced, totals) = price_lines(&lines, eur(), policy);
        for (line, p) in lines.iter().zip(&priced) {
            if line.price_basis == PriceBasis::Gross {
                let (_, gross) = line_net(line, eur(), policy.mode);
                prop_assert_eq!(p.total_amount, gross);
            }
            prop_assert_eq!(p.net_amount + p.tax_amount, p.total_amount);
        }
        let nets: Decimal = priced.iter().map(|l| l.net_amount).sum();
        prop_assert_eq!(nets, totals.net_total);
        prop_assert_eq!(totals.total, totals.net_total + totals.tax_total);
        if lines.iter().all(|l| l.price_basis == PriceBasis::Gross) {
            let quoted: Decimal = lines.iter().map(|l| line_net(l, eur(), policy.mode).1).sum();
            prop_assert_eq!(totals.total, quoted, "the customer pays what was quoted");
        }
        if policy.scope == TaxRoundingScope::PerTaxCategory {
            for t in &totals.tax_totals {
                let exact = t.tax.unrounded_amount_on(t.taxable_base);
                prop_assert!((t.amount - exact).abs() <= dec!(0.015), "{:?}", t);
            }
            let all_gross: Decimal = lines.iter().zip(&priced)
                .filter(|(l, _)| l.price_basis == PriceBasis::Gross)
                .map(|(_, p)| p.total_amount).sum();
            let gross_totals: Decimal = priced.iter().zip(&lines)
                .filter(|(_, l)| l.price_basis == PriceBasis::Gross)
                .map(|(p, _)| p.net_amount + p.tax_amount).sum();
            prop_assert_eq!(all_gross, gross_totals);
        }
    }
}
