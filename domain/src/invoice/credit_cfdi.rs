//! The CFDI of a Mexican credit note: a credit note against a stamped
//! invoice issued under MX is a CFDI of type E (*egreso*) that names the
//! invoice's fiscal folio (*TipoRelacion* 01). It is numbered with the credit
//! note itself ([`InvoiceEvent::CreditNoteIssued`]), then sealed, stamped or
//! refused by the rules of every CFDI's stamp ([`StampState`]): one fiscal
//! folio each. Building and sending it is the application layer's stamper.

use super::{Invoice, InvoiceError, StampState};
use crate::ids::CreditNoteId;

impl Invoice {
    /// Refuses a credit note on an invoice issued as a CFDI until that CFDI
    /// is stamped: the credit note's own CFDI names its fiscal folio.
    pub(super) fn credit_note_can_name_folio(&self) -> Result<(), InvoiceError> {
        match self.stamp {
            None | Some(StampState::Stamped { .. }) => Ok(()),
            Some(StampState::Pending { .. } | StampState::Rejected) => {
                Err(InvoiceError::CfdiNotStamped)
            }
        }
    }

    /// The stamp of credit note `credit_note_id`'s CFDI: refused for a credit
    /// note the invoice never issued, or one that is not a CFDI.
    pub(super) fn credit_note_stamp(
        &self,
        credit_note_id: CreditNoteId,
    ) -> Result<&StampState, InvoiceError> {
        if !self
            .credit_notes
            .iter()
            .any(|(id, _)| *id == credit_note_id)
        {
            return Err(InvoiceError::CreditNoteNotFound(credit_note_id));
        }
        self.credit_note_stamps
            .iter()
            .find(|(id, _)| *id == credit_note_id)
            .map(|(_, stamp)| stamp)
            .ok_or(InvoiceError::NotACfdi)
    }

    /// Refuses to archive a credit note whose CFDI is not stamped yet: a
    /// Mexican credit note is archived as its stamped CFDI, nothing before.
    pub(super) fn require_archivable_credit_note(
        &self,
        credit_note_id: CreditNoteId,
    ) -> Result<(), InvoiceError> {
        match self.credit_note_stamp(credit_note_id) {
            Ok(StampState::Stamped { .. }) | Err(InvoiceError::NotACfdi) => Ok(()),
            Ok(StampState::Pending { .. } | StampState::Rejected) => {
                Err(InvoiceError::CreditNoteNotStamped(credit_note_id))
            }
            Err(other) => Err(other),
        }
    }
}
