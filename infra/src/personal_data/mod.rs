//! Personal data in the event store: sealed with a key per subject, erased by
//! destroying that key (crypto-shredding), so the hash chains never break.
//!
//! The domain names the personal fields ([`folio_domain::personal_data`]). On the
//! way in, [`crate::postgres::sealing_repository::SealingRepository`] (the one append path) replaces each by an AES-256-GCM
//! envelope under its subject's key from `personal_data_keys`, so the chains hash
//! ciphertext. On the way out, every reader that needs the data (aggregates,
//! projectors, the auditors' current payloads and past states) opens the envelopes
//! with [`Keys`]; once a key is gone the field reads as the domain's erased value.
//! Readers of the stored bytes (the relay, exports, `folio events`, the chains) see
//! envelopes only.
//!
//! Keys are looked up per call and never cached, so an erased key is gone from every
//! process as soon as the erasure commits. Given a master key held outside the
//! database ([`KeyWrapping`], `FOLIO_PERSONAL_DATA_MASTER_KEY`), the subject keys
//! are stored wrapped by it, so a copy of the database alone opens nothing.

use std::collections::HashMap;

use cqrs_es::persist::PersistenceError;
use folio_domain::personal_data::{
    in_event, in_snapshot, PersonalField, SealedBox, SealedPersonalData, INVOICE_CUSTOMER,
};
use folio_projections::FeedEvent;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::postgres::pool::is_unreachable;

mod fingerprint;
pub(crate) mod master_key;

pub use fingerprint::FingerprintKeys;
pub use master_key::{require_wrapping_keys, wrap_stored_keys, KeyWrapping};

const ALGORITHM: &str = "AES-256-GCM";

/// Why personal data could not be sealed, opened or erased.
#[derive(Debug, thiserror::Error)]
pub enum PersonalDataError {
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// New personal data for a subject whose data was erased.
    #[error("the personal data of {subject} was erased; no new personal data is stored for it")]
    Erased {
        /// The subject whose key it is.
        subject: String,
    },
    /// An envelope does not open with its subject's key: altered or corrupt.
    #[error("sealed personal data of {subject} does not open with its key (altered or corrupt)")]
    Corrupt {
        /// The subject whose key it is.
        subject: String,
    },
    /// An invoice stream does not name its customer where the domain says.
    #[error("invoice {invoice} has no customer to own its personal data")]
    NoInvoiceCustomer {
        /// The invoice.
        invoice: String,
    },
    /// An event to seal has no tenant in its metadata.
    #[error("event {sequence} of {subject} has no tenant_id in its metadata")]
    NoTenant {
        /// The subject whose key it is.
        subject: String,
        /// The event's sequence.
        sequence: usize,
    },
    /// A subject key is wrapped by a master key this process was not given.
    #[error("the key of {subject} is wrapped by master key {wrapped_by}, which this process was not given (FOLIO_PERSONAL_DATA_MASTER_KEY)")]
    NoMasterKey {
        /// The subject whose key it is.
        subject: String,
        /// The id of the master key that wraps it.
        wrapped_by: String,
    },
    /// Stored keys are wrapped by a master key this process was not given.
    #[error("personal-data keys are wrapped by master key {wrapped_by}, which this process was not given: set FOLIO_PERSONAL_DATA_MASTER_KEY to that key")]
    MasterKeyMissing {
        /// The id of the master key that wraps them.
        wrapped_by: String,
    },
    /// The master key given is not 64 hex characters, or none was given.
    #[error("a master key is 64 hexadecimal characters (256 bits, e.g. from `openssl rand -hex 32`), and {0}")]
    InvalidMasterKey(&'static str),
    /// The system's random source or the cipher failed.
    #[error("cannot seal personal data: {0}")]
    Crypto(&'static str),
}

impl From<PersonalDataError> for PersistenceError {
    fn from(error: PersonalDataError) -> Self {
        match error {
            PersonalDataError::Database(e) if is_unreachable(&e) => {
                PersistenceError::ConnectionError(Box::new(e))
            }
            other => PersistenceError::UnknownError(Box::new(other)),
        }
    }
}

/// The keys of some subjects, looked up once for a batch of reads. A subject with
/// no key (erased, or never sealed) opens to the erased value.
#[derive(Debug, Default)]
pub struct Keys {
    keys: HashMap<String, LessSafeKey>,
}

pub(crate) fn sealed_fields<'a>(
    fields: &'static [PersonalField],
    value: &'a Value,
) -> impl Iterator<Item = SealedPersonalData> + 'a {
    fields.iter().filter_map(move |field| {
        value
            .pointer(field.pointer)
            .and_then(SealedPersonalData::from_value)
    })
}

/// The subjects the envelopes in `payloads` (event type, payload) name: whose
/// keys open them.
pub fn subjects<'a>(payloads: impl IntoIterator<Item = (&'a str, &'a Value)>) -> Vec<String> {
    payloads
        .into_iter()
        .flat_map(|(event_type, payload)| sealed_fields(in_event(event_type), payload))
        .map(|envelope| envelope.sealed.subject)
        .collect()
}

/// [`INVOICE_CUSTOMER`] as a Postgres path (`payload #>> $n`).
pub(crate) fn invoice_customer_path() -> Vec<&'static str> {
    INVOICE_CUSTOMER.split('/').skip(1).collect()
}

/// The authenticated data of an envelope: its subject and the stream it is in.
fn aad(subject: &str, stream: &str) -> Vec<u8> {
    format!("{subject}/{stream}").into_bytes()
}

impl Keys {
    /// The keys of `subjects` that still have one.
    pub async fn fetch(
        conn: &mut PgConnection,
        wrapping: &KeyWrapping,
        mut subjects: Vec<String>,
    ) -> Result<Keys, PersonalDataError> {
        subjects.sort_unstable();
        subjects.dedup();
        if subjects.is_empty() {
            return Ok(Keys::default());
        }
        let rows: Vec<(String, Vec<u8>, Option<String>)> = sqlx::query_as(
            "SELECT subject_id, key, wrapped_by FROM public.personal_data_keys
              WHERE subject_id = ANY($1) AND key IS NOT NULL",
        )
        .bind(&subjects)
        .fetch_all(conn)
        .await?;
        let mut keys = HashMap::new();
        for (subject, stored, wrapped_by) in rows {
            let bytes = master_key::unwrapped(wrapping, &subject, stored, wrapped_by)?;
            let key = key_from(&subject, &bytes)?;
            keys.insert(subject, key);
        }
        Ok(Keys { keys })
    }

    /// The keys needed to open `events`.
    pub async fn for_events(
        conn: &mut PgConnection,
        wrapping: &KeyWrapping,
        events: &[FeedEvent],
    ) -> Result<Keys, PersonalDataError> {
        let subjects = subjects(events.iter().map(|e| (e.event_type.as_str(), &e.payload)));
        Keys::fetch(conn, wrapping, subjects).await
    }

    /// Opens the envelopes in `payload`, an event of `event_type` in `stream` (its
    /// aggregate id); plaintext (written before sealing) is left as it is.
    pub fn open_event(
        &self,
        event_type: &str,
        stream: &str,
        payload: &mut Value,
    ) -> Result<(), PersonalDataError> {
        self.open_fields(in_event(event_type), stream, payload)
    }

    /// Opens the envelopes in a snapshot of aggregate `stream` of `aggregate_type`.
    pub fn open_snapshot(
        &self,
        aggregate_type: &str,
        stream: &str,
        state: &mut Value,
    ) -> Result<(), PersonalDataError> {
        self.open_fields(in_snapshot(aggregate_type), stream, state)
    }

    /// Opens every event of `events` in place.
    pub fn open_events(&self, events: &mut [FeedEvent]) -> Result<(), PersonalDataError> {
        for event in events {
            self.open_event(&event.event_type, &event.aggregate_id, &mut event.payload)?;
        }
        Ok(())
    }

    fn open_fields(
        &self,
        fields: &'static [PersonalField],
        stream: &str,
        value: &mut Value,
    ) -> Result<(), PersonalDataError> {
        for field in fields {
            let Some(slot) = value.pointer_mut(field.pointer) else {
                continue;
            };
            let Some(envelope) = SealedPersonalData::from_value(slot) else {
                continue;
            };
            *slot = self.open(stream, &envelope.sealed, field)?;
        }
        Ok(())
    }

    fn open(
        &self,
        stream: &str,
        sealed: &SealedBox,
        field: &PersonalField,
    ) -> Result<Value, PersonalDataError> {
        let Some(key) = self.keys.get(&sealed.subject) else {
            return Ok((field.erased)());
        };
        let corrupt = || PersonalDataError::Corrupt {
            subject: sealed.subject.clone(),
        };
        if sealed.algorithm != ALGORITHM {
            return Err(corrupt());
        }
        let nonce = hex::decode(&sealed.nonce).map_err(|_| corrupt())?;
        let ciphertext = hex::decode(&sealed.ciphertext).map_err(|_| corrupt())?;
        let plain =
            decrypt(key, &nonce, &aad(&sealed.subject, stream), ciphertext).ok_or_else(corrupt)?;
        serde_json::from_slice(&plain).map_err(|_| corrupt())
    }
}

/// `plain` encrypted with `key` (AES-256-GCM) under a fresh random nonce, bound to
/// `aad`: the nonce, and the ciphertext with its tag. `refused` says why if the
/// cipher refuses the input.
fn encrypt(
    random: &SystemRandom,
    key: &LessSafeKey,
    aad: &[u8],
    mut plain: Vec<u8>,
    refused: &'static str,
) -> Result<([u8; NONCE_LEN], Vec<u8>), PersonalDataError> {
    let mut nonce = [0u8; NONCE_LEN];
    random
        .fill(&mut nonce)
        .map_err(|_| PersonalDataError::Crypto("no randomness"))?;
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        &mut plain,
    )
    .map_err(|_| PersonalDataError::Crypto(refused))?;
    Ok((nonce, plain))
}

/// What [`encrypt`] made of `ciphertext`, opened with the same `key`, `nonce` and
/// `aad`; `None` if it does not open (altered, or not theirs).
fn decrypt(
    key: &LessSafeKey,
    nonce: &[u8],
    aad: &[u8],
    mut ciphertext: Vec<u8>,
) -> Option<Vec<u8>> {
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let length = key
        .open_in_place(nonce, Aad::from(aad), &mut ciphertext)
        .ok()?
        .len();
    ciphertext.truncate(length);
    Some(ciphertext)
}

/// Seals `value`, a field in `stream`, with `subject`'s `key`: the field's JSON,
/// encrypted under a fresh random nonce, bound to subject and stream.
pub(crate) fn seal(
    random: &SystemRandom,
    key: &LessSafeKey,
    subject: &str,
    stream: &str,
    value: &Value,
) -> Result<Value, PersonalDataError> {
    let (nonce, bytes) = encrypt(
        random,
        key,
        &aad(subject, stream),
        value.to_string().into_bytes(),
        "the field is too long to seal",
    )?;
    let envelope = SealedPersonalData {
        sealed: SealedBox {
            algorithm: ALGORITHM.to_owned(),
            subject: subject.to_owned(),
            nonce: hex::encode(nonce),
            ciphertext: hex::encode(bytes),
        },
    };
    serde_json::to_value(envelope).map_err(|_| PersonalDataError::Crypto("envelope"))
}

/// The key to seal `subject`'s new personal data with, created on first use;
/// `None` if the subject was erased.
pub(crate) async fn sealing_key(
    pool: &PgPool,
    wrapping: &KeyWrapping,
    random: &SystemRandom,
    tenant: Uuid,
    subject: &str,
) -> Result<Option<LessSafeKey>, PersonalDataError> {
    key_bytes(pool, wrapping, random, tenant, subject)
        .await?
        .map(|bytes| key_from(subject, &bytes))
        .transpose()
}

/// `subject`'s key (unwrapped if a master key wraps it), created on first use;
/// `None` if the subject was erased.
pub(super) async fn key_bytes(
    pool: &PgPool,
    wrapping: &KeyWrapping,
    random: &SystemRandom,
    tenant: Uuid,
    subject: &str,
) -> Result<Option<Vec<u8>>, PersonalDataError> {
    let mut fresh = [0u8; 32];
    random
        .fill(&mut fresh)
        .map_err(|_| PersonalDataError::Crypto("no randomness"))?;
    let (stored, wrapped_by) = match wrapping.master() {
        Some(master) => (
            master.wrap(random, subject, &fresh)?,
            Some(master.id.as_str()),
        ),
        None => (fresh.to_vec(), None),
    };
    // Inserted unless the subject has a row (kept, or erased); either way, the row.
    // A row committed by a concurrent first seal after this statement's snapshot is
    // invisible to it (no row comes back): the second try sees it.
    let mut row: Option<(Option<Vec<u8>>, Option<String>)> = None;
    for _ in 0..2 {
        row = sqlx::query_as(
            "WITH created AS (
                 INSERT INTO public.personal_data_keys (subject_id, tenant_id, key, wrapped_by)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (subject_id) DO NOTHING
                 RETURNING key, wrapped_by)
             SELECT key, wrapped_by FROM created
             UNION ALL
             SELECT key, wrapped_by FROM public.personal_data_keys
              WHERE subject_id = $1 AND NOT EXISTS (SELECT 1 FROM created)",
        )
        .bind(subject)
        .bind(tenant)
        .bind(&stored)
        .bind(wrapped_by)
        .fetch_optional(pool)
        .await?;
        if row.is_some() {
            break;
        }
    }
    let (bytes, wrapped_by) = row.ok_or(sqlx::Error::RowNotFound)?;
    bytes
        .map(|bytes| master_key::unwrapped(wrapping, subject, bytes, wrapped_by))
        .transpose()
}

/// `subject`'s AES-256-GCM key from its stored bytes.
fn key_from(subject: &str, bytes: &[u8]) -> Result<LessSafeKey, PersonalDataError> {
    UnboundKey::new(&AES_256_GCM, bytes)
        .map(LessSafeKey::new)
        .map_err(|_| PersonalDataError::Corrupt {
            subject: subject.to_owned(),
        })
}

/// Destroys `subject`'s key (or records that it has none, so that no personal data
/// is ever sealed for it again). Erasing twice keeps the first time and actor.
pub async fn destroy_key(
    pool: &PgPool,
    tenant: Uuid,
    subject: &str,
    erased_by: &str,
) -> Result<(), PersonalDataError> {
    sqlx::query(
        "INSERT INTO public.personal_data_keys AS k (subject_id, tenant_id, key, erased_at, erased_by)
         VALUES ($1, $2, NULL, now(), $3)
         ON CONFLICT (subject_id) DO UPDATE
         SET key = NULL,
             erased_at = coalesce(k.erased_at, excluded.erased_at),
             erased_by = coalesce(k.erased_by, excluded.erased_by)",
    )
    .bind(subject)
    .bind(tenant)
    .bind(erased_by)
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets the addresses `subject`'s e-mails went or go to in `tenant`: those
/// of the invoices of a customer, and those the sender addressed to a
/// directory user (the outbox keeps recipients in plaintext, so that a sender
/// needs no key). Sent ones keep their record without addresses, and unsent
/// ones fail, since nobody is left to write to. The delivery log's details,
/// which may quote an address from a server's answer, go too.
pub async fn forget_outbox_recipients(
    pool: &PgPool,
    tenant: Uuid,
    subject: &str,
) -> Result<(), PersonalDataError> {
    let mut tx = pool.begin().await?;
    let forgotten: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE public.outbox
         SET recipients = '{}',
             status = CASE WHEN status IN ('SENT', 'FAILED', 'SKIPPED') THEN status ELSE 'FAILED' END,
             error_code = CASE WHEN status IN ('SENT', 'FAILED', 'SKIPPED') THEN error_code ELSE 'CONFLICT' END,
             last_error = CASE WHEN status IN ('SENT', 'FAILED', 'SKIPPED') THEN NULL
                          ELSE 'the recipient''s personal data was erased; nobody is left to write to' END,
             lease_until = NULL
         WHERE tenant_id = $1
           AND ($2 = ANY(recipient_subjects)
                OR aggregate_type = 'Invoice' AND aggregate_id IN (
                   SELECT aggregate_id FROM public.events
                    WHERE aggregate_type = 'Invoice' AND sequence = 1 AND payload #>> $3 = $2))
         RETURNING message_id",
    )
    .bind(tenant)
    .bind(subject)
    .bind(invoice_customer_path())
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query("UPDATE public.outbox_attempts SET detail = NULL WHERE message_id = ANY($1)")
        .bind(&forgotten)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// What the store holds about one subject's personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectRecord {
    /// The subject's tenant.
    pub tenant_id: Uuid,
    /// Events (of its stream and its invoices') with a sealed personal field.
    pub sealed_events: u64,
    /// Events with a personal field of it in plaintext (written before sealing
    /// existed): erasure cannot reach these.
    pub plaintext_events: u64,
}

/// What the store holds about `subject`, or `None` if no stream carries its
/// personal data.
pub async fn subject_record(
    pool: &PgPool,
    subject: &str,
) -> Result<Option<SubjectRecord>, PersonalDataError> {
    // The customer's own stream, and the streams of its invoices. Erasure is rare:
    // finding the invoices by scanning their first events is fine.
    let rows: Vec<(Uuid, String, Value)> = sqlx::query_as(
        "SELECT tenant_id, event_type, payload FROM public.events
          WHERE aggregate_id = $1
             OR (aggregate_type = 'Invoice' AND aggregate_id IN (
                    SELECT aggregate_id FROM public.events
                     WHERE aggregate_type = 'Invoice' AND sequence = 1
                       AND payload #>> $2 = $1))
          ORDER BY aggregate_type, aggregate_id, sequence",
    )
    .bind(subject)
    .bind(invoice_customer_path())
    .fetch_all(pool)
    .await?;
    let Some(tenant_id) = rows
        .iter()
        .find(|(_, event_type, _)| event_type == "CustomerRegistered")
        .map(|(tenant_id, ..)| *tenant_id)
    else {
        return Ok(None);
    };
    let (mut sealed_events, mut plaintext_events) = (0, 0);
    for (_, event_type, payload) in &rows {
        let fields = in_event(event_type);
        let present = fields
            .iter()
            .filter(|f| payload.pointer(f.pointer).is_some());
        let sealed = sealed_fields(fields, payload).count();
        match (present.count(), sealed) {
            (0, _) => {}
            (n, s) if n == s => sealed_events += 1,
            _ => plaintext_events += 1,
        }
    }
    Ok(Some(SubjectRecord {
        tenant_id,
        sealed_events,
        plaintext_events,
    }))
}

/// Opens the envelopes in feed events, for projectors (embedded mode).
pub async fn open_feed_events(
    conn: &mut PgConnection,
    wrapping: &KeyWrapping,
    events: &mut [FeedEvent],
) -> Result<(), PersonalDataError> {
    Keys::for_events(conn, wrapping, events)
        .await?
        .open_events(events)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    fn key(byte: u8) -> LessSafeKey {
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[byte; 32]).unwrap())
    }

    fn keys(subject: &str, byte: u8) -> Keys {
        Keys {
            keys: HashMap::from([(subject.to_owned(), key(byte))]),
        }
    }

    fn registered(contact: Value) -> Value {
        json!({"CustomerRegistered": {"customer_id": "c1", "contact": contact}})
    }

    fn sealed_registration(subject: &str, contact: &Value) -> Value {
        let sealed = seal(&SystemRandom::new(), &key(7), subject, subject, contact).unwrap();
        registered(sealed)
    }

    #[test]
    fn a_sealed_contact_holds_no_plaintext_and_opens_with_its_key() {
        let contact = json!({"name": "Ana Lima", "email": "ana@example.com"});
        let mut payload = sealed_registration("c1", &contact);
        let text = payload.to_string();
        assert!(
            !text.contains("Ana") && !text.contains("example.com"),
            "{text}"
        );
        keys("c1", 7)
            .open_event("CustomerRegistered", "c1", &mut payload)
            .unwrap();
        assert_eq!(payload, registered(contact));
    }

    #[test]
    fn the_same_contact_seals_differently_each_time() {
        let contact = json!({"name": "Ana Lima"});
        assert_ne!(
            sealed_registration("c1", &contact),
            sealed_registration("c1", &contact)
        );
    }

    #[test]
    fn without_its_key_a_sealed_contact_reads_as_erased() {
        let mut payload = sealed_registration("c1", &json!({"name": "Ana Lima"}));
        Keys::default()
            .open_event("CustomerRegistered", "c1", &mut payload)
            .unwrap();
        assert_eq!(
            payload,
            registered(json!({"name": "[erased]", "email": null, "phone": null, "address": null}))
        );
    }

    #[test]
    fn an_altered_envelope_or_another_key_is_refused() {
        let contact = json!({"name": "Ana Lima"});
        let mut altered = sealed_registration("c1", &contact);
        let ciphertext = altered
            .pointer_mut("/CustomerRegistered/contact/sealed/ciphertext")
            .unwrap();
        let text = ciphertext.as_str().unwrap();
        let first = if text.starts_with('0') { "1" } else { "0" };
        *ciphertext = Value::String(format!("{first}{}", &text[1..]));
        assert!(matches!(
            keys("c1", 7).open_event("CustomerRegistered", "c1", &mut altered),
            Err(PersonalDataError::Corrupt { .. })
        ));
        let mut other_key = sealed_registration("c1", &contact);
        assert!(matches!(
            keys("c1", 8).open_event("CustomerRegistered", "c1", &mut other_key),
            Err(PersonalDataError::Corrupt { .. })
        ));
    }

    #[test]
    fn an_envelope_moved_to_another_stream_does_not_open() {
        let mut moved = sealed_registration("c1", &json!({"name": "Ana Lima"}));
        assert!(matches!(
            keys("c1", 7).open_event("CustomerRegistered", "c2", &mut moved),
            Err(PersonalDataError::Corrupt { .. })
        ));
    }

    #[test]
    fn recipients_are_sealed_with_the_invoice_s_customer_key() {
        let recipients = json!(["ana.lima@example.pt"]);
        let sealed = seal(&SystemRandom::new(), &key(7), "c1", "i1", &recipients).unwrap();
        let mut payload = json!({"InvoiceSent": {"recipients": sealed}});
        assert_eq!(subjects([("InvoiceSent", &payload)]), ["c1"]);
        let mut erased = payload.clone();
        keys("c1", 7)
            .open_event("InvoiceSent", "i1", &mut payload)
            .unwrap();
        assert_eq!(payload["InvoiceSent"]["recipients"], recipients);
        Keys::default()
            .open_event("InvoiceSent", "i1", &mut erased)
            .unwrap();
        assert_eq!(erased["InvoiceSent"]["recipients"], json!([]));
    }

    #[test]
    fn plaintext_written_before_sealing_passes_through() {
        let contact = json!({"name": "Old Customer"});
        let mut payload = registered(contact.clone());
        Keys::default()
            .open_event("CustomerRegistered", "c1", &mut payload)
            .unwrap();
        assert_eq!(payload, registered(contact));
    }
}
