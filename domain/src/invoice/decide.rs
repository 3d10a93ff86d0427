//! How an invoice decides each command: `decide` names the command's fields,
//! a method per command checks its rules in order and names the error of each.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::*;
use crate::adjustment::DocumentAdjustment;
use crate::document_number::NumberDating;
use crate::exchange::{AccountingTotals, Books};
use InvoiceEvent as E;

impl Decide for Invoice {
    /// One arm per command: it names the command's fields and hands them to the
    /// method that decides it (a draft's small checks stay inline). Long only
    /// because every field is named once; no rule lives here.
    fn decide(&self, command: InvoiceCommand) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        use InvoiceCommand as C;
        match command {
            C::CreateDraft {
                tenant_id,
                invoice_id,
                customer_id,
                customer_standing,
                currency,
                due_terms,
                notes,
                price_basis,
            } => {
                if self.status != DocumentStatus::New {
                    return Err(InvoiceError::AlreadyCreated);
                }
                invoiceable(customer_id, customer_standing)?;
                check_terms(&due_terms)?;
                let notes = check_optional_text(notes)?;
                Ok(vec![E::DraftCreated {
                    tenant_id,
                    invoice_id,
                    customer_id,
                    currency,
                    due_terms,
                    notes,
                    price_basis,
                }])
            }
            C::AddLine { line_id, line } => {
                self.decide_add_line(line_id, line.on_basis(self.price_basis))
            }
            C::ChangeLine { line_id, line } => {
                self.decide_change_line(line_id, line.on_basis(self.price_basis))
            }
            C::RemoveLine { line_id } => self.decide_remove_line(line_id),
            C::AddDocumentAdjustment {
                adjustment_id,
                adjustment,
            } => self.decide_add_adjustment(adjustment_id, adjustment),
            C::RemoveDocumentAdjustment { adjustment_id } => {
                self.decide_remove_adjustment(adjustment_id)
            }
            C::UpdateDraftTerms { due_terms, notes } => {
                self.require_draft()?;
                check_terms(&due_terms)?;
                let notes = check_optional_text(notes)?;
                Ok(vec![E::DraftTermsUpdated { due_terms, notes }])
            }
            C::SetCfdiTerms { terms } => {
                self.require_draft()?;
                let terms = terms.validated()?;
                if self.cfdi_terms.as_ref() == Some(&terms) {
                    return Ok(vec![]);
                }
                Ok(vec![E::CfdiTermsSet { terms }])
            }
            C::Issue {
                number,
                issue_date,
                rounding,
                dating,
                customer_standing,
                jurisdiction,
                buyer_vat_id,
                cfdi,
                prepaid,
                books,
            } => {
                self.require_draft()?;
                if let Some(customer_id) = self.customer_id {
                    invoiceable(customer_id, customer_standing)?;
                }
                dating.check(issue_date)?;
                self.check_vat_categories(jurisdiction, buyer_vat_id.as_deref())?;
                let cfdi = match jurisdiction {
                    Jurisdiction::Mx => Some(self.cfdi_parties(*cfdi, buyer_vat_id.as_deref())?),
                    Jurisdiction::Eu | Jurisdiction::Other => None,
                };
                let numbering = (number, issue_date);
                self.decide_issue(numbering, rounding, prepaid, books, cfdi)
            }
            C::MarkSent {
                sent_at,
                recipients,
                delivery,
            } => self.decide_mark_sent(sent_at, recipients, delivery),
            C::RecordPayment {
                payment_id,
                amount,
                received_on,
                method,
                reference,
                books,
            } => {
                let paid = (payment_id, amount, received_on);
                self.decide_payment(paid, method, reference, books)
            }
            C::RefundPayment {
                refund_id,
                payment_id,
                amount,
                refunded_on,
                reason,
            } => self.decide_refund(refund_id, payment_id, amount, refunded_on, reason),
            C::IssueCreditNote {
                credit_note_id,
                number,
                request,
                issue_date,
                dating,
                reason,
            } => {
                let credit_note = (credit_note_id, number, request);
                self.decide_credit_note(credit_note, issue_date, dating, reason)
            }
            C::ArchiveDocument {
                document,
                files,
                archived_at,
            } => self.decide_archive(document, files, archived_at),
            C::IssuePaymentComplement {
                payment_id,
                number,
                issue_date,
                dating,
            } => self.decide_complement_issue(payment_id, number, (issue_date, dating)),
            C::RecordStampStep { document, step } => self.decide_stamp_step(document, step),
            C::RecordCfdiCancellationReceipt(receipt) => self.decide_cancellation_receipt(receipt),
            C::RecordCfdiCancelled { cancelled_on } => self.decide_cancelled(cancelled_on),
            C::RecordCfdiCancellationRefusal(refusal) => self.decide_cancellation_refusal(refusal),
            C::TransferCredit {
                transfer_id,
                to_invoice,
                to_customer,
                amount,
                transferred_on,
            } => Ok(vec![self.decide_transfer(transfer::Move {
                transfer_id,
                counterpart: to_invoice,
                counterpart_customer: to_customer,
                amount,
                on: transferred_on,
            })?]),
            C::ApplyCredit {
                transfer_id,
                from_invoice,
                from_customer,
                amount,
                applied_on,
                worth,
            } => {
                let moved = transfer::Move {
                    transfer_id,
                    counterpart: from_invoice,
                    counterpart_customer: from_customer,
                    amount,
                    on: applied_on,
                };
                self.decide_apply(moved, worth.as_ref())
            }
            C::ReturnCredit {
                transfer_id,
                returned_on,
            } => Ok(vec![self.decide_return(transfer_id, returned_on)?]),
            C::Void {
                reason,
                voided_on,
                jurisdiction,
                sat,
            } => self.decide_void(reason, voided_on, jurisdiction, sat),
            C::RecordPaymentReminder(request) => self.decide_reminder(request),
            C::MarkDisputed {
                reason,
                disputed_on,
            } => self.decide_dispute(&reason, disputed_on),
            C::ResolveDispute {
                resolution,
                resolved_on,
            } => self.decide_resolve_dispute(resolution, resolved_on),
        }
    }
}

impl Invoice {
    /// A line added to the draft: a new id, within the line limit, valid in
    /// the invoice's currency.
    fn decide_add_line(&self, line_id: LineId, item: LineItem) -> Decided {
        self.require_draft()?;
        if self.lines.iter().any(|l| l.line_id == line_id) {
            return Err(InvoiceError::DuplicateLine(line_id));
        }
        if self.lines.len() >= MAX_LINES {
            return Err(InvoiceError::TooManyLines { max: MAX_LINES });
        }
        validate_line(&item, self.currency()?)?;
        Ok(vec![E::LineAdded { line_id, item }])
    }

    /// A draft line rewritten.
    fn decide_change_line(&self, line_id: LineId, item: LineItem) -> Decided {
        self.require_draft()?;
        if !self.lines.iter().any(|l| l.line_id == line_id) {
            return Err(InvoiceError::LineNotFound(line_id));
        }
        validate_line(&item, self.currency()?)?;
        Ok(vec![E::LineChanged { line_id, item }])
    }

    /// A draft line taken out.
    fn decide_remove_line(&self, line_id: LineId) -> Decided {
        self.require_draft()?;
        if !self.lines.iter().any(|l| l.line_id == line_id) {
            return Err(InvoiceError::LineNotFound(line_id));
        }
        Ok(vec![E::LineRemoved { line_id }])
    }

    /// An allowance or charge added to the draft: a new id, within the limit,
    /// valid in the invoice's currency (its reason and code trimmed).
    fn decide_add_adjustment(
        &self,
        adjustment_id: AdjustmentId,
        adjustment: DocumentAdjustment,
    ) -> Decided {
        self.require_draft()?;
        if self
            .adjustments
            .iter()
            .any(|a| a.adjustment_id == adjustment_id)
        {
            return Err(InvoiceError::DuplicateAdjustment(adjustment_id));
        }
        if self.adjustments.len() >= MAX_ADJUSTMENTS {
            return Err(InvoiceError::TooManyAdjustments {
                max: MAX_ADJUSTMENTS,
            });
        }
        let adjustment = adjustment.validated(self.currency()?)?;
        Ok(vec![E::DocumentAdjustmentAdded {
            adjustment_id,
            adjustment,
        }])
    }

    /// An allowance or charge taken off the draft.
    fn decide_remove_adjustment(&self, adjustment_id: AdjustmentId) -> Decided {
        self.require_draft()?;
        if !self
            .adjustments
            .iter()
            .any(|a| a.adjustment_id == adjustment_id)
        {
            return Err(InvoiceError::AdjustmentNotFound(adjustment_id));
        }
        Ok(vec![E::DocumentAdjustmentRemoved { adjustment_id }])
    }

    /// The record that the invoice was sent: to 1 to [`MAX_RECIPIENTS`]
    /// distinct recipients (compared without case), each an e-mail address
    /// when Folio is to e-mail it.
    fn decide_mark_sent(
        &self,
        sent_at: DateTime<Utc>,
        recipients: Vec<String>,
        delivery: Delivery,
    ) -> Decided {
        self.require_open()?;
        let emails_only = delivery == Delivery::Email;
        let distinct = reminder::distinct_recipients(&recipients, emails_only, false)?;
        Ok(vec![E::InvoiceSent {
            sent_at,
            recipients: distinct,
            delivery,
        }])
    }

    /// A payment received: once per payment id, not before the issue date, in
    /// the invoice's currency; beyond what is due it becomes the customer's credit.
    fn decide_payment(
        &self,
        (payment_id, amount, received_on): (PaymentId, Money, NaiveDate),
        method: PaymentMethod,
        reference: Option<String>,
        books: Books,
    ) -> Decided {
        self.require_open()?;
        self.require_no_cancellation()?;
        self.complement_can_state(method)?;
        self.not_before_issue("a payment", received_on)?;
        if self.payments.iter().any(|p| p.payment_id == payment_id) {
            return Err(InvoiceError::DuplicatePayment(payment_id));
        }
        let amount = self.check_money(amount)?;
        let reference = check_optional_text(reference)?;
        let booking = self.payment_booking(&amount, received_on, books)?;
        let realised = self.realised(payment_id, None, booking.as_ref(), received_on);
        let balance_after = self.balance() - amount.amount;
        let recorded = E::PaymentRecorded {
            payment_id,
            amount,
            received_on,
            method,
            reference,
            amount_due_after: due_part(balance_after),
            credit_after: credit_part(balance_after),
            booking,
        };
        Ok([Some(recorded), realised].into_iter().flatten().collect())
    }

    /// Money given back from a payment: at most what is left of it, dated
    /// neither before the issue nor before the payment.
    fn decide_refund(
        &self,
        refund_id: RefundId,
        payment_id: PaymentId,
        amount: Money,
        refunded_on: NaiveDate,
        reason: String,
    ) -> Decided {
        self.require_open()?;
        if self.refund_ids.contains(&refund_id) {
            return Err(InvoiceError::DuplicateRefund(refund_id));
        }
        let payment = self.payment(payment_id)?;
        self.not_before_issue("a refund", refunded_on)?;
        if let Some(received_on) = payment.received_on.filter(|r| refunded_on < *r) {
            return Err(InvoiceError::DatedBefore {
                what: "a refund".into(),
                date: refunded_on,
                since: received_on,
            });
        }
        let amount = self.check_money(amount)?;
        let refundable = payment.amount - payment.refunded;
        if amount.amount > refundable {
            return Err(InvoiceError::OverRefund {
                refundable: self.money(refundable)?,
                offered: amount,
            });
        }
        let reason = require_reason(&reason)?;
        let balance_after = self.balance() + amount.amount;
        let booking = self.refund_booking(payment, amount.amount);
        let reversed = self.realised(payment_id, Some(refund_id), booking.as_ref(), refunded_on);
        let refunded = E::PaymentRefunded {
            refund_id,
            payment_id,
            amount,
            refunded_on,
            reason,
            amount_due_after: due_part(balance_after),
            credit_after: credit_part(balance_after),
            booking,
        };
        Ok([Some(refunded), reversed].into_iter().flatten().collect())
    }

    /// A credit note against the invoice, numbered in its series and dated as
    /// the tenant's numbering requires, priced by [`Invoice::price_credit`].
    fn decide_credit_note(
        &self,
        (credit_note_id, number, request): (CreditNoteId, DocumentNumber, CreditRequest),
        issue_date: NaiveDate,
        dating: NumberDating,
        reason: String,
    ) -> Decided {
        self.require_open()?;
        self.require_no_cancellation()?;
        self.credit_note_can_name_folio()?;
        validate_series(&number.series)?;
        dating.check(issue_date)?;
        self.not_before_issue("a credit note", issue_date)?;
        if self
            .credit_notes
            .iter()
            .any(|(id, _)| *id == credit_note_id)
        {
            return Err(InvoiceError::DuplicateCreditNote(credit_note_id));
        }
        let amounts = self.price_credit(&request)?;
        let reason = require_reason(&reason)?;
        let balance_after = self.balance() - amounts.totals.total;
        let accounting = self
            .booked_at
            .clone()
            .map(|rate| AccountingTotals::of(rate, &amounts.totals));
        Ok(vec![E::CreditNoteIssued {
            credit_note_id,
            number,
            issue_date,
            reason,
            totals: amounts.totals,
            lines: amounts.lines,
            amount_due_after: due_part(balance_after),
            credit_after: credit_part(balance_after),
            accounting,
        }])
    }

    /// A void, or under Mexico's rules a cancellation with SAT's reason: only
    /// while nothing was paid, credited or received as credit, and not while
    /// SAT decides on an earlier request.
    fn decide_void(
        &self,
        reason: String,
        voided_on: NaiveDate,
        jurisdiction: Jurisdiction,
        sat: Option<SatCancellation>,
    ) -> Decided {
        self.require_exists()?;
        if self.status == DocumentStatus::Void {
            return Err(InvoiceError::AlreadyVoid);
        }
        self.require_open()?;
        self.require_no_cancellation()?;
        let sat_reason = self.check_cancellation(jurisdiction, sat)?;
        let paid = self.amount_paid();
        if paid > Decimal::ZERO {
            return Err(InvoiceError::VoidWithPayments {
                paid: self.money(paid)?,
            });
        }
        if !self.credit_notes.is_empty() {
            return Err(InvoiceError::VoidWithCreditNotes);
        }
        if !self.transfers.applied.is_empty() {
            return Err(InvoiceError::VoidWithAppliedCredit);
        }
        self.not_before_issue("voiding", voided_on)?;
        let reason = require_reason(&reason)?;
        match sat_reason {
            None => Ok(vec![E::InvoiceVoided { reason, voided_on }]),
            Some((sat_reason, replacement)) => {
                self.decide_sat_cancellation(reason, voided_on, sat_reason, replacement)
            }
        }
    }
}

/// The events a command decided, or why it is refused.
type Decided = Result<Vec<InvoiceEvent>, InvoiceError>;
