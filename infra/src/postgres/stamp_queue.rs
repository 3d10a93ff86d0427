//! The invoices awaiting their fiscal stamp, across tenants: the invoicing
//! read model's `cfdi_awaiting_stamp`, less those whose failed attempts
//! (`cfdi_stamp_attempts`, this adapter's own table) say to wait.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use folio_commands::attempts::FailedAttempt;
use folio_commands::stamping::{CfdiToStamp, QueueError, SealedCfdiRef, StampQueue};
use folio_domain::ids::{InvoiceId, TenantId};
use folio_domain::ErrorCode;
use sqlx::PgPool;
use uuid::Uuid;

use super::invoice_attempts::InvoiceAttempts;

/// Most invoices one round takes.
const BATCH: i64 = 50;

/// The stamper's attempts (migration 21).
const ATTEMPTS: InvoiceAttempts = InvoiceAttempts::in_table("cfdi_stamp_attempts");

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

/// One row of [`PgStampQueue::pending`].
#[derive(sqlx::FromRow)]
struct PendingRow {
    tenant_id: Uuid,
    invoice_id: Uuid,
    cfdi_sealed_at: Option<DateTime<Utc>>,
    cfdi_sealed_xml_sha256: Option<String>,
    attempts: i32,
}

#[async_trait]
impl StampQueue for PgStampQueue {
    async fn pending(&self) -> Result<Vec<CfdiToStamp>, QueueError> {
        let rows: Vec<PendingRow> = sqlx::query_as(
            "SELECT p.tenant_id, p.invoice_id, p.cfdi_sealed_at, p.cfdi_sealed_xml_sha256,
                    coalesce(f.attempts, 0) AS attempts
             FROM folio_read.cfdi_awaiting_stamp p
             LEFT JOIN cfdi_stamp_attempts f
               ON f.tenant_id = p.tenant_id AND f.invoice_id = p.invoice_id
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
            .map(|row| CfdiToStamp {
                tenant_id: TenantId(row.tenant_id),
                invoice_id: InvoiceId(row.invoice_id),
                sealed: row
                    .cfdi_sealed_at
                    .zip(row.cfdi_sealed_xml_sha256)
                    .map(|(sealed_at, sha256)| SealedCfdiRef { sealed_at, sha256 }),
                failed_attempts: u32::try_from(row.attempts).unwrap_or(0),
            })
            .collect())
    }

    async fn failed(
        &self,
        invoice: &CfdiToStamp,
        code: ErrorCode,
        reason: &str,
        retry_in: Duration,
    ) -> Result<(), QueueError> {
        let key = (invoice.tenant_id, invoice.invoice_id);
        ATTEMPTS
            .record(&self.pool, key, Some((code, reason)), retry_in)
            .await
            .map_err(unavailable)
    }

    async fn answered(&self, invoice: &CfdiToStamp) -> Result<(), QueueError> {
        let key = (invoice.tenant_id, invoice.invoice_id);
        ATTEMPTS.forget(&self.pool, key).await.map_err(unavailable)
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
}
