//! Database outages as the long-running `folio` processes live through them:
//! `folio serve` in embedded and in Kafka mode, and `folio relay` with
//! `folio project`. Each process reaches Postgres through a [`DatabaseLink`] that
//! the test cuts for 15 s and then for 60 s while a workload runs; the machine's
//! Postgres itself stays up, for other tests and for this test's own checks.
//!
//! Nothing here is timed against a limit except where the behaviour is the point:
//! a request during an outage must be answered well before the pool's 10 s acquire
//! timeout (the client gives up after 5 s), which is what "fails fast" means.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use folio_api::Role;
use folio_domain::ids::TenantId;
use futures::StreamExt;
use serde_json::{json, Value};
use support::kafka::{
    assert_equal_to_a_rebuild, backlog, brokers, caught_up, kafka, kafka_env, spawn,
};
use support::link::DatabaseLink;
use support::scenario::{customer, issued_invoice};
use support::server::{Server, Socket};
use support::{tenant, TestDatabase};

/// The outages every process goes through, one after the other.
const OUTAGES: [Duration; 2] = [Duration::from_secs(15), Duration::from_secs(60)];

/// How long a client waits for any answer during an outage: well under the pool's
/// 10 s acquire timeout, so a server that waited on the pool fails the test.
const CLIENT_PATIENCE: Duration = Duration::from_secs(5);

const REGISTER: &str = "mutation($key: String!, $name: String!) {
    registerCustomer(idempotencyKey: $key, input: {contact: {name: $name},
        tax: {country: \"DE\", defaultCurrency: \"EUR\", paymentTermsDays: 30}}) {
        aggregateId version consistencyToken } }";

/// What one command of the workload got back.
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    /// Done: the customer's id and the consistency token, which is null when the
    /// connection dropped between the commit and reading its feed position.
    Done(String, Option<String>),
    /// `UNAVAILABLE`, as promised during an outage.
    Unavailable,
    /// Anything else: no answer in time, another code, a dropped connection.
    Other(String),
}

/// Sends one `registerCustomer` with `key` and classifies the answer.
async fn register(http: &reqwest::Client, server: &Server, token: &str, key: &str) -> Answer {
    let body =
        json!({"query": REGISTER, "variables": {"key": key, "name": format!("Customer {key}")}});
    let sent = http
        .post(format!("{}/graphql", server.base))
        .bearer_auth(token)
        .json(&body)
        .timeout(CLIENT_PATIENCE)
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(error) => return Answer::Other(format!("no answer: {error}")),
    };
    let status = response.status().as_u16();
    let body: Value = match response.json().await {
        Ok(body) => body,
        Err(error) => return Answer::Other(format!("HTTP {status}, unreadable body: {error}")),
    };
    if let Some(done) = body["data"]["registerCustomer"].as_object() {
        return Answer::Done(
            done["aggregateId"].as_str().unwrap().to_owned(),
            done["consistencyToken"].as_str().map(str::to_owned),
        );
    }
    // Refused before it ran (HTTP 503), or failed inside it (a GraphQL error).
    match body["errors"][0]["extensions"]["code"].as_str() {
        Some("UNAVAILABLE") => Answer::Unavailable,
        _ => Answer::Other(format!("HTTP {status}: {body}")),
    }
}

/// Commands sent every 200 ms until stopped, each with a key of its own.
struct Workload {
    answers: Arc<Mutex<Vec<(String, Answer)>>>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
    /// The longest wait for an `UNAVAILABLE` (printed, not asserted).
    slowest_refusal: Arc<Mutex<Duration>>,
}

impl Workload {
    fn start(server: Arc<Server>, token: String) -> Self {
        let answers = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (record, stopped) = (answers.clone(), stop.clone());
        let slowest_refusal = Arc::new(Mutex::new(Duration::ZERO));
        let slowest = slowest_refusal.clone();
        let task = tokio::spawn(async move {
            let http = reqwest::Client::new();
            while !stopped.load(Ordering::Relaxed) {
                let key = uuid::Uuid::new_v4().to_string();
                let sent = Instant::now();
                let answer = register(&http, &server, &token, &key).await;
                if answer == Answer::Unavailable {
                    let mut slowest = slowest.lock().unwrap();
                    *slowest = (*slowest).max(sent.elapsed());
                }
                record.lock().unwrap().push((key, answer));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        Workload {
            answers,
            stop,
            task,
            slowest_refusal,
        }
    }

    async fn finish(self) -> Vec<(String, Answer)> {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap();
        eprintln!(
            "slowest UNAVAILABLE answer: {:?}",
            *self.slowest_refusal.lock().unwrap()
        );
        Arc::try_unwrap(self.answers).unwrap().into_inner().unwrap()
    }
}

/// `GET path` with a short patience: the status and how long the answer took, or
/// `None` for no answer.
async fn probe(server: &Server, path: &str) -> Option<(u16, Duration, String)> {
    let started = Instant::now();
    let response = server
        .http
        .get(format!("{}{path}", server.base))
        .timeout(CLIENT_PATIENCE)
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    let body = response.text().await.ok()?;
    Some((status, started.elapsed(), body))
}

/// The value of the unlabelled series `name` in `/metrics`.
async fn metric(server: &Server, name: &str) -> f64 {
    let (_, _, body) = probe(server, "/metrics").await.expect("/metrics answers");
    support::server::series(&body, name).unwrap_or_else(|| panic!("no {name} in /metrics:\n{body}"))
}

/// Waits until `/readyz` answers `status`.
async fn readiness_becomes(server: &Server, status: u16) {
    support::eventually(&format!("/readyz answers {status}"), || async {
        probe(server, "/readyz")
            .await
            .filter(|(answered, _, _)| *answered == status)
    })
    .await;
}

/// Waits for the status change of `invoice` being issued on `socket`.
async fn hears_issued(socket: &mut Socket, invoice: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .unwrap_or_else(|_| panic!("no status change for {invoice}"))
            .expect("the subscription stays open")
            .unwrap();
        let message: Value = serde_json::from_str(message.to_text().unwrap()).unwrap();
        assert_eq!(message["type"], "next", "{message}");
        let change = &message["payload"]["data"]["statusChanges"];
        if change["aggregateId"] == invoice && change["eventType"] == "InvoiceIssued" {
            return;
        }
    }
}

/// An invoice issued for `tenant` directly on the database (not through the
/// server under test), as another instance would.
async fn issue_directly(db: &TestDatabase, tenant: TenantId) -> String {
    let customer = customer(&db.app, tenant, "Written beside the server").await;
    issued_invoice(&db.app, tenant, customer, 1)
        .await
        .to_string()
}

/// One `folio serve` through `link`, through every outage of [`OUTAGES`]: it never
/// exits, `/healthz` answers throughout, `/readyz` goes 503 and back, commands are
/// `UNAVAILABLE` (fast) during the outage and exactly once after a retry, and its
/// subscriptions deliver what was committed during and after the outage.
async fn serve_outlives_outages(db: &TestDatabase, link: &DatabaseLink, server: Server) {
    let server = Arc::new(server);
    let t = tenant();
    let token = server.token(t, "alice", Role::Admin);
    let mut watcher = server.subscribe(&token).await;
    readiness_becomes(&server, 200).await;
    let workload = Workload::start(server.clone(), token.clone());

    for (n, outage) in OUTAGES.into_iter().enumerate() {
        tokio::time::sleep(Duration::from_secs(2)).await;
        link.cut();
        let began = Instant::now();
        // During the outage: alive, not ready, and saying why in /metrics.
        let mut slowest_health = Duration::ZERO;
        let mut written_meanwhile = None;
        while began.elapsed() < outage {
            let (status, took, _) = probe(&server, "/healthz").await.expect("/healthz answers");
            assert_eq!(status, 200);
            slowest_health = slowest_health.max(took);
            if began.elapsed() > Duration::from_secs(3) {
                let (status, _, body) = probe(&server, "/readyz").await.expect("/readyz answers");
                assert_eq!(status, 503, "{body}");
                assert!(body.contains("Postgres"), "{body}");
                assert_eq!(metric(&server, "folio_database_up").await, 0.0);
                if written_meanwhile.is_none() {
                    written_meanwhile = Some(issue_directly(db, t).await);
                }
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        eprintln!("outage of {outage:?}: slowest /healthz answer {slowest_health:?}");
        link.restore();

        // After it: ready again, the reconnect counted, the process still running.
        readiness_becomes(&server, 200).await;
        assert_eq!(metric(&server, "folio_database_up").await, 1.0);
        assert_eq!(
            metric(&server, "folio_database_reconnects_total").await,
            (n + 1) as f64
        );
        // Subscriptions resume: what was committed during the outage and after it.
        hears_issued(&mut watcher, &written_meanwhile.unwrap()).await;
        hears_issued(&mut watcher, &issue_directly(db, t).await).await;
    }
    let answers = workload.finish().await;

    // Every command was either done or refused as UNAVAILABLE, never left hanging.
    let others: Vec<&(String, Answer)> = answers
        .iter()
        .filter(|(_, a)| matches!(a, Answer::Other(_)))
        .collect();
    assert!(others.is_empty(), "unexpected answers: {others:#?}");
    let refused: Vec<&String> = answers
        .iter()
        .filter(|(_, a)| *a == Answer::Unavailable)
        .map(|(key, _)| key)
        .collect();
    assert!(!refused.is_empty(), "no command met the outage");

    // A retry with the same key after recovery succeeds, and a replay of a done
    // command returns its first outcome.
    let http = reqwest::Client::new();
    let mut done: BTreeMap<String, String> = BTreeMap::new();
    let mut newest = 0i64;
    for (key, answer) in &answers {
        let answer = match answer {
            Answer::Unavailable => register(&http, &server, &token, key).await,
            done => done.clone(),
        };
        let Answer::Done(id, consistency) = answer else {
            panic!("the retry of {key} after recovery got {answer:?}");
        };
        if let Some(consistency) = consistency {
            newest = newest.max(consistency.parse().unwrap());
        }
        done.insert(key.clone(), id);
    }
    let (key, id) = done.iter().next().unwrap();
    match register(&http, &server, &token, key).await {
        Answer::Done(replayed, _) => assert_eq!(&replayed, id),
        other => panic!("the replay of {key} got {other:?}"),
    }

    // Exactly once: one registration per key in the store, each projected. (The
    // invoices issued directly brought one customer each, under keys of their own.)
    let stored: Vec<(String, i64)> = sqlx::query_as(
        "SELECT metadata ->> 'idempotency_key', count(*) FROM events
         WHERE tenant_id = $1 AND event_type = 'CustomerRegistered'
         GROUP BY 1",
    )
    .bind(t.0)
    .fetch_all(&db.app.pool)
    .await
    .unwrap();
    assert!(stored.iter().all(|(_, count)| *count == 1), "{stored:?}");
    let stored: BTreeSet<String> = stored.into_iter().map(|(key, _)| key).collect();
    let direct = OUTAGES.len() * 2;
    assert!(done.keys().all(|key| stored.contains(key)));
    assert_eq!(stored.len(), done.len() + direct);
    // The read models follow the last acknowledged command.
    server
        .ok(
            &token,
            "query($token: String) { customers(first: 1, consistencyToken: $token) { edges { node { name } } } }",
            json!({"token": newest.to_string()}),
        )
        .await;
    caught_up(db, Duration::from_secs(120)).await;
    let projected: i64 =
        sqlx::query_scalar("SELECT count(*) FROM folio_read.customers WHERE tenant_id = $1")
            .bind(t.0)
            .fetch_one(&db.app.pool)
            .await
            .unwrap();
    assert_eq!(projected, stored.len() as i64);
    let server = Arc::try_unwrap(server).ok().expect("the workload is done");
    let mut child = server.child;
    assert!(child.try_wait().unwrap().is_none(), "folio serve exited");
    drop(child);
    assert_equal_to_a_rebuild(db).await;
}

/// `folio serve` with `env`, reaching the database through `link`.
async fn serve_through(db: &TestDatabase, link: &DatabaseLink, env: &[(String, String)]) -> Server {
    let url = link.url_for(&db.url);
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    env.push(("DATABASE_URL", &url));
    Server::start_with(db, &env).await
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_in_embedded_mode_outlives_database_outages() {
    let db = TestDatabase::new().await;
    let link = DatabaseLink::to_test_server().await;
    let server = serve_through(&db, &link, &[]).await;
    serve_outlives_outages(&db, &link, server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_in_kafka_mode_outlives_database_outages() {
    let db = TestDatabase::new().await;
    let link = DatabaseLink::to_test_server().await;
    let env = kafka_env(&db, &kafka(&db, &brokers()), 50);
    let server = serve_through(&db, &link, &env).await;
    serve_outlives_outages(&db, &link, server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn relay_and_projector_processes_outlive_database_outages() {
    let db = TestDatabase::new().await;
    let link = DatabaseLink::to_test_server().await;
    let mut env = kafka_env(&db, &kafka(&db, &brokers()), 50);
    let url = link.url_for(&db.url);
    env.retain(|(name, _)| name != "DATABASE_URL");
    env.push(("DATABASE_URL".into(), url));
    // Given a relay and a projector process, both behind the link
    let mut relay = spawn("relay", &env);
    let mut projector = spawn("project", &env);
    backlog(&db, 2).await;
    caught_up(&db, Duration::from_secs(120)).await;

    for outage in OUTAGES {
        // When their database goes away while commands keep coming (written by
        // other instances, which still reach it)
        link.cut();
        let began = Instant::now();
        while began.elapsed() < outage {
            backlog(&db, 1).await;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        link.restore();
        // Then neither exits, and once it is back everything written is relayed
        // and projected.
        backlog(&db, 1).await;
        caught_up(&db, Duration::from_secs(120)).await;
        assert!(relay.exited().is_none(), "folio relay exited");
        assert!(projector.exited().is_none(), "folio project exited");
    }
    drop((relay, projector));
    assert_equal_to_a_rebuild(&db).await;
}
