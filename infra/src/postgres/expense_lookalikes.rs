//! The duplicate check's search: the tenant's expenses like a claim, from the
//! expenses read model.

use async_trait::async_trait;
use folio_commands::{ExpenseLookalikes, ReadModelUnavailable};
use folio_domain::expense::ExpenseDetails;
use folio_domain::ids::{ExpenseId, TenantId};
use folio_projections::expenses::queries::{lookalike_expenses, ClaimKey};
use sqlx::PgPool;

/// Most lookalikes one claim lists: enough for an approver to see it is one
/// of many.
const MOST: i64 = 20;

/// Postgres' SQLSTATE for a relation that does not exist.
const UNDEFINED_TABLE: &str = "42P01";

/// [`ExpenseLookalikes`] over `folio_read.expenses`.
#[derive(Debug, Clone)]
pub struct PgExpenseLookalikes {
    pool: PgPool,
}

impl PgExpenseLookalikes {
    /// Reads through `pool`.
    pub fn new(pool: PgPool) -> Self {
        PgExpenseLookalikes { pool }
    }
}

#[async_trait]
impl ExpenseLookalikes for PgExpenseLookalikes {
    async fn like(
        &self,
        tenant: TenantId,
        claim: &ExpenseDetails,
        except: ExpenseId,
    ) -> Result<Vec<ExpenseId>, ReadModelUnavailable> {
        let key = ClaimKey {
            amount: claim.amount.amount,
            currency: claim.amount.currency.code(),
            incurred_on: claim.incurred_on,
            merchant: &claim.merchant,
        };
        match lookalike_expenses(&self.pool, tenant.0, key, (except.0, MOST)).await {
            Ok(found) => Ok(found.into_iter().map(ExpenseId).collect()),
            // The expenses read model is not installed yet (a store whose
            // projectors have not run): nothing to compare with, and a claim
            // is never refused for the read side's absence.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some(UNDEFINED_TABLE) => {
                tracing::warn!("the expenses read model is not installed: no duplicate check");
                Ok(Vec::new())
            }
            Err(e) => Err(ReadModelUnavailable(Box::new(e))),
        }
    }
}
