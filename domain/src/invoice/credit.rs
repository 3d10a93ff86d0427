//! How a credit note's amounts are decided: the credit-side counterpart of
//! [`crate::pricing`].
//!
//! A credit note takes back either **quantities of issued lines** (each line's
//! taxes are credited at that line's own rates) or **a gross amount off the
//! lines of one named tax rate** (or off the untaxed lines). Never a share of
//! every rate: returning a 7% item must not reduce the 19% VAT.
//!
//! The rule, in order:
//!
//! 1. **Line net credited** = the line's issued net × credited quantity ÷ issued
//!    quantity, rounded under the invoice's own [`RoundingPolicy`]. The credit
//!    that takes a line's last units takes exactly what is left of its net, so
//!    crediting a line in parts sums to its issued net to the minor unit.
//! 2. **Tax per rate**: under `PER_LINE` the sum of each credited line's
//!    rounded tax, under `PER_TAX_CATEGORY` the rate applied once to the sum of
//!    the credited nets. A credit that takes what is left of a rate's base takes
//!    exactly what is left of its tax.
//! 3. **Amount-only credit** of gross `G` at rate `p`: base = `G × 100 ÷ (100 +
//!    p)` rounded, tax = `G − base` (so base + tax is exactly `G`). Only lines
//!    whose one tax is that rate can be credited this way; lines that also carry
//!    a withholding need a line-based credit note.
//!
//! On an invoice with document-level allowances or charges only the amount
//! credit note exists: a line's share of an allowance is not defined (EN 16931
//! says nothing of it), and crediting every line of an invoice that had a 10%
//! rebate would credit more than was invoiced. A rate's creditable base is its
//! taxable base as issued, after its allowances and charges.
//!
//! Nothing is ever credited twice: quantities per line, base and tax per rate,
//! the untaxed net and the document total are each capped by what earlier credit
//! notes left.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Invoice, InvoiceError};
use crate::ids::LineId;
use crate::money::{round_to_minor_unit, Money, MAX_PRICE_SCALE};
use crate::pricing::{price_document, DocumentTotals, TaxTotal};
use crate::tax::{TaxRate, TaxTreatment, VatCategory};

/// What a credit note takes back, as the caller asks for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CreditRequest {
    /// Quantities of issued lines (a returned item, a cancelled hour of work).
    Lines(Vec<LineCredit>),
    /// A gross amount (tax included) off the lines of one tax rate, or off the
    /// untaxed lines when `tax` is `None` (a price reduction, a goodwill credit).
    Amount {
        /// Gross amount credited, in the invoice currency.
        amount: Money,
        /// The VAT rate whose lines the amount reduces.
        tax: Option<TaxSelector>,
    },
}

/// One line of a line-based credit request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineCredit {
    /// The issued line credited.
    pub line_id: LineId,
    /// How many of its units (positive, at most what earlier notes left).
    pub quantity: Decimal,
}

/// Names one of the invoice's tax rates by code and percent, and by category
/// where the same rate appears under two categories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxSelector {
    /// The tax code, e.g. `VAT`.
    pub code: String,
    /// The rate in percent, e.g. `19`.
    pub percent: Decimal,
    /// The EN 16931 category, needed only to tell two same-rate taxes apart.
    pub category: Option<VatCategory>,
}

impl TaxSelector {
    fn matches(&self, tax: &TaxRate) -> bool {
        tax.code == self.code
            && tax.percent == self.percent
            && self.category.is_none_or(|c| tax.category == Some(c))
    }

    fn label(&self) -> String {
        format!("{} {}%", self.code, self.percent)
    }
}

/// One line of a line-based credit note, as issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CreditedLine {
    /// The invoice line credited.
    pub line_id: LineId,
    /// Units credited.
    pub quantity: Decimal,
    /// Net amount credited, rounded.
    pub net_amount: Decimal,
    /// The line's share of the credited tax, for information (under
    /// `PER_TAX_CATEGORY` the rate totals are authoritative).
    pub tax_amount: Decimal,
}

/// What earlier credit notes took off the invoice, kept in its state to cap the
/// next one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Credited {
    /// Per line: units and net taken back (line-based notes only).
    pub lines: Vec<CreditedLine>,
    /// Per tax rate: base and tax taken back.
    pub taxes: Vec<TaxTotal>,
    /// Net taken off lines that carry no tax.
    pub untaxed: Decimal,
}

impl Credited {
    fn line(&self, line_id: LineId) -> (Decimal, Decimal) {
        self.lines
            .iter()
            .filter(|l| l.line_id == line_id)
            .fold((Decimal::ZERO, Decimal::ZERO), |(q, n), l| {
                (q + l.quantity, n + l.net_amount)
            })
    }

    fn tax(&self, tax: &TaxRate) -> (Decimal, Decimal) {
        self.taxes
            .iter()
            .find(|t| t.tax == *tax)
            .map_or((Decimal::ZERO, Decimal::ZERO), |t| {
                (t.taxable_base, t.amount)
            })
    }

    /// Adds a credit note's amounts.
    pub(super) fn add(&mut self, invoice_lines: &[super::DraftLine], note: &CreditNoteAmounts) {
        for line in &note.lines {
            let untaxed = invoice_lines
                .iter()
                .any(|l| l.line_id == line.line_id && l.item.taxes.is_empty());
            if untaxed {
                self.untaxed += line.net_amount;
            }
        }
        if note.lines.is_empty() && note.totals.tax_totals.is_empty() {
            self.untaxed += note.totals.net_total;
        }
        self.lines.extend(note.lines.iter().cloned());
        for t in &note.totals.tax_totals {
            match self.taxes.iter_mut().find(|c| c.tax == t.tax) {
                Some(c) => {
                    c.taxable_base += t.taxable_base;
                    c.amount += t.amount;
                }
                None => self.taxes.push(t.clone()),
            }
        }
    }
}

/// A credit note's decided amounts: its totals per rate and, when line-based,
/// its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditNoteAmounts {
    /// Totals and the credited tax per rate (positive numbers).
    pub totals: DocumentTotals,
    /// The credited lines (empty for an amount-only note).
    pub lines: Vec<CreditedLine>,
}

impl Invoice {
    /// The net amount of each issued line, in line order, as `InvoiceIssued`
    /// recorded it.
    fn issued_nets(&self) -> Result<Vec<Decimal>, InvoiceError> {
        if self.issued_nets.len() == self.lines.len() {
            return Ok(self.issued_nets.clone());
        }
        // Unreachable for states folded from events; kept total for states
        // built by hand.
        let rounding = self.rounding.unwrap_or_default();
        let priced = price_document(
            self.lines.iter().map(|l| &l.item),
            [],
            self.currency()?,
            rounding,
        );
        Ok(priced.lines.into_iter().map(|p| p.net_amount).collect())
    }

    fn round(&self, amount: Decimal) -> Result<Decimal, InvoiceError> {
        let mode = self.rounding.unwrap_or_default().mode;
        Ok(round_to_minor_unit(amount, self.currency()?, mode))
    }

    /// Decides a credit note's amounts (the rule in this module's docs).
    pub(super) fn price_credit(
        &self,
        request: &CreditRequest,
    ) -> Result<CreditNoteAmounts, InvoiceError> {
        let amounts = match request {
            CreditRequest::Lines(lines) => self.credit_lines(lines)?,
            CreditRequest::Amount { amount, tax } => self.credit_amount(*amount, tax.as_ref())?,
        };
        let creditable = self.totals.total - self.amount_credited();
        if amounts.totals.total > creditable {
            return Err(InvoiceError::OverCredit {
                creditable: self.money(creditable)?,
                offered: self.money(amounts.totals.total)?,
            });
        }
        if !amounts.totals.total.is_sign_positive() || amounts.totals.total.is_zero() {
            return Err(InvoiceError::AmountNotPositive(
                self.money(amounts.totals.total)?,
            ));
        }
        Ok(amounts)
    }

    fn credit_lines(&self, requested: &[LineCredit]) -> Result<CreditNoteAmounts, InvoiceError> {
        if requested.is_empty() {
            return Err(InvoiceError::CreditLinesRequired);
        }
        if !self.adjustments.is_empty() {
            return Err(InvoiceError::LineCreditWithAdjustments);
        }
        let nets = self.issued_nets()?;
        let mut credited: Vec<(CreditedLine, &[TaxRate])> = Vec::with_capacity(requested.len());
        for (i, ask) in requested.iter().enumerate() {
            if requested[..i].iter().any(|r| r.line_id == ask.line_id) {
                return Err(InvoiceError::CreditLineRepeated(ask.line_id));
            }
            let index = self
                .lines
                .iter()
                .position(|l| l.line_id == ask.line_id)
                .ok_or(InvoiceError::LineNotFound(ask.line_id))?;
            let item = &self.lines[index].item;
            if item.quantity.is_sign_negative() {
                return Err(InvoiceError::CreditOfDeduction(ask.line_id));
            }
            if !ask.quantity.is_sign_positive()
                || ask.quantity.is_zero()
                || ask.quantity.normalize().scale() > MAX_PRICE_SCALE
            {
                return Err(InvoiceError::InvalidCreditQuantity {
                    line_id: ask.line_id,
                    quantity: ask.quantity,
                });
            }
            let (done_quantity, done_net) = self.credited.line(ask.line_id);
            let left = item.quantity - done_quantity;
            if ask.quantity > left {
                return Err(InvoiceError::OverCreditLine {
                    line_id: ask.line_id,
                    creditable: left,
                    offered: ask.quantity,
                });
            }
            let net = nets[index];
            let net_amount = if ask.quantity == left {
                net - done_net
            } else {
                self.round(net * ask.quantity / item.quantity)?
            };
            let mut tax_amount = Decimal::ZERO;
            for tax in &item.taxes {
                tax_amount += self.round(tax.unrounded_amount_on(net_amount))?;
            }
            credited.push((
                CreditedLine {
                    line_id: ask.line_id,
                    quantity: ask.quantity,
                    net_amount,
                    tax_amount: self.round(tax_amount)?,
                },
                item.taxes.as_slice(),
            ));
        }
        let untaxed: Decimal = credited
            .iter()
            .filter(|(_, taxes)| taxes.is_empty())
            .map(|(line, _)| line.net_amount)
            .sum();
        if untaxed > self.untaxed_left()? {
            return Err(InvoiceError::OverCreditUntaxed {
                creditable: self.money(self.untaxed_left()?)?,
            });
        }
        let mut tax_totals = Vec::new();
        for issued in &self.totals.tax_totals {
            let carrying = || {
                credited
                    .iter()
                    .filter(|(_, taxes)| taxes.contains(&issued.tax))
                    .map(|(line, _)| line.net_amount)
            };
            if carrying().next().is_none() {
                continue;
            }
            let base: Decimal = carrying().sum();
            let amount = match self.rounding.unwrap_or_default().scope {
                crate::pricing::TaxRoundingScope::PerLine => {
                    let mut sum = Decimal::ZERO;
                    for net in carrying() {
                        sum += self.round(issued.tax.unrounded_amount_on(net))?;
                    }
                    sum
                }
                crate::pricing::TaxRoundingScope::PerTaxCategory => {
                    self.round(issued.tax.unrounded_amount_on(base))?
                }
            };
            tax_totals.push(self.capped(issued, base, amount)?);
        }
        let lines: Vec<CreditedLine> = credited.into_iter().map(|(line, _)| line).collect();
        let net_total = self.round(lines.iter().map(|l| l.net_amount).sum())?;
        Ok(CreditNoteAmounts {
            totals: self.credit_totals(net_total, tax_totals)?,
            lines,
        })
    }

    fn credit_amount(
        &self,
        amount: Money,
        selector: Option<&TaxSelector>,
    ) -> Result<CreditNoteAmounts, InvoiceError> {
        let gross = self.check_money(amount)?.amount;
        let Some(selector) = selector else {
            if !self.lines.iter().any(|l| l.item.taxes.is_empty()) {
                return Err(InvoiceError::CreditTaxRequired);
            }
            let left = self.untaxed_left()?;
            if gross > left {
                return Err(InvoiceError::OverCreditUntaxed {
                    creditable: self.money(left)?,
                });
            }
            return Ok(CreditNoteAmounts {
                totals: self.credit_totals(gross, Vec::new())?,
                lines: Vec::new(),
            });
        };
        let mut named =
            self.totals.tax_totals.iter().filter(|t| {
                t.tax.treatment != TaxTreatment::Withholding && selector.matches(&t.tax)
            });
        let issued = match (named.next(), named.next()) {
            (None, _) => {
                return Err(InvoiceError::CreditTaxNotOnInvoice {
                    tax: selector.label(),
                })
            }
            (Some(_), Some(_)) => {
                return Err(InvoiceError::CreditTaxAmbiguous {
                    tax: selector.label(),
                })
            }
            (Some(issued), None) => issued,
        };
        let shares_lines = self
            .lines
            .iter()
            .filter(|l| l.item.taxes.contains(&issued.tax))
            .any(|l| l.item.taxes.len() > 1);
        if shares_lines {
            return Err(InvoiceError::AmountCreditNeedsLines {
                tax: issued.tax.label(),
            });
        }
        let (done_base, done_tax) = self.credited.tax(&issued.tax);
        let (base_left, tax_left) = (issued.taxable_base - done_base, issued.amount - done_tax);
        if gross > base_left + tax_left {
            return Err(InvoiceError::OverCredit {
                creditable: self.money(base_left + tax_left)?,
                offered: amount,
            });
        }
        let (base, tax) = if gross == base_left + tax_left {
            (base_left, tax_left)
        } else {
            let factor = Decimal::ONE_HUNDRED + issued.tax.percent;
            let base = self
                .round(gross * Decimal::ONE_HUNDRED / factor)?
                .min(base_left);
            (base, gross - base)
        };
        let tax_totals = vec![TaxTotal {
            tax: issued.tax.clone(),
            taxable_base: base,
            amount: tax,
        }];
        Ok(CreditNoteAmounts {
            totals: self.credit_totals(base, tax_totals)?,
            lines: Vec::new(),
        })
    }

    /// A rate's credited base and tax, refused beyond what is left of the base
    /// and closed exactly when it takes the rest.
    fn capped(
        &self,
        issued: &TaxTotal,
        base: Decimal,
        amount: Decimal,
    ) -> Result<TaxTotal, InvoiceError> {
        let (done_base, done_tax) = self.credited.tax(&issued.tax);
        let (base_left, tax_left) = (issued.taxable_base - done_base, issued.amount - done_tax);
        if base > base_left {
            return Err(InvoiceError::OverCreditTax {
                tax: issued.tax.label(),
                creditable: self.money(base_left)?,
            });
        }
        // Taking the rest of the base closes the rate exactly; short of it, the
        // rounded share never exceeds the tax still open.
        let amount = if base == base_left || amount.abs() > tax_left.abs() {
            tax_left
        } else {
            amount
        };
        Ok(TaxTotal {
            tax: issued.tax.clone(),
            taxable_base: base,
            amount,
        })
    }

    /// The net of the untaxed lines that no credit note took yet.
    fn untaxed_left(&self) -> Result<Decimal, InvoiceError> {
        let nets = self.issued_nets()?;
        let untaxed: Decimal = self
            .lines
            .iter()
            .zip(&nets)
            .filter(|(l, _)| l.item.taxes.is_empty())
            .map(|(_, net)| *net)
            .sum();
        Ok(untaxed - self.credited.untaxed)
    }

    fn credit_totals(
        &self,
        net_total: Decimal,
        tax_totals: Vec<TaxTotal>,
    ) -> Result<DocumentTotals, InvoiceError> {
        let tax_total = self.round(tax_totals.iter().map(|t| t.amount).sum())?;
        let net_total = self.round(net_total)?;
        Ok(DocumentTotals {
            net_total,
            tax_total,
            total: net_total + tax_total,
            tax_totals,
        })
    }
}
