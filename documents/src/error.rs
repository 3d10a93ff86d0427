//! Why a document cannot be written: the invoice or its parties lack what an
//! EN 16931 document must say. Each variant names the rule it would break, so
//! the tenant can mend the data rather than receive a document a validator
//! refuses.

use folio_domain::ids::CreditNoteId;

/// Why an invoice's or credit note's document cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// The invoice is still a draft: only issued documents leave Folio.
    #[error("the invoice is not issued: only issued documents are rendered")]
    NotIssued,
    /// No such credit note was issued against the invoice.
    #[error("credit note {0} was not issued against this invoice")]
    UnknownCreditNote(CreditNoteId),
    /// A credit note names an invoice line the invoice does not have (a
    /// damaged event log).
    #[error("credit note {0} credits a line the invoice does not have")]
    CreditedLineUnknown(CreditNoteId),
    /// The tenant has not stated who the seller is.
    #[error("the tenant has no legal profile: configure it (configureLegalProfile) before documents are rendered")]
    NoLegalProfile,
    /// The customer has no tax details, so no country (BT-55).
    #[error("the customer has no tax details: a document needs the buyer's country")]
    BuyerCountryUnknown,
    /// Amounts in EN 16931 have at most two decimals (BR-DEC).
    #[error("EN 16931 amounts have at most 2 decimals; {0} has more")]
    CurrencyDecimals(String),
    /// A line carries a withholding, which EN 16931 cannot express.
    #[error("line {line}: the withholding {tax} cannot be expressed in an EN 16931 document")]
    Withholding {
        /// The line's position, from 1.
        line: usize,
        /// The tax's code as the line states it.
        tax: String,
    },
    /// A line must carry exactly one VAT (BR-CO-04).
    #[error("line {line}: an EN 16931 line carries exactly one VAT, this one carries {count}")]
    VatPerLine {
        /// The line's position, from 1.
        line: usize,
        /// How many it carries.
        count: usize,
    },
    /// A tax that charges nothing must say why (BR-E-10 and its kin).
    #[error("tax {tax} charges no VAT and states no exemption reason (BR-E-10)")]
    ExemptionReasonMissing {
        /// The tax's code as the line states it.
        tax: String,
    },
    /// The seller's VAT number (or tax number) is required by a category on
    /// the document.
    #[error("VAT category {category} needs the seller's {needed} in the legal profile ({rule})")]
    SellerTaxIdMissing {
        /// The UNCL5305 code.
        category: &'static str,
        /// What is needed, in words.
        needed: &'static str,
        /// The EN 16931 rule.
        rule: &'static str,
    },
    /// The buyer's VAT number is required by a category on the document.
    #[error("VAT category {category} needs the customer's VAT number ({rule})")]
    BuyerVatIdMissing {
        /// The UNCL5305 code.
        category: &'static str,
        /// The EN 16931 rule.
        rule: &'static str,
    },
    /// Outside the scope of VAT excludes every other category (BR-O-11).
    #[error("lines outside the scope of VAT (O) cannot share a document with other VAT categories (BR-O-11)")]
    OutsideScopeMixed,
    /// A credit note needs at least one line (BR-16): an amount-only note off
    /// untaxed lines has no VAT category to carry.
    #[error("an amount-only credit note off untaxed lines has no VAT category (BR-CO-04)")]
    UntaxedCredit,
}
