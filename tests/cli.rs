//! The `folio` binary end to end: migrate, demo, events, and the error a person sees
//! when Postgres is down.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::process::Command;

use support::TestDatabase;

fn folio(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .output()
        .expect("run folio")
}

#[tokio::test]
async fn demo_builds_every_state_through_real_commands_and_events_shows_them() {
    let db = TestDatabase::new().await;
    let demo = folio(&db.url, &["demo"]);
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let summary = String::from_utf8(demo.stdout).unwrap();
    for state in [
        "draft",
        "issued",
        "sent",
        "partially paid",
        "paid",
        "void",
        "credited",
        "overdue",
        "reimbursed",
        "rejected",
        "returned",
    ] {
        assert!(summary.contains(state), "summary lacks {state}:\n{summary}");
    }
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT event_type FROM events ORDER BY 1")
            .fetch_all(&db.backend.pool)
            .await
            .unwrap();
    for kind in [
        "InvoiceIssued",
        "PaymentRecorded",
        "CreditNoteIssued",
        "InvoiceVoided",
        "ExpenseReimbursed",
        "ExpenseReturned",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "no {kind} in {kinds:?}");
    }

    let jsonl = folio(&db.url, &["events", "--limit", "5", "--format", "jsonl"]);
    assert!(jsonl.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(jsonl.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert!(lines
        .windows(2)
        .all(|w| w[0]["global_position"].as_i64() < w[1]["global_position"].as_i64()));

    let invoice_id = summary
        .lines()
        .find(|l| l.trim_end().ends_with("  paid"))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    let table = folio(&db.url, &["events", "--aggregate-id", invoice_id]);
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.contains("DraftCreated v1") && table.contains("PaymentRecorded v1"),
        "{table}"
    );
}

#[test]
fn an_unreachable_postgres_is_one_clear_line() {
    let out = folio("postgres://root@127.0.0.1:1/folio", &["migrate"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("cannot reach Postgres at 127.0.0.1:1/folio"),
        "{stderr}"
    );
}

#[tokio::test]
async fn migrate_creates_a_missing_database() {
    let db = TestDatabase::new().await;
    let url = db.url.replace(&db.name, &format!("{}_fresh", db.name));
    let out = folio(&url, &["migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(format!("{}_fresh", db.name))
            .fetch_one(&db.backend.pool)
            .await
            .unwrap();
    assert!(exists);
    sqlx::query(&format!("DROP DATABASE \"{}_fresh\" WITH (FORCE)", db.name))
        .execute(&db.backend.pool)
        .await
        .unwrap();
}
