//! The document model: everything an issued invoice or credit note says, in
//! EN 16931's terms, with every amount already decided. The PDF and each
//! e-invoice syntax are written from one [`Document`], so they can never
//! disagree; writers only format, they never compute.
//!
//! The business terms (`BT-n`) and groups (`BG-n`) of EN 16931-1 are named in
//! the docs of the fields that carry them.

use chrono::NaiveDate;
use folio_domain::adjustment::AdjustmentKind;
use folio_domain::legal_profile::LegalProfile;
use folio_domain::money::Currency;
use folio_domain::tax::{VatCategory, VatExemption};
use rust_decimal::Decimal;

/// Invoice or credit note (BT-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// A commercial invoice (UNTDID 1001 code 380).
    Invoice,
    /// A credit note (code 381).
    CreditNote,
}

impl DocumentKind {
    /// The UNTDID 1001 type code (BT-3).
    pub fn type_code(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "380",
            DocumentKind::CreditNote => "381",
        }
    }
}

/// The buyer (BG-7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buyer {
    /// The customer's name (BT-44).
    pub name: String,
    /// The postal address's lines as the customer gave them (BT-50, BT-51,
    /// BT-163; at most three, the last holding the rest).
    pub address_lines: Vec<String>,
    /// ISO 3166-1 alpha-2 country code (BT-55).
    pub country: String,
    /// The VAT number (BT-48); left out where the document's VAT category
    /// forbids it (outside the scope of VAT).
    pub vat_id: Option<String>,
    /// The billing e-mail address (BT-49, scheme `EM`).
    pub email: Option<String>,
}

/// The invoice a credit note corrects (BG-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceReference {
    /// Its number (BT-25).
    pub number: String,
    /// Its issue date (BT-26).
    pub issue_date: NaiveDate,
}

/// Where and when the goods or services were delivered (BG-13).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The actual delivery date (BT-72).
    pub date: NaiveDate,
    /// The deliver-to country (BT-80), ISO 3166-1 alpha-2, where the document
    /// must state it (an intra-community supply, BR-IC-12).
    pub country: Option<String>,
}

/// How the buyer pays (BG-16, BG-17).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentInstructions {
    /// UNCL4461 code (BT-81): `58` SEPA credit transfer for an IBAN in the
    /// SEPA area, otherwise `30` credit transfer.
    pub means_code: &'static str,
    /// What the payer quotes with the transfer (BT-83): the document's number.
    pub remittance: String,
    /// The IBAN paid into (BT-84).
    pub iban: String,
    /// The account holder (BT-85), when stated.
    pub account_name: Option<String>,
    /// The bank's BIC (BT-86), when stated.
    pub bic: Option<String>,
}

/// One of the document's VAT categories and rates (BT-151/152, BG-23 keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VatKey {
    /// The UNCL5305 category.
    pub category: VatCategory,
    /// The rate in percent (0 for the categories that charge none).
    pub percent: Decimal,
}

/// A line's allowance (BG-27): Folio's line discount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineAllowance {
    /// The amount taken off the line (BT-136).
    pub amount: Decimal,
    /// Why (BT-139).
    pub reason: String,
}

/// One invoice line (BG-25).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentLine {
    /// The line's identifier in the document (BT-126): its position, from 1.
    pub id: String,
    /// What is sold (BT-153).
    pub description: String,
    /// Quantity (BT-129); negative for a deduction.
    pub quantity: Decimal,
    /// UN/ECE Rec. 20 unit code (BT-130).
    pub unit_code: &'static str,
    /// Net price of one unit (BT-146), at up to 6 decimals.
    pub unit_price: Decimal,
    /// For a line priced with its taxes included, the price of one unit the
    /// customer was quoted (printed; the e-invoices carry the net price
    /// only, BT-148 being a price before discount, not one with VAT).
    pub gross_unit_price: Option<Decimal>,
    /// The discount, if any.
    pub allowance: Option<LineAllowance>,
    /// Net amount (BT-131): quantity × price − allowance, rounded.
    pub net_amount: Decimal,
    /// Its VAT category and rate (BT-151, BT-152).
    pub vat: VatKey,
}

/// An allowance (BG-20) or charge (BG-21) on the whole document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowanceCharge {
    /// Allowance or charge (the UBL and CII charge indicator).
    pub kind: AdjustmentKind,
    /// The amount, positive (BT-92 / BT-99).
    pub amount: Decimal,
    /// For a percentage, what it was taken of (BT-93 / BT-100).
    pub base_amount: Option<Decimal>,
    /// The percentage (BT-94 / BT-101), e.g. `2` for 2%.
    pub percent: Option<Decimal>,
    /// Why, in words (BT-97 / BT-104).
    pub reason: Option<String>,
    /// Why, as a UNCL 5189 or 7161 code (BT-98 / BT-105).
    pub reason_code: Option<String>,
    /// The VAT category and rate whose base it changes (BT-95/96, BT-102/103).
    pub vat: VatKey,
}

/// The total of one VAT category and rate (BG-23).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VatBreakdown {
    /// The category and rate (BT-118, BT-119).
    pub key: VatKey,
    /// Sum of the line nets of this key, less its allowances, plus its
    /// charges (BT-116).
    pub taxable_amount: Decimal,
    /// The VAT on it (BT-117).
    pub tax_amount: Decimal,
    /// Why no VAT is charged (BT-120 text, BT-121 VATEX code).
    pub exemption: Option<VatExemption>,
}

/// The document totals (BG-22).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    /// Σ line nets (BT-106).
    pub line_net_total: Decimal,
    /// Σ allowances on the whole document (BT-107), when it has any.
    pub allowance_total: Option<Decimal>,
    /// Σ charges on the whole document (BT-108), when it has any.
    pub charge_total: Option<Decimal>,
    /// Total without VAT (BT-109): BT-106 − BT-107 + BT-108.
    pub tax_exclusive: Decimal,
    /// Total VAT (BT-110).
    pub tax_total: Decimal,
    /// Total with VAT (BT-112).
    pub tax_inclusive: Decimal,
    /// Paid in advance (BT-113): the customer's credit applied as the invoice
    /// was issued, when any.
    pub prepaid: Option<Decimal>,
    /// Amount due for payment (BT-115): BT-112 − BT-113.
    pub payable: Decimal,
}

/// A document's VAT in the seller's accounting currency: converted once, at
/// the rate the invoice was issued with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountingVat {
    /// The VAT accounting currency (BT-6).
    pub currency: Currency,
    /// The total VAT in it (BT-111).
    pub tax_total: Decimal,
    /// Units of it per unit of the document's currency (printed, not in the
    /// e-invoice: EN 16931 has no rate term).
    pub exchange_rate: Decimal,
    /// The day the rate is of.
    pub rate_date: NaiveDate,
}

/// An issued invoice or credit note, as it leaves Folio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Invoice or credit note.
    pub kind: DocumentKind,
    /// Its number (BT-1), e.g. `INV-000042`.
    pub number: String,
    /// Issue date (BT-2).
    pub issue_date: NaiveDate,
    /// When payment is due (BT-9); none for a credit note.
    pub due_date: Option<NaiveDate>,
    /// The terms in words (BT-20), e.g. `Payable within 30 days`.
    pub payment_terms: Option<String>,
    /// The document's one currency (BT-5).
    pub currency: Currency,
    /// Free text (BT-22): the invoice's notes, a credit note's reason.
    pub notes: Vec<String>,
    /// For a credit note, the invoice it corrects.
    pub preceding_invoice: Option<InvoiceReference>,
    /// The seller (BG-4); its VAT number left out where the document's VAT
    /// category forbids it.
    pub seller: LegalProfile,
    /// The buyer.
    pub buyer: Buyer,
    /// The date of supply and, where required, the destination.
    pub delivery: Delivery,
    /// How to pay; none when the seller states no bank account.
    pub payment: Option<PaymentInstructions>,
    /// The lines, in order.
    pub lines: Vec<DocumentLine>,
    /// Allowances and charges on the whole document, in order.
    pub allowances_charges: Vec<AllowanceCharge>,
    /// One entry per VAT category and rate, ordered by category then rate.
    pub vat_breakdown: Vec<VatBreakdown>,
    /// The VAT in the seller's accounting currency, for a document in
    /// another currency (BT-6, BT-111).
    pub accounting_vat: Option<AccountingVat>,
    /// The totals.
    pub totals: Totals,
    /// The SHA-256 of the seller's logo in the blob store (the tenant's
    /// branding), printed at the top of the PDF; the e-invoices do not carry
    /// it. None until the tenant sets one.
    pub seller_logo: Option<String>,
}

impl Document {
    /// Formats an amount at the currency's minor unit (`1190.00`).
    pub fn amount(&self, amount: Decimal) -> String {
        in_minor_units(amount, self.currency)
    }
}

/// `amount` written with exactly `currency`'s minor units (`1190.00`, `500`).
pub fn in_minor_units(amount: Decimal, currency: Currency) -> String {
    let places = currency.minor_units() as usize;
    format!("{amount:.places$}")
}

/// A quantity, price or rate with no trailing zeros (`19`, `2.5`, `0.125`).
pub fn plain(number: Decimal) -> String {
    number.normalize().to_string()
}
