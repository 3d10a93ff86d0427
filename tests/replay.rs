//! Upgrading a store an earlier release wrote. The fixture under
//! `tests/fixtures/replay/<revision>/` is that release's whole database after
//! its own `demo` and projectors ran (`scripts/replay-fixture` writes it), the
//! audit digest it printed, and what its read models showed. Restored as an
//! operator would restore it, today's `folio` must migrate it, verify it
//! against the kept digest, rebuild read models that show the same, and go on
//! writing to its aggregates.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use folio::wiring::App;
use folio_commands::{ApproveExpense, RecordPayment};
use folio_domain::ids::{ExpenseId, InvoiceId, TenantId};
use folio_domain::invoice::PaymentMethod;
use folio_domain::money::{Currency, Money};
use rust_decimal::Decimal;
use serde_json::Value;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use uuid::Uuid;

use support::{ctx, folio, server_url, TestDatabase};

/// Main before issue 17: the release whose store the issue asks to replay.
const BEFORE_ISSUE_17: &str = "829eaae";
/// Main with books in EUR, an MXN invoice booked at a rate and a tax-rate
/// catalogue, before projector v13 and the books' rule for credit.
const FOREIGN_BOOKS: &str = "77bb78b";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/replay")
}

fn fixture(revision: &str) -> PathBuf {
    fixtures().join(revision)
}

/// A new database holding `revision`'s dump, restored with `psql` as an
/// operator restores a plain `pg_dump`. The roles it grants to are the
/// cluster's, which a dump does not carry: they are made first, as the
/// earlier release's migrations made them.
async fn restored(revision: &str) -> TestDatabase {
    let name = format!("folio_test_{}", Uuid::new_v4().simple());
    let server = PgConnectOptions::from_str(&server_url()).unwrap();
    let mut conn = server.connect().await.unwrap();
    sqlx::raw_sql(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
        .unwrap();
    for role in ["folio_bi", "folio_api"] {
        sqlx::raw_sql(&format!(
            "DO $$ BEGIN CREATE ROLE {role} NOLOGIN;
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    conn.close().await.unwrap();
    let url = server.database(&name).to_url_lossy().to_string();
    let dump = fixture(revision).join("store.sql");
    let restore = Command::new("psql")
        .args(["-q", "-X", "-v", "ON_ERROR_STOP=1", "-f"])
        .arg(&dump)
        .arg(folio::config::psql_url(&url).unwrap())
        .output()
        .expect("run psql");
    assert!(
        restore.status.success(),
        "restoring {}: {}",
        dump.display(),
        String::from_utf8_lossy(&restore.stderr)
    );
    // Today's binary migrates it, as an operator upgrading would.
    succeeds(folio(&url, &["migrate"]), "folio migrate");
    let app = App::start_at(&url).await.expect("the upgraded database");
    TestDatabase { name, url, app }
}

fn succeeds(output: std::process::Output, what: &str) {
    assert!(
        output.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `tests/fixtures/replay/state.sql` asked of `db`'s read models.
async fn read_state(db: &TestDatabase) -> Value {
    let query = std::fs::read_to_string(fixtures().join("state.sql")).unwrap();
    let state: Value = sqlx::query_scalar(&query)
        .fetch_one(&db.app.pool)
        .await
        .unwrap();
    state
}

/// Each section of `expected` row by row, naming the first row that differs.
fn assert_same_state(revision: &str, expected: &Value, actual: &Value) {
    let sections = expected.as_object().expect("state.json is an object");
    for (section, rows) in sections {
        let (rows, now) = (
            rows.as_array().map(Vec::as_slice).unwrap_or_default(),
            actual[section]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default(),
        );
        for (then, now) in rows.iter().zip(now) {
            assert_eq!(
                then, now,
                "{section}: a row differs from what {revision} showed"
            );
        }
        assert_eq!(rows.len(), now.len(), "{section}: rows then and now");
    }
}

#[tokio::test]
async fn a_store_written_before_issue_17_upgrades_and_replays_to_the_same_state() {
    upgrades_and_replays(BEFORE_ISSUE_17).await;
}

#[tokio::test]
async fn a_store_with_foreign_books_upgrades_and_replays_to_the_same_state() {
    upgrades_and_replays(FOREIGN_BOOKS).await;
}

/// The upgrade of `revision`'s fixture, from restore to today's commands.
async fn upgrades_and_replays(revision: &str) {
    // Given the database `revision` left, restored and migrated.
    let db = restored(revision).await;
    let fixture = fixture(revision);
    let digest = std::fs::read_to_string(fixture.join("digest.txt")).unwrap();
    let digest = digest.split_whitespace().next().expect("a digest");

    // Then every hash chain still holds, up to the head the auditor kept.
    succeeds(
        folio(&db.url, &["audit", "verify", "--since", digest]),
        "folio audit verify",
    );

    // When today's projectors install over the old read models.
    succeeds(
        folio(&db.url, &["projections", "run", "--until-caught-up"]),
        "folio projections run",
    );

    // Then they show what the earlier release showed.
    let then: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture.join("state.json")).unwrap())
            .unwrap();
    assert!(
        then["invoices"]
            .as_array()
            .is_some_and(|rows| rows.len() > 5),
        "the fixture holds invoices"
    );
    assert_same_state(revision, &then, &read_state(&db).await);

    // And today's commands go on from the replayed aggregates.
    go_on_with_today_s_commands(&db).await;
    succeeds(
        folio(&db.url, &["projections", "run", "--until-caught-up"]),
        "folio projections run",
    );
    assert!(
        open_invoices(&db).await.is_empty(),
        "every open invoice is paid"
    );
    assert!(
        waiting_expenses(&db).await.is_empty(),
        "every claim is decided"
    );
    succeeds(
        folio(&db.url, &["audit", "verify", "--since", digest]),
        "folio audit verify",
    );
}

/// Every open invoice takes a payment of exactly what it still owes, and
/// every claim the earlier release left waiting for approval is approved.
async fn go_on_with_today_s_commands(db: &TestDatabase) {
    let open = open_invoices(db).await;
    assert!(!open.is_empty(), "the demo left open invoices");
    for (tenant, invoice, due) in &open {
        let payment = RecordPayment {
            payment_id: None,
            amount: *due,
            received_on: None,
            method: PaymentMethod::BankTransfer,
            reference: Some("after the upgrade".into()),
            exchange_rate: None,
        };
        db.app
            .use_cases
            .record_payment(&ctx(*tenant, "replay"), *invoice, payment)
            .await
            .unwrap_or_else(|e| panic!("paying {invoice:?} after the upgrade: {e}"));
    }
    let waiting = waiting_expenses(db).await;
    assert!(!waiting.is_empty(), "the demo left a claim waiting");
    for (tenant, expense) in &waiting {
        let approval = ApproveExpense {
            comment: Some("after the upgrade".into()),
        };
        db.app
            .use_cases
            .approve_expense(&ctx(*tenant, "replay-approver"), *expense, approval)
            .await
            .unwrap_or_else(|e| panic!("approving {expense:?} after the upgrade: {e}"));
    }
}

/// Claims waiting for an approval.
async fn waiting_expenses(db: &TestDatabase) -> Vec<(TenantId, ExpenseId)> {
    let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT tenant_id, expense_id FROM folio_read.expenses
         WHERE status = 'PENDING_APPROVAL' ORDER BY expense_id",
    )
    .fetch_all(&db.app.pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(tenant, expense)| (TenantId(tenant), ExpenseId(expense)))
        .collect()
}

/// Issued or sent invoices with something due, with what is due.
async fn open_invoices(db: &TestDatabase) -> Vec<(TenantId, InvoiceId, Money)> {
    let rows: Vec<(Uuid, Uuid, String, Decimal)> = sqlx::query_as(
        "SELECT tenant_id, invoice_id, currency, amount_due FROM folio_read.invoices
         WHERE status IN ('ISSUED', 'SENT') AND amount_due > 0 ORDER BY invoice_id",
    )
    .fetch_all(&db.app.pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(tenant, invoice, currency, due)| {
            let currency = Currency::from_code(&currency).unwrap();
            (
                TenantId(tenant),
                InvoiceId(invoice),
                Money::new(due, currency),
            )
        })
        .collect()
}
