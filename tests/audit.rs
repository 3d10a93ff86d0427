//! Tamper evidence end to end: a store written through real commands verifies
//! clean with `folio audit verify`; every kind of tampering a superuser can do
//! through SQL (with the append-only and hash triggers disabled) is reported with
//! its stream, sequence and reason, and makes the command exit non-zero; sealed
//! exports verify offline and break when edited.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::process::Output;

use folio_domain::ids::{CustomerId, InvoiceId, TenantId};
use support::scenario::{customer, issued_invoice, pay};
use support::{folio, tenant, TestDatabase};

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `folio audit verify` with `args`: its stdout, asserting it exited as `clean`.
fn verify(db: &TestDatabase, args: &[&str], clean: bool) -> String {
    let mut all = vec!["audit", "verify"];
    all.extend_from_slice(args);
    let output = folio(&db.url, &all);
    assert_eq!(
        output.status.success(),
        clean,
        "verify {args:?}: stdout\n{}\nstderr\n{}",
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

fn digest(db: &TestDatabase) -> String {
    let output = folio(&db.url, &["audit", "digest"]);
    assert!(output.status.success(), "{output:?}");
    stdout(&output).trim().to_owned()
}

/// Books with two invoices (3 events + 2 payments each) for one customer.
struct Books {
    tenant: TenantId,
    customer: CustomerId,
    invoices: Vec<InvoiceId>,
}

async fn books(db: &TestDatabase) -> Books {
    let backend = &db.app;
    let tenant = tenant();
    let customer = customer(backend, tenant, "Acme GmbH").await;
    let mut invoices = Vec::new();
    for _ in 0..2 {
        let invoice = issued_invoice(backend, tenant, customer, 3).await;
        pay(backend, tenant, invoice, 10_000).await;
        pay(backend, tenant, invoice, 5_000).await;
        invoices.push(invoice);
    }
    Books {
        tenant,
        customer,
        invoices,
    }
}

/// Runs `sql` as the superuser with every user trigger of `events` off, as an
/// attacker with full access to the database would.
async fn tamper(db: &TestDatabase, sql: &str) {
    let mut tx = db.app.pool.begin().await.unwrap();
    sqlx::query("ALTER TABLE events DISABLE TRIGGER USER")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::raw_sql(sql).execute(&mut *tx).await.unwrap();
    sqlx::query("ALTER TABLE events ENABLE TRIGGER USER")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Asserts that one line of `report` is a break at `invoice`'s `sequence` for
/// `reason`.
fn assert_break(report: &str, invoice: InvoiceId, sequence: i64, reason: &str) {
    let at = format!("BREAK stream Invoice/{invoice}, sequence {sequence} (position");
    assert!(
        report
            .lines()
            .any(|line| line.starts_with(&at) && line.contains(reason)),
        "no break at {sequence} for {reason:?}:\n{report}"
    );
}

#[tokio::test]
async fn an_untouched_store_verifies_clean_and_its_digest_holds_later() {
    let db = TestDatabase::new().await;
    let books = books(&db).await;
    let kept = digest(&db);
    assert!(kept.starts_with("folio-audit-v1:11:"), "{kept}");

    let report = verify(&db, &[], true);
    assert!(
        report.contains("checked 11 events in 3 streams"),
        "{report}"
    );
    assert!(report.contains(&format!("head digest: {kept}")), "{report}");

    // More history on top of a kept digest: still clean, and the head moves on.
    pay(&db.app, books.tenant, books.invoices[0], 1_000).await;
    let report = verify(&db, &["--since", &kept], true);
    assert!(report.contains("checked 12 events"), "{report}");
    assert_ne!(digest(&db), kept);

    // The database's own hash is the one recomputed outside it.
    let first: (Vec<u8>, Vec<u8>) = sqlx::query_as(
        "SELECT previous_hash, hash FROM events WHERE sequence = 1 ORDER BY global_position LIMIT 1",
    )
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(first.0, vec![0u8; 32]);
    assert_eq!(first.1.len(), 32);
}

#[tokio::test]
async fn a_changed_payload_is_reported_at_its_stream_and_sequence() {
    let db = TestDatabase::new().await;
    let books = books(&db).await;
    let invoice = books.invoices[1];
    tamper(
        &db,
        &format!(
            "UPDATE events SET payload = replace(payload::text, '100.00', '1.00')::jsonb
              WHERE aggregate_id = '{invoice}' AND sequence = 4"
        ),
    )
    .await;
    let report = verify(&db, &[], false);
    assert_break(&report, invoice, 4, "its content does not match its hash");
    // Reported once: the events after it still link to its stored hash.
    assert_eq!(report.matches("BREAK").count(), 1, "{report}");
}

#[tokio::test]
async fn a_deleted_event_is_reported_where_its_stream_resumes() {
    let db = TestDatabase::new().await;
    let books = books(&db).await;
    let invoice = books.invoices[0];
    tamper(
        &db,
        &format!("DELETE FROM events WHERE aggregate_id = '{invoice}' AND sequence = 3"),
    )
    .await;
    let report = verify(&db, &[], false);
    assert_break(&report, invoice, 4, "sequences 3 to 3 are missing");
}

#[tokio::test]
async fn swapped_events_are_reported() {
    let db = TestDatabase::new().await;
    let books = books(&db).await;
    let invoice = books.invoices[0];
    // Payments 4 and 5 trade places.
    tamper(
        &db,
        &format!(
            "UPDATE events SET sequence = sequence + 100 WHERE aggregate_id = '{invoice}' AND sequence IN (4, 5);
             UPDATE events SET sequence = 109 - sequence WHERE aggregate_id = '{invoice}' AND sequence > 100;"
        ),
    )
    .await;
    let report = verify(&db, &[], false);
    assert_break(&report, invoice, 5, "sequences 4 to 4 are missing");
    assert_break(&report, invoice, 4, "it comes after sequence 5");
    assert!(
        report.contains("its content does not match its hash"),
        "{report}"
    );
}

#[tokio::test]
async fn a_removed_stream_is_caught_by_the_kept_digest() {
    let db = TestDatabase::new().await;
    let books = books(&db).await;
    let kept = digest(&db);
    let invoice = books.invoices[0];
    tamper(
        &db,
        &format!("DELETE FROM events WHERE aggregate_id = '{invoice}'"),
    )
    .await;
    // Every remaining stream is intact on its own...
    verify(&db, &[], true);
    // ...but the global chain no longer reaches the digest the auditor kept.
    let report = verify(&db, &["--since", &kept], false);
    assert!(report.contains("BREAK global chain:"), "{report}");
    assert!(
        report.contains("differs from it (6 events now, 11 when the digest was taken)")
            || report.contains("the event at the digest's position"),
        "{report}"
    );
}

#[tokio::test]
async fn an_event_appended_with_a_forged_hash_is_reported() {
    let db = TestDatabase::new().await;
    let books = books(&db).await;
    let invoice = books.invoices[1];
    // A payment nobody received, copied from the last one and given a made-up hash; the
    // link to its predecessor is right, so only its own hash gives it away.
    tamper(
        &db,
        &format!(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version,
                                 payload, metadata, previous_hash, hash)
             SELECT aggregate_type, aggregate_id, 6, event_type, event_version, payload, metadata,
                    hash, sha256('forged'::bytea)
               FROM events WHERE aggregate_id = '{invoice}' AND sequence = 5"
        ),
    )
    .await;
    let report = verify(&db, &[], false);
    assert_break(&report, invoice, 6, "its content does not match its hash");
    let _ = books.customer;
}

#[tokio::test]
async fn the_trigger_refuses_an_event_without_a_predecessor() {
    let db = TestDatabase::new().await;
    let books = books(&db).await;
    let refused = sqlx::query(&format!(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         SELECT aggregate_type, aggregate_id, 9, event_type, event_version, payload, metadata
           FROM events WHERE aggregate_id = '{}' AND sequence = 5",
        books.invoices[0]
    ))
    .execute(&db.app.pool)
    .await
    .expect_err("a gap is refused");
    assert!(
        refused.to_string().contains("has no predecessor"),
        "{refused}"
    );
    verify(&db, &[], true);
}

#[tokio::test]
async fn exports_verify_offline_and_break_when_edited() {
    let db = TestDatabase::new().await;
    let books = books(&db).await;
    // Another tenant's history stays out of the export.
    let other = tenant();
    customer(&db.app, other, "Other tenant's customer").await;
    let dir = std::env::temp_dir().join(format!("folio-audit-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let tenant = books.tenant.0.to_string();

    for format in ["jsonl", "csv"] {
        let path = dir.join(format!("export.{format}"));
        let path_text = path.to_str().unwrap();
        let output = folio(
            &db.url,
            &[
                "audit", "export", "--tenant", &tenant, "--format", format, "--output", path_text,
            ],
        );
        assert!(output.status.success(), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("exported 11 events") && stderr.contains("digest folio-export-v1:11:"),
            "{stderr}"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let last = text.lines().last().unwrap();
        assert!(
            last.contains("export_digest") && last.contains("folio-export-v1:11:"),
            "{last}"
        );
        let report = verify(&db, &["--file", path_text], true);
        assert!(
            report.contains("checked 11 events in 3 streams"),
            "{report}"
        );

        // One amount changed in the file.
        let edited = text.replacen("\"100.00\"", "\"1.00\"", 1);
        assert_ne!(edited, text, "{format}: the amount is in the file");
        std::fs::write(&path, &edited).unwrap();
        let report = verify(&db, &["--file", path_text], false);
        assert!(
            report.contains("its content does not match its hash"),
            "{format}: {report}"
        );

        // A whole stream's lines dropped, seal kept.
        let customer_id = books.customer.to_string();
        let dropped: String = text
            .lines()
            .filter(|line| {
                !line.contains(&format!("Customer\",\"aggregate_id\":\"{customer_id}"))
                    && !line.contains(&format!("Customer,{customer_id}"))
            })
            .map(|line| format!("{line}\n"))
            .collect();
        assert_eq!(
            dropped.lines().count(),
            text.lines().count() - 1,
            "{format}"
        );
        std::fs::write(&path, &dropped).unwrap();
        let report = verify(&db, &["--file", path_text], false);
        assert!(
            report.contains("do not match the digest at its end"),
            "{format}: {report}"
        );

        // Cut short: the seal is gone.
        let cut: String = text
            .lines()
            .take(5)
            .map(|line| format!("{line}\n"))
            .collect();
        std::fs::write(&path, &cut).unwrap();
        let report = verify(&db, &["--file", path_text], false);
        assert!(report.contains("it was cut short"), "{format}: {report}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
