//! Drafts, their lines and taxes, credit notes and Mexican cancellations.

use async_graphql::{InputObject, ID};
use folio_commands::{CreateInvoiceDraft, IssueCreditNote, SatCancellationRequest};
use folio_domain::invoice::{CreditRequest, DueTerms, LineCredit, TaxSelector};
use folio_domain::pricing::{Discount, LineRequest};
use folio_domain::tax::{TaxRate, VatExemption};

use crate::error::validation;
use crate::graphql::enums::{PriceBasis, SatCancellationReason, TaxTreatment, VatCategory};
use crate::graphql::ids::uuid_arg;
use crate::graphql::mexico::SatLineKeys;
use crate::graphql::scalars::{Date, Decimal};

use super::{currency, MoneyInput};

/// When an invoice falls due: give exactly one of the two.
#[derive(Debug, Clone, InputObject)]
pub struct DueTermsInput {
    /// Days after the issue date.
    pub net_days: Option<u16>,
    /// A fixed date.
    pub on_date: Option<Date>,
}

impl DueTermsInput {
    /// The domain's terms.
    pub fn into_domain(self) -> async_graphql::Result<DueTerms> {
        match (self.net_days, self.on_date) {
            (Some(days), None) => Ok(DueTerms::NetDays { days }),
            (None, Some(date)) => Ok(DueTerms::OnDate { date: date.0 }),
            _ => Err(validation("due terms need exactly one of netDays and onDate").into()),
        }
    }
}

/// A new invoice draft.
#[derive(Debug, Clone, InputObject)]
pub struct InvoiceDraftInput {
    /// The customer.
    pub customer_id: ID,
    /// Currency; the customer's default when absent.
    pub currency: Option<String>,
    /// Terms; the customer's when absent.
    pub due_terms: Option<DueTermsInput>,
    /// Free text printed on the invoice; none if absent.
    pub notes: Option<String>,
    /// Whether the prices of lines that state no `priceBasis` exclude
    /// (`NET`, the default) or include (`GROSS`) their taxes.
    pub price_basis: Option<PriceBasis>,
}

impl InvoiceDraftInput {
    /// The draft request.
    pub fn into_command(self) -> async_graphql::Result<CreateInvoiceDraft> {
        Ok(CreateInvoiceDraft {
            invoice_id: None,
            customer_id: uuid_arg(&self.customer_id, "customerId")?,
            currency: self.currency.as_deref().map(currency).transpose()?,
            due_terms: self.due_terms.map(DueTermsInput::into_domain).transpose()?,
            notes: self.notes,
            price_basis: self.price_basis.map(Into::into),
        })
    }
}

/// A tax rate on a line, or the one VAT rate of an allowance or charge.
#[derive(Debug, Clone, InputObject)]
pub struct TaxInput {
    /// Code, e.g. VAT, IVA, ISR.
    pub code: String,
    /// Rate in percent, e.g. "19".
    pub percent: Decimal,
    /// How the tax applies: charged, zero-rated, exempt or withheld.
    pub treatment: TaxTreatment,
    /// The EN 16931 VAT category of a VAT (required under the EU
    /// jurisdiction when the invoice is issued; never on a withholding).
    pub category: Option<VatCategory>,
    /// Why no VAT is charged, as a VATEX code (e.g. `VATEX-EU-AE`): for the
    /// categories E, AE, K, G and O this or `exemptionReason` is required.
    pub exemption_reason_code: Option<String>,
    /// Why no VAT is charged, in words (e.g. `Reverse charge`).
    pub exemption_reason: Option<String>,
}

/// A discount on a line: give exactly one of the two.
#[derive(Debug, Clone, InputObject)]
pub struct DiscountInput {
    /// Percent off the gross line amount.
    pub percent: Option<Decimal>,
    /// Amount off the gross line amount.
    pub amount: Option<Decimal>,
}

/// A draft line.
#[derive(Debug, Clone, InputObject)]
pub struct LineInput {
    /// What is sold.
    pub description: String,
    /// Quantity (up to 6 decimals, never 0); negative for a deduction such as a
    /// deposit invoiced before, which takes no discount.
    pub quantity: Decimal,
    /// Unit price (up to 6 decimals): before tax, or with the line's taxes
    /// included when `priceBasis` is `GROSS`.
    pub unit_price: Decimal,
    /// `NET` or `GROSS`: whether `unitPrice` and an amount discount include
    /// the line's taxes; the draft's `priceBasis` when absent. A gross line
    /// takes no withholding.
    pub price_basis: Option<PriceBasis>,
    /// A discount off the line amount, on the price's basis; none if absent.
    pub discount: Option<DiscountInput>,
    /// Rates of the tenant's catalogue (`tenantSettings.taxRates`) by key,
    /// charged before `taxes`.
    #[graphql(default)]
    pub tax_rate_keys: Vec<String>,
    /// The line's own taxes, each with its code, rate and treatment.
    #[graphql(default)]
    pub taxes: Vec<TaxInput>,
    /// What the line sells in SAT's terms, which every line of a Mexican
    /// invoice needs.
    pub sat: Option<SatLineKeys>,
}

impl LineInput {
    /// The domain's line item with its own taxes, and the catalogue keys the
    /// use case adds to them.
    pub fn into_domain(self) -> async_graphql::Result<(LineRequest, Vec<String>)> {
        let keys = self.tax_rate_keys.clone();
        Ok((self.into_item()?, keys))
    }

    fn into_item(self) -> async_graphql::Result<LineRequest> {
        let discount = match self.discount {
            None => None,
            Some(DiscountInput {
                percent: Some(percent),
                amount: None,
            }) => Some(Discount::Percent { percent: percent.0 }),
            Some(DiscountInput {
                percent: None,
                amount: Some(amount),
            }) => Some(Discount::Amount { amount: amount.0 }),
            Some(_) => {
                return Err(validation("a discount needs exactly one of percent and amount").into())
            }
        };
        Ok(LineRequest {
            description: self.description,
            quantity: self.quantity.0,
            unit_price: self.unit_price.0,
            discount,
            taxes: self.taxes.into_iter().map(TaxInput::into_domain).collect(),
            price_basis: self.price_basis.map(Into::into),
            sat: self.sat.map(Into::into),
        })
    }
}

impl TaxInput {
    /// The domain's tax rate.
    pub fn into_domain(self) -> TaxRate {
        TaxRate {
            code: self.code,
            percent: self.percent.0,
            treatment: self.treatment.into(),
            category: self.category.map(Into::into),
            exemption: (self.exemption_reason_code.is_some() || self.exemption_reason.is_some())
                .then_some(VatExemption {
                    code: self.exemption_reason_code,
                    reason: self.exemption_reason,
                }),
        }
    }
}

/// A credit note against an invoice: give exactly one of `lines` (quantities
/// of issued lines, each credited at its own tax rates) and `amount` (a gross
/// amount off the lines of the rate named in `tax`). On a paid invoice the
/// credit becomes the customer's credit.
#[derive(Debug, Clone, InputObject)]
pub struct CreditNoteInput {
    /// The issued lines credited and how many of their units.
    pub lines: Option<Vec<CreditLineInput>>,
    /// Gross amount credited (tax included), off the lines of the rate `tax`
    /// names.
    pub amount: Option<MoneyInput>,
    /// The invoice's VAT rate an amount-only note reduces; absent only to
    /// reduce untaxed lines.
    pub tax: Option<CreditTaxInput>,
    /// Why, in words kept with the record and shown in the history.
    pub reason: String,
    /// Issue date; today when absent.
    pub issue_date: Option<Date>,
}

/// One issued line of a line-based credit note.
#[derive(Debug, Clone, InputObject)]
pub struct CreditLineInput {
    /// The line's UUID (`lineId` of the invoice's lines).
    pub line_id: ID,
    /// Units credited (above 0, at most what earlier notes left).
    pub quantity: Decimal,
}

/// Names one of the invoice's VAT rates.
#[derive(Debug, Clone, InputObject)]
pub struct CreditTaxInput {
    /// Tax code, e.g. VAT.
    pub code: String,
    /// Rate in percent, e.g. "19".
    pub percent: Decimal,
    /// The VAT category, needed only when the invoice has the same rate under
    /// two categories.
    pub category: Option<VatCategory>,
}

impl CreditNoteInput {
    /// The credit-note request.
    pub fn into_command(self) -> async_graphql::Result<IssueCreditNote> {
        let credit = match (self.lines, self.amount) {
            (Some(lines), None) if self.tax.is_none() => CreditRequest::Lines(
                lines
                    .into_iter()
                    .map(|line| {
                        Ok(LineCredit {
                            line_id: uuid_arg(&line.line_id, "lineId")?,
                            quantity: line.quantity.0,
                        })
                    })
                    .collect::<async_graphql::Result<_>>()?,
            ),
            (Some(_), None) => {
                return Err(validation(
                    "a line-based credit note credits each line at its own rates; tax is for amount-only notes",
                )
                .into())
            }
            (None, Some(amount)) => CreditRequest::Amount {
                amount: amount.into_domain()?,
                tax: self.tax.map(|tax| TaxSelector {
                    code: tax.code,
                    percent: tax.percent.0,
                    category: tax.category.map(Into::into),
                }),
            },
            _ => {
                return Err(
                    validation("a credit note needs exactly one of lines and amount").into(),
                )
            }
        };
        Ok(IssueCreditNote {
            credit,
            issue_date: self.issue_date.map(|d| d.0),
            reason: self.reason,
        })
    }
}

/// How a Mexican invoice is cancelled (the MX jurisdiction only).
#[derive(Debug, Clone, InputObject)]
pub struct SatCancellationInput {
    /// SAT's reason code.
    pub reason: SatCancellationReason,
    /// For `ERRORS_WITH_REPLACEMENT` (01), the UUID of the issued invoice of the
    /// same customer that replaces this one; refused for the other reasons.
    pub replaced_by: Option<ID>,
}

impl SatCancellationInput {
    /// The use case's request; a malformed id is VALIDATION.
    pub fn into_request(self) -> async_graphql::Result<SatCancellationRequest> {
        Ok(SatCancellationRequest {
            reason: self.reason.into(),
            replaced_by: self
                .replaced_by
                .map(|id| uuid_arg(&id, "replacedBy"))
                .transpose()?,
        })
    }
}
