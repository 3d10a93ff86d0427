//! The relay: the global feed, copied to Kafka.
//!
//! Every event goes to its aggregate type's topic, keyed by aggregate id (so one
//! aggregate's events stay in one partition, in order), with its type, version,
//! tenant and position as headers and the [`FeedEvent`] envelope as JSON. The
//! producer is idempotent and waits for all replicas; the relay's checkpoint moves
//! only after the broker acknowledged the whole batch. If the broker is away the
//! batch is published again later: consumers skip what they already applied, so
//! at-least-once delivery costs nothing in correctness.

use std::collections::HashSet;
use std::convert::Infallible;
use std::time::Duration;

use folio_projections::{FeedEvent, FeedPosition};
use rdkafka::message::OwnedHeaders;
use rdkafka::producer::{FutureProducer, FutureRecord};
use sqlx::{PgConnection, PgPool};

use super::{acknowledged, header, KafkaConfig, TransportError};
use crate::postgres::feed::{read_after, FeedSignal};
use crate::postgres::pool::SessionLock;
use crate::retrying::{FailureStreak, MAX_PAUSE};
use tracing::Instrument;

/// Copies the feed to Kafka.
pub struct Relay {
    pool: PgPool,
    config: KafkaConfig,
    producer: FutureProducer,
    topics_ready: HashSet<String>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("config", &self.config)
            .field("topics_ready", &self.topics_ready)
            .finish_non_exhaustive()
    }
}

impl Relay {
    /// A relay over `pool` publishing as `config` says. Nothing is contacted yet.
    pub fn new(pool: PgPool, config: KafkaConfig) -> Result<Self, TransportError> {
        let producer = config.producer("folio-relay")?;
        Ok(Relay {
            pool,
            config,
            producer,
            topics_ready: HashSet::new(),
        })
    }

    /// The relay's name in `relay_checkpoints`: its topic prefix.
    fn name(&self) -> &str {
        &self.config.topic_prefix
    }

    /// The last event the broker acknowledged.
    pub async fn checkpoint(&self) -> Result<FeedPosition, sqlx::Error> {
        let stored: Option<(i64, i64)> = sqlx::query_as(
            "SELECT transaction_id::text::bigint, global_position FROM public.relay_checkpoints
             WHERE relay = $1",
        )
        .bind(self.name())
        .fetch_optional(&self.pool)
        .await?;
        Ok(
            stored.map_or(FeedPosition::ORIGIN, |(transaction_id, global_position)| {
                FeedPosition {
                    transaction_id,
                    global_position,
                }
            }),
        )
    }

    async fn store_checkpoint(&self, position: FeedPosition) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO public.relay_checkpoints (relay, transaction_id, global_position)
             VALUES ($1, $2::text::xid8, $3)
             ON CONFLICT (relay) DO UPDATE
             SET transaction_id = excluded.transaction_id,
                 global_position = excluded.global_position, updated_at = now()",
        )
        .bind(self.name())
        .bind(position.transaction_id.to_string())
        .bind(position.global_position)
        .execute(&self.pool)
        .await
        .map(drop)
    }

    /// Waits until no other relay of the same topics runs (a second one is a hot
    /// standby).
    async fn lock(&self) -> Result<SessionLock, sqlx::Error> {
        let name = format!("folio.relay.{}", self.name());
        SessionLock::acquire(&self.pool, &name, 4).await
    }

    /// Publishes the next batch after `position` and waits for the broker's
    /// acknowledgements; returns the new checkpoint, or `None` when nothing is
    /// readable.
    pub async fn step(
        &mut self,
        connection: &mut PgConnection,
        position: FeedPosition,
    ) -> Result<Option<FeedPosition>, TransportError> {
        let batch = read_after(connection, position, self.config.batch_size as i64).await?;
        let Some(last) = batch.last().map(|e| e.position) else {
            return Ok(None);
        };
        let started = std::time::Instant::now();
        let span = crate::telemetry::batch_span(
            "relay.batch",
            &self.config.topic_prefix,
            "kafka",
            batch.len(),
            batch
                .iter()
                .filter_map(|e| crate::telemetry::trace_parent(&e.metadata)),
        );
        async {
            self.publish(&batch).await?;
            self.store_checkpoint(last).await?;
            Ok::<_, TransportError>(())
        }
        .instrument(span)
        .await?;
        crate::telemetry::relayed(batch.len(), started.elapsed());
        Ok(Some(last))
    }

    /// Publishes `events` in order and waits until the broker has all of them.
    async fn publish(&mut self, events: &[FeedEvent]) -> Result<(), TransportError> {
        let missing: Vec<String> = events
            .iter()
            .map(|e| self.config.topic(&e.aggregate_type))
            .filter(|t| !self.topics_ready.contains(t))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if !missing.is_empty() {
            self.config.ensure_topics(&missing).await?;
            self.topics_ready.extend(missing);
        }
        let mut deliveries = Vec::with_capacity(events.len());
        for event in events {
            let topic = self.config.topic(&event.aggregate_type);
            let payload = serde_json::to_vec(event).map_err(|e| TransportError::Delivery {
                what: describe(event),
                reason: format!("cannot encode: {e}"),
            })?;
            let position = event.position.global_position.to_string();
            let sequence = event.sequence.to_string();
            let tenant = event.tenant_id.to_string();
            let mut headers = OwnedHeaders::new_with_capacity(6)
                .insert(header("event_type", &event.event_type))
                .insert(header("event_version", &event.event_version))
                .insert(header("tenant_id", &tenant))
                .insert(header("global_position", &position))
                .insert(header("sequence", &sequence));
            // W3C trace context, so consumers continue the trace of the request.
            if let Some(trace_parent) = crate::telemetry::trace_parent(&event.metadata) {
                headers = headers.insert(header("traceparent", trace_parent));
            }
            let record = FutureRecord::to(&topic)
                .key(&event.aggregate_id)
                .payload(&payload)
                .headers(headers);
            // Enqueued in feed order; the idempotent producer keeps that order per
            // partition through retries.
            let delivery = self
                .producer
                .send_result(record)
                .map_err(|(error, _)| TransportError::Kafka(error))?;
            deliveries.push((event, delivery));
        }
        for (event, delivery) in deliveries {
            acknowledged(delivery, || describe(event)).await?;
        }
        Ok(())
    }

    /// Relays until cancelled: waits for the relay lock, then publishes every
    /// event as it commits. Failures (broker or database away) are logged once and
    /// retried with backoff from the last acknowledged position. The feed is read
    /// on the lock's own connection, so a relay whose lock went with a database
    /// restart stops publishing and queues for the lock again (a standby may have
    /// taken over meanwhile).
    pub async fn run(mut self) -> Infallible {
        let mut streak = FailureStreak::new(format!("relay {}", self.name()), MAX_PAUSE);
        let mut signal = FeedSignal::new(&self.pool, Duration::from_millis(500)).await;
        loop {
            let mut lock = match self.lock().await {
                Ok(lock) => lock,
                Err(error) => {
                    tokio::time::sleep(streak.failed(&error)).await;
                    continue;
                }
            };
            tracing::info!(relay = self.name(), brokers = %self.config.brokers, "relaying the feed to Kafka");
            let mut position = None;
            loop {
                let result = match position {
                    Some(from) => self.step(lock.connection(), from).await,
                    None => self.checkpoint().await.map(Some).map_err(Into::into),
                };
                match result {
                    Ok(Some(next)) => {
                        streak.succeeded();
                        position = Some(next);
                    }
                    Ok(None) => {
                        streak.succeeded();
                        signal.pause().await;
                    }
                    Err(error) => {
                        tokio::time::sleep(streak.failed(&error)).await;
                        // Republish from what the broker acknowledged.
                        position = None;
                        if !lock.is_held().await {
                            tracing::warn!(relay = self.name(), "the relay lock went with its database connection; queueing for it again");
                            break;
                        }
                    }
                }
            }
        }
    }
}

fn describe(event: &FeedEvent) -> String {
    format!(
        "{} #{} of {}/{}",
        event.event_type, event.sequence, event.aggregate_type, event.aggregate_id
    )
}
