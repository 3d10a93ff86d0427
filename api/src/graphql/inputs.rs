//! GraphQL input types and their conversion into the command layer's requests.
//! Conversion checks what GraphQL's type system cannot (UUIDs, currencies, amounts
//! finer than the currency allows) and fails with `VALIDATION`; the domain checks
//! the business rules.

use async_graphql::{InputObject, ID};
use folio_commands::{
    ApplyCustomerCredit, CreateInvoiceDraft, IssueCreditNote, PrepaidFromCredit, RecordPayment,
    RefundPayment, RegisterCustomer, SatCancellationRequest, StatedRate,
};
use folio_domain::customer::{ContactDetails, TaxDetails};
use folio_domain::exchange::ExchangeRate;
use folio_domain::expense::{ApprovalThreshold, CategoryLimit, ExpenseDetails, ExpensePolicy};
use folio_domain::invoice::{CreditRequest, DueTerms, LineCredit, TaxSelector};
use folio_domain::money::{Currency, Money};
use folio_domain::pricing::{Discount, LineItem, RoundingPolicy};
use folio_domain::settings::InvoicingPolicy;
use folio_domain::tax::{TaxRate, VatExemption};

use super::enums::{
    PaymentMethod, PriceBasis, RoundingMode, SatCancellationReason, TaxRoundingScope, TaxTreatment,
    VatCategory,
};
use super::ids::uuid_arg;
use super::scalars::{Date, Decimal};
use crate::error::validation;

pub(super) fn currency(code: &str) -> async_graphql::Result<Currency> {
    Currency::from_code(code).map_err(|e| validation(e.to_string()).into())
}

/// An amount of money.
#[derive(Debug, Clone, InputObject)]
pub struct MoneyInput {
    /// Amount as a decimal string, e.g. "1190.00"; no finer than the currency allows.
    pub amount: Decimal,
    /// ISO 4217 code, e.g. EUR.
    pub currency: String,
}

impl MoneyInput {
    /// The domain's money, refused when over-precise or in an unknown currency.
    pub fn into_domain(self) -> async_graphql::Result<Money> {
        Money::exact(self.amount.0, currency(&self.currency)?)
            .map_err(|e| validation(e.to_string()).into())
    }
}

/// Contact details of a customer.
#[derive(Debug, Clone, InputObject)]
pub struct ContactInput {
    /// Name on invoices.
    pub name: String,
    /// Billing e-mail.
    pub email: Option<String>,
    /// Phone number, as the customer gives it.
    pub phone: Option<String>,
    /// Postal address.
    pub address: Option<String>,
}

impl From<ContactInput> for ContactDetails {
    fn from(c: ContactInput) -> Self {
        ContactDetails {
            name: c.name,
            email: c.email,
            phone: c.phone,
            address: c.address,
        }
    }
}

/// Tax details of a customer.
#[derive(Debug, Clone, InputObject)]
pub struct TaxDetailsInput {
    /// Tax id (VAT id, RFC, ...). For EU member states and the UK, a VAT number
    /// (its country prefix may be left out; check digits are verified where the
    /// country defines them); for Mexico, an RFC; elsewhere free text. Stored
    /// without spaces or dots and with its VAT prefix; a malformed one is
    /// VALIDATION.
    pub tax_id: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
    /// Default currency of new invoices.
    pub default_currency: String,
    /// Days from issue to due date.
    pub payment_terms_days: u16,
}

impl TaxDetailsInput {
    /// The domain's tax details.
    pub fn into_domain(self) -> async_graphql::Result<TaxDetails> {
        Ok(TaxDetails {
            tax_id: self.tax_id,
            country: self.country,
            default_currency: currency(&self.default_currency)?,
            payment_terms_days: self.payment_terms_days,
        })
    }
}

/// A new customer.
#[derive(Debug, Clone, InputObject)]
pub struct CustomerInput {
    /// Contact details.
    pub contact: ContactInput,
    /// Tax details.
    pub tax: TaxDetailsInput,
}

impl CustomerInput {
    /// The registration request.
    pub fn into_command(self) -> async_graphql::Result<RegisterCustomer> {
        Ok(RegisterCustomer {
            customer_id: None,
            contact: self.contact.into(),
            tax: self.tax.into_domain()?,
        })
    }
}

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
    /// `NET` (the default) or `GROSS`: whether `unitPrice` and an amount
    /// discount include the line's taxes. A gross line takes no withholding.
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
}

impl LineInput {
    /// The domain's line item with its own taxes, and the catalogue keys the
    /// use case adds to them.
    pub fn into_domain(self) -> async_graphql::Result<(LineItem, Vec<String>)> {
        let keys = self.tax_rate_keys.clone();
        Ok((self.into_item()?, keys))
    }

    fn into_item(self) -> async_graphql::Result<LineItem> {
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
        Ok(LineItem {
            description: self.description,
            quantity: self.quantity.0,
            unit_price: self.unit_price.0,
            discount,
            taxes: self.taxes.into_iter().map(TaxInput::into_domain).collect(),
            price_basis: self.price_basis.map(Into::into).unwrap_or_default(),
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

/// A payment received.
#[derive(Debug, Clone, InputObject)]
pub struct PaymentInput {
    /// Amount received.
    pub amount: MoneyInput,
    /// Value date; today when absent.
    pub received_on: Option<Date>,
    /// How the payment was made.
    pub method: PaymentMethod,
    /// The payer's reference (a bank transfer's, a card slip's), if any.
    pub reference: Option<String>,
    /// For an invoice booked in another currency than the tenant's
    /// accounting currency: the rate of the value date. The tenant's
    /// exchange-rate table gives it when absent.
    pub exchange_rate: Option<AccountingRateInput>,
}

impl PaymentInput {
    /// The payment request.
    pub fn into_command(self) -> async_graphql::Result<RecordPayment> {
        Ok(RecordPayment {
            payment_id: None,
            amount: self.amount.into_domain()?,
            received_on: self.received_on.map(|d| d.0),
            method: self.method.into(),
            reference: self.reference,
            exchange_rate: self.exchange_rate.map(AccountingRateInput::into_command),
        })
    }
}

/// A rate into the tenant's accounting currency, stated for one document and
/// of its date.
#[derive(Debug, Clone, InputObject)]
pub struct AccountingRateInput {
    /// Units of the accounting currency for one unit of the document's, up to
    /// 10 decimals, e.g. `0.9215` from USD into EUR.
    pub rate: Decimal,
    /// Where the rate comes from, e.g. `ECB reference rate`.
    pub source: Option<String>,
}

impl AccountingRateInput {
    /// The use cases' stated rate.
    pub fn into_command(self) -> StatedRate {
        StatedRate {
            rate: self.rate.0,
            source: self.source,
        }
    }
}

/// Credit another invoice of the same customer holds, to settle this one.
#[derive(Debug, Clone, InputObject)]
pub struct AppliedCreditInput {
    /// The invoice holding the credit.
    pub from_invoice_id: ID,
    /// How much: at most what it holds and what this invoice still owes.
    pub amount: MoneyInput,
    /// The date it takes effect; today when absent.
    pub applied_on: Option<Date>,
}

impl AppliedCreditInput {
    /// The request.
    pub fn into_command(self) -> async_graphql::Result<ApplyCustomerCredit> {
        Ok(ApplyCustomerCredit {
            from_invoice: uuid_arg(&self.from_invoice_id, "fromInvoiceId")?,
            amount: self.amount.into_domain()?,
            applied_on: self.applied_on.map(|d| d.0),
        })
    }
}

/// Credit another invoice of the same customer holds (a deposit, an
/// overpayment), applied as an invoice is issued.
#[derive(Debug, Clone, InputObject)]
pub struct PrepaidCreditInput {
    /// The invoice holding the credit.
    pub from_invoice_id: ID,
    /// How much: at most what it holds and the issued invoice's total.
    pub amount: MoneyInput,
}

impl PrepaidCreditInput {
    /// The request.
    pub fn into_command(self) -> async_graphql::Result<PrepaidFromCredit> {
        Ok(PrepaidFromCredit {
            from_invoice: uuid_arg(&self.from_invoice_id, "fromInvoiceId")?,
            amount: self.amount.into_domain()?,
        })
    }
}

/// A refund of (part of) a payment.
#[derive(Debug, Clone, InputObject)]
pub struct RefundInput {
    /// The payment.
    pub payment_id: ID,
    /// Amount given back.
    pub amount: MoneyInput,
    /// Date; today when absent.
    pub refunded_on: Option<Date>,
    /// Why, in words kept with the record and shown in the history.
    pub reason: String,
}

impl RefundInput {
    /// The refund request.
    pub fn into_command(self) -> async_graphql::Result<RefundPayment> {
        Ok(RefundPayment {
            payment_id: uuid_arg(&self.payment_id, "paymentId")?,
            amount: self.amount.into_domain()?,
            refunded_on: self.refunded_on.map(|d| d.0),
            reason: self.reason,
        })
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

/// An exchange rate stated with an amount.
#[derive(Debug, Clone, InputObject)]
pub struct ExchangeRateInput {
    /// ISO 4217 code converted into, e.g. `EUR`.
    pub to: String,
    /// Units of `to` per unit of the amount's currency, e.g. `0.92` (up to 10
    /// decimals).
    pub rate: Decimal,
    /// Where the rate comes from, e.g. `card statement`.
    pub source: Option<String>,
}

impl ExchangeRateInput {
    /// The domain's rate; an unknown currency is VALIDATION.
    pub fn into_domain(self) -> async_graphql::Result<ExchangeRate> {
        Ok(ExchangeRate {
            to: currency(&self.to)?,
            rate: self.rate.0,
            source: self.source,
        })
    }
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

/// The tenant's invoicing policy.
#[derive(Debug, Clone, InputObject)]
pub struct InvoicingPolicyInput {
    /// Rounding mode.
    pub rounding_mode: RoundingMode,
    /// Rounding scope.
    pub rounding_scope: TaxRoundingScope,
    /// Invoice number series, e.g. INV.
    pub invoice_series: String,
    /// Credit note number series, e.g. CN.
    pub credit_note_series: String,
}

impl InvoicingPolicyInput {
    /// The domain's policy.
    pub fn into_domain(self) -> async_graphql::Result<InvoicingPolicy> {
        Ok(InvoicingPolicy {
            rounding: RoundingPolicy {
                mode: self.rounding_mode.into(),
                scope: self.rounding_scope.into(),
            },
            invoice_series: self.invoice_series,
            credit_note_series: self.credit_note_series,
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
