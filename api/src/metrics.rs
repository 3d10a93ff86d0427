//! The metrics of the edges and how `/metrics` exports every metric of the
//! process.
//!
//! Every crate records through the `metrics` facade (`metrics::counter!` and
//! friends), so the event store, the projectors and the relay need no registry
//! handle threaded through their constructors; the process installs one
//! recorder, `metrics-exporter-prometheus`, and `/metrics` renders it in
//! Prometheus' text format. That exporter has no exemplars (prometheus-client
//! has them, but would need a registry passed to every crate); trace ids are
//! in the logs and spans instead.
//!
//! Names follow Prometheus' conventions: `folio_` prefix, base units in the name
//! (`_seconds`), counters end in `_total`.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Buckets of every `_seconds` histogram, from a millisecond to ten seconds.
const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Most distinct GraphQL operation names kept as label values; later ones are
/// counted as `other`, so a client cannot grow the series without bound.
const MAX_OPERATIONS: usize = 200;

/// The process's metrics exporter and the edges' recording helpers.
#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// The process's exporter, installed as the global recorder on the first call
    /// (later calls share it).
    pub fn install() -> Metrics {
        static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
        let handle = HANDLE.get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
                .expect("the buckets are not empty");
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!(
                    "another metrics recorder is installed; /metrics shows only its own"
                );
            }
            describe();
            handle
        });
        Metrics {
            handle: handle.clone(),
        }
    }

    /// Everything recorded in the process, in Prometheus' text format.
    pub fn render(&self) -> String {
        self.handle.render()
    }
}

/// Says what each metric of the edges means (`# HELP`) and its unit.
fn describe() {
    describe_counter!(
        "folio_http_requests_total",
        Unit::Count,
        "HTTP requests by route, GraphQL operation (or MCP tool) and status."
    );
    describe_histogram!(
        "folio_http_request_duration_seconds",
        Unit::Seconds,
        "HTTP request latency by route and GraphQL operation."
    );
    describe_counter!(
        "folio_commands_total",
        Unit::Count,
        "Commands by type and outcome code (OK or the error code), on every edge."
    );
    describe_counter!(
        "folio_rate_limited_total",
        Unit::Count,
        "Requests refused with LIMIT (429) by a rate limit, by scope (tenant, address)."
    );
    describe_counter!(
        "folio_mcp_tool_calls_total",
        Unit::Count,
        "MCP tool calls by tool and outcome code."
    );
    describe_histogram!(
        "folio_mcp_tool_call_duration_seconds",
        Unit::Seconds,
        "MCP tool call latency by tool."
    );
    describe_gauge!(
        "folio_projection_events_behind",
        Unit::Count,
        "Events committed that a projector has not applied yet (in Kafka mode: its consumer lag)."
    );
    describe_gauge!(
        "folio_projection_seconds_behind",
        Unit::Seconds,
        "Age of the oldest event a projector has not applied."
    );
    describe_gauge!(
        "folio_projection_dead_letters",
        Unit::Count,
        "Kafka messages a projector dead-lettered since its last rebuild."
    );
    describe_gauge!(
        "folio_projection_failing",
        "1 while a projector's last batch failed (a poison event, or a cause that persists); 0 otherwise."
    );
    describe_gauge!(
        "folio_relay_events_behind",
        Unit::Count,
        "Events committed that the relay has not published to Kafka yet (Kafka mode)."
    );
    describe_gauge!(
        "folio_db_pool_connections",
        Unit::Count,
        "Connections of this process's pool, by state (idle, in_use)."
    );
    describe_histogram!(
        "folio_db_pool_acquire_seconds",
        Unit::Seconds,
        "How long a command, a projector or the feed waited for a pool connection, by purpose."
    );
    describe_gauge!(
        "folio_db_pool_max_connections",
        Unit::Count,
        "The most connections this process's pool opens."
    );
    describe_gauge!(
        "folio_database_up",
        Unit::Count,
        "Whether the last probe reached Postgres (1) or not (0)."
    );
    describe_counter!(
        "folio_database_outages_total",
        Unit::Count,
        "Times Postgres became unreachable since the process started."
    );
    describe_counter!(
        "folio_database_reconnects_total",
        Unit::Count,
        "Times Postgres answered again after an outage."
    );
    describe_gauge!(
        "folio_database_unreachable_seconds",
        Unit::Seconds,
        "Time Postgres was unreachable since the process started, the current outage included."
    );
    describe_gauge!(
        "folio_credit_moves_under_way",
        Unit::Count,
        "Credit moves between two invoices with only the first half recorded; one that stays is one the finisher cannot finish."
    );
    describe_gauge!(
        "folio_documents_awaiting_archive",
        Unit::Count,
        "Issued invoices and credit notes whose files are not archived yet."
    );
    describe_gauge!(
        "folio_documents_archive_failing",
        Unit::Count,
        "Issued documents the archiver failed on so far; each reason is in document_archive_attempts."
    );
    describe_gauge!(
        "folio_cfdi_awaiting_stamp",
        Unit::Count,
        "Invoices issued under MX whose CFDI no PAC has stamped yet (and that are not void)."
    );
    describe_gauge!(
        "folio_cfdi_stamp_failing",
        Unit::Count,
        "Of those, the ones the stamper failed on so far; each reason is in cfdi_stamp_attempts."
    );
    describe_gauge!(
        "folio_cfdi_awaiting_cancellation",
        Unit::Count,
        "Stamped invoices whose cancellation SAT has not decided (to send, or the receiver deciding)."
    );
    describe_gauge!(
        "folio_cfdi_cancellation_failing",
        Unit::Count,
        "Of those, the ones whose latest attempt failed; each reason is in cfdi_cancellation_attempts."
    );
    describe_gauge!(
        "folio_cfdi_oldest_seal_age_seconds",
        Unit::Seconds,
        "Age of the oldest CFDI sealed and not stamped yet; a PAC stamps within 72 hours of the seal, then it is sealed anew."
    );
    describe_gauge!(
        "folio_notifications_unsent",
        Unit::Count,
        "Notifications not sent, by channel and status (QUEUED, SENDING, RETRYING, FAILED); each reason is in the outbox."
    );
    describe_gauge!(
        "folio_consistency_waiting_reads",
        Unit::Count,
        "Reads waiting now for the read models to reach their consistency token."
    );
    describe_gauge!(
        "folio_relay_seconds_behind",
        Unit::Seconds,
        "Age of the oldest event the relay has not published yet (Kafka mode)."
    );
}

/// Counts a finished HTTP request and its latency.
pub fn request(route: &'static str, operation: &str, status: u16, elapsed: Duration) {
    let operation = bounded(operation);
    metrics::counter!("folio_http_requests_total",
        "route" => route, "operation" => operation.clone(), "status" => status.to_string())
    .increment(1);
    metrics::histogram!("folio_http_request_duration_seconds",
        "route" => route, "operation" => operation)
    .record(elapsed.as_secs_f64());
}

/// Counts a command's outcome: `code` is `OK` or its error code.
pub fn command(command: &str, code: &str) {
    metrics::counter!("folio_commands_total",
        "command" => command.to_owned(), "code" => code.to_owned())
    .increment(1);
}

/// Counts an MCP tool call and its latency.
pub fn tool_call(tool: &str, code: &str, elapsed: Duration) {
    metrics::counter!("folio_mcp_tool_calls_total",
        "tool" => tool.to_owned(), "code" => code.to_owned())
    .increment(1);
    metrics::histogram!("folio_mcp_tool_call_duration_seconds", "tool" => tool.to_owned())
        .record(elapsed.as_secs_f64());
}

/// `operation` as a label value: one of the first [`MAX_OPERATIONS`] names seen,
/// else `other`.
fn bounded(operation: &str) -> String {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let operation: String = operation
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect();
    let mut seen = SEEN
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if seen.contains(&operation) || seen.len() < MAX_OPERATIONS && seen.insert(operation.clone()) {
        operation
    } else {
        "other".to_owned()
    }
}
