//! Every CFDI of an invoice (its own, a payment's complement, a credit
//! note's) is stamped by the same steps and rules; this is where a step
//! meets the CFDI it is of: which event records it, which state it changes.

use super::{DocumentOfInvoice, Invoice, InvoiceError, InvoiceEvent, StampState, StampStep};

impl InvoiceEvent {
    /// The event that records `step` of `document`'s CFDI.
    pub fn of_stamp_step(document: DocumentOfInvoice, step: StampStep) -> InvoiceEvent {
        use InvoiceEvent as E;
        use StampStep as S;
        match (document, step) {
            (DocumentOfInvoice::Invoice, S::Seal(seal)) => E::CfdiSealed(seal),
            (DocumentOfInvoice::Invoice, S::Stamp(stamp)) => E::CfdiStamped(stamp),
            (DocumentOfInvoice::Invoice, S::Rejection(rejection)) => {
                E::CfdiStampRejected(rejection)
            }
            (DocumentOfInvoice::Invoice, S::Request { requested_at }) => {
                E::CfdiStampRequested { requested_at }
            }
            (DocumentOfInvoice::PaymentComplement { payment_id }, step) => match step {
                S::Seal(seal) => E::PaymentComplementSealed { payment_id, seal },
                S::Stamp(stamp) => E::PaymentComplementStamped { payment_id, stamp },
                S::Rejection(rejection) => E::PaymentComplementRejected {
                    payment_id,
                    rejection,
                },
                S::Request { requested_at } => E::PaymentComplementRequested {
                    payment_id,
                    requested_at,
                },
            },
            (DocumentOfInvoice::CreditNote { credit_note_id }, step) => match step {
                S::Seal(seal) => E::CreditNoteCfdiSealed {
                    credit_note_id,
                    seal,
                },
                S::Stamp(stamp) => E::CreditNoteCfdiStamped {
                    credit_note_id,
                    stamp,
                },
                S::Rejection(rejection) => E::CreditNoteCfdiRejected {
                    credit_note_id,
                    rejection,
                },
                S::Request { requested_at } => E::CreditNoteCfdiRequested {
                    credit_note_id,
                    requested_at,
                },
            },
        }
    }

    /// The CFDI and the step of its stamp this event records, for a stamp's
    /// own events; none for any other event.
    pub fn into_stamp_step(self) -> Option<(DocumentOfInvoice, StampStep)> {
        use InvoiceEvent as E;
        use StampStep as S;
        let invoice = DocumentOfInvoice::Invoice;
        let complement = |payment_id| DocumentOfInvoice::PaymentComplement { payment_id };
        let note = |credit_note_id| DocumentOfInvoice::CreditNote { credit_note_id };
        Some(match self {
            E::CfdiSealed(seal) => (invoice, S::Seal(seal)),
            E::CfdiStamped(stamp) => (invoice, S::Stamp(stamp)),
            E::CfdiStampRejected(rejection) => (invoice, S::Rejection(rejection)),
            E::CfdiStampRequested { requested_at } => (invoice, S::Request { requested_at }),
            E::PaymentComplementSealed { payment_id, seal } => {
                (complement(payment_id), S::Seal(seal))
            }
            E::PaymentComplementStamped { payment_id, stamp } => {
                (complement(payment_id), S::Stamp(stamp))
            }
            E::PaymentComplementRejected {
                payment_id,
                rejection,
            } => (complement(payment_id), S::Rejection(rejection)),
            E::PaymentComplementRequested {
                payment_id,
                requested_at,
            } => (complement(payment_id), S::Request { requested_at }),
            E::CreditNoteCfdiSealed {
                credit_note_id,
                seal,
            } => (note(credit_note_id), S::Seal(seal)),
            E::CreditNoteCfdiStamped {
                credit_note_id,
                stamp,
            } => (note(credit_note_id), S::Stamp(stamp)),
            E::CreditNoteCfdiRejected {
                credit_note_id,
                rejection,
            } => (note(credit_note_id), S::Rejection(rejection)),
            E::CreditNoteCfdiRequested {
                credit_note_id,
                requested_at,
            } => (note(credit_note_id), S::Request { requested_at }),
            _ => return None,
        })
    }
}

impl Invoice {
    /// Where `document`'s CFDI stands: refused for an invoice not issued as
    /// a CFDI, a complement not numbered yet, a credit note that is none.
    fn stamp_of(&self, document: DocumentOfInvoice) -> Result<&StampState, InvoiceError> {
        match document {
            DocumentOfInvoice::Invoice => self.stamp.as_ref().ok_or(InvoiceError::NotACfdi),
            DocumentOfInvoice::PaymentComplement { payment_id } => self
                .payment(payment_id)?
                .complement
                .as_ref()
                .map(|complement| &complement.stamp)
                .ok_or(InvoiceError::PaymentComplementNotIssued(payment_id)),
            DocumentOfInvoice::CreditNote { credit_note_id } => {
                self.credit_note_stamp(credit_note_id)
            }
        }
    }

    /// Records a step of `document`'s CFDI (sealed for the PAC, its stamp:
    /// its one fiscal folio, its refusal, a user asking again after one)
    /// when it changes anything.
    pub(super) fn decide_stamp_step(
        &self,
        document: DocumentOfInvoice,
        step: StampStep,
    ) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        let changes = self.stamp_of(document)?.takes(&step)?;
        Ok(if changes {
            vec![InvoiceEvent::of_stamp_step(document, step)]
        } else {
            vec![]
        })
    }

    /// `document`'s CFDI once `step` is recorded.
    pub(super) fn fold_stamp_step(&mut self, document: DocumentOfInvoice, step: &StampStep) {
        let after = StampState::after(step);
        let held = match document {
            DocumentOfInvoice::Invoice => self.stamp.as_mut(),
            DocumentOfInvoice::PaymentComplement { payment_id } => self
                .payment_mut(payment_id)
                .and_then(|p| p.complement.as_mut())
                .map(|complement| &mut complement.stamp),
            DocumentOfInvoice::CreditNote { credit_note_id } => self
                .credit_note_stamps
                .iter_mut()
                .find(|(id, _)| *id == credit_note_id)
                .map(|(_, stamp)| stamp),
        };
        match (held, document) {
            (Some(held), _) => *held = after,
            // An invoice's own stamp exists from its issue; a stamp event
            // before one (a hand-built history) still records the state.
            (None, DocumentOfInvoice::Invoice) => self.stamp = Some(after),
            (None, _) => {}
        }
    }
}
