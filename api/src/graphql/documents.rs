//! The archived documents of invoices and credit notes: the files rendered and
//! stored once at issue time (Factur-X, UBL), each with the SHA-256 that proves
//! what the customer received; and where each document's archive stands.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{ComplexObject, Context, Enum, SimpleObject};
use chrono::{DateTime, Utc};
use folio_commands::archive_reads::ArchiveReads;
use folio_commands::archiving::ArchiveState;
use folio_commands::attempts::FailedAttempt;
use folio_commands::documents::DocumentOf;
use folio_commands::Caller;
use folio_projections::invoicing::queries::{
    ArchivedFileRow, ComplementFileRow, CreditNoteFileRow,
};

use super::context::request;
use super::enums::from_stored;
use crate::error::documents;

/// The forms a document is archived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ArchivedFormat {
    /// Factur-X (EN 16931 profile): the printable PDF/A-3b with the CII
    /// embedded as `factur-x.xml`.
    FacturX,
    /// UBL 2.1 Invoice or CreditNote (Peppol BIS Billing 3.0).
    Ubl,
    /// Mexico: the stamped CFDI 4.0 (the sealed XML with the PAC's
    /// `TimbreFiscalDigital`), the fiscal document itself.
    Cfdi,
    /// Mexico: the stamped CFDI's printed representation (PDF/A-3b with
    /// SAT's verification QR code).
    CfdiPdf,
}

/// One stored file of an issued document.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct ArchivedDocument {
    /// The form as stored (read through `format`).
    #[graphql(skip)]
    pub stored_format: String,
    /// SHA-256 of the file, 64 lowercase hex digits: `sha256sum` of the
    /// downloaded file gives the same, or it is not what was issued.
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// MIME type: `application/pdf` or `application/xml`.
    pub content_type: String,
    /// When it was stored (UTC).
    pub archived_at: DateTime<Utc>,
}

#[ComplexObject]
impl ArchivedDocument {
    /// The form.
    async fn format(&self) -> async_graphql::Result<ArchivedFormat> {
        from_stored(&self.stored_format)
    }

    /// A link that downloads the file without credentials for 15 minutes:
    /// presigned by S3, or signed by this server (`/documents/…`, relative to
    /// the API unless the server knows its public address) for a filesystem
    /// store. Read it again for a fresh link.
    async fn download_url(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let request = request(ctx)?;
        Ok(request
            .archive
            .download_url(&request.caller, &self.sha256, &self.content_type)
            .await
            .map_err(documents)?)
    }
}

impl From<ArchivedFileRow> for ArchivedDocument {
    fn from(row: ArchivedFileRow) -> Self {
        ArchivedDocument {
            stored_format: row.format,
            sha256: row.sha256,
            size_bytes: row.size_bytes,
            content_type: row.content_type,
            archived_at: row.archived_at,
        }
    }
}

impl From<CreditNoteFileRow> for ArchivedDocument {
    fn from(row: CreditNoteFileRow) -> Self {
        row.file.into()
    }
}

impl From<ComplementFileRow> for ArchivedDocument {
    fn from(row: ComplementFileRow) -> Self {
        row.file.into()
    }
}

/// Where the archive of an issued document stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ArchiveStatus {
    /// Not archived yet; the archiver has not reached it (it runs every few
    /// seconds in `folio serve`).
    Pending,
    /// Its files are stored and their hashes recorded: see `documents`.
    Archived,
    /// The latest attempt failed (see `failure`); it is retried, waiting
    /// twice as long each time, at most an hour.
    Failed,
}

/// The archive of an issued invoice or credit note.
#[derive(Debug, Clone, SimpleObject)]
pub struct DocumentArchive {
    /// Pending, archived or failed.
    pub status: ArchiveStatus,
    /// Why the latest attempt failed; null unless `status` is FAILED.
    pub failure: Option<ArchiveAttemptFailure>,
}

/// A failed attempt to archive a document.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "ArchiveFailure")]
pub struct ArchiveAttemptFailure {
    /// The stable error code: VALIDATION when the document lacks what
    /// EN 16931 requires (the reason names it, e.g. the legal profile),
    /// UNAVAILABLE when a store was away, INTERNAL for a logged bug.
    pub code: String,
    /// What went wrong, for a person.
    pub reason: String,
    /// Failed attempts in a row.
    pub attempts: u32,
    /// When the latest attempt failed (UTC).
    pub last_attempt_at: DateTime<Utc>,
    /// When the archiver tries again (UTC).
    pub next_attempt_at: DateTime<Utc>,
}

impl From<ArchiveState> for DocumentArchive {
    fn from(state: ArchiveState) -> Self {
        let (status, failure) = match state {
            ArchiveState::Pending => (ArchiveStatus::Pending, None),
            ArchiveState::Archived => (ArchiveStatus::Archived, None),
            ArchiveState::Failed(failure) => (ArchiveStatus::Failed, Some(failure.into())),
        };
        DocumentArchive { status, failure }
    }
}

impl From<FailedAttempt> for ArchiveAttemptFailure {
    fn from(failure: FailedAttempt) -> Self {
        ArchiveAttemptFailure {
            code: failure.code.as_str().to_owned(),
            reason: failure.reason,
            attempts: failure.attempts,
            last_attempt_at: failure.last_attempt_at,
            next_attempt_at: failure.next_attempt_at,
        }
    }
}

/// Loads the archive states of a page of documents at once, for one request's
/// caller.
#[derive(Debug)]
pub struct ArchiveStateLoader {
    reads: ArchiveReads,
    caller: Caller,
}

impl Loader<DocumentOf> for ArchiveStateLoader {
    type Value = ArchiveState;
    type Error = Arc<async_graphql::Error>;

    async fn load(
        &self,
        keys: &[DocumentOf],
    ) -> Result<HashMap<DocumentOf, ArchiveState>, Self::Error> {
        self.reads
            .states(&self.caller, keys)
            .await
            .map_err(|e| Arc::new(documents(e).into()))
    }
}

/// The archive-state loader of a request by `caller`.
pub(crate) fn archive_state_loader(
    reads: &ArchiveReads,
    caller: Caller,
) -> DataLoader<ArchiveStateLoader> {
    let reads = reads.clone();
    DataLoader::new(ArchiveStateLoader { reads, caller }, tokio::spawn)
}

/// Where the archive of `which` stands; null when it is not issued.
pub(crate) async fn archive_of(
    ctx: &Context<'_>,
    which: DocumentOf,
) -> async_graphql::Result<Option<DocumentArchive>> {
    let loader = ctx.data::<DataLoader<ArchiveStateLoader>>()?;
    Ok(loader
        .load_one(which)
        .await
        .map_err(|e| (*e).clone())?
        .map(DocumentArchive::from))
}
