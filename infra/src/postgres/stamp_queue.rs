//! The CFDIs awaiting their fiscal stamp, across tenants: the invoicing read
//! model's `cfdi_awaiting_stamp` (invoices' own),
//! `cfdi_complements_awaiting_stamp` (payments' complements) and
//! `cfdi_credit_notes_awaiting_stamp` (credit notes'), less those whose
//! failed attempts (`cfdi_stamp_attempts`, `cfdi_complement_attempts`,
//! `cfdi_credit_note_attempts`, this adapter's own tables) say to wait.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use folio_commands::attempts::FailedAttempt;
use folio_commands::stamping::{CfdiToStamp, InvoiceCfdi, QueueError, SealedCfdiRef, StampQueue};
use folio_domain::ids::{CreditNoteId, InvoiceId, PaymentId, TenantId};
use folio_domain::ErrorCode;
use sqlx::PgPool;
use uuid::Uuid;

use super::process_attempts::ProcessAttempts;

/// Most CFDIs of each kind one round takes.
const BATCH: i64 = 50;

/// The stamper's attempts at invoices' own CFDIs (migration 21).
const ATTEMPTS: ProcessAttempts = ProcessAttempts::in_table("cfdi_stamp_attempts", "invoice_id");

/// The stamper's attempts at payments' complements (migration 24).
const COMPLEMENT_ATTEMPTS: ProcessAttempts =
    ProcessAttempts::in_table("cfdi_complement_attempts", "payment_id");

/// The stamper's attempts at credit notes' CFDIs (migration 26).
const CREDIT_NOTE_ATTEMPTS: ProcessAttempts =
    ProcessAttempts::in_table("cfdi_credit_note_attempts", "credit_note_id");

/// Invoices' own CFDIs due, fewest failures and oldest first.
const INVOICES_DUE: &str = "
    SELECT p.tenant_id, p.invoice_id, NULL::uuid AS payment_id, NULL::uuid AS credit_note_id,
           true AS numbered, p.cfdi_sealed_at AS sealed_at,
           p.cfdi_sealed_xml_sha256 AS sealed_xml_sha256, coalesce(f.attempts, 0) AS attempts
    FROM folio_read.cfdi_awaiting_stamp p
    LEFT JOIN cfdi_stamp_attempts f
      ON f.tenant_id = p.tenant_id AND f.invoice_id = p.invoice_id
    WHERE f.next_attempt_at IS NULL OR f.next_attempt_at <= now()
    ORDER BY coalesce(f.attempts, 0), p.issue_date, p.number
    LIMIT $1";

/// Payments' complements due (numbered or not), fewest failures and oldest
/// first.
const COMPLEMENTS_DUE: &str = "
    SELECT p.tenant_id, p.invoice_id, p.payment_id, NULL::uuid AS credit_note_id,
           p.number IS NOT NULL AS numbered, p.sealed_at, p.sealed_xml_sha256,
           coalesce(f.attempts, 0) AS attempts
    FROM folio_read.cfdi_complements_awaiting_stamp p
    LEFT JOIN cfdi_complement_attempts f
      ON f.tenant_id = p.tenant_id AND f.payment_id = p.payment_id
    WHERE f.next_attempt_at IS NULL OR f.next_attempt_at <= now()
    ORDER BY coalesce(f.attempts, 0), p.received_on, p.invoice_id, p.sequence
    LIMIT $1";

/// Credit notes' CFDIs due, fewest failures and oldest first.
const CREDIT_NOTES_DUE: &str = "
    SELECT p.tenant_id, p.invoice_id, NULL::uuid AS payment_id, p.credit_note_id,
           true AS numbered, p.cfdi_sealed_at AS sealed_at,
           p.cfdi_sealed_xml_sha256 AS sealed_xml_sha256, coalesce(f.attempts, 0) AS attempts
    FROM folio_read.cfdi_credit_notes_awaiting_stamp p
    LEFT JOIN cfdi_credit_note_attempts f
      ON f.tenant_id = p.tenant_id AND f.credit_note_id = p.credit_note_id
    WHERE f.next_attempt_at IS NULL OR f.next_attempt_at <= now()
    ORDER BY coalesce(f.attempts, 0), p.issue_date, p.invoice_id, p.sequence
    LIMIT $1";

/// [`StampQueue`] on Postgres.
#[derive(Debug, Clone)]
pub struct PgStampQueue {
    pool: PgPool,
}

impl PgStampQueue {
    /// Reads and writes through `pool`.
    pub fn new(pool: PgPool) -> Self {
        PgStampQueue { pool }
    }
}

fn unavailable(e: sqlx::Error) -> QueueError {
    QueueError(Box::new(e))
}

/// One row of [`PgStampQueue::pending`]: `payment_id` names a complement,
/// `credit_note_id` a credit note.
#[derive(sqlx::FromRow)]
struct PendingRow {
    tenant_id: Uuid,
    invoice_id: Uuid,
    payment_id: Option<Uuid>,
    credit_note_id: Option<Uuid>,
    numbered: bool,
    sealed_at: Option<DateTime<Utc>>,
    sealed_xml_sha256: Option<String>,
    attempts: i32,
}

impl PendingRow {
    fn into_cfdi(self) -> CfdiToStamp {
        let cfdi = match (self.payment_id, self.credit_note_id) {
            (Some(payment_id), _) => InvoiceCfdi::PaymentComplement {
                payment_id: PaymentId(payment_id),
                numbered: self.numbered,
            },
            (None, Some(credit_note_id)) => InvoiceCfdi::CreditNote {
                credit_note_id: CreditNoteId(credit_note_id),
            },
            (None, None) => InvoiceCfdi::Invoice,
        };
        CfdiToStamp {
            tenant_id: TenantId(self.tenant_id),
            invoice_id: InvoiceId(self.invoice_id),
            cfdi,
            sealed: self
                .sealed_at
                .zip(self.sealed_xml_sha256)
                .map(|(sealed_at, sha256)| SealedCfdiRef { sealed_at, sha256 }),
            failed_attempts: u32::try_from(self.attempts).unwrap_or(0),
        }
    }
}

impl PgStampQueue {
    fn attempts_of(cfdi: &CfdiToStamp) -> (ProcessAttempts, Uuid) {
        match cfdi.cfdi {
            InvoiceCfdi::Invoice => (ATTEMPTS, cfdi.invoice_id.0),
            InvoiceCfdi::PaymentComplement { payment_id, .. } => {
                (COMPLEMENT_ATTEMPTS, payment_id.0)
            }
            InvoiceCfdi::CreditNote { credit_note_id } => (CREDIT_NOTE_ATTEMPTS, credit_note_id.0),
        }
    }
}

#[async_trait]
impl StampQueue for PgStampQueue {
    /// Invoices first: a complement or a credit note waits for its
    /// invoice's stamp anyway.
    async fn pending(&self) -> Result<Vec<CfdiToStamp>, QueueError> {
        let mut due = Vec::new();
        for query in [INVOICES_DUE, COMPLEMENTS_DUE, CREDIT_NOTES_DUE] {
            let rows: Vec<PendingRow> = sqlx::query_as(query)
                .bind(BATCH)
                .fetch_all(&self.pool)
                .await
                .map_err(unavailable)?;
            due.extend(rows.into_iter().map(PendingRow::into_cfdi));
        }
        Ok(due)
    }

    async fn failed(
        &self,
        cfdi: &CfdiToStamp,
        code: ErrorCode,
        reason: &str,
        retry_in: Duration,
    ) -> Result<(), QueueError> {
        let (attempts, id) = Self::attempts_of(cfdi);
        attempts
            .record(
                &self.pool,
                (cfdi.tenant_id, id),
                Some((code, reason)),
                retry_in,
            )
            .await
            .map_err(unavailable)
    }

    async fn answered(&self, cfdi: &CfdiToStamp) -> Result<(), QueueError> {
        let (attempts, id) = Self::attempts_of(cfdi);
        attempts
            .forget(&self.pool, (cfdi.tenant_id, id))
            .await
            .map_err(unavailable)
    }

    async fn failures(
        &self,
        tenant: TenantId,
        invoices: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, FailedAttempt>, QueueError> {
        ATTEMPTS
            .failures(&self.pool, tenant, invoices)
            .await
            .map_err(unavailable)
    }

    async fn complement_failures(
        &self,
        tenant: TenantId,
        payments: &[PaymentId],
    ) -> Result<HashMap<PaymentId, FailedAttempt>, QueueError> {
        COMPLEMENT_ATTEMPTS
            .failures(&self.pool, tenant, payments)
            .await
            .map_err(unavailable)
    }

    async fn credit_note_failures(
        &self,
        tenant: TenantId,
        credit_notes: &[CreditNoteId],
    ) -> Result<HashMap<CreditNoteId, FailedAttempt>, QueueError> {
        CREDIT_NOTE_ATTEMPTS
            .failures(&self.pool, tenant, credit_notes)
            .await
            .map_err(unavailable)
    }
}
