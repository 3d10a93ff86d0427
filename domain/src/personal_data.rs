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
//! Every personal field belongs to a *subject*: a customer's contact details to
//! that customer, the addresses an invoice was sent to to the invoice's
//! customer, a directory user's e-mail address to that user. Employees appear
//! in expense events only by user id, so expense streams carry no personal
//! fields.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::customer::ContactDetails;
pub use crate::customer::ERASED_NAME as ERASED;

/// The event types that erase their stream's personal data: the store destroys
/// the subject's key when it appends one.
pub const ERASURE_EVENTS: &[&str] = &["CustomerPersonalDataErased", "UserPersonalDataErased"];

/// Whether `event_type` erases its stream's personal data.
pub fn is_erasure(event_type: &str) -> bool {
    ERASURE_EVENTS.contains(&event_type)
}

/// Whose personal data a field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The aggregate the stream is about (a customer's own stream).
    Stream,
    /// The customer an invoice is for: the `customer_id` of the invoice's first
    /// event, [`INVOICE_CUSTOMER`].
    InvoiceCustomer,
}

/// Where an invoice stream names its customer: the pointer into its first event
/// (`DraftCreated`).
pub const INVOICE_CUSTOMER: &str = "/DraftCreated/customer_id";

/// A personal field: where it is, whose it is, and what it reads as when its key
/// is gone.
#[derive(Debug, Clone, Copy)]
pub struct PersonalField {
    /// JSON pointer to the field in the stored JSON.
    pub pointer: &'static str,
    /// Whose it is.
    pub subject: Subject,
    /// The value read in its place after erasure (a valid value of the field).
    pub erased: fn() -> Value,
}

fn erased_contact() -> Value {
    serde_json::to_value(ContactDetails::erased()).unwrap_or(Value::Null)
}

fn no_recipients() -> Value {
    Value::Array(Vec::new())
}

fn no_address() -> Value {
    Value::Null
}

/// A directory user's e-mail address at `pointer`: their own stream's.
const fn user_email_at(pointer: &'static str) -> PersonalField {
    PersonalField {
        pointer,
        subject: Subject::Stream,
        erased: no_address,
    }
}

/// A customer's contact details at `pointer`: its own stream's personal data.
const fn contact_at(pointer: &'static str) -> PersonalField {
    PersonalField {
        pointer,
        subject: Subject::Stream,
        erased: erased_contact,
    }
}

const REGISTERED: &[PersonalField] = &[contact_at("/CustomerRegistered/contact")];
const CONTACT_UPDATED: &[PersonalField] = &[contact_at("/CustomerContactUpdated/contact")];
const CUSTOMER_SNAPSHOT: &[PersonalField] = &[contact_at("/contact")];
const INVOICE_SENT: &[PersonalField] = &[PersonalField {
    pointer: "/InvoiceSent/recipients",
    subject: Subject::InvoiceCustomer,
    erased: no_recipients,
}];
const REMINDER_SENT: &[PersonalField] = &[PersonalField {
    pointer: "/PaymentReminderSent/recipients",
    subject: Subject::InvoiceCustomer,
    erased: no_recipients,
}];
const USER_INVITED: &[PersonalField] = &[user_email_at("/UserInvited/email")];
const USER_EMAIL_SET: &[PersonalField] = &[user_email_at("/UserEmailSet/email")];
const USER_SNAPSHOT: &[PersonalField] = &[user_email_at("/email")];

/// The personal fields of a payload (`{"<EventType>": {...}}`) of `event_type`.
pub fn in_event(event_type: &str) -> &'static [PersonalField] {
    match event_type {
        "CustomerRegistered" => REGISTERED,
        "CustomerContactUpdated" => CONTACT_UPDATED,
        "InvoiceSent" => INVOICE_SENT,
        "PaymentReminderSent" => REMINDER_SENT,
        "UserInvited" => USER_INVITED,
        "UserEmailSet" => USER_EMAIL_SET,
        _ => &[],
    }
}

/// The personal fields of a snapshot of an aggregate of `aggregate_type`.
pub fn in_snapshot(aggregate_type: &str) -> &'static [PersonalField] {
    match aggregate_type {
        "Customer" => CUSTOMER_SNAPSHOT,
        "User" => USER_SNAPSHOT,
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
    /// Whose key sealed it. The authenticated data is `<subject>/<stream>`, so an
    /// envelope opens only with its subject's key and only in its own stream.
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
        assert_eq!(field.subject, Subject::Stream);
        assert!(in_event("PaymentRecorded").is_empty());
        assert!(in_event("ExpenseSubmitted").is_empty());
        assert!(in_snapshot("Expense").is_empty());
    }

    #[test]
    fn the_addresses_an_invoice_was_sent_to_are_its_customer_s() {
        let field = in_event("InvoiceSent")[0];
        assert_eq!(field.pointer, "/InvoiceSent/recipients");
        assert_eq!(field.subject, Subject::InvoiceCustomer);
        assert_eq!((field.erased)(), json!([]));
        let draft = json!({"DraftCreated": {"customer_id": "c1"}});
        assert_eq!(draft.pointer(INVOICE_CUSTOMER), Some(&json!("c1")));
    }

    #[test]
    fn a_user_s_e_mail_address_is_their_own_and_reads_as_none_once_erased() {
        for (event_type, pointer) in [
            ("UserInvited", "/UserInvited/email"),
            ("UserEmailSet", "/UserEmailSet/email"),
        ] {
            let field = in_event(event_type)[0];
            assert_eq!(field.pointer, pointer);
            assert_eq!(field.subject, Subject::Stream);
            assert_eq!((field.erased)(), Value::Null);
        }
        assert_eq!(in_snapshot("User")[0].pointer, "/email");
        assert!(is_erasure("UserPersonalDataErased"));
        assert!(is_erasure("CustomerPersonalDataErased"));
        assert!(!is_erasure("UserDeactivated"));
    }

    #[test]
    fn only_a_well_formed_envelope_is_sealed() {
        let sealed = json!({"sealed": {"algorithm": "AES-256-GCM", "subject": "s", "nonce": "00", "ciphertext": "ff"}});
        assert!(SealedPersonalData::from_value(&sealed).is_some());
        assert!(SealedPersonalData::from_value(&json!({"name": "sealed"})).is_none());
        assert!(SealedPersonalData::from_value(&json!({"sealed": {"subject": "s"}})).is_none());
    }
}
