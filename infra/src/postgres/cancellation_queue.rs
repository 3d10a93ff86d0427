//! The stamped invoices whose cancellation SAT has not decided, across
//! tenants: the invoicing read model's `cfdi_awaiting_cancellation`, less
//! those whose attempts (`cfdi_cancellation_attempts`, this adapter's own
//! table) say to wait.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use folio_commands::attempts::FailedAttempt;
use folio_commands::stamping::{CancellationQueue, CancellationStep, CfdiToCancel, QueueError};
use folio_domain::ids::{InvoiceId, TenantId};
use folio_domain::invoice::SatCancellationReason;
use folio_domain::ErrorCode;
use sqlx::PgPool;
use uuid::Uuid;

use super::process_attempts::ProcessAttempts;

/// Most cancellations one round takes.
const BATCH: i64 = 50;

/// The canceller's attempts (migration 22).
const ATTEMPTS: ProcessAttempts =
    ProcessAttempts::in_table("cfdi_cancellation_attempts", "invoice_id");

/// [`CancellationQueue`] on Postgres.
#[derive(Debug, Clone)]
pub struct PgCancellationQueue {
    pool: PgPool,
}

impl PgCancellationQueue {
    /// Reads and writes through `pool`.
    pub fn new(pool: PgPool) -> Self {
        PgCancellationQueue { pool }
    }
}

fn unavailable(e: sqlx::Error) -> QueueError {
    QueueError(Box::new(e))
}

/// One row of [`PgCancellationQueue::pending`].
#[derive(sqlx::FromRow)]
struct PendingRow {
    tenant_id: Uuid,
    invoice_id: Uuid,
    cfdi_uuid: Uuid,
    cfdi_xml_sha256: String,
    cfdi_cancellation_status: String,
    cfdi_cancellation_reason: String,
    cfdi_cancellation_replacement_uuid: Option<Uuid>,
    attempts: i32,
}

impl PendingRow {
    /// The cancellation the row names; a row this version cannot read (a
    /// reason code it does not know) is none, and logged.
    fn into_cancellation(self) -> Option<CfdiToCancel> {
        let step = match self.cfdi_cancellation_status.as_str() {
            "SUBMITTED" => CancellationStep::AskSat,
            _ => match SatCancellationReason::from_code(&self.cfdi_cancellation_reason) {
                Some(reason) => CancellationStep::Send {
                    reason,
                    replacement: self.cfdi_cancellation_replacement_uuid,
                },
                None => {
                    tracing::error!(invoice = %self.invoice_id, reason = %self.cfdi_cancellation_reason, "a cancellation with an unknown SAT reason");
                    return None;
                }
            },
        };
        Some(CfdiToCancel {
            tenant_id: TenantId(self.tenant_id),
            invoice_id: InvoiceId(self.invoice_id),
            uuid: self.cfdi_uuid,
            stamped_sha256: self.cfdi_xml_sha256,
            step,
            attempts: u32::try_from(self.attempts).unwrap_or(0),
        })
    }
}

#[async_trait]
impl CancellationQueue for PgCancellationQueue {
    async fn pending(&self) -> Result<Vec<CfdiToCancel>, QueueError> {
        let rows: Vec<PendingRow> = sqlx::query_as(
            "SELECT c.tenant_id, c.invoice_id, c.cfdi_uuid, c.cfdi_xml_sha256,
                    c.cfdi_cancellation_status, c.cfdi_cancellation_reason,
                    c.cfdi_cancellation_replacement_uuid, coalesce(a.attempts, 0) AS attempts
             FROM folio_read.cfdi_awaiting_cancellation c
             LEFT JOIN cfdi_cancellation_attempts a
               ON a.tenant_id = c.tenant_id AND a.invoice_id = c.invoice_id
             WHERE a.next_attempt_at IS NULL OR a.next_attempt_at <= now()
             ORDER BY coalesce(a.attempts, 0), c.cfdi_cancellation_requested_on, c.number
             LIMIT $1",
        )
        .bind(BATCH)
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(rows
            .into_iter()
            .filter_map(PendingRow::into_cancellation)
            .collect())
    }

    async fn failed(
        &self,
        cfdi: &CfdiToCancel,
        code: ErrorCode,
        reason: &str,
        retry_in: Duration,
    ) -> Result<(), QueueError> {
        let key = (cfdi.tenant_id, cfdi.invoice_id.0);
        ATTEMPTS
            .record(&self.pool, key, Some((code, reason)), retry_in)
            .await
            .map_err(unavailable)
    }

    async fn undecided(&self, cfdi: &CfdiToCancel, retry_in: Duration) -> Result<(), QueueError> {
        let key = (cfdi.tenant_id, cfdi.invoice_id.0);
        ATTEMPTS
            .record(&self.pool, key, None, retry_in)
            .await
            .map_err(unavailable)
    }

    async fn answered(&self, cfdi: &CfdiToCancel) -> Result<(), QueueError> {
        let key = (cfdi.tenant_id, cfdi.invoice_id.0);
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
