//! The archive of what was issued: when an invoice or one of its credit notes is
//! issued, its files (the PDF, the e-invoice) are rendered once and stored, and
//! their hashes are recorded on the invoice, so what the customer received can
//! be proven later and no re-rendering can change it. The rendering and storing
//! happen outside the domain (the application layer's archiver); the domain
//! records the outcome once per document and refuses a second, different one.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Invoice, InvoiceError, InvoiceEvent};
use crate::ids::{CreditNoteId, PaymentId};

/// Which document of an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DocumentOfInvoice {
    /// The invoice itself.
    Invoice,
    /// One of its credit notes.
    CreditNote {
        /// The credit note.
        credit_note_id: CreditNoteId,
    },
    /// Mexico: the stamped complement of one of its payments.
    PaymentComplement {
        /// The payment it states.
        payment_id: PaymentId,
    },
}

/// The forms a document is archived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ArchivedFormat {
    /// Factur-X: the printable PDF/A-3b with the CII embedded.
    FacturX,
    /// UBL 2.1 Invoice or CreditNote (Peppol BIS Billing 3.0).
    Ubl,
    /// Mexico: the stamped CFDI 4.0, the fiscal document itself (the sealed
    /// XML with the PAC's `TimbreFiscalDigital`).
    Cfdi,
    /// Mexico: the stamped CFDI's printed representation (PDF/A-3b with
    /// SAT's verification QR code).
    CfdiPdf,
}

/// One stored file of an archived document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ArchivedFile {
    /// The form.
    pub format: ArchivedFormat,
    /// SHA-256 of the bytes, 64 lowercase hex digits: also their address in
    /// the blob store.
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// The MIME type, e.g. `application/pdf`.
    pub content_type: String,
}

impl ArchivedFile {
    fn is_well_formed(&self) -> bool {
        self.sha256.len() == 64
            && self
                .sha256
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            && self.size_bytes > 0
            && !self.content_type.trim().is_empty()
    }
}

impl Invoice {
    /// Records the archive of `document` once: it must have been issued, and
    /// each form is stored once. Recording the very same files again changes
    /// nothing (a retried archiver); other files are refused, since what was
    /// issued was archived already.
    pub(super) fn decide_archive(
        &self,
        document: DocumentOfInvoice,
        files: Vec<ArchivedFile>,
        archived_at: DateTime<Utc>,
    ) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        if self.issue_date.is_none() {
            return Err(InvoiceError::NotIssued {
                status: self.status,
            });
        }
        match document {
            DocumentOfInvoice::Invoice => {}
            DocumentOfInvoice::CreditNote { credit_note_id } => {
                self.require_archivable_credit_note(credit_note_id)?;
            }
            DocumentOfInvoice::PaymentComplement { payment_id } => {
                self.require_stamped_complement(payment_id)?;
            }
        }
        let forms: std::collections::HashSet<_> = files.iter().map(|f| f.format).collect();
        if files.is_empty()
            || forms.len() != files.len()
            || !files.iter().all(ArchivedFile::is_well_formed)
        {
            return Err(InvoiceError::InvalidArchive);
        }
        match self.archived.iter().find(|(of, _)| *of == document) {
            Some((_, recorded)) if *recorded == files => Ok(vec![]),
            Some(_) => Err(InvoiceError::AlreadyArchived),
            None => Ok(vec![InvoiceEvent::DocumentArchived {
                document,
                files,
                archived_at,
            }]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoice::tests::{created, issued, line_added};
    use crate::invoice::InvoiceCommand;
    use cqrs_es::test::TestFramework;

    fn issued_events() -> Vec<InvoiceEvent> {
        vec![created(), line_added(), issued()]
    }

    type InvoiceTest = TestFramework<Invoice>;

    fn at() -> DateTime<Utc> {
        chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 6, 10, 0, 0).unwrap()
    }

    fn files() -> Vec<ArchivedFile> {
        vec![
            ArchivedFile {
                format: ArchivedFormat::FacturX,
                sha256: "a".repeat(64),
                size_bytes: 43_973,
                content_type: "application/pdf".into(),
            },
            ArchivedFile {
                format: ArchivedFormat::Ubl,
                sha256: "b".repeat(64),
                size_bytes: 7_012,
                content_type: "application/xml".into(),
            },
        ]
    }

    fn archive(files: Vec<ArchivedFile>) -> InvoiceCommand {
        InvoiceCommand::ArchiveDocument {
            document: DocumentOfInvoice::Invoice,
            files,
            archived_at: at(),
        }
    }

    #[test]
    fn an_issued_invoice_s_files_are_recorded_with_their_hashes() {
        InvoiceTest::with(())
            .given(issued_events())
            .when(archive(files()))
            .then_expect_events(vec![InvoiceEvent::DocumentArchived {
                document: DocumentOfInvoice::Invoice,
                files: files(),
                archived_at: at(),
            }]);
    }

    #[test]
    fn the_same_archive_recorded_again_changes_nothing() {
        let mut given = issued_events();
        given.push(InvoiceEvent::DocumentArchived {
            document: DocumentOfInvoice::Invoice,
            files: files(),
            archived_at: at(),
        });
        InvoiceTest::with(())
            .given(given)
            .when(archive(files()))
            .then_expect_events(vec![]);
    }

    #[test]
    fn other_files_for_an_archived_document_are_refused() {
        let mut given = issued_events();
        given.push(InvoiceEvent::DocumentArchived {
            document: DocumentOfInvoice::Invoice,
            files: files(),
            archived_at: at(),
        });
        let mut other = files();
        other[0].sha256 = "c".repeat(64);
        InvoiceTest::with(())
            .given(given)
            .when(archive(other))
            .then_expect_error(InvoiceError::AlreadyArchived);
    }

    #[test]
    fn a_malformed_hash_or_a_form_twice_is_refused() {
        let mut short = files();
        short[1].sha256 = "B".repeat(64);
        InvoiceTest::with(())
            .given(issued_events())
            .when(archive(short))
            .then_expect_error(InvoiceError::InvalidArchive);
        let mut twice = files();
        twice[1].format = ArchivedFormat::FacturX;
        InvoiceTest::with(())
            .given(issued_events())
            .when(archive(twice))
            .then_expect_error(InvoiceError::InvalidArchive);
    }

    #[test]
    fn a_draft_or_an_unknown_credit_note_has_nothing_to_archive() {
        let draft = issued_events()[..2].to_vec();
        InvoiceTest::with(())
            .given(draft)
            .when(archive(files()))
            .then_expect_error(InvoiceError::NotIssued {
                status: crate::invoice::DocumentStatus::Draft,
            });
        let unknown = CreditNoteId::from_uuid(uuid::Uuid::from_u128(99));
        InvoiceTest::with(())
            .given(issued_events())
            .when(InvoiceCommand::ArchiveDocument {
                document: DocumentOfInvoice::CreditNote {
                    credit_note_id: unknown,
                },
                files: files(),
                archived_at: at(),
            })
            .then_expect_error(InvoiceError::CreditNoteNotFound(unknown));
    }
}
