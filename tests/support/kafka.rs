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

/// Whether the `folio` processes' logs go straight to the test's stderr
/// (`FOLIO_TEST_VERBOSE=1`) rather than to a file shown when the test fails.
pub fn verbose() -> bool {
    std::env::var_os("FOLIO_TEST_VERBOSE").is_some()
}

/// What `folio serve` started by a test logs to the test's output: nothing,
/// unless `FOLIO_TEST_VERBOSE` is set.
pub fn log_level() -> &'static str {
    if verbose() {
        "info"
    } else {
        "off"
    }
}

/// `folio relay` or `folio project`, killed when dropped. Its log goes to a file
/// that is printed if the test panics, so a failure in CI says what the process
/// was doing.
pub struct FolioProcess {
    child: tokio::process::Child,
    command: String,
    log: std::path::PathBuf,
}

impl FolioProcess {
    /// Whether the process has exited (and how), without waiting.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().unwrap()
    }

    /// Kills the process and waits for it to end.
    pub async fn kill(&mut self) {
        self.child.kill().await.unwrap();
    }
}

impl Drop for FolioProcess {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(200).collect();
            eprintln!(
                "---- log of folio {} (last {} lines) ----",
                self.command,
                tail.len()
            );
            for line in tail.into_iter().rev() {
                eprintln!("{line}");
            }
        }
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Starts `folio relay` or `folio project` with `env`.
pub fn spawn(command: &str, env: &[(String, String)]) -> FolioProcess {
    let log = std::env::temp_dir().join(format!(
        "folio-test-{command}-{}.log",
        uuid::Uuid::new_v4().simple()
    ));
    let stderr = if verbose() {
        Stdio::inherit()
    } else {
        Stdio::from(std::fs::File::create(&log).unwrap())
    };
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .arg(command)
        .envs(env.iter().map(|(k, v)| (k, v)))
        // At info level into the file (shown only if the test fails).
        .env("FOLIO_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    FolioProcess {
        child,
        command: command.to_owned(),
        log,
    }
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
