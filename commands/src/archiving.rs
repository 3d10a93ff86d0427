//! The archive at issue time: a document of an invoice (the invoice itself or
//! one of its credit notes) is rendered once in each archived form (Factur-X
//! and UBL), each file is stored in the blob store under its SHA-256, and the
//! hashes are recorded on the invoice (`DocumentArchived`). What the customer
//! received can then be proven, and no later rendering can change it.
//!
//! Every step can be repeated: rendering is deterministic, the blob store
//! keeps what an address holds, and recording the same files again changes
//! nothing. So a failure anywhere (a template error, a missing legal profile,
//! an S3 outage) loses nothing: the issued invoice stands, and the archiver
//! tries again until it succeeds.

use std::sync::Arc;

use folio_domain::invoice::{ArchivedFile, ArchivedFormat, DocumentOfInvoice, InvoiceError};

use crate::context::CommandContext;
use crate::documents::{DocumentOf, DocumentsError, InvoiceDocuments};
use crate::error::CommandError;
use crate::ports::{BlobError, BlobStore, DocumentRenderer, RenderError};
use crate::UseCases;

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
        let document = self.documents.document(&ctx.caller, which).await?;
        let mut files = Vec::with_capacity(ARCHIVED_FORMATS.len());
        for format in ARCHIVED_FORMATS {
            let rendered = self.renderer.render(&document, format)?;
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
        let (invoice_id, of) = match which {
            DocumentOf::Invoice(invoice) => (invoice, DocumentOfInvoice::Invoice),
            DocumentOf::CreditNote(invoice, credit_note_id) => {
                (invoice, DocumentOfInvoice::CreditNote { credit_note_id })
            }
        };
        self.use_cases
            .record_document_archive(ctx, invoice_id, of, files.clone())
            .await?;
        Ok(files)
    }
}
