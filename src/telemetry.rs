//! Telemetry set-up, in one place: logs on stderr (stdout is the CLI's output)
//! as text or JSON lines, filtered by the `log` setting; OpenTelemetry traces
//! exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set; the
//! process's metrics recorder.
//!
//! Spans get OpenTelemetry trace ids even when nothing is exported, so log lines
//! and the events' metadata carry a trace id that ties a request to what it
//! caused in other processes.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, with the fields of the spans it happened in
    /// (trace id, tenant, command id).
    Json,
}

/// What must outlive the program's work: the trace exporter, flushed on drop.
#[derive(Debug)]
pub struct Telemetry {
    traces: SdkTracerProvider,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        // Exports what is still buffered; a collector that is away loses it.
        let _ = self.traces.shutdown();
    }
}

/// The crates whose spans become OpenTelemetry spans (their `info` spans and
/// up); dependencies' spans stay out of the traces.
fn traced_crates() -> Targets {
    Targets::new()
        .with_target("folio", tracing::Level::INFO)
        .with_target("folio_api", tracing::Level::INFO)
        .with_target("folio_commands", tracing::Level::INFO)
        .with_target("folio_infra", tracing::Level::INFO)
        .with_target("folio_projections", tracing::Level::INFO)
}

/// Installs logging with `filter` (a `tracing` filter such as `info`; an
/// unparsable one falls back to `warn` and says so) in `format`, and tracing.
/// Keep the returned value until the program ends.
pub fn init(filter: &str, format: LogFormat) -> Telemetry {
    let (filter, refused) = match EnvFilter::try_new(filter) {
        Ok(filter) => (filter, None),
        Err(error) => (EnvFilter::new("warn"), Some(error)),
    };
    let logs = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let logs = match format {
        LogFormat::Text => logs.boxed(),
        LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .boxed(),
    };
    let (traces, exporting) = tracer_provider();
    let tracer = traces.tracer("folio");
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
    tracing_subscriber::registry()
        .with(logs.with_filter(filter))
        .with(
            tracing_opentelemetry::layer()
                .with_tracer(tracer)
                .with_filter(traced_crates()),
        )
        .init();
    if let Some(error) = refused {
        tracing::warn!(%error, "FOLIO_LOG is not a valid filter; logging warnings only");
    }
    if let Err(error) = &exporting {
        tracing::warn!(%error, "OTEL_EXPORTER_OTLP_ENDPOINT is set but traces cannot be exported");
    }
    Telemetry { traces }
}

/// Spans exported over OTLP/HTTP (protobuf) when `OTEL_EXPORTER_OTLP_ENDPOINT`
/// is set (the exporter reads the standard `OTEL_*` variables, the batch
/// processor `OTEL_BSP_*`); otherwise ids only, nothing recorded.
fn tracer_provider() -> (SdkTracerProvider, Result<bool, String>) {
    let resource = Resource::builder().build(); // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
    let builder = SdkTracerProvider::builder().with_resource(resource);
    if std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_none() {
        let provider = builder.with_sampler(Sampler::AlwaysOff).build();
        return (provider, Ok(false));
    }
    match opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
    {
        Ok(exporter) => (
            builder
                .with_sampler(Sampler::ParentBased(Box::new(Sampler::AlwaysOn)))
                .with_batch_exporter(exporter)
                .build(),
            Ok(true),
        ),
        Err(error) => (
            builder.with_sampler(Sampler::AlwaysOff).build(),
            Err(error.to_string()),
        ),
    }
}

/// Installs the process's metrics recorder (Prometheus) and describes every
/// metric of the edges and the adapters.
pub fn install_metrics() -> folio_api::metrics::Metrics {
    let metrics = folio_api::metrics::Metrics::install();
    folio_infra::telemetry::describe();
    metrics
}
