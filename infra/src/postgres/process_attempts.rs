//! A process's attempts at one thing each (an invoice's CFDI to stamp or
//! cancel, a payment's complement to stamp), in a table of the process's own
//! with the same columns: `tenant_id`, the thing's id (`invoice_id`,
//! `payment_id`), `attempts`, `error_code` and `last_error` (NULL where the
//! process may record an attempt that did not fail, only waits),
//! `last_attempt_at`, `next_attempt_at`. Operational state, not a read model.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::Duration;

use chrono::{DateTime, Utc};
use folio_commands::attempts::FailedAttempt;
use folio_domain::ids::{CreditNoteId, InvoiceId, PaymentId, TenantId};
use folio_domain::ErrorCode;
use sqlx::PgPool;
use uuid::Uuid;

/// The id of what a process attempts: a typed UUID.
pub(super) trait AttemptedId: Copy + Eq + Hash {
    /// The UUID it stores.
    fn uuid(self) -> Uuid;
    /// The id a stored UUID is.
    fn of(id: Uuid) -> Self;
}

impl AttemptedId for InvoiceId {
    fn uuid(self) -> Uuid {
        self.0
    }
    fn of(id: Uuid) -> Self {
        InvoiceId(id)
    }
}

impl AttemptedId for PaymentId {
    fn uuid(self) -> Uuid {
        self.0
    }
    fn of(id: Uuid) -> Self {
        PaymentId(id)
    }
}

impl AttemptedId for CreditNoteId {
    fn uuid(self) -> Uuid {
        self.0
    }
    fn of(id: Uuid) -> Self {
        CreditNoteId(id)
    }
}

/// One process's attempts table.
#[derive(Debug, Clone, Copy)]
pub(super) struct ProcessAttempts {
    /// The table's name: a constant of the adapter, never input.
    table: &'static str,
    /// The column naming what is attempted: a constant too.
    key: &'static str,
}

/// One row of [`ProcessAttempts::failures`].
#[derive(sqlx::FromRow)]
struct FailureRow {
    key: Uuid,
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

impl ProcessAttempts {
    /// The attempts kept in `table`, each at what its column `key` names.
    pub(super) const fn in_table(table: &'static str, key: &'static str) -> Self {
        ProcessAttempts { table, key }
    }

    /// Counts one more attempt at `id`, failed with `failure` (or, with
    /// none, only waiting), to be tried again `retry_in` from now.
    pub(super) async fn record(
        &self,
        pool: &PgPool,
        (tenant, id): (TenantId, Uuid),
        failure: Option<(ErrorCode, &str)>,
        retry_in: Duration,
    ) -> Result<(), sqlx::Error> {
        let (table, key) = (self.table, self.key);
        let (code, reason) = failure
            .map(|(code, reason)| (code.as_str(), reason))
            .unzip();
        sqlx::query(&format!(
            "INSERT INTO {table}
                 (tenant_id, {key}, attempts, error_code, last_error, last_attempt_at,
                  next_attempt_at)
             VALUES ($1, $2, 1, $3, $4, now(), now() + make_interval(secs => $5))
             ON CONFLICT (tenant_id, {key}) DO UPDATE
                 SET attempts = {table}.attempts + 1, error_code = $3, last_error = $4,
                     last_attempt_at = now(),
                     next_attempt_at = now() + make_interval(secs => $5)"
        ))
        .bind(tenant.0)
        .bind(id)
        .bind(code)
        .bind(reason)
        .bind(retry_in.as_secs_f64())
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Forgets the attempts at `id`.
    pub(super) async fn forget(
        &self,
        pool: &PgPool,
        (tenant, id): (TenantId, Uuid),
    ) -> Result<(), sqlx::Error> {
        let (table, key) = (self.table, self.key);
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE tenant_id = $1 AND {key} = $2"
        ))
        .bind(tenant.0)
        .bind(id)
        .execute(pool)
        .await?;
        Ok(())
    }

    /// The latest attempt at each of `ids` of `tenant` whose latest attempt
    /// failed.
    pub(super) async fn failures<K: AttemptedId>(
        &self,
        pool: &PgPool,
        tenant: TenantId,
        ids: &[K],
    ) -> Result<HashMap<K, FailedAttempt>, sqlx::Error> {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.uuid()).collect();
        let (table, key) = (self.table, self.key);
        let rows: Vec<FailureRow> = sqlx::query_as(&format!(
            "SELECT {key} AS key, attempts, error_code, last_error, last_attempt_at,
                    next_attempt_at
             FROM {table}
             WHERE tenant_id = $1 AND {key} = ANY($2) AND error_code IS NOT NULL"
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
                (K::of(row.key), failure)
            })
            .collect())
    }
}
