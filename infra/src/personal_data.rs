//! Personal data in the event store: sealed with a key per subject, erased by
//! destroying that key (crypto-shredding), so the hash chains never break.
//!
//! The domain names the personal fields ([`folio_domain::personal_data`]). On the
//! way in, [`SealingRepository`] (the one append path) replaces each by an AES-256-GCM
//! envelope under its subject's key from `personal_data_keys`, so the chains hash
//! ciphertext. On the way out, every reader that needs the data (aggregates,
//! projectors, the auditors' current payloads and past states) opens the envelopes
//! with [`Keys`]; once a key is gone the field reads as the domain's erased value.
//! Readers of the stored bytes (the relay, exports, `folio events`, the chains) see
//! envelopes only.
//!
//! Keys are looked up per call and never cached, so an erased key is gone from every
//! process as soon as the erasure commits. Given a master key held outside the
//! database ([`use_master_key`], `FOLIO_PERSONAL_DATA_MASTER_KEY`), the subject keys
//! are stored wrapped by it, so a copy of the database alone opens nothing.

use std::collections::HashMap;
use std::sync::OnceLock;

use cqrs_es::persist::{
    PersistedEventRepository, PersistenceError, ReplayStream, SerializedEvent, SerializedSnapshot,
};
use cqrs_es::Aggregate;
use folio_commands::{LedgerError, PersonalDataKeys};
use folio_domain::ids::TenantId;
use folio_domain::personal_data::{
    in_event, in_snapshot, PersonalField, SealedBox, SealedPersonalData, Subject, ERASURE_EVENT,
    INVOICE_CUSTOMER,
};
use folio_projections::delivery::Delivered;
use folio_projections::FeedEvent;
use postgres_es::PostgresEventRepository;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

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
        /// The subject.
        subject: String,
    },
    /// An envelope does not open with its subject's key: altered or corrupt.
    #[error("sealed personal data of {subject} does not open with its key (altered or corrupt)")]
    Corrupt {
        /// The subject.
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
        /// The subject.
        subject: String,
        /// The event's sequence.
        sequence: usize,
    },
    /// A subject key is wrapped by a master key this process was not given.
    #[error("the key of {subject} is wrapped by master key {wrapped_by}, which this process was not given (FOLIO_PERSONAL_DATA_MASTER_KEY)")]
    NoMasterKey {
        /// The subject.
        subject: String,
        /// The id of the master key that wraps it.
        wrapped_by: String,
    },
    /// The master key given is not 64 hex characters, or a second one was given.
    #[error("invalid master key: {0}")]
    InvalidMasterKey(&'static str),
    /// The system's random source or the cipher failed.
    #[error("cannot seal personal data: {0}")]
    Crypto(&'static str),
}

impl From<PersonalDataError> for PersistenceError {
    fn from(error: PersonalDataError) -> Self {
        match error {
            PersonalDataError::Database(e) => PersistenceError::ConnectionError(Box::new(e)),
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

fn sealed_fields<'a>(
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
fn invoice_customer_path() -> Vec<&'static str> {
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
        mut subjects: Vec<String>,
    ) -> Result<Keys, PersonalDataError> {
        subjects.sort_unstable();
        subjects.dedup();
        if subjects.is_empty() {
            return Ok(Keys::default());
        }
        let rows: Vec<(String, Vec<u8>, Option<String>)> = sqlx::query_as(
            "SELECT subject_id, key, wrapped_by FROM personal_data_keys
              WHERE subject_id = ANY($1) AND key IS NOT NULL",
        )
        .bind(&subjects)
        .fetch_all(conn)
        .await?;
        let mut keys = HashMap::new();
        for (subject, stored, wrapped_by) in rows {
            let bytes = unwrapped(&subject, stored, wrapped_by)?;
            let key = key_from(&subject, &bytes)?;
            keys.insert(subject, key);
        }
        Ok(Keys { keys })
    }

    /// The keys needed to open `events`.
    pub async fn for_events(
        conn: &mut PgConnection,
        events: &[FeedEvent],
    ) -> Result<Keys, PersonalDataError> {
        let subjects = subjects(events.iter().map(|e| (e.event_type.as_str(), &e.payload)));
        Keys::fetch(conn, subjects).await
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
        let nonce = Nonce::try_assume_unique_for_key(&nonce).map_err(|_| corrupt())?;
        let mut bytes = hex::decode(&sealed.ciphertext).map_err(|_| corrupt())?;
        let plain = key
            .open_in_place(nonce, Aad::from(aad(&sealed.subject, stream)), &mut bytes)
            .map_err(|_| corrupt())?;
        serde_json::from_slice(plain).map_err(|_| corrupt())
    }
}

/// Seals `value`, a field in `stream`, with `subject`'s `key`: the field's JSON,
/// encrypted under a fresh random nonce, bound to subject and stream.
fn seal(
    random: &SystemRandom,
    key: &LessSafeKey,
    subject: &str,
    stream: &str,
    value: &Value,
) -> Result<Value, PersonalDataError> {
    let mut nonce = [0u8; NONCE_LEN];
    random
        .fill(&mut nonce)
        .map_err(|_| PersonalDataError::Crypto("no randomness"))?;
    let mut bytes = value.to_string().into_bytes();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad(subject, stream)),
        &mut bytes,
    )
    .map_err(|_| PersonalDataError::Crypto("the field is too long to seal"))?;
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
async fn sealing_key(
    pool: &PgPool,
    random: &SystemRandom,
    tenant: Uuid,
    subject: &str,
) -> Result<Option<LessSafeKey>, PersonalDataError> {
    key_bytes(pool, random, tenant, subject)
        .await?
        .map(|bytes| key_from(subject, &bytes))
        .transpose()
}

/// `subject`'s key (unwrapped if a master key wraps it), created on first use;
/// `None` if the subject was erased.
async fn key_bytes(
    pool: &PgPool,
    random: &SystemRandom,
    tenant: Uuid,
    subject: &str,
) -> Result<Option<Vec<u8>>, PersonalDataError> {
    let mut fresh = [0u8; 32];
    random
        .fill(&mut fresh)
        .map_err(|_| PersonalDataError::Crypto("no randomness"))?;
    let (stored, wrapped_by) = match MASTER_KEY.get() {
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
                 INSERT INTO personal_data_keys (subject_id, tenant_id, key, wrapped_by)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (subject_id) DO NOTHING
                 RETURNING key, wrapped_by)
             SELECT key, wrapped_by FROM created
             UNION ALL
             SELECT key, wrapped_by FROM personal_data_keys
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
        .map(|bytes| unwrapped(subject, bytes, wrapped_by))
        .transpose()
}

/// The master key of this process, if it was given one.
static MASTER_KEY: OnceLock<MasterKey> = OnceLock::new();

/// What a subject key is wrapped under, bound to its subject.
const WRAP_CONTEXT: &str = "folio/subject-key/";

/// A key-encryption key held outside the database: subject keys are stored as
/// `nonce ‖ AES-256-GCM(subject key) ‖ tag` under it, with the subject as
/// authenticated data.
struct MasterKey {
    /// Names the master key without revealing it (stored beside each key it wraps).
    id: String,
    key: LessSafeKey,
}

impl MasterKey {
    fn wrap(
        &self,
        random: &SystemRandom,
        subject: &str,
        key: &[u8],
    ) -> Result<Vec<u8>, PersonalDataError> {
        let mut nonce = [0u8; NONCE_LEN];
        random
            .fill(&mut nonce)
            .map_err(|_| PersonalDataError::Crypto("no randomness"))?;
        let mut bytes = key.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(format!("{WRAP_CONTEXT}{subject}")),
                &mut bytes,
            )
            .map_err(|_| PersonalDataError::Crypto("cannot wrap a key"))?;
        Ok([nonce.as_slice(), &bytes].concat())
    }
}

/// Makes every subject key this process creates stored wrapped by `hex`, a 256-bit
/// master key in 64 hex characters kept outside the database, and lets it open
/// keys wrapped by it. Once per process; returns the master key's id.
pub fn use_master_key(hex: &str) -> Result<String, PersonalDataError> {
    let bytes = hex::decode(hex.trim())
        .map_err(|_| PersonalDataError::InvalidMasterKey("not hexadecimal"))?;
    let key = UnboundKey::new(&AES_256_GCM, &bytes)
        .map_err(|_| PersonalDataError::InvalidMasterKey("not 64 hex characters (256 bits)"))?;
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, &bytes),
        b"folio/master-key-id/v1",
    );
    let id = hex::encode(&tag.as_ref()[..8]);
    let master = MasterKey {
        id: id.clone(),
        key: LessSafeKey::new(key),
    };
    match MASTER_KEY.set(master) {
        Ok(()) => Ok(id),
        Err(_) if MASTER_KEY.get().is_some_and(|m| m.id == id) => Ok(id),
        Err(_) => Err(PersonalDataError::InvalidMasterKey(
            "a different master key is already in use",
        )),
    }
}

/// Wraps every subject key stored as is (created before this deployment had a
/// master key) with the process's master key, in batches; returns how many were
/// wrapped and the master key's id.
pub async fn wrap_stored_keys(pool: &PgPool) -> Result<(u64, String), PersonalDataError> {
    let master = MASTER_KEY.get().ok_or(PersonalDataError::InvalidMasterKey(
        "none given (FOLIO_PERSONAL_DATA_MASTER_KEY)",
    ))?;
    let random = SystemRandom::new();
    let mut wrapped = 0;
    loop {
        let mut tx = pool.begin().await?;
        let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(
            "SELECT subject_id, key FROM personal_data_keys
              WHERE key IS NOT NULL AND wrapped_by IS NULL
              LIMIT 1000 FOR UPDATE SKIP LOCKED",
        )
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok((wrapped, master.id.clone()));
        }
        for (subject, key) in rows {
            sqlx::query(
                "UPDATE personal_data_keys SET key = $2, wrapped_by = $3 WHERE subject_id = $1",
            )
            .bind(&subject)
            .bind(master.wrap(&random, &subject, &key)?)
            .bind(&master.id)
            .execute(&mut *tx)
            .await?;
            wrapped += 1;
        }
        tx.commit().await?;
    }
}

/// A subject key as stored, opened with the master key that wraps it (if any).
fn unwrapped(
    subject: &str,
    stored: Vec<u8>,
    wrapped_by: Option<String>,
) -> Result<Vec<u8>, PersonalDataError> {
    let Some(wrapped_by) = wrapped_by else {
        return Ok(stored);
    };
    let Some(master) = MASTER_KEY.get().filter(|m| m.id == wrapped_by) else {
        return Err(PersonalDataError::NoMasterKey {
            subject: subject.to_owned(),
            wrapped_by,
        });
    };
    let corrupt = || PersonalDataError::Corrupt {
        subject: subject.to_owned(),
    };
    if stored.len() < NONCE_LEN {
        return Err(corrupt());
    }
    let (nonce, sealed) = stored.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| corrupt())?;
    let mut bytes = sealed.to_vec();
    let plain = master
        .key
        .open_in_place(
            nonce,
            Aad::from(format!("{WRAP_CONTEXT}{subject}")),
            &mut bytes,
        )
        .map_err(|_| corrupt())?;
    Ok(plain.to_vec())
}

/// What a request fingerprint's digest key is derived with: never the sealing key
/// itself, so the two uses of one subject key cannot meet.
const FINGERPRINT_CONTEXT: &[u8] = b"folio/request-fingerprint/v1";

/// The command layer's [`PersonalDataKeys`]: request fingerprints digest personal
/// data with HMAC-SHA256 under a key derived from its subject's sealing key, so
/// destroying that key makes the stored fingerprints unlinkable too.
#[derive(Debug, Clone)]
pub struct FingerprintKeys {
    pool: PgPool,
    random: SystemRandom,
}

impl FingerprintKeys {
    /// The subjects' keys in `pool`'s database.
    pub fn new(pool: PgPool) -> Self {
        FingerprintKeys {
            pool,
            random: SystemRandom::new(),
        }
    }
}

#[async_trait::async_trait]
impl PersonalDataKeys for FingerprintKeys {
    async fn digest(
        &self,
        tenant_id: TenantId,
        subject: &str,
        data: &[u8],
    ) -> Result<Option<String>, LedgerError> {
        let key = key_bytes(&self.pool, &self.random, tenant_id.0, subject)
            .await
            .map_err(|e| match e {
                PersonalDataError::Database(e) => crate::ledger::ledger_error(e),
                other => LedgerError::Internal(Box::new(other)),
            })?;
        Ok(key.map(|key| {
            let derived = hmac::sign(
                &hmac::Key::new(hmac::HMAC_SHA256, &key),
                FINGERPRINT_CONTEXT,
            );
            let digest = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()), data);
            hex::encode(digest.as_ref())
        }))
    }
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
        "INSERT INTO personal_data_keys (subject_id, tenant_id, key, erased_at, erased_by)
         VALUES ($1, $2, NULL, now(), $3)
         ON CONFLICT (subject_id) DO UPDATE
         SET key = NULL,
             erased_at = coalesce(personal_data_keys.erased_at, excluded.erased_at),
             erased_by = coalesce(personal_data_keys.erased_by, excluded.erased_by)",
    )
    .bind(subject)
    .bind(tenant)
    .bind(erased_by)
    .execute(pool)
    .await?;
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
        "SELECT tenant_id, event_type, payload FROM events
          WHERE aggregate_id = $1
             OR (aggregate_type = 'Invoice' AND aggregate_id IN (
                    SELECT aggregate_id FROM events
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
    events: &mut [FeedEvent],
) -> Result<(), PersonalDataError> {
    Keys::for_events(conn, events).await?.open_events(events)
}

/// Opens the envelopes in messages from Kafka before a projector reads them. Only
/// messages that may hold one are decoded; one that is not an event envelope is
/// left for the projector to dead-letter.
pub async fn open_delivered(
    conn: &mut PgConnection,
    messages: &mut [Delivered],
) -> Result<(), PersonalDataError> {
    let marker = b"\"sealed\"";
    let decoded: Vec<(usize, FeedEvent)> = messages
        .iter()
        .enumerate()
        .filter(|(_, m)| m.payload.windows(marker.len()).any(|w| w == marker))
        .filter_map(|(i, m)| Some((i, serde_json::from_slice(&m.payload).ok()?)))
        .collect();
    if decoded.is_empty() {
        return Ok(());
    }
    let named = subjects(
        decoded
            .iter()
            .map(|(_, e)| (e.event_type.as_str(), &e.payload)),
    );
    let keys = Keys::fetch(conn, named).await?;
    for (index, mut event) in decoded {
        // An envelope that does not open is left sealed: the projector then fails to
        // decode it and dead-letters the message with its reason.
        if keys
            .open_event(&event.event_type, &event.aggregate_id, &mut event.payload)
            .is_ok()
        {
            if let Ok(bytes) = serde_json::to_vec(&event) {
                messages[index].payload = bytes;
            }
        }
    }
    Ok(())
}

/// The postgres-es repository with personal data sealed on the way in and opened
/// on the way out; appending an erasure event destroys its subject's key first.
pub struct SealingRepository {
    inner: PostgresEventRepository,
    pool: PgPool,
    random: SystemRandom,
}

impl std::fmt::Debug for SealingRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingRepository")
    }
}

impl SealingRepository {
    /// A repository over `pool`.
    pub fn new(pool: PgPool) -> Self {
        SealingRepository {
            inner: PostgresEventRepository::new(pool.clone()),
            pool,
            random: SystemRandom::new(),
        }
    }

    async fn open(
        &self,
        mut events: Vec<SerializedEvent>,
    ) -> Result<Vec<SerializedEvent>, PersonalDataError> {
        let named = subjects(events.iter().map(|e| (e.event_type.as_str(), &e.payload)));
        if named.is_empty() {
            return Ok(events);
        }
        let keys = Keys::fetch(&mut *self.pool.acquire().await?, named).await?;
        for event in &mut events {
            keys.open_event(&event.event_type, &event.aggregate_id, &mut event.payload)?;
        }
        Ok(events)
    }

    /// The customer invoice `stream` is for, from its first event (in `batch`, or
    /// stored).
    async fn invoice_customer(
        &self,
        stream: &str,
        batch: &[SerializedEvent],
    ) -> Result<String, PersonalDataError> {
        let in_batch = batch
            .iter()
            .find(|e| e.sequence == 1)
            .and_then(|e| e.payload.pointer(INVOICE_CUSTOMER))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let customer = match in_batch {
            Some(customer) => Some(customer),
            None => sqlx::query_scalar(
                "SELECT payload #>> $2 FROM events
                  WHERE aggregate_type = 'Invoice' AND aggregate_id = $1 AND sequence = 1",
            )
            .bind(stream)
            .bind(invoice_customer_path())
            .fetch_optional(&self.pool)
            .await?
            .flatten(),
        };
        customer.ok_or_else(|| PersonalDataError::NoInvoiceCustomer {
            invoice: stream.to_owned(),
        })
    }

    /// `subject`'s sealing key, looked up (or created) once per call and kept in
    /// `keys`; `None` if the subject was erased.
    async fn key_for<'k>(
        &self,
        keys: &'k mut HashMap<String, Option<LessSafeKey>>,
        tenant: Uuid,
        subject: &str,
    ) -> Result<Option<&'k LessSafeKey>, PersonalDataError> {
        if !keys.contains_key(subject) {
            let key = sealing_key(&self.pool, &self.random, tenant, subject).await?;
            keys.insert(subject.to_owned(), key);
        }
        Ok(keys.get(subject).and_then(Option::as_ref))
    }

    /// Seals the personal fields of `events` and of the snapshot; destroys the key
    /// of a subject whose erasure is among them. Returns what to store.
    async fn seal(
        &self,
        events: &[SerializedEvent],
        snapshot: Option<(String, Value, usize)>,
        aggregate_type: &str,
    ) -> Result<(Vec<SerializedEvent>, Option<(String, Value, usize)>), PersonalDataError> {
        let original = events;
        let mut events = events.to_vec();
        // Each subject's key as looked up (None: erased) for this call only.
        let mut keys: HashMap<String, Option<LessSafeKey>> = HashMap::new();
        let mut tenant = None;
        for event in &mut events {
            let stream = event.aggregate_id.clone();
            let fields = in_event(&event.event_type);
            if event.event_type != ERASURE_EVENT && fields.is_empty() {
                continue;
            }
            let event_tenant = event
                .metadata
                .get("tenant_id")
                .and_then(Value::as_str)
                .and_then(|t| t.parse::<Uuid>().ok())
                .ok_or_else(|| PersonalDataError::NoTenant {
                    subject: stream.clone(),
                    sequence: event.sequence,
                })?;
            tenant = Some(event_tenant);
            if event.event_type == ERASURE_EVENT {
                let actor = event
                    .metadata
                    .get("actor")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown")
                    .to_owned();
                destroy_key(&self.pool, event_tenant, &stream, &actor).await?;
                keys.insert(stream, None);
                continue;
            }
            for field in fields {
                let Some(slot) = event.payload.pointer_mut(field.pointer) else {
                    continue;
                };
                let subject = match field.subject {
                    Subject::Stream => stream.clone(),
                    Subject::InvoiceCustomer => self.invoice_customer(&stream, original).await?,
                };
                let Some(key) = self.key_for(&mut keys, event_tenant, &subject).await? else {
                    return Err(PersonalDataError::Erased { subject });
                };
                *slot = seal(&self.random, key, &subject, &stream, slot)?;
            }
        }
        let snapshot = match snapshot {
            Some((stream, mut state, version)) if !in_snapshot(aggregate_type).is_empty() => {
                let tenant = tenant
                    .or_else(|| {
                        state
                            .get("tenant_id")
                            .and_then(Value::as_str)
                            .and_then(|t| t.parse().ok())
                    })
                    .ok_or_else(|| PersonalDataError::NoTenant {
                        subject: stream.clone(),
                        sequence: version,
                    })?;
                // Snapshots hold only their own stream's personal data.
                let key = self.key_for(&mut keys, tenant, &stream).await?;
                for field in in_snapshot(aggregate_type) {
                    if let Some(slot) = state.pointer_mut(field.pointer) {
                        // An erased subject's state already holds the erased value;
                        // it is written as such, never sealed under no key.
                        *slot = match key {
                            Some(key) => seal(&self.random, key, &stream, &stream, slot)?,
                            None => (field.erased)(),
                        };
                    }
                }
                Some((stream, state, version))
            }
            other => other,
        };
        Ok((events, snapshot))
    }
}

impl PersistedEventRepository for SealingRepository {
    async fn get_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        let events = self.inner.get_events::<A>(aggregate_id).await?;
        Ok(self.open(events).await?)
    }

    async fn get_last_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
        last_sequence: usize,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        let events = self
            .inner
            .get_last_events::<A>(aggregate_id, last_sequence)
            .await?;
        Ok(self.open(events).await?)
    }

    async fn get_snapshot<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Option<SerializedSnapshot>, PersistenceError> {
        let Some(mut snapshot) = self.inner.get_snapshot::<A>(aggregate_id).await? else {
            return Ok(None);
        };
        if sealed_fields(in_snapshot(A::TYPE), &snapshot.aggregate)
            .next()
            .is_some()
        {
            let mut conn = self.pool.acquire().await.map_err(PersonalDataError::from)?;
            let subjects = sealed_fields(in_snapshot(A::TYPE), &snapshot.aggregate)
                .map(|envelope| envelope.sealed.subject)
                .collect::<Vec<_>>();
            let keys = Keys::fetch(&mut conn, subjects).await?;
            keys.open_snapshot(A::TYPE, aggregate_id, &mut snapshot.aggregate)?;
        }
        Ok(Some(snapshot))
    }

    async fn persist<A: Aggregate>(
        &self,
        events: &[SerializedEvent],
        snapshot_update: Option<(String, Value, usize)>,
    ) -> Result<(), PersistenceError> {
        let (events, snapshot_update) = self.seal(events, snapshot_update, A::TYPE).await?;
        self.inner.persist::<A>(&events, snapshot_update).await
    }

    /// As stored: personal data stays sealed (Folio's projectors read the feed).
    async fn stream_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<ReplayStream, PersistenceError> {
        self.inner.stream_events::<A>(aggregate_id).await
    }

    /// As stored: personal data stays sealed (Folio's projectors read the feed).
    async fn stream_all_events<A: Aggregate>(&self) -> Result<ReplayStream, PersistenceError> {
        self.inner.stream_all_events::<A>().await
    }
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
