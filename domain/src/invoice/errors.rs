//! Why an invoice command was refused: one variant per rule, each with a stable code.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::reminder::ReminderError;
use super::DocumentStatus;
use crate::adjustment::AdjustmentError;
use crate::document_number::{DatingError, InvalidSeries};
use crate::error_code::{Coded, ErrorCode};
use crate::exchange::ExchangeRateError;
use crate::ids::{
    AdjustmentId, CreditNoteId, CreditTransferId, CustomerId, InvoiceId, LineId, PaymentId,
    RefundId,
};
use crate::money::{Currency, Money, MoneyError};
use crate::pricing::LineError;
use crate::sat::SatError;

/// A refused invoice command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum InvoiceError {
    /// A payment reminder or a dispute refused.
    #[error(transparent)]
    Reminder(#[from] ReminderError),
    /// A numbered document's date breaks chronological numbering or is in the
    /// future.
    #[error(transparent)]
    Dating(#[from] DatingError),
    /// A payment, refund, credit note or voiding dated before what it applies to.
    #[error("{what} cannot be dated {date}, before {since}")]
    DatedBefore {
        /// What was dated (`a payment`, `a refund`, ...).
        what: String,
        /// The date the request gave.
        date: NaiveDate,
        /// The earliest date allowed (the invoice's issue date, the payment's).
        since: NaiveDate,
    },
    /// An invoice with this id already exists.
    #[error("an invoice with this id already exists")]
    AlreadyCreated,
    /// No such invoice.
    #[error("invoice not found")]
    NotFound,
    /// The customer does not exist in this tenant.
    #[error("customer {0} not found")]
    CustomerNotFound(CustomerId),
    /// The customer is archived and takes no new invoices.
    #[error("customer {0} is archived and cannot be invoiced")]
    CustomerArchived(CustomerId),
    /// The customer's personal data was erased: there is no one to send to.
    #[error("customer {0}'s personal data was erased; its invoices cannot be sent")]
    CustomerPersonalDataErased(CustomerId),
    /// Only drafts can be edited or issued.
    #[error("the invoice is {status:?}; only a draft can be changed or issued")]
    NotADraft {
        /// The current status.
        status: DocumentStatus,
    },
    /// Payments, refunds, credit notes, sending and voiding need an issued invoice.
    #[error("the invoice is {status:?}; this needs an issued, not voided invoice")]
    NotIssued {
        /// The current status.
        status: DocumentStatus,
    },
    /// A line's content is invalid.
    #[error(transparent)]
    Line(#[from] LineError),
    /// The invoice cannot be a CFDI: Mexican tax data missing or wrong.
    #[error(transparent)]
    Sat(#[from] SatError),
    /// The line id is already used on this invoice.
    #[error("line {0} already exists on this invoice")]
    DuplicateLine(LineId),
    /// No line with that id.
    #[error("line {0} is not on this invoice")]
    LineNotFound(LineId),
    /// Too many lines.
    #[error("an invoice may have at most {max} lines")]
    TooManyLines {
        /// The most allowed.
        max: usize,
    },
    /// A tax-inclusive line with two charged rates, under per-category rounding.
    #[error("line {0} has a tax-inclusive price and two charged taxes; under per-category rounding a gross line charges one (state its net price)")]
    GrossMultiTaxPerCategory(LineId),
    /// An allowance or charge names its VAT rate both in full and by key, or
    /// not at all.
    #[error("an allowance or charge needs exactly one of a tax and a tax rate key")]
    AdjustmentTaxChoice,
    /// A line names a tax rate the tenant's catalogue does not hold.
    #[error("no tax rate '{0}' in the tenant's catalogue (configureTaxRates lists them)")]
    UnknownTaxRate(String),
    /// An allowance or charge is invalid.
    #[error(transparent)]
    Adjustment(#[from] AdjustmentError),
    /// The adjustment id is already used on this invoice.
    #[error("allowance or charge {0} already exists on this invoice")]
    DuplicateAdjustment(AdjustmentId),
    /// No allowance or charge with that id.
    #[error("allowance or charge {0} is not on this invoice")]
    AdjustmentNotFound(AdjustmentId),
    /// Too many allowances and charges.
    #[error("an invoice may have at most {max} allowances and charges")]
    TooManyAdjustments {
        /// The most allowed.
        max: usize,
    },
    /// A percentage allowance or charge at a rate whose lines add up to
    /// nothing to take it of.
    #[error("a percentage allowance or charge at {tax} needs lines at that rate worth more than 0 (they add up to {base})")]
    AdjustmentWithoutBase {
        /// The adjustment's tax.
        tax: String,
        /// What the lines at that rate add up to.
        base: Money,
    },
    /// A line credit note on an invoice with allowances or charges: a line's
    /// share of them is not defined, so each rate is credited by amount.
    #[error("this invoice has allowances or charges, so its lines cannot be credited one by one; credit an amount per VAT rate instead")]
    LineCreditWithAdjustments,
    /// An invoice needs at least one line to be issued.
    #[error("an invoice needs at least one line to be issued")]
    NoLines,
    /// The total would be negative.
    #[error("the invoice total would be negative ({0})")]
    NegativeTotal(Money),
    /// Under the EU jurisdiction every VAT names its EN 16931 category.
    #[error(
        "under the EU jurisdiction tax {tax} needs its VAT category (S, Z, E, AE, K, G, O, L or M)"
    )]
    VatCategoryRequired {
        /// The tax, e.g. `VAT 19%`.
        tax: String,
    },
    /// Reverse charge and intra-community supplies name the buyer's VAT number.
    #[error(
        "VAT category {category} needs the customer's VAT number; add it to the customer first"
    )]
    BuyerVatIdRequired {
        /// The category's code.
        category: String,
    },
    /// An invoice outside the scope of VAT carries no other VAT category.
    #[error("VAT category O (not subject) cannot share an invoice with other VAT categories")]
    NotSubjectMixed,
    /// Deductions at a tax rate exceed what the invoice sells at that rate.
    #[error(
        "deductions at {tax} exceed what the invoice sells at that rate (taxable base {base})"
    )]
    NegativeTaxBase {
        /// The tax, e.g. `VAT 19%`.
        tax: String,
        /// The taxable base the lines give it.
        base: Money,
    },
    /// Payment terms out of range.
    #[error("payment terms of {0} days are out of range (0 to 365)")]
    InvalidNetDays(u16),
    /// The due date is before the issue date.
    #[error("due date {due_date} is before issue date {issue_date}")]
    DueBeforeIssue {
        /// Issue date.
        issue_date: NaiveDate,
        /// The refused due date.
        due_date: NaiveDate,
    },
    /// A free text is too long.
    #[error("text is longer than {max} characters")]
    TextTooLong {
        /// The most allowed.
        max: usize,
    },
    /// The series name is malformed.
    #[error(transparent)]
    Series(#[from] InvalidSeries),
    /// An amount is in another currency than the invoice.
    #[error("the invoice is in {invoice}; {offered} was offered")]
    CurrencyMismatch {
        /// The invoice currency.
        invoice: Currency,
        /// The currency offered.
        offered: Currency,
    },
    /// An amount is malformed (e.g. finer than the minor unit).
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// Credit moves only between invoices booked alike: both at a rate into
    /// the same books, or neither (one issued before the books had a
    /// currency holds its amounts in no books to move them to).
    #[error("credit moves only between invoices booked alike (both in a currency foreign to the same books, or neither); refund it instead")]
    CreditAcrossBooks,
    /// The invoice's rate into the accounting currency is missing or wrong.
    #[error(transparent)]
    ExchangeRate(#[from] ExchangeRateError),
    /// Amounts must be positive.
    #[error("the amount must be greater than zero, got {0}")]
    AmountNotPositive(Money),
    /// The payment id is already recorded.
    #[error("payment {0} is already recorded")]
    DuplicatePayment(PaymentId),
    /// No payment with that id.
    #[error("payment {0} is not recorded on this invoice")]
    PaymentNotFound(PaymentId),
    /// The refund id is already recorded.
    #[error("refund {0} is already recorded")]
    DuplicateRefund(RefundId),
    /// The refund exceeds what is left of the payment.
    #[error("refund of {offered} exceeds the refundable {refundable} of that payment")]
    OverRefund {
        /// What can still be refunded.
        refundable: Money,
        /// What was asked.
        offered: Money,
    },
    /// The credit note exceeds what the invoice (or the named rate's lines)
    /// still asks for.
    #[error("credit note of {offered} exceeds the creditable {creditable}")]
    OverCredit {
        /// What can still be credited: the invoice total, or the named rate's
        /// base and tax, less earlier credit notes.
        creditable: Money,
        /// What was asked.
        offered: Money,
    },
    /// A line-based credit note names no line.
    #[error("a line-based credit note names at least one line")]
    CreditLinesRequired,
    /// The same line is named twice in one credit note.
    #[error("line {0} is named twice in the credit note")]
    CreditLineRepeated(LineId),
    /// A credited quantity is not positive or has more than 6 decimals.
    #[error(
        "line {line_id}: credited quantity {quantity} must be above 0 with at most 6 decimals"
    )]
    InvalidCreditQuantity {
        /// The line.
        line_id: LineId,
        /// The refused quantity.
        quantity: Decimal,
    },
    /// A deduction line (negative quantity) is not credited: crediting it
    /// would raise what is owed.
    #[error("line {0} is a deduction; a credit note takes back sold lines only")]
    CreditOfDeduction(LineId),
    /// More units credited than the line has left.
    #[error("line {line_id}: {offered} units credited, but only {creditable} are left to credit")]
    OverCreditLine {
        /// The line.
        line_id: LineId,
        /// Units issued less units credited before.
        creditable: Decimal,
        /// Units asked.
        offered: Decimal,
    },
    /// The credited lines take more of a rate's base than earlier credit notes
    /// and deductions left.
    #[error("the credit note takes more of {tax}'s base than the {creditable} left to credit")]
    OverCreditTax {
        /// The rate.
        tax: String,
        /// Base left to credit.
        creditable: Money,
    },
    /// The credit takes more of the untaxed lines than is left of them.
    #[error(
        "the credit note takes more of the untaxed lines than the {creditable} left to credit"
    )]
    OverCreditUntaxed {
        /// Untaxed net left to credit.
        creditable: Money,
    },
    /// An amount-only credit note on a taxed invoice names the rate it reduces.
    #[error("an amount-only credit note names the tax rate it reduces (the invoice has no untaxed lines)")]
    CreditTaxRequired,
    /// The named rate is not a VAT of this invoice.
    #[error("the invoice has no {tax} to credit")]
    CreditTaxNotOnInvoice {
        /// The tax rate the request named (code and percent).
        tax: String,
    },
    /// Two of the invoice's taxes match the name: the category tells them apart.
    #[error("the invoice has {tax} under two VAT categories; name the category")]
    CreditTaxAmbiguous {
        /// The tax rate the request named (code and percent).
        tax: String,
    },
    /// The named rate's lines also carry another tax (a withholding): only a
    /// line-based note credits both right.
    #[error("lines with {tax} carry another tax too; credit them by line")]
    AmountCreditNeedsLines {
        /// The tax rate the request named (code and percent).
        tax: String,
    },
    /// The transfer id is already recorded on this invoice.
    #[error("credit transfer {0} is already recorded")]
    DuplicateCreditTransfer(CreditTransferId),
    /// Credit cannot move from an invoice to itself.
    #[error("credit moves between two different invoices")]
    CreditToItself,
    /// Credit moves only between invoices of the same customer.
    #[error("the invoice is customer {customer}'s, the other one customer {other}'s: credit stays with its customer")]
    CreditOfAnotherCustomer {
        /// This invoice's customer.
        customer: CustomerId,
        /// The other invoice's.
        other: CustomerId,
    },
    /// More credit was to move than the invoice holds.
    #[error("moving {offered} of credit exceeds the {available} the invoice holds")]
    OverTransfer {
        /// What the invoice holds.
        available: Money,
        /// What was asked.
        offered: Money,
    },
    /// The invoice moved no credit under that transfer id, or it came back already.
    #[error("no credit moved from this invoice under transfer {0} is out to be returned")]
    TransferNotOut(CreditTransferId),
    /// More credit was to settle the invoice than it owes.
    #[error("applying {offered} of credit exceeds the {due} still due")]
    OverApplication {
        /// What the invoice owes.
        due: Money,
        /// What was asked.
        offered: Money,
    },
    /// Credit from another invoice settled part of this one.
    #[error("credit from another invoice was applied to this one: it cannot be voided")]
    VoidWithAppliedCredit,
    /// The credit note id is already used.
    #[error("credit note {0} already exists")]
    DuplicateCreditNote(CreditNoteId),
    /// A reason is required.
    #[error("a reason is required")]
    ReasonRequired,
    /// Marking an invoice sent needs at least one recipient, each of 1 to 320
    /// characters.
    #[error("at least one recipient is required, each of 1 to 320 characters")]
    RecipientRequired,
    /// Folio is to e-mail the invoice, and a recipient is not an e-mail
    /// address.
    #[error(
        "'{recipient}' is not an e-mail address; an invoice Folio e-mails goes to addresses only"
    )]
    NotAnEmailAddress {
        /// The recipient as given.
        recipient: String,
    },
    /// More recipients than one sending may have.
    #[error("an invoice is sent to at most {max} recipients at once")]
    TooManyRecipients {
        /// The most allowed.
        max: usize,
    },
    /// Paid invoices cannot be voided; refund or credit instead.
    #[error("{paid} has been paid; refund the payments or issue a credit note instead of voiding")]
    VoidWithPayments {
        /// Amount paid.
        paid: Money,
    },
    /// Credited invoices cannot be voided.
    #[error("the invoice has credit notes and cannot be voided")]
    VoidWithCreditNotes,
    /// Already voided.
    #[error("the invoice is already void")]
    AlreadyVoid,
    /// In the EU an issued invoice stays issued: it is corrected by a credit note.
    #[error(
        "under the EU jurisdiction an issued invoice is corrected by a credit note, not voided"
    )]
    VoidOfIssuedInvoice,
    /// In Mexico an invoice is cancelled only with SAT's reason code.
    #[error("under the MX jurisdiction a cancellation needs SAT's reason code (01 to 04)")]
    SatReasonRequired,
    /// SAT's reason codes belong to Mexican invoices only.
    #[error("SAT's cancellation reasons apply only under the MX jurisdiction")]
    SatReasonOutsideMexico,
    /// No such credit note was issued against the invoice.
    #[error("credit note {0} was not issued against this invoice")]
    CreditNoteNotFound(CreditNoteId),
    /// An archive needs one well-formed file per form (a SHA-256 of 64 hex
    /// digits, a size, a MIME type).
    #[error("an archive needs one file per form, each with a SHA-256, a size and a MIME type")]
    InvalidArchive,
    /// The document was archived already with other files: what was issued
    /// is archived once.
    #[error("this document was archived already with other files")]
    AlreadyArchived,
    /// Only an invoice issued under MX is a CFDI to stamp.
    #[error("this invoice was not issued as a CFDI (under the MX jurisdiction)")]
    NotACfdi,
    /// The CFDI has its fiscal folio: it is never stamped twice.
    #[error("this CFDI is stamped already, with fiscal folio {uuid}")]
    CfdiAlreadyStamped {
        /// Its fiscal folio.
        uuid: uuid::Uuid,
    },
    /// The PAC refused the stamp: a user asks again before it is sealed anew.
    #[error("the PAC refused this CFDI; ask for the stamp again first")]
    CfdiStampWasRejected,
    /// A payment complement or a credit note names the invoice's fiscal
    /// folio: the invoice's own CFDI is stamped first.
    #[error("this invoice's CFDI is not stamped yet; its payment complements and credit notes name its fiscal folio")]
    CfdiNotStamped,
    /// An invoice issued PUE was paid at issue: its payments have no
    /// complements.
    #[error("this invoice was issued PUE (paid at issue): its payments have no complements")]
    PaidAtIssue,
    /// A payment of a Mexican invoice issued PPD states its SAT form of
    /// payment in its complement: `OTHER` names none.
    #[error("a payment of an invoice issued PPD under MX needs a method SAT names (transfer, card, cash, cheque, direct debit), not OTHER")]
    SatPaymentFormRequired,
    /// A payment given back in full before its complement was numbered owes
    /// none.
    #[error("payment {0} was refunded in full: no complement is owed for it")]
    PaymentRefundedInFull(PaymentId),
    /// A payment's complement is archived once stamped.
    #[error("payment {0}'s complement is not stamped yet")]
    PaymentComplementNotStamped(PaymentId),
    /// A Mexican credit note is archived once its CFDI is stamped.
    #[error("credit note {0}'s CFDI is not stamped yet")]
    CreditNoteNotStamped(CreditNoteId),
    /// A payment's complement is numbered before it is sealed or stamped.
    #[error("payment {0} has no complement numbered yet")]
    PaymentComplementNotIssued(PaymentId),
    /// A seal, stamp or refusal needs its parts (a SHA-256 of 64 hex digits
    /// and a size, a certificate, a folio, the seals, a code).
    #[error("a CFDI seal, stamp or refusal is missing a part or has a malformed one")]
    InvalidCfdiRecord,
    /// The CFDI was sent to a PAC and its answer is awaited: it may hold a
    /// fiscal folio, which only SAT can cancel.
    #[error(
        "this invoice's CFDI is with the PAC and its answer is awaited; cancel it once stamped"
    )]
    CfdiStampAwaited,
    /// SAT is deciding on a cancellation of the invoice's CFDI.
    #[error("SAT is deciding on the cancellation of this invoice's CFDI; wait for its answer")]
    CfdiCancellationPending,
    /// An answer about a cancellation that was not asked for.
    #[error("no cancellation of this invoice's CFDI is pending")]
    NoCfdiCancellationPending,
    /// Reason 01 names the invoice that replaces the cancelled one.
    #[error("SAT reason 01 needs the issued invoice that replaces this one")]
    ReplacementRequired,
    /// Only reason 01 names a replacement.
    #[error("only SAT reason 01 names a replacing invoice")]
    ReplacementWithoutReason01,
    /// The invoice named as replacement cannot replace this one.
    #[error("invoice {invoice_id} cannot replace this one: {why}")]
    InvalidReplacement {
        /// The invoice named.
        invoice_id: InvoiceId,
        /// Why not.
        why: String,
    },
}

impl Coded for InvoiceError {
    fn code(&self) -> ErrorCode {
        use InvoiceError as E;
        match self {
            E::Reminder(refused) => refused.code(),
            E::NotFound
            | E::LineNotFound(_)
            | E::AdjustmentNotFound(_)
            | E::PaymentNotFound(_)
            | E::CustomerNotFound(_)
            | E::CreditNoteNotFound(_) => ErrorCode::NotFound,
            E::AlreadyCreated
            | E::NotADraft { .. }
            | E::NotIssued { .. }
            | E::DuplicateLine(_)
            | E::DuplicateAdjustment(_)
            | E::DuplicatePayment(_)
            | E::DuplicateRefund(_)
            | E::DuplicateCreditNote(_)
            | E::DuplicateCreditTransfer(_)
            | E::TransferNotOut(_)
            | E::VoidWithAppliedCredit
            | E::VoidWithPayments { .. }
            | E::VoidWithCreditNotes
            | E::AlreadyVoid
            | E::VoidOfIssuedInvoice
            | E::AlreadyArchived
            | E::CfdiAlreadyStamped { .. }
            | E::CfdiStampWasRejected
            | E::CfdiNotStamped
            | E::PaidAtIssue
            | E::PaymentRefundedInFull(_)
            | E::PaymentComplementNotIssued(_)
            | E::PaymentComplementNotStamped(_)
            | E::CreditNoteNotStamped(_)
            | E::CfdiStampAwaited
            | E::CfdiCancellationPending
            | E::NoCfdiCancellationPending
            | E::CustomerArchived(_)
            | E::CustomerPersonalDataErased(_) => ErrorCode::Conflict,
            E::TooManyLines { .. } | E::TooManyAdjustments { .. } => ErrorCode::Limit,
            E::Line(_)
            | E::Sat(_)
            | E::UnknownTaxRate(_)
            | E::AdjustmentTaxChoice
            | E::GrossMultiTaxPerCategory(_)
            | E::Adjustment(_)
            | E::AdjustmentWithoutBase { .. }
            | E::LineCreditWithAdjustments
            | E::NoLines
            | E::NegativeTotal(_)
            | E::NegativeTaxBase { .. }
            | E::VatCategoryRequired { .. }
            | E::BuyerVatIdRequired { .. }
            | E::NotSubjectMixed
            | E::InvalidNetDays(_)
            | E::DueBeforeIssue { .. }
            | E::Dating(_)
            | E::DatedBefore { .. }
            | E::TextTooLong { .. }
            | E::Series(_)
            | E::CurrencyMismatch { .. }
            | E::Money(_)
            | E::ExchangeRate(_)
            | E::CreditAcrossBooks
            | E::AmountNotPositive(_)
            | E::OverRefund { .. }
            | E::OverTransfer { .. }
            | E::OverApplication { .. }
            | E::CreditToItself
            | E::CreditOfAnotherCustomer { .. }
            | E::OverCredit { .. }
            | E::CreditLinesRequired
            | E::CreditLineRepeated(_)
            | E::InvalidCreditQuantity { .. }
            | E::CreditOfDeduction(_)
            | E::OverCreditLine { .. }
            | E::OverCreditTax { .. }
            | E::OverCreditUntaxed { .. }
            | E::CreditTaxRequired
            | E::CreditTaxNotOnInvoice { .. }
            | E::CreditTaxAmbiguous { .. }
            | E::AmountCreditNeedsLines { .. }
            | E::ReasonRequired
            | E::RecipientRequired
            | E::NotAnEmailAddress { .. }
            | E::TooManyRecipients { .. }
            | E::SatReasonRequired
            | E::SatReasonOutsideMexico
            | E::ReplacementRequired
            | E::ReplacementWithoutReason01
            | E::InvalidReplacement { .. }
            | E::NotACfdi
            | E::InvalidCfdiRecord
            | E::SatPaymentFormRequired
            | E::InvalidArchive => ErrorCode::Validation,
        }
    }
}
