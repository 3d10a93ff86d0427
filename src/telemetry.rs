//! Telemetry set-up, in one place: logs as text lines on stderr (stdout is the
//! CLI's output), filtered by the `log` setting; the process's metrics recorder.

use tracing_subscriber::EnvFilter;

/// Installs the process's metrics recorder (Prometheus) and describes every
/// metric of the edges and the adapters.
pub fn install_metrics() -> folio_api::metrics::Metrics {
    let metrics = folio_api::metrics::Metrics::install();
    folio_infra::telemetry::describe();
    metrics
}

/// Installs the log subscriber with `filter` (a `tracing` filter such as `info`);
/// an unparsable filter falls back to `warn` and says so.
pub fn init(filter: &str) {
    let (filter, refused) = match EnvFilter::try_new(filter) {
        Ok(filter) => (filter, None),
        Err(error) => (EnvFilter::new("warn"), Some(error)),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    if let Some(error) = refused {
        tracing::warn!(%error, "FOLIO_LOG is not a valid filter; logging warnings only");
    }
}
