//! W3C trace context at the edge: a request continues the trace its caller (the
//! gateway, a frontend) started, named by the `traceparent` header, and hands
//! its own position in that trace to the commands it runs, which store it with
//! their events so the relay and the projectors continue the same trace.

use std::collections::HashMap;

use axum::http::HeaderMap;
use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::TraceContextExt;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Reads propagation headers from an HTTP request.
struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(axum::http::HeaderName::as_str).collect()
    }
}

/// Collects propagation fields into a map.
struct Fields(HashMap<String, String>);

impl Injector for Fields {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
}

/// The span of one request on `route`, child of the caller's trace when the
/// headers carry one; its `trace_id` field puts the trace id on every log line
/// written within it.
pub fn request_span(route: &'static str, headers: &HeaderMap) -> tracing::Span {
    let span = tracing::info_span!(
        "request",
        otel.name = route,
        otel.kind = "server",
        route,
        operation = tracing::field::Empty,
        trace_id = tracing::field::Empty
    );
    let parent = opentelemetry::global::get_text_map_propagator(|p| p.extract(&Headers(headers)));
    // Refused only when no OpenTelemetry layer is installed; then there is no trace.
    let _ = span.set_parent(parent);
    let trace_id = span.context().span().span_context().trace_id();
    if trace_id != opentelemetry::trace::TraceId::INVALID {
        span.record("trace_id", tracing::field::display(trace_id));
    }
    span
}

/// The W3C `traceparent` of the current span, if it belongs to a trace.
pub fn current_trace_parent() -> Option<String> {
    let context = tracing::Span::current().context();
    if !context.span().span_context().is_valid() {
        return None;
    }
    let mut fields = Fields(HashMap::new());
    opentelemetry::global::get_text_map_propagator(|p| p.inject_context(&context, &mut fields));
    fields.0.remove("traceparent")
}
