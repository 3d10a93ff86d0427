//! The invoices awaiting their fiscal stamp, across tenants: the invoicing
//! read model's `cfdi_awaiting_stamp`, less those whose failed attempts
//! (`cfdi_stamp_attempts`, this adapter's own table) say to wait.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use folio_commands::attempts::FailedAttempt;
use folio_commands::stamping::{CfdiToStamp, SealedCfdiRef, StampQueue, StampQueueError};
use folio_domain::ids::{InvoiceId, TenantId};
use folio_domain::ErrorCode;
use sqlx::PgPool;
use uuid::Uuid;

/// Most invoices one round takes.
const BATCH: i64 = 50;

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

fn unavailable(e: sqlx::Error) -> StampQueueError {
    StampQueueError(Box::new(e))
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

/// One row of [`PgStampQueue::failures`].
#[derive(sqlx::FromRow)]
struct FailureRow {
    invoice_id: Uuid,
    attempts: i32,
    error_code: String,
    last_error: String,
    last_attempt_at: DateTime<Utc>,
    next_attempt_at: DateTime<Utc>,
}

#[async_trait]
impl StampQueue for PgStampQueue {
    async fn pending(&self) -> Result<Vec<CfdiToStamp>, StampQueueError> {
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
    ) -> Result<(), StampQueueError> {
        sqlx::query(
            "INSERT INTO cfdi_stamp_attempts
                 (tenant_id, invoice_id, attempts, error_code, last_error, last_attempt_at,
                  next_attempt_at)
             VALUES ($1, $2, 1, $3, $4, now(), now() + make_interval(secs => $5))
             ON CONFLICT (tenant_id, invoice_id) DO UPDATE
                 SET attempts = cfdi_stamp_attempts.attempts + 1, error_code = $3,
                     last_error = $4, last_attempt_at = now(),
                     next_attempt_at = now() + make_interval(secs => $5)",
        )
        .bind(invoice.tenant_id.0)
        .bind(invoice.invoice_id.0)
        .bind(code.as_str())
        .bind(reason)
        .bind(retry_in.as_secs_f64())
        .execute(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn answered(&self, invoice: &CfdiToStamp) -> Result<(), StampQueueError> {
        sqlx::query("DELETE FROM cfdi_stamp_attempts WHERE tenant_id = $1 AND invoice_id = $2")
            .bind(invoice.tenant_id.0)
            .bind(invoice.invoice_id.0)
            .execute(&self.pool)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn failures(
        &self,
        tenant: TenantId,
        invoices: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, FailedAttempt>, StampQueueError> {
        let ids: Vec<Uuid> = invoices.iter().map(|invoice| invoice.0).collect();
        let rows: Vec<FailureRow> = sqlx::query_as(
            "SELECT invoice_id, attempts, error_code, last_error, last_attempt_at, next_attempt_at
             FROM cfdi_stamp_attempts WHERE tenant_id = $1 AND invoice_id = ANY($2)",
        )
        .bind(tenant.0)
        .bind(&ids)
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let failure = FailedAttempt {
                    code: super::archive_queue::error_code(&row.error_code),
                    reason: row.last_error,
                    attempts: u32::try_from(row.attempts).unwrap_or(0),
                    last_attempt_at: row.last_attempt_at,
                    next_attempt_at: row.next_attempt_at,
                };
                (InvoiceId(row.invoice_id), failure)
            })
            .collect())
    }
}
