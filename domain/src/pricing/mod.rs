//! The pricing rule: how lines, discounts, allowances, charges and taxes become
//! invoice totals.
//!
//! This is the one place that decides amounts. The rule, in order:
//!
//! 1. **Line net** = `quantity × unit_price − discount`, rounded to the currency's
//!    minor unit. A discount is always applied before tax (percent of the gross line,
//!    or a fixed amount), so there is exactly one code path for discounts.
//!    A `GROSS` line's price includes its taxes; its gross `G` is computed the
//!    same way, and its net is derived: with `R` the sum of its charged rates
//!    (taxes are all on the net, never on each other), `N = round(G × 100 ÷
//!    (100 + R))`, and its taxes are `G − N`, split over its rates in proportion,
//!    the highest rate taking the remainder; so net plus taxes is exactly `G`.
//!    Under `PER_TAX_CATEGORY` the gross lines of one rate are taken together:
//!    the rate's tax on them is `round(ΣG × r ÷ (100 + r))` once, their nets sum
//!    to `ΣG` less it, and each line's net is its own rounded share, corrected by
//!    whole minor units, largest remainder first (a gross line with two charged
//!    rates cannot be issued under this scope). A gross line never carries a
//!    withholding.
//! 2. **Allowances and charges** on the whole document ([`crate::adjustment`]): a
//!    percentage is taken of the nets of the lines carrying the adjustment's VAT
//!    rate and rounded to the minor unit; each adjustment then lowers (allowance)
//!    or raises (charge) that rate's taxable base by its amount. For tax, an
//!    adjustment is one more line of its rate, with a negative net for an allowance.
//! 3. **Tax** (withholdings are negative taxes), depending on the tenant's [`TaxRoundingScope`]:
//!    - `PER_LINE`: each line's (and adjustment's) tax for each rate is rounded; a
//!      rate's total is the sum of the rounded taxes, so without adjustments the
//!      invoice total equals the sum of line totals.
//!    - `PER_TAX_CATEGORY`: the rate's taxable base (its line nets, less its
//!      allowances, plus its charges) is taxed and rounded once per rate (what
//!      EN 16931 prescribes, BR-CO-17); line taxes are shown for information only.
//!      The part of the base its gross lines make up keeps the tax taken out of
//!      their gross, so a rate's tax is within one minor unit of `round(base ×
//!      r)` (BR-CO-17's tolerance is one whole unit) and the gross is kept.
//! 4. **Totals** are sums of rounded amounts:
//!    `net_total = Σ line nets − Σ allowances + Σ charges` (EN 16931 BT-109,
//!    BR-CO-13), `tax_total = Σ rate totals`,
//!    `total = net_total + tax_total`. Nothing is rounded again at the document
//!    level, so no minor unit is created or lost.
//!
//! The [`RoundingPolicy`] in force is recorded in `InvoiceIssued`, so replaying history
//! gives the same totals forever, whatever the tenant changes later. Credit notes
//! are priced under the same policy by `invoice::credit`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::adjustment::{AdjustmentSize, DocumentAdjustment, PricedAdjustment};
use crate::money::{round_to_minor_unit, Currency, RoundingMode, MAX_PRICE_SCALE};
use crate::sat::{SatError, SatLineKeys};
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
    /// Price of one unit in the invoice currency (up to 6 decimals): before
    /// tax, or with the line's taxes included when `price_basis` is `GROSS`.
    pub unit_price: Decimal,
    /// Optional discount, on the same basis as the price.
    pub discount: Option<Discount>,
    /// Taxes on this line (several allowed; withholdings included).
    pub taxes: Vec<TaxRate>,
    /// Whether `unit_price` and an amount discount exclude (`NET`, the
    /// default) or include (`GROSS`) the line's taxes; absent on lines
    /// written before gross prices existed, which are all `NET`.
    #[serde(default, skip_serializing_if = "PriceBasis::is_net")]
    pub price_basis: PriceBasis,
    /// What the line sells in SAT's terms, which a Mexican invoice needs on
    /// every line (absent elsewhere, and on lines written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sat: Option<SatLineKeys>,
}

/// A line as the caller states it: a [`LineItem`] whose price basis may be
/// left to the document's (the draft's `price_basis`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LineRequest {
    /// What is sold, as printed on the invoice.
    pub description: String,
    /// How many units (see [`LineItem::quantity`]).
    pub quantity: Decimal,
    /// Price of one unit in the invoice currency, on the line's basis.
    pub unit_price: Decimal,
    /// Optional discount, on the same basis as the price.
    #[serde(default)]
    pub discount: Option<Discount>,
    /// Taxes on this line (several allowed; withholdings included).
    #[serde(default)]
    pub taxes: Vec<TaxRate>,
    /// `NET` or `GROSS` (see [`LineItem::price_basis`]); absent: the
    /// document's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_basis: Option<PriceBasis>,
    /// SAT's keys of what the line sells (see [`LineItem::sat`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sat: Option<SatLineKeys>,
}

impl LineRequest {
    /// The line item, its basis the stated one or else `document`'s.
    pub fn on_basis(self, document: PriceBasis) -> LineItem {
        LineItem {
            description: self.description,
            quantity: self.quantity,
            unit_price: self.unit_price,
            discount: self.discount,
            taxes: self.taxes,
            price_basis: self.price_basis.unwrap_or(document),
            sat: self.sat,
        }
    }
}

impl From<LineItem> for LineRequest {
    /// The request that states every part of `item`, its basis included.
    fn from(item: LineItem) -> Self {
        LineRequest {
            description: item.description,
            quantity: item.quantity,
            unit_price: item.unit_price,
            discount: item.discount,
            taxes: item.taxes,
            price_basis: Some(item.price_basis),
            sat: item.sat,
        }
    }
}

/// Whether a line's prices are before its taxes or include them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PriceBasis {
    /// Before tax: the net price.
    #[default]
    Net,
    /// Taxes included: the gross price the customer was quoted; the net is
    /// derived from it (the rule in this module's docs).
    Gross,
}

impl PriceBasis {
    /// Whether this is the default, net basis (serde leaves it out then).
    pub fn is_net(&self) -> bool {
        *self == PriceBasis::Net
    }
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
    /// A gross price with a withholding: what the customer pays of a price
    /// part of which is withheld is not defined.
    #[error(
        "a tax-inclusive (GROSS) price cannot carry a withholding; state the line's net price"
    )]
    GrossWithWithholding,
    /// A deduction (negative quantity) takes no discount: deduct less instead.
    #[error("a deduction (negative quantity) takes no discount; deduct the net amount instead")]
    DiscountOnDeduction,
    /// A tax on the line is invalid.
    #[error(transparent)]
    Tax(#[from] TaxError),
    /// A SAT key of the line is not in SAT's catalogues.
    #[error(transparent)]
    Sat(#[from] SatError),
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
    /// Sum of the nets of the lines carrying this rate, less the document's
    /// allowances at this rate, plus its charges (EN 16931 BT-116).
    pub taxable_base: Decimal,
    /// The tax amount (negative for withholdings).
    pub amount: Decimal,
}

/// The totals of a priced document.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct DocumentTotals {
    /// Σ line nets − Σ allowances + Σ charges (EN 16931 BT-109): the amount
    /// taxes are computed on.
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
    let withheld = line
        .taxes
        .iter()
        .any(|t| t.treatment == crate::tax::TaxTreatment::Withholding);
    if line.price_basis == PriceBasis::Gross && withheld {
        return Err(LineError::GrossWithWithholding);
    }
    if let Some(keys) = &line.sat {
        keys.check()?;
    }
    Ok(())
}

/// A line's discount and its amount after it, on the line's own basis (net,
/// or gross for a `GROSS` line), rounded.
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

/// A document as pricing decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedDocument {
    /// Each line's amounts, in line order.
    pub lines: Vec<PricedLine>,
    /// Each allowance's and charge's amount, in their order.
    pub adjustments: Vec<PricedAdjustment>,
    /// The totals and the tax per rate.
    pub totals: DocumentTotals,
}

/// What one rate gathers while a document is priced.
#[derive(Clone, Copy)]
struct RateSums {
    /// Its taxable base so far.
    base: Decimal,
    /// The sum of its rounded taxes (lines and adjustments), for `PER_LINE`.
    rounded_taxes: Decimal,
    /// For `PER_TAX_CATEGORY`: the part of `base` that gross lines make up,
    /// whose tax was taken out of their gross once (`gross_tax`).
    gross_base: Decimal,
    /// The tax taken out of the gross lines' sum, for `PER_TAX_CATEGORY`.
    gross_tax: Decimal,
}

impl RateSums {
    fn new(zero: Decimal) -> Self {
        RateSums {
            base: zero,
            rounded_taxes: zero,
            gross_base: zero,
            gross_tax: zero,
        }
    }
}

/// Prices a document's lines and adjustments under a rounding policy (the rule
/// in this module's docs). Lines must have been validated with
/// [`validate_line`], adjustments with [`DocumentAdjustment::validated`].
pub fn price_document<'a>(
    lines: impl IntoIterator<Item = &'a LineItem>,
    adjustments: impl IntoIterator<Item = &'a DocumentAdjustment>,
    currency: Currency,
    policy: RoundingPolicy,
) -> PricedDocument {
    let round = |amount| round_to_minor_unit(amount, currency, policy.mode);
    let zero = round(Decimal::ZERO);
    let empty = RateSums::new(zero);
    let (priced_lines, mut per_rate) = lines::price_lines(lines, currency, policy);
    let line_nets = priced_lines.iter().fold(zero, |sum, l| sum + l.net_amount);
    // A percentage is of the lines' base at its rate, before any adjustment.
    let line_bases: BTreeMap<TaxRate, Decimal> = per_rate
        .iter()
        .map(|(tax, sums)| (tax.clone(), sums.base))
        .collect();
    let mut priced_adjustments = Vec::new();
    let mut adjusted = zero;
    for adjustment in adjustments {
        let lines_base = line_bases.get(&adjustment.tax).copied().unwrap_or(zero);
        let priced = price_adjustment(adjustment, lines_base, round);
        let signed = adjustment.kind.sign() * priced.amount;
        let sums = per_rate.entry(adjustment.tax.clone()).or_insert(empty);
        sums.base += signed;
        sums.rounded_taxes += round(adjustment.tax.unrounded_amount_on(signed));
        adjusted += signed;
        priced_adjustments.push(priced);
    }
    let tax_totals: Vec<TaxTotal> = per_rate
        .into_iter()
        .map(|(tax, sums)| {
            let amount = match policy.scope {
                TaxRoundingScope::PerLine => sums.rounded_taxes,
                TaxRoundingScope::PerTaxCategory => {
                    let on_net = round(tax.unrounded_amount_on(sums.base - sums.gross_base));
                    on_net + sums.gross_tax
                }
            };
            TaxTotal {
                tax,
                taxable_base: sums.base,
                amount,
            }
        })
        .collect();
    let net_total = line_nets + adjusted;
    let tax_total = tax_totals.iter().fold(zero, |sum, t| sum + t.amount);
    PricedDocument {
        lines: priced_lines,
        adjustments: priced_adjustments,
        totals: DocumentTotals {
            net_total,
            tax_total,
            total: net_total + tax_total,
            tax_totals,
        },
    }
}

/// An adjustment's amount: its fixed amount, or its percentage of the nets of
/// the lines at its rate, rounded.
fn price_adjustment(
    adjustment: &DocumentAdjustment,
    lines_base: Decimal,
    round: impl Fn(Decimal) -> Decimal,
) -> PricedAdjustment {
    match adjustment.size {
        AdjustmentSize::Amount { amount } => PricedAdjustment {
            base_amount: None,
            amount: round(amount),
        },
        AdjustmentSize::Percent { percent } => PricedAdjustment {
            base_amount: Some(lines_base),
            amount: round(lines_base * percent / Decimal::ONE_HUNDRED),
        },
    }
}

mod lines;
#[cfg(test)]
mod tests;

pub use lines::line_taxes;
