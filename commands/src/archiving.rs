//! The archive at issue time: a document of an invoice (the invoice itself or
//! one of its credit notes) is rendered once in each archived form (Factur-X
//! and UBL), each file is stored in the blob store under its SHA-256, and the
//! hashes are recorded on the invoice (`DocumentArchived`). What the customer
//! received can then be proven, and no later rendering can change it. An
//! invoice issued under MX is archived, once a PAC stamped it, as the stamped
//! CFDI itself and its printed representation.
//!
//! Every step can be repeated: rendering is deterministic, the blob store
//! keeps what an address holds, and recording the same files again changes
//! nothing. So a failure anywhere (a template error, a missing legal profile,
//! an S3 outage) loses nothing: the issued invoice stands, and the archiver
//! tries again until it succeeds.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use folio_domain::ids::{TenantId, UserId};
use folio_domain::invoice::{ArchivedFile, ArchivedFormat, CfdiStamp, InvoiceError};
use folio_domain::ErrorCode;

use crate::access::{Caller, Role};
use crate::attempts::{next_round, retry_in, FailedAttempt};
use crate::context::CommandContext;
use crate::documents::{DocumentOf, DocumentsError, FiscalStamp, InvoiceDocuments};
use crate::error::CommandError;
use crate::ports::{BlobAddress, BlobError, BlobStore, DocumentRenderer, RenderError};
use crate::UseCases;

/// An issued document whose files are not archived yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DocumentToArchive {
    /// The tenant whose document it is: its legal profile and logo print on it.
    pub tenant_id: TenantId,
    /// The invoice, or one of its credit notes.
    pub document: DocumentOf,
    /// How often archiving it failed so far.
    pub failed_attempts: u32,
}

/// Where the archive of one issued document stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveState {
    /// Its files are stored and their hashes recorded on the invoice.
    Archived,
    /// Not archived yet, and no attempt has failed: the archiver has not
    /// reached it.
    Pending,
    /// The latest attempt failed; the archiver tries again.
    Failed(FailedAttempt),
}

/// Why the archive queue could not be read or written: its database did not
/// answer (the archiver tries again on its next round).
#[derive(Debug, thiserror::Error)]
#[error("the document archive queue is unavailable")]
pub struct ArchiveQueueError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// The documents waiting to be archived, and the archiver's failed attempts.
#[async_trait]
pub trait ArchiveQueue: Send + Sync + 'static {
    /// Issued documents without archived files that are due (never tried, or
    /// their retry time has come), fewest failures and oldest first, a bounded
    /// number at a time: a document that keeps failing never holds up others.
    async fn pending(&self) -> Result<Vec<DocumentToArchive>, ArchiveQueueError>;
    /// Records a failed attempt (its code and the reason as users see it)
    /// and when to try again.
    async fn failed(
        &self,
        document: &DocumentToArchive,
        code: ErrorCode,
        reason: &str,
        retry_in: std::time::Duration,
    ) -> Result<(), ArchiveQueueError>;
    /// Forgets the failed attempts of a document now archived.
    async fn archived(&self, document: &DocumentToArchive) -> Result<(), ArchiveQueueError>;
    /// Where the archive of each of `documents` of `tenant` stands. A document
    /// that is not issued (a draft, an unknown id) has no entry.
    async fn states(
        &self,
        tenant: TenantId,
        documents: &[DocumentOf],
    ) -> Result<HashMap<DocumentOf, ArchiveState>, ArchiveQueueError>;
}

/// The forms every document is archived in.
pub const ARCHIVED_FORMATS: [ArchivedFormat; 2] = [ArchivedFormat::FacturX, ArchivedFormat::Ubl];

/// Why a document could not be archived (this time).
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The document could not be built or read (no legal profile, a rule of
    /// EN 16931, the store unavailable).
    #[error(transparent)]
    Document(#[from] DocumentsError),
    /// A writer failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The blob store failed.
    #[error(transparent)]
    Store(#[from] BlobError),
    /// The hashes could not be recorded on the invoice.
    #[error(transparent)]
    Record(#[from] CommandError<InvoiceError>),
    /// A Mexican invoice (a payment's complement) is archived as its stamped
    /// CFDI: not before a PAC stamped it.
    #[error("the CFDI awaits its fiscal stamp; it is archived once stamped")]
    AwaitingStamp,
}

impl ArchiveError {
    /// The stable code of the failure, as the archive's state shows it.
    pub fn code(&self) -> ErrorCode {
        match self {
            ArchiveError::Document(e) => e.code(),
            ArchiveError::Render(_) => ErrorCode::Internal,
            ArchiveError::Store(BlobError::Unavailable(_)) => ErrorCode::Unavailable,
            ArchiveError::Store(_) => ErrorCode::Internal,
            ArchiveError::Record(e) => e.code(),
            ArchiveError::AwaitingStamp => ErrorCode::Conflict,
        }
    }

    /// The failure as users may see it: the rule a document breaks is named,
    /// a store's or renderer's own message (addresses, paths) is only logged.
    pub fn reason(&self) -> String {
        match self {
            ArchiveError::Document(e) => e.to_string(),
            ArchiveError::Render(_) => {
                "the document could not be rendered; the error is logged".to_owned()
            }
            ArchiveError::Store(BlobError::Unavailable(_)) => {
                "the document store is unavailable; the archive is retried".to_owned()
            }
            ArchiveError::Store(_) => "the document store failed; the error is logged".to_owned(),
            ArchiveError::Record(e) => e.to_string(),
            ArchiveError::AwaitingStamp => self.to_string(),
        }
    }
}

/// Renders, stores and records documents.
#[derive(Clone)]
pub struct DocumentArchiver {
    documents: InvoiceDocuments,
    renderer: Arc<dyn DocumentRenderer>,
    blobs: Arc<dyn BlobStore>,
    use_cases: Arc<UseCases>,
}

impl std::fmt::Debug for DocumentArchiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DocumentArchiver")
    }
}

impl DocumentArchiver {
    /// The archiver over these ports.
    pub fn new(
        documents: InvoiceDocuments,
        renderer: Arc<dyn DocumentRenderer>,
        blobs: Arc<dyn BlobStore>,
        use_cases: Arc<UseCases>,
    ) -> Self {
        DocumentArchiver {
            documents,
            renderer,
            blobs,
            use_cases,
        }
    }

    /// Archives `which` as `ctx`'s caller (who needs to read and manage
    /// invoices): renders each form, stores it, records the hashes. Returns
    /// the files recorded.
    pub async fn archive(
        &self,
        ctx: &CommandContext,
        which: DocumentOf,
    ) -> Result<Vec<ArchivedFile>, ArchiveError> {
        match self.documents.fiscal_stamp(&ctx.caller, which).await? {
            FiscalStamp::Stamped(stamp) => return self.archive_cfdi(ctx, which, &stamp).await,
            FiscalStamp::Awaiting => return Err(ArchiveError::AwaitingStamp),
            FiscalStamp::NotMexican => {}
        }
        let document = Arc::new(self.documents.document(&ctx.caller, which).await?);
        let logo = Arc::new(seller_logo(self.blobs.as_ref(), &document).await?);
        let mut files = Vec::with_capacity(ARCHIVED_FORMATS.len());
        for format in ARCHIVED_FORMATS {
            // Laying out a PDF takes CPU for a while: off the async workers.
            let (renderer, document, logo) =
                (self.renderer.clone(), document.clone(), logo.clone());
            let rendered = tokio::task::spawn_blocking(move || {
                renderer.render(&document, logo.as_deref(), format)
            })
            .await
            .map_err(|e| RenderError(format!("the renderer stopped: {e}")))??;
            let size_bytes = rendered.bytes.len() as u64;
            let address = self
                .blobs
                .put(rendered.bytes, rendered.content_type)
                .await?;
            files.push(ArchivedFile {
                format,
                sha256: address.sha256().to_owned(),
                size_bytes,
                content_type: rendered.content_type.to_owned(),
            });
        }
        let (invoice_id, of) = which.on_invoice();
        self.use_cases
            .record_document_archive(ctx, invoice_id, of, files.clone())
            .await?;
        Ok(files)
    }
}

impl DocumentArchiver {
    /// Archives a stamped Mexican CFDI (an invoice's, a credit note's, a
    /// payment's complement) as the fiscal document itself (the stamped XML,
    /// already in the blob store) and its printed representation, rendered
    /// from it.
    async fn archive_cfdi(
        &self,
        ctx: &CommandContext,
        which: DocumentOf,
        stamp: &CfdiStamp,
    ) -> Result<Vec<ArchivedFile>, ArchiveError> {
        let address = BlobAddress::parse(&stamp.xml.sha256)
            .ok_or_else(|| BlobError::BadAddress(stamp.xml.sha256.clone()))?;
        let stamped = self.blobs.get(&address).await?;
        let renderer = self.renderer.clone();
        let printed = tokio::task::spawn_blocking(move || renderer.printed_cfdi(&stamped))
            .await
            .map_err(|e| RenderError(format!("the renderer stopped: {e}")))??;
        let size_bytes = printed.bytes.len() as u64;
        let content_type = printed.content_type.to_owned();
        let pdf = self.blobs.put(printed.bytes, printed.content_type).await?;
        let files = vec![
            ArchivedFile {
                format: ArchivedFormat::Cfdi,
                sha256: stamp.xml.sha256.clone(),
                size_bytes: stamp.xml.size_bytes,
                content_type: "application/xml".to_owned(),
            },
            ArchivedFile {
                format: ArchivedFormat::CfdiPdf,
                sha256: pdf.sha256().to_owned(),
                size_bytes,
                content_type,
            },
        ];
        let (invoice_id, of) = which.on_invoice();
        self.use_cases
            .record_document_archive(ctx, invoice_id, of, files.clone())
            .await?;
        Ok(files)
    }
}

/// The bytes of the seller's logo the document names, from the blob store
/// (checked against its address); none when the seller has no logo.
pub async fn seller_logo(
    blobs: &dyn BlobStore,
    document: &folio_documents::Document,
) -> Result<Option<Vec<u8>>, BlobError> {
    let Some(sha256) = &document.seller_logo else {
        return Ok(None);
    };
    let address =
        BlobAddress::parse(sha256).ok_or_else(|| BlobError::BadAddress(sha256.clone()))?;
    blobs.get(&address).await.map(Some)
}

/// The actor the archive is recorded as.
const ARCHIVIST: &str = "system:archive";

/// The context an archive runs in: the archivist of the document's tenant, with
/// a key derived from the document, so a retried archive is the same request.
fn archivist(pending: &DocumentToArchive) -> CommandContext {
    let caller = Caller::new(
        pending.tenant_id,
        UserId::new(ARCHIVIST),
        vec![Role::Accountant],
    );
    let key = match pending.document {
        DocumentOf::Invoice(invoice) => format!("archive/{invoice}"),
        DocumentOf::CreditNote(invoice, credit_note) => format!("archive/{invoice}/{credit_note}"),
        DocumentOf::PaymentComplement(invoice, payment) => {
            format!("archive/{invoice}/complement/{payment}")
        }
    };
    CommandContext::new(caller, key)
}

/// Archives the documents `queue` finds due, every `interval`, forever. A
/// document that fails (no legal profile, a rule of EN 16931, the blob store
/// away) is recorded with the reason and tried again later ([`retry_in`]);
/// nothing else waits for it.
pub async fn archive_issued_documents(
    archiver: DocumentArchiver,
    queue: Arc<dyn ArchiveQueue>,
    interval: Duration,
) -> std::convert::Infallible {
    loop {
        let due = next_round(interval, "the documents to archive", || queue.pending()).await;
        for document in due {
            let outcome = archiver
                .archive(&archivist(&document), document.document)
                .await;
            let recorded = match outcome {
                Ok(files) => {
                    tracing::info!(tenant = %document.tenant_id, document = ?document.document, files = files.len(), "archived a document");
                    queue.archived(&document).await
                }
                Err(error) => {
                    let failures = document.failed_attempts + 1;
                    tracing::warn!(tenant = %document.tenant_id, document = ?document.document, failures, %error, "cannot archive a document yet");
                    let wait = retry_in(interval, failures);
                    queue
                        .failed(&document, error.code(), &error.reason(), wait)
                        .await
                }
            };
            if let Err(error) = recorded {
                tracing::warn!(%error, "cannot record an archive attempt");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_shows_users_its_code_and_never_a_store_s_own_message() {
        let outage = ArchiveError::Store(BlobError::Unavailable(
            "connection refused: http://10.0.0.7:9000/folio".to_owned(),
        ));
        assert_eq!(outage.code(), ErrorCode::Unavailable);
        assert!(!outage.reason().contains("10.0.0.7"), "{}", outage.reason());
        let bug = ArchiveError::Render(RenderError("font 'x' missing in /opt".to_owned()));
        assert_eq!(bug.code(), ErrorCode::Internal);
        assert!(!bug.reason().contains("/opt"), "{}", bug.reason());
        let incomplete = ArchiveError::Document(DocumentsError::NotRenderable(
            folio_documents::DocumentError::NoLegalProfile,
        ));
        assert_eq!(incomplete.code(), ErrorCode::Validation);
        assert!(incomplete.reason().contains("configureLegalProfile"));
    }
}
