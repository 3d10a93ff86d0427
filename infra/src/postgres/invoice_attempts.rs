//! A process's attempts at one invoice each (stamping its CFDI, cancelling
//! it), in a table of the process's own with the same columns: `tenant_id`,
//! `invoice_id`, `attempts`, `error_code` and `last_error` (NULL where the
//! process may record an attempt that did not fail, only waits),
//! `last_attempt_at`, `next_attempt_at`. Operational state, not a read model.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use folio_commands::attempts::FailedAttempt;
use folio_domain::ids::{InvoiceId, TenantId};
use folio_domain::ErrorCode;
use sqlx::PgPool;
use uuid::Uuid;

/// One process's attempts table.
#[derive(Debug, Clone, Copy)]
pub(super) struct InvoiceAttempts {
    /// The table's name: a constant of the adapter, never input.
    table: &'static str,
}

/// One row of [`InvoiceAttempts::failures`].
#[derive(sqlx::FromRow)]
struct FailureRow {
    invoice_id: Uuid,
    attempts: i32,
    error_code: String,
    last_error: String,
    last_attempt_at: DateTime<Utc>,
    next_attempt_at: DateTime<Utc>,
}

/// A stored error code read back; a code this version does not know reads as
/// INTERNAL.
pub(super) fn error_code(stored: &str) -> ErrorCode {
    serde_json::from_value(serde_json::Value::String(stored.to_owned()))
        .unwrap_or(ErrorCode::Internal)
}

impl InvoiceAttempts {
    /// The attempts kept in `table`.
    pub(super) const fn in_table(table: &'static str) -> Self {
        InvoiceAttempts { table }
    }

    /// Counts one more attempt at `invoice`, failed with `failure` (or, with
    /// none, only waiting), to be tried again `retry_in` from now.
    pub(super) async fn record(
        &self,
        pool: &PgPool,
        (tenant, invoice): (TenantId, InvoiceId),
        failure: Option<(ErrorCode, &str)>,
        retry_in: Duration,
    ) -> Result<(), sqlx::Error> {
        let table = self.table;
        let (code, reason) = failure
            .map(|(code, reason)| (code.as_str(), reason))
            .unzip();
        sqlx::query(&format!(
            "INSERT INTO {table}
                 (tenant_id, invoice_id, attempts, error_code, last_error, last_attempt_at,
                  next_attempt_at)
             VALUES ($1, $2, 1, $3, $4, now(), now() + make_interval(secs => $5))
             ON CONFLICT (tenant_id, invoice_id) DO UPDATE
                 SET attempts = {table}.attempts + 1, error_code = $3, last_error = $4,
                     last_attempt_at = now(),
                     next_attempt_at = now() + make_interval(secs => $5)"
        ))
        .bind(tenant.0)
        .bind(invoice.0)
        .bind(code)
        .bind(reason)
        .bind(retry_in.as_secs_f64())
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Forgets the attempts at `invoice`.
    pub(super) async fn forget(
        &self,
        pool: &PgPool,
        (tenant, invoice): (TenantId, InvoiceId),
    ) -> Result<(), sqlx::Error> {
        let table = self.table;
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE tenant_id = $1 AND invoice_id = $2"
        ))
        .bind(tenant.0)
        .bind(invoice.0)
        .execute(pool)
        .await?;
        Ok(())
    }

    /// The latest attempt of each of `invoices` of `tenant` whose latest
    /// attempt failed.
    pub(super) async fn failures(
        &self,
        pool: &PgPool,
        tenant: TenantId,
        invoices: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, FailedAttempt>, sqlx::Error> {
        let ids: Vec<Uuid> = invoices.iter().map(|invoice| invoice.0).collect();
        let table = self.table;
        let rows: Vec<FailureRow> = sqlx::query_as(&format!(
            "SELECT invoice_id, attempts, error_code, last_error, last_attempt_at, next_attempt_at
             FROM {table}
             WHERE tenant_id = $1 AND invoice_id = ANY($2) AND error_code IS NOT NULL"
        ))
        .bind(tenant.0)
        .bind(&ids)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let failure = FailedAttempt {
                    code: error_code(&row.error_code),
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
