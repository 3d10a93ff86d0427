//! Batched loads of rows that belong to a parent (an invoice's lines, payments,
//! credit notes and archived files; a credit note's lines and archived files; a
//! customer's balances): in a list of parents they are read for the
//! whole page in one query, not one query per parent.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::Context;
use folio_domain::ids::TenantId;
use folio_projections::invoicing::queries::{
    self, ArchivedFileRow, BalanceRow, CreditNoteFileRow, CreditNoteLineRow, CreditNoteRow,
    InvoiceLineRow, PaymentRow,
};
use folio_projections::reading::tenant_reader;
use futures_util::future::BoxFuture;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::error::unavailable;

/// A read-model row that belongs to one parent.
pub trait Child: Clone + Send + Sync + 'static {
    /// The parent's id.
    fn parent(&self) -> Uuid;
    /// The rows of every parent in `parents`, in display order.
    fn load<'c>(
        conn: &'c mut PgConnection,
        parents: &'c [Uuid],
    ) -> BoxFuture<'c, Result<Vec<Self>, sqlx::Error>>;
}

macro_rules! child {
    ($row:ty, $parent:ident, $query:path) => {
        impl Child for $row {
            fn parent(&self) -> Uuid {
                self.$parent
            }
            fn load<'c>(
                conn: &'c mut PgConnection,
                parents: &'c [Uuid],
            ) -> BoxFuture<'c, Result<Vec<Self>, sqlx::Error>> {
                Box::pin($query(conn, parents))
            }
        }
    };
}

child!(InvoiceLineRow, invoice_id, queries::lines_of);
child!(PaymentRow, invoice_id, queries::payments_of);
child!(CreditNoteRow, invoice_id, queries::credit_notes_of);
child!(BalanceRow, customer_id, queries::balances_of);
child!(
    CreditNoteLineRow,
    credit_note_id,
    queries::credit_note_lines_of
);
child!(ArchivedFileRow, parent, queries::invoice_files_of);

impl Child for CreditNoteFileRow {
    fn parent(&self) -> Uuid {
        self.file.parent
    }
    fn load<'c>(
        conn: &'c mut PgConnection,
        parents: &'c [Uuid],
    ) -> BoxFuture<'c, Result<Vec<Self>, sqlx::Error>> {
        Box::pin(queries::credit_note_files_of(conn, parents))
    }
}

/// Loads [`Child`] rows of many parents at once, inside one request's tenant.
#[derive(Debug)]
pub struct ChildLoader<T> {
    pool: PgPool,
    tenant: TenantId,
    rows: std::marker::PhantomData<fn() -> T>,
}

impl<T: Child> Loader<Uuid> for ChildLoader<T> {
    type Value = Vec<T>;
    type Error = Arc<async_graphql::Error>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let failed = |e: sqlx::Error| Arc::new(async_graphql::Error::from(unavailable(&e)));
        let mut tx = tenant_reader(&self.pool, self.tenant)
            .await
            .map_err(failed)?;
        let rows = T::load(&mut tx, keys).await.map_err(failed)?;
        let mut by_parent: HashMap<Uuid, Vec<T>> = HashMap::new();
        for row in rows {
            by_parent.entry(row.parent()).or_default().push(row);
        }
        Ok(by_parent)
    }
}

/// A loader of `T` for one request's tenant.
pub(crate) fn loader<T: Child>(pool: &PgPool, tenant: TenantId) -> DataLoader<ChildLoader<T>> {
    DataLoader::new(
        ChildLoader {
            pool: pool.clone(),
            tenant,
            rows: std::marker::PhantomData,
        },
        tokio::spawn,
    )
}

/// The `T` rows of `parent`, converted to their GraphQL type, through the
/// request's loader.
pub(crate) async fn children<T: Child, O: From<T>>(
    ctx: &Context<'_>,
    parent: Uuid,
) -> async_graphql::Result<Vec<O>> {
    let loader = ctx.data::<DataLoader<ChildLoader<T>>>()?;
    Ok(loader
        .load_one(parent)
        .await
        .map_err(|e| (*e).clone())?
        .unwrap_or_default()
        .into_iter()
        .map(O::from)
        .collect())
}
