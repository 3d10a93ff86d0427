//! What users see of the stamping process: the latest failed attempt of each
//! invoice awaiting its stamp, read for a whole page of invoices at once and
//! confined to the caller's tenant. The state is the process's own (the
//! [`StampQueue`] port), so edges never read its table.

use std::collections::HashMap;
use std::sync::Arc;

use folio_domain::ids::InvoiceId;

use super::ports::{StampQueue, StampQueueError};
use crate::access::{Action, Caller};
use crate::attempts::FailedAttempt;
use crate::documents::DocumentsError;

/// The stamping process's reads.
#[derive(Clone)]
pub struct StampReads {
    queue: Arc<dyn StampQueue>,
}

impl std::fmt::Debug for StampReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StampReads")
    }
}

impl StampReads {
    /// The reads over the process's queue.
    pub fn new(queue: Arc<dyn StampQueue>) -> Self {
        StampReads { queue }
    }

    /// The latest failed attempt to stamp each of `invoices` that has one,
    /// for a caller who may read invoices.
    pub async fn failures(
        &self,
        caller: &Caller,
        invoices: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, FailedAttempt>, DocumentsError> {
        caller.require(Action::ReadInvoicing)?;
        self.queue
            .failures(caller.tenant_id, invoices)
            .await
            .map_err(|StampQueueError(e)| DocumentsError::Unavailable(e))
    }
}
