//! The e-mail of an invoice Folio sends: from the seller's name, replies to
//! the seller's contact address, the Factur-X PDF archived at issue time
//! attached byte for byte (its SHA-256 is the one recorded on the invoice),
//! and a short text (plain and HTML) with the amount and the due date, in
//! the language of the customer's country.
//!
//! It is composed when it is sent, from the invoice's events and the archive:
//! the outbox holds ids only. An invoice whose archive is not written yet is
//! tried again later, so the customer never gets an e-mail without its PDF.

use std::sync::Arc;

use folio_domain::ids::{InvoiceId, UserId};
use folio_domain::invoice::ArchivedFormat;
use folio_domain::ErrorCode;

use super::ports::{Attachment, DueMessage, Email};
use super::templates::{self, InvoiceFacts};
use crate::access::{Caller, Role};
use crate::documents::{DocumentOf, DocumentsError, InvoiceDocuments};
use crate::ports::{BlobAddress, BlobError, BlobStore};
use folio_documents::locale::Locale;

/// The actor invoices are read as when they are e-mailed.
const MAIL: &str = "system:mail";

/// Why an invoice's e-mail could not be composed (this time).
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// The invoice's PDF is not archived yet: the archiver writes it shortly.
    #[error("the invoice's PDF is not archived yet; the e-mail waits for it")]
    NotArchivedYet,
    /// The invoice could not be read.
    #[error(transparent)]
    Document(#[from] DocumentsError),
    /// The archived PDF could not be read.
    #[error(transparent)]
    Store(#[from] BlobError),
    /// The outbox message does not name what it is about (a bug in a reactor).
    #[error("the message names nothing to write about: {0}")]
    Malformed(String),
    /// Nobody is left to write to: no address is recorded, or the news is
    /// moot (the expense no longer waits). The message is skipped, not retried.
    #[error("{0}")]
    NobodyToWrite(String),
    /// What the message is about could not be read, for this reason.
    #[error("{reason}")]
    Unreadable {
        /// The reason's stable code.
        code: ErrorCode,
        /// The reason as users see it.
        reason: String,
    },
}

impl ComposeError {
    /// The stable code of the failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            ComposeError::NotArchivedYet => ErrorCode::Unavailable,
            ComposeError::Document(e) => e.code(),
            ComposeError::Store(BlobError::Unavailable(_)) => ErrorCode::Unavailable,
            ComposeError::Store(_) | ComposeError::Malformed(_) => ErrorCode::Internal,
            ComposeError::NobodyToWrite(_) => ErrorCode::Validation,
            ComposeError::Unreadable { code, .. } => *code,
        }
    }

    /// Whether trying again later may work.
    pub fn is_transient(&self) -> bool {
        self.code() == ErrorCode::Unavailable
    }

    /// The failure as users see it: a store's own message is only logged.
    pub fn reason(&self) -> String {
        match self {
            ComposeError::Store(BlobError::Unavailable(_)) => {
                "the document store is unavailable; the e-mail is retried".to_owned()
            }
            ComposeError::Store(_) => {
                "the archived PDF could not be read; the error is logged".to_owned()
            }
            other => other.to_string(),
        }
    }
}

/// Composes invoices' e-mails.
#[derive(Clone)]
pub struct InvoiceMail {
    documents: InvoiceDocuments,
    blobs: Arc<dyn BlobStore>,
}

impl std::fmt::Debug for InvoiceMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InvoiceMail")
    }
}

impl InvoiceMail {
    /// Reads invoices through `documents` and their PDFs from `blobs`.
    pub fn new(documents: InvoiceDocuments, blobs: Arc<dyn BlobStore>) -> Self {
        InvoiceMail { documents, blobs }
    }

    /// The e-mail `message` (an `invoice_sent`) stands for.
    pub async fn compose(&self, message: &DueMessage) -> Result<Email, ComposeError> {
        let invoice_id = message.payload["invoice_id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .map(InvoiceId)
            .ok_or_else(|| ComposeError::Malformed(message.payload.to_string()))?;
        let caller = Caller::new(message.tenant_id, UserId::new(MAIL), vec![Role::Accountant]);
        let which = DocumentOf::Invoice(invoice_id);
        let document = self.documents.document(&caller, which).await?;
        let files = self.documents.archived_files(&caller, which).await?;
        let pdf = files
            .into_iter()
            .flatten()
            .find(|file| file.format == ArchivedFormat::FacturX)
            .ok_or(ComposeError::NotArchivedYet)?;
        let address = BlobAddress::parse(&pdf.sha256)
            .ok_or_else(|| BlobError::BadAddress(pdf.sha256.clone()))?;
        let bytes = self.blobs.get(&address).await?;
        let seller = document
            .seller
            .trading_name
            .clone()
            .unwrap_or_else(|| document.seller.legal_name.clone());
        // The customer reads it: in the language of the customer's country.
        let locale = Locale::of_country(&document.buyer.country);
        let words = templates::invoice_sent(
            locale,
            &InvoiceFacts {
                buyer: document.buyer.name.clone(),
                seller: seller.clone(),
                number: document.number.clone(),
                issued: document.issue_date,
                due: document.due_date,
                amount: document.totals.payable,
                places: document.currency.minor_units(),
                currency: document.currency.code().to_owned(),
            },
        );
        Ok(Email {
            message_id: message.message_id,
            from_name: Some(seller.clone()),
            reply_to: document.seller.email.clone(),
            to: message.recipients.clone(),
            subject: words.subject,
            text: words.text,
            html: Some(words.html),
            attachments: vec![Attachment {
                filename: format!("{}.pdf", document.number.replace(['/', '\\'], "-")),
                content_type: pdf.content_type,
                bytes,
            }],
        })
    }
}
