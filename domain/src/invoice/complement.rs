//! The payment complements of a Mexican invoice issued `PPD` (paid later, or
//! in parts): each payment received for it, once its own CFDI is stamped, is
//! owed a CFDI of type P (Pagos 2.0) that names the invoice's fiscal folio.
//! A complement is numbered in the tenant's complement series
//! ([`InvoiceEvent::PaymentComplementIssued`]), then sealed, stamped or refused
//! by the same rules as the invoice's own CFDI ([`StampState`]): one fiscal
//! folio each. Building and sending it is the application layer's stamper.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Invoice, InvoiceError, InvoiceEvent, PaymentMethod, PaymentRecord, StampState};
use crate::document_number::{validate_series, DocumentNumber, NumberDating};
use crate::ids::PaymentId;
use crate::sat::SatPaymentMethod;

/// A payment's complement as the invoice remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentComplement {
    /// Its number in the tenant's complement series.
    pub number: DocumentNumber,
    /// The day it was numbered.
    pub issue_date: NaiveDate,
    /// Where its stamp stands.
    pub stamp: StampState,
}

impl Invoice {
    /// Whether a payment is owed a complement: the invoice was issued as a
    /// CFDI to be paid later (PPD).
    fn owes_complements(&self) -> bool {
        let terms = self.cfdi_terms.clone().unwrap_or_default();
        self.stamp.is_some() && terms.payment_method == SatPaymentMethod::Ppd
    }

    /// Refuses a payment by `method` its complement could not state: `OTHER`
    /// names no SAT form of payment, and a recorded payment's method never
    /// changes.
    pub(super) fn complement_can_state(&self, method: PaymentMethod) -> Result<(), InvoiceError> {
        if method == PaymentMethod::Other && self.owes_complements() {
            Err(InvoiceError::SatPaymentFormRequired)
        } else {
            Ok(())
        }
    }

    /// The payment `payment_id`, known to the invoice.
    pub(super) fn payment(&self, payment_id: PaymentId) -> Result<&PaymentRecord, InvoiceError> {
        self.payments
            .iter()
            .find(|p| p.payment_id == payment_id)
            .ok_or(InvoiceError::PaymentNotFound(payment_id))
    }

    /// Numbers the complement owed for `payment_id`: the invoice's own CFDI
    /// stamped (the complement names its folio), issued PPD, the payment not
    /// refunded in full. Numbered already: nothing.
    pub(super) fn decide_complement_issue(
        &self,
        payment_id: PaymentId,
        number: DocumentNumber,
        (issue_date, dating): (NaiveDate, NumberDating),
    ) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        let payment = self.payment(payment_id)?;
        if payment.complement.is_some() {
            return Ok(vec![]);
        }
        match self.stamp.as_ref().ok_or(InvoiceError::NotACfdi)? {
            StampState::Stamped { .. } => {}
            StampState::Pending { .. } | StampState::Rejected => {
                return Err(InvoiceError::CfdiNotStamped)
            }
        }
        if !self.owes_complements() {
            return Err(InvoiceError::PaidAtIssue);
        }
        if payment.amount - payment.refunded <= Decimal::ZERO {
            return Err(InvoiceError::PaymentRefundedInFull(payment_id));
        }
        validate_series(&number.series)?;
        dating.check(issue_date)?;
        Ok(vec![InvoiceEvent::PaymentComplementIssued {
            payment_id,
            number,
            issue_date,
        }])
    }

    /// Refuses `payment_id` unless its complement is stamped: only a
    /// stamped complement is a fiscal document to archive.
    pub(super) fn require_stamped_complement(
        &self,
        payment_id: PaymentId,
    ) -> Result<(), InvoiceError> {
        let complement = self
            .payment(payment_id)?
            .complement
            .as_ref()
            .ok_or(InvoiceError::PaymentComplementNotIssued(payment_id))?;
        match complement.stamp {
            StampState::Stamped { .. } => Ok(()),
            StampState::Pending { .. } | StampState::Rejected => {
                Err(InvoiceError::PaymentComplementNotStamped(payment_id))
            }
        }
    }

    /// The payment `payment_id`, to fold an event of it into.
    pub(super) fn payment_mut(&mut self, payment_id: PaymentId) -> Option<&mut PaymentRecord> {
        self.payments
            .iter_mut()
            .find(|p| p.payment_id == payment_id)
    }

    /// A payment's complement numbered: pending its stamp.
    pub(super) fn fold_complement_issued(
        &mut self,
        payment_id: PaymentId,
        number: DocumentNumber,
        issue_date: NaiveDate,
    ) {
        if let Some(payment) = self.payment_mut(payment_id) {
            payment.complement = Some(PaymentComplement {
                number,
                issue_date,
                stamp: StampState::Pending { sealed: None },
            });
        }
    }
}
