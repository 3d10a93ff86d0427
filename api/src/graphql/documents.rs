//! The archived documents of invoices and credit notes: the files rendered and
//! stored once at issue time (Factur-X, UBL), each with the SHA-256 that proves
//! what the customer received.

use async_graphql::{ComplexObject, Enum, SimpleObject};
use chrono::{DateTime, Utc};
use folio_projections::invoicing::queries::{ArchivedFileRow, CreditNoteFileRow};

use super::enums::from_stored;

/// The forms a document is archived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ArchivedFormat {
    /// Factur-X (EN 16931 profile): the printable PDF/A-3b with the CII
    /// embedded as `factur-x.xml`.
    FacturX,
    /// UBL 2.1 Invoice or CreditNote (Peppol BIS Billing 3.0).
    Ubl,
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
