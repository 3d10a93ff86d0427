//! Issuing a draft: its number, dates and totals decided once, its
//! allowances and charges priced, and the customer's credit applied as paid in
//! advance in the same commit.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::*;
use crate::adjustment::PricedAdjustment;
use crate::exchange::{AccountingTotals, Books};
use crate::sat::{check_invoice, CfdiLine, CfdiParties, SatError};

impl Invoice {
    pub(super) fn decide_issue(
        &self,
        (number, issue_date): (DocumentNumber, NaiveDate),
        rounding: RoundingPolicy,
        prepaid: Option<PrepaidCredit>,
        books: Books,
        cfdi: Option<CfdiParties>,
    ) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        self.require_draft()?;
        validate_series(&number.series)?;
        if self.lines.is_empty() {
            return Err(InvoiceError::NoLines);
        }
        let due_date = match self.due_terms {
            Some(DueTerms::NetDays { days }) => issue_date + chrono::Days::new(u64::from(days)),
            Some(DueTerms::OnDate { date }) => date,
            None => issue_date,
        };
        if due_date < issue_date {
            return Err(InvoiceError::DueBeforeIssue {
                issue_date,
                due_date,
            });
        }
        self.check_gross_lines(rounding)?;
        let currency = self.currency()?;
        let exchange_rate = books.rate_for(currency, issue_date)?;
        let priced = price_document(
            self.lines.iter().map(|l| &l.item),
            self.adjustments.iter().map(|a| &a.adjustment),
            currency,
            rounding,
        );
        let totals = priced.totals;
        if totals.total < Decimal::ZERO {
            return Err(InvoiceError::NegativeTotal(self.money(totals.total)?));
        }
        if let Some(negative) = totals
            .tax_totals
            .iter()
            .find(|t| t.taxable_base < Decimal::ZERO)
        {
            return Err(InvoiceError::NegativeTaxBase {
                tax: negative.tax.label(),
                base: self.money(negative.taxable_base)?,
            });
        }
        let lines = self
            .lines
            .iter()
            .zip(priced.lines)
            .map(|(line, priced)| IssuedLine {
                line_id: line.line_id,
                item: line.item.clone(),
                priced,
            })
            .collect();
        let adjustments = self.issued_adjustments(priced.adjustments)?;
        let accounting = exchange_rate.map(|rate| AccountingTotals::of(rate, &totals));
        let issued = InvoiceEvent::InvoiceIssued {
            number,
            issue_date,
            due_date,
            rounding,
            lines,
            adjustments,
            totals,
            prepaid: prepaid.as_ref().map(|p| p.amount.amount),
            accounting,
            cfdi: cfdi.map(Box::new),
        };
        match prepaid {
            None => Ok(vec![issued]),
            Some(prepaid) => {
                let applied = self.prepaid_at_issue(&issued, prepaid, issue_date)?;
                Ok(std::iter::once(issued).chain(applied).collect())
            }
        }
    }

    /// The parties and terms of the CFDI a Mexican invoice becomes, checked
    /// with its lines: the tenant's issuer data, the customer's RFC and
    /// receiver data, the draft's terms (else `PPD`, `99`, the customer's
    /// use).
    pub(super) fn cfdi_parties(
        &self,
        context: CfdiContext,
        receiver_rfc: Option<&str>,
    ) -> Result<CfdiParties, InvoiceError> {
        let issuer = context.issuer.ok_or(SatError::IssuerMissing)?;
        let (Some(receiver), Some(rfc)) = (context.receiver, receiver_rfc) else {
            return Err(SatError::ReceiverMissing.into());
        };
        let lines: Vec<CfdiLine<'_>> = self
            .lines
            .iter()
            .map(|line| CfdiLine {
                description: &line.item.description,
                keys: line.item.sat.as_ref(),
                taxes: &line.item.taxes,
            })
            .collect();
        let terms = self.cfdi_terms.clone().unwrap_or_default();
        Ok(check_invoice(&issuer, rfc, &receiver, &terms, &lines)?)
    }

    /// The credit applied as the invoice is issued: decided as credit applied
    /// to the invoice just issued, and at most its total (credit beyond it
    /// would only move to be held here).
    fn prepaid_at_issue(
        &self,
        issued: &InvoiceEvent,
        prepaid: PrepaidCredit,
        issue_date: NaiveDate,
    ) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        let mut after_issue = self.clone();
        after_issue.fold(issued.clone());
        let total = after_issue.totals.total;
        if prepaid.amount.amount > total {
            return Err(InvoiceError::OverApplication {
                due: after_issue.money(total)?,
                offered: prepaid.amount,
            });
        }
        let moved = transfer::Move {
            transfer_id: prepaid.transfer_id,
            counterpart: prepaid.from_invoice,
            counterpart_customer: prepaid.from_customer,
            amount: prepaid.amount,
            on: issue_date,
        };
        after_issue.decide_apply(moved, prepaid.worth.as_ref())
    }

    /// Under `PER_TAX_CATEGORY` a gross line charges one rate: its net cannot
    /// belong to two rates' gross sums (and an EN 16931 line has one VAT).
    fn check_gross_lines(&self, rounding: RoundingPolicy) -> Result<(), InvoiceError> {
        if rounding.scope != crate::pricing::TaxRoundingScope::PerTaxCategory {
            return Ok(());
        }
        let charged = |item: &LineItem| {
            item.taxes
                .iter()
                .filter(|t| t.treatment != crate::tax::TaxTreatment::Withholding)
                .count()
        };
        match self.lines.iter().find(|l| {
            l.item.price_basis == crate::pricing::PriceBasis::Gross && charged(&l.item) > 1
        }) {
            Some(line) => Err(InvoiceError::GrossMultiTaxPerCategory(line.line_id)),
            None => Ok(()),
        }
    }

    /// The draft's adjustments with their decided amounts; a percentage needs
    /// lines at its rate worth more than 0 to be taken of.
    fn issued_adjustments(
        &self,
        priced: Vec<PricedAdjustment>,
    ) -> Result<Vec<IssuedAdjustment>, InvoiceError> {
        let mut issued = Vec::with_capacity(priced.len());
        for (draft, priced) in self.adjustments.iter().zip(priced) {
            if let Some(base) = priced.base_amount.filter(|b| *b <= Decimal::ZERO) {
                return Err(InvoiceError::AdjustmentWithoutBase {
                    tax: draft.adjustment.tax.label(),
                    base: self.money(base)?,
                });
            }
            issued.push(IssuedAdjustment {
                adjustment_id: draft.adjustment_id,
                adjustment: draft.adjustment.clone(),
                priced,
            });
        }
        Ok(issued)
    }
}
