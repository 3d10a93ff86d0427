//! What may be asked of an invoice. Values the application layer decides (the next
//! number, today's date, the tenant's rounding policy) arrive inside the command, so
//! deciding stays pure.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::archive::{ArchivedFile, DocumentOfInvoice};
use super::cancellation::{CfdiCancellationReceipt, CfdiCancellationRefusal};
use super::credit::CreditRequest;
use super::events::{Delivery, DueTerms, PaymentMethod, SatCancellationReason};
use super::reminder::ReminderRequest;
use super::stamp::StampStep;
use super::transfer::CreditWorth;
use super::DocumentStatus;
use crate::adjustment::DocumentAdjustment;
use crate::customer::CustomerStanding;
use crate::document_number::{DocumentNumber, NumberDating};
use crate::exchange::Books;
use crate::ids::{
    AdjustmentId, CreditNoteId, CreditTransferId, CustomerId, InvoiceId, LineId, PaymentId,
    RefundId, TenantId,
};
use crate::money::{Currency, Money};
use crate::pricing::{LineRequest, PriceBasis, RoundingPolicy};
use crate::sat::{SatIssuer, SatPaymentTerms, SatReceiver};
use crate::settings::Jurisdiction;

/// A Mexican cancellation as the caller asks for it, with the replacing
/// invoice as the use case found it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SatCancellation {
    /// SAT's reason code.
    pub reason: SatCancellationReason,
    /// The replacing invoice (reason 01 only).
    pub replacement: Option<ReplacementInvoice>,
}

/// What the store holds of an invoice named as a replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplacementInvoice {
    /// The invoice named.
    pub invoice_id: InvoiceId,
    /// Its customer, if it exists in the caller's tenant.
    pub customer_id: Option<CustomerId>,
    /// Its status (`NEW` if it does not exist in the caller's tenant).
    pub status: DocumentStatus,
    /// Its fiscal folio, once stamped.
    pub cfdi_uuid: Option<uuid::Uuid>,
}

/// Credit of the customer, moved from another of their invoices, that settles
/// part of the invoice as it is issued: the document states it as paid in
/// advance (EN 16931 BT-113). The source invoice released it first
/// ([`InvoiceCommand::TransferCredit`] under the same transfer id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrepaidCredit {
    /// The move's id, shared with the source's transfer.
    pub transfer_id: CreditTransferId,
    /// The invoice the credit comes from.
    pub from_invoice: InvoiceId,
    /// That invoice's customer, as the application layer found it.
    pub from_customer: CustomerId,
    /// How much of the invoice it settles: at most its total.
    pub amount: Money,
    /// What it was worth in the books of the invoice it left (its
    /// `CreditTransferred`'s `booked` at its rate), when that invoice is
    /// booked in a foreign currency.
    pub worth: Option<CreditWorth>,
}

/// What a Mexican invoice's CFDI takes from outside the invoice, as the
/// application layer found it; consulted under the MX jurisdiction only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CfdiContext {
    /// The tenant's issuer data, if it stated it.
    pub issuer: Option<SatIssuer>,
    /// The customer's receiver data, if it has it (its RFC is the buyer's
    /// tax id).
    pub receiver: Option<SatReceiver>,
}

/// A command to the invoice aggregate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InvoiceCommand {
    /// Start a draft for a customer in one currency.
    CreateDraft {
        /// The caller's tenant: it owns the new aggregate, and no other tenant's command
        /// finds it.
        tenant_id: TenantId,
        /// The new invoice's id.
        invoice_id: InvoiceId,
        /// The customer invoiced; the invoice keeps them for life.
        customer_id: CustomerId,
        /// What the application layer found when it looked the customer up.
        customer_standing: CustomerStanding,
        /// The document's only currency.
        currency: Currency,
        /// Due date or payment terms.
        due_terms: DueTerms,
        /// Free-text notes.
        notes: Option<String>,
        /// Whether the prices of lines that state no basis exclude or
        /// include their taxes.
        price_basis: PriceBasis,
    },
    /// Add a line to a draft.
    AddLine {
        /// The new line's id.
        line_id: LineId,
        /// What the line says; without a basis, the draft's.
        line: LineRequest,
    },
    /// Replace a draft line's content.
    ChangeLine {
        /// The line to change.
        line_id: LineId,
        /// Its new content; without a basis, the draft's.
        line: LineRequest,
    },
    /// Remove a draft line.
    RemoveLine {
        /// The line to remove.
        line_id: LineId,
    },
    /// Add an allowance or a charge on the whole draft (EN 16931 BG-20, BG-21).
    AddDocumentAdjustment {
        /// The new adjustment's id.
        adjustment_id: AdjustmentId,
        /// What it takes off or adds, at which VAT rate, and why.
        adjustment: DocumentAdjustment,
    },
    /// Remove an allowance or a charge from a draft.
    RemoveDocumentAdjustment {
        /// The adjustment to remove.
        adjustment_id: AdjustmentId,
    },
    /// Change a draft's due terms and notes.
    UpdateDraftTerms {
        /// Due date or payment terms.
        due_terms: DueTerms,
        /// Free-text notes.
        notes: Option<String>,
    },
    /// Set how a Mexican draft is paid and used (c_MetodoPago, c_FormaPago,
    /// c_UsoCFDI); until set, `PPD`, form `99` and the customer's use.
    SetCfdiTerms {
        /// The terms from now on.
        terms: SatPaymentTerms,
    },
    /// Freeze the draft under a number; totals are computed and recorded.
    Issue {
        /// The next number of the series (handed out by the application layer).
        number: DocumentNumber,
        /// The issue date.
        issue_date: NaiveDate,
        /// The tenant's rounding policy in force.
        rounding: RoundingPolicy,
        /// What the issue date is checked against (today, the previous number).
        dating: NumberDating,
        /// Whether the customer may still be invoiced now (it may have been
        /// archived since the draft was created).
        customer_standing: CustomerStanding,
        /// The tenant's jurisdiction: under `EU` every VAT names its category.
        jurisdiction: Jurisdiction,
        /// The customer's VAT number, which reverse charge and intra-community
        /// supplies must carry (and a CFDI's receiver, as its RFC).
        buyer_vat_id: Option<String>,
        /// The CFDI's parties, which an invoice issued under `MX` records
        /// (boxed: the largest part of the largest command).
        cfdi: Box<CfdiContext>,
        /// Credit applied as the invoice is issued, printed as paid in advance.
        prepaid: Option<PrepaidCredit>,
        /// The tenant's accounting currency and the rate of the issue date,
        /// which an invoice in another currency is booked at.
        books: Books,
    },
    /// Record that the invoice was sent to the customer.
    MarkSent {
        /// When it was sent.
        sent_at: DateTime<Utc>,
        /// To whom (e-mail addresses or channels), in order; repeats are dropped.
        recipients: Vec<String>,
        /// Whether Folio e-mails it (then every recipient must be an e-mail
        /// address) or only records that it went out.
        delivery: Delivery,
    },
    /// Record money received.
    RecordPayment {
        /// The payment's id, which a refund names.
        payment_id: PaymentId,
        /// Amount received, in the invoice currency; beyond what is due, it
        /// becomes the customer's credit.
        amount: Money,
        /// Value date.
        received_on: NaiveDate,
        /// How it was paid.
        method: PaymentMethod,
        /// Bank reference or similar.
        reference: Option<String>,
        /// The rate of the value date into the books' currency (stated, else
        /// the tenant's table's), which a payment of a foreign invoice needs.
        books: Books,
    },
    /// Give back (part of) a payment.
    RefundPayment {
        /// The refund's id.
        refund_id: RefundId,
        /// The payment refunded.
        payment_id: PaymentId,
        /// Amount given back.
        amount: Money,
        /// The date it takes effect.
        refunded_on: NaiveDate,
        /// Why (required).
        reason: String,
    },
    /// Reduce what is owed with a numbered credit note.
    IssueCreditNote {
        /// The credit note's id.
        credit_note_id: CreditNoteId,
        /// Its number in the credit-note series.
        number: DocumentNumber,
        /// What is credited: quantities of lines, or an amount off one tax
        /// rate's lines. Beyond what is still due, it becomes the customer's
        /// credit.
        request: CreditRequest,
        /// Issue date.
        issue_date: NaiveDate,
        /// What the issue date is checked against (today, the previous number).
        dating: NumberDating,
        /// Why (required).
        reason: String,
    },
    /// Record that a document of the invoice was rendered and stored: its files'
    /// hashes (the outcome of the application layer's archiver).
    ArchiveDocument {
        /// The invoice or one of its credit notes.
        document: DocumentOfInvoice,
        /// The stored files, one per form.
        files: Vec<ArchivedFile>,
        /// When they were stored.
        archived_at: DateTime<Utc>,
    },
    /// Number the payment complement owed for a payment (the stamper's first
    /// step for a payment of a stamped invoice issued PPD).
    IssuePaymentComplement {
        /// The payment it states.
        payment_id: PaymentId,
        /// The number the ledger reserved in the complement series.
        number: DocumentNumber,
        /// Today, in the tenant's time.
        issue_date: NaiveDate,
        /// What the date is checked against (today, the previous number).
        dating: NumberDating,
    },
    /// Record a step of one of the invoice's CFDIs (its own, a payment's
    /// complement, a credit note's): sealed for the PAC, stamped, refused, or
    /// asked for again after a refusal.
    RecordStampStep {
        /// Whose CFDI.
        document: DocumentOfInvoice,
        /// The step.
        step: StampStep,
    },
    /// Record SAT's acknowledgement of a cancellation request.
    RecordCfdiCancellationReceipt(CfdiCancellationReceipt),
    /// Record that SAT cancelled the CFDI: the invoice is void.
    RecordCfdiCancelled {
        /// The day, in the tenant's time.
        cancelled_on: NaiveDate,
    },
    /// Record that SAT, the PAC or the receiver refused the cancellation.
    RecordCfdiCancellationRefusal(CfdiCancellationRefusal),
    /// Move (part of) the credit this invoice holds to another invoice of the
    /// same customer: the first half of applying credit, the other invoice
    /// records [`InvoiceCommand::ApplyCredit`] under the same transfer id.
    TransferCredit {
        /// The move's id, shared by both invoices.
        transfer_id: CreditTransferId,
        /// The invoice the credit goes to.
        to_invoice: InvoiceId,
        /// That invoice's customer, as the application layer found it.
        to_customer: CustomerId,
        /// How much credit moves.
        amount: Money,
        /// The date it takes effect.
        transferred_on: NaiveDate,
    },
    /// Settle (part of) this invoice with credit moved from another invoice of
    /// the same customer ([`InvoiceCommand::TransferCredit`] there). Beyond
    /// what is due it becomes this invoice's credit, as an overpayment does:
    /// credit once moved is never refused on arrival.
    ApplyCredit {
        /// The move's id, shared by both invoices.
        transfer_id: CreditTransferId,
        /// The invoice the credit comes from.
        from_invoice: InvoiceId,
        /// That invoice's customer, as the application layer found it.
        from_customer: CustomerId,
        /// How much credit arrives.
        amount: Money,
        /// The date it takes effect.
        applied_on: NaiveDate,
        /// What it was worth in the books of the invoice it left (see
        /// [`super::Invoice::credit_worth_moved`]), when that invoice is booked in a
        /// foreign currency.
        worth: Option<CreditWorth>,
    },
    /// Take back credit this invoice moved away whose other half could not be
    /// recorded (the target refused it): the move is undone on this side.
    ReturnCredit {
        /// The move given back.
        transfer_id: CreditTransferId,
        /// The date it takes effect.
        returned_on: NaiveDate,
    },
    /// Cancel an issued invoice on which nothing was paid, as the tenant's
    /// jurisdiction allows.
    Void {
        /// Why (required).
        reason: String,
        /// The date it takes effect.
        voided_on: NaiveDate,
        /// The tenant's jurisdiction, which decides whether and how.
        jurisdiction: Jurisdiction,
        /// SAT's reason and the replacing invoice: required in Mexico, refused
        /// elsewhere.
        sat: Option<SatCancellation>,
    },
    /// Record a payment reminder of the tenant's schedule (sent by e-mail
    /// to its recipients).
    RecordPaymentReminder(ReminderRequest),
    /// Record that the customer contests the invoice: reminders stop.
    MarkDisputed {
        /// What is contested (required).
        reason: String,
        /// The day it was raised.
        disputed_on: NaiveDate,
    },
    /// Record that the dispute is settled: reminders resume.
    ResolveDispute {
        /// How, if said.
        resolution: Option<String>,
        /// The day it was settled.
        resolved_on: NaiveDate,
    },
}
