//! The Kafka transport against a real Kafka-protocol broker (Tansu, started by
//! `scripts/broker`; `FOLIO_TEST_KAFKA_BROKERS` points elsewhere): relay and
//! projector processes of the real `folio` binary, each test with its own
//! database and its own topic prefix.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::time::Duration;

use folio_api::Role;
use folio_infra::kafka::KafkaConfig;
use folio_projections::FeedEvent;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::{json, Value};
use support::kafka::{
    assert_equal_to_a_rebuild, backlog, brokers, caught_up, kafka, kafka_env, serve, spawn,
};
use support::scenario::{customer, issued_invoice, pay};
use support::server::Server;
use support::{event_count, read_models, tenant, TestDatabase};

/// The messages of `topic` from the beginning, partition by partition (each in
/// offset order), read without a consumer group: at least `expected` of them, plus
/// any that arrive within a second after (so extra copies would show).
/// (Tansu 0.6's reported high watermarks lag, so they cannot tell where the end is.)
fn read_topic(
    config: &KafkaConfig,
    topic: &str,
    expected: usize,
) -> Vec<rdkafka::message::OwnedMessage> {
    // librdkafka wants a group id even for a manual assignment; it never joins it.
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &config.brokers)
        .set("group.id", format!("{}.test-reader", config.topic_prefix))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let metadata = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .unwrap();
    let mut assignment = TopicPartitionList::new();
    for partition in metadata.topics()[0].partitions() {
        assignment
            .add_partition_offset(topic, partition.id(), Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&assignment).unwrap();
    let mut messages = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut quiet_since = std::time::Instant::now();
    while std::time::Instant::now() < deadline
        && (messages.len() < expected || quiet_since.elapsed() < Duration::from_secs(1))
    {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(message)) => {
                messages.push(message.detach());
                quiet_since = std::time::Instant::now();
            }
            Some(Err(error)) => panic!("reading {topic}: {error}"),
            None => {}
        }
    }
    messages.sort_by_key(|m| (m.partition(), m.offset()));
    messages
}

fn header(message: &rdkafka::message::OwnedMessage, key: &str) -> Option<String> {
    let headers = message.headers()?;
    headers
        .iter()
        .find(|h| h.key == key)
        .and_then(|h| h.value)
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

async fn offsets_written_by(db: &TestDatabase) -> BTreeMap<String, BTreeSet<String>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT consumer_group, written_by FROM kafka_offsets")
            .fetch_all(&db.app.pool)
            .await
            .unwrap();
    let mut by_group: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (group, instance) in rows {
        by_group.entry(group).or_default().insert(instance);
    }
    by_group
}

#[tokio::test(flavor = "multi_thread")]
async fn commands_reach_the_read_models_through_kafka_as_in_embedded_mode() {
    let db = TestDatabase::new().await;
    let config = kafka(&db, &brokers());
    let env = kafka_env(&db, &config, 50);
    // Given a relay and a projector process, and commands committed before and
    // while they run (after the tables were installed, so none is projected by
    // the installing rebuild).
    db.app.projections().install().await.unwrap();
    backlog(&db, 2).await;
    let _relay = spawn("relay", &env);
    let _projector = spawn("project", &env);
    backlog(&db, 2).await;

    // When everything has travelled through the broker.
    caught_up(&db, Duration::from_secs(120)).await;

    // Then the read models are what the embedded mode (a rebuild from the feed)
    // builds from the same events.
    assert_equal_to_a_rebuild(&db).await;

    // And each aggregate type's topic holds its events once each, keyed by
    // aggregate, in sequence order per aggregate, with the envelope and headers.
    let stored = event_count(&db.app).await;
    let mut relayed = 0;
    for aggregate_type in [
        "Customer",
        "Invoice",
        "Expense",
        "TenantSettings",
        "Tenant",
        "User",
        "ExchangeRateTable",
        "WebhookEndpoint",
    ] {
        let topic = config.topic(aggregate_type);
        let stored_of_type: i64 =
            sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_type = $1")
                .bind(aggregate_type)
                .fetch_one(&db.app.pool)
                .await
                .unwrap();
        let mut last_sequence: BTreeMap<String, i64> = BTreeMap::new();
        for message in read_topic(&config, &topic, stored_of_type as usize) {
            let event: FeedEvent = serde_json::from_slice(message.payload().unwrap()).unwrap();
            let key = String::from_utf8(message.key().unwrap().to_vec()).unwrap();
            assert_eq!(key, event.aggregate_id);
            assert_eq!(event.aggregate_type, aggregate_type);
            assert_eq!(header(&message, "event_type").unwrap(), event.event_type);
            assert_eq!(
                header(&message, "event_version").unwrap(),
                event.event_version
            );
            assert_eq!(
                header(&message, "tenant_id").unwrap(),
                event.tenant_id.to_string()
            );
            assert_eq!(
                header(&message, "global_position").unwrap(),
                event.position.global_position.to_string()
            );
            let previous = last_sequence.insert(key, event.sequence).unwrap_or(0);
            assert_eq!(event.sequence, previous + 1, "in order, once each: {topic}");
            relayed += 1;
        }
    }
    assert_eq!(relayed, stored, "every stored event is on a topic");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_projector_killed_mid_stream_resumes_without_loss_or_repetition() {
    let db = TestDatabase::new().await;
    let config = kafka(&db, &brokers());
    let env = kafka_env(&db, &config, 3);
    // Given a backlog on the broker (after the tables were installed).
    let projections = db.app.projections();
    projections.install().await.unwrap();
    backlog(&db, 6).await;
    let _relay = spawn("relay", &env);

    // When a projector process is killed (SIGKILL) once it has applied some of it.
    let mut projector = spawn("project", &env);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM kafka_offsets")
            .fetch_one(&db.app.pool)
            .await
            .unwrap();
        if applied > 0 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    projector.kill().await;
    let statuses = projections.status().await.unwrap();
    let behind: i64 = statuses.iter().map(|s| s.events_behind).sum();
    assert!(
        behind > 0,
        "killed mid-stream, not after the end: {statuses:?}"
    );

    // And a new one starts from the offsets stored with the read models.
    let _restarted = spawn("project", &env);
    caught_up(&db, Duration::from_secs(120)).await;

    // Then nothing was lost and nothing applied twice.
    assert_equal_to_a_rebuild(&db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_projector_instances_share_the_partitions_and_keep_aggregate_order() {
    let db = TestDatabase::new().await;
    let config = kafka(&db, &brokers());
    let env = kafka_env(&db, &config, 5);
    let _relay = spawn("relay", &env);
    db.app.projections().install().await.unwrap();
    // Given two instances of the projectors in the same consumer groups.
    let _first = spawn("project", &env);
    let _second = spawn("project", &env);

    // When commands keep coming until both have applied some of them.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        backlog(&db, 1).await;
        let writers = offsets_written_by(&db).await;
        let projectors = folio_projections::all().len();
        if writers.len() == projectors && writers.values().all(|w| w.len() == 2) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the partitions were never shared: {writers:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    backlog(&db, 2).await;
    caught_up(&db, Duration::from_secs(120)).await;

    // Then each aggregate's events were applied in order (an out-of-order event
    // would have been dead-lettered as a gap), and the result is a rebuild's.
    let dead: i64 = sqlx::query_scalar("SELECT count(*) FROM kafka_dead_letters")
        .fetch_one(&db.app.pool)
        .await
        .unwrap();
    assert_eq!(dead, 0);
    assert_equal_to_a_rebuild(&db).await;
}

/// A Tansu broker of the test's own, which it can stop and start.
struct OwnBroker {
    port: u16,
    process: Option<std::process::Child>,
}

impl OwnBroker {
    fn new() -> Self {
        let port = support::free_port();
        OwnBroker {
            port,
            process: None,
        }
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Starts Tansu (installed by `scripts/broker`) and waits until it listens.
    fn start(&mut self) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/broker");
        let path = std::process::Command::new(script)
            .arg("path")
            .stderr(Stdio::inherit())
            .output()
            .unwrap();
        assert!(path.status.success(), "scripts/broker path failed");
        let tansu = String::from_utf8(path.stdout).unwrap().trim().to_owned();
        let url = format!("tcp://{}", self.address());
        self.process = Some(
            std::process::Command::new(tansu)
                .args([
                    "broker",
                    "--listener-url",
                    &url,
                    "--advertised-listener-url",
                    &url,
                ])
                .args(["--storage-engine", "memory://tansu/"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        for _ in 0..100 {
            if std::net::TcpStream::connect(self.address()).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("tansu did not start on {}", self.address());
    }

    /// Freezes (SIGSTOP) or thaws (SIGCONT) the broker: it stops answering but
    /// keeps its in-memory log, as a broker behind a partition would.
    fn signal(&self, signal: &str) {
        let pid = self.process.as_ref().unwrap().id().to_string();
        let status = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for OwnBroker {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = std::process::Command::new("kill")
                .args(["-CONT", &process.id().to_string()])
                .status();
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

const REGISTER: &str = "mutation($key: String!, $name: String!) {
    registerCustomer(idempotencyKey: $key, input: {contact: {name: $name},
        tax: {country: \"DE\", defaultCurrency: \"EUR\", paymentTermsDays: 30}}) {
        aggregateId version consistencyToken } }";
const CUSTOMERS: &str = "query($token: String) {
    customers(first: 100, consistencyToken: $token) { edges { node { name } } } }";

async fn register(server: &Server, token: &str, name: &str) -> String {
    let data = server
        .ok(
            token,
            REGISTER,
            json!({"key": uuid::Uuid::new_v4().to_string(), "name": name}),
        )
        .await;
    data["registerCustomer"]["consistencyToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn customer_names(server: &Server, token: &str, consistency: &str) -> Value {
    let data = server
        .ok(token, CUSTOMERS, json!({"token": consistency}))
        .await;
    let mut names: Vec<Value> = data["customers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].clone())
        .collect();
    names.sort_by_key(|n| n.to_string());
    Value::Array(names)
}

#[tokio::test(flavor = "multi_thread")]
async fn commands_are_accepted_while_the_broker_is_away_and_converge_after() {
    let db = TestDatabase::new().await;
    let mut broker = OwnBroker::new();
    let config = kafka(&db, &broker.address());
    let mut env = kafka_env(&db, &config, 10);
    // Queries may wait for the relay's and consumers' reconnection backoff.
    env.push(("FOLIO_CONSISTENCY_WAIT_MS".into(), "60000".into()));
    // Given `folio serve` in Kafka mode, with its broker not even started.
    let server = serve(&db, &env).await;
    let t = tenant();
    let token = server.token(t, "alice", Role::Accountant);

    // When commands come in, they are accepted: the event store is the truth.
    for i in 0..5 {
        register(&server, &token, &format!("Before the broker {i}")).await;
    }
    assert_eq!(event_count(&db.app).await, 5);

    // And once the broker is up, the relay delivers them and the read models follow.
    broker.start();
    let last = register(&server, &token, "With the broker").await;
    let names = customer_names(&server, &token, &last).await;
    assert_eq!(names.as_array().unwrap().len(), 6, "{names}");

    // When the broker stops answering mid-stream, commands are still accepted.
    broker.signal("-STOP");
    for i in 0..5 {
        register(&server, &token, &format!("While it is frozen {i}")).await;
    }
    assert_eq!(event_count(&db.app).await, 11);

    // Then after it returns, the relay catches up and the read models converge.
    broker.signal("-CONT");
    let last = register(&server, &token, "After it returned").await;
    let names = customer_names(&server, &token, &last).await;
    assert_eq!(names.as_array().unwrap().len(), 12, "{names}");
    caught_up(&db, Duration::from_secs(120)).await;
    drop(server);
    assert_equal_to_a_rebuild(&db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_poison_message_is_dead_lettered_and_parks_its_aggregate_only() {
    let db = TestDatabase::new().await;
    let config = kafka(&db, &brokers());
    let env = kafka_env(&db, &config, 10);
    let server = serve(&db, &env).await;
    let t = tenant();
    let acme = customer(&db.app, t, "Acme").await;
    let invoice = issued_invoice(&db.app, t, acme, 2).await;
    caught_up(&db, Duration::from_secs(120)).await;

    // Given three bad messages on the invoice topic: bytes that are no envelope,
    // an event whose payload its projector cannot decode, and a valid-looking
    // later event of that same aggregate.
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &config.brokers)
        .create()
        .unwrap();
    let topic = config.topic("Invoice");
    let poisoned = uuid::Uuid::new_v4().to_string();
    let envelope = |sequence: i64, payload: Value| {
        json!({
            "transaction_id": 1, "global_position": 1_000_000 + sequence,
            "tenant_id": t.0, "aggregate_type": "Invoice", "aggregate_id": poisoned,
            "sequence": sequence, "event_type": "InvoiceDrafted", "event_version": "1",
            "payload": payload, "metadata": {}, "recorded_at": "2026-11-29T00:00:00Z"
        })
        .to_string()
    };
    let garbage = b"{not json".to_vec();
    let undecodable = envelope(1, json!({"InvoiceDrafted": {"bogus": true}}));
    let parked = envelope(
        2,
        json!({"DraftTermsUpdated": {"due_terms": null, "notes": null}}),
    );
    for (key, payload) in [
        ("garbage", garbage.clone()),
        (poisoned.as_str(), undecodable.into_bytes()),
        (poisoned.as_str(), parked.into_bytes()),
    ] {
        producer
            .send(
                FutureRecord::to(&topic).key(key).payload(&payload),
                Duration::from_secs(10),
            )
            .await
            .unwrap();
    }

    // When real commands keep coming after them.
    pay(&db.app, t, invoice, 5_000).await;
    let other = customer(&db.app, t, "Globex").await;
    issued_invoice(&db.app, t, other, 1).await;

    // Then the others are applied as usual...
    caught_up(&db, Duration::from_secs(120)).await;
    let models = read_models(&db.app.pool).await;
    assert_eq!(models["payments"].as_array().unwrap().len(), 1);
    assert_eq!(models["invoices"].as_array().unwrap().len(), 2);

    // ...the three are in the dead-letter topic with their reasons...
    // (The e-mail and webhook reactors read the invoices' topic too: the
    // garbage is their dead letter as well; the two well-formed envelopes are
    // nothing they send anything for, so they file them without decoding.)
    let all = read_topic(&config, &config.dead_letter_topic(), 5);
    assert_eq!(all.len(), 5, "five dead letters");
    let (letters, reactors): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|l| header(l, "projector").as_deref() == Some("invoicing"));
    assert_eq!(
        letters.len(),
        3,
        "three dead letters of the invoicing projector"
    );
    let mut names: Vec<String> = reactors
        .iter()
        .map(|l| header(l, "projector").unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["mail", "webhooks"], "one of each reactor");
    assert!(reactors
        .iter()
        .all(|l| l.payload().unwrap() == garbage.as_slice()));
    let find = |parked: &str, reason: &str| {
        letters
            .iter()
            .find(|l| {
                header(l, "parked").as_deref() == Some(parked)
                    && header(l, "reason").unwrap().contains(reason)
            })
            .unwrap_or_else(|| panic!("a dead letter parked={parked} for '{reason}'"))
    };
    let not_an_envelope = find("false", "not a Folio event envelope");
    assert_eq!(not_an_envelope.payload().unwrap(), garbage.as_slice());
    let undecodable = find("false", "cannot decode");
    let parked = find("true", "parked");
    for letter in [undecodable, parked] {
        assert_eq!(letter.key().unwrap(), poisoned.as_bytes());
    }
    for letter in &letters {
        assert_eq!(header(letter, "projector").unwrap(), "invoicing");
        assert_eq!(header(letter, "source_topic").unwrap(), topic);
    }

    // ...and counted in /metrics, at its next reading of the store.
    let metrics = support::eventually("the dead letters show in /metrics", || async {
        let metrics = server.text("/metrics").await;
        metrics
            .contains("folio_projection_dead_letters{projector=\"invoicing\"} 3")
            .then_some(metrics)
    })
    .await;
    assert!(metrics.contains("folio_projection_dead_letters{projector=\"expenses\"} 0"));
    assert!(metrics.contains("folio_projection_dead_letters{projector=\"mail\"} 1"));
}
