//! The one append path of the event store: postgres-es' repository with personal
//! data sealed on the way in and opened on the way out.

use std::collections::HashMap;

use cqrs_es::persist::{
    PersistedEventRepository, PersistenceError, ReplayStream, SerializedEvent, SerializedSnapshot,
};
use cqrs_es::Aggregate;
use folio_domain::personal_data::{in_event, in_snapshot, is_erasure, Subject, INVOICE_CUSTOMER};
use postgres_es::PostgresEventRepository;
use ring::aead::LessSafeKey;
use ring::rand::SystemRandom;
use serde_json::Value;
use sqlx::PgPool;

use crate::postgres::pool::is_unreachable;
use uuid::Uuid;

use crate::personal_data::{
    destroy_key, forget_outbox_recipients, invoice_customer_path, seal, sealed_fields, sealing_key,
    subjects, KeyWrapping, Keys, PersonalDataError,
};
use tracing::Instrument;

/// The postgres-es repository with personal data sealed on the way in and opened
/// on the way out; appending an erasure event destroys its subject's key first.
pub struct SealingRepository {
    inner: PostgresEventRepository,
    pool: PgPool,
    wrapping: KeyWrapping,
    random: SystemRandom,
}

impl std::fmt::Debug for SealingRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingRepository")
    }
}

impl SealingRepository {
    /// A repository over `pool`, subject keys stored and opened with `wrapping`.
    pub fn new(pool: PgPool, wrapping: KeyWrapping) -> Self {
        SealingRepository {
            inner: PostgresEventRepository::new(pool.clone()),
            pool,
            wrapping,
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
        let keys = Keys::fetch(&mut *self.pool.acquire().await?, &self.wrapping, named).await?;
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
            let key =
                sealing_key(&self.pool, &self.wrapping, &self.random, tenant, subject).await?;
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
            if !is_erasure(&event.event_type) && fields.is_empty() {
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
            if is_erasure(&event.event_type) {
                let actor = event
                    .metadata
                    .get("actor")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown")
                    .to_owned();
                destroy_key(&self.pool, event_tenant, &stream, &actor).await?;
                forget_outbox_recipients(&self.pool, event_tenant, &stream).await?;
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

/// postgres-es reports only I/O and TLS failures as connection errors; a pool
/// timeout, a protocol error or a server shutting down would reach the caller as
/// an internal error instead of `UNAVAILABLE`. Reclassified here, by the one rule.
fn reclassified(error: PersistenceError) -> PersistenceError {
    match error {
        PersistenceError::UnknownError(source)
            if source
                .downcast_ref::<sqlx::Error>()
                .is_some_and(is_unreachable) =>
        {
            PersistenceError::ConnectionError(source)
        }
        other => other,
    }
}

impl PersistedEventRepository for SealingRepository {
    async fn get_events<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        let events = self
            .inner
            .get_events::<A>(aggregate_id)
            .await
            .map_err(reclassified)?;
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
            .await
            .map_err(reclassified)?;
        Ok(self.open(events).await?)
    }

    async fn get_snapshot<A: Aggregate>(
        &self,
        aggregate_id: &str,
    ) -> Result<Option<SerializedSnapshot>, PersistenceError> {
        let Some(mut snapshot) = self
            .inner
            .get_snapshot::<A>(aggregate_id)
            .await
            .map_err(reclassified)?
        else {
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
            let keys = Keys::fetch(&mut conn, &self.wrapping, subjects).await?;
            keys.open_snapshot(A::TYPE, aggregate_id, &mut snapshot.aggregate)?;
        }
        Ok(Some(snapshot))
    }

    async fn persist<A: Aggregate>(
        &self,
        events: &[SerializedEvent],
        snapshot_update: Option<(String, Value, usize)>,
    ) -> Result<(), PersistenceError> {
        let started = std::time::Instant::now();
        let span = tracing::info_span!(
            "append",
            otel.name = "event_store.append",
            aggregate = A::TYPE,
            events = events.len()
        );
        async {
            let (events, snapshot_update) = self.seal(events, snapshot_update, A::TYPE).await?;
            self.inner
                .persist::<A>(&events, snapshot_update)
                .await
                .map_err(reclassified)?;
            crate::telemetry::appended(A::TYPE, events.len(), started.elapsed());
            Ok(())
        }
        .instrument(span)
        .await
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
