//! Where personal data sits in events and snapshots, and what it reads as once
//! erased.
//!
//! Events are immutable and hash-chained, so personal data cannot be deleted from
//! them without breaking the chain. Instead the store seals each personal field
//! (replaces it by a [`SealedPersonalData`] envelope) with a key of its own *subject*
//! kept outside the events, and erasure destroys the key (crypto-shredding). The
//! domain decides which fields are personal and what an erased field reads as; the
//! crypto and the keys are infrastructure.
//!
//! The subject of the personal data in a stream is the aggregate the stream is
//! about: a customer's contact details belong to that customer. Employees appear in
//! events only by user id, so expense streams carry no personal fields.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::customer::ContactDetails;

/// What an erased name reads as.
pub const ERASED: &str = "[erased]";

/// The event type that erases its stream's personal data: the store destroys the
/// subject's key when it appends one.
pub const ERASURE_EVENT: &str = "CustomerPersonalDataErased";

/// A personal field: where it is, and what it reads as when its key is gone.
#[derive(Debug, Clone, Copy)]
pub struct PersonalField {
    /// JSON pointer to the field in the stored JSON.
    pub pointer: &'static str,
    /// The value read in its place after erasure (a valid value of the field).
    pub erased: fn() -> Value,
}

fn erased_contact() -> Value {
    serde_json::to_value(ContactDetails::erased()).unwrap_or(Value::Null)
}

const REGISTERED: &[PersonalField] = &[PersonalField {
    pointer: "/CustomerRegistered/contact",
    erased: erased_contact,
}];
const CONTACT_UPDATED: &[PersonalField] = &[PersonalField {
    pointer: "/CustomerContactUpdated/contact",
    erased: erased_contact,
}];
const CUSTOMER_SNAPSHOT: &[PersonalField] = &[PersonalField {
    pointer: "/contact",
    erased: erased_contact,
}];

/// The personal fields of a payload (`{"<EventType>": {...}}`) of `event_type`.
pub fn in_event(event_type: &str) -> &'static [PersonalField] {
    match event_type {
        "CustomerRegistered" => REGISTERED,
        "CustomerContactUpdated" => CONTACT_UPDATED,
        _ => &[],
    }
}

/// The personal fields of a snapshot of an aggregate of `aggregate_type`.
pub fn in_snapshot(aggregate_type: &str) -> &'static [PersonalField] {
    match aggregate_type {
        "Customer" => CUSTOMER_SNAPSHOT,
        _ => &[],
    }
}

/// A personal field as stored: encrypted with its subject's key. Once the key is
/// destroyed nothing can open it, while its bytes (and so the hash chain) stay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SealedPersonalData {
    /// The envelope.
    pub sealed: SealedBox,
}

/// The contents of a [`SealedPersonalData`] envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SealedBox {
    /// Cipher: `AES-256-GCM`.
    pub algorithm: String,
    /// Whose key sealed it (also the authenticated data, so an envelope cannot be
    /// moved to another subject).
    pub subject: String,
    /// The 96-bit nonce, hex.
    pub nonce: String,
    /// The field's JSON, encrypted, with the 128-bit tag appended; hex.
    pub ciphertext: String,
}

impl SealedPersonalData {
    /// The envelope, if `value` is one.
    pub fn from_value(value: &Value) -> Option<Self> {
        value.get("sealed")?;
        serde_json::from_value(value.clone()).ok()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn the_contact_of_customer_events_and_snapshots_is_personal() {
        let payload = json!({"CustomerRegistered": {"contact": {"name": "Ana"}}});
        let field = in_event("CustomerRegistered")[0];
        assert_eq!(
            payload.pointer(field.pointer),
            Some(&json!({"name": "Ana"}))
        );
        assert_eq!(
            (field.erased)(),
            json!({"name": ERASED, "email": null, "phone": null, "address": null})
        );
        assert_eq!(in_event("CustomerContactUpdated").len(), 1);
        assert_eq!(in_snapshot("Customer")[0].pointer, "/contact");
        assert!(in_event("PaymentRecorded").is_empty());
        assert!(in_event("ExpenseSubmitted").is_empty());
        assert!(in_snapshot("Expense").is_empty());
    }

    #[test]
    fn only_a_well_formed_envelope_is_sealed() {
        let sealed = json!({"sealed": {"algorithm": "AES-256-GCM", "subject": "s", "nonce": "00", "ciphertext": "ff"}});
        assert!(SealedPersonalData::from_value(&sealed).is_some());
        assert!(SealedPersonalData::from_value(&json!({"name": "sealed"})).is_none());
        assert!(SealedPersonalData::from_value(&json!({"sealed": {"subject": "s"}})).is_none());
    }
}
