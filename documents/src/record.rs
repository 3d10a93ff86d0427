//! What an invoice's events say that its documents need, folded from the
//! events themselves: the aggregate's state keeps only what decisions need, and
//! a document must show what was issued, line by line, forever.

use chrono::NaiveDate;
use folio_domain::adjustment::IssuedAdjustment;
use folio_domain::document_number::DocumentNumber;
use folio_domain::exchange::AccountingTotals;
use folio_domain::ids::{CreditNoteId, CustomerId, PaymentId};
use folio_domain::invoice::{
    ArchivedFile, CfdiStamp, CreditedLine, DocumentOfInvoice, DueTerms, InvoiceEvent, IssuedLine,
    PaymentMethod,
};
use folio_domain::money::Currency;
use folio_domain::pricing::{DocumentTotals, RoundingPolicy};
use folio_domain::sat::CfdiParties;
use rust_decimal::Decimal;

/// An invoice as issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedInvoice {
    /// Its number.
    pub number: DocumentNumber,
    /// Its issue date.
    pub issue_date: NaiveDate,
    /// When it falls due.
    pub due_date: NaiveDate,
    /// The rounding its amounts (and its credit notes') were computed under.
    pub rounding: RoundingPolicy,
    /// Every line with its rounded amounts.
    pub lines: Vec<IssuedLine>,
    /// Its allowances and charges on the whole document.
    pub adjustments: Vec<IssuedAdjustment>,
    /// Its totals and per-rate taxes.
    pub totals: DocumentTotals,
    /// The customer's credit applied as it was issued (paid in advance).
    pub prepaid: Option<Decimal>,
    /// Its totals in the accounting currency, when it is in another.
    pub accounting: Option<AccountingTotals>,
    /// Its CFDI's parties and payment terms, when issued under MX.
    pub cfdi: Option<Box<CfdiParties>>,
}

/// A credit note as issued against the invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCreditNote {
    /// The credit note's id.
    pub credit_note_id: CreditNoteId,
    /// Its number.
    pub number: DocumentNumber,
    /// Its issue date.
    pub issue_date: NaiveDate,
    /// Why it was issued.
    pub reason: String,
    /// The credited amounts per tax rate (positive).
    pub totals: DocumentTotals,
    /// The invoice lines credited; empty for an amount-only note.
    pub lines: Vec<CreditedLine>,
    /// Its totals in the accounting currency, when the invoice is foreign.
    pub accounting: Option<AccountingTotals>,
    /// Mexico: the PAC's stamp of its CFDI, once stamped.
    pub stamp: Option<CfdiStamp>,
}

/// A payment received for the invoice, as its complement states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedPayment {
    /// The payment's id.
    pub payment_id: PaymentId,
    /// How much, in the invoice's currency.
    pub amount: Decimal,
    /// Its value date.
    pub received_on: NaiveDate,
    /// How it was paid.
    pub method: PaymentMethod,
    /// What was owed after it.
    pub amount_due_after: Decimal,
    /// What the invoice held for the customer after it (paid beyond the
    /// balance).
    pub credit_after: Decimal,
    /// Mexico: the number of its complement, once numbered.
    pub complement: Option<DocumentNumber>,
    /// Mexico: the PAC's stamp of its complement, once stamped.
    pub complement_stamp: Option<CfdiStamp>,
}

/// An invoice's documents' source: its draft terms, what was issued, and the
/// credit notes issued against it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvoiceRecord {
    /// The customer invoiced; the invoice keeps them for life.
    pub customer_id: Option<CustomerId>,
    /// The document's currency.
    pub currency: Option<Currency>,
    /// The terms the due date came from.
    pub due_terms: Option<DueTerms>,
    /// Free text printed on the invoice.
    pub notes: Option<String>,
    /// What was issued; none while a draft.
    pub issued: Option<IssuedInvoice>,
    /// Credit notes, in the order they were issued.
    pub credit_notes: Vec<IssuedCreditNote>,
    /// The documents archived, with their stored files.
    pub archived: Vec<(DocumentOfInvoice, Vec<ArchivedFile>)>,
    /// Mexico: the PAC's stamp of the invoice's CFDI, once stamped.
    pub stamp: Option<CfdiStamp>,
    /// Payments received, in the order they were recorded.
    pub payments: Vec<ReceivedPayment>,
}

impl InvoiceRecord {
    /// Folds an invoice's events, oldest first.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a InvoiceEvent>) -> Self {
        let mut record = InvoiceRecord::default();
        for event in events {
            record.fold(event);
        }
        record
    }

    fn payment_mut(&mut self, payment_id: PaymentId) -> Option<&mut ReceivedPayment> {
        self.payments
            .iter_mut()
            .find(|p| p.payment_id == payment_id)
    }

    fn fold(&mut self, event: &InvoiceEvent) {
        match event {
            InvoiceEvent::DraftCreated {
                customer_id,
                currency,
                due_terms,
                notes,
                ..
            } => {
                self.customer_id = Some(*customer_id);
                self.currency = Some(*currency);
                self.due_terms = Some(due_terms.clone());
                self.notes = notes.clone();
            }
            InvoiceEvent::DraftTermsUpdated { due_terms, notes } => {
                self.due_terms = Some(due_terms.clone());
                self.notes = notes.clone();
            }
            InvoiceEvent::InvoiceIssued {
                number,
                issue_date,
                due_date,
                rounding,
                lines,
                adjustments,
                totals,
                prepaid,
                accounting,
                cfdi,
            } => {
                self.issued = Some(IssuedInvoice {
                    number: number.clone(),
                    issue_date: *issue_date,
                    due_date: *due_date,
                    rounding: *rounding,
                    lines: lines.clone(),
                    adjustments: adjustments.clone(),
                    totals: totals.clone(),
                    prepaid: *prepaid,
                    accounting: accounting.clone(),
                    cfdi: cfdi.clone(),
                });
            }
            InvoiceEvent::CreditNoteIssued {
                credit_note_id,
                number,
                issue_date,
                reason,
                totals,
                lines,
                accounting,
                ..
            } => self.credit_notes.push(IssuedCreditNote {
                credit_note_id: *credit_note_id,
                number: number.clone(),
                issue_date: *issue_date,
                reason: reason.clone(),
                totals: totals.clone(),
                lines: lines.clone(),
                accounting: accounting.clone(),
                stamp: None,
            }),
            InvoiceEvent::DocumentArchived {
                document, files, ..
            } => self.archived.push((*document, files.clone())),
            InvoiceEvent::CfdiStamped(stamp) => self.stamp = Some(stamp.clone()),
            InvoiceEvent::PaymentRecorded {
                payment_id,
                amount,
                received_on,
                method,
                amount_due_after,
                credit_after,
                ..
            } => self.payments.push(ReceivedPayment {
                payment_id: *payment_id,
                amount: amount.amount,
                received_on: *received_on,
                method: *method,
                amount_due_after: *amount_due_after,
                credit_after: *credit_after,
                complement: None,
                complement_stamp: None,
            }),
            InvoiceEvent::PaymentComplementIssued {
                payment_id, number, ..
            } => {
                if let Some(payment) = self.payment_mut(*payment_id) {
                    payment.complement = Some(number.clone());
                }
            }
            InvoiceEvent::CreditNoteCfdiStamped {
                credit_note_id,
                stamp,
            } => {
                let note = self
                    .credit_notes
                    .iter_mut()
                    .find(|note| note.credit_note_id == *credit_note_id);
                if let Some(note) = note {
                    note.stamp = Some(stamp.clone());
                }
            }
            InvoiceEvent::PaymentComplementStamped { payment_id, stamp } => {
                if let Some(payment) = self.payment_mut(*payment_id) {
                    payment.complement_stamp = Some(stamp.clone());
                }
            }
            _ => {}
        }
    }
}
