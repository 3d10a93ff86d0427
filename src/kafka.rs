//! `folio relay` and `folio project`: the two halves of the Kafka transport, each
//! its own process so they scale (and fail) apart.

use anyhow::Context;
use folio::config::{Config, KafkaSettings};
use folio::wiring::App;
use folio_api::vitals::StoreVitals;
use folio_infra::kafka::{KafkaConfig, KafkaProjections, Relay};
use tokio::signal::unix::{signal, SignalKind};

/// The Kafka configuration, or why a command that needs a broker cannot start.
fn required(kafka: &KafkaSettings) -> anyhow::Result<KafkaConfig> {
    kafka
        .config()?
        .context("no broker configured: set KAFKA_BROKERS (or --kafka-brokers)")
}

/// Serves the process's metrics at `listen` (if given) in the background, with
/// the task that reads the store's lag for them.
async fn serve_metrics(app: &App, config: &Config, listen: Option<&str>) -> anyhow::Result<()> {
    let Some(listen) = listen else { return Ok(()) };
    let router =
        folio_api::server::metrics_router(folio_api::metrics::Metrics::install(), app.pool.clone());
    crate::serve::serve_metrics_apart(listen, router).await?;
    let vitals = StoreVitals::new(config.status_interval);
    vitals.read(&app.pool).await;
    tokio::spawn(vitals.keep_reading(app.pool.clone()));
    Ok(())
}

/// `folio relay`: copies the feed to Kafka until interrupted.
pub async fn relay(
    config: &Config,
    kafka: &KafkaSettings,
    metrics_listen: Option<&str>,
) -> anyhow::Result<()> {
    let kafka = required(kafka)?;
    let app = App::start(config).await?;
    serve_metrics(&app, config, metrics_listen).await?;
    let relay = Relay::new(app.pool.clone(), kafka)?;
    until_interrupted(async { Ok::<_, std::convert::Infallible>(relay.run().await) }).await
}

/// `folio project`: the projectors, fed from Kafka, until interrupted.
pub async fn project(
    config: &Config,
    kafka: &KafkaSettings,
    metrics_listen: Option<&str>,
) -> anyhow::Result<()> {
    let kafka = required(kafka)?;
    let app = App::start(config).await?;
    app.require_personal_data_keys().await?;
    serve_metrics(&app, config, metrics_listen).await?;
    let projectors = KafkaProjections::new(app.projections(), kafka)?;
    until_interrupted(projectors.run()).await
}

/// Runs `work` until it fails or Ctrl-C or SIGTERM arrives. A projector stopped
/// mid-batch rolls back, which loses nothing.
async fn until_interrupted<E>(
    work: impl std::future::Future<Output = Result<std::convert::Infallible, E>>,
) -> anyhow::Result<()>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let interrupt = signal(SignalKind::interrupt()).context("cannot handle Ctrl-C")?;
    let terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    tokio::select! {
        result = work => match result {
            Err(error) => Err(anyhow::Error::from(error)),
        },
        () = crate::serve::shutdown_signal(interrupt, terminate) => Ok(()),
    }
}
