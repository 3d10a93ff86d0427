//! Personal data erasure without breaking the chains, on a real Postgres, the real
//! `folio` binary and the real HTTP API: contact details are stored sealed (no
//! plaintext in events or snapshots), and once a customer is erased (by the CLI or
//! an admin's mutation) they read as erased in the history, the read models (live
//! and rebuilt), exports and the aggregate, while `folio audit verify` passes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use cqrs_es::persist::PersistedEventStore;
use cqrs_es::EventStore;
use folio_api::Role;
use folio_commands::CommandError;
use folio_domain::customer::{ContactDetails, Customer, CustomerError};
use folio_domain::ids::{CustomerId, TenantId};
use folio_domain::invoice::InvoiceError;
use folio_infra::postgres::sealing_repository::SealingRepository;
use serde_json::{json, Value};
use support::scenario::{issued_invoice, pay};
use support::server::Server;
use support::{
    ctx, customer_input, event_count, eventually, folio, folio_with, tenant, TestDatabase,
};

/// Strings that must never be stored in plaintext.
const PERSONAL: [&str; 4] = ["Ana Lima", "ana.lima@", "+351 21", "Rua Augusta"];

const CUSTOMERS: &str = "query { customers { edges { node {
    customerId name email phone address personalDataErasedAt version } } } }";

const HISTORY: &str = "query($id: ID!) { history(aggregateType: \"Customer\", aggregateId: $id) {
    sequence eventType actor payload currentPayload hash } }";

const ERASE: &str = "mutation($key: String!, $id: ID!, $reason: String!) {
    eraseCustomerPersonalData(idempotencyKey: $key, customerId: $id, reason: $reason) {
      version consistencyToken } }";

fn ana() -> ContactDetails {
    ContactDetails {
        name: "Ana Lima".into(),
        email: Some("ana.lima@example.pt".into()),
        phone: Some("+351 21 000 0000".into()),
        address: Some("Rua Augusta 1, Lisboa".into()),
    }
}

async fn register_ana(db: &TestDatabase, tenant: TenantId) -> CustomerId {
    let mut input = customer_input();
    input.contact = ana();
    let outcome = db
        .app
        .use_cases
        .register_customer(&ctx(tenant, "acc"), input)
        .await
        .unwrap();
    outcome.aggregate_id.parse().unwrap()
}

/// How many rows of `table` hold any of [`PERSONAL`] in their JSON.
async fn plaintext_rows(db: &TestDatabase, table: &str) -> i64 {
    let patterns: Vec<String> = PERSONAL.iter().map(|p| format!("%{p}%")).collect();
    sqlx::query_scalar(&format!(
        "SELECT count(*) FROM {table} WHERE payload::text ILIKE ANY($1)"
    ))
    .bind(&patterns)
    .fetch_one(&db.app.pool)
    .await
    .unwrap()
}

fn run_ok(db: &TestDatabase, args: &[&str]) -> String {
    let output = folio(&db.url, args);
    assert!(
        output.status.success(),
        "folio {args:?}:\nstdout\n{}\nstderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

/// The customer's read-model row once `ready` holds for it (the server's projectors
/// follow the feed in the background).
async fn customer_row(
    server: &Server,
    token: &str,
    id: CustomerId,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    eventually("the customer's read-model row", || async {
        let data = server.ok(token, CUSTOMERS, json!({})).await;
        data["customers"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| edge["node"].clone())
            .find(|node| node["customerId"] == id.to_string())
            .filter(|row| ready(row))
    })
    .await
}

/// Where the customer's invoice was sent, per its read model, once `ready` holds.
async fn sent_to(
    db: &TestDatabase,
    id: CustomerId,
    ready: impl Fn(&Option<String>) -> bool,
) -> Option<String> {
    eventually("the invoice's read-model row", || async {
        let sent: Option<Option<String>> =
            sqlx::query_scalar("SELECT sent_to FROM folio_read.invoices WHERE customer_id = $1")
                .bind(id.0)
                .fetch_optional(&db.app.pool)
                .await
                .unwrap();
        sent.filter(|sent| ready(sent))
    })
    .await
}

fn erased_contact() -> Value {
    json!({"name": "[erased]", "email": null, "phone": null, "address": null})
}

#[tokio::test]
async fn an_erased_customer_reads_as_erased_everywhere_and_the_chains_still_verify() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let auditor = server.token(t, "erin", Role::Auditor);
    let ana_id = register_ana(&db, t).await;
    let mut moved = ana();
    moved.address = Some("Rua Augusta 2, Lisboa".into());
    db.app
        .use_cases
        .update_customer_contact(&ctx(t, "acc"), ana_id, moved)
        .await
        .unwrap();
    let invoice = issued_invoice(&db.app, t, ana_id, 3).await;
    db.app
        .use_cases
        .mark_invoice_sent(
            &ctx(t, "acc"),
            invoice,
            vec!["ana.lima@example.pt".into()],
            folio_domain::invoice::Delivery::Recorded,
        )
        .await
        .unwrap();
    pay(&db.app, t, invoice, 10_000).await;

    // Sealed at rest: the events hold no plaintext contact, yet every reader opens it.
    assert_eq!(plaintext_rows(&db, "events").await, 0);
    let row = customer_row(&server, &admin, ana_id, |row| row["version"] == 2).await;
    assert_eq!(row["name"], "Ana Lima");
    assert_eq!(row["address"], "Rua Augusta 2, Lisboa");
    assert_eq!(
        sent_to(&db, ana_id, |sent| sent.is_some()).await.as_deref(),
        Some("ana.lima@example.pt")
    );
    let id = ana_id.to_string();
    let before = server.ok(&auditor, HISTORY, json!({"id": id})).await["history"].clone();
    assert_eq!(
        before[0]["currentPayload"]["CustomerRegistered"]["contact"]["name"],
        "Ana Lima"
    );
    assert!(before[0]["payload"]["CustomerRegistered"]["contact"]["sealed"].is_object());
    let digest = run_ok(&db, &["audit", "digest"]).trim().to_owned();

    // Erased from the command line.
    let report = run_ok(
        &db,
        &[
            "gdpr",
            "erase",
            "--subject",
            &id,
            "--reason",
            "GDPR request 7",
            "--by",
            "dpo",
        ],
    );
    assert!(
        report.contains("erased the personal data of customer")
            && report.contains("3 sealed events now read as erased")
            && !report.contains("warning"),
        "{report}"
    );
    let (key_gone, erased_by): (bool, String) = sqlx::query_as(
        "SELECT key IS NULL, erased_by FROM personal_data_keys WHERE subject_id = $1",
    )
    .bind(&id)
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert!(key_gone);
    assert_eq!(erased_by, "cli:dpo");

    // The chains: nothing stored changed, so everything verifies, even since the
    // digest kept before the erasure.
    run_ok(&db, &["audit", "verify"]);
    run_ok(&db, &["audit", "verify", "--since", &digest]);

    // The history: the same stored bytes and hashes, read as erased today, and the
    // erasure itself on record.
    let after = server.ok(&auditor, HISTORY, json!({"id": id})).await["history"].clone();
    let after = after.as_array().unwrap();
    assert_eq!(after.len(), 3);
    for (old, new) in before.as_array().unwrap().iter().zip(after) {
        assert_eq!(old["payload"], new["payload"]);
        assert_eq!(old["hash"], new["hash"]);
    }
    assert_eq!(
        after[0]["currentPayload"]["CustomerRegistered"]["contact"],
        erased_contact()
    );
    assert_eq!(
        after[1]["currentPayload"]["CustomerContactUpdated"]["contact"],
        erased_contact()
    );
    assert_eq!(after[2]["eventType"], "CustomerPersonalDataErased");
    assert_eq!(after[2]["actor"], "cli:dpo");
    // Where the invoice was sent is hers too.
    let sent = server
        .ok(
            &auditor,
            "query($id: ID!) { history(aggregateType: \"Invoice\", aggregateId: $id) {
                eventType currentPayload } }",
            json!({"id": invoice.to_string()}),
        )
        .await["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["eventType"] == "InvoiceSent")
        .cloned()
        .unwrap();
    assert_eq!(
        sent["currentPayload"]["InvoiceSent"]["recipients"],
        json!([])
    );

    // The live read model, then a rebuild of every projection: erased both times,
    // and the invoice is untouched.
    let row = customer_row(&server, &admin, ana_id, |row| {
        !row["personalDataErasedAt"].is_null()
    })
    .await;
    assert_eq!(
        (&row["name"], &row["email"], &row["phone"], &row["address"]),
        (&json!("[erased]"), &Value::Null, &Value::Null, &Value::Null)
    );
    run_ok(&db, &["projections", "rebuild", "--all"]);
    let rebuilt = customer_row(&server, &admin, ana_id, |_| true).await;
    assert_eq!(rebuilt, row);
    let (status, paid, sent_to): (String, String, Option<String>) = sqlx::query_as(
        "SELECT status, amount_paid::text, sent_to FROM folio_read.invoices WHERE customer_id = $1",
    )
    .bind(ana_id.0)
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(
        (status.as_str(), paid.as_str(), sent_to),
        ("SENT", "100.00", None)
    );

    // An export holds no contact, and verifies offline.
    let path = std::env::temp_dir().join(format!("folio-gdpr-{}.jsonl", uuid::Uuid::new_v4()));
    let path_text = path.to_str().unwrap();
    let tenant_text = t.0.to_string();
    run_ok(
        &db,
        &[
            "audit",
            "export",
            "--tenant",
            &tenant_text,
            "--format",
            "jsonl",
            "--output",
            path_text,
        ],
    );
    let export = std::fs::read_to_string(&path).unwrap();
    for personal in PERSONAL {
        assert!(!export.contains(personal), "{personal} in the export");
    }
    run_ok(&db, &["audit", "verify", "--file", path_text]);
    std::fs::remove_file(&path).unwrap();

    // The aggregate: erased, taking no new contact; erasing again changes nothing.
    let refused = db
        .app
        .use_cases
        .update_customer_contact(&ctx(t, "acc"), ana_id, ana())
        .await;
    assert!(
        matches!(
            refused,
            Err(CommandError::Rejected(CustomerError::PersonalDataErased))
        ),
        "{refused:?}"
    );
    let resent = db
        .app
        .use_cases
        .mark_invoice_sent(
            &ctx(t, "acc"),
            invoice,
            vec!["ana.lima@example.pt".into()],
            folio_domain::invoice::Delivery::Recorded,
        )
        .await;
    assert!(
        matches!(
            resent,
            Err(CommandError::Rejected(InvoiceError::CustomerPersonalDataErased(c))) if c == ana_id
        ),
        "{resent:?}"
    );
    let events = event_count(&db.app).await;
    run_ok(&db, &["gdpr", "erase", "--subject", &id]);
    assert_eq!(event_count(&db.app).await, events);
    assert_eq!(plaintext_rows(&db, "events").await, 0);
}

#[tokio::test]
async fn an_admin_erases_over_graphql_and_a_refused_erasure_changes_nothing() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let (t, other) = (tenant(), tenant());
    let admin = server.token(t, "root", Role::Admin);
    let ana_id = register_ana(&db, t).await;
    let id = ana_id.to_string();
    let erase = |token: String, id: String, reason: &str| {
        let variables =
            json!({"key": uuid::Uuid::new_v4().to_string(), "id": id, "reason": reason});
        let server = &server;
        async move { server.gql(&token, ERASE, variables).await }
    };
    let code = |body: &Value| body["errors"][0]["extensions"]["code"].clone();

    // Refused: no reason, another tenant's admin, an unknown customer. None writes
    // an event or touches a key.
    let events = event_count(&db.app).await;
    let body = erase(admin.clone(), id.clone(), " ").await;
    assert_eq!(code(&body), "VALIDATION", "{body}");
    let body = erase(server.token(other, "root", Role::Admin), id.clone(), "r").await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let unknown = uuid::Uuid::now_v7().to_string();
    let body = erase(admin.clone(), unknown.clone(), "r").await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    assert_eq!(event_count(&db.app).await, events);
    let erased_keys: i64 =
        sqlx::query_scalar("SELECT count(*) FROM personal_data_keys WHERE key IS NULL")
            .fetch_one(&db.app.pool)
            .await
            .unwrap();
    assert_eq!(erased_keys, 0);

    // The admin erases; reading with the consistency token shows it at once.
    let body = erase(admin.clone(), id.clone(), "GDPR request 9").await;
    let result = &body["data"]["eraseCustomerPersonalData"];
    assert_eq!(result["version"], 2, "{body}");
    let token = result["consistencyToken"].as_str().unwrap();
    let data = server
        .ok(
            &admin,
            "query($token: String) { customers(consistencyToken: $token) { edges { node {
                name email personalDataErasedAt } } } }",
            json!({"token": token}),
        )
        .await;
    let node = &data["customers"]["edges"][0]["node"];
    assert_eq!(node["name"], "[erased]");
    assert!(node["email"].is_null() && !node["personalDataErasedAt"].is_null());

    // New contact details for an erased customer are a conflict, and write nothing.
    let events = event_count(&db.app).await;
    let body = server
        .gql(
            &admin,
            "mutation($key: String!, $id: ID!) { updateCustomerContact(idempotencyKey: $key,
                customerId: $id, contact: {name: \"Ana Lima\"}) { version } }",
            json!({"key": "again", "id": id}),
        )
        .await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert_eq!(event_count(&db.app).await, events);
}

#[tokio::test]
async fn snapshots_hold_the_contact_sealed_and_read_as_erased_after_erasure() {
    let db = TestDatabase::new().await;
    let t = tenant();
    let ana_id = register_ana(&db, t).await;
    let folio = &db.app.use_cases;
    // Past the snapshot interval, so the aggregate is saved whole.
    for days in 0..folio::wiring::SNAPSHOT_EVERY as u16 + 5 {
        let mut tax = customer_input().tax;
        tax.payment_terms_days = days % 90;
        folio
            .update_customer_tax_details(&ctx(t, "acc"), ana_id, tax)
            .await
            .unwrap();
    }
    let snapshots: i64 = sqlx::query_scalar("SELECT count(*) FROM snapshots")
        .fetch_one(&db.app.pool)
        .await
        .unwrap();
    assert_eq!(snapshots, 1);
    assert_eq!(plaintext_rows(&db, "snapshots").await, 0);
    assert_eq!(plaintext_rows(&db, "events").await, 0);

    let store: PersistedEventStore<SealingRepository, Customer> =
        PersistedEventStore::new_snapshot_store(
            SealingRepository::new(db.app.pool.clone(), db.app.wrapping.clone()),
            folio::wiring::SNAPSHOT_EVERY,
        );
    let id = ana_id.to_string();
    let loaded = store.load_aggregate(&id).await.unwrap();
    assert_eq!(loaded.aggregate.contact, ana());

    folio
        .erase_customer_personal_data(&ctx(t, "admin"), ana_id, "GDPR request 3".into())
        .await
        .unwrap();
    let loaded = store.load_aggregate(&id).await.unwrap();
    assert_eq!(loaded.aggregate.contact, ContactDetails::erased());
    assert!(loaded.aggregate.erased);
    // Tax details are not personal data: they stay.
    assert_eq!(loaded.aggregate.tax.unwrap().country, "DE");
}

#[tokio::test]
async fn contact_stored_before_sealing_still_reads_and_erasure_says_it_cannot_reach_it() {
    let db = TestDatabase::new().await;
    let t = tenant();
    let ana_id = CustomerId(uuid::Uuid::now_v7());
    let id = ana_id.to_string();
    // Written the way Folio wrote it before sealing: postgres-es, plaintext.
    let plain: PersistedEventStore<postgres_es::PostgresEventRepository, Customer> =
        PersistedEventStore::new_event_store(postgres_es::PostgresEventRepository::new(
            db.app.pool.clone(),
        ));
    let context = plain.load_aggregate(&id).await.unwrap();
    let registered = folio_domain::customer::CustomerEvent::CustomerRegistered {
        tenant_id: t,
        customer_id: ana_id,
        contact: ana(),
        tax: customer_input().tax,
    };
    let metadata = std::collections::HashMap::from([
        ("tenant_id".to_owned(), t.to_string()),
        ("actor".to_owned(), "legacy".to_owned()),
    ]);
    plain
        .commit(vec![registered], context, metadata)
        .await
        .unwrap();
    assert_eq!(plaintext_rows(&db, "events").await, 1);

    // Folio reads it as it always did.
    db.app
        .use_cases
        .archive_customer(&ctx(t, "acc"), ana_id, "closed".into())
        .await
        .unwrap();

    // Erasure works, and says plainly what it cannot reach.
    let report = run_ok(&db, &["gdpr", "erase", "--subject", &id]);
    assert!(
        report.contains("warning: 1 events") && report.contains("predate sealing"),
        "{report}"
    );
    run_ok(&db, &["audit", "verify"]);
}

#[tokio::test]
async fn a_refused_contact_leaves_no_personal_data_in_the_command_ledger() {
    let db = TestDatabase::new().await;
    let t = tenant();

    // Given a registration whose e-mail is malformed.
    let mut input = customer_input();
    input.contact = ContactDetails {
        email: Some("ana.lima@example".into()),
        ..ana()
    };

    // When it is refused.
    let refused = db
        .app
        .use_cases
        .register_customer(&ctx(t, "acc"), input)
        .await
        .unwrap_err();

    // Then the refusal is stored for retries, but without the address.
    assert!(
        matches!(refused, CommandError::Rejected(CustomerError::InvalidEmail)),
        "{refused:?}"
    );
    let outcomes: Vec<String> = sqlx::query_scalar("SELECT outcome::text FROM command_outcomes")
        .fetch_all(&db.app.pool)
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 1, "the refusal is recorded: {outcomes:?}");
    assert!(!outcomes[0].contains("ana.lima@"), "{}", outcomes[0]);
    assert_eq!(event_count(&db.app).await, 0);
}

#[tokio::test]
async fn request_fingerprints_cannot_confirm_a_guess_once_the_customer_is_erased() {
    let db = TestDatabase::new().await;
    let t = tenant();
    let registration = ctx(t, "acc");
    let mut input = customer_input();
    input.contact = ana();
    let outcome = db
        .app
        .use_cases
        .register_customer(&registration, input.clone())
        .await
        .unwrap();
    let id = outcome.aggregate_id.clone();

    // Idempotency still tells the same request from a different one: a retry
    // replays, another e-mail under the same key is refused.
    let retried = db
        .app
        .use_cases
        .register_customer(&registration, input.clone())
        .await
        .unwrap();
    assert_eq!(retried.version, outcome.version);
    let mut other = input.clone();
    other.contact.email = Some("someone.else@example.pt".into());
    let reused = db
        .app
        .use_cases
        .register_customer(&registration, other)
        .await
        .unwrap_err();
    assert!(
        matches!(reused, CommandError::IdempotencyKeyReused { .. }),
        "{reused:?}"
    );

    // The stored fingerprints (ledger and event metadata) are not a plain hash
    // of the request: someone who guesses it exactly cannot confirm the guess.
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT fingerprint FROM command_outcomes
         UNION ALL SELECT metadata ->> 'request_fingerprint' FROM events",
    )
    .fetch_all(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0], stored[1]);
    let plain = serde_json::to_vec(&("Customer", "RegisterCustomer", &id, &input)).unwrap();
    let plain = format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(plain));
    assert_ne!(stored[0], plain);

    // Once erased, not even the true request matches its own fingerprint.
    run_ok(&db, &["gdpr", "erase", "--subject", &id, "--reason", "r"]);
    let after = db
        .app
        .use_cases
        .register_customer(&registration, input)
        .await
        .unwrap_err();
    assert!(
        matches!(after, CommandError::IdempotencyKeyReused { .. }),
        "{after:?}"
    );
}

#[tokio::test]
async fn with_a_master_key_the_database_alone_opens_no_personal_data() {
    let db = TestDatabase::new().await;
    let master = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let with_master = [("FOLIO_PERSONAL_DATA_MASTER_KEY", master.as_str())];
    let t = tenant();
    // Given a customer registered before the deployment had a master key (this
    // test process has none), and one registered by a server that holds it.
    let ana_before = register_ana(&db, t).await.to_string();
    let server = Server::start_with(&db, &with_master).await;
    let admin = server.token(t, "root", Role::Admin);

    let written = server
        .ok(
            &admin,
            "mutation($key: String!) { registerCustomer(idempotencyKey: $key, input: {
                contact: {name: \"Ana Lima\", email: \"ana.lima@example.pt\"},
                tax: {country: \"PT\", defaultCurrency: \"EUR\", paymentTermsDays: 30}}) {
                aggregateId consistencyToken } }",
            json!({"key": "ana"}),
        )
        .await;
    let id = written["registerCustomer"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = written["registerCustomer"]["consistencyToken"]
        .as_str()
        .unwrap();
    let data = server
        .ok(
            &admin,
            "query($token: String) { customers(consistencyToken: $token) { edges { node {
                name email } } } }",
            json!({"token": token}),
        )
        .await;
    let names: Vec<&str> = data["customers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Ana Lima", "Ana Lima"]);

    // Then the new key is stored wrapped (60 bytes under the master key's id), the
    // old one as it was until `folio gdpr wrap-keys`, and no event holds plaintext.
    let stored = |subject: String| {
        let pool = db.app.pool.clone();
        async move {
            sqlx::query_as::<_, (i32, Option<String>)>(
                "SELECT octet_length(key), wrapped_by FROM personal_data_keys
                  WHERE subject_id = $1",
            )
            .bind(subject)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let (length, master_id) = stored(id.clone()).await;
    assert_eq!(length, 60);
    assert!(master_id.as_ref().is_some_and(|m| m.len() == 16));
    assert_eq!(stored(ana_before.clone()).await, (32, None));
    assert_eq!(plaintext_rows(&db, "events").await, 0);
    let report = folio_with(&db.url, &with_master, &["gdpr", "wrap-keys"]);
    assert!(
        String::from_utf8_lossy(&report.stderr).contains("wrapped 1 customer keys"),
        "{report:?}"
    );
    assert_eq!(stored(ana_before).await, (60, master_id));

    // And a process without the master key cannot open it: a server refuses to
    // start and names the setting, instead of answering every request with
    // INTERNAL; a rebuild fails and says why; with the key it succeeds and the
    // contact reads as before.
    drop(server);
    let mut serving = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("DATABASE_URL", &db.url)
        .env("FOLIO_JWT_SECRET", "gdpr-test-secret-of-at-least-32-bytes")
        .env_remove("FOLIO_PERSONAL_DATA_MASTER_KEY")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = serving.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = serving.kill();
            panic!("folio serve started without the master key its keys need");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let mut refusal = String::new();
    std::io::Read::read_to_string(&mut serving.stderr.take().unwrap(), &mut refusal).unwrap();
    assert!(!status.success(), "{refusal}");
    assert!(
        refusal.contains("folio: personal-data keys are wrapped by master key")
            && refusal.contains("FOLIO_PERSONAL_DATA_MASTER_KEY"),
        "{refusal}"
    );
    let without = folio_with(&db.url, &[], &["projections", "rebuild", "--all"]);
    let stderr = String::from_utf8_lossy(&without.stderr);
    assert!(!without.status.success(), "{stderr}");
    assert!(
        stderr.contains("FOLIO_PERSONAL_DATA_MASTER_KEY"),
        "{stderr}"
    );
    let with = folio_with(&db.url, &with_master, &["projections", "rebuild", "--all"]);
    assert!(
        with.status.success(),
        "{}",
        String::from_utf8_lossy(&with.stderr)
    );
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM folio_read.customers")
        .fetch_all(&db.app.pool)
        .await
        .unwrap();
    assert_eq!(names, vec!["Ana Lima", "Ana Lima"]);
}
