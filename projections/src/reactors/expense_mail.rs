//! The expense e-mail reactor: approvers are told that an expense waits for
//! their decision, employees what was decided on theirs and when they were
//! paid back.
//!
//! The events name users, not addresses: the sender looks the addresses up
//! in the directory when it sends, and records them then. So an address an
//! admin corrects in the meantime is the one written to, and the outbox holds
//! none before it is needed.

use async_trait::async_trait;
use folio_domain::expense::ExpenseEvent;
use serde_json::{json, Value};
use sqlx::PgConnection;

use super::{queue, Channel, Message};
use crate::feed::FeedEvent;
use crate::projector::{decode, ProjectionError, Projector, ProjectorKind};

/// The reactor's name: its checkpoint's key.
pub const NAME: &str = "expense_mail";

/// An expense waits for a decision: to whoever may give it.
pub const EXPENSE_WAITING: &str = "expense_waiting";
/// To the employee: their expense was approved.
pub const EXPENSE_APPROVED: &str = "expense_approved";
/// To the employee: their expense was rejected.
pub const EXPENSE_REJECTED: &str = "expense_rejected";
/// To the employee: their expense was sent back for changes.
pub const EXPENSE_RETURNED: &str = "expense_returned";
/// To the employee: they were paid back.
pub const EXPENSE_REIMBURSED: &str = "expense_reimbursed";

/// Queues the e-mails expense events call for.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExpenseMailReactor;

/// The message kind `event` calls for and what its e-mail says besides the
/// expense itself; `None` if it calls for none.
fn message_of(event: ExpenseEvent) -> Option<(&'static str, Value)> {
    use ExpenseEvent as E;
    match event {
        E::ExpenseSubmitted { .. } | E::ExpenseAmended { .. } => Some((EXPENSE_WAITING, json!({}))),
        // An approval that leaves more to give: the next approvers are awaited.
        E::ExpenseApprovalGiven {
            approvals_so_far,
            approvals_required,
            ..
        } if approvals_so_far < approvals_required => Some((EXPENSE_WAITING, json!({}))),
        E::ExpenseApprovalGiven { .. } => None,
        E::ExpenseApproved { approver_id } => {
            Some((EXPENSE_APPROVED, json!({ "decided_by": approver_id })))
        }
        E::ExpenseRejected {
            approver_id,
            reason,
        } => Some((
            EXPENSE_REJECTED,
            json!({ "decided_by": approver_id, "reason": reason }),
        )),
        E::ExpenseReturned {
            approver_id,
            reason,
        } => Some((
            EXPENSE_RETURNED,
            json!({ "decided_by": approver_id, "reason": reason }),
        )),
        E::ExpenseReimbursed {
            batch_reference,
            reimbursed_on,
            amount,
        } => Some((
            EXPENSE_REIMBURSED,
            json!({
                "batch_reference": batch_reference,
                "reimbursed_on": reimbursed_on,
                "amount": amount,
            }),
        )),
    }
}

#[async_trait]
impl Projector for ExpenseMailReactor {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> u32 {
        1
    }

    fn schema_sql(&self) -> &'static str {
        ""
    }

    fn aggregate_types(&self) -> &'static [&'static str] {
        &["Expense"]
    }

    fn kind(&self) -> ProjectorKind {
        ProjectorKind::Reactor
    }

    async fn project(
        &self,
        conn: &mut PgConnection,
        event: &FeedEvent,
    ) -> Result<(), ProjectionError> {
        let Some((kind, mut payload)) = message_of(decode(event)?) else {
            return Ok(());
        };
        payload["expense_id"] = Value::String(event.aggregate_id.clone());
        let message = Message {
            channel: Channel::Email,
            kind: kind.to_owned(),
            recipients: Vec::new(),
            payload,
        };
        queue(conn, self, event, "0", message).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use folio_domain::ids::UserId;

    use super::*;

    fn approval(so_far: u8, required: u8) -> ExpenseEvent {
        ExpenseEvent::ExpenseApprovalGiven {
            approver_id: UserId::new("mgr"),
            at: "2026-12-07T09:00:00Z".parse().unwrap(),
            comment: None,
            approvals_so_far: so_far,
            approvals_required: required,
        }
    }

    #[test]
    fn an_approval_that_leaves_more_to_give_awaits_the_next_approvers() {
        assert_eq!(message_of(approval(1, 2)).unwrap().0, EXPENSE_WAITING);
        // The last one: the approval itself is the news (ExpenseApproved).
        assert!(message_of(approval(2, 2)).is_none());
    }

    #[test]
    fn a_decision_tells_the_employee_who_decided_and_why() {
        let (kind, payload) = message_of(ExpenseEvent::ExpenseReturned {
            approver_id: UserId::new("mgr"),
            reason: "attach the receipt".into(),
        })
        .unwrap();
        assert_eq!(kind, EXPENSE_RETURNED);
        assert_eq!(
            payload,
            json!({ "decided_by": "mgr", "reason": "attach the receipt" })
        );
    }
}
