//! Batched loads of rows that belong to a parent (an invoice's lines, payments,
//! credit notes and archived files; a credit note's lines and archived files; a
//! customer's balances): in a list of parents they are read for the
//! whole page in one query, not one query per parent.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::Context;
use folio_commands::reads::{ChildRows, Reads};
use uuid::Uuid;

use crate::error::read;

/// Loads [`ChildRows`] of many parents at once, through one caller's reads.
#[derive(Debug)]
pub struct ChildLoader<T> {
    reads: Reads,
    rows: std::marker::PhantomData<fn() -> T>,
}

impl<T: ChildRows + Clone + Sync> Loader<Uuid> for ChildLoader<T> {
    type Value = Vec<T>;
    type Error = Arc<async_graphql::Error>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        self.reads
            .children(keys)
            .await
            .map_err(|e| Arc::new(read(e).into()))
    }
}

/// A loader of `T` through `reads` (one request's).
pub(crate) fn loader<T: ChildRows + Clone + Sync>(reads: &Reads) -> DataLoader<ChildLoader<T>> {
    DataLoader::new(
        ChildLoader {
            reads: reads.clone(),
            rows: std::marker::PhantomData,
        },
        tokio::spawn,
    )
}

/// The `T` rows of `parent`, converted to their GraphQL type, through the
/// request's loader.
pub(crate) async fn children<T: ChildRows + Clone + Sync, O: From<T>>(
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
