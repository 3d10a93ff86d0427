//! The tenant's reminder schedule as GraphQL reads and writes it: one shape
//! for `tenantSettings.dunning` and the `configureDunning` input.

use async_graphql::{InputObject, SimpleObject};
use folio_domain::dunning as domain;

/// One payment reminder of the schedule.
#[derive(Debug, Clone, SimpleObject, InputObject)]
#[graphql(input_name = "DunningStepInput")]
pub struct DunningStep {
    /// Days after the due date it is sent: `-3` three days before, `7` a week
    /// overdue (-30 to 365).
    pub days_after_due: i32,
}

/// When customers are reminded of open invoices.
#[derive(Debug, Clone, SimpleObject, InputObject)]
#[graphql(input_name = "DunningPolicyInput")]
pub struct DunningPolicy {
    /// The reminders, earliest first (at most 6, one per day); none: no
    /// reminders. A run sends an invoice the latest step whose day has come,
    /// at most 14 days after that day.
    pub steps: Vec<DunningStep>,
}

impl From<domain::DunningPolicy> for DunningPolicy {
    fn from(policy: domain::DunningPolicy) -> Self {
        DunningPolicy {
            steps: policy
                .steps
                .into_iter()
                .map(|s| DunningStep {
                    days_after_due: s.days_after_due,
                })
                .collect(),
        }
    }
}

impl From<DunningPolicy> for domain::DunningPolicy {
    fn from(policy: DunningPolicy) -> Self {
        domain::DunningPolicy {
            steps: policy
                .steps
                .into_iter()
                .map(|s| domain::DunningStep {
                    days_after_due: s.days_after_due,
                    // Not offered yet: fees are charged once they are invoiced.
                    late_fee: None,
                })
                .collect(),
        }
    }
}
