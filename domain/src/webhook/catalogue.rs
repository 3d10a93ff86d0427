//! Which events a webhook can carry, and what they are called there: the
//! Standard Webhooks `type`, dot-separated, e.g. `invoice.issued` for an
//! `InvoiceIssued` of an invoice, `invoice.payment_recorded`,
//! `expense.submitted`. Invoices, customers and expenses are published; the
//! directory, the settings and the endpoints themselves are not.

use strum::VariantNames;

use crate::customer::CustomerEvent;
use crate::expense::ExpenseEvent;
use crate::invoice::InvoiceEvent;

/// The aggregate types whose events webhooks carry, with their event types.
fn published() -> [(&'static str, &'static [&'static str]); 3] {
    [
        ("Invoice", InvoiceEvent::VARIANTS),
        ("Customer", CustomerEvent::VARIANTS),
        ("Expense", ExpenseEvent::VARIANTS),
    ]
}

/// The aggregate types whose events webhooks carry.
pub const PUBLISHED_AGGREGATES: [&str; 3] = ["Invoice", "Customer", "Expense"];

/// `CamelCase` as `snake_case`.
fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The webhook type of an `event_type` event of an `aggregate_type`
/// aggregate: `<aggregate>.<event>`, the event's name without the aggregate's
/// when it starts with it. `None` for an aggregate webhooks do not carry.
pub fn webhook_type(aggregate_type: &str, event_type: &str) -> Option<String> {
    if !PUBLISHED_AGGREGATES.contains(&aggregate_type) {
        return None;
    }
    let event = event_type
        .strip_prefix(aggregate_type)
        .unwrap_or(event_type);
    Some(format!("{}.{}", snake(aggregate_type), snake(event)))
}

/// Every webhook type, by aggregate then event, as an endpoint may filter by.
pub fn all_webhook_types() -> Vec<String> {
    published()
        .into_iter()
        .flat_map(|(aggregate, events)| {
            events
                .iter()
                .filter_map(move |event| webhook_type(aggregate, event))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_named_after_its_aggregate_and_itself() {
        assert_eq!(
            webhook_type("Invoice", "InvoiceIssued").as_deref(),
            Some("invoice.issued")
        );
        assert_eq!(
            webhook_type("Invoice", "PaymentRecorded").as_deref(),
            Some("invoice.payment_recorded")
        );
        assert_eq!(
            webhook_type("Customer", "CustomerPersonalDataErased").as_deref(),
            Some("customer.personal_data_erased")
        );
        assert_eq!(webhook_type("User", "UserInvited"), None);
    }

    #[test]
    fn the_catalogue_holds_each_published_event_once() {
        let all = all_webhook_types();
        assert!(all.contains(&"expense.submitted".to_owned()));
        assert!(all.contains(&"invoice.credit_note_issued".to_owned()));
        let mut unique = all.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), all.len());
    }
}
