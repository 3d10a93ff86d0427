//! The HTTP server: `/graphql` (POST queries and mutations, GET GraphiQL),
//! `/graphql/ws` (subscriptions, graphql-transport-ws), `/mcp` (the MCP server,
//! streamable HTTP), `/healthz`, `/readyz`, `/metrics` (there or on a listener of
//! its own). Authentication, body size and request time are enforced here,
//! before the schema sees a request.

use folio_commands::download_links::DOWNLOAD_ROUTE;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::GraphQLProtocol;
use axum::body::Body;
use axum::extract::{Request, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use folio_commands::health::{DatabaseHealth, HealthReport};
use folio_domain::ErrorCode;
use folio_projections::FeedEvent;
use futures_util::StreamExt;
use serde_json::json;
use tokio::sync::broadcast;
use tracing::Instrument;

use crate::admission::admit;
use crate::auth::Authenticator;
use crate::error::{error_response, with_codes};
use crate::graphql::socket_guard::SocketAdmission;
use crate::graphql::{build, request_data, FolioSchema, Limits, Services};
use crate::metrics::Metrics;
use crate::protection::{Protection, RateLimits};
use crate::vitals::{self, StoreVitals};

/// Everything the handlers share.
#[derive(Clone)]
pub struct AppState {
    services: Services,
    schema: FolioSchema,
    authenticator: Authenticator,
    limits: Limits,
    metrics: Metrics,
    protection: Protection,
    rate_limits: RateLimits,
    vitals: StoreVitals,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("authenticator", &self.authenticator)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Wires the API over the application layer and the read models; `changes`
    /// carries committed events to subscriptions, `vitals` what the health and
    /// metrics endpoints say about the store.
    pub fn new(
        services: Services,
        authenticator: Authenticator,
        (limits, protection): (Limits, Protection),
        changes: broadcast::Sender<Arc<FeedEvent>>,
        vitals: StoreVitals,
    ) -> Self {
        let rate_limits = RateLimits::new(&protection);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let limiters = rate_limits.clone();
            runtime.spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    limiters.forget_idle();
                }
            });
        }
        AppState {
            schema: build(&limits, &rate_limits, changes),
            services,
            authenticator,
            limits,
            metrics: Metrics::install(),
            protection,
            rate_limits,
            vitals,
        }
    }
}

/// Where `folio serve` answers `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsAt {
    /// Beside the API, on its address.
    Api,
    /// Only on a listener of its own ([`serve_metrics_router`]), not on the
    /// API's address.
    OwnListener,
}

/// The routes: the API, health, and `/metrics` where `scrape` says.
pub fn router(state: AppState, scrape: MetricsAt) -> Router {
    let services = &state.services;
    let gate = crate::mcp::Gate {
        authenticator: state.authenticator.clone(),
        use_cases: services.use_cases.clone(),
        rate_limits: state.rate_limits.clone(),
    };
    let mcp = Router::new()
        .route_service(
            "/mcp",
            crate::mcp::http_service(services.clone(), state.limits),
        )
        // Route layers: a path no route serves stays a 404, not an MCP 401.
        .route_layer(from_fn_with_state(gate, crate::mcp::authenticate))
        .route_layer(from_fn_with_state(state.clone(), mcp_edge));
    // The API is limited per client address before anything is done for a
    // request; health and metrics are not (probes and scrapes must get through).
    let api = Router::new()
        .merge(mcp)
        .route("/graphql", get(graphiql).post(graphql))
        .route("/graphql/ws", get(subscriptions))
        .with_state(state.clone())
        .route(
            &format!("{DOWNLOAD_ROUTE}/{{sha256}}"),
            get(crate::downloads::download).with_state(services.archive.clone()),
        )
        .layer(from_fn_with_state(
            state.rate_limits.clone(),
            crate::protection::limit_address,
        ));
    let mut routes = Router::new()
        .merge(api)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    if scrape == MetricsAt::Api {
        routes = routes.route("/metrics", get(metrics));
    }
    routes
        .with_state(state.clone())
        .layer(crate::protection::cors(&state.protection))
        .layer(axum::middleware::from_fn(
            crate::protection::security_headers,
        ))
        // A bug must not take the connection down or leak a backtrace.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Internal,
        "internal error; it was logged",
    )
}

async fn graphql(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let started = Instant::now();
    let mut operation = "unparsed".to_owned();
    let span = crate::trace::request_span("graphql", &headers);
    // The whole request (its body, admission, execution) runs within the
    // request timeout: a slow identity provider or directory counts too.
    let bounded = async {
        let work = execute(&state, &headers, body, &mut operation);
        match tokio::time::timeout(state.limits.request_timeout, work).await {
            Ok(response) => response,
            Err(_) => timed_out(state.limits.request_timeout),
        }
    };
    let response = while_reachable(&state.services.health, bounded)
        .instrument(span.clone())
        .await;
    span.record("operation", operation.as_str());
    crate::metrics::request(
        "graphql",
        &operation,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// The operation a GraphQL request runs, as metrics label it: the
/// `operationName` given, else the one operation's name in the document, else
/// `anonymous` (or `persisted`, for a hash without text).
fn operation_name(request: &async_graphql::Request) -> String {
    if let Some(name) = &request.operation_name {
        return name.clone();
    }
    if request.query.is_empty() {
        return "persisted".to_owned();
    }
    match async_graphql::parser::parse_query(&request.query) {
        Ok(document) => match document.operations {
            async_graphql::parser::types::DocumentOperations::Single(_) => "anonymous".to_owned(),
            async_graphql::parser::types::DocumentOperations::Multiple(operations) => {
                match operations.keys().next() {
                    Some(name) if operations.len() == 1 => name.to_string(),
                    _ => "anonymous".to_owned(),
                }
            }
        },
        Err(_) => "unparsed".to_owned(),
    }
}

/// The most of an oversized body read and thrown away before the refusal is
/// sent: hyper closes a connection whose body was left unread, so a client
/// still uploading would see its connection reset instead of the 413.
const DRAINED_AT_MOST: usize = 4 * 1024 * 1024;

/// The body length the request declares (`Content-Length`), if it does.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Reads and discards `body`, at most [`DRAINED_AT_MOST`] bytes of it.
async fn drain(body: Body) {
    let mut chunks = body.into_data_stream();
    let mut read = 0;
    while let Some(Ok(chunk)) = chunks.next().await {
        read += chunk.len();
        if read > DRAINED_AT_MOST {
            break;
        }
    }
}

async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    operation: &mut String,
) -> Response {
    let most = state.limits.max_body_bytes;
    let too_large = || {
        error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::Limit,
            &format!("the request body is larger than {most} bytes"),
        )
    };
    if declared_length(headers).is_some_and(|length| length > most as u64) {
        drain(body).await;
        return too_large();
    }
    let bytes = match axum::body::to_bytes(body, most).await {
        Ok(bytes) => bytes,
        Err(_) => return too_large(),
    };
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let principal = match admit(
        &state.authenticator,
        &state.services.use_cases,
        &state.rate_limits,
        authorization,
    )
    .await
    {
        Ok(principal) => principal,
        Err(refusal) => return refusal.into_response(),
    };
    let request: async_graphql::Request = match serde_json::from_slice(&bytes) {
        Ok(request) => request,
        Err(error) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                ErrorCode::Validation,
                &format!("the body is not a GraphQL request in JSON: {error}"),
            )
        }
    };
    *operation = operation_name(&request);
    let mut request = request;
    request.data = request_data(principal, &state.services, state.limits);
    Json(with_codes(state.schema.execute(request).await)).into_response()
}

/// The answer to a request stopped by the request timeout.
fn timed_out(timeout: Duration) -> Response {
    error_response(
        StatusCode::OK,
        ErrorCode::Limit,
        &format!(
            "the request took longer than {} s and was stopped; a mutation may still have been applied: retry it with the same idempotencyKey",
            timeout.as_secs()
        ),
    )
}

/// Only `/metrics`, for processes that serve no API (`folio relay`,
/// `folio project`): their own counters, `pool`'s use and the lag their
/// [`StoreVitals`] task reads.
pub fn metrics_router(metrics: Metrics, pool: sqlx::PgPool) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            vitals::pool_gauges(&pool);
            std::future::ready(exposition(&metrics))
        }),
    )
}

/// `/metrics` of `folio serve` alone, for its own listener
/// (`FOLIO_METRICS_LISTEN`).
pub fn serve_metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// The Prometheus text answer.
fn exposition(metrics: &Metrics) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics.render(),
    )
        .into_response()
}

/// The MCP endpoint's outer edge, as GraphQL has it: refused at once during a
/// database outage, stopped after the request timeout, counted.
async fn mcp_edge(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let span = crate::trace::request_span("mcp", request.headers());
    // The tools run on the SDK's tasks, outside this span: they find it here.
    let trace_parent = span.in_scope(crate::trace::current_trace_parent);
    request
        .extensions_mut()
        .insert(crate::mcp::TraceParent(trace_parent));
    let timeout = state.limits.request_timeout;
    let work = async {
        match tokio::time::timeout(timeout, next.run(request)).await {
            Ok(response) => response,
            Err(_) => error_response(
                StatusCode::GATEWAY_TIMEOUT,
                ErrorCode::Limit,
                &format!(
                    "the request took longer than {} s and was stopped; a write may still have been applied: retry it with the same idempotency_key",
                    timeout.as_secs()
                ),
            ),
        }
    };
    let response = while_reachable(&state.services.health, work)
        .instrument(span)
        .await;
    crate::metrics::request("mcp", "mcp", response.status().as_u16(), started.elapsed());
    response
}

/// Runs `work` unless the database is known to be away: then it is refused at
/// once (instead of waiting on the pool's acquire timeout) with `UNAVAILABLE`,
/// HTTP 503 and `Retry-After`. Work that started is not stopped when an outage
/// begins: a command's own transaction decides whether it happened, and it
/// fails on its own (as `UNAVAILABLE`, safe to retry with the same key) if the
/// database does not answer it.
async fn while_reachable(
    health: &DatabaseHealth,
    work: impl std::future::Future<Output = Response>,
) -> Response {
    let Err(refusal) = health.require_reachable() else {
        return work.await;
    };
    let mut response = error_response(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Unavailable,
        &refusal.to_string(),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    response
}

/// GraphiQL's page, when it is turned on; otherwise a 404 that says how to turn
/// it on and where queries go.
async fn graphiql(State(state): State<AppState>) -> Response {
    match &state.protection.graphiql_assets {
        Some(assets) => Html(crate::graphiql::page(assets)).into_response(),
        None => error_response(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "GraphiQL is turned off on this server (--graphiql / FOLIO_GRAPHIQL); POST GraphQL requests to /graphql",
        ),
    }
}

async fn subscriptions(
    State(state): State<AppState>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let schema = state.schema.clone();
    let admission = SocketAdmission {
        services: state.services.clone(),
        authenticator: state.authenticator.clone(),
        limits: state.limits,
        rate_limits: state.rate_limits.clone(),
    };
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| crate::socket::serve(admission, schema, protocol, socket))
}

/// Liveness: the process answers. Never touches the database, so an outage does
/// not make an orchestrator restart a process that would recover by itself.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: this process can serve requests: the database answers and the
/// read models are installed, as the vitals task last read them (no request
/// reaches the database). A projector that fails (a poison event, say) does not
/// make it unready: every replica shares the projectors' state, so that would
/// take the whole fleet out of the load balancer; it shows in `/metrics`
/// (`folio_projection_failing`) and its alert instead.
async fn readyz(State(state): State<AppState>) -> Response {
    let not_ready = |reason: String| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"ready": false, "reason": reason})),
        )
            .into_response()
    };
    if let Err(refusal) = state.services.health.require_reachable() {
        return not_ready(format!(
            "Postgres is unreachable ({}) since {} s",
            refusal.reason,
            refusal.down_for.as_secs()
        ));
    }
    match state.vitals.readiness() {
        Ok(()) => Json(json!({"ready": true})).into_response(),
        Err(reason) => not_ready(reason),
    }
}

/// Every metric of the process: what is known in memory is set now, the
/// store's lag as the vitals task last read it.
async fn metrics(State(state): State<AppState>) -> Response {
    database_gauges(&state.services.health.report());
    metrics::gauge!("folio_consistency_waiting_reads")
        .set(state.services.reads.progress().waiting_reads() as f64);
    vitals::pool_gauges(&state.services.pool);
    exposition(&state.metrics)
}

/// The database's availability, as the watcher last saw it.
fn database_gauges(report: &HealthReport) {
    metrics::gauge!("folio_database_up").set(if report.unreachable.is_none() {
        1.0
    } else {
        0.0
    });
    metrics::counter!("folio_database_outages_total").absolute(report.outages);
    metrics::counter!("folio_database_reconnects_total").absolute(report.reconnects);
    metrics::gauge!("folio_database_unreachable_seconds").set(report.unreachable_for.as_secs_f64());
}
