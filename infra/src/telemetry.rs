//! What the adapters tell an operator: metrics (event-store appends, projector
//! batches, the relay, the subscription feed, dead letters), recorded through
//! the `metrics` facade and rendered by the process's exporter
//! (`folio_api::metrics`); and the spans of batches, which continue the traces
//! of the requests that wrote their events (the W3C `traceparent` each event
//! carries in its metadata and, on Kafka, in a header). One function per fact,
//! so a name and its labels are written once.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use metrics::{describe_counter, describe_histogram, Unit};
use opentelemetry::trace::{SpanContext, TraceContextExt};
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Most links one batch span carries (OpenTelemetry's default limit).
const MAX_LINKS: usize = 128;

/// The span context a W3C `traceparent` names, if it is a valid one.
pub fn span_context(trace_parent: &str) -> Option<SpanContext> {
    let carrier = HashMap::from([("traceparent".to_owned(), trace_parent.to_owned())]);
    let context = opentelemetry::global::get_text_map_propagator(|p| p.extract(&carrier));
    let span = context.span().span_context().clone();
    span.is_valid().then_some(span)
}

/// The `traceparent` an event's metadata carries, if its command was traced.
pub fn trace_parent(metadata: &serde_json::Value) -> Option<&str> {
    metadata
        .get("trace_parent")
        .and_then(serde_json::Value::as_str)
}

/// The span of one batch `name` (`projector.batch`, `relay.batch`) of `events`
/// for `what` (a projector, a relay): it continues the trace of its first traced
/// event and links every other trace, so each request's trace shows where its
/// events went and when.
pub fn batch_span<'a>(
    name: &'static str,
    what: &str,
    transport: &'static str,
    events: usize,
    trace_parents: impl IntoIterator<Item = &'a str>,
) -> tracing::Span {
    let span = tracing::info_span!(
        "batch",
        otel.name = name,
        otel.kind = "consumer",
        what,
        transport,
        events,
        trace_id = tracing::field::Empty
    );
    let mut contexts = trace_parents.into_iter().filter_map(span_context);
    if let Some(first) = contexts.next() {
        let parent = opentelemetry::Context::new().with_remote_span_context(first.clone());
        let _ = span.set_parent(parent);
        let mut linked = HashSet::from([first.span_id()]);
        for other in contexts {
            if linked.len() > MAX_LINKS {
                break;
            }
            if linked.insert(other.span_id()) {
                span.add_link(other);
            }
        }
    }
    let trace_id = span.context().span().span_context().trace_id();
    if trace_id != opentelemetry::trace::TraceId::INVALID {
        span.record("trace_id", tracing::field::display(trace_id));
    }
    span
}

/// Says what each metric of the adapters means (`# HELP`) and its unit; called
/// once when the exporter is installed.
pub fn describe() {
    describe_histogram!(
        "folio_event_store_append_duration_seconds",
        Unit::Seconds,
        "Time to seal and append one command's events to the event store, by aggregate type."
    );
    describe_counter!(
        "folio_events_appended_total",
        Unit::Count,
        "Events appended to the event store by this process, by aggregate type."
    );
    describe_histogram!(
        "folio_projection_batch_duration_seconds",
        Unit::Seconds,
        "Time to apply one batch to a read model and move its checkpoint, by projector and transport."
    );
    describe_counter!(
        "folio_projection_events_applied_total",
        Unit::Count,
        "Events applied to the read models by this process, by projector and transport."
    );
    describe_counter!(
        "folio_relay_events_published_total",
        Unit::Count,
        "Events the relay published to Kafka and the broker acknowledged."
    );
    describe_histogram!(
        "folio_relay_batch_duration_seconds",
        Unit::Seconds,
        "Time to publish one batch to Kafka and wait for every acknowledgement."
    );
    describe_histogram!(
        "folio_feed_delivery_lag_seconds",
        Unit::Seconds,
        "Time from an event's commit to its delivery to GraphQL subscriptions (the feed's lag)."
    );
    describe_counter!(
        "folio_notification_attempts_total",
        Unit::Count,
        "Attempts this process made to deliver a notification, by channel and outcome (SENT, RETRY, REFUSED, GAVE_UP)."
    );
    describe_counter!(
        "folio_kafka_dead_letters_total",
        Unit::Count,
        "Kafka messages a projector could not apply and dead-lettered, by projector."
    );
}

/// One command's events appended.
pub fn appended(aggregate_type: &str, events: usize, elapsed: Duration) {
    let aggregate = aggregate_type.to_owned();
    metrics::histogram!("folio_event_store_append_duration_seconds", "aggregate" => aggregate.clone())
        .record(elapsed.as_secs_f64());
    metrics::counter!("folio_events_appended_total", "aggregate" => aggregate)
        .increment(events as u64);
}

/// One attempt to deliver a notification over `channel`, and its outcome.
pub fn notification_attempt(channel: &'static str, outcome: &'static str) {
    metrics::counter!("folio_notification_attempts_total", "channel" => channel, "outcome" => outcome)
        .increment(1);
}

/// One batch applied by `projector`, fed by `transport` (`feed` or `kafka`).
pub fn projected(projector: &str, transport: &'static str, events: usize, elapsed: Duration) {
    let projector = projector.to_owned();
    metrics::histogram!("folio_projection_batch_duration_seconds",
        "projector" => projector.clone(), "transport" => transport)
    .record(elapsed.as_secs_f64());
    metrics::counter!("folio_projection_events_applied_total",
        "projector" => projector, "transport" => transport)
    .increment(events as u64);
}

/// One batch published by the relay and acknowledged.
pub fn relayed(events: usize, elapsed: Duration) {
    metrics::counter!("folio_relay_events_published_total").increment(events as u64);
    metrics::histogram!("folio_relay_batch_duration_seconds").record(elapsed.as_secs_f64());
}

/// One event handed to the subscriptions `lag` after its commit.
pub fn delivered_to_subscriptions(lag: Duration) {
    metrics::histogram!("folio_feed_delivery_lag_seconds").record(lag.as_secs_f64());
}

/// Messages `projector` dead-lettered.
pub fn dead_lettered(projector: &str, count: usize) {
    metrics::counter!("folio_kafka_dead_letters_total", "projector" => projector.to_owned())
        .increment(count as u64);
}
