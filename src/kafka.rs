//! `folio relay` and `folio project`: the two halves of the Kafka transport, each
//! its own process so they scale (and fail) apart; and the flags they share with
//! `folio serve`.

use std::time::Duration;

use anyhow::Context;
use folio::wiring::App;
use folio_infra::kafka::{KafkaConfig, KafkaProjections, Relay};
use tokio::signal::unix::{signal, SignalKind};

/// Where the broker is and how Folio lays out its topics.
#[derive(Debug, Clone, clap::Args)]
pub struct KafkaArgs {
    /// Kafka bootstrap servers (host:port,...). With it, `folio serve` relays the
    /// feed and feeds its projectors from Kafka instead of the feed directly.
    #[arg(long = "kafka-brokers", env = "KAFKA_BROKERS")]
    brokers: Option<String>,
    /// First part of every topic and consumer-group name.
    #[arg(
        long = "kafka-topic-prefix",
        env = "FOLIO_KAFKA_TOPIC_PREFIX",
        default_value = "folio"
    )]
    topic_prefix: String,
    /// Partitions of the topics Folio creates.
    #[arg(
        long = "kafka-partitions",
        env = "FOLIO_KAFKA_PARTITIONS",
        default_value_t = 6
    )]
    partitions: i32,
    /// Replication factor of the topics Folio creates.
    #[arg(
        long = "kafka-replication",
        env = "FOLIO_KAFKA_REPLICATION",
        default_value_t = 1
    )]
    replication_factor: i32,
    /// Messages per relay batch and per projector transaction.
    #[arg(
        long = "kafka-batch-size",
        env = "FOLIO_KAFKA_BATCH_SIZE",
        default_value_t = 500
    )]
    batch_size: usize,
    /// How long the relay waits for the broker to acknowledge a message before it
    /// publishes its batch again, in milliseconds.
    #[arg(
        long = "kafka-message-timeout-ms",
        env = "FOLIO_KAFKA_MESSAGE_TIMEOUT_MS",
        default_value_t = 300_000
    )]
    message_timeout_ms: u64,
}

impl KafkaArgs {
    /// The configuration, if a broker is configured.
    pub fn config(&self) -> Option<KafkaConfig> {
        let brokers = self.brokers.as_ref()?;
        Some(KafkaConfig {
            topic_prefix: self.topic_prefix.clone(),
            partitions: self.partitions,
            replication_factor: self.replication_factor,
            batch_size: self.batch_size.max(1),
            message_timeout: Duration::from_millis(self.message_timeout_ms),
            ..KafkaConfig::new(brokers.clone())
        })
    }

    fn required(&self) -> anyhow::Result<KafkaConfig> {
        self.config()
            .context("no broker configured: set KAFKA_BROKERS (or --kafka-brokers)")
    }
}

/// `folio relay`: copies the feed to Kafka until interrupted.
pub async fn relay(database_url: &str, args: &KafkaArgs) -> anyhow::Result<()> {
    let config = args.required()?;
    let backend = App::start(database_url).await?;
    let relay = Relay::new(backend.pool.clone(), config)?;
    until_interrupted(async { relay.run().await.map(|never| match never {}) }).await
}

/// `folio project`: the projectors, fed from Kafka, until interrupted.
pub async fn project(database_url: &str, args: &KafkaArgs) -> anyhow::Result<()> {
    let config = args.required()?;
    let backend = App::start(database_url).await?;
    let projectors = KafkaProjections::new(backend.projections(), config)?;
    until_interrupted(async { projectors.run().await.map(|never| match never {}) }).await
}

/// Runs `work` until it fails or Ctrl-C or SIGTERM arrives. A projector stopped
/// mid-batch rolls back, which loses nothing.
async fn until_interrupted<E>(
    work: impl std::future::Future<Output = Result<(), E>>,
) -> anyhow::Result<()>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let interrupt = signal(SignalKind::interrupt()).context("cannot handle Ctrl-C")?;
    let terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    tokio::select! {
        result = work => result.map_err(anyhow::Error::from),
        () = crate::serve::shutdown_signal(interrupt, terminate) => Ok(()),
    }
}
