//! The `folio` binary end to end: migrate, demo, events, and the error a person sees
//! when Postgres is down.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::process::Command;

use support::{folio, TestDatabase};

#[tokio::test]
async fn demo_builds_every_state_through_real_commands_and_events_shows_them() {
    let db = TestDatabase::new().await;
    let demo = folio(&db.url, &["demo", "--dev"]);
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
    for user in [
        "demo-admin",
        "demo-accountant",
        "demo-approver-1",
        "demo-employee",
        "demo-auditor",
    ] {
        assert!(summary.contains(user), "no token for {user}:\n{summary}");
    }
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT event_type FROM events ORDER BY 1")
            .fetch_all(&db.app.pool)
            .await
            .unwrap();
    assert!(summary.contains("--format cfdi"), "{summary}");
    let sealed_with: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE event_type = 'InvoiceIssued'
           AND payload->'InvoiceIssued'->'cfdi'->'issuer'->>'rfc' = 'AAA010101AAA'",
    )
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(
        sealed_with, 1,
        "the Mexican demo invoice records its CFDI's issuer"
    );
    for kind in [
        "CsdInstalled",
        "InvoiceIssued",
        "PaymentRecorded",
        "CreditNoteIssued",
        "InvoiceVoided",
        "ExpenseReimbursed",
        "ExpenseReturned",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "no {kind} in {kinds:?}");
    }

    // The BI hint works as printed: its psql command reads the demo's invoices.
    let hint = summary
        .lines()
        .find_map(|l| l.split_once("read models are up to date: "))
        .map(|(_, command)| command.to_owned())
        .unwrap_or_else(|| panic!("no psql hint:\n{summary}"));
    let psql = Command::new("sh").args(["-c", &hint]).output().unwrap();
    let listed = String::from_utf8_lossy(&psql.stdout);
    assert!(
        psql.status.success() && listed.contains("invoice_id") && listed.contains("PAID"),
        "{hint}\n{listed}{}",
        String::from_utf8_lossy(&psql.stderr)
    );

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
            .fetch_one(&db.app.pool)
            .await
            .unwrap();
    assert!(exists);
    sqlx::query(&format!("DROP DATABASE \"{}_fresh\" WITH (FORCE)", db.name))
        .execute(&db.app.pool)
        .await
        .unwrap();
}

fn stdout_of(output: std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn statuses(db: &TestDatabase) -> Vec<serde_json::Value> {
    stdout_of(folio(
        &db.url,
        &["projections", "status", "--format", "jsonl"],
    ))
    .lines()
    .map(|line| serde_json::from_str(line).unwrap())
    .collect()
}

#[tokio::test]
async fn projections_status_shows_lag_and_rebuild_clears_it() {
    let db = TestDatabase::new().await;
    let t = support::tenant();
    support::scenario::customer(&db.app, t, "Acme").await;

    // Not installed yet: everything is behind.
    let before = statuses(&db);
    assert_eq!(
        before.len(),
        6,
        "three read models, the two e-mail reactors and the webhook reactor"
    );
    for status in &before {
        assert_eq!(status["installed"], false, "{status}");
        assert_eq!(status["events_behind"], 1, "{status}");
        assert!(status["seconds_behind"].as_f64().unwrap() >= 0.0);
    }
    let table = stdout_of(folio(&db.url, &["projections", "status"]));
    assert!(
        table.contains("invoicing") && table.contains("missing"),
        "{table}"
    );

    // Rebuilt: installed, current, nothing behind.
    let rebuilt = stdout_of(folio(&db.url, &["projections", "rebuild", "--all"]));
    assert!(
        rebuilt.contains("rebuilt invoicing: 1 events replayed"),
        "{rebuilt}"
    );
    assert!(rebuilt.contains("rebuilt expenses"), "{rebuilt}");
    for status in statuses(&db) {
        assert_eq!(status["installed"], true, "{status}");
        assert_eq!(status["definition_current"], true, "{status}");
        assert_eq!(status["events_behind"], 0, "{status}");
        assert_eq!(status["seconds_behind"], 0.0, "{status}");
    }
    let name: String = sqlx::query_scalar("SELECT name FROM folio_read.customers")
        .fetch_one(&db.app.pool)
        .await
        .unwrap();
    assert_eq!(name, "Acme");

    // One projector by name; an unknown one is a clear error.
    let one = stdout_of(folio(&db.url, &["projections", "rebuild", "expenses"]));
    assert!(one.starts_with("rebuilt expenses"), "{one}");
    let unknown = folio(&db.url, &["projections", "rebuild", "ledger"]);
    assert!(!unknown.status.success());
    assert_eq!(
        String::from_utf8_lossy(&unknown.stderr).trim(),
        "folio: no projector is called 'ledger' (known: invoicing, expenses, directory, mail, expense_mail, webhooks)"
    );
    // A reactor is never rebuilt: that would send its e-mails again.
    let reactor = folio(&db.url, &["projections", "rebuild", "mail"]);
    assert!(!reactor.status.success());
    assert!(
        String::from_utf8_lossy(&reactor.stderr).contains("'mail' is a reactor"),
        "{}",
        String::from_utf8_lossy(&reactor.stderr)
    );
}

#[tokio::test]
async fn projections_run_until_caught_up_applies_new_events() {
    let db = TestDatabase::new().await;
    let t = support::tenant();
    support::scenario::customer(&db.app, t, "Acme").await;
    stdout_of(folio(&db.url, &["projections", "run", "--until-caught-up"]));
    support::scenario::customer(&db.app, t, "Globex").await;
    stdout_of(folio(&db.url, &["projections", "run", "--until-caught-up"]));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM folio_read.customers")
        .fetch_one(&db.app.pool)
        .await
        .unwrap();
    assert_eq!(count, 2);
    assert!(statuses(&db).iter().all(|s| s["events_behind"] == 0));
}

#[test]
fn token_mints_a_verifiable_token_with_the_configured_secret() {
    let secret = "cli-test-secret-of-at-least-32-bytes!";
    let tenant = uuid::Uuid::now_v7();
    let output = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args([
            "token",
            "--tenant",
            &tenant.to_string(),
            "--role",
            "approver",
        ])
        .args(["--role", "employee", "--subject", "ann"])
        .env("FOLIO_JWT_SECRET", secret)
        .output()
        .unwrap();
    let token = stdout_of(output);
    let principal = folio_api::TokenKeys::hs256(secret.as_bytes())
        .unwrap()
        .verify(token.trim())
        .unwrap();
    assert_eq!(principal.tenant_id.0, tenant);
    assert_eq!(principal.user.0, "ann");
    assert_eq!(
        principal.roles,
        vec![folio_api::Role::Approver, folio_api::Role::Employee]
    );
    let refused = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args([
            "token",
            "--tenant",
            &tenant.to_string(),
            "--role",
            "owner",
            "--subject",
            "x",
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unknown role 'owner'"));
}

#[tokio::test]
async fn serve_refuses_to_start_without_a_key_or_with_the_development_secret_off_loopback() {
    let db = TestDatabase::new().await;
    let serve = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_folio"));
        command
            .arg("serve")
            .args(args)
            .env("DATABASE_URL", &db.url)
            .env_remove("FOLIO_JWT_SECRET")
            .env_remove("FOLIO_JWT_PUBLIC_KEY")
            .env_remove("FOLIO_DEV")
            .envs(env.iter().copied());
        command
    };
    let refusal = |mut command: Command| {
        let output = command.output().unwrap();
        assert!(!output.status.success(), "{command:?} started");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    // No key, no development mode: nothing could check a token.
    let said = refusal(serve(&["--listen", "127.0.0.1:0"], &[]));
    assert!(
        said.contains("no token key") && said.contains("--dev"),
        "{said}"
    );
    // The published development secret on every interface.
    let said = refusal(serve(&["--listen", "0.0.0.0:0", "--dev"], &[]));
    assert!(
        said.contains("loopback only") && said.contains("FOLIO_JWT_SECRET"),
        "{said}"
    );
    let said = refusal(serve(&["--listen", "0.0.0.0:0"], &[("FOLIO_DEV", "true")]));
    assert!(said.contains("loopback only"), "{said}");
    // On loopback, development mode serves.
    let mut started = serve(&["--listen", "127.0.0.1:0", "--dev"], &[])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(started.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let _ = started.kill();
    let _ = started.wait();
    assert!(
        line.starts_with("folio: serving GraphQL on http://127.0.0.1:"),
        "{line}"
    );
}

/// `folio token` for tenant 1, with `FOLIO_DEV` set to `value` and no key.
fn token_with_dev_set_to(value: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["token", "--tenant", &uuid::Uuid::now_v7().to_string()])
        .args(["--role", "admin", "--subject", "ann"])
        .env_remove("FOLIO_JWT_SECRET")
        .env_remove("FOLIO_JWT_PUBLIC_KEY")
        .env_remove("FOLIO_OIDC_ISSUER")
        .env("FOLIO_DEV", value)
        .output()
        .unwrap()
}

#[test]
fn folio_dev_takes_every_spelling_an_environment_file_uses() {
    for on in ["1", "true", "yes", "on", "TRUE", "Yes"] {
        let output = token_with_dev_set_to(on);
        assert!(
            output.status.success(),
            "FOLIO_DEV={on}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    for off in ["0", "false", "no", "off"] {
        let output = token_with_dev_set_to(off);
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "FOLIO_DEV={off} started");
        assert!(said.contains("no token key"), "FOLIO_DEV={off}: {said}");
    }
    let output = token_with_dev_set_to("maybe");
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("FOLIO_DEV")
            || String::from_utf8_lossy(&output.stderr).contains("--dev"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn help_says_a_command_without_a_key_refuses_unless_in_development_mode() {
    let output = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    // clap wraps long help to the terminal: compare words, not lines.
    let help = stdout_of(output)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        !help.contains("a published development secret is used"),
        "{help}"
    );
    assert!(
        help.contains("commands that need tokens refuse to start unless --dev"),
        "{help}"
    );
}

#[test]
fn a_malformed_master_key_is_refused_once_saying_what_a_key_is() {
    let output = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args([
            "token",
            "--dev",
            "--tenant",
            &uuid::Uuid::now_v7().to_string(),
        ])
        .args(["--role", "admin", "--subject", "ann"])
        .env("FOLIO_PERSONAL_DATA_MASTER_KEY", "not-a-key")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{said}");
    assert_eq!(said.matches("not hexadecimal").count(), 1, "{said}");
    assert!(said.contains("64 hexadecimal characters"), "{said}");
}

#[test]
fn help_never_prints_the_database_password() {
    let output = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["migrate", "--help"])
        .env(
            "DATABASE_URL",
            "postgres://folio:hunter2-secret@db:5432/folio",
        )
        .output()
        .unwrap();
    let help = stdout_of(output);
    assert!(help.contains("DATABASE_URL"), "{help}");
    assert!(!help.contains("hunter2-secret"), "{help}");
}
