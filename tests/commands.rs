//! The command layer on a real Postgres: idempotency, optimistic concurrency with
//! retries, gap-free numbering, tenant isolation, snapshots.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::collections::BTreeSet;

use folio::wiring::App;
use folio_commands::{
    CommandContext, CommandError, CreateInvoiceDraft, IssueInvoice, RecordPayment,
};
use folio_domain::ids::{InvoiceId, TenantId};
use folio_domain::invoice::{InvoiceError, PaymentMethod};
use rust_decimal::Decimal;
use support::{ctx, customer_input, event_count, scenario, tenant, TestDatabase};

/// A draft with one line of 1,000.00 + 19% VAT (total 1,190.00).
async fn draft_invoice(backend: &App, tenant_id: TenantId) -> InvoiceId {
    let customer = scenario::customer(backend, tenant_id, "Acme GmbH").await;
    let invoice = scenario::draft(backend, tenant_id, customer).await;
    let item = scenario::line("Consulting", 10, 10_000, vec![scenario::vat19()]);
    scenario::add_line(backend, tenant_id, invoice, item).await;
    invoice
}

async fn issued_invoice(backend: &App, tenant_id: TenantId) -> InvoiceId {
    let id = draft_invoice(backend, tenant_id).await;
    scenario::issue(backend, tenant_id, id, None).await;
    id
}

fn payment(cents: i64) -> RecordPayment {
    RecordPayment {
        payment_id: None,
        amount: scenario::money(cents),
        received_on: None,
        method: PaymentMethod::BankTransfer,
        reference: None,
        exchange_rate: None,
    }
}

#[tokio::test]
async fn the_same_idempotency_key_returns_the_first_outcome_and_appends_nothing() {
    let db = TestDatabase::new().await;
    let t = tenant();
    let context = ctx(t, "acc");
    let first = db
        .app
        .use_cases
        .register_customer(&context, customer_input())
        .await
        .unwrap();
    let events = event_count(&db.app).await;
    let second = db
        .app
        .use_cases
        .register_customer(&context, customer_input())
        .await
        .unwrap();
    assert!(!first.replayed);
    assert!(second.replayed);
    assert_eq!(
        (first.aggregate_id, first.version, first.position),
        (second.aggregate_id, second.version, second.position)
    );
    assert_eq!(event_count(&db.app).await, events);
}

#[tokio::test]
async fn a_rejection_is_replayed_too() {
    let db = TestDatabase::new().await;
    let t = tenant();
    let invoice = draft_invoice(&db.app, t).await;
    let context = ctx(t, "acc");
    let first = db
        .app
        .use_cases
        .record_payment(&context, invoice, payment(100))
        .await
        .unwrap_err();
    // The invoice is issued meanwhile, so deciding again would accept; the
    // replay still says "not issued".
    scenario::issue(&db.app, t, invoice, None).await;
    let again = db
        .app
        .use_cases
        .record_payment(&context, invoice, payment(100))
        .await
        .unwrap_err();
    assert!(matches!(
        first.rejection(),
        Some(InvoiceError::NotIssued { .. })
    ));
    assert_eq!(first.rejection(), again.rejection());
}

#[tokio::test]
async fn reusing_a_key_for_a_different_request_is_refused() {
    let db = TestDatabase::new().await;
    let t = tenant();
    let context = ctx(t, "acc");
    db.app
        .use_cases
        .register_customer(&context, customer_input())
        .await
        .unwrap();
    let mut other = customer_input();
    other.contact.name = "Someone else".into();
    let error = db
        .app
        .use_cases
        .register_customer(&context, other)
        .await
        .unwrap_err();
    assert!(
        matches!(error, CommandError::IdempotencyKeyReused { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn two_concurrent_identical_requests_write_once() {
    let db = TestDatabase::new().await;
    let t = tenant();
    let invoice = issued_invoice(&db.app, t).await;
    let context = ctx(t, "acc");
    let before = event_count(&db.app).await;
    let (a, b) = tokio::join!(
        db.app
            .use_cases
            .record_payment(&context, invoice, payment(10_000)),
        db.app
            .use_cases
            .record_payment(&context, invoice, payment(10_000)),
    );
    let (a, b) = (a.unwrap().0, b.unwrap().0);
    assert_eq!(a.version, b.version);
    assert!(a.replayed != b.replayed, "exactly one of them ran");
    assert_eq!(event_count(&db.app).await, before + 1);
}

#[tokio::test]
async fn twenty_concurrent_payments_keep_every_acknowledged_one_and_the_excess_becomes_credit() {
    let db = TestDatabase::new().await;
    let t = tenant();
    let invoice = issued_invoice(&db.app, t).await;
    // 20 payments of 70.00 = 1,400.00 against 1,190.00 due: 17 settle the
    // invoice, the rest is held as the customer's credit (210.00).
    let attempts = (0..20).map(|_| {
        let folio = &db.app.use_cases;
        let context = ctx(t, "acc");
        async move {
            folio
                .record_payment(&context, invoice, payment(7_000))
                .await
        }
    });
    let results = futures::future::join_all(attempts).await;
    let accepted: Vec<_> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|(_, id)| *id)
        .collect();
    for result in &results {
        if let Err(e) = result {
            assert!(matches!(e, CommandError::Conflict { .. }), "{e:?}");
        }
    }
    let recorded: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT payload FROM events WHERE aggregate_id = $1 AND event_type = 'PaymentRecorded'
         ORDER BY sequence",
    )
    .bind(invoice.to_string())
    .fetch_all(&db.app.pool)
    .await
    .unwrap();
    let recorded_ids: BTreeSet<String> = recorded
        .iter()
        .map(|p| {
            p["PaymentRecorded"]["payment_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for id in &accepted {
        assert!(
            recorded_ids.contains(&id.to_string()),
            "acknowledged payment {id} is missing"
        );
    }
    assert_eq!(recorded_ids.len(), accepted.len());
    let total: Decimal = recorded
        .iter()
        .map(|p| {
            p["PaymentRecorded"]["amount"]["amount"]
                .as_str()
                .unwrap()
                .parse::<Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(
        total,
        Decimal::new(7_000, 2) * Decimal::from(accepted.len() as u64)
    );
    assert_eq!(accepted.len(), 20, "every payment is eventually accepted");
    let last = &recorded.last().unwrap()["PaymentRecorded"];
    assert_eq!(last["amount_due_after"], "0.00");
    assert_eq!(
        last["credit_after"]
            .as_str()
            .unwrap()
            .parse::<Decimal>()
            .unwrap(),
        total - Decimal::new(119_000, 2)
    );
}

#[tokio::test]
async fn invoice_numbers_are_gap_free_and_unique_under_concurrency() {
    let db = TestDatabase::new().await;
    let t = tenant();
    let mut drafts = Vec::new();
    for _ in 0..12 {
        drafts.push(draft_invoice(&db.app, t).await);
    }
    let issues = drafts.iter().map(|id| {
        let folio = &db.app.use_cases;
        let context = ctx(t, "acc");
        async move {
            folio
                .issue_invoice(&context, *id, IssueInvoice::default())
                .await
        }
    });
    for result in futures::future::join_all(issues).await {
        result.unwrap();
    }
    // A refused issue (the draft is already issued) must not consume a number.
    assert!(db
        .app
        .use_cases
        .issue_invoice(&ctx(t, "acc"), drafts[0], IssueInvoice::default())
        .await
        .is_err());
    let numbers: Vec<i64> = sqlx::query_scalar("SELECT (payload -> 'InvoiceIssued' -> 'number' ->> 'sequence')::bigint FROM events WHERE tenant_id = $1 AND event_type = 'InvoiceIssued' ORDER BY 1")
        .bind(t.0)
        .fetch_all(&db.app.pool)
        .await
        .unwrap();
    assert_eq!(numbers, (1..=12).collect::<Vec<i64>>());
    // Another tenant starts its own series at 1.
    let other = tenant();
    issued_invoice(&db.app, other).await;
    let first: i64 =
        sqlx::query_scalar("SELECT max(sequence) FROM document_numbers WHERE tenant_id = $1")
            .bind(other.0)
            .fetch_one(&db.app.pool)
            .await
            .unwrap();
    assert_eq!(first, 1);
}

#[tokio::test]
async fn the_store_refuses_a_number_that_is_not_the_next_one() {
    let db = TestDatabase::new().await;
    let t = tenant();
    issued_invoice(&db.app, t).await;
    let forged = serde_json::json!({"InvoiceIssued": {"number": {"series": "INV", "sequence": 5}}});
    let error = sqlx::query("INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) VALUES ('Invoice', 'x', 1, 'InvoiceIssued', '1', $1, $2)")
        .bind(forged)
        .bind(serde_json::json!({"tenant_id": t.to_string()}))
        .execute(&db.app.pool)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("not the next in its series"),
        "{error}"
    );
}

#[tokio::test]
async fn another_tenants_invoice_is_not_found_and_unchanged() {
    let db = TestDatabase::new().await;
    let owner = tenant();
    let invoice = issued_invoice(&db.app, owner).await;
    let before = event_count(&db.app).await;
    let error = db
        .app
        .use_cases
        .record_payment(&ctx(tenant(), "intruder"), invoice, payment(100))
        .await
        .unwrap_err();
    assert!(matches!(error, CommandError::NotFound { .. }), "{error:?}");
    assert_eq!(error.code(), folio_domain::ErrorCode::NotFound);
    assert_eq!(event_count(&db.app).await, before);
}

#[tokio::test]
async fn an_invoice_cannot_be_drafted_for_another_tenants_customer() {
    let db = TestDatabase::new().await;
    let owner = tenant();
    let customer = db
        .app
        .use_cases
        .register_customer(&ctx(owner, "acc"), customer_input())
        .await
        .unwrap();
    let error = db
        .app
        .use_cases
        .create_invoice_draft(
            &ctx(tenant(), "acc"),
            CreateInvoiceDraft {
                invoice_id: None,
                customer_id: customer.aggregate_id.parse().unwrap(),
                currency: Some(scenario::eur()),
                due_terms: None,
                notes: None,
                price_basis: None,
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error.rejection(), Some(InvoiceError::CustomerNotFound(_))),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_stale_expected_version_is_a_typed_conflict() {
    let db = TestDatabase::new().await;
    let t = tenant();
    let invoice = issued_invoice(&db.app, t).await;
    let context: CommandContext = ctx(t, "acc").expecting_version(1);
    let error = db
        .app
        .use_cases
        .record_payment(&context, invoice, payment(100))
        .await
        .unwrap_err();
    match error {
        CommandError::Conflict {
            expected, actual, ..
        } => assert_eq!((expected, actual), (Some(1), 3)),
        other => panic!("{other:?}"),
    }
    let context = ctx(t, "acc").expecting_version(3);
    let (outcome, _) = db
        .app
        .use_cases
        .record_payment(&context, invoice, payment(100))
        .await
        .unwrap();
    assert_eq!(outcome.version, 4);
}

#[tokio::test]
async fn long_streams_are_loaded_from_snapshots() {
    let db = TestDatabase::new().await;
    let t = tenant();
    let invoice = issued_invoice(&db.app, t).await;
    for _ in 0..120 {
        db.app
            .use_cases
            .record_payment(&ctx(t, "acc"), invoice, payment(1))
            .await
            .unwrap();
    }
    let last_snapshot: i64 =
        sqlx::query_scalar("SELECT last_sequence FROM snapshots WHERE aggregate_id = $1")
            .bind(invoice.to_string())
            .fetch_one(&db.app.pool)
            .await
            .unwrap();
    assert!(last_snapshot >= 100, "snapshot at {last_snapshot}");
    // The aggregate loaded from snapshot + tail agrees with the full history.
    let (outcome, _) = db
        .app
        .use_cases
        .record_payment(&ctx(t, "acc"), invoice, payment(1))
        .await
        .unwrap();
    assert_eq!(outcome.version, 3 + 121);
}

#[tokio::test(flavor = "multi_thread")]
async fn more_concurrent_commands_than_connections_all_complete() {
    // Given a backend whose pool has 4 connections (a command needs 2 at its peak).
    let db = TestDatabase::new().await;
    let pool =
        folio_infra::postgres::pool::connect_with(&db.url, 4, std::time::Duration::from_secs(10))
            .await
            .unwrap();
    let backend = std::sync::Arc::new(
        App::over(pool, &folio::config::Config::for_database(&db.url)).unwrap(),
    );
    let t = tenant();

    // When 16 commands run at once.
    let mut running = tokio::task::JoinSet::new();
    for n in 0..16 {
        let backend = backend.clone();
        running.spawn(async move {
            let mut input = customer_input();
            input.contact.name = format!("Customer {n}");
            backend
                .use_cases
                .register_customer(&ctx(t, "acc"), input)
                .await
        });
    }

    // Then each one completes (none holds a lease while starving the others of
    // the connection it needs to finish).
    while let Some(outcome) = running.join_next().await {
        outcome.unwrap().expect("the command completes");
    }
    assert_eq!(event_count(&backend).await, 16);
}

#[tokio::test]
async fn numbering_follows_the_dates_through_the_store() {
    let db = TestDatabase::new().await;
    let t = tenant();
    let today = chrono::Utc::now().date_naive();
    let yesterday = today - chrono::Days::new(1);
    let issue = |invoice, on| {
        let app = db.app.clone();
        async move {
            app.use_cases
                .issue_invoice(
                    &ctx(t, "acc"),
                    invoice,
                    IssueInvoice {
                        issue_date: Some(on),
                        prepaid: None,
                        exchange_rate: None,
                    },
                )
                .await
        }
    };
    // Given INV-1 issued today (its date recorded beside its number)
    let first = draft_invoice(&db.app, t).await;
    issue(first, today).await.expect("first");
    // When the next draft is dated yesterday, Then numbering refuses it, as a
    // VALIDATION error that took no number
    let second = draft_invoice(&db.app, t).await;
    let before = event_count(&db.app).await;
    match issue(second, yesterday).await {
        Err(CommandError::Rejected(InvoiceError::Dating(refused))) => {
            assert!(refused
                .to_string()
                .contains("numbering must follow the dates"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(event_count(&db.app).await, before);
    // And dated tomorrow, it is refused as in the future
    let tomorrow = today + chrono::Days::new(1);
    assert!(matches!(
        issue(second, tomorrow).await,
        Err(CommandError::Rejected(InvoiceError::Dating(_)))
    ));
    // When dated today, Then it gets the next number, with no gap
    issue(second, today).await.expect("second");
    let dates: Vec<(i64, Option<chrono::NaiveDate>)> = sqlx::query_as(
        "SELECT sequence, issue_date FROM document_numbers WHERE tenant_id = $1 ORDER BY 1",
    )
    .bind(t.0)
    .fetch_all(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(dates, vec![(1, Some(today)), (2, Some(today))]);
}

#[tokio::test]
async fn a_draft_of_a_customer_archived_since_is_not_issued() {
    let db = TestDatabase::new().await;
    let t = tenant();
    // Given a draft, and its customer archived afterwards
    let customer = scenario::customer(&db.app, t, "Gone GmbH").await;
    let invoice = scenario::draft(&db.app, t, customer).await;
    let item = scenario::line("Consulting", 1, 10_000, vec![scenario::vat19()]);
    scenario::add_line(&db.app, t, invoice, item).await;
    db.app
        .use_cases
        .archive_customer(&ctx(t, "acc"), customer, "closed".into())
        .await
        .expect("archive");
    // When the draft is issued, Then it is refused and takes no number
    let refused = db
        .app
        .use_cases
        .issue_invoice(&ctx(t, "acc"), invoice, IssueInvoice::default())
        .await;
    assert!(
        matches!(
            refused,
            Err(CommandError::Rejected(InvoiceError::CustomerArchived(c))) if c == customer
        ),
        "{refused:?}"
    );
    let numbers: i64 =
        sqlx::query_scalar("SELECT count(*) FROM document_numbers WHERE tenant_id = $1")
            .bind(t.0)
            .fetch_one(&db.app.pool)
            .await
            .unwrap();
    assert_eq!(numbers, 0);
}
