//! What users see of the archive: where each issued document's archive stands
//! (pending, archived, or failed with the reason), read for a whole page of
//! documents at once; and short-lived links that download the archived files.
//! The state is the archiver's own (the [`ArchiveQueue`] port), so edges never
//! read its tables.

use std::collections::HashMap;
use std::sync::Arc;

use crate::access::{Action, Caller};
use crate::archiving::{ArchiveQueue, ArchiveQueueError, ArchiveState};
use crate::documents::{DocumentOf, DocumentsError};
use crate::download_links::{DownloadLinks, LinkRefused, SignedDownload, DOWNLOAD_LINK_TTL};
use crate::ports::{BlobAddress, BlobError, BlobStore, Clock};
use folio_domain::ErrorCode;

/// The archive's reads, each confined to the caller's tenant.
#[derive(Clone)]
pub struct ArchiveReads {
    queue: Arc<dyn ArchiveQueue>,
    blobs: Arc<dyn BlobStore>,
    links: Arc<DownloadLinks>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for ArchiveReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ArchiveReads")
    }
}

/// A file as a download serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// The file's bytes, checked against its address.
    pub bytes: Vec<u8>,
    /// Its MIME type.
    pub content_type: &'static str,
    /// Its address.
    pub address: BlobAddress,
}

/// Why a download link gives no file.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// The link is malformed, altered or expired.
    #[error(transparent)]
    Refused(#[from] LinkRefused),
    /// The store does not have the file, holds other bytes, or is away.
    #[error(transparent)]
    Store(#[from] BlobError),
}

impl DownloadError {
    /// The stable code the client sees.
    pub fn code(&self) -> ErrorCode {
        match self {
            DownloadError::Refused(_) => ErrorCode::Forbidden,
            DownloadError::Store(BlobError::NotFound(_)) => ErrorCode::NotFound,
            DownloadError::Store(BlobError::Unavailable(_)) => ErrorCode::Unavailable,
            DownloadError::Store(BlobError::Corrupt { .. } | BlobError::BadAddress(_)) => {
                ErrorCode::Internal
            }
        }
    }
}

impl ArchiveReads {
    /// The reads over the archiver's queue and the blob store; links the
    /// store cannot sign itself are signed by `links`.
    pub fn new(
        queue: Arc<dyn ArchiveQueue>,
        blobs: Arc<dyn BlobStore>,
        links: Arc<DownloadLinks>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        ArchiveReads {
            queue,
            blobs,
            links,
            clock,
        }
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
            .map_err(|ArchiveQueueError(e)| DocumentsError::Unavailable(e))
    }

    /// A link that downloads the archived file with hash `sha256` (of MIME
    /// type `content_type`) without credentials for [`DOWNLOAD_LINK_TTL`]:
    /// presigned by the store where it can (S3), else signed by this server.
    /// The caller read the file's record in its tenant, and may read invoices.
    pub async fn download_url(
        &self,
        caller: &Caller,
        sha256: &str,
        content_type: &str,
    ) -> Result<String, DocumentsError> {
        caller.require(Action::ReadInvoicing)?;
        let unreadable = || DocumentsError::Unreadable(format!("no file link for {sha256}").into());
        let address = BlobAddress::parse(sha256).ok_or_else(unreadable)?;
        let presigned = self
            .blobs
            .download_url(&address, DOWNLOAD_LINK_TTL)
            .await
            .map_err(|e| DocumentsError::Unavailable(Box::new(e)))?;
        if let Some(url) = presigned {
            return Ok(url);
        }
        let expires = self.clock.now() + DOWNLOAD_LINK_TTL;
        self.links
            .link(&address, content_type, expires)
            .ok_or_else(unreadable)
    }

    /// The file a signed link names, while the link holds.
    pub async fn download(&self, request: &SignedDownload) -> Result<Download, DownloadError> {
        let (address, content_type) = self.links.check(request, self.clock.now())?;
        let bytes = self.blobs.get(&address).await?;
        Ok(Download {
            bytes,
            content_type,
            address,
        })
    }
}
