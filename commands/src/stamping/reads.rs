//! What users see of the stamping and cancelling processes: the latest
//! failed attempt of each invoice awaiting its stamp or its cancellation, and
//! of each payment awaiting its complement,
//! read for a whole page of invoices at once and confined to the caller's
//! tenant. The state is the processes' own (the [`StampQueue`] and
//! [`CancellationQueue`] ports), so edges never read their tables.

use std::collections::HashMap;
use std::sync::Arc;

use folio_domain::ids::{CreditNoteId, InvoiceId, PaymentId};

use super::ports::{CancellationQueue, QueueError, StampQueue};
use crate::access::{Action, Caller};
use crate::attempts::FailedAttempt;
use crate::documents::DocumentsError;

/// The stamping and cancelling processes' reads.
#[derive(Clone)]
pub struct StampReads {
    stamps: Arc<dyn StampQueue>,
    cancellations: Arc<dyn CancellationQueue>,
}

impl std::fmt::Debug for StampReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StampReads")
    }
}

impl StampReads {
    /// The reads over the processes' queues.
    pub fn new(stamps: Arc<dyn StampQueue>, cancellations: Arc<dyn CancellationQueue>) -> Self {
        StampReads {
            stamps,
            cancellations,
        }
    }

    /// The latest failed attempt to stamp each of `invoices` that has one,
    /// for a caller who may read invoices.
    pub async fn failures(
        &self,
        caller: &Caller,
        invoices: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, FailedAttempt>, DocumentsError> {
        caller.require(Action::ReadInvoicing)?;
        self.stamps
            .failures(caller.tenant_id, invoices)
            .await
            .map_err(|QueueError(e)| DocumentsError::Unavailable(e))
    }

    /// The latest failed attempt at the complement of each of `payments`
    /// that has one, for a caller who may read invoices.
    pub async fn complement_failures(
        &self,
        caller: &Caller,
        payments: &[PaymentId],
    ) -> Result<HashMap<PaymentId, FailedAttempt>, DocumentsError> {
        caller.require(Action::ReadInvoicing)?;
        self.stamps
            .complement_failures(caller.tenant_id, payments)
            .await
            .map_err(|QueueError(e)| DocumentsError::Unavailable(e))
    }

    /// The latest failed attempt at the CFDI of each of `credit_notes` that
    /// has one, for a caller who may read invoices.
    pub async fn credit_note_failures(
        &self,
        caller: &Caller,
        credit_notes: &[CreditNoteId],
    ) -> Result<HashMap<CreditNoteId, FailedAttempt>, DocumentsError> {
        caller.require(Action::ReadInvoicing)?;
        self.stamps
            .credit_note_failures(caller.tenant_id, credit_notes)
            .await
            .map_err(|QueueError(e)| DocumentsError::Unavailable(e))
    }

    /// The latest failed attempt to take the cancellation of each of
    /// `invoices` on, for those whose last attempt failed, for a caller who
    /// may read invoices.
    pub async fn cancellation_failures(
        &self,
        caller: &Caller,
        invoices: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, FailedAttempt>, DocumentsError> {
        caller.require(Action::ReadInvoicing)?;
        self.cancellations
            .failures(caller.tenant_id, invoices)
            .await
            .map_err(|QueueError(e)| DocumentsError::Unavailable(e))
    }
}
