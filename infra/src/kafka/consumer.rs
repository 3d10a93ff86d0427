//! Kafka-fed projectors: the projectors of the embedded mode, consuming their
//! aggregate types' topics in one consumer group per projector.
//!
//! Offsets are never committed to Kafka. Each batch writes the read models, the
//! offsets it consumed and its dead letters in one Postgres transaction
//! ([`apply_delivered`]), and when the group assigns partitions to an instance it
//! seeks to the offsets stored there. So a crash or a rebalance between two
//! batches replays at most the uncommitted batch, which the stream guards make a
//! no-op: nothing lost, nothing applied twice.
//!
//! Each consumer runs on a blocking thread of its own (librdkafka's poll and its
//! rebalance callback are synchronous) and enters the async runtime for Postgres.
//!
//! A consumer with no partitions whose watermark stands still while events wait
//! beyond it rejoins its group (`StallWatch`): a broker that completes a
//! rebalance without assigning the partitions (seen with Tansu 0.6 when the
//! leader's session expires during a rebalance) would otherwise leave them
//! unconsumed for good.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use folio_projections::delivery::{
    advance_idle, apply_delivered, DeadLetter, Delivered, DeliveryOutcome,
};
use folio_projections::{BatchHooks, Checkpoint, FeedPosition, NoHooks, Projector};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaResult;
use rdkafka::message::{Message, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use sqlx::PgPool;
use tokio::runtime::Handle;

use super::{acknowledged, header, instance_name, resume_offset, KafkaConfig, TransportError};
use crate::postgres::pool::{self, PoolUse};
use crate::projecting::first_failure;
use crate::retrying::{backoff, FailureStreak, MAX_PAUSE};
use crate::Projections;
use tracing::Instrument;

/// How long a crashed instance keeps its partitions before the group moves them.
const SESSION_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a consumer goes without partitions, while its watermark stands still
/// and events wait beyond it, before it rejoins its group.
const STALLED_AFTER: Duration = Duration::from_secs(3 * SESSION_TIMEOUT.as_secs());

/// Notices a consumer that has no partitions while its projector's watermark
/// stands still: any progress or any assignment starts the clock again.
#[derive(Debug)]
struct StallWatch {
    watermark: Option<FeedPosition>,
    since: Instant,
}

impl StallWatch {
    fn new(now: Instant) -> Self {
        StallWatch {
            watermark: None,
            since: now,
        }
    }

    /// Whether, at `now`, the watermark has stood at `watermark` with no
    /// partitions assigned for [`STALLED_AFTER`] or longer.
    fn stalled(&mut self, watermark: FeedPosition, assigned: bool, now: Instant) -> bool {
        if assigned || self.watermark != Some(watermark) {
            self.watermark = Some(watermark);
            self.since = now;
            return false;
        }
        now.duration_since(self.since) >= STALLED_AFTER
    }

    /// Starts the clock again (after a rejoin).
    fn restart(&mut self, now: Instant) {
        self.since = now;
    }
}

/// The projectors, fed from Kafka.
#[derive(Clone)]
pub struct KafkaProjections {
    pool: PgPool,
    projections: Projections,
    config: KafkaConfig,
    dead_letters: FutureProducer,
    hooks: Arc<dyn BatchHooks>,
    instance: String,
}

impl std::fmt::Debug for KafkaProjections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaProjections")
            .field("config", &self.config)
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

/// Tells the consumer threads to stop when the future that runs them is dropped.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl KafkaProjections {
    /// Every projector of `projections`, fed from the broker in `config`.
    pub fn new(projections: Projections, config: KafkaConfig) -> Result<Self, TransportError> {
        let dead_letters = config.producer("folio-dead-letters")?;
        Ok(KafkaProjections {
            pool: projections.pool().clone(),
            projections,
            config,
            dead_letters,
            hooks: Arc::new(NoHooks),
            instance: instance_name(),
        })
    }

    /// With hooks called around every batch commit (for crash tests).
    pub fn with_hooks(mut self, hooks: Arc<dyn BatchHooks>) -> Self {
        self.hooks = hooks;
        self
    }

    /// Installs the projectors, then consumes with all of them until cancelled (or
    /// until one cannot start).
    pub async fn run(&self) -> Result<Infallible, TransportError> {
        self.projections.install().await?;
        let stop = Arc::new(AtomicBool::new(false));
        let _stop = StopOnDrop(stop.clone());
        let mut tasks = tokio::task::JoinSet::new();
        for projector in self.projections.projectors() {
            let this = self.clone();
            let projector = projector.clone();
            let stop = stop.clone();
            let handle = Handle::current();
            tasks.spawn_blocking(move || this.consume(projector, &handle, &stop));
        }
        first_failure(tasks).await
    }

    /// One projector's consumer loop (on a blocking thread) until `stop`.
    ///
    /// Long on purpose (about 120 lines): the poll, the batch cut, the apply with
    /// its retry, and the stall watch share the consumer and its assignment
    /// state, which librdkafka's callbacks mutate between polls.
    fn consume(
        &self,
        projector: Arc<dyn Projector>,
        runtime: &Handle,
        stop: &AtomicBool,
    ) -> Result<(), TransportError> {
        let group = self.config.consumer_group(projector.name());
        let topics: Vec<String> = projector
            .aggregate_types()
            .iter()
            .map(|t| self.config.topic(t))
            .collect();
        // The broker may be away at start: wait for it rather than give up. The
        // dead-letter topic is made here too, once, not on each letter.
        let mut needed = topics.clone();
        needed.push(self.config.dead_letter_topic());
        let mut reaching = FailureStreak::new(
            format!("projector {}: reaching Kafka", projector.name()),
            MAX_PAUSE,
        );
        while let Err(error) = runtime.block_on(self.config.ensure_topics(&needed)) {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            std::thread::sleep(reaching.failed(&error));
        }
        reaching.succeeded();
        let context = SeekToStoredOffsets {
            pool: self.pool.clone(),
            group: group.clone(),
            runtime: runtime.clone(),
        };
        let consumer: BaseConsumer<SeekToStoredOffsets> = self
            .config
            .client()
            .set("group.id", &group)
            .set("client.id", format!("folio-projector-{}", projector.name()))
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            // A crashed instance's partitions move on after 10 s, not Kafka's 45.
            .set(
                "session.timeout.ms",
                SESSION_TIMEOUT.as_millis().to_string(),
            )
            .create_with_context(context)?;
        let names: Vec<&str> = topics.iter().map(String::as_str).collect();
        consumer.subscribe(&names)?;
        tracing::info!(projector = projector.name(), %group, ?topics, "consuming from Kafka");
        let mut applying = FailureStreak::new(format!("projector {}", projector.name()), MAX_PAUSE);
        let mut moving_watermark = FailureStreak::new(
            format!("projector {}: moving the watermark", projector.name()),
            MAX_PAUSE,
        );
        let mut stall = StallWatch::new(Instant::now());
        while !stop.load(Ordering::Relaxed) {
            let batch = self.poll_batch(&consumer, projector.name());
            if batch.is_empty() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                match runtime.block_on(self.advance_idle(projector.as_ref())) {
                    Ok(position) => {
                        moving_watermark.succeeded();
                        let assigned = consumer
                            .assignment()
                            .map_or(true, |partitions| partitions.count() > 0);
                        if stall.stalled(position, assigned, Instant::now()) {
                            let waiting = runtime
                                .block_on(folio_projections::status::backlog(&self.pool, position))
                                .map_or(0, |(events, _)| events);
                            if waiting > 0 {
                                tracing::warn!(projector = projector.name(), %group, waiting, "no partitions while events wait; rejoining the group");
                                consumer.unsubscribe();
                                consumer.subscribe(&names)?;
                            }
                            stall.restart(Instant::now());
                        }
                    }
                    Err(error) => {
                        // The poll above already waited; no extra pause.
                        moving_watermark.failed(&error);
                    }
                }
                continue;
            }
            let first_offsets = first_offsets(&batch);
            match runtime.block_on(self.apply(projector.as_ref(), &group, batch)) {
                Ok(outcome) => {
                    if applying.failures() > 0 {
                        let _ = runtime
                            .block_on(Checkpoint::clear_failure(&self.pool, projector.name()));
                        applying.succeeded();
                    }
                    if !outcome.dead_letters.is_empty() {
                        tracing::warn!(
                            projector = projector.name(),
                            count = outcome.dead_letters.len(),
                            "dead-lettered messages"
                        );
                    }
                }
                Err(error) => {
                    let pause = applying.failed(&error);
                    let _ = runtime.block_on(Checkpoint::record_failure(
                        &self.pool,
                        projector.name(),
                        &error.to_string(),
                    ));
                    // Consume the batch again: back to its first offsets.
                    for ((topic, partition), offset) in first_offsets {
                        if let Err(error) = consumer.seek(
                            &topic,
                            partition,
                            Offset::Offset(resume_offset(offset)),
                            Duration::from_secs(5),
                        ) {
                            // Revoked meanwhile: its new owner seeks to the stored offset.
                            tracing::warn!(%topic, partition, %error, "cannot seek back");
                        }
                    }
                    std::thread::sleep(pause);
                }
            }
        }
        Ok(())
    }

    /// Up to a batch of messages: waits for the first, then takes what is ready.
    fn poll_batch(
        &self,
        consumer: &BaseConsumer<SeekToStoredOffsets>,
        projector: &str,
    ) -> Vec<Delivered> {
        let mut batch = Vec::new();
        let mut wait = Duration::from_millis(200);
        while batch.len() < self.config.batch_size {
            match consumer.poll(wait) {
                Some(Ok(message)) => batch.push(Delivered {
                    topic: message.topic().to_owned(),
                    partition: message.partition(),
                    offset: message.offset(),
                    payload: message.payload().unwrap_or_default().to_vec(),
                    trace_parent: trace_parent_header(&message),
                }),
                Some(Err(error)) => {
                    tracing::warn!(projector, %error, "kafka consumer error");
                    break;
                }
                None => break,
            }
            wait = Duration::ZERO;
        }
        batch
    }

    /// Applies one batch: read models, offsets and dead letters in one
    /// transaction, committed only after the dead-letter topic has the letters.
    async fn apply(
        &self,
        projector: &dyn Projector,
        group: &str,
        batch: Vec<Delivered>,
    ) -> Result<DeliveryOutcome, TransportError> {
        let span = crate::telemetry::batch_span(
            "projector.batch",
            projector.name(),
            "kafka",
            batch.len(),
            batch.iter().filter_map(|d| d.trace_parent.as_deref()),
        );
        self.apply_in(projector, group, batch)
            .instrument(span)
            .await
    }

    /// [`Self::apply`] within its span.
    async fn apply_in(
        &self,
        projector: &dyn Projector,
        group: &str,
        mut batch: Vec<Delivered>,
    ) -> Result<DeliveryOutcome, TransportError> {
        let started = Instant::now();
        let events = batch.len();
        let mut tx = pool::begin(&self.pool, PoolUse::Projection).await?;
        open_delivered(&mut tx, self.projections.key_wrapping(), &mut batch)
            .await
            .map_err(crate::ProjectionRunError::from)?;
        let outcome = apply_delivered(&mut tx, projector, group, &self.instance, batch)
            .await
            .map_err(crate::ProjectionRunError::from)?;
        for letter in &outcome.dead_letters {
            self.publish_dead_letter(projector.name(), letter).await?;
        }
        self.hooks.before_commit(projector.name()).await;
        tx.commit().await?;
        self.hooks.after_commit(projector.name()).await;
        crate::telemetry::projected(projector.name(), "kafka", events, started.elapsed());
        if !outcome.dead_letters.is_empty() {
            crate::telemetry::dead_lettered(projector.name(), outcome.dead_letters.len());
        }
        Ok(outcome)
    }

    /// Moves the watermark while there is nothing to consume; returns it.
    async fn advance_idle(
        &self,
        projector: &dyn Projector,
    ) -> Result<FeedPosition, TransportError> {
        let mut tx = pool::begin(&self.pool, PoolUse::Projection).await?;
        let watermark = advance_idle(&mut tx, projector)
            .await
            .map_err(crate::ProjectionRunError::from)?;
        tx.commit().await?;
        Ok(watermark)
    }

    /// Sends a dead letter (the original bytes, with where they came from and why
    /// in headers) and waits for the broker's acknowledgement.
    async fn publish_dead_letter(
        &self,
        projector: &str,
        letter: &DeadLetter,
    ) -> Result<(), TransportError> {
        let topic = self.config.dead_letter_topic();
        let source = &letter.delivered;
        let partition = source.partition.to_string();
        let offset = source.offset.to_string();
        let parked = letter.parked.to_string();
        let key = letter
            .event
            .as_ref()
            .map(|e| e.aggregate_id.clone())
            .unwrap_or_default();
        let headers = OwnedHeaders::new_with_capacity(6)
            .insert(header("projector", projector))
            .insert(header("reason", &letter.reason))
            .insert(header("parked", &parked))
            .insert(header("source_topic", &source.topic))
            .insert(header("source_partition", &partition))
            .insert(header("source_offset", &offset));
        let record = FutureRecord::to(&topic)
            .key(&key)
            .payload(&source.payload)
            .headers(headers);
        let delivery = self
            .dead_letters
            .send_result(record)
            .map_err(|(error, _)| TransportError::Kafka(error))?;
        acknowledged(delivery, || {
            format!("the dead letter of {}#{}", source.topic, source.offset)
        })
        .await
    }
}

/// The first offset of each partition in `batch`.
fn first_offsets(batch: &[Delivered]) -> BTreeMap<(String, i32), i64> {
    let mut first = BTreeMap::new();
    for message in batch {
        first
            .entry((message.topic.clone(), message.partition))
            .and_modify(|o: &mut i64| *o = (*o).min(message.offset))
            .or_insert(message.offset);
    }
    first
}

/// On assignment, starts each partition at the offset stored in Postgres (the
/// beginning when none is), one produce batch early (see [`resume_offset`]).
struct SeekToStoredOffsets {
    pool: PgPool,
    group: String,
    runtime: Handle,
}

impl SeekToStoredOffsets {
    /// The stored offsets of the group; retried while Postgres is away, because
    /// starting from the beginning instead would be correct but slow.
    fn stored(&self) -> BTreeMap<(String, i32), i64> {
        for attempt in 1..=10u32 {
            let load = sqlx::query_as::<_, (String, i32, i64)>(
                "SELECT topic, partition, next_offset FROM public.kafka_offsets
                 WHERE consumer_group = $1",
            )
            .bind(&self.group)
            .fetch_all(&self.pool);
            match self.runtime.block_on(load) {
                Ok(rows) => return rows.into_iter().map(|(t, p, o)| ((t, p), o)).collect(),
                Err(error) => {
                    tracing::warn!(group = %self.group, %error, attempt, "cannot load stored offsets");
                    std::thread::sleep(backoff(attempt, Duration::from_secs(5)));
                }
            }
        }
        BTreeMap::new()
    }
}

impl ClientContext for SeekToStoredOffsets {}

impl ConsumerContext for SeekToStoredOffsets {
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        let result: KafkaResult<()> = match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                let stored = self.stored();
                let assigned: Vec<(String, i32)> = tpl
                    .elements()
                    .iter()
                    .map(|e| (e.topic().to_owned(), e.partition()))
                    .collect();
                for (topic, partition) in &assigned {
                    let offset = stored
                        .get(&(topic.clone(), *partition))
                        .map_or(Offset::Beginning, |o| Offset::Offset(resume_offset(*o)));
                    if let Err(error) = tpl.set_partition_offset(topic, *partition, offset) {
                        tracing::error!(%topic, partition, %error, "cannot set the start offset");
                    }
                }
                tracing::info!(group = %self.group, ?assigned, "partitions assigned");
                consumer.assign(tpl)
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                tracing::info!(group = %self.group, "partitions revoked");
                consumer.unassign()
            }
            other => {
                tracing::error!(group = %self.group, error = ?other, "rebalance failed");
                consumer.unassign()
            }
        };
        if let Err(error) = result {
            tracing::error!(group = %self.group, %error, "cannot apply the rebalance");
        }
    }
}

/// Opens the envelopes in messages from Kafka before a projector reads them. Only
/// messages that may hold one are decoded; one that is not an event envelope is
/// left for the projector to dead-letter.
async fn open_delivered(
    conn: &mut sqlx::PgConnection,
    wrapping: &crate::personal_data::KeyWrapping,
    messages: &mut [Delivered],
) -> Result<(), crate::personal_data::PersonalDataError> {
    let marker = b"\"sealed\"";
    let decoded: Vec<(usize, folio_projections::FeedEvent)> = messages
        .iter()
        .enumerate()
        .filter(|(_, m)| m.payload.windows(marker.len()).any(|w| w == marker))
        .filter_map(|(i, m)| Some((i, serde_json::from_slice(&m.payload).ok()?)))
        .collect();
    if decoded.is_empty() {
        return Ok(());
    }
    let named = crate::personal_data::subjects(
        decoded
            .iter()
            .map(|(_, e)| (e.event_type.as_str(), &e.payload)),
    );
    let keys = crate::personal_data::Keys::fetch(conn, wrapping, named).await?;
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

/// A message's `traceparent` header, if the relay gave it one.
fn trace_parent_header(message: &rdkafka::message::BorrowedMessage<'_>) -> Option<String> {
    use rdkafka::message::Headers;
    message.headers().and_then(|headers| {
        headers
            .iter()
            .find(|h| h.key == "traceparent")
            .and_then(|h| h.value)
            .and_then(|v| std::str::from_utf8(v).ok())
            .map(str::to_owned)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: FeedPosition = FeedPosition {
        transaction_id: 7,
        global_position: 3,
    };

    #[test]
    fn a_consumer_without_partitions_and_a_still_watermark_is_stalled_after_a_while() {
        let start = Instant::now();
        let mut watch = StallWatch::new(start);
        assert!(!watch.stalled(AT, false, start));
        assert!(!watch.stalled(AT, false, start + STALLED_AFTER / 2));
        assert!(watch.stalled(AT, false, start + STALLED_AFTER));
        watch.restart(start + STALLED_AFTER);
        assert!(!watch.stalled(AT, false, start + STALLED_AFTER + STALLED_AFTER / 2));
    }

    #[test]
    fn progress_or_an_assignment_starts_the_clock_again() {
        let start = Instant::now();
        let mut watch = StallWatch::new(start);
        assert!(!watch.stalled(AT, false, start));
        let moved = FeedPosition {
            global_position: 4,
            ..AT
        };
        assert!(!watch.stalled(moved, false, start + STALLED_AFTER));
        assert!(!watch.stalled(moved, true, start + 2 * STALLED_AFTER));
        assert!(!watch.stalled(moved, false, start + 2 * STALLED_AFTER + STALLED_AFTER / 2));
        assert!(watch.stalled(moved, false, start + 3 * STALLED_AFTER));
    }
}
