//! Event schema versions: the version each event type is written at today, and the
//! upcasters that turn an older stored payload into today's shape. Stored events are
//! never rewritten; every reader (the event store loading an aggregate, the
//! projectors, the history an auditor reads) upcasts through [`upcast`], so one
//! function decides what an old event means. `tests/replay.rs` upgrades a whole
//! database an earlier release wrote (v1 claims among its events) and checks
//! that today's code shows the same state and goes on from it.
//!
//! History of changes:
//! - `Invoice/InvoiceSent` v2 (was v1): `recipient: String` became
//!   `recipients: [String]`, for invoices sent to several addresses at once. A v1
//!   event had one recipient: `recipients = [recipient]`.
//! - `Expense/ExpenseSubmitted` and `Expense/ExpenseAmended` v2 (were v1): the
//!   claim's `details` gained `exchange_rate`, the rate the employee states into
//!   the policy's currency. A v1 claim stated none: `exchange_rate = null`.
//! - An optional field that is left out of the stored payload when absent keeps
//!   the version: a stored payload without it reads as the same event, and the
//!   schema only gains an optional property. `TaxRate.category` and
//!   `TaxRate.exemption` (wherever a tax is stored: lines, issued lines, tax
//!   totals) are such fields: absent, the tax named no EN 16931 category.
//!   `InvoiceIssued.adjustments` is another: absent, the invoice had no
//!   allowances or charges on the whole document; and `InvoiceIssued.prepaid`:
//!   absent, no credit was applied as the invoice was issued. `LineItem.price_basis`
//!   (wherever a line is stored) is left out when `NET`: every line written
//!   before tax-inclusive prices existed reads as `NET`; so is
//!   `DraftCreated.price_basis`, every draft created before it reads as `NET`.
//!   The credit-move fields `CreditTransferred.booked`, `CreditApplied.booking`
//!   and `CreditReturned.booked` are absent unless the invoices are booked in
//!   a foreign currency, as every move recorded before they existed was not.
//!   `InvoiceSent.delivery` is left out when `RECORDED`: every invoice sent
//!   before Folio sent e-mail went out some other way.
//!   `InvoicingPolicy.payment_complement_series` (wherever a policy is
//!   stored) is left out when `P`: every policy configured before payment
//!   complements existed numbers them in `P`.
//! - A new value of an enum keeps the version too: every stored payload is
//!   still one of the old values. `ArchivedFormat` gained `CFDI` and
//!   `CFDI_PDF` (a stamped Mexican invoice's archive), `DocumentOfInvoice`
//!   gained `PAYMENT_COMPLEMENT` (a stamped complement's archive),
//!   `PolicyViolation` gained `POSSIBLE_DUPLICATE` (in
//!   `Expense/ExpenseSubmitted` and `Expense/ExpenseAmended`).
//! - New event types start at v1: `Invoice/InvoiceCancelled` (a Mexican
//!   cancellation with SAT's reason), `TenantSettings/JurisdictionConfigured`,
//!   `TenantSettings/LegalProfileConfigured` (who the seller is on documents),
//!   `Invoice/DocumentArchived` (the stored files of an issued document),
//!   `TenantSettings/LogoConfigured` (the logo on the tenant's documents),
//!   `Invoice/DocumentAdjustmentAdded` and `Invoice/DocumentAdjustmentRemoved`
//!   (an allowance or a charge on a draft's whole document),
//!   `TenantSettings/TaxRatesConfigured` (the tenant's tax-rate catalogue),
//!   `Invoice/CreditExchangeDifferenceRealised` (credit moved between invoices
//!   booked at two rates), `Invoice/PaymentReminderSent`,
//!   `Invoice/InvoiceDisputed` and `Invoice/DisputeResolved` (dunning),
//!   `Invoice/CfdiSealed`, `Invoice/CfdiStamped`, `Invoice/CfdiStampRejected`
//!   and `Invoice/CfdiStampRequested` (Mexico's fiscal stamp by a PAC),
//!   `Invoice/CfdiCancellationRequested`, `Invoice/CfdiCancellationSubmitted`
//!   and `Invoice/CfdiCancellationRefused` (a stamped CFDI cancelled through
//!   SAT), `Invoice/PaymentComplementIssued`, `Invoice/PaymentComplementSealed`,
//!   `Invoice/PaymentComplementStamped`, `Invoice/PaymentComplementRejected`
//!   and `Invoice/PaymentComplementRequested` (a payment's complement, CFDI
//!   of type P, numbered and stamped), `Invoice/CreditNoteCfdiSealed`,
//!   `Invoice/CreditNoteCfdiStamped`, `Invoice/CreditNoteCfdiRejected` and
//!   `Invoice/CreditNoteCfdiRequested` (a credit note's CFDI of type E).

use serde_json::Value;

/// Why a stored payload cannot be read as today's event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpcastError {
    /// A version newer than this code knows (written by a later release).
    #[error("{event_type} v{version} is newer than this release (v{current})")]
    FromTheFuture {
        /// The event's type as stored (e.g. `PaymentRecorded`).
        event_type: String,
        /// The schema version stored with the event.
        version: String,
        /// The version this code writes.
        current: &'static str,
    },
    /// A version this code has no upcaster for, or not a version at all.
    #[error("{event_type} has no version {version:?}")]
    UnknownVersion {
        /// The event's type as stored (e.g. `PaymentRecorded`).
        event_type: String,
        /// The schema version stored with the event.
        version: String,
    },
    /// The payload is not the shape its version promises.
    #[error("{event_type} v{version} payload is malformed: {reason}")]
    Malformed {
        /// The event's type as stored (e.g. `PaymentRecorded`).
        event_type: String,
        /// The schema version stored with the event.
        version: String,
        /// What is wrong.
        reason: &'static str,
    },
}

/// The version `event_type` is written at today.
pub fn current_version(event_type: &str) -> &'static str {
    match event_type {
        "InvoiceSent" | "ExpenseSubmitted" | "ExpenseAmended" => "2",
        _ => "1",
    }
}

/// Turns a stored `payload` (`{"<EventType>": {...}}`) of `event_type` at `version`
/// into today's shape; today's version passes through unchanged.
pub fn upcast(event_type: &str, version: &str, payload: Value) -> Result<Value, UpcastError> {
    let current = current_version(event_type);
    if version == current {
        return Ok(payload);
    }
    let (stored, now) = match (version.parse::<u32>(), current.parse::<u32>()) {
        (Ok(stored), Ok(now)) => (stored, now),
        _ => return Err(unknown(event_type, version)),
    };
    if stored > now {
        return Err(UpcastError::FromTheFuture {
            event_type: event_type.to_owned(),
            version: version.to_owned(),
            current,
        });
    }
    match (event_type, version) {
        ("InvoiceSent", "1") => invoice_sent_v1(payload),
        ("ExpenseSubmitted" | "ExpenseAmended", "1") => claim_without_rate_v1(event_type, payload),
        _ => Err(unknown(event_type, version)),
    }
}

fn unknown(event_type: &str, version: &str) -> UpcastError {
    UpcastError::UnknownVersion {
        event_type: event_type.to_owned(),
        version: version.to_owned(),
    }
}

/// `InvoiceSent` v1 → v2: the one recipient becomes a list of one.
fn invoice_sent_v1(mut payload: Value) -> Result<Value, UpcastError> {
    let malformed = |reason| UpcastError::Malformed {
        event_type: "InvoiceSent".into(),
        version: "1".into(),
        reason,
    };
    let body = payload
        .get_mut("InvoiceSent")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| malformed("no InvoiceSent object"))?;
    let recipient = body
        .remove("recipient")
        .filter(Value::is_string)
        .ok_or_else(|| malformed("no recipient string"))?;
    body.insert("recipients".into(), Value::Array(vec![recipient]));
    Ok(payload)
}

/// `ExpenseSubmitted`/`ExpenseAmended` v1 → v2: the claim stated no exchange
/// rate.
fn claim_without_rate_v1(event_type: &str, mut payload: Value) -> Result<Value, UpcastError> {
    let details = payload
        .get_mut(event_type)
        .and_then(|body| body.get_mut("details"))
        .and_then(Value::as_object_mut)
        .ok_or_else(|| UpcastError::Malformed {
            event_type: event_type.to_owned(),
            version: "1".into(),
            reason: "no details object",
        })?;
    details.insert("exchange_rate".into(), Value::Null);
    Ok(payload)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;
    use crate::invoice::InvoiceEvent;

    #[test]
    fn a_v1_invoice_sent_reads_as_today_s_event_with_one_recipient() {
        let stored = json!({"InvoiceSent": {"sent_at": "2026-03-01T09:00:00Z", "recipient": "ap@acme.example"}});
        let event: InvoiceEvent =
            serde_json::from_value(upcast("InvoiceSent", "1", stored).unwrap()).unwrap();
        assert_eq!(
            event,
            InvoiceEvent::InvoiceSent {
                sent_at: "2026-03-01T09:00:00Z".parse().unwrap(),
                recipients: vec!["ap@acme.example".into()],
                delivery: crate::invoice::Delivery::Recorded,
            }
        );
    }

    #[test]
    fn a_v1_claim_reads_as_today_s_event_with_no_exchange_rate() {
        let details = json!({"incurred_on": "2026-03-01", "merchant": "DB", "category": "travel",
            "amount": {"amount": "89.90", "currency": "EUR"}, "tax": null,
            "description": "Train", "receipt_ref": null});
        let stored = json!({"ExpenseAmended": {"details": details, "approvals_required": 1,
            "policy_violations": []}});
        let today = upcast("ExpenseAmended", "1", stored).unwrap();
        assert_eq!(
            today["ExpenseAmended"]["details"]["exchange_rate"],
            Value::Null
        );
        let event: crate::expense::ExpenseEvent = serde_json::from_value(today).unwrap();
        assert!(matches!(
            event,
            crate::expense::ExpenseEvent::ExpenseAmended { details, .. } if details.exchange_rate.is_none()
        ));
    }

    #[test]
    fn today_s_version_passes_through_and_others_are_refused_by_name() {
        let today = json!({"InvoiceSent": {"sent_at": "2026-03-01T09:00:00Z", "recipients": []}});
        assert_eq!(upcast("InvoiceSent", "2", today.clone()).unwrap(), today);
        assert!(matches!(
            upcast("InvoiceSent", "3", today.clone()),
            Err(UpcastError::FromTheFuture { .. })
        ));
        assert!(matches!(
            upcast("InvoiceSent", "x", today.clone()),
            Err(UpcastError::UnknownVersion { .. })
        ));
        assert!(matches!(
            upcast("PaymentRecorded", "0", today),
            Err(UpcastError::UnknownVersion { .. })
        ));
        assert!(matches!(
            upcast("InvoiceSent", "1", json!({"InvoiceSent": {}})),
            Err(UpcastError::Malformed { .. })
        ));
    }
}
