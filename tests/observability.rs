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

/// The sample called `name` whose labels include `labels`, if there is one.
fn find<'a>(samples: &'a [Sample], name: &str, labels: &[(&str, &str)]) -> Option<&'a Sample> {
    samples.iter().find(|s| {
        s.name == name
            && labels
                .iter()
                .all(|(k, v)| s.labels.get(*k).and_then(Value::as_str) == Some(*v))
    })
}

/// The sample called `name` whose labels include `labels`.
fn sample<'a>(samples: &'a [Sample], name: &str, labels: &[(&str, &str)]) -> &'a Sample {
    find(samples, name, labels).unwrap_or_else(|| {
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
    for purpose in ["command", "projection"] {
        at_least_one(
            "folio_db_pool_acquire_seconds_count",
            &[("purpose", purpose)],
        );
    }
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

    // The lag is read on an interval: a later reading shows the catch-up.
    let relay = support::eventually("the relay's metrics show it caught up", || async {
        let (relay, _) = scrape(&format!("http://{relay_at}/metrics")).await;
        let labels = [("relay", config.topic_prefix.as_str())];
        let behind = find(&relay, "folio_relay_events_behind", &labels)?;
        (behind.value == 0.0).then_some(relay)
    })
    .await;
    let published = sample(&relay, "folio_relay_events_published_total", &[]);
    assert!(published.value >= 1.0, "{published:?}");
    sample(&relay, "folio_relay_batch_duration_seconds_count", &[]);
    sample(&relay, "folio_relay_seconds_behind", &[]);

    let caught_up = |samples: &[Sample]| {
        ["invoicing", "expenses"].iter().all(|name| {
            find(
                samples,
                "folio_projection_events_behind",
                &[("projector", name)],
            )
            .is_some_and(|lag| lag.value == 0.0)
        })
    };
    let projector = support::eventually("the projectors' metrics show them caught up", || async {
        let (projector, _) = scrape(&format!("http://{project_at}/metrics")).await;
        caught_up(&projector).then_some(projector)
    })
    .await;
    for name in ["invoicing", "expenses"] {
        let applied = sample(
            &projector,
            "folio_projection_events_applied_total",
            &[("projector", name), ("transport", "kafka")],
        );
        assert!(applied.value >= 1.0, "{applied:?}");
    }
}

/// Probes and scrapes are answered from what one task reads on an interval:
/// 50 clients hammering `/readyz` and `/metrics` add no database work, and
/// `FOLIO_METRICS_LISTEN` takes `/metrics` off the API's address.
#[tokio::test(flavor = "multi_thread")]
async fn probes_and_scrapes_never_reach_the_database() {
    const CLIENTS: usize = 50;
    const INTERVAL: Duration = Duration::from_secs(1);
    let db = TestDatabase::new().await;
    let metrics_at = free_address();
    let interval_ms = INTERVAL.as_millis().to_string();
    let transactions_before = db.transactions_when_alone().await;
    let started = std::time::Instant::now();
    let mut server = Server::start_with(
        &db,
        &[
            ("FOLIO_METRICS_LISTEN", &metrics_at),
            ("FOLIO_STATUS_INTERVAL_MS", &interval_ms),
        ],
    )
    .await;
    let on_api = server
        .http
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        on_api.status().as_u16(),
        404,
        "/metrics is on its own listener"
    );

    let urls = [
        format!("{}/readyz", server.base),
        format!("http://{metrics_at}/metrics"),
    ];
    let until = tokio::time::Instant::now() + Duration::from_secs(4);
    let clients = (0..CLIENTS).map(|client| {
        let (http, url) = (server.http.clone(), urls[client % 2].clone());
        tokio::spawn(async move {
            let mut answered = 0_u64;
            while tokio::time::Instant::now() < until {
                let response = http.get(&url).send().await.unwrap();
                assert_eq!(response.status().as_u16(), 200, "{url}");
                response.bytes().await.unwrap();
                answered += 1;
            }
            answered
        })
    });
    let mut requests = 0;
    for client in futures::future::join_all(clients).await {
        requests += client.unwrap();
    }
    server.child.kill().await.unwrap();
    let lifetime = started.elapsed();

    let transactions = db.transactions_when_alone().await - transactions_before;
    // In embedded mode only the reading of the lag looks at the relays.
    let readings = db
        .statistic_when_alone(
            "SELECT seq_scan + coalesce(idx_scan, 0) FROM pg_stat_user_tables
             WHERE schemaname = 'public' AND relname = 'relay_checkpoints'",
        )
        .await;
    eprintln!(
        "{requests} requests in {lifetime:?}: {transactions} transactions, {readings} readings"
    );
    assert!(
        requests >= 2000,
        "the clients hammered ({requests} requests)"
    );
    let allowed = (lifetime.as_secs_f64() / INTERVAL.as_secs_f64()).ceil() as i64 + 1;
    assert!(readings <= allowed, "{readings} readings in {lifetime:?}");
    // Whatever the projectors and watchers do meanwhile, it is not per request.
    assert!(
        transactions < requests as i64 / 4,
        "{transactions} transactions for {requests} requests"
    );
}

/// An OTLP/HTTP receiver (`tests/otlp_receiver.py`, OpenTelemetry's own protobuf
/// classes) on a free loopback port, keeping every span it receives.
struct TraceReceiver {
    _process: tokio::process::Child,
    endpoint: String,
    spans: std::path::PathBuf,
}

impl TraceReceiver {
    async fn start() -> Self {
        use tokio::io::AsyncBufReadExt;
        let spans =
            std::env::temp_dir().join(format!("folio-spans-{}.jsonl", uuid::Uuid::new_v4()));
        let mut process = tokio::process::Command::new(support::python::python())
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/otlp_receiver.py"
            ))
            .arg(&spans)
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = tokio::io::BufReader::new(process.stdout.take().unwrap()).lines();
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the receiver starts")
            .unwrap()
            .expect("the receiver prints its port");
        let port = line.strip_prefix("listening ").expect("a port");
        TraceReceiver {
            _process: process,
            endpoint: format!("http://127.0.0.1:{port}"),
            spans,
        }
    }

    /// The environment that makes a `folio` process export to this receiver
    /// within 100 ms of a span's end.
    fn env(&self, service: &str) -> Vec<(String, String)> {
        vec![
            ("OTEL_EXPORTER_OTLP_ENDPOINT".into(), self.endpoint.clone()),
            ("OTEL_SERVICE_NAME".into(), service.into()),
            ("OTEL_BSP_SCHEDULE_DELAY".into(), "100".into()),
        ]
    }

    /// The spans received so far of trace `trace_id`.
    fn trace(&self, trace_id: &str) -> Vec<Value> {
        std::fs::read_to_string(&self.spans)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap())
            .filter(|span| span["trace_id"] == trace_id)
            .collect()
    }

    /// Waits until trace `trace_id` holds a span for each of `wanted` (a name,
    /// and an attribute it must have, if any), and returns the trace.
    async fn wait_for(
        &self,
        trace_id: &str,
        wanted: &[(&str, Option<(&str, &str)>)],
    ) -> Vec<Value> {
        let found = |spans: &[Value], (name, attribute): &(&str, Option<(&str, &str)>)| {
            spans.iter().any(|s| {
                s["name"] == *name && attribute.is_none_or(|(k, v)| s["attributes"][k] == v)
            })
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let spans = self.trace(trace_id);
            if wanted.iter().all(|w| found(&spans, w)) {
                return spans;
            }
            let names: Vec<&Value> = spans.iter().map(|s| &s["name"]).collect();
            assert!(
                tokio::time::Instant::now() < deadline,
                "trace {trace_id} never held {wanted:?}; it has {names:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for TraceReceiver {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.spans);
    }
}

/// A registration sent as the gateway would, inside trace `trace_id`; returns
/// its consistency token once a read shows it.
async fn register_within_trace(server: &Server, token: &str, trace_id: &str) {
    let traceparent = format!("00-{trace_id}-00f067aa0ba902b7-01");
    let body = json!({"query": REGISTER, "variables": {"key": "traced-1"}});
    let response: Value = server
        .http
        .post(format!("{}/graphql", server.base))
        .bearer_auth(token)
        .header("traceparent", &traceparent)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let written = &response["data"]["registerCustomer"];
    assert!(written.is_object(), "{response:#}");
    server
        .ok(
            token,
            CUSTOMERS,
            json!({"token": written["consistencyToken"]}),
        )
        .await;
}

/// A fresh W3C trace id, as a gateway would start.
fn new_trace_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn one_trace_follows_a_request_from_the_gateway_to_the_read_model() {
    let receiver = TraceReceiver::start().await;
    let db = TestDatabase::new().await;
    let env = receiver.env("folio-test");
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let server = Server::start_with(&db, &env).await;
    let token = server.token(tenant(), "acc-1", Role::Accountant);
    let trace_id = new_trace_id();

    register_within_trace(&server, &token, &trace_id).await;

    // The request, the command, the append and the projector's batch are one trace.
    let spans = receiver
        .wait_for(
            &trace_id,
            &[
                ("graphql", None),
                ("command", Some(("command", "RegisterCustomer"))),
                ("event_store.append", Some(("aggregate", "Customer"))),
                ("projector.batch", Some(("what", "invoicing"))),
            ],
        )
        .await;
    let request = spans.iter().find(|s| s["name"] == "graphql").unwrap();
    assert_eq!(
        request["parent_span_id"], "00f067aa0ba902b7",
        "the gateway's span"
    );
    assert_eq!(request["service"], "folio-test");
    // The event carries the trace for whoever reads it later.
    let stored: String = sqlx::query_scalar(
        "SELECT metadata->>'trace_parent' FROM events WHERE event_type = 'CustomerRegistered'",
    )
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert!(stored.contains(&trace_id), "{stored}");
}

#[tokio::test(flavor = "multi_thread")]
async fn in_kafka_mode_the_trace_crosses_the_relay_and_the_consumer() {
    let receiver = TraceReceiver::start().await;
    let db = TestDatabase::new().await;
    let mut env = kafka_env(&db, &kafka(&db, &brokers()), 50);
    env.extend(receiver.env("folio-kafka-test"));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let server = Server::start_with(&db, &env).await;
    let token = server.token(tenant(), "acc-1", Role::Accountant);
    let trace_id = new_trace_id();

    register_within_trace(&server, &token, &trace_id).await;

    receiver
        .wait_for(
            &trace_id,
            &[
                ("graphql", None),
                ("event_store.append", None),
                ("relay.batch", None),
                ("projector.batch", Some(("transport", "kafka"))),
            ],
        )
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn json_logs_carry_trace_tenant_and_command_but_no_personal_data_or_tokens() {
    let db = TestDatabase::new().await;
    let log_path = std::env::temp_dir().join(format!("folio-log-{}.jsonl", uuid::Uuid::new_v4()));
    let verbose = [("FOLIO_LOG", "debug"), ("FOLIO_LOG_FORMAT", "json")];

    // The demo, logging everything it does: its output holds the users' tokens.
    let demo = tokio::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .arg("demo")
        .env("DATABASE_URL", &db.url)
        .env("FOLIO_JWT_SECRET", support::server::SECRET)
        .envs(verbose)
        .output()
        .await
        .unwrap();
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let printed = String::from_utf8_lossy(&demo.stdout);
    let tokens: Vec<&str> = printed
        .split_whitespace()
        .filter(|word| word.starts_with("eyJ"))
        .collect();
    assert!(!tokens.is_empty(), "the demo prints tokens:\n{printed}");

    // The service, used with one of them, refused a forged one, and given personal data.
    let log = std::fs::File::create(&log_path).unwrap();
    let server = Server::start_logging_to(&db, &verbose, log).await;
    let private = "jane.private@home.example";
    let register = "mutation($email: String!) { registerCustomer(idempotencyKey: \"p-1\",
        input: {contact: {name: \"Jane Private\", email: $email}, tax: {country: \"DE\",
        defaultCurrency: \"EUR\", paymentTermsDays: 30}}) { consistencyToken } }";
    let accountant = tokens
        .iter()
        .find(|t| {
            server
                .keys
                .verify(t)
                .is_ok_and(|c| c.roles.contains(&Role::Accountant))
        })
        .expect("an accountant's token");
    server
        .ok(accountant, register, json!({"email": private}))
        .await;
    server.ok(accountant, CUSTOMERS, json!({})).await;
    let (status, _) = server.post(Some("eyJforged.token.value"), "{}").await;
    assert_eq!(status, 401);
    drop(server);

    let logged =
        std::fs::read_to_string(&log_path).unwrap() + &String::from_utf8_lossy(&demo.stderr);
    let _ = std::fs::remove_file(&log_path);
    assert!(
        logged.lines().count() > 20,
        "debug logs were written:\n{logged}"
    );
    for secret in tokens.iter().copied().chain([
        private,
        "eyJforged",
        support::server::SECRET,
        "billing@",
        "@customer.example",
    ]) {
        assert!(!logged.contains(secret), "the logs contain {secret}");
    }
    // Every line is JSON; the lines written while a command appends carry the
    // request's trace id, the tenant and the command id.
    let lines: Vec<Value> = logged
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let command_of = |line: &Value| {
        line["spans"]
            .as_array()
            .and_then(|spans| spans.iter().find(|s| s["name"] == "command").cloned())
    };
    let traced = lines.iter().find(|line| {
        line["spans"][0]["trace_id"].is_string()
            && command_of(line).is_some_and(|c| c["command_id"].is_string())
    });
    let line = traced.unwrap_or_else(|| panic!("no log line within a traced command"));
    let command = command_of(line).unwrap();
    assert!(command["tenant_id"].is_string(), "{line:#}");
    assert_eq!(command["command"], "RegisterCustomer", "{line:#}");
}

/// promtool, Prometheus' own checker, unpacked once by `scripts/promtool`.
fn promtool() -> &'static str {
    static PROMTOOL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PROMTOOL.get_or_init(|| {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/promtool");
        let output = std::process::Command::new(script)
            .arg("path")
            .stderr(std::process::Stdio::inherit())
            .output()
            .unwrap();
        assert!(output.status.success(), "scripts/promtool path failed");
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    })
}

/// Runs promtool with `args` in `dir`; it must succeed.
fn promtool_succeeds(dir: &std::path::Path, args: &[&str]) {
    let output = std::process::Command::new(promtool())
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "promtool {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn deploy(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(path)
}

#[test]
fn alert_rules_pass_promtool_and_their_unit_tests() {
    let dir = deploy("prometheus");
    promtool_succeeds(&dir, &["check", "rules", "alerts.yml"]);
    promtool_succeeds(&dir, &["test", "rules", "alerts.test.yml"]);
}

/// Every PromQL query of the Grafana dashboard.
fn dashboard_queries() -> Vec<String> {
    let text = std::fs::read_to_string(deploy("grafana/folio-dashboard.json")).unwrap();
    let dashboard: Value = serde_json::from_str(&text).unwrap();
    let panels = dashboard["panels"].as_array().unwrap();
    assert!(!panels.is_empty());
    panels
        .iter()
        .flat_map(|panel| {
            let targets = panel["targets"].as_array().unwrap();
            assert!(!targets.is_empty(), "panel {} has no query", panel["title"]);
            targets
                .iter()
                .map(|t| t["expr"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The `folio_…` metric names `text` mentions.
fn metric_names(text: &str) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("folio_") {
        let name: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        rest = &rest[at + name.len()..];
        names.insert(name);
    }
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn dashboard_and_alerts_query_only_metrics_folio_exports() {
    // Every panel's query is PromQL that Prometheus parses (as a recording rule).
    let queries = dashboard_queries();
    let rules = json!({"groups": [{"name": "dashboard", "rules": queries
        .iter()
        .enumerate()
        .map(|(i, expr)| json!({"record": format!("dashboard:query_{i}"), "expr": expr}))
        .collect::<Vec<_>>()}]});
    let dir = std::env::temp_dir().join(format!("folio-dashboard-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("dashboard-rules.yml"), rules.to_string()).unwrap();
    promtool_succeeds(&dir, &["check", "rules", "dashboard-rules.yml"]);
    let _ = std::fs::remove_dir_all(&dir);

    // What folio serve and folio relay export after a workload.
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let relay_at = free_address();
    let mut env = kafka_env(&db, &kafka(&db, &brokers()), 50);
    env.push(("FOLIO_METRICS_LISTEN".into(), relay_at.clone()));
    let _relay = spawn("relay", &env);
    let token = server.token(tenant(), "acc-1", Role::Accountant);
    let written = server.ok(&token, REGISTER, json!({"key": "k-1"})).await;
    let consistency = written["registerCustomer"]["consistencyToken"].clone();
    server
        .ok(&token, CUSTOMERS, json!({"token": consistency}))
        .await;
    let url = format!("{}/mcp", server.base);
    let steps = json!([{"op": "call", "tool": "list_customers", "args": {}}]);
    support::python::run(
        "mcp_client.py",
        &["http", &url, &token],
        &[],
        &steps.to_string(),
    )
    .await;
    support::eventually("the relay publishes", || async {
        let text = reqwest::get(format!("http://{relay_at}/metrics"))
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        text.contains("folio_relay_events_published_total")
            .then_some(())
    })
    .await;
    let (served, _) = scrape(&format!("{}/metrics", server.base)).await;
    let (relayed, _) = scrape(&format!("http://{relay_at}/metrics")).await;
    let exported: std::collections::BTreeSet<&str> = served
        .iter()
        .chain(&relayed)
        .map(|s| s.name.as_str())
        .collect();

    let alerts = std::fs::read_to_string(deploy("prometheus/alerts.yml")).unwrap();
    let used = metric_names(&(queries.join("\n") + &alerts));
    assert!(used.len() > 10, "{used:?}");
    for name in &used {
        assert!(
            exported.contains(name.as_str()),
            "{name} is queried but not exported; exported: {exported:#?}"
        );
    }
}
