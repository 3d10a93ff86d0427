//! The credit moves under way, as the finisher reads them: from the invoicing
//! read model, across tenants.

use std::time::Duration;

use async_trait::async_trait;
use folio_commands::{CreditMovesUnderWay, LedgerError, MoveUnderWay};
use folio_domain::ids::{CreditTransferId, InvoiceId, TenantId};
use folio_domain::money::{Currency, Money};
use folio_projections::invoicing::queries::moves_under_way;
use sqlx::PgPool;

/// Most moves one round takes.
const BATCH: i64 = 100;

/// [`CreditMovesUnderWay`] over `folio_read.credit_transfers`.
#[derive(Debug, Clone)]
pub struct PgCreditMoves {
    pool: PgPool,
}

impl PgCreditMoves {
    /// Reads through `pool`.
    pub fn new(pool: PgPool) -> Self {
        PgCreditMoves { pool }
    }
}

#[async_trait]
impl CreditMovesUnderWay for PgCreditMoves {
    async fn older_than(&self, grace: Duration) -> Result<Vec<MoveUnderWay>, LedgerError> {
        let rows = moves_under_way(&self.pool, grace, BATCH)
            .await
            .map_err(|e| LedgerError::Unavailable(Box::new(e)))?;
        rows.into_iter()
            .map(|row| {
                let currency = Currency::from_code(&row.currency)
                    .map_err(|e| LedgerError::Internal(e.to_string().into()))?;
                Ok(MoveUnderWay {
                    tenant_id: TenantId(row.tenant_id),
                    transfer_id: CreditTransferId(row.transfer_id),
                    from_invoice: InvoiceId(row.from_invoice_id),
                    to_invoice: InvoiceId(row.to_invoice_id),
                    amount: Money::new(row.amount, currency),
                })
            })
            .collect()
    }
}
