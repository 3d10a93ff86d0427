//! Kafka as the transport between the event store and the projectors, for
//! deployments that outgrow one process. The event store stays the source of
//! truth: the [`relay`] copies the global feed into one topic per aggregate type,
//! and the [`consumer`]s feed the same projectors as the embedded mode, with their
//! Kafka offsets kept in Postgres beside the read models.

pub mod consumer;
pub mod relay;

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::ClientConfig;

pub use consumer::KafkaProjections;
pub use relay::Relay;

/// Most records the relay puts in one produce batch (`batch.num.messages`).
///
/// A consumer resumes this many records minus one before its stored offset:
/// some brokers (Tansu 0.6) serve a fetch from the first batch that *starts* at or
/// after the offset asked for, which would skip the rest of a batch the offset
/// falls inside. The records read again are no-ops for the stream guards.
pub const RECORDS_PER_PRODUCE_BATCH: i64 = 100;

/// Where a consumer that has applied everything before `next_offset` asks the
/// broker to start (see [`RECORDS_PER_PRODUCE_BATCH`]).
pub fn resume_offset(next_offset: i64) -> i64 {
    (next_offset - (RECORDS_PER_PRODUCE_BATCH - 1)).max(0)
}

/// Why the Kafka transport failed.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The Kafka client failed (broker unreachable, delivery timed out, ...).
    #[error("kafka: {0}")]
    Kafka(#[from] rdkafka::error::KafkaError),
    /// The broker refused to create a topic.
    #[error("cannot create topic {topic}: {code}")]
    CreateTopic {
        /// The topic.
        topic: String,
        /// What the broker said.
        code: RDKafkaErrorCode,
    },
    /// The broker did not acknowledge a message.
    #[error("the broker did not acknowledge {what}: {reason}")]
    Delivery {
        /// Which message.
        what: String,
        /// What the broker or librdkafka said.
        reason: String,
    },
    /// A projector failed in a way retrying cannot fix alone.
    #[error(transparent)]
    Projections(#[from] crate::ProjectionRunError),
    /// Postgres failed.
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

/// Where the broker is and how Folio's topics are laid out.
#[derive(Debug, Clone)]
pub struct KafkaConfig {
    /// `bootstrap.servers`, e.g. `127.0.0.1:9092`.
    pub brokers: String,
    /// First part of every topic and consumer-group name (`folio`); separate
    /// deployments (or tests) sharing a broker use separate prefixes.
    pub topic_prefix: String,
    /// Partitions of a topic Folio creates.
    pub partitions: i32,
    /// Replication factor of a topic Folio creates.
    pub replication_factor: i32,
    /// Messages per relay batch and per projector transaction.
    pub batch_size: usize,
    /// How long a produced message may wait for the broker before the relay
    /// gives up on its batch and publishes it again (`message.timeout.ms`).
    pub message_timeout: Duration,
}

impl KafkaConfig {
    /// The topic and consumer-group prefix unless configured otherwise.
    pub const DEFAULT_TOPIC_PREFIX: &'static str = "folio";
    /// Partitions of the topics Folio creates unless configured otherwise.
    pub const DEFAULT_PARTITIONS: i32 = 6;
    /// Replication factor of the topics Folio creates unless configured otherwise.
    pub const DEFAULT_REPLICATION_FACTOR: i32 = 1;
    /// Messages per relay batch and projector transaction unless configured
    /// otherwise.
    pub const DEFAULT_BATCH_SIZE: usize = 500;
    /// How long the relay waits for an acknowledgement unless configured otherwise.
    pub const DEFAULT_MESSAGE_TIMEOUT: Duration = Duration::from_secs(300);

    /// The defaults above for `brokers`.
    pub fn new(brokers: impl Into<String>) -> Self {
        KafkaConfig {
            brokers: brokers.into(),
            topic_prefix: Self::DEFAULT_TOPIC_PREFIX.to_owned(),
            partitions: Self::DEFAULT_PARTITIONS,
            replication_factor: Self::DEFAULT_REPLICATION_FACTOR,
            batch_size: Self::DEFAULT_BATCH_SIZE,
            message_timeout: Self::DEFAULT_MESSAGE_TIMEOUT,
        }
    }

    /// The topic of an aggregate type: `Invoice` → `folio.invoice.events`,
    /// `TenantSettings` → `folio.tenant_settings.events`.
    pub fn topic(&self, aggregate_type: &str) -> String {
        let mut snake = String::with_capacity(aggregate_type.len() + 4);
        for (i, c) in aggregate_type.chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                snake.push('_');
            }
            snake.extend(c.to_lowercase());
        }
        format!("{}.{snake}.events", self.topic_prefix)
    }

    /// The topic of messages a projector could not apply.
    pub fn dead_letter_topic(&self) -> String {
        format!("{}.dead-letters", self.topic_prefix)
    }

    /// The consumer group of a projector.
    pub fn consumer_group(&self, projector: &str) -> String {
        format!("{}.projector.{projector}", self.topic_prefix)
    }

    /// Client settings every Folio client shares.
    fn client(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.brokers);
        config
    }

    /// An idempotent producer that waits for every in-sync replica, partitioning
    /// by key the way Java and Go clients do.
    fn producer(
        &self,
        client_id: &str,
    ) -> Result<rdkafka::producer::FutureProducer, TransportError> {
        Ok(self
            .client()
            .set("client.id", client_id)
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("partitioner", "murmur2_random")
            .set("linger.ms", "5")
            .set("batch.num.messages", RECORDS_PER_PRODUCE_BATCH.to_string())
            .set(
                "message.timeout.ms",
                self.message_timeout.as_millis().to_string(),
            )
            .create()?)
    }

    /// Creates the topics that do not exist yet (an existing topic is left as it
    /// is, whatever its partition count).
    pub async fn ensure_topics(&self, topics: &[String]) -> Result<(), TransportError> {
        let admin: AdminClient<DefaultClientContext> = self.client().create()?;
        let new: Vec<NewTopic<'_>> = topics
            .iter()
            .map(|topic| {
                NewTopic::new(
                    topic,
                    self.partitions,
                    TopicReplication::Fixed(self.replication_factor),
                )
            })
            .collect();
        let options = AdminOptions::new().request_timeout(Some(Duration::from_secs(10)));
        for result in admin.create_topics(&new, &options).await? {
            match result {
                Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((topic, code)) => return Err(TransportError::CreateTopic { topic, code }),
            }
        }
        Ok(())
    }
}

/// A message header with a text value.
pub(crate) fn header<'a>(key: &'a str, value: &'a str) -> rdkafka::message::Header<'a, &'a str> {
    rdkafka::message::Header {
        key,
        value: Some(value),
    }
}

/// Waits for the broker to acknowledge a produced message (`what` names it in
/// the error).
pub(crate) async fn acknowledged(
    delivery: rdkafka::producer::DeliveryFuture,
    what: impl FnOnce() -> String,
) -> Result<(), TransportError> {
    let reason = match delivery.await {
        Ok(Ok(_)) => return Ok(()),
        Ok(Err((error, _))) => error.to_string(),
        Err(_) => "the producer was dropped".to_owned(),
    };
    Err(TransportError::Delivery {
        what: what(),
        reason,
    })
}

/// This process, as `host:pid`, for operators reading offsets and logs.
pub fn instance_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "localhost".to_owned());
    format!("{host}:{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_are_named_after_aggregate_types_in_snake_case() {
        let config = KafkaConfig::new("127.0.0.1:9092");
        assert_eq!(config.topic("Invoice"), "folio.invoice.events");
        assert_eq!(
            config.topic("TenantSettings"),
            "folio.tenant_settings.events"
        );
        assert_eq!(config.dead_letter_topic(), "folio.dead-letters");
        assert_eq!(
            config.consumer_group("invoicing"),
            "folio.projector.invoicing"
        );
    }
}
