//! The e-mails of expenses: to whoever may decide on a claim that waits, and
//! to the employee once it is approved, rejected, returned or paid back.
//!
//! Composed when they are sent, from the stores as they are then: the
//! employee's and a manager's addresses from their directory entries, the
//! other approvers' from the directory's read model. An expense that no
//! longer waits, or a user without an address, leaves nobody to write to:
//! the message is skipped, with the reason in its log.

use std::sync::Arc;

use chrono::NaiveDate;
use folio_domain::expense::Deciders;
use folio_domain::ids::{ExpenseId, TenantId, UserId};
use folio_domain::money::Money;
use folio_projections::reactors::expense_mail::{
    EXPENSE_APPROVED, EXPENSE_REIMBURSED, EXPENSE_REJECTED, EXPENSE_RETURNED, EXPENSE_WAITING,
};
use serde_json::Value;

use super::compose_error::ComposeError;
use super::expense_templates::{expense_mail, Amount, ExpenseFacts, ExpenseNews};
use super::organisation::{organisation, system_reads};
use super::ports::{DueMessage, Email};
use crate::access::{Action, Role};
use crate::reads::{ReadModels, Reads};
use crate::use_cases::UseCases;

/// An e-mail and the directory users whose addresses it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressed {
    /// The e-mail.
    pub email: Email,
    /// The users (subjects) it is addressed to, so erasing one of them finds
    /// their address in the outbox.
    pub users: Vec<UserId>,
}

/// Composes expenses' e-mails.
#[derive(Clone)]
pub struct ExpenseMail {
    use_cases: Arc<UseCases>,
    reads: ReadModels,
}

impl std::fmt::Debug for ExpenseMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExpenseMail")
    }
}

fn text(payload: &Value, key: &str) -> String {
    payload[key].as_str().unwrap_or_default().to_owned()
}

fn amount(money: &Money) -> Amount {
    Amount {
        value: money.amount,
        places: money.currency.minor_units(),
        currency: money.currency.code().to_owned(),
    }
}

impl ExpenseMail {
    /// Reads expenses and users through `use_cases`, the approvers and the
    /// tenant's name through `reads`.
    pub fn new(use_cases: Arc<UseCases>, reads: ReadModels) -> Self {
        ExpenseMail { use_cases, reads }
    }

    /// The e-mail `message` (an `expense_*`) stands for, with its addressees.
    pub async fn compose(&self, message: &DueMessage) -> Result<Addressed, ComposeError> {
        let malformed = || ComposeError::Malformed(message.payload.to_string());
        let expense_id: ExpenseId = message.payload_id("expense_id")?;
        let tenant = message.tenant_id;
        let (expense, deciders) = self
            .use_cases
            .awaited_deciders(tenant, expense_id)
            .await
            .map_err(ComposeError::unloadable)?;
        let (Some(employee), Some(details)) = (&expense.employee_id, &expense.details) else {
            return Err(ComposeError::NobodyToWrite(
                "the expense does not exist".into(),
            ));
        };
        let news = news(&message.kind, &message.payload).ok_or_else(malformed)?;
        let to = match news {
            ExpenseNews::Waiting => self.deciders(tenant, deciders).await?,
            _ => vec![self.address_of(tenant, employee).await?],
        };
        let (organisation, locale) = organisation(&self.use_cases, &self.reads, tenant).await?;
        let facts = ExpenseFacts {
            employee: employee.0.clone(),
            merchant: details.merchant.clone(),
            description: details.description.clone(),
            incurred_on: details.incurred_on,
            amount: amount(&details.amount),
            organisation: organisation.clone(),
        };
        let words = expense_mail(locale, &facts, &news);
        let (users, addresses) = to.into_iter().unzip();
        Ok(Addressed {
            email: Email {
                message_id: message.message_id,
                from_name: Some(format!("Folio ({organisation})")),
                reply_to: None,
                to: addresses,
                bcc: Vec::new(),
                subject: words.subject,
                text: words.text,
                html: Some(words.html),
                attachments: Vec::new(),
            },
            users,
        })
    }

    /// The address of `user` as their directory entry holds it now.
    async fn address_of(
        &self,
        tenant: TenantId,
        user: &UserId,
    ) -> Result<(UserId, String), ComposeError> {
        let entry = self
            .use_cases
            .directory_entry(tenant, user)
            .await
            .map_err(ComposeError::unloadable)?;
        let email = entry.email.ok_or_else(|| {
            ComposeError::NobodyToWrite(format!("{user} has no e-mail address in the directory"))
        })?;
        Ok((user.clone(), email))
    }

    /// The addresses of who may decide now.
    async fn deciders(
        &self,
        tenant: TenantId,
        deciders: Deciders,
    ) -> Result<Vec<(UserId, String)>, ComposeError> {
        match deciders {
            Deciders::Nobody => Err(ComposeError::NobodyToWrite(
                "the expense no longer waits for a decision".into(),
            )),
            Deciders::Only(manager) => Ok(vec![self.address_of(tenant, &manager).await?]),
            Deciders::AnyApproverExcept(excluded) => {
                let approvers: Vec<(UserId, String)> = self
                    .reads(tenant)
                    .addresses_of_users_who_may(Action::ApproveExpenses)
                    .await
                    .map_err(ComposeError::unreadable)?
                    .into_iter()
                    .map(|(subject, email)| (UserId(subject), email))
                    .filter(|(user, _)| !excluded.contains(user))
                    .collect();
                if approvers.is_empty() {
                    return Err(ComposeError::NobodyToWrite(
                        "no approver who may decide has an e-mail address in the directory".into(),
                    ));
                }
                Ok(approvers)
            }
        }
    }

    fn reads(&self, tenant: TenantId) -> Reads {
        system_reads(&self.reads, tenant, Role::Auditor)
    }
}

/// What a message of `kind` with `payload` tells.
fn news(kind: &str, payload: &Value) -> Option<ExpenseNews> {
    let by = || text(payload, "decided_by");
    Some(match kind {
        EXPENSE_WAITING => ExpenseNews::Waiting,
        EXPENSE_APPROVED => ExpenseNews::Approved { by: by() },
        EXPENSE_REJECTED => ExpenseNews::Rejected {
            by: by(),
            reason: text(payload, "reason"),
        },
        EXPENSE_RETURNED => ExpenseNews::Returned {
            by: by(),
            reason: text(payload, "reason"),
        },
        EXPENSE_REIMBURSED => {
            let paid: Money = serde_json::from_value(payload["amount"].clone()).ok()?;
            let on: NaiveDate = serde_json::from_value(payload["reimbursed_on"].clone()).ok()?;
            ExpenseNews::Reimbursed {
                on,
                batch: text(payload, "batch_reference"),
                paid: amount(&paid),
            }
        }
        _ => return None,
    })
}
