//! Live status changes over graphql-transport-ws: the events of the caller's
//! tenant as they commit, for the kinds the caller may read.

use std::sync::Arc;

use async_graphql::{Context, Enum, SimpleObject, Subscription, ID};
use folio_commands::{Action, Forbidden};
use folio_projections::FeedEvent;
use futures_util::Stream;
use tokio::sync::broadcast;

use super::context::request;
use crate::error::forbidden;

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ChangeKind {
    /// An invoice changed status or amount due.
    Invoice,
    /// An expense changed status.
    Expense,
}

/// A status change of an invoice or expense in the caller's tenant.
#[derive(Debug, Clone, SimpleObject)]
pub struct StatusChange {
    /// Whether an invoice or an expense changed.
    pub kind: ChangeKind,
    /// The raw UUID of the invoice or expense.
    pub aggregate_id: ID,
    /// The event, e.g. `InvoiceIssued`, `PaymentRecorded`, `ExpenseApproved`.
    pub event_type: String,
    /// The aggregate's version after the event.
    pub version: i64,
    /// Pass to queries as `consistencyToken` to read the new state.
    pub consistency_token: String,
}

fn status_change(event: &FeedEvent) -> Option<StatusChange> {
    let kind = match (event.aggregate_type.as_str(), event.event_type.as_str()) {
        (
            "Invoice",
            "InvoiceIssued" | "InvoiceSent" | "PaymentRecorded" | "PaymentRefunded"
            | "CreditNoteIssued" | "InvoiceVoided" | "InvoiceCancelled" | "InvoiceDisputed"
            | "DisputeResolved" | "CfdiStamped" | "CfdiStampRejected",
        ) => ChangeKind::Invoice,
        (
            "Expense",
            "ExpenseSubmitted" | "ExpenseApproved" | "ExpenseRejected" | "ExpenseReturned"
            | "ExpenseAmended" | "ExpenseReimbursed",
        ) => ChangeKind::Expense,
        _ => return None,
    };
    Some(StatusChange {
        kind,
        aggregate_id: ID(event.aggregate_id.clone()),
        event_type: event.event_type.clone(),
        version: event.sequence,
        consistency_token: event.position.global_position.to_string(),
    })
}

/// Subscriptions (graphql-transport-ws on `/graphql/ws`).
#[derive(Debug, Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Status changes of invoices and expenses in the caller's tenant, as they
    /// commit. Invoices need read access to invoicing, expenses to all expenses.
    async fn status_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The kinds to follow; both if not given.")] kinds: Option<Vec<ChangeKind>>,
    ) -> async_graphql::Result<impl Stream<Item = StatusChange>> {
        let request = request(ctx)?;
        let requested = kinds.unwrap_or_else(|| vec![ChangeKind::Invoice, ChangeKind::Expense]);
        let needs = |kind: &ChangeKind| match kind {
            ChangeKind::Invoice => Action::ReadInvoicing,
            ChangeKind::Expense => Action::ReadAllExpenses,
        };
        // A refusal names what the caller asked for, not a kind it never wanted.
        let refused = requested.first().map_or(Action::ReadInvoicing, needs);
        let wanted: Vec<ChangeKind> = requested
            .into_iter()
            .filter(|kind| request.caller.may(needs(kind)))
            .collect();
        if wanted.is_empty() {
            return Err(forbidden(Forbidden { action: refused }).into());
        }
        let tenant = request.caller.tenant_id.0;
        let mut receiver = ctx.data::<broadcast::Sender<Arc<FeedEvent>>>()?.subscribe();
        Ok(async_stream::stream! {
            loop {
                match receiver.recv().await {
                    Ok(event) if event.tenant_id == tenant => {
                        if let Some(change) = status_change(&event) {
                            if wanted.contains(&change.kind) {
                                yield change;
                            }
                        }
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        })
    }
}
