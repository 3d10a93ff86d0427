//! The Kafka side of the tests: the shared broker, each test's own topics, and
//! `folio` processes in Kafka mode.

use std::process::Stdio;
use std::time::Duration;

use folio_infra::kafka::KafkaConfig;

use super::scenario::every_event_type;
use super::server::Server;
use super::{assert_same_read_models, read_models, tenant, TestDatabase};

/// The shared test broker.
pub fn brokers() -> String {
    std::env::var("FOLIO_TEST_KAFKA_BROKERS").unwrap_or_else(|_| "127.0.0.1:9092".to_owned())
}

/// The Kafka settings of a test: its own topics on `brokers`.
pub fn kafka(db: &TestDatabase, brokers: &str) -> KafkaConfig {
    KafkaConfig {
        topic_prefix: db.name.clone(),
        partitions: 3,
        ..KafkaConfig::new(brokers)
    }
}

/// The environment that points a `folio` process at the test's database and topics.
pub fn kafka_env(db: &TestDatabase, config: &KafkaConfig, batch: usize) -> Vec<(String, String)> {
    vec![
        ("DATABASE_URL".into(), db.url.clone()),
        ("KAFKA_BROKERS".into(), config.brokers.clone()),
        (
            "FOLIO_KAFKA_TOPIC_PREFIX".into(),
            config.topic_prefix.clone(),
        ),
        (
            "FOLIO_KAFKA_PARTITIONS".into(),
            config.partitions.to_string(),
        ),
        ("FOLIO_KAFKA_BATCH_SIZE".into(), batch.to_string()),
        ("FOLIO_LOG".into(), log_level().into()),
    ]
}

/// Whether the `folio` processes' logs go to the test's stderr
/// (`FOLIO_TEST_VERBOSE=1`).
pub fn verbose() -> bool {
    std::env::var_os("FOLIO_TEST_VERBOSE").is_some()
}

pub fn log_level() -> &'static str {
    if verbose() {
        "info"
    } else {
        "off"
    }
}

/// `folio relay` or `folio project`, killed when dropped.
pub fn spawn(command: &str, env: &[(String, String)]) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .arg(command)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::null())
        .stderr(if verbose() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// `folio serve` with `env` (in Kafka mode when it names a broker).
pub async fn serve(db: &TestDatabase, env: &[(String, String)]) -> Server {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Server::start_with(db, &env).await
}

/// Events of `tenants` fresh tenants, every event type each.
pub async fn backlog(db: &TestDatabase, tenants: usize) {
    for _ in 0..tenants {
        every_event_type(&db.app, tenant()).await;
    }
}

/// Waits until every projector has applied everything in the store.
pub async fn caught_up(db: &TestDatabase, within: Duration) {
    let projections = db.app.projections();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let statuses = projections.status().await.unwrap();
        if statuses.iter().all(|s| s.installed && s.events_behind == 0) {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            let dead: Vec<(String, i64, String)> = sqlx::query_as(
                "SELECT topic, kafka_offset, reason FROM kafka_dead_letters
                 ORDER BY dead_lettered_at LIMIT 10",
            )
            .fetch_all(&db.app.pool)
            .await
            .unwrap();
            panic!("not caught up: {statuses:?}\ndead letters: {dead:#?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The read models as they are, then as a clean rebuild from the store makes them:
/// they must be equal.
pub async fn assert_equal_to_a_rebuild(db: &TestDatabase) {
    let consumed = read_models(&db.app.pool).await;
    db.app.projections().rebuild_all().await.unwrap();
    assert_same_read_models(&consumed, &read_models(&db.app.pool).await);
}
