//! What an operator sees: `/metrics` after a workload, parsed by Prometheus' own
//! Python client (a malformed exposition fails there as a scrape would), with
//! every figure the runbook needs, in embedded mode and in Kafka mode.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use folio_api::Role;
use serde_json::{json, Value};
use support::kafka::{backlog, brokers, caught_up, kafka, kafka_env, spawn};
use support::server::Server;
use support::{tenant, TestDatabase};

/// One sample of a scrape.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: serde_json::Map<String, Value>,
    value: f64,
}

/// A scrape of `url`, parsed by `prometheus_client.parser`: every sample, and
/// each family's type.
async fn scrape(url: &str) -> (Vec<Sample>, serde_json::Map<String, Value>) {
    let text = reqwest::get(url).await.unwrap().text().await.unwrap();
    let families = support::python::run("prometheus_parse.py", &[], &[], &text).await;
    let families = families.as_object().unwrap().clone();
    let samples = families
        .values()
        .flat_map(|family| family["samples"].as_array().unwrap().clone())
        .map(|s| Sample {
            name: s["name"].as_str().unwrap().to_owned(),
            labels: s["labels"].as_object().unwrap().clone(),
            value: s["value"].as_f64().unwrap(),
        })
        .collect();
    (samples, families)
}

/// The sample called `name` whose labels include `labels`.
fn sample<'a>(samples: &'a [Sample], name: &str, labels: &[(&str, &str)]) -> &'a Sample {
    samples
        .iter()
        .find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).and_then(Value::as_str) == Some(*v))
        })
        .unwrap_or_else(|| {
            let names: std::collections::BTreeSet<&str> =
                samples.iter().map(|s| s.name.as_str()).collect();
            panic!("no {name} with {labels:?} among {names:#?}")
        })
}

/// The type Prometheus' parser gave the family `name`.
fn family_type<'a>(families: &'a serde_json::Map<String, Value>, name: &str) -> &'a str {
    families[name]["type"].as_str().unwrap()
}

const REGISTER: &str = "mutation Register($key: String!) {
    registerCustomer(idempotencyKey: $key, input: {contact: {name: \"Acme GmbH\"},
        tax: {country: \"DE\", defaultCurrency: \"EUR\", paymentTermsDays: 30}}) {
        aggregateId consistencyToken } }";
const CUSTOMERS: &str = "query Customers($token: String) {
    customers(consistencyToken: $token) { edges { node { name } } } }";

#[tokio::test(flavor = "multi_thread")]
async fn metrics_name_every_figure_an_operator_needs() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let tenant = tenant();
    let accountant = server.token(tenant, "acc-1", Role::Accountant);
    let auditor = server.token(tenant, "aud-1", Role::Auditor);

    // A workload: a named mutation, a read that waits for it, a refused command,
    // an MCP tool call.
    let written = server
        .ok(&accountant, REGISTER, json!({"key": "k-1"}))
        .await;
    let token = written["registerCustomer"]["consistencyToken"].clone();
    server
        .ok(&accountant, CUSTOMERS, json!({"token": token}))
        .await;
    let refused = server.gql(&auditor, REGISTER, json!({"key": "k-2"})).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let url = format!("{}/mcp", server.base);
    let steps = json!([{"op": "call", "tool": "list_customers", "args": {}}]);
    let run = support::python::run(
        "mcp_client.py",
        &["http", &url, &accountant],
        &[],
        &steps.to_string(),
    )
    .await;
    assert_eq!(run["results"][0]["is_error"], false, "{run:#}");

    let (samples, families) = scrape(&format!("{}/metrics", server.base)).await;
    let at_least_one = |name: &str, labels: &[(&str, &str)]| {
        let found = sample(&samples, name, labels);
        assert!(found.value >= 1.0, "{found:?}");
    };
    // Requests by route and GraphQL operation, with latency.
    let graphql = [("route", "graphql"), ("status", "200")];
    at_least_one(
        "folio_http_requests_total",
        &[graphql[0], graphql[1], ("operation", "Register")],
    );
    at_least_one(
        "folio_http_request_duration_seconds_count",
        &[("route", "graphql"), ("operation", "Customers")],
    );
    at_least_one("folio_http_requests_total", &[("route", "mcp")]);
    assert_eq!(
        family_type(&families, "folio_http_request_duration_seconds"),
        "histogram"
    );
    // Command outcomes by type and code, on both edges.
    at_least_one(
        "folio_commands_total",
        &[("command", "RegisterCustomer"), ("code", "OK")],
    );
    at_least_one(
        "folio_commands_total",
        &[("command", "RegisterCustomer"), ("code", "FORBIDDEN")],
    );
    assert_eq!(family_type(&families, "folio_commands"), "counter");
    at_least_one(
        "folio_mcp_tool_calls_total",
        &[("tool", "list_customers"), ("code", "OK")],
    );
    // The event store, the feed and the projectors.
    at_least_one(
        "folio_event_store_append_duration_seconds_count",
        &[("aggregate", "Customer")],
    );
    at_least_one("folio_events_appended_total", &[("aggregate", "Customer")]);
    at_least_one("folio_feed_delivery_lag_seconds_count", &[]);
    at_least_one(
        "folio_projection_events_applied_total",
        &[("projector", "invoicing"), ("transport", "feed")],
    );
    at_least_one(
        "folio_projection_batch_duration_seconds_count",
        &[("projector", "invoicing")],
    );
    for lag in [
        "folio_projection_events_behind",
        "folio_projection_seconds_behind",
        "folio_projection_dead_letters",
    ] {
        for projector in ["invoicing", "expenses"] {
            sample(&samples, lag, &[("projector", projector)]);
        }
    }
    // The pool and the database.
    sample(&samples, "folio_db_pool_connections", &[("state", "idle")]);
    sample(
        &samples,
        "folio_db_pool_connections",
        &[("state", "in_use")],
    );
    at_least_one("folio_db_pool_max_connections", &[]);
    assert_eq!(sample(&samples, "folio_database_up", &[]).value, 1.0);
    assert_eq!(
        sample(&samples, "folio_database_outages_total", &[]).value,
        0.0
    );
    sample(&samples, "folio_database_reconnects_total", &[]);
    sample(&samples, "folio_database_unreachable_seconds", &[]);
    // Every family says what it measures.
    for (name, family) in &families {
        if name.starts_with("folio_") {
            assert!(
                !family["help"].as_str().unwrap_or_default().is_empty(),
                "{name} has no HELP"
            );
        }
    }
}

/// A free port on loopback.
fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn relay_and_projector_processes_export_their_metrics_and_lag() {
    let db = TestDatabase::new().await;
    let config = kafka(&db, &brokers());
    let env = kafka_env(&db, &config, 50);
    let (relay_at, project_at) = (free_address(), free_address());
    let with_metrics = |address: &str| {
        let mut env = env.clone();
        env.push(("FOLIO_METRICS_LISTEN".into(), address.to_owned()));
        env
    };
    let _relay = spawn("relay", &with_metrics(&relay_at));
    let _projector = spawn("project", &with_metrics(&project_at));
    backlog(&db, 2).await;
    caught_up(&db, Duration::from_secs(120)).await;

    let (relay, _) = scrape(&format!("http://{relay_at}/metrics")).await;
    let published = sample(&relay, "folio_relay_events_published_total", &[]);
    assert!(published.value >= 1.0, "{published:?}");
    sample(&relay, "folio_relay_batch_duration_seconds_count", &[]);
    let behind = sample(
        &relay,
        "folio_relay_events_behind",
        &[("relay", &config.topic_prefix)],
    );
    assert_eq!(behind.value, 0.0, "caught up");
    sample(&relay, "folio_relay_seconds_behind", &[]);

    let (projector, _) = scrape(&format!("http://{project_at}/metrics")).await;
    for name in ["invoicing", "expenses"] {
        let applied = sample(
            &projector,
            "folio_projection_events_applied_total",
            &[("projector", name), ("transport", "kafka")],
        );
        assert!(applied.value >= 1.0, "{applied:?}");
        let lag = sample(
            &projector,
            "folio_projection_events_behind",
            &[("projector", name)],
        );
        assert_eq!(lag.value, 0.0, "caught up");
    }
}
