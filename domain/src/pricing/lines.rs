//! Pricing the lines of a document: net lines as they are, gross lines with
//! their nets derived (the rule in the module docs), each rate's base and
//! taxes gathered for the totals.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{
    line_net, LineItem, PriceBasis, PricedLine, RateSums, RoundingPolicy, TaxRoundingScope,
};
use crate::money::{round_to_minor_unit, Currency};
use crate::tax::{TaxRate, TaxTreatment};

/// Each line's amounts, in line order, and what each rate gathered.
pub(super) fn price_lines<'a>(
    lines: impl IntoIterator<Item = &'a LineItem>,
    currency: Currency,
    policy: RoundingPolicy,
) -> (Vec<PricedLine>, BTreeMap<TaxRate, RateSums>) {
    let round = |amount| round_to_minor_unit(amount, currency, policy.mode);
    let zero = round(Decimal::ZERO);
    let mut per_rate: BTreeMap<TaxRate, RateSums> = BTreeMap::new();
    let mut priced: Vec<Option<PricedLine>> = Vec::new();
    // Gross lines of one rate, priced together under PER_TAX_CATEGORY:
    // (position, gross, gross discount).
    let mut gross_by_rate: BTreeMap<TaxRate, Vec<(usize, Decimal, Decimal)>> = BTreeMap::new();
    for (position, line) in lines.into_iter().enumerate() {
        let (discount, amount) = line_net(line, currency, policy.mode);
        let charged: Vec<&TaxRate> = line.taxes.iter().filter(|t| charges(t)).collect();
        let gross = line.price_basis == PriceBasis::Gross;
        if let (true, TaxRoundingScope::PerTaxCategory, [tax]) = (gross, policy.scope, &charged[..])
        {
            let group = gross_by_rate.entry((*tax).clone()).or_default();
            group.push((position, amount, discount));
            priced.push(None);
            continue;
        }
        let line_taxes = taxes_alone(line, amount, &charged, round);
        let net_amount = match line.price_basis {
            PriceBasis::Gross if !charged.is_empty() => amount - sum(&line_taxes, zero),
            _ => amount,
        };
        for (tax, line_tax) in &line_taxes {
            let sums = per_rate.entry(tax.clone()).or_insert(RateSums::new(zero));
            sums.base += net_amount;
            sums.rounded_taxes += *line_tax;
        }
        let tax_amount = sum(&line_taxes, zero);
        priced.push(Some(PricedLine {
            discount_amount: net_discount(discount, amount, net_amount, round),
            net_amount,
            tax_amount,
            total_amount: net_amount + tax_amount,
        }));
    }
    for (tax, group) in gross_by_rate {
        let sums = per_rate.entry(tax.clone()).or_insert(RateSums::new(zero));
        for (position, line) in gross_of_one_rate(&tax, &group, sums, round) {
            priced[position] = Some(line);
        }
    }
    let priced = priced.into_iter().flatten().collect();
    (priced, per_rate)
}

/// Each tax of one line priced on its own (net lines, and gross lines
/// outside `PER_TAX_CATEGORY`), rounded as `price_document` rounds it; a
/// withholding is negative. What a CFDI states per line.
pub fn line_taxes(
    line: &LineItem,
    currency: Currency,
    mode: crate::money::RoundingMode,
) -> Vec<(TaxRate, Decimal)> {
    let round = |amount| round_to_minor_unit(amount, currency, mode);
    let (_, amount) = line_net(line, currency, mode);
    let charged: Vec<&TaxRate> = line.taxes.iter().filter(|t| charges(t)).collect();
    taxes_alone(line, amount, &charged, round)
}

/// A line's taxes when it is priced on its own: on its net, or taken out of
/// its gross (`amount` is its net or its gross, as its basis says).
fn taxes_alone(
    line: &LineItem,
    amount: Decimal,
    charged: &[&TaxRate],
    round: impl Fn(Decimal) -> Decimal,
) -> Vec<(TaxRate, Decimal)> {
    if line.price_basis == PriceBasis::Net || charged.is_empty() {
        taxes_on_net(line, amount, round)
    } else {
        taxes_in_gross(charged, amount, round)
    }
}

/// Whether a tax is charged on top of the net (withholdings are not).
fn charges(tax: &TaxRate) -> bool {
    tax.treatment != TaxTreatment::Withholding
}

fn sum(taxes: &[(TaxRate, Decimal)], zero: Decimal) -> Decimal {
    taxes.iter().fold(zero, |total, (_, amount)| total + amount)
}

/// A net line's taxes: each rate on its net, rounded.
fn taxes_on_net(
    line: &LineItem,
    net: Decimal,
    round: impl Fn(Decimal) -> Decimal,
) -> Vec<(TaxRate, Decimal)> {
    line.taxes
        .iter()
        .map(|tax| (tax.clone(), round(tax.unrounded_amount_on(net))))
        .collect()
}

/// A gross line's taxes on its own: the net is `gross × 100 ÷ (100 + R)`
/// rounded, the taxes are the rest, split over the rates in proportion with
/// the highest rate taking the remainder.
fn taxes_in_gross(
    charged: &[&TaxRate],
    gross: Decimal,
    round: impl Fn(Decimal) -> Decimal,
) -> Vec<(TaxRate, Decimal)> {
    let rates: Decimal = charged.iter().map(|t| t.percent).sum();
    let net = round(gross * Decimal::ONE_HUNDRED / (Decimal::ONE_HUNDRED + rates));
    let in_taxes = gross - net;
    let highest = charged
        .iter()
        .enumerate()
        .max_by_key(|(_, t)| t.percent)
        .map_or(0, |(index, _)| index);
    let mut shares: Vec<(TaxRate, Decimal)> = charged
        .iter()
        .map(|tax| {
            let share = if rates.is_zero() {
                Decimal::ZERO
            } else {
                round(in_taxes * tax.percent / rates)
            };
            ((*tax).clone(), share)
        })
        .collect();
    let others: Decimal = shares
        .iter()
        .enumerate()
        .filter(|(index, _)| *index != highest)
        .map(|(_, (_, share))| *share)
        .sum();
    if let Some((_, share)) = shares.get_mut(highest) {
        *share = in_taxes - others;
    }
    shares
}

/// The gross lines of one rate under `PER_TAX_CATEGORY`: the rate's tax on
/// them is taken out of their sum once, and each line's net is its rounded
/// share, corrected by minor units (largest remainder first) so the nets sum
/// to the gross less that tax.
fn gross_of_one_rate(
    tax: &TaxRate,
    group: &[(usize, Decimal, Decimal)],
    sums: &mut RateSums,
    round: impl Fn(Decimal) -> Decimal,
) -> Vec<(usize, PricedLine)> {
    let divisor = Decimal::ONE_HUNDRED + tax.percent;
    let gross: Decimal = group.iter().map(|(_, amount, _)| *amount).sum();
    let tax_amount = round(gross * tax.percent / divisor);
    let nets_total = gross - tax_amount;
    let exact: Vec<Decimal> = group
        .iter()
        .map(|(_, amount, _)| amount * Decimal::ONE_HUNDRED / divisor)
        .collect();
    let mut nets: Vec<Decimal> = exact.iter().map(|e| round(*e)).collect();
    let unit = minor_unit(round(Decimal::ZERO));
    let mut gap = nets_total - nets.iter().copied().sum::<Decimal>();
    // Lines whose rounding lost the most (or gained the least) move first.
    let mut order: Vec<usize> = (0..nets.len()).collect();
    order.sort_by(|a, b| (exact[*b] - nets[*b]).cmp(&(exact[*a] - nets[*a])));
    if gap.is_sign_negative() {
        order.reverse();
    }
    for index in order.into_iter().cycle().take(group.len() * 2) {
        if gap.is_zero() {
            break;
        }
        let step = if gap.is_sign_positive() { unit } else { -unit };
        nets[index] += step;
        gap -= step;
    }
    sums.base += nets_total;
    sums.gross_base += nets_total;
    sums.gross_tax += tax_amount;
    group
        .iter()
        .zip(nets)
        .map(|((position, amount, discount), net_amount)| {
            sums.rounded_taxes += *amount - net_amount;
            let line = PricedLine {
                discount_amount: net_discount(*discount, *amount, net_amount, &round),
                net_amount,
                tax_amount: *amount - net_amount,
                total_amount: *amount,
            };
            (*position, line)
        })
        .collect()
}

/// The currency's minor unit (`0.01` for euros), from a rounded zero's scale.
fn minor_unit(zero: Decimal) -> Decimal {
    Decimal::new(1, zero.scale())
}

/// The discount in net terms: for a gross line, the gross discount scaled by
/// the line's net-to-gross ratio; a net line's discount as it is.
fn net_discount(
    discount: Decimal,
    amount: Decimal,
    net_amount: Decimal,
    round: impl Fn(Decimal) -> Decimal,
) -> Decimal {
    if discount.is_zero() || amount == net_amount || amount.is_zero() {
        return discount;
    }
    round(discount * net_amount / amount)
}
