//! Shared test support: a fresh, migrated Postgres database per test, dropped after.

#![allow(dead_code)]

pub mod einvoice;
pub mod kafka;
pub mod link;
pub mod mexico;
pub mod pac;
pub mod python;
pub mod s3;
pub mod scenario;
pub mod server;
pub mod smtp;
pub mod stamping;
pub mod webhooks;

use std::str::FromStr;

use folio::wiring::App;
use folio_commands::{Caller, CommandContext, RegisterCustomer, Role};
use folio_domain::customer::{ContactDetails, TaxDetails};
use folio_domain::ids::{TenantId, UserId};
use folio_domain::money::Currency;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use uuid::Uuid;

/// Where the test databases live (the same server the README's test command uses).
pub fn server_url() -> String {
    std::env::var("FOLIO_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/postgres".into())
}

/// A throwaway database, dropped (forcefully) when this value is dropped.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
    pub app: App,
}

impl TestDatabase {
    /// Creates, migrates and wires a fresh database.
    pub async fn new() -> Self {
        let name = format!("folio_test_{}", Uuid::new_v4().simple());
        let options = PgConnectOptions::from_str(&server_url())
            .expect("valid server URL")
            .database(&name);
        let url = options.to_url_lossy().to_string();
        let backend = App::start_at(&url).await.expect("test database");
        TestDatabase {
            name,
            url,
            app: backend,
        }
    }
}

impl TestDatabase {
    /// What `statistic` (a query of one number from Postgres' cumulative
    /// statistics) says once no one else is connected to this database. A
    /// backend reports its statistics in batches, completely only when it
    /// exits: so idle connections (the test's own pool among them; it
    /// reconnects) are ended first. Stop every server before.
    pub async fn statistic_when_alone(&self, statistic: &str) -> i64 {
        let mut conn = PgConnectOptions::from_str(&self.url)
            .expect("valid URL")
            .connect()
            .await
            .expect("a connection for statistics");
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'",
        )
        .execute(&mut conn)
        .await
        .expect("idle connections end");
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let others: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .fetch_one(&mut conn)
            .await
            .expect("the connections");
            if others == 0 {
                break;
            }
            if tokio::time::Instant::now() > deadline {
                let open: Vec<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
                    "SELECT application_name, backend_type, query FROM pg_stat_activity
                     WHERE datname = current_database() AND pid <> pg_backend_pid()",
                )
                .fetch_all(&mut conn)
                .await
                .expect("the connections");
                panic!("other connections to the test database never closed: {open:?}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let value = sqlx::query_scalar(statistic)
            .fetch_one(&mut conn)
            .await
            .expect("the statistic");
        let _ = conn.close().await;
        value
    }

    /// Transactions run on this database so far (see
    /// [`TestDatabase::statistic_when_alone`]).
    pub async fn transactions_when_alone(&self) -> i64 {
        self.statistic_when_alone(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database
             WHERE datname = current_database()",
        )
        .await
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Dropping needs async I/O; do it on a thread with its own runtime so it also
        // runs when the test panicked. FORCE ends the test's own pooled connections
        // (they belong to the test's runtime, which this thread must not wait on).
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let options = PgConnectOptions::from_str(&server_url()).expect("valid server URL");
                if let Ok(mut conn) = options.connect().await {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                            .execute(&mut conn)
                            .await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

/// Runs the `folio` binary with `args` against `database_url`, to completion.
pub fn folio(database_url: &str, args: &[&str]) -> std::process::Output {
    folio_with(database_url, &[], args)
}

/// Runs the `folio` binary like [`folio`], with `env` added to its environment.
pub fn folio_with(database_url: &str, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .envs(env.iter().copied())
        .output()
        .expect("run folio")
}

/// What `probe` finds once it finds something, polling every 100 ms. The 60 s
/// bound only keeps a broken run finite: nothing is timed.
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} never got there"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A context in `tenant` for `actor` with a unique idempotency key. The actor is
/// an admin, so only the domain's rules decide (the role matrix has tests of its
/// own, over HTTP in `api.rs`).
pub fn ctx(tenant: TenantId, actor: &str) -> CommandContext {
    let caller = Caller::new(tenant, UserId::new(actor), vec![Role::Admin]);
    CommandContext::new(caller, Uuid::new_v4().to_string())
}

/// A day ten days ago, when the test runs: expenses must be neither in the
/// future nor more than a year old, so fixtures cannot use fixed dates.
pub fn recent_day() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive() - chrono::Days::new(10)
}

/// [`recent_day`] as GraphQL and JSON write it (`YYYY-MM-DD`).
pub fn recently() -> String {
    recent_day().to_string()
}

/// A port of 127.0.0.1 free now, for a server a test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A new tenant id.
pub fn tenant() -> TenantId {
    TenantId(Uuid::now_v7())
}

/// A German customer invoiced in EUR with 30-day terms.
pub fn customer_input() -> RegisterCustomer {
    RegisterCustomer {
        customer_id: None,
        contact: ContactDetails {
            name: "Acme GmbH".into(),
            email: Some("ap@acme.example".into()),
            phone: None,
            address: None,
        },
        tax: TaxDetails {
            tax_id: Some("DE136695976".into()),
            country: "DE".into(),
            default_currency: Currency::from_code("EUR").expect("EUR"),
            payment_terms_days: 30,
            sat: None,
        },
    }
}

/// How many events the store holds.
pub async fn event_count(backend: &App) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&backend.pool)
        .await
        .expect("count events")
}

/// Every row of every table and view in the read-model schema, as sorted JSON per
/// relation: two equal snapshots mean equal read models.
pub async fn read_models(
    pool: &sqlx::PgPool,
) -> std::collections::BTreeMap<String, serde_json::Value> {
    let relations: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'folio_read' AND c.relkind IN ('r', 'v') ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .expect("list read models");
    let mut snapshot = std::collections::BTreeMap::new();
    for relation in relations {
        let rows: serde_json::Value = sqlx::query_scalar(&format!(
            "SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text), '[]')
             FROM folio_read.\"{relation}\" t"
        ))
        .fetch_one(pool)
        .await
        .expect("read a read model");
        snapshot.insert(relation, rows);
    }
    snapshot
}

/// Fails with the first differing relation, so a mismatch is readable.
pub fn assert_same_read_models(
    left: &std::collections::BTreeMap<String, serde_json::Value>,
    right: &std::collections::BTreeMap<String, serde_json::Value>,
) {
    assert_eq!(
        left.keys().collect::<Vec<_>>(),
        right.keys().collect::<Vec<_>>(),
        "the same relations"
    );
    for (relation, rows) in left {
        assert_eq!(
            rows, &right[relation],
            "rows of folio_read.{relation} differ"
        );
    }
}
