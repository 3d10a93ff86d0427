//! The closed sets of the API as GraphQL enums (statuses, methods, treatments),
//! and how a stored label (`"PENDING_APPROVAL"`) becomes one.

use async_graphql::Enum;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::internal;

/// Reads a status or code as the read model stores it (its serde label). The read
/// models only hold labels their CHECK constraints allow, so a failure is a bug:
/// logged, and reported as `INTERNAL`.
pub(crate) fn from_stored<E: DeserializeOwned>(label: &str) -> async_graphql::Result<E> {
    serde_json::from_value(serde_json::Value::String(label.to_owned())).map_err(|error| {
        tracing::error!(label, %error, "a stored label has no API value");
        internal("a stored label has no API value").into()
    })
}

/// A VAT category as the read models store it (the domain's UNCL 5305 code,
/// `S`, `AE`, ...); none for a tax stated without one.
pub(crate) fn vat_category(stored: Option<&str>) -> async_graphql::Result<Option<VatCategory>> {
    stored
        .map(|code| from_stored::<folio_domain::tax::VatCategory>(code).map(Into::into))
        .transpose()
}

/// Where an invoice is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InvoiceStatus {
    /// Being prepared: lines and terms may change; no number yet.
    Draft,
    /// Numbered and frozen; not yet recorded as sent.
    Issued,
    /// Issued and sent to the customer at least once.
    Sent,
    /// Cancelled while nothing was paid or credited; kept for the record.
    Void,
}

impl From<InvoiceStatus> for folio_domain::invoice::DocumentStatus {
    fn from(status: InvoiceStatus) -> Self {
        use folio_domain::invoice::DocumentStatus as D;
        match status {
            InvoiceStatus::Draft => D::Draft,
            InvoiceStatus::Issued => D::Issued,
            InvoiceStatus::Sent => D::Sent,
            InvoiceStatus::Void => D::Void,
        }
    }
}

/// Whether an issued invoice is paid, derived from its amounts and today's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    /// Nothing paid or credited yet, not past due.
    Unpaid,
    /// Something paid or credited, something still due, not past due.
    PartiallyPaid,
    /// Nothing left to pay.
    Paid,
    /// Something still due after the due date.
    Overdue,
}

/// Whether a customer can be invoiced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CustomerStatus {
    /// Can be invoiced.
    Active,
    /// Kept for the record; new drafts are refused.
    Archived,
}

/// Where an expense is in its approval flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExpenseStatus {
    /// Waiting for approvals.
    PendingApproval,
    /// Sent back to the employee for changes.
    Returned,
    /// Fully approved; waiting for reimbursement.
    Approved,
    /// Refused (final).
    Rejected,
    /// Paid back to the employee (final).
    Reimbursed,
}

impl From<ExpenseStatus> for folio_domain::expense::ExpenseStatus {
    fn from(status: ExpenseStatus) -> Self {
        use folio_domain::expense::ExpenseStatus as D;
        match status {
            ExpenseStatus::PendingApproval => D::PendingApproval,
            ExpenseStatus::Returned => D::Returned,
            ExpenseStatus::Approved => D::Approved,
            ExpenseStatus::Rejected => D::Rejected,
            ExpenseStatus::Reimbursed => D::Reimbursed,
        }
    }
}

/// How a payment was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[graphql(remote = "folio_domain::invoice::PaymentMethod")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentMethod {
    /// Bank transfer (SEPA, SPEI, wire).
    BankTransfer,
    /// Debit or credit card.
    Card,
    /// Paid in cash.
    Cash,
    /// Paid by cheque.
    Cheque,
    /// Direct debit collected by the tenant.
    DirectDebit,
    /// Anything else; say what in the payment's reference.
    Other,
}

/// How a tax applies to a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[graphql(remote = "folio_domain::tax::TaxTreatment")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaxTreatment {
    /// Charged on top of the net amount.
    Standard,
    /// Taxable at 0 % (exports, intra-EU supplies).
    ZeroRated,
    /// Outside the tax's scope.
    Exempt,
    /// Withheld by the customer and paid to the authority (a negative tax).
    Withholding,
}

/// How amounts are rounded to the currency's minor unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "folio_domain::money::RoundingMode")]
pub enum RoundingMode {
    /// Half to even (banker's rounding).
    HalfEven,
    /// Half away from zero (what EN 16931 and CFDI use).
    HalfUp,
}

/// Where tax is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "folio_domain::pricing::TaxRoundingScope")]
pub enum TaxRoundingScope {
    /// On every line; the document's tax is the sum of the lines'.
    PerLine,
    /// Once per tax rate over the document (EN 16931 BR-CO-17).
    PerTaxCategory,
}

/// The tax jurisdiction a tenant invoices under: it decides the rules that
/// differ by country.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "folio_domain::settings::Jurisdiction")]
pub enum Jurisdiction {
    /// An EU member state: half-up VAT per category (EN 16931), and an issued
    /// invoice is corrected by a credit note, never voided.
    Eu,
    /// Mexico: half-up taxes per line (CFDI 4.0), and an issued invoice is
    /// cancelled only with SAT's reason code.
    Mx,
    /// Elsewhere: rounding as configured; an invoice may be voided while nothing
    /// is paid or credited.
    Other,
}

/// SAT's reasons for cancelling a Mexican invoice (`c_MotivoCancelacion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "folio_domain::invoice::SatCancellationReason")]
pub enum SatCancellationReason {
    /// 01: issued with errors and replaced by another invoice (`replacedBy`).
    ErrorsWithReplacement,
    /// 02: issued with errors, not replaced.
    ErrorsWithoutReplacement,
    /// 03: the operation did not take place.
    OperationNotCarriedOut,
    /// 04: a nominative operation included in a global invoice.
    NominativeInGlobalInvoice,
}

/// A VAT category of EN 16931 (UNCL5305); the value's name says the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "folio_domain::tax::VatCategory")]
pub enum VatCategory {
    /// `S`: standard rate, above 0%.
    Standard,
    /// `Z`: zero-rated goods.
    ZeroRated,
    /// `E`: exempt from VAT (needs a reason).
    Exempt,
    /// `AE`: reverse charge (needs a reason and the customer's VAT number).
    ReverseCharge,
    /// `K`: intra-community supply (needs a reason and the customer's VAT number).
    IntraCommunity,
    /// `G`: export outside the EU (needs a reason).
    Export,
    /// `O`: outside the scope of VAT (needs a reason; no other category on the invoice).
    NotSubject,
    /// `L`: Canary Islands general indirect tax.
    CanaryIslands,
    /// `M`: tax of Ceuta and Melilla.
    CeutaMelilla,
}

/// Whether an adjustment on the whole invoice lowers or raises what is owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[graphql(remote = "folio_domain::adjustment::AdjustmentKind")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AdjustmentKind {
    /// Taken off the invoice (EN 16931 BG-20), e.g. a volume rebate.
    Allowance,
    /// Added to the invoice (EN 16931 BG-21), e.g. freight.
    Charge,
}

/// Whether a line's prices are before its taxes or include them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[graphql(remote = "folio_domain::pricing::PriceBasis")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PriceBasis {
    /// Before tax: the net price.
    Net,
    /// Taxes included: the gross price the customer was quoted; the net is
    /// derived so that net plus taxes is exactly the gross.
    Gross,
}

/// Which amounts a revenue or tax report adds up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Enum)]
#[graphql(remote = "folio_projections::reading::ReportAmounts")]
pub enum ReportAmounts {
    /// Each document's own amounts, one row per currency.
    #[default]
    DocumentCurrency,
    /// The tenant's accounting currency: an invoice or credit note booked in
    /// another at the amounts it recorded there (each tax rate's base and tax
    /// converted once at its rate); one never converted, issued before the
    /// books had a currency, stays in its own currency's rows.
    AccountingCurrency,
}
