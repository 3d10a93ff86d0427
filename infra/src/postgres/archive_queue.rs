//! The documents waiting to be archived, across tenants: the invoicing read
//! model's `documents_awaiting_archive`, less those whose failed attempts
//! (`document_archive_attempts`, this adapter's own table) say to wait.

use std::time::Duration;

use async_trait::async_trait;
use folio_commands::archiving::{ArchiveQueue, DocumentToArchive};
use folio_commands::documents::DocumentOf;
use folio_commands::LedgerError;
use folio_domain::ids::{CreditNoteId, InvoiceId, TenantId};
use sqlx::PgPool;
use uuid::Uuid;

/// Most documents one round takes.
const BATCH: i64 = 50;

/// [`ArchiveQueue`] on Postgres.
#[derive(Debug, Clone)]
pub struct PgArchiveQueue {
    pool: PgPool,
}

impl PgArchiveQueue {
    /// Reads and writes through `pool`.
    pub fn new(pool: PgPool) -> Self {
        PgArchiveQueue { pool }
    }
}

fn unavailable(e: sqlx::Error) -> LedgerError {
    LedgerError::Unavailable(Box::new(e))
}

/// The attempts table's key of a document: the nil UUID stands for the invoice
/// itself.
fn key(document: &DocumentToArchive) -> (Uuid, Uuid, Uuid) {
    match document.document {
        DocumentOf::Invoice(invoice) => (document.tenant_id.0, invoice.0, Uuid::nil()),
        DocumentOf::CreditNote(invoice, note) => (document.tenant_id.0, invoice.0, note.0),
    }
}

#[async_trait]
impl ArchiveQueue for PgArchiveQueue {
    async fn pending(&self) -> Result<Vec<DocumentToArchive>, LedgerError> {
        let rows: Vec<(Uuid, Uuid, Option<Uuid>, i32)> = sqlx::query_as(
            "SELECT p.tenant_id, p.invoice_id, p.credit_note_id, coalesce(f.attempts, 0)
             FROM folio_read.documents_awaiting_archive p
             LEFT JOIN document_archive_attempts f
               ON f.tenant_id = p.tenant_id AND f.invoice_id = p.invoice_id
              AND f.credit_note_id = coalesce(p.credit_note_id, '00000000-0000-0000-0000-000000000000')
             WHERE f.next_attempt_at IS NULL OR f.next_attempt_at <= now()
             ORDER BY coalesce(f.attempts, 0), p.issue_date, p.number
             LIMIT $1",
        )
        .bind(BATCH)
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(rows
            .into_iter()
            .map(|(tenant, invoice, note, attempts)| DocumentToArchive {
                tenant_id: TenantId(tenant),
                document: match note {
                    Some(note) => DocumentOf::CreditNote(InvoiceId(invoice), CreditNoteId(note)),
                    None => DocumentOf::Invoice(InvoiceId(invoice)),
                },
                failed_attempts: u32::try_from(attempts).unwrap_or(0),
            })
            .collect())
    }

    async fn failed(
        &self,
        document: &DocumentToArchive,
        reason: &str,
        retry_in: Duration,
    ) -> Result<(), LedgerError> {
        let (tenant, invoice, note) = key(document);
        sqlx::query(
            "INSERT INTO document_archive_attempts
                 (tenant_id, invoice_id, credit_note_id, attempts, last_error, last_attempt_at, next_attempt_at)
             VALUES ($1, $2, $3, 1, $4, now(), now() + make_interval(secs => $5))
             ON CONFLICT (tenant_id, invoice_id, credit_note_id) DO UPDATE
                 SET attempts = document_archive_attempts.attempts + 1, last_error = $4,
                     last_attempt_at = now(), next_attempt_at = now() + make_interval(secs => $5)",
        )
        .bind(tenant)
        .bind(invoice)
        .bind(note)
        .bind(reason)
        .bind(retry_in.as_secs_f64())
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn archived(&self, document: &DocumentToArchive) -> Result<(), LedgerError> {
        let (tenant, invoice, note) = key(document);
        sqlx::query(
            "DELETE FROM document_archive_attempts
             WHERE tenant_id = $1 AND invoice_id = $2 AND credit_note_id = $3",
        )
        .bind(tenant)
        .bind(invoice)
        .bind(note)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(())
    }
}
