//! Reads that wait for a consistency token, over HTTP against `folio serve`:
//! however many wait while a projector lags, they hold no database connection
//! busy; a read waits only for
//! the projectors it reads; past the configured bound a read is refused at once;
//! and every waiting read sees its write once the projector moves.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use folio_api::Role;
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};
use support::server::{series, Server};
use support::{tenant, TestDatabase};

const WAITERS: usize = 200;

const REGISTER: &str = "mutation($key: String!, $name: String!) {
    registerCustomer(idempotencyKey: $key, input: {contact: {name: $name},
        tax: {country: \"DE\", defaultCurrency: \"EUR\", paymentTermsDays: 30}}) {
        consistencyToken } }";
const CUSTOMERS: &str = "query($token: String) {
    customers(consistencyToken: $token) { edges { node { name } } } }";

/// The server's connections to the test's database busy now (in a statement or
/// a transaction), leaving out `held_by_test` and sessions blocked on a lock
/// (the projector the test holds back).
async fn busy_connections(observer: &mut PgConnection, held_by_test: i32) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND backend_type = 'client backend'
           AND pid NOT IN (pg_backend_pid(), $1)
           AND state <> 'idle' AND wait_event_type IS DISTINCT FROM 'Lock'",
    )
    .bind(held_by_test)
    .fetch_one(observer)
    .await
    .unwrap()
}

#[tokio::test]
async fn many_reads_waiting_on_a_lagging_projector_hold_no_connections_and_all_see_their_write() {
    let db = TestDatabase::new().await;
    let waiters = WAITERS.to_string();
    let server = Server::start_with(
        &db,
        &[
            ("FOLIO_CONSISTENCY_WAITERS", waiters.as_str()),
            ("FOLIO_CONSISTENCY_WAIT_MS", "60000"),
            ("FOLIO_REQUEST_TIMEOUT_MS", "60000"),
            ("FOLIO_RATE_LIMIT_PER_TENANT", "0"),
            ("FOLIO_RATE_LIMIT_PER_ADDRESS", "0"),
            ("FOLIO_COMPLEXITY_PER_TENANT", "0"),
        ],
    )
    .await;
    let accountant = server.token(tenant(), "alice", Role::Accountant);
    let register = |name: &'static str| {
        let (server, accountant) = (&server, &accountant);
        async move {
            let key = uuid::Uuid::new_v4().to_string();
            server
                .ok(accountant, REGISTER, json!({"key": key, "name": name}))
                .await["registerCustomer"]["consistencyToken"]
                .clone()
        }
    };
    let first = register("Acme").await;
    let seen = server
        .ok(&accountant, CUSTOMERS, json!({"token": first}))
        .await;
    assert_eq!(seen["customers"]["edges"].as_array().unwrap().len(), 1);

    // Given the invoicing projector held back (the table it writes a new
    // customer to is locked: a table lock takes no transaction id, so the feed
    // moves on for the other projectors), and a write it has not applied
    let mut holder = PgConnection::connect(&db.url).await.unwrap();
    let held_by_test: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut holder)
        .await
        .unwrap();
    sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
    sqlx::query("LOCK TABLE folio_read.customers IN SHARE MODE")
        .execute(&mut holder)
        .await
        .unwrap();
    let token = register("Bolt").await;

    // Then a read of another projector's tables does not wait for invoicing
    let expenses = server
        .gql(
            &accountant,
            "query($token: String) { expenses(consistencyToken: $token) { edges { cursor } } }",
            json!({"token": token}),
        )
        .await;
    assert!(expenses.get("errors").is_none(), "{expenses}");

    // When 200 reads wait for that write
    let reads: Vec<_> = (0..WAITERS)
        .map(|_| spawn_read(&server, &accountant, CUSTOMERS, &token))
        .collect();
    let mut scrape = String::new();
    while series(&scrape, "folio_consistency_waiting_reads") != Some(WAITERS as f64) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        scrape = server.text("/metrics").await;
    }

    // Then, while they wait, the server holds (almost) no connection busy (one
    // poll per read kept 18 busy). Read from pg_stat_activity, which is live;
    // pg_stat_database's commit counts are flushed by each backend up to 10 s
    // late, too late to count a window with.
    let mut observer = PgConnection::connect(&db.url).await.unwrap();
    let mut most_busy = 0;
    for _ in 0..20 {
        most_busy = most_busy.max(busy_connections(&mut observer, held_by_test).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        most_busy <= 3,
        "{most_busy} connections busy while reads wait"
    );

    // Then one read more than the bound is refused at once, and says why
    let refused = server
        .gql(&accountant, CUSTOMERS, json!({"token": token}))
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{refused}"
    );
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("already waiting"), "{message}");

    // When the projector moves on, every waiting read sees the write
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    for read in reads {
        let body = read.await.unwrap();
        let names: Vec<&str> = body["data"]["customers"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|edge| edge["node"]["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"Bolt"), "{body}");
    }
    let scrape = server.text("/metrics").await;
    assert_eq!(
        series(&scrape, "folio_consistency_waiting_reads"),
        Some(0.0)
    );
}

/// Sends `query` with consistency token `token` as the caller of `bearer`, on a
/// task of its own; resolves to the response body.
fn spawn_read(
    server: &Server,
    bearer: &str,
    query: &'static str,
    token: &Value,
) -> tokio::task::JoinHandle<Value> {
    let request = server
        .http
        .post(format!("{}/graphql", server.base))
        .bearer_auth(bearer)
        .json(&json!({"query": query, "variables": {"token": token}}));
    tokio::spawn(async move { request.send().await.unwrap().json().await.unwrap() })
}
