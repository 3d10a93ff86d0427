//! The files archived when an invoice or a credit note was issued.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// A stored file of an archived invoice or credit note.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ArchivedFileRow {
    /// The document it belongs to: the invoice's id, or the credit note's.
    pub parent: Uuid,
    /// `FACTUR_X` or `UBL`.
    pub format: String,
    /// SHA-256 of the file (64 lowercase hex digits), its blob-store address.
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// MIME type.
    pub content_type: String,
    /// When it was stored.
    pub archived_at: DateTime<Utc>,
}

/// A stored file of an archived credit note (its `parent` is the credit
/// note's id).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CreditNoteFileRow {
    /// The stored file, with the invoice it belongs to.
    #[sqlx(flatten)]
    pub file: ArchivedFileRow,
}

/// A stored file of a payment's archived complement (its `parent` is the
/// payment's id).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ComplementFileRow {
    /// The stored file.
    #[sqlx(flatten)]
    pub file: ArchivedFileRow,
}

const ARCHIVED_FILE_COLUMNS: &str = "format, sha256, size_bytes, content_type, archived_at";

/// The archived files of the invoices in `invoice_ids` (their own, not their
/// credit notes'), by format.
pub async fn invoice_files_of(
    conn: &mut PgConnection,
    invoice_ids: &[Uuid],
) -> Result<Vec<ArchivedFileRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT invoice_id AS parent, {ARCHIVED_FILE_COLUMNS} FROM folio_read.archived_documents
         WHERE credit_note_id IS NULL AND payment_id IS NULL AND invoice_id = ANY($1)
         ORDER BY invoice_id, format"
    ))
    .bind(invoice_ids)
    .fetch_all(conn)
    .await
}

/// The archived files of the credit notes in `credit_note_ids`, by format.
pub async fn credit_note_files_of(
    conn: &mut PgConnection,
    credit_note_ids: &[Uuid],
) -> Result<Vec<CreditNoteFileRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT credit_note_id AS parent, {ARCHIVED_FILE_COLUMNS} FROM folio_read.archived_documents
         WHERE credit_note_id = ANY($1) ORDER BY credit_note_id, format"
    ))
    .bind(credit_note_ids)
    .fetch_all(conn)
    .await
}

/// The archived files of the complements of the payments in `payment_ids`,
/// by format.
pub async fn complement_files_of(
    conn: &mut PgConnection,
    payment_ids: &[Uuid],
) -> Result<Vec<ComplementFileRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT payment_id AS parent, {ARCHIVED_FILE_COLUMNS} FROM folio_read.archived_documents
         WHERE payment_id = ANY($1) ORDER BY payment_id, format"
    ))
    .bind(payment_ids)
    .fetch_all(conn)
    .await
}
