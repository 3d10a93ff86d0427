//! What users see of the archive: where each issued document's archive stands
//! (pending, archived, or failed with the reason), read for a whole page of
//! documents at once. The state is the archiver's own (the [`ArchiveQueue`]
//! port), so edges never read its tables.

use std::collections::HashMap;
use std::sync::Arc;

use crate::access::{Action, Caller};
use crate::archiving::{ArchiveQueue, ArchiveState};
use crate::documents::{DocumentOf, DocumentsError};
use crate::ports::LedgerError;

/// The archive's reads, each confined to the caller's tenant.
#[derive(Clone)]
pub struct ArchiveReads {
    queue: Arc<dyn ArchiveQueue>,
}

impl std::fmt::Debug for ArchiveReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ArchiveReads")
    }
}

impl ArchiveReads {
    /// The reads over the archiver's queue.
    pub fn new(queue: Arc<dyn ArchiveQueue>) -> Self {
        ArchiveReads { queue }
    }

    /// Where the archive of each of `documents` stands, for a caller who may
    /// read invoices. A document that is not issued (a draft, another
    /// tenant's, an unknown id) has no entry.
    pub async fn states(
        &self,
        caller: &Caller,
        documents: &[DocumentOf],
    ) -> Result<HashMap<DocumentOf, ArchiveState>, DocumentsError> {
        caller.require(Action::ReadInvoicing)?;
        self.queue
            .states(caller.tenant_id, documents)
            .await
            .map_err(|e| match e {
                LedgerError::Unavailable(e) => DocumentsError::Unavailable(e),
                LedgerError::Internal(e) => DocumentsError::Unreadable(e),
            })
    }
}
