//! What happened to an invoice. Events carry the values that were decided (totals,
//! amounts due), so projections never recompute business rules.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::archive::{ArchivedFile, DocumentOfInvoice};
use super::cancellation::{
    CfdiCancellationReceipt, CfdiCancellationRefusal, CfdiCancellationRequest,
};
use super::credit::CreditedLine;
use super::reminder::{DisputeResolved, Disputed, ReminderSent};
use super::stamp::{CfdiRejection, CfdiSeal, CfdiStamp};
use crate::adjustment::{DocumentAdjustment, IssuedAdjustment};
use crate::aggregate::domain_event;
use crate::document_number::DocumentNumber;
use crate::exchange::{AccountingTotals, DatedRate};
use crate::ids::{
    AdjustmentId, CreditNoteId, CreditTransferId, CustomerId, InvoiceId, LineId, PaymentId,
    RefundId, TenantId,
};
use crate::money::{Currency, Money};
use crate::pricing::{DocumentTotals, LineItem, PriceBasis, PricedLine, RoundingPolicy};
use crate::sat::{CfdiParties, SatPaymentTerms};

/// How a sent invoice reaches its recipients.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Delivery {
    /// It went out some other way (by hand, a portal, the post); Folio only
    /// records that it did.
    #[default]
    Recorded,
    /// Folio e-mails it to the recipients, with its archived documents.
    Email,
}

impl Delivery {
    /// Whether Folio only records the sending (what events before e-mail say).
    pub fn is_recorded(&self) -> bool {
        *self == Delivery::Recorded
    }
}

/// SAT's reasons for cancelling a CFDI (catalogue `c_MotivoCancelacion`,
/// Anexo 20 of CFDI 4.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SatCancellationReason {
    /// 01: issued with errors, and replaced by another invoice (named).
    ErrorsWithReplacement,
    /// 02: issued with errors, not replaced.
    ErrorsWithoutReplacement,
    /// 03: the operation did not take place.
    OperationNotCarriedOut,
    /// 04: a nominative operation included in a global invoice.
    NominativeInGlobalInvoice,
}

impl SatCancellationReason {
    /// SAT's two-digit code (`01` to `04`).
    pub fn code(self) -> &'static str {
        match self {
            SatCancellationReason::ErrorsWithReplacement => "01",
            SatCancellationReason::ErrorsWithoutReplacement => "02",
            SatCancellationReason::OperationNotCarriedOut => "03",
            SatCancellationReason::NominativeInGlobalInvoice => "04",
        }
    }

    /// The reason SAT's two-digit `code` names, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        [
            SatCancellationReason::ErrorsWithReplacement,
            SatCancellationReason::ErrorsWithoutReplacement,
            SatCancellationReason::OperationNotCarriedOut,
            SatCancellationReason::NominativeInGlobalInvoice,
        ]
        .into_iter()
        .find(|reason| reason.code() == code)
    }
}

/// When an invoice falls due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DueTerms {
    /// A number of days after the issue date (0 = due on receipt).
    NetDays {
        /// Days after issue.
        days: u16,
    },
    /// A fixed date (not before the issue date).
    OnDate {
        /// The due date.
        date: NaiveDate,
    },
}

/// How a payment was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentMethod {
    /// Bank transfer.
    BankTransfer,
    /// Paid by debit or credit card.
    Card,
    /// Paid in cash.
    Cash,
    /// Paid by cheque.
    Cheque,
    /// Direct debit.
    DirectDebit,
    /// Anything else.
    Other,
}

/// A line as issued: its content and its rounded amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct IssuedLine {
    /// The line's id: it stays through edits, and a line credit note names it.
    pub line_id: LineId,
    /// What the line says.
    pub item: LineItem,
    /// Its rounded amounts.
    pub priced: PricedLine,
}

/// How a payment, a refund or credit applied to an invoice booked in a
/// currency foreign to the books moved the receivable there (amounts in the accounting currency).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Settlement {
    /// The payment's rate into the accounting currency (a refund: the
    /// refunded payment's).
    pub exchange_rate: DatedRate,
    /// What it moved of the invoice's balance, in its currency: the whole
    /// payment or refund (stores written before the first release of foreign
    /// books may hold only the part that settled what was due).
    pub settled: Decimal,
    /// What that moved in the books: `settled` at the invoice's rate, rounded
    /// half-up once, or, when it brings the invoice's balance to zero, all
    /// that the books still hold of it, so the receivable clears exactly.
    pub booked: Decimal,
    /// What it was worth at `exchange_rate`, rounded half-up once; for
    /// credit moved from another invoice, what the books held of it there
    /// (its `CreditTransferred`'s `booked`).
    pub received: Decimal,
}

/// An event of the invoice aggregate.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
pub enum InvoiceEvent {
    /// A draft was started.
    DraftCreated {
        /// The tenant that owns the aggregate from now on: any other tenant's command finds
        /// nothing.
        tenant_id: TenantId,
        /// The invoice's id.
        invoice_id: InvoiceId,
        /// The customer invoiced; the invoice keeps them for life.
        customer_id: CustomerId,
        /// The document's currency.
        currency: Currency,
        /// Due date or payment terms.
        due_terms: DueTerms,
        /// Free text printed on the invoice; none if absent.
        notes: Option<String>,
        /// The basis of the prices of lines added without one: `GROSS` when
        /// they include their taxes (absent: `NET`, as on every draft created
        /// before a draft had a basis).
        #[serde(default, skip_serializing_if = "PriceBasis::is_net")]
        price_basis: PriceBasis,
    },
    /// A line was added to the draft.
    LineAdded {
        /// The line's id: it stays through edits, and a line credit note names it.
        line_id: LineId,
        /// Its content.
        item: LineItem,
    },
    /// A draft line was changed.
    LineChanged {
        /// The line's id: it stays through edits, and a line credit note names it.
        line_id: LineId,
        /// Its new content.
        item: LineItem,
    },
    /// A draft line was removed.
    LineRemoved {
        /// The line's id: it stays through edits, and a line credit note names it.
        line_id: LineId,
    },
    /// An allowance or a charge was added to the draft.
    DocumentAdjustmentAdded {
        /// Its id, which removing it names.
        adjustment_id: AdjustmentId,
        /// What it takes off or adds, at which VAT rate, and why.
        adjustment: DocumentAdjustment,
    },
    /// An allowance or a charge was taken off the draft.
    DocumentAdjustmentRemoved {
        /// The adjustment removed.
        adjustment_id: AdjustmentId,
    },
    /// The draft's terms or notes changed.
    DraftTermsUpdated {
        /// Due date or payment terms.
        due_terms: DueTerms,
        /// Free text printed on the invoice; none if absent.
        notes: Option<String>,
    },
    /// How a Mexican draft is paid and used was set.
    CfdiTermsSet {
        /// The terms now in force, their codes checked.
        terms: SatPaymentTerms,
    },
    /// The invoice was numbered and frozen; its amounts are final.
    InvoiceIssued {
        /// Gap-free number in its series.
        number: DocumentNumber,
        /// Issue date.
        issue_date: NaiveDate,
        /// Due date (from the terms).
        due_date: NaiveDate,
        /// The rounding policy the totals were computed under.
        rounding: RoundingPolicy,
        /// Every line with its rounded amounts.
        lines: Vec<IssuedLine>,
        /// The allowances and charges on the whole document, each with its
        /// rounded amount (absent when none: invoices issued before they
        /// existed read the same).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        adjustments: Vec<IssuedAdjustment>,
        /// Document totals and tax totals per rate; `net_total` is after the
        /// allowances and charges (EN 16931 BT-109).
        totals: DocumentTotals,
        /// The customer's credit applied as the invoice was issued, which its
        /// document states as paid in advance (BT-113); the `CreditApplied`
        /// recorded with this event moves it (absent when none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prepaid: Option<Decimal>,
        /// The totals in the tenant's accounting currency and the rate they
        /// were converted at, when the invoice is in another currency (absent
        /// otherwise, and on invoices issued before books had a currency).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        accounting: Option<AccountingTotals>,
        /// Who issues and receives its CFDI and how it is paid, for an
        /// invoice issued under the MX jurisdiction (absent otherwise).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cfdi: Option<Box<CfdiParties>>,
    },
    /// The invoice was sent.
    InvoiceSent {
        /// When it happened (UTC).
        sent_at: DateTime<Utc>,
        /// To whom, in order (v1 had a single `recipient`).
        recipients: Vec<String>,
        /// Whether Folio e-mails it or it went out some other way (absent:
        /// recorded, as every invoice sent before Folio sent e-mail).
        #[serde(default, skip_serializing_if = "Delivery::is_recorded")]
        delivery: Delivery,
    },
    /// A payment was received.
    PaymentRecorded {
        /// The payment's id, which a refund names.
        payment_id: PaymentId,
        /// Amount received.
        amount: Money,
        /// Value date.
        received_on: NaiveDate,
        /// How the payment was made.
        method: PaymentMethod,
        /// The payer's reference (a bank transfer's, a card slip's), if any.
        reference: Option<String>,
        /// What is still owed after this payment.
        amount_due_after: Decimal,
        /// What the invoice holds for the customer after this payment: the
        /// part paid beyond what was due (absent when none).
        #[serde(default, skip_serializing_if = "Decimal::is_zero")]
        credit_after: Decimal,
        /// How the payment settled the invoice in the books, when the invoice
        /// is booked in a currency foreign to them (absent otherwise).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        booking: Option<Settlement>,
    },
    /// A payment of an invoice booked in a currency foreign to the books
    /// left the books at the invoice's rate with money worth the payment's
    /// rate: the difference is a realised exchange gain (positive) or loss
    /// (negative) in the accounting currency. Recorded with the payment when
    /// not zero, and reversed in part by a refund of it.
    ExchangeDifferenceRealised {
        /// The payment that settled (part of) the invoice.
        payment_id: PaymentId,
        /// The refund that gave part of it back; absent for the payment itself.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        refund_id: Option<RefundId>,
        /// The day it is realised: the payment's value date, or the refund's.
        on: NaiveDate,
        /// What the payment (a refund) moved of the invoice's balance, in
        /// the invoice's currency (see [`Settlement`]).
        settled: Money,
        /// The invoice's rate, at which `settled` was booked.
        booked_rate: Decimal,
        /// The payment's rate.
        payment_rate: Decimal,
        /// The settlement's `received − booked` (see [`Settlement`]); a
        /// refund's is the opposite sign.
        difference: Money,
    },
    /// (Part of) a payment was given back.
    PaymentRefunded {
        /// The refund's id.
        refund_id: RefundId,
        /// The payment refunded.
        payment_id: PaymentId,
        /// Amount given back.
        amount: Money,
        /// The date it takes effect.
        refunded_on: NaiveDate,
        /// Why, in words kept with the record and shown in the history.
        reason: String,
        /// What is owed after the refund.
        amount_due_after: Decimal,
        /// What the invoice still holds for the customer after the refund
        /// (absent when none).
        #[serde(default, skip_serializing_if = "Decimal::is_zero")]
        credit_after: Decimal,
        /// What the refund put back in the books, when the invoice is booked
        /// in a currency foreign to them (absent otherwise).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        booking: Option<Settlement>,
    },
    /// A credit note reduced what is owed.
    CreditNoteIssued {
        /// The credit note's id.
        credit_note_id: CreditNoteId,
        /// Its gap-free number.
        number: DocumentNumber,
        /// Issue date.
        issue_date: NaiveDate,
        /// Why, in words kept with the record and shown in the history.
        reason: String,
        /// The credited amounts per tax rate (positive numbers). Notes issued
        /// before line-based and rate-named credit spread the amount over every
        /// rate in proportion.
        totals: DocumentTotals,
        /// The invoice lines credited, for a line-based note (absent for an
        /// amount-only note).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        lines: Vec<CreditedLine>,
        /// What is owed after the credit.
        amount_due_after: Decimal,
        /// What the invoice holds for the customer after the credit: the part
        /// credited beyond what was still due, on an invoice already paid
        /// (absent when none).
        #[serde(default, skip_serializing_if = "Decimal::is_zero")]
        credit_after: Decimal,
        /// The credited totals in the tenant's accounting currency, converted
        /// at the rate the invoice was issued at (a credit note corrects the
        /// invoice as it was booked); absent unless the invoice is foreign.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        accounting: Option<AccountingTotals>,
    },
    /// Credit this invoice held moved to another invoice of the customer.
    CreditTransferred {
        /// The move's id, shared with the other invoice's [`InvoiceEvent::CreditApplied`].
        transfer_id: CreditTransferId,
        /// The invoice the credit went to.
        to_invoice: InvoiceId,
        /// How much moved.
        amount: Money,
        /// The date it takes effect.
        transferred_on: NaiveDate,
        /// What is owed after the move (zero: only credit moves).
        amount_due_after: Decimal,
        /// What the invoice still holds for the customer (absent when none).
        #[serde(default, skip_serializing_if = "Decimal::is_zero")]
        credit_after: Decimal,
        /// What the move took out of the books, when the invoice is booked in
        /// a currency foreign to them (absent otherwise): the credit at the
        /// invoice's rate, rounded half-up once, or, when the move leaves the
        /// invoice's balance at zero, all the books still held of it. The
        /// credit arrives worth this on the other invoice.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        booked: Option<Decimal>,
    },
    /// Credit moved from another invoice of the customer settled (part of)
    /// this one.
    CreditApplied {
        /// The move's id, shared with the other invoice's [`InvoiceEvent::CreditTransferred`].
        transfer_id: CreditTransferId,
        /// The invoice the credit came from.
        from_invoice: InvoiceId,
        /// How much arrived.
        amount: Money,
        /// The date it takes effect.
        applied_on: NaiveDate,
        /// What is still owed after it.
        amount_due_after: Decimal,
        /// What the invoice holds for the customer after it: the part beyond
        /// what was due (absent when none).
        #[serde(default, skip_serializing_if = "Decimal::is_zero")]
        credit_after: Decimal,
        /// How the credit settled the invoice in the books, when both invoices
        /// are booked in a currency foreign to them (absent otherwise):
        /// `received` is what the credit was worth there on the invoice it
        /// came from, `exchange_rate` that invoice's rate.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        booking: Option<Settlement>,
    },
    /// Credit moved here from an invoice booked at another rate was worth
    /// more (a gain, positive) or less (a loss, negative) in the books than
    /// what it settled here. Recorded with the [`InvoiceEvent::CreditApplied`]
    /// when not zero.
    CreditExchangeDifferenceRealised {
        /// The move (its [`InvoiceEvent::CreditApplied`]).
        transfer_id: CreditTransferId,
        /// The invoice the credit came from.
        from_invoice: InvoiceId,
        /// The day it is realised: the day the credit was applied.
        on: NaiveDate,
        /// What the credit moved of this invoice's balance, in its currency.
        settled: Money,
        /// This invoice's rate, at which `settled` was booked.
        booked_rate: Decimal,
        /// The rate of the invoice the credit came from, at which it was held.
        credit_rate: Decimal,
        /// The settlement's `received − booked` (see [`Settlement`]).
        difference: Money,
    },
    /// Credit moved away came back: the other invoice never recorded it.
    CreditReturned {
        /// The move given back (its [`InvoiceEvent::CreditTransferred`]).
        transfer_id: CreditTransferId,
        /// How much came back: all of what moved.
        amount: Money,
        /// The date it takes effect.
        returned_on: NaiveDate,
        /// What is owed after it (zero: only credit comes back).
        amount_due_after: Decimal,
        /// What the invoice holds for the customer again (absent when none).
        #[serde(default, skip_serializing_if = "Decimal::is_zero")]
        credit_after: Decimal,
        /// What comes back into the books: exactly what the move took out of
        /// them (its [`InvoiceEvent::CreditTransferred`]'s `booked`; absent
        /// when that was).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        booked: Option<Decimal>,
    },
    /// A document of the invoice (the invoice itself or a credit note) was
    /// rendered once and stored: the hashes prove later what was issued.
    DocumentArchived {
        /// The invoice or one of its credit notes.
        document: DocumentOfInvoice,
        /// The stored files, one per form, each with its SHA-256.
        files: Vec<ArchivedFile>,
        /// When they were stored (UTC).
        archived_at: DateTime<Utc>,
    },
    /// The CFDI of an invoice issued under MX was sealed with the tenant's CSD
    /// for the PAC: the exact XML sent, so a retry sends the same bytes.
    CfdiSealed(CfdiSeal),
    /// A PAC stamped the CFDI: the invoice's fiscal folio.
    CfdiStamped(CfdiStamp),
    /// A PAC refused to stamp the CFDI.
    CfdiStampRejected(CfdiRejection),
    /// A user asked for the stamp again after a refusal.
    CfdiStampRequested {
        /// When.
        requested_at: DateTime<Utc>,
    },
    /// The payment complement owed for a payment of a stamped invoice issued
    /// PPD was numbered in the tenant's complement series: a CFDI of type P to
    /// seal and stamp.
    PaymentComplementIssued {
        /// The payment it states.
        payment_id: PaymentId,
        /// Its number.
        number: DocumentNumber,
        /// The day it was numbered.
        issue_date: NaiveDate,
    },
    /// A payment's complement was sealed for the PAC: the exact XML sent.
    PaymentComplementSealed {
        /// The payment it states.
        payment_id: PaymentId,
        /// The seal.
        seal: CfdiSeal,
    },
    /// A PAC stamped a payment's complement: its own fiscal folio.
    PaymentComplementStamped {
        /// The payment it states.
        payment_id: PaymentId,
        /// The stamp.
        stamp: CfdiStamp,
    },
    /// A PAC refused to stamp a payment's complement.
    PaymentComplementRejected {
        /// The payment it states.
        payment_id: PaymentId,
        /// The PAC's refusal.
        rejection: CfdiRejection,
    },
    /// A user asked for a payment complement's stamp again after a refusal.
    PaymentComplementRequested {
        /// The payment it states.
        payment_id: PaymentId,
        /// When.
        requested_at: DateTime<Utc>,
    },
    /// A Mexican credit note's CFDI (type E, related to the invoice's fiscal
    /// folio) was sealed for the PAC: the exact XML sent.
    CreditNoteCfdiSealed {
        /// The credit note.
        credit_note_id: CreditNoteId,
        /// The seal.
        seal: CfdiSeal,
    },
    /// A PAC stamped a credit note's CFDI: its own fiscal folio.
    CreditNoteCfdiStamped {
        /// The credit note.
        credit_note_id: CreditNoteId,
        /// The stamp.
        stamp: CfdiStamp,
    },
    /// A PAC refused to stamp a credit note's CFDI.
    CreditNoteCfdiRejected {
        /// The credit note.
        credit_note_id: CreditNoteId,
        /// The PAC's refusal.
        rejection: CfdiRejection,
    },
    /// A user asked for a credit note's stamp again after a refusal.
    CreditNoteCfdiRequested {
        /// The credit note.
        credit_note_id: CreditNoteId,
        /// When.
        requested_at: DateTime<Utc>,
    },
    /// A user asked SAT to cancel the stamped CFDI: the invoice stays valid
    /// until SAT says it is cancelled ([`InvoiceEvent::InvoiceCancelled`]).
    CfdiCancellationRequested(CfdiCancellationRequest),
    /// SAT acknowledged the cancellation request, through the PAC.
    CfdiCancellationSubmitted(CfdiCancellationReceipt),
    /// SAT, the PAC or the receiver refused the cancellation: the CFDI stays
    /// valid.
    CfdiCancellationRefused(CfdiCancellationRefusal),
    /// The invoice was cancelled.
    InvoiceVoided {
        /// Why, in words kept with the record and shown in the history.
        reason: String,
        /// The date it takes effect.
        voided_on: NaiveDate,
    },
    /// The invoice was cancelled under Mexican rules, with SAT's reason code
    /// (and for code 01, the invoice that replaces it).
    InvoiceCancelled {
        /// Why, in words kept with the record and shown in the history.
        reason: String,
        /// The date it takes effect.
        cancelled_on: NaiveDate,
        /// SAT's reason code.
        sat_reason: SatCancellationReason,
        /// The issued invoice that replaces this one (code 01 only).
        replaced_by: Option<InvoiceId>,
    },
    /// A payment reminder of the tenant's schedule was recorded.
    PaymentReminderSent(ReminderSent),
    /// The customer contests the invoice: no reminders until it is resolved.
    InvoiceDisputed(Disputed),
    /// The dispute was settled.
    DisputeResolved(DisputeResolved),
}

domain_event!(InvoiceEvent);
