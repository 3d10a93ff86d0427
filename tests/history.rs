//! Auditors over the real HTTP API: an aggregate's history with its hash chain,
//! the tenant's event log paged by cursor and filtered, past states rebuilt by the
//! domain's `apply`, tenant isolation; and an event stored at an old schema version
//! read correctly by the aggregate, the projections and the history.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use folio_api::Role;
use serde_json::{json, Value};
use support::scenario::{customer, issued_invoice, pay};
use support::server::Server;
use support::{ctx, tenant, TestDatabase};

const HISTORY: &str = "query($id: ID!) { history(aggregateType: \"Invoice\", aggregateId: $id) {
    globalPosition sequence eventType eventVersion payload currentPayload actor command commandId
    idempotencyKey recordedAt previousHash hash } }";

const AS_OF: &str = "query($id: ID!, $at: DateTime, $version: Int) {
    invoiceAsOf(invoiceId: $id, at: $at, version: $version) { version asOf state } }";

const LOG: &str = "query($first: Int, $after: String, $filter: EventLogFilterInput) {
    eventLog(first: $first, after: $after, filter: $filter) {
      edges { cursor node { globalPosition aggregateType eventType actor } }
      pageInfo { hasNextPage hasPreviousPage } } }";

#[tokio::test]
async fn an_auditor_reads_history_the_event_log_and_past_states() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let acme = customer(&db.app, t, "Acme GmbH").await;
    let invoice = issued_invoice(&db.app, t, acme, 3).await;
    pay(&db.app, t, invoice, 10_000).await;
    pay(&db.app, t, invoice, 5_000).await;
    // Another tenant's history never shows.
    let other = tenant();
    customer(&db.app, other, "Other GmbH").await;
    let auditor = server.token(t, "erin", Role::Auditor);
    let id = invoice.to_string();

    // The history: every event, chained, with who and which command.
    let history = server.ok(&auditor, HISTORY, json!({"id": id})).await["history"].clone();
    let events = history.as_array().unwrap();
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "DraftCreated",
            "LineAdded",
            "InvoiceIssued",
            "PaymentRecorded",
            "PaymentRecorded"
        ]
    );
    assert_eq!(events[0]["previousHash"], "0".repeat(64));
    for pair in events.windows(2) {
        assert_eq!(pair[1]["previousHash"], pair[0]["hash"], "{pair:?}");
        assert_eq!(
            pair[1]["sequence"].as_i64(),
            Some(pair[0]["sequence"].as_i64().unwrap() + 1)
        );
    }
    assert_eq!(events[3]["actor"], "acc");
    assert_eq!(events[3]["command"], "RecordPayment");
    assert!(events[3]["commandId"].as_str().unwrap().len() == 36);
    assert_eq!(events[3]["payload"], events[3]["currentPayload"]);

    // Time travel: by version, and by the time an event was recorded.
    let state = |v: &Value| v["invoiceAsOf"]["state"].clone();
    let at_issue = server
        .ok(
            &auditor,
            AS_OF,
            json!({"id": id, "at": events[2]["recordedAt"]}),
        )
        .await;
    assert_eq!(at_issue["invoiceAsOf"]["version"], 3);
    assert_eq!(state(&at_issue)["status"], "ISSUED");
    assert_eq!(state(&at_issue)["payments"], json!([]));
    let after_first = server
        .ok(&auditor, AS_OF, json!({"id": id, "version": 4}))
        .await;
    assert_eq!(state(&after_first)["payments"].as_array().unwrap().len(), 1);
    let now = server.ok(&auditor, AS_OF, json!({"id": id})).await;
    assert_eq!(now["invoiceAsOf"]["version"], 5);
    assert_eq!(state(&now)["payments"].as_array().unwrap().len(), 2);
    let before = server
        .ok(
            &auditor,
            AS_OF,
            json!({"id": id, "at": "2000-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(before["invoiceAsOf"], Value::Null);
    let refused = server
        .gql(&auditor, AS_OF, json!({"id": id, "version": 0}))
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "VALIDATION",
        "{refused}"
    );

    // The event log, two at a time: all 6 of the tenant's events, in feed order.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = server
            .ok(&auditor, LOG, json!({"first": 2, "after": after}))
            .await["eventLog"]
            .clone();
        for edge in page["edges"].as_array().unwrap() {
            seen.push(edge["node"]["globalPosition"].as_i64().unwrap());
            after = Some(edge["cursor"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
    }
    assert_eq!(seen.len(), 6, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    let payments = server
        .ok(
            &auditor,
            LOG,
            json!({"filter": {"eventType": "PaymentRecorded", "actor": "acc", "aggregateType": "Invoice"}}),
        )
        .await;
    assert_eq!(payments["eventLog"]["edges"].as_array().unwrap().len(), 2);
    let none = server
        .ok(
            &auditor,
            LOG,
            json!({"filter": {"recordedTo": "2000-01-01T00:00:00Z"}}),
        )
        .await;
    assert_eq!(none["eventLog"]["edges"], json!([]));
    let bad = server
        .gql(&auditor, LOG, json!({"after": "nonsense"}))
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "VALIDATION",
        "{bad}"
    );

    // Tenant isolation: the other tenant's auditor sees nothing of this invoice.
    let outsider = server.token(other, "mallory", Role::Auditor);
    let theirs = server.ok(&outsider, HISTORY, json!({"id": id})).await;
    assert_eq!(theirs["history"], json!([]));
    let theirs = server.ok(&outsider, AS_OF, json!({"id": id})).await;
    assert_eq!(theirs["invoiceAsOf"], Value::Null);
    let log = server.ok(&outsider, LOG, json!({})).await;
    assert_eq!(log["eventLog"]["edges"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_v1_event_of_a_type_now_at_v2_reads_correctly_everywhere() {
    let db = TestDatabase::new().await;
    let t = tenant();
    let acme = customer(&db.app, t, "Acme GmbH").await;
    let invoice = issued_invoice(&db.app, t, acme, 1).await;

    // Given an InvoiceSent written by an older release, at v1 (one `recipient`),
    // straight into the store.
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         VALUES ('Invoice', $1, 4, 'InvoiceSent', '1',
                 jsonb_build_object('InvoiceSent', jsonb_build_object('sent_at', '2026-03-02T10:00:00Z', 'recipient', 'ap@legacy.example')),
                 jsonb_build_object('tenant_id', $2::text, 'actor', 'legacy-import', 'command', 'MarkInvoiceSent'))",
    )
    .bind(invoice.to_string())
    .bind(t.0.to_string())
    .execute(&db.app.pool)
    .await
    .unwrap();

    // The aggregate loads it (a command on it succeeds, on top of it)...
    let (outcome, _) = db
        .app
        .use_cases
        .record_payment(
            &ctx(t, "acc"),
            invoice,
            folio_commands::RecordPayment {
                payment_id: None,
                amount: support::scenario::money(1_000),
                received_on: None,
                method: folio_domain::invoice::PaymentMethod::BankTransfer,
                reference: None,
                exchange_rate: None,
            },
        )
        .await
        .expect("a command on an aggregate with a v1 event");
    assert_eq!(outcome.version, 5);

    // ...the projections read it (from zero)...
    db.app.projections().rebuild_all().await.unwrap();
    let (status, sent_to): (String, Option<String>) =
        sqlx::query_as("SELECT status, sent_to FROM folio_read.invoices WHERE invoice_id = $1")
            .bind(invoice.0)
            .fetch_one(&db.app.pool)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), sent_to.as_deref()),
        ("SENT", Some("ap@legacy.example"))
    );

    // ...and so does the history: as stored, as today's version, and in past states.
    let server = Server::start(&db).await;
    let auditor = server.token(t, "erin", Role::Auditor);
    let id = invoice.to_string();
    let history = server.ok(&auditor, HISTORY, json!({"id": id})).await["history"].clone();
    let sent = &history[3];
    assert_eq!(sent["eventVersion"], "1");
    assert_eq!(
        sent["payload"]["InvoiceSent"]["recipient"],
        "ap@legacy.example"
    );
    assert_eq!(
        sent["currentPayload"]["InvoiceSent"]["recipients"],
        json!(["ap@legacy.example"])
    );
    assert_eq!(sent["actor"], "legacy-import");
    let then = server
        .ok(&auditor, AS_OF, json!({"id": id, "version": 4}))
        .await;
    assert_eq!(then["invoiceAsOf"]["state"]["status"], "SENT");
    // New sendings are written at today's version.
    db.app
        .use_cases
        .mark_invoice_sent(
            &ctx(t, "acc"),
            invoice,
            vec!["ap@acme.example".into()],
            folio_domain::invoice::Delivery::Recorded,
        )
        .await
        .unwrap();
    let history = server.ok(&auditor, HISTORY, json!({"id": id})).await["history"].clone();
    assert_eq!(history[5]["eventVersion"], "2");
}
