//! The documents waiting to be archived, across tenants: the invoicing read
//! model's `documents_awaiting_archive`, less those whose failed attempts
//! (`document_archive_attempts`, this adapter's own table) say to wait.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use folio_commands::archiving::{ArchiveQueue, ArchiveQueueError, ArchiveState, DocumentToArchive};
use folio_commands::attempts::FailedAttempt;
use folio_commands::documents::DocumentOf;
use folio_domain::ids::{CreditNoteId, InvoiceId, PaymentId, TenantId};
use folio_domain::ErrorCode;
use sqlx::PgPool;

use super::process_attempts::error_code;
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

fn unavailable(e: sqlx::Error) -> ArchiveQueueError {
    ArchiveQueueError(Box::new(e))
}

/// The attempts table's key of a document: the nil UUID stands for no
/// credit note and no payment.
fn key(document: &DocumentToArchive) -> (Uuid, Uuid, Uuid, Uuid) {
    let (invoice, note, payment) = ids(document.document);
    (document.tenant_id.0, invoice, note, payment)
}

/// A document's invoice, credit note and payment ids, the nil UUID for none.
fn ids(document: DocumentOf) -> (Uuid, Uuid, Uuid) {
    match document {
        DocumentOf::Invoice(invoice) => (invoice.0, Uuid::nil(), Uuid::nil()),
        DocumentOf::CreditNote(invoice, note) => (invoice.0, note.0, Uuid::nil()),
        DocumentOf::PaymentComplement(invoice, payment) => (invoice.0, Uuid::nil(), payment.0),
    }
}

/// The document a triple of ids names (nil UUIDs: the invoice itself).
fn document_of(invoice: Uuid, note: Uuid, payment: Uuid) -> DocumentOf {
    let invoice = InvoiceId(invoice);
    if !note.is_nil() {
        DocumentOf::CreditNote(invoice, CreditNoteId(note))
    } else if !payment.is_nil() {
        DocumentOf::PaymentComplement(invoice, PaymentId(payment))
    } else {
        DocumentOf::Invoice(invoice)
    }
}

/// One document's row of [`PgArchiveQueue::states`]: whether its files are
/// recorded, whether it awaits them, and its failed attempts.
#[derive(sqlx::FromRow)]
struct StateRow {
    invoice_id: Uuid,
    credit_note_id: Uuid,
    payment_id: Uuid,
    archived: bool,
    awaiting: bool,
    attempts: Option<i32>,
    error_code: Option<String>,
    last_error: Option<String>,
    last_attempt_at: Option<DateTime<Utc>>,
    next_attempt_at: Option<DateTime<Utc>>,
}

impl StateRow {
    /// The state, or none for a document that is not issued.
    fn state(self) -> Option<ArchiveState> {
        if self.archived {
            return Some(ArchiveState::Archived);
        }
        if !self.awaiting {
            return None;
        }
        let failure = match (self.attempts, self.last_attempt_at, self.next_attempt_at) {
            (Some(attempts), Some(last_attempt_at), Some(next_attempt_at)) => FailedAttempt {
                code: error_code(self.error_code.as_deref().unwrap_or_default()),
                reason: self.last_error.unwrap_or_default(),
                attempts: u32::try_from(attempts).unwrap_or(0),
                last_attempt_at,
                next_attempt_at,
            },
            _ => return Some(ArchiveState::Pending),
        };
        Some(ArchiveState::Failed(failure))
    }
}

#[async_trait]
impl ArchiveQueue for PgArchiveQueue {
    async fn pending(&self) -> Result<Vec<DocumentToArchive>, ArchiveQueueError> {
        let rows: Vec<(Uuid, Uuid, Option<Uuid>, Option<Uuid>, i32)> = sqlx::query_as(
            "SELECT p.tenant_id, p.invoice_id, p.credit_note_id, p.payment_id,
                    coalesce(f.attempts, 0)
             FROM folio_read.documents_awaiting_archive p
             LEFT JOIN document_archive_attempts f
               ON f.tenant_id = p.tenant_id AND f.invoice_id = p.invoice_id
              AND f.credit_note_id = coalesce(p.credit_note_id, '00000000-0000-0000-0000-000000000000')
              AND f.payment_id = coalesce(p.payment_id, '00000000-0000-0000-0000-000000000000')
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
            .map(
                |(tenant, invoice, note, payment, attempts)| DocumentToArchive {
                    tenant_id: TenantId(tenant),
                    document: document_of(
                        invoice,
                        note.unwrap_or_else(Uuid::nil),
                        payment.unwrap_or_else(Uuid::nil),
                    ),
                    failed_attempts: u32::try_from(attempts).unwrap_or(0),
                },
            )
            .collect())
    }

    async fn failed(
        &self,
        document: &DocumentToArchive,
        code: ErrorCode,
        reason: &str,
        retry_in: Duration,
    ) -> Result<(), ArchiveQueueError> {
        let (tenant, invoice, note, payment) = key(document);
        sqlx::query(
            "INSERT INTO document_archive_attempts
                 (tenant_id, invoice_id, credit_note_id, payment_id, attempts, error_code,
                  last_error, last_attempt_at, next_attempt_at)
             VALUES ($1, $2, $3, $7, 1, $4, $5, now(), now() + make_interval(secs => $6))
             ON CONFLICT (tenant_id, invoice_id, credit_note_id, payment_id) DO UPDATE
                 SET attempts = document_archive_attempts.attempts + 1, error_code = $4,
                     last_error = $5, last_attempt_at = now(),
                     next_attempt_at = now() + make_interval(secs => $6)",
        )
        .bind(tenant)
        .bind(invoice)
        .bind(note)
        .bind(code.as_str())
        .bind(reason)
        .bind(retry_in.as_secs_f64())
        .bind(payment)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn archived(&self, document: &DocumentToArchive) -> Result<(), ArchiveQueueError> {
        let (tenant, invoice, note, payment) = key(document);
        sqlx::query(
            "DELETE FROM document_archive_attempts
             WHERE tenant_id = $1 AND invoice_id = $2 AND credit_note_id = $3
               AND payment_id = $4",
        )
        .bind(tenant)
        .bind(invoice)
        .bind(note)
        .bind(payment)
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn states(
        &self,
        tenant: TenantId,
        documents: &[DocumentOf],
    ) -> Result<HashMap<DocumentOf, ArchiveState>, ArchiveQueueError> {
        let mut invoices = Vec::with_capacity(documents.len());
        let mut notes = Vec::with_capacity(documents.len());
        let mut payments = Vec::with_capacity(documents.len());
        for (invoice, note, payment) in documents.iter().map(|document| ids(*document)) {
            invoices.push(invoice);
            notes.push(note);
            payments.push(payment);
        }
        let rows: Vec<StateRow> = sqlx::query_as(
            "SELECT w.invoice_id, w.credit_note_id, w.payment_id,
                    EXISTS (SELECT 1 FROM folio_read.archived_documents a
                            WHERE a.tenant_id = $1 AND a.invoice_id = w.invoice_id
                              AND coalesce(a.credit_note_id, '00000000-0000-0000-0000-000000000000')
                                  = w.credit_note_id
                              AND coalesce(a.payment_id, '00000000-0000-0000-0000-000000000000')
                                  = w.payment_id) AS archived,
                    EXISTS (SELECT 1 FROM folio_read.documents_awaiting_archive p
                            WHERE p.tenant_id = $1 AND p.invoice_id = w.invoice_id
                              AND coalesce(p.credit_note_id, '00000000-0000-0000-0000-000000000000')
                                  = w.credit_note_id
                              AND coalesce(p.payment_id, '00000000-0000-0000-0000-000000000000')
                                  = w.payment_id) AS awaiting,
                    f.attempts, f.error_code, f.last_error, f.last_attempt_at, f.next_attempt_at
             FROM unnest($2::uuid[], $3::uuid[], $4::uuid[])
                  AS w(invoice_id, credit_note_id, payment_id)
             LEFT JOIN document_archive_attempts f
               ON f.tenant_id = $1 AND f.invoice_id = w.invoice_id
              AND f.credit_note_id = w.credit_note_id AND f.payment_id = w.payment_id",
        )
        .bind(tenant.0)
        .bind(&invoices)
        .bind(&notes)
        .bind(&payments)
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let document = document_of(row.invoice_id, row.credit_note_id, row.payment_id);
                row.state().map(|state| (document, state))
            })
            .collect())
    }
}
