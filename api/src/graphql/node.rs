//! Relay Global Object Identification: the `Node` interface and the `node` and
//! `nodes` queries that fetch any object by its global id, within the caller's
//! tenant and rights (another tenant's id reads as null).

use async_graphql::{Context, Interface, Object, ID};

use super::customers::{customer_by_id, Customer};
use super::expenses::{expense_by_id, Expense};
use super::ids::{parse_global_id, NodeKind};
use super::invoices::{
    credit_note_by_id, invoice_by_id, payment_by_id, CreditNote, Invoice, Payment,
};
use crate::error::limit;
use crate::graphql::context::request;

/// An object with a global id that `node(id:)` fetches again.
#[derive(Debug, Clone, Interface)]
#[graphql(field(
    name = "id",
    ty = "&ID",
    desc = "Opaque global id; pass it to `node(id:)`."
))]
pub enum Node {
    /// A customer.
    Customer(Customer),
    /// An invoice.
    Invoice(Invoice),
    /// A credit note.
    CreditNote(CreditNote),
    /// A payment.
    Payment(Payment),
    /// An expense.
    Expense(Expense),
}

/// The object a global id names, or null when the caller's tenant has none such.
async fn resolve(ctx: &Context<'_>, id: &ID) -> async_graphql::Result<Option<Node>> {
    let (kind, uuid) = parse_global_id(id)?;
    Ok(match kind {
        NodeKind::Customer => customer_by_id(ctx, uuid, None).await?.map(Node::Customer),
        NodeKind::Invoice => invoice_by_id(ctx, uuid, None).await?.map(Node::Invoice),
        NodeKind::CreditNote => credit_note_by_id(ctx, uuid, None)
            .await?
            .map(Node::CreditNote),
        NodeKind::Payment => payment_by_id(ctx, uuid, None).await?.map(Node::Payment),
        NodeKind::Expense => expense_by_id(ctx, uuid, None).await?.map(Node::Expense),
    })
}

/// The node queries.
#[derive(Debug, Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global id; null if the caller's tenant has none such
    /// (FORBIDDEN if the caller may not read that kind of object).
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An opaque global id, from any Node's `id`.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        resolve(ctx, &id).await
    }

    /// Several objects by global id, in the order asked; null where
    /// `node(id:)` would be null. At most the server's page limit at once.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Opaque global ids, from Nodes' `id`.")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        let most = request(ctx)?.limits.max_page_size;
        if ids.len() > most {
            return Err(limit(format!("nodes takes at most {most} ids at once")).into());
        }
        let mut found = Vec::with_capacity(ids.len());
        for id in &ids {
            found.push(resolve(ctx, id).await?);
        }
        Ok(found)
    }
}
