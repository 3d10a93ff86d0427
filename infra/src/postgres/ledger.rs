//! The command ledger on Postgres: idempotency and gap-free document numbers.
//!
//! A lease is one open transaction holding transaction-scoped advisory locks: one on
//! `(tenant, idempotency key)` and, for numbered documents, one on `(tenant, series)`.
//! Dropping the lease (a crashed or cancelled request) rolls the transaction back and
//! releases both. The locks use their own key space (seed 1 and 2 of
//! `hashtextextended`), so they never meet a lock taken inside the event insert.

use async_trait::async_trait;
use chrono::NaiveDate;
use folio_commands::{
    CommandLease, CommandLedger, LedgerError, Recorded, Reservation, StoredOutcome,
};
use folio_domain::document_number::DocumentNumber;
use folio_domain::ids::TenantId;
use sqlx::{PgPool, Postgres, Row, Transaction};

use crate::postgres::pool::{self, is_unreachable, PoolUse};

/// The ledger over a pool.
#[derive(Debug, Clone)]
pub struct PgCommandLedger {
    pool: PgPool,
}

impl PgCommandLedger {
    /// A ledger over `pool`.
    pub fn new(pool: PgPool) -> Self {
        PgCommandLedger { pool }
    }
}

/// A database failure as the ledger reports it: unreachable or internal.
pub(crate) fn ledger_error(e: sqlx::Error) -> LedgerError {
    if is_unreachable(&e) {
        LedgerError::Unavailable(Box::new(e))
    } else {
        LedgerError::Internal(Box::new(e))
    }
}

struct PgLease {
    tx: Transaction<'static, Postgres>,
    tenant_id: TenantId,
    key: String,
    previous: Option<Recorded>,
    number: Option<Reservation>,
}

async fn previous_outcome(
    tx: &mut Transaction<'static, Postgres>,
    tenant_id: TenantId,
    key: &str,
) -> Result<Option<Recorded>, LedgerError> {
    let row = sqlx::query("SELECT fingerprint, aggregate_id, outcome FROM command_outcomes WHERE tenant_id = $1 AND idempotency_key = $2")
        .bind(tenant_id.0)
        .bind(key)
        .fetch_optional(&mut **tx)
        .await
        .map_err(ledger_error)?;
    if let Some(row) = row {
        let outcome: serde_json::Value = row.get("outcome");
        let outcome: StoredOutcome =
            serde_json::from_value(outcome).map_err(|e| LedgerError::Internal(Box::new(e)))?;
        return Ok(Some(Recorded {
            fingerprint: row.get("fingerprint"),
            aggregate_id: row.get("aggregate_id"),
            outcome,
        }));
    }
    // The process may have died after committing events and before recording the
    // outcome: the events carry the key, so they are the record.
    let row = sqlx::query(
        "SELECT aggregate_id, max(sequence) AS version, max(global_position) AS position,
                min(metadata ->> 'request_fingerprint') AS fingerprint
         FROM events
         WHERE tenant_id = $1 AND metadata ->> 'idempotency_key' = $2
         GROUP BY aggregate_type, aggregate_id
         LIMIT 1",
    )
    .bind(tenant_id.0)
    .bind(key)
    .fetch_optional(&mut **tx)
    .await
    .map_err(ledger_error)?;
    Ok(row.map(|row| {
        let version: i64 = row.get("version");
        Recorded {
            fingerprint: row
                .get::<Option<String>, _>("fingerprint")
                .unwrap_or_default(),
            aggregate_id: row.get("aggregate_id"),
            outcome: StoredOutcome::Completed {
                version: u64::try_from(version).unwrap_or_default(),
                position: row.get("position"),
            },
        }
    }))
}

#[async_trait]
impl CommandLedger for PgCommandLedger {
    async fn begin(
        &self,
        tenant_id: TenantId,
        idempotency_key: &str,
        _aggregate_type: &str,
        series: Option<&str>,
    ) -> Result<Box<dyn CommandLease>, LedgerError> {
        let mut tx = pool::begin(&self.pool, PoolUse::Command)
            .await
            .map_err(ledger_error)?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 1))")
            .bind(format!("{tenant_id}/{idempotency_key}"))
            .execute(&mut *tx)
            .await
            .map_err(ledger_error)?;
        let previous = previous_outcome(&mut tx, tenant_id, idempotency_key).await?;
        let number = match (series, &previous) {
            (Some(series), None) => {
                sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 2))")
                    .bind(format!("{tenant_id}/{series}"))
                    .execute(&mut *tx)
                    .await
                    .map_err(ledger_error)?;
                // The last number of the series and its date, under the lock.
                let last: Option<(i64, Option<NaiveDate>)> = sqlx::query_as(
                    "SELECT sequence, issue_date FROM document_numbers
                     WHERE tenant_id = $1 AND series = $2 ORDER BY sequence DESC LIMIT 1",
                )
                .bind(tenant_id.0)
                .bind(series)
                .fetch_optional(&mut *tx)
                .await
                .map_err(ledger_error)?;
                let (last_sequence, previous_issue_date) = last.unwrap_or((0, None));
                Some(Reservation {
                    number: DocumentNumber {
                        series: series.to_owned(),
                        sequence: u64::try_from(last_sequence + 1).unwrap_or(1),
                    },
                    previous_issue_date,
                })
            }
            _ => None,
        };
        Ok(Box::new(PgLease {
            tx,
            tenant_id,
            key: idempotency_key.to_owned(),
            previous,
            number,
        }))
    }
}

#[async_trait]
impl CommandLease for PgLease {
    fn previous(&self) -> Option<&Recorded> {
        self.previous.as_ref()
    }

    fn reservation(&self) -> Option<&Reservation> {
        self.number.as_ref()
    }

    async fn position_of(
        &mut self,
        aggregate_type: &str,
        aggregate_id: &str,
        sequence: u64,
    ) -> Result<Option<i64>, LedgerError> {
        sqlx::query_scalar(
            "SELECT global_position FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence = $3",
        )
        .bind(aggregate_type)
        .bind(aggregate_id)
        .bind(i64::try_from(sequence).unwrap_or(i64::MAX))
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(ledger_error)
    }

    async fn finish(
        mut self: Box<Self>,
        aggregate_type: &str,
        recorded: &Recorded,
    ) -> Result<(), LedgerError> {
        let outcome = serde_json::to_value(&recorded.outcome)
            .map_err(|e| LedgerError::Internal(Box::new(e)))?;
        sqlx::query(
            "INSERT INTO command_outcomes (tenant_id, idempotency_key, fingerprint, aggregate_type, aggregate_id, outcome)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (tenant_id, idempotency_key) DO NOTHING",
        )
        .bind(self.tenant_id.0)
        .bind(&self.key)
        .bind(&recorded.fingerprint)
        .bind(aggregate_type)
        .bind(&recorded.aggregate_id)
        .bind(outcome)
        .execute(&mut *self.tx)
        .await
        .map_err(ledger_error)?;
        self.tx.commit().await.map_err(ledger_error)
    }
}
