//! Projections on a real Postgres: exactly-once effect across crashes, redelivery,
//! incremental projection equal to a rebuild, swaps that keep serving, the BI role.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use folio_infra::postgres::feed::read_after;
use folio_infra::{ProjectionConfig, ProjectionRunError};
use folio_projections::{
    apply_events, BatchHooks, Checkpoint, FeedPosition, ProjectionError, Target,
};
use rust_decimal::Decimal;
use support::scenario::{customer, every_event_type, issued_invoice, pay};
use support::{assert_same_read_models, read_models, tenant, TestDatabase};
use tokio::sync::mpsc;

/// Small batches, so a scenario spans many transactions.
fn small_batches() -> ProjectionConfig {
    ProjectionConfig {
        batch_size: 7,
        poll_interval: Duration::from_millis(50),
        ..ProjectionConfig::default()
    }
}

/// Where a batch stops forever, once the `after`-th batch reaches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KillPoint {
    BeforeCommit,
    AfterCommit,
}

/// Hooks that freeze the `after`-th batch at `point` and report it, so the test can
/// abort the task right there.
#[derive(Debug)]
struct Freeze {
    point: KillPoint,
    after: usize,
    batches: AtomicUsize,
    frozen: mpsc::UnboundedSender<()>,
}

impl Freeze {
    async fn reached(&self, point: KillPoint) {
        if point != self.point {
            return;
        }
        if self.batches.fetch_add(1, Ordering::SeqCst) + 1 == self.after {
            self.frozen.send(()).unwrap();
            std::future::pending::<()>().await;
        }
    }
}

#[async_trait]
impl BatchHooks for Freeze {
    async fn before_commit(&self, _projector: &str) {
        self.reached(KillPoint::BeforeCommit).await;
    }
    async fn after_commit(&self, _projector: &str) {
        self.reached(KillPoint::AfterCommit).await;
    }
}

async fn checkpoint(db: &TestDatabase, projector: &str) -> FeedPosition {
    let mut conn = db.app.pool.acquire().await.unwrap();
    Checkpoint::load(&mut conn, projector)
        .await
        .unwrap()
        .unwrap()
        .position
}

/// Kills a projector at `point` in its third batch, restarts it, and checks the
/// result against a clean rebuild.
async fn killed_and_restarted_equals_a_rebuild(point: KillPoint) {
    let db = TestDatabase::new().await;
    let projections = db.app.projections().with_config(small_batches());
    projections.install().await.unwrap();
    every_event_type(&db.app, tenant()).await;
    let before = checkpoint(&db, "invoicing").await;

    // Given a projector frozen in its third batch at the kill point.
    let (frozen, mut reached) = mpsc::unbounded_channel();
    let hooks = Arc::new(Freeze {
        point,
        after: 3,
        batches: AtomicUsize::new(0),
        frozen,
    });
    let doomed = projections.clone().with_hooks(hooks);
    let invoicing = doomed.projector("invoicing").unwrap();
    let task = tokio::spawn(async move { doomed.follow(invoicing).await });
    tokio::time::timeout(Duration::from_secs(30), reached.recv())
        .await
        .expect("the projector reached the kill point")
        .unwrap();

    // When the task is killed there.
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    let after_kill = checkpoint(&db, "invoicing").await;
    assert_ne!(
        after_kill, before,
        "two batches were committed before the kill"
    );

    // Then a restarted runner finishes, and its tables equal a clean rebuild's.
    projections.catch_up().await.unwrap();
    let restarted = read_models(&db.app.pool).await;
    projections.rebuild_all().await.unwrap();
    let rebuilt = read_models(&db.app.pool).await;
    assert_same_read_models(&restarted, &rebuilt);
    assert!(restarted["invoices"].as_array().unwrap().len() >= 4);
}

#[tokio::test]
async fn killed_between_the_read_model_write_and_the_commit_loses_nothing() {
    killed_and_restarted_equals_a_rebuild(KillPoint::BeforeCommit).await;
}

#[tokio::test]
async fn killed_between_the_commit_and_the_next_batch_applies_nothing_twice() {
    killed_and_restarted_equals_a_rebuild(KillPoint::AfterCommit).await;
}

#[tokio::test]
async fn a_redelivered_event_changes_nothing() {
    let db = TestDatabase::new().await;
    every_event_type(&db.app, tenant()).await;
    let projections = db.app.projections();
    projections.catch_up().await.unwrap();
    let before = read_models(&db.app.pool).await;
    assert_eq!(
        before["archived_documents"].as_array().map(Vec::len),
        Some(6),
        "the three archives' two files each (an invoice's, a complement's, a credit note's) are rows"
    );

    // When every event is delivered again to every projector.
    let events = read_after(
        &mut db.app.pool.acquire().await.unwrap(),
        FeedPosition::ORIGIN,
        10_000,
    )
    .await
    .unwrap();
    for projector in projections.projectors() {
        let mut tx = db.app.pool.begin().await.unwrap();
        Target::live().enter(&mut tx).await.unwrap();
        let applied = apply_events(&mut tx, projector.as_ref(), &events)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            applied.applied,
            0,
            "{} applied a duplicate",
            projector.name()
        );
        assert!(applied.duplicates > 0);
    }

    // Then no row changed.
    assert_same_read_models(&before, &read_models(&db.app.pool).await);
}

#[tokio::test]
async fn an_event_whose_predecessor_was_never_applied_stops_the_projector() {
    let db = TestDatabase::new().await;
    let projections = db.app.projections();
    projections.install().await.unwrap();
    let t = tenant();
    let acme = customer(&db.app, t, "Acme").await;
    let invoice = issued_invoice(&db.app, t, acme, 1).await;
    pay(&db.app, t, invoice, 100).await;
    // (Read from the store directly: the feed may still hold it back.)
    let events =
        folio_infra::postgres::history::aggregate_history(&db.app.pool, &invoice.to_string())
            .await
            .unwrap();
    let payment = events
        .iter()
        .filter(|e| e.event_type == "PaymentRecorded")
        .cloned()
        .collect::<Vec<_>>();

    // When a projector that has seen nothing of the invoice gets only its payment.
    let mut tx = db.app.pool.begin().await.unwrap();
    Target::live().enter(&mut tx).await.unwrap();
    let invoicing = projections.projector("invoicing").unwrap();
    let result = apply_events(&mut tx, invoicing.as_ref(), &payment).await;
    drop(tx);

    // Then it refuses, naming the stream and what it has applied.
    match result {
        Err(ProjectionError::Gap { at, applied }) => {
            assert_eq!((at.sequence, applied), (payment[0].sequence, 0));
        }
        other => panic!("expected a gap, got {other:?}"),
    }
}

#[tokio::test]
async fn incremental_projection_of_the_demo_equals_a_full_rebuild() {
    let db = TestDatabase::new().await;
    let projections = db.app.projections().with_config(small_batches());
    projections.install().await.unwrap();

    // Given projectors that follow the feed while the demo and the scenario run.
    let follower = projections.clone();
    let running = tokio::spawn(async move { follower.run().await });
    let demo = tokio::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["demo", "--dev"])
        .env("DATABASE_URL", &db.url)
        .output()
        .await
        .unwrap();
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    every_event_type(&db.app, tenant()).await;

    // When they have caught up.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let statuses = projections.status().await.unwrap();
        if statuses.iter().all(|s| s.events_behind == 0) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not caught up: {statuses:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running.abort();
    let incremental = read_models(&db.app.pool).await;

    // Then a full rebuild produces the very same rows.
    projections.rebuild_all().await.unwrap();
    assert_same_read_models(&incremental, &read_models(&db.app.pool).await);
    // And every customer's balance is its documents less its money.
    let unbalanced: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT tenant_id, customer_id, currency, sum(amount) AS ledger
                               FROM folio_read.customer_ledger GROUP BY 1, 2, 3) l
             FULL JOIN folio_read.customer_balances b USING (tenant_id, customer_id, currency)
         WHERE coalesce(l.ledger, 0) <> coalesce(b.balance, 0)",
    )
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(
        unbalanced, 0,
        "a customer's balance differs from its ledger"
    );
    // And in the books an invoice that owes nothing and holds nothing holds
    // nothing there either (the foreign one among them).
    let settled_in_the_books: Vec<(bool, Decimal)> = sqlx::query_as(
        "SELECT bool_or(accounting_currency <> currency), sum(accounting_amount)
         FROM folio_read.customer_ledger GROUP BY invoice_id HAVING sum(amount) = 0",
    )
    .fetch_all(&db.app.pool)
    .await
    .unwrap();
    assert!(
        settled_in_the_books.iter().any(|(foreign, _)| *foreign),
        "the scenario settles a foreign invoice"
    );
    assert!(
        settled_in_the_books.iter().all(|(_, left)| left.is_zero()),
        "settled, yet left in the books: {settled_in_the_books:?}"
    );
    let held: Decimal = sqlx::query_scalar(
        "SELECT coalesce(sum(credit_amount), 0) FROM folio_read.customer_balances",
    )
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert!(held > Decimal::ZERO, "the scenario holds customer credit");
    let invoices = incremental["invoices"].as_array().unwrap().len();
    assert!(
        invoices >= 12,
        "demo and scenario invoices are projected: {invoices}"
    );
}

#[tokio::test]
async fn a_rebuild_swaps_atomically_while_readers_keep_reading() {
    let db = TestDatabase::new().await;
    every_event_type(&db.app, tenant()).await;
    let projections = db.app.projections();
    projections.catch_up().await.unwrap();
    let expected: (i64, rust_decimal::Decimal) =
        sqlx::query_as("SELECT count(*), sum(total) FROM folio_read.invoices")
            .fetch_one(&db.app.pool)
            .await
            .unwrap();

    // Given readers querying the live tables without pause.
    let pool = db.app.pool.clone();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let pool = pool.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut reads = 0u32;
                while !stop.load(Ordering::SeqCst) {
                    let seen: (i64, rust_decimal::Decimal) = sqlx::query_as(
                        "SELECT count(*), sum(total) FROM folio_read.invoice_overview",
                    )
                    .fetch_one(&pool)
                    .await
                    .expect("the read models stay readable during a rebuild");
                    assert_eq!(seen, expected, "a reader saw a partial table");
                    reads += 1;
                }
                reads
            })
        })
        .collect();

    // When the projections are rebuilt several times.
    for _ in 0..3 {
        projections.rebuild_all().await.unwrap();
    }
    stop.store(true, Ordering::SeqCst);

    // Then every read succeeded with the full data.
    for reader in readers {
        assert!(reader.await.unwrap() > 0);
    }
}

#[tokio::test]
async fn the_bi_role_reads_the_read_models_and_nothing_else() {
    let db = TestDatabase::new().await;
    every_event_type(&db.app, tenant()).await;
    db.app.projections().catch_up().await.unwrap();
    let mut conn = db.app.pool.acquire().await.unwrap();

    async fn as_bi(conn: &mut sqlx::PgConnection, sql: &str) -> Result<(), String> {
        let mut tx = sqlx::Connection::begin(&mut *conn).await.unwrap();
        sqlx::query("SET LOCAL ROLE folio_bi")
            .execute(&mut *tx)
            .await
            .unwrap();
        let result = sqlx::raw_sql(sql).execute(&mut *tx).await;
        tx.rollback().await.unwrap();
        result.map(drop).map_err(|e| e.to_string())
    }

    for readable in [
        "SELECT * FROM folio_read.invoices",
        "SELECT * FROM folio_read.invoice_overview",
        "SELECT * FROM folio_read.ar_aging",
        "SELECT * FROM folio_read.revenue_by_month",
        "SELECT * FROM folio_read.tax_summary",
        "SELECT * FROM folio_read.expenses_by_category_month",
        "SELECT * FROM folio_read.reimbursement_batches",
    ] {
        as_bi(&mut conn, readable).await.unwrap();
    }
    for forbidden in [
        "SELECT * FROM public.events",
        "SELECT * FROM public.snapshots",
        "SELECT * FROM public.command_outcomes",
        "SELECT * FROM public.projection_checkpoints",
        "INSERT INTO folio_read.reimbursement_batches VALUES (gen_random_uuid(), 'x', 'EUR', 1, 1, current_date, current_date)",
        "UPDATE folio_read.invoices SET total = 0",
        "DELETE FROM folio_read.expenses",
        "CREATE TABLE folio_read.mine (id int)",
        "CREATE TABLE public.mine (id int)",
    ] {
        let error = as_bi(&mut conn, forbidden).await.unwrap_err();
        assert!(error.contains("permission denied"), "{forbidden}: {error}");
    }
}

#[tokio::test]
async fn an_unknown_projector_is_named_with_the_known_ones() {
    let db = TestDatabase::new().await;
    let error = db.app.projections().rebuild("ledger").await.unwrap_err();
    assert!(matches!(error, ProjectionRunError::UnknownProjector { .. }));
    assert_eq!(
        error.to_string(),
        "no projector is called 'ledger' (known: invoicing, expenses, directory, mail, expense_mail, webhooks)"
    );
}

#[tokio::test]
async fn every_read_model_table_and_column_is_documented() {
    let db = TestDatabase::new().await;
    db.app.projections().install().await.unwrap();
    let undocumented: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname || coalesce('.' || a.attname, '')
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE n.nspname = 'folio_read' AND c.relkind IN ('r', 'v')
           AND (obj_description(c.oid, 'pg_class') IS NULL
                OR (a.attname IS NOT NULL AND col_description(c.oid, a.attnum) IS NULL))
         ORDER BY 1",
    )
    .fetch_all(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(undocumented, Vec::<String>::new());
}

#[tokio::test]
async fn an_invoice_s_payment_status_is_decided_by_its_amounts_and_due_date() {
    let db = TestDatabase::new().await;
    db.app.projections().install().await.unwrap();
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    let due = day(15);
    // (status, amount due, total, on) -> payment status
    let cases = [
        ("ISSUED", "1190.00", "1190.00", day(1), Some("UNPAID")),
        ("SENT", "1190.00", "1190.00", due, Some("UNPAID")),
        ("ISSUED", "1190.00", "1190.00", day(16), Some("OVERDUE")),
        (
            "ISSUED",
            "1090.00",
            "1190.00",
            day(1),
            Some("PARTIALLY_PAID"),
        ),
        ("ISSUED", "1090.00", "1190.00", day(16), Some("OVERDUE")),
        ("SENT", "0.00", "1190.00", day(31), Some("PAID")),
        // Overpaid: nothing due, credit held.
        ("ISSUED", "-10.00", "1190.00", day(31), Some("PAID")),
        ("DRAFT", "1190.00", "1190.00", day(31), None),
        ("VOID", "0.00", "1190.00", day(31), None),
    ];
    for (status, amount_due, total, on, expected) in cases {
        let decided: Option<String> = sqlx::query_scalar(
            "SELECT folio_read.payment_status($1, $2::numeric, $3::numeric, $4, $5)",
        )
        .bind(status)
        .bind(amount_due)
        .bind(total)
        .bind(due)
        .bind(on)
        .fetch_one(&db.app.pool)
        .await
        .unwrap();
        assert_eq!(
            decided.as_deref(),
            expected,
            "{status}, {amount_due} due of {total}, on {on}"
        );
    }
}

#[tokio::test]
async fn row_level_security_confines_the_api_role_to_its_tenant() {
    let db = TestDatabase::new().await;
    let (a, b) = (tenant(), tenant());
    every_event_type(&db.app, a).await;
    every_event_type(&db.app, b).await;
    db.app.projections().catch_up().await.unwrap();
    let relations: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute t ON t.attrelid = c.oid AND t.attname = 'tenant_id'
         WHERE n.nspname = 'folio_read' AND c.relkind IN ('r', 'v') ORDER BY 1",
    )
    .fetch_all(&db.app.pool)
    .await
    .unwrap();
    assert!(relations.len() >= 15, "{relations:?}");
    for relation in &relations {
        // As the API, without any WHERE: only tenant A's rows, and some of them.
        let mut tx = db.app.pool.begin().await.unwrap();
        sqlx::query("SET LOCAL ROLE folio_api")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("SELECT set_config('folio.tenant_id', $1, true)")
            .bind(a.0.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
        let tenants: Vec<uuid::Uuid> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT tenant_id FROM folio_read.{relation}"
        ))
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        assert_eq!(tenants, vec![a.0], "{relation}");
        tx.rollback().await.unwrap();
    }
    // Without a tenant set, the API role reads nothing at all: it fails.
    let mut tx = db.app.pool.begin().await.unwrap();
    sqlx::query("SET LOCAL ROLE folio_api")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert!(sqlx::query("SELECT * FROM folio_read.invoices")
        .fetch_all(&mut *tx)
        .await
        .is_err());
}

#[tokio::test]
async fn personal_data_opens_in_a_transaction_pointed_at_a_read_model_schema() {
    // Given a customer whose contact is sealed, and a transaction whose
    // unqualified names point at a read-model schema, as a rebuild's swap has
    // while it applies what arrived meanwhile
    let db = TestDatabase::new().await;
    customer(&db.app, tenant(), "Acme Sealed GmbH").await;
    let pointed_at_folio_read = || async {
        let mut tx = db.app.pool.begin().await.unwrap();
        sqlx::query("SET LOCAL search_path TO folio_read")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx
    };

    // When its events are read and opened in that transaction (once the feed
    // shows them: another test's running transaction can hold it back)
    let batch = support::eventually("the customer's event in the feed", || async {
        let mut tx = pointed_at_folio_read().await;
        let mut batch = read_after(&mut tx, FeedPosition::ORIGIN, 100)
            .await
            .unwrap();
        if batch.is_empty() {
            return None;
        }
        folio_infra::personal_data::open_feed_events(&mut tx, &db.app.wrapping, &mut batch)
            .await
            .unwrap();
        Some(batch)
    })
    .await;

    // Then the contact reads in clear (the keys table is found by its schema,
    // not through the search path)
    assert!(
        batch
            .iter()
            .any(|e| e.payload.to_string().contains("Acme Sealed GmbH")),
        "{batch:#?}"
    );
}

/// Commits what the invoice `id` decides on `command` straight to the store.
async fn decide_and_commit(
    db: &TestDatabase,
    tenant: folio_domain::ids::TenantId,
    id: folio_domain::ids::InvoiceId,
    command: folio_domain::invoice::InvoiceCommand,
) {
    support::scenario::decide_and_commit(&db.app, tenant, id, command).await;
}

#[tokio::test]
async fn credit_that_comes_back_is_the_source_s_again_and_the_ledger_nets_to_zero() {
    use folio_domain::ids::CreditTransferId;
    use folio_domain::invoice::InvoiceCommand;
    let db = TestDatabase::new().await;
    let t = tenant();
    // Given an invoice of 119.00 paid with 150.00 (31.00 of credit) and another
    // invoice of the customer
    let acme = customer(&db.app, t, "Acme").await;
    let source = issued_invoice(&db.app, t, acme, 1).await;
    pay(&db.app, t, source, 15_000).await;
    let target = issued_invoice(&db.app, t, acme, 1).await;
    // When 10.00 leaves the source, the target never records it, and it comes back
    let transfer = CreditTransferId(uuid::Uuid::new_v4());
    let today = chrono::Utc::now().date_naive();
    let moved = InvoiceCommand::TransferCredit {
        transfer_id: transfer,
        to_invoice: target,
        to_customer: acme,
        amount: support::scenario::money(1_000),
        transferred_on: today,
    };
    decide_and_commit(&db, t, source, moved).await;
    let back = InvoiceCommand::ReturnCredit {
        transfer_id: transfer,
        returned_on: today,
    };
    decide_and_commit(&db, t, source, back).await;
    db.app.projections().catch_up().await.unwrap();

    // Then the source holds its 31.00 again, the move shows as returned, and
    // the customer's ledger nets it to zero
    let (credit, applied): (Decimal, Decimal) = sqlx::query_as(
        "SELECT customer_credit, credit_applied FROM folio_read.invoices WHERE invoice_id = $1",
    )
    .bind(source.0)
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert_eq!((credit, applied), (Decimal::new(3_100, 2), Decimal::ZERO));
    let (applied_on, returned): (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>) =
        sqlx::query_as(
            "SELECT applied_on, returned_on FROM folio_read.credit_transfers WHERE transfer_id = $1",
        )
        .bind(transfer.0)
        .fetch_one(&db.app.pool)
        .await
        .unwrap();
    assert_eq!((applied_on, returned), (None, Some(today)));
    let moves: Vec<(String, Decimal)> = sqlx::query_as(
        "SELECT kind, amount FROM folio_read.customer_ledger
         WHERE kind LIKE 'CREDIT_%' AND customer_id = $1 ORDER BY recorded_at",
    )
    .bind(acme.0)
    .fetch_all(&db.app.pool)
    .await
    .unwrap();
    let ten = Decimal::new(1_000, 2);
    assert_eq!(
        moves,
        [
            ("CREDIT_TRANSFERRED".to_owned(), ten),
            ("CREDIT_RETURNED".to_owned(), -ten)
        ]
    );
    let balance: Decimal = sqlx::query_scalar(
        "SELECT balance FROM folio_read.customer_balances WHERE customer_id = $1",
    )
    .bind(acme.0)
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(
        balance,
        Decimal::new(8_800, 2),
        "119.00 owed on the target less 31.00 held"
    );
}

/// An invoice of 119.00 paid with 150.00 (31.00 of credit), another invoice of
/// the customer, and 10.00 of the first's credit moved towards the second
/// whose half was never recorded: what a request that died between the halves
/// leaves. Returns the source, the target and the customer.
async fn move_left_under_way(
    db: &TestDatabase,
    t: folio_domain::ids::TenantId,
    void_target: bool,
) -> (folio_domain::ids::InvoiceId, folio_domain::ids::InvoiceId) {
    use folio_domain::invoice::InvoiceCommand;
    let acme = customer(&db.app, t, "Acme").await;
    let source = issued_invoice(&db.app, t, acme, 1).await;
    pay(&db.app, t, source, 15_000).await;
    let target = issued_invoice(&db.app, t, acme, 1).await;
    let moved = InvoiceCommand::TransferCredit {
        transfer_id: folio_domain::ids::CreditTransferId(uuid::Uuid::new_v4()),
        to_invoice: target,
        to_customer: acme,
        amount: support::scenario::money(1_000),
        transferred_on: chrono::Utc::now().date_naive(),
    };
    decide_and_commit(db, t, source, moved).await;
    if void_target {
        let void = folio_commands::VoidInvoice {
            reason: "issued by mistake".into(),
            sat_cancellation: None,
        };
        db.app
            .use_cases
            .void_invoice(&support::ctx(t, "acc"), target, void)
            .await
            .unwrap();
    }
    db.app.projections().catch_up().await.unwrap();
    (source, target)
}

/// The credit moves under way, as the finisher finds them (no grace).
async fn moves_under_way(db: &TestDatabase) -> Vec<folio_commands::MoveUnderWay> {
    use folio_commands::CreditMovesUnderWay;
    folio_infra::postgres::credit_moves::PgCreditMoves::new(db.app.pool.clone())
        .older_than(Duration::ZERO)
        .await
        .unwrap()
}

/// `(customer_credit, amount_due)` of `invoice` in the read model.
async fn credit_and_due(
    db: &TestDatabase,
    invoice: folio_domain::ids::InvoiceId,
) -> (Decimal, Decimal) {
    sqlx::query_as(
        "SELECT customer_credit, amount_due FROM folio_read.invoices WHERE invoice_id = $1",
    )
    .bind(invoice.0)
    .fetch_one(&db.app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_credit_move_left_under_way_is_finished_once_without_the_client() {
    use folio_commands::MoveFinished;
    let db = TestDatabase::new().await;
    let t = tenant();
    let (source, target) = move_left_under_way(&db, t, false).await;
    // Given the move under way, When the finisher takes it (twice, as two
    // replicas would)
    let under_way = moves_under_way(&db).await;
    assert_eq!(under_way.len(), 1, "{under_way:?}");
    let gauge = || folio_projections::invoicing::queries::count_moves_under_way(&db.app.pool);
    assert_eq!(gauge().await.unwrap(), 1, "what /metrics reports");
    let first = db
        .app
        .use_cases
        .finish_credit_move(&under_way[0])
        .await
        .unwrap();
    let second = db
        .app
        .use_cases
        .finish_credit_move(&under_way[0])
        .await
        .unwrap();
    db.app.projections().catch_up().await.unwrap();
    // Then the target recorded it once, and nothing is under way any more
    assert_eq!(first, MoveFinished::Applied);
    assert_eq!(
        second,
        MoveFinished::Applied,
        "the second run replays the first"
    );
    assert_eq!(
        credit_and_due(&db, source).await,
        (Decimal::new(2_100, 2), Decimal::new(0, 2))
    );
    assert_eq!(
        credit_and_due(&db, target).await,
        (Decimal::new(0, 2), Decimal::new(10_900, 2))
    );
    assert!(moves_under_way(&db).await.is_empty());
    assert_eq!(gauge().await.unwrap(), 0);
    let history: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE event_type = 'CreditApplied' AND aggregate_id = $1",
    )
    .bind(target.to_string())
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(history, 1);
}

#[tokio::test]
async fn credit_a_voided_invoice_can_no_longer_take_goes_back_to_where_it_came_from() {
    use folio_commands::MoveFinished;
    let db = TestDatabase::new().await;
    let t = tenant();
    // Given a move under way whose target was voided since
    let (source, _) = move_left_under_way(&db, t, true).await;
    let under_way = moves_under_way(&db).await;
    // When the finisher takes it, Then the source has all of it back
    let done = db
        .app
        .use_cases
        .finish_credit_move(&under_way[0])
        .await
        .unwrap();
    db.app.projections().catch_up().await.unwrap();
    assert_eq!(done, MoveFinished::Returned);
    assert_eq!(
        credit_and_due(&db, source).await,
        (Decimal::new(3_100, 2), Decimal::new(0, 2))
    );
    assert!(moves_under_way(&db).await.is_empty());
    // And the history says who did it
    let actor: String = sqlx::query_scalar(
        "SELECT metadata->>'actor' FROM events WHERE event_type = 'CreditReturned'",
    )
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(actor, folio_commands::CREDIT_MOVE_FINISHER);
}

#[tokio::test]
async fn a_move_the_request_finished_while_the_read_model_was_behind_is_left_alone() {
    use folio_commands::MoveFinished;
    use folio_domain::invoice::InvoiceCommand;
    let db = TestDatabase::new().await;
    let t = tenant();
    let (source, target) = move_left_under_way(&db, t, false).await;
    let under_way = moves_under_way(&db).await;
    // Given the request's own retry recorded the target's half, not yet projected
    let move_ = &under_way[0];
    let source_customer = customer_of(&db, source).await;
    let arrived = InvoiceCommand::ApplyCredit {
        transfer_id: move_.transfer_id,
        from_invoice: source,
        from_customer: source_customer,
        amount: move_.amount,
        applied_on: chrono::Utc::now().date_naive(),
        worth: None,
    };
    decide_and_commit(&db, t, target, arrived).await;
    // When the finisher takes the move it read before, Then it is done already:
    // applied once, and nothing given back
    let done = db.app.use_cases.finish_credit_move(move_).await.unwrap();
    assert_eq!(done, MoveFinished::AppliedBefore);
    db.app.projections().catch_up().await.unwrap();
    assert_eq!(
        credit_and_due(&db, source).await,
        (Decimal::new(2_100, 2), Decimal::new(0, 2))
    );
    assert_eq!(
        credit_and_due(&db, target).await,
        (Decimal::new(0, 2), Decimal::new(10_900, 2))
    );
}

/// The customer of `invoice`, as the read model has it.
async fn customer_of(
    db: &TestDatabase,
    invoice: folio_domain::ids::InvoiceId,
) -> folio_domain::ids::CustomerId {
    folio_domain::ids::CustomerId(
        sqlx::query_scalar("SELECT customer_id FROM folio_read.invoices WHERE invoice_id = $1")
            .bind(invoice.0)
            .fetch_one(&db.app.pool)
            .await
            .unwrap(),
    )
}

#[tokio::test]
async fn allowances_and_charges_are_filed_with_the_amounts_the_issue_decided() {
    use folio_domain::adjustment::{AdjustmentKind, AdjustmentSize, DocumentAdjustment};
    use folio_domain::ids::AdjustmentId;
    use folio_domain::invoice::InvoiceCommand;
    use folio_domain::tax::{TaxRate, VatCategory};
    use support::scenario::{add_line, draft, issue, line, vat19};
    let db = TestDatabase::new().await;
    let t = tenant();
    // Given a draft of 1,000.00 at 19% (category S)
    let vat = TaxRate {
        category: Some(VatCategory::Standard),
        ..vat19()
    };
    let acme = customer(&db.app, t, "Acme").await;
    let invoice = draft(&db.app, t, acme).await;
    add_line(
        &db.app,
        t,
        invoice,
        line("Consulting", 10, 10_000, vec![vat.clone()]),
    )
    .await;
    // When a 2% rebate, a dropped goodwill allowance and 25.00 of freight are
    // added, the goodwill removed, and the invoice issued
    let adjustment = |kind, size, reason: &str, code: Option<&str>| DocumentAdjustment {
        kind,
        size,
        reason: Some(reason.into()),
        reason_code: code.map(str::to_owned),
        tax: vat.clone(),
    };
    let [rebate, dropped, freight] = [1, 2, 3].map(|_| AdjustmentId(uuid::Uuid::new_v4()));
    let added = [
        (
            rebate,
            adjustment(
                AdjustmentKind::Allowance,
                AdjustmentSize::Percent {
                    percent: Decimal::from(2),
                },
                "Volume rebate",
                Some("95"),
            ),
        ),
        (
            dropped,
            adjustment(
                AdjustmentKind::Allowance,
                AdjustmentSize::Amount {
                    amount: Decimal::from(5),
                },
                "Goodwill",
                None,
            ),
        ),
        (
            freight,
            adjustment(
                AdjustmentKind::Charge,
                AdjustmentSize::Amount {
                    amount: Decimal::from(25),
                },
                "Freight",
                Some("FC"),
            ),
        ),
    ];
    for (adjustment_id, adjustment) in added {
        let add = InvoiceCommand::AddDocumentAdjustment {
            adjustment_id,
            adjustment,
        };
        decide_and_commit(&db, t, invoice, add).await;
    }
    let remove = InvoiceCommand::RemoveDocumentAdjustment {
        adjustment_id: dropped,
    };
    decide_and_commit(&db, t, invoice, remove).await;
    let projections = db.app.projections();
    projections.catch_up().await.unwrap();
    type Row = (
        i32,
        String,
        String,
        Decimal,
        Option<String>,
        Option<Decimal>,
        Option<Decimal>,
    );
    let rows = || async {
        sqlx::query_as::<_, Row>(
            "SELECT position, kind, size_kind, size_value, reason_code, base_amount, amount
             FROM folio_read.invoice_adjustments WHERE invoice_id = $1 ORDER BY position",
        )
        .bind(invoice.0)
        .fetch_all(&db.app.pool)
        .await
        .unwrap()
    };
    let cents = |c| Some(Decimal::new(c, 2));
    let draft_rows = rows().await;
    assert_eq!(
        draft_rows
            .iter()
            .map(|r| (r.0, r.1.as_str(), r.6))
            .collect::<Vec<_>>(),
        [(1, "ALLOWANCE", None), (2, "CHARGE", None)],
        "the removed allowance is gone and the gap closed; no amount before issue"
    );
    issue(&db.app, t, invoice, None).await;
    projections.catch_up().await.unwrap();

    // Then each row has its decided amount, the invoice its EN 16931 totals,
    // and the tax ledger the adjusted base
    let issued_rows = rows().await;
    assert_eq!(
        issued_rows,
        [
            (
                1,
                "ALLOWANCE".into(),
                "PERCENT".into(),
                Decimal::from(2),
                Some("95".into()),
                cents(100_000),
                cents(2_000)
            ),
            (
                2,
                "CHARGE".into(),
                "AMOUNT".into(),
                Decimal::from(25),
                Some("FC".into()),
                None,
                cents(2_500)
            ),
        ]
    );
    let totals: (Decimal, Decimal, Decimal, Decimal, Decimal, Decimal) = sqlx::query_as(
        "SELECT line_total, allowance_total, charge_total, net_total, tax_total, total
         FROM folio_read.invoices WHERE invoice_id = $1",
    )
    .bind(invoice.0)
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    let amount = |c| Decimal::new(c, 2);
    assert_eq!(
        totals,
        (
            amount(100_000),
            amount(2_000),
            amount(2_500),
            amount(100_500),
            amount(19_095),
            amount(119_595)
        )
    );
    let taxed: (Decimal, Decimal) = sqlx::query_as(
        "SELECT sum(taxable_base), sum(tax_amount) FROM folio_read.tax_entries WHERE invoice_id = $1",
    )
    .bind(invoice.0)
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(taxed, (amount(100_500), amount(19_095)));
    // And a rebuild files the same rows
    let incremental = read_models(&db.app.pool).await;
    projections.rebuild_all().await.unwrap();
    assert_same_read_models(&incremental, &read_models(&db.app.pool).await);
}

/// An overpaid invoice holding 31.00 of credit for a new customer, and a draft
/// of 119.00 for them: `(customer, source, draft)`.
async fn credit_and_a_draft(
    db: &TestDatabase,
    t: folio_domain::ids::TenantId,
) -> (
    folio_domain::ids::CustomerId,
    folio_domain::ids::InvoiceId,
    folio_domain::ids::InvoiceId,
) {
    use support::scenario::{add_line, draft, line, vat19};
    let acme = customer(&db.app, t, "Acme").await;
    let source = issued_invoice(&db.app, t, acme, 1).await;
    pay(&db.app, t, source, 15_000).await;
    let target = draft(&db.app, t, acme).await;
    add_line(
        &db.app,
        t,
        target,
        line("Consulting", 1, 10_000, vec![vat19()]),
    )
    .await;
    (acme, source, target)
}

/// The customer's balance and the amounts of their ledger, in its order.
async fn balance_and_ledger(
    db: &TestDatabase,
    customer: folio_domain::ids::CustomerId,
) -> (Decimal, Vec<(String, Decimal)>) {
    let balance = sqlx::query_scalar(
        "SELECT balance FROM folio_read.customer_balances WHERE customer_id = $1",
    )
    .bind(customer.0)
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    let ledger = sqlx::query_as(
        "SELECT kind, amount FROM folio_read.customer_ledger WHERE customer_id = $1
         ORDER BY kind, amount",
    )
    .bind(customer.0)
    .fetch_all(&db.app.pool)
    .await
    .unwrap();
    (balance, ledger)
}

#[tokio::test]
async fn credit_applied_at_issue_leaves_the_customer_where_credit_applied_after_issue_does() {
    use folio_commands::{ApplyCustomerCredit, IssueInvoice, PrepaidFromCredit};
    let db = TestDatabase::new().await;
    let folio = &db.app.use_cases;
    // Given two customers, each with 31.00 of credit on one invoice and a draft
    let (at_issue, t) = (tenant(), tenant());
    let (first, first_source, first_draft) = credit_and_a_draft(&db, at_issue).await;
    let (second, second_source, second_draft) = credit_and_a_draft(&db, t).await;
    let thirty = support::scenario::money(3_000);
    // When one draft is issued with 30.00 of the credit applied as paid in advance
    let prepaid = IssueInvoice {
        issue_date: None,
        prepaid: Some(PrepaidFromCredit {
            from_invoice: first_source,
            amount: thirty,
        }),
        exchange_rate: None,
    };
    let ctx = support::ctx(at_issue, "acc");
    folio
        .issue_invoice(&ctx, first_draft, prepaid.clone())
        .await
        .unwrap();
    // (a retry with the same key moves nothing again)
    folio
        .issue_invoice(&ctx, first_draft, prepaid)
        .await
        .unwrap();
    // And the other is issued, then settled with 30.00 of the credit
    support::scenario::issue(&db.app, t, second_draft, None).await;
    let apply = ApplyCustomerCredit {
        from_invoice: second_source,
        amount: thirty,
        applied_on: None,
    };
    folio
        .apply_customer_credit(&support::ctx(t, "acc"), second_draft, apply)
        .await
        .unwrap();
    db.app.projections().catch_up().await.unwrap();
    // Then both customers stand the same: 1.00 of credit left, 89.00 due
    let (balance, ledger) = balance_and_ledger(&db, first).await;
    assert_eq!(balance, Decimal::new(8_800, 2));
    assert_eq!((balance, ledger), balance_and_ledger(&db, second).await);
    assert_eq!(
        credit_and_due(&db, first_draft).await,
        (Decimal::new(0, 2), Decimal::new(8_900, 2))
    );
    assert!(moves_under_way(&db).await.is_empty());
    let moved: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE event_type = 'CreditTransferred' AND aggregate_id = $1",
    )
    .bind(first_source.to_string())
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(moved, 1, "the retry moved nothing twice");
}

#[tokio::test]
async fn credit_moved_towards_a_draft_waits_for_its_issue() {
    use folio_commands::MoveFinished;
    use folio_domain::invoice::InvoiceCommand;
    let db = TestDatabase::new().await;
    let t = tenant();
    // Given credit that left its invoice for a draft whose issue never came
    let (acme, source, target) = credit_and_a_draft(&db, t).await;
    let moved = InvoiceCommand::TransferCredit {
        transfer_id: folio_domain::ids::CreditTransferId(uuid::Uuid::new_v4()),
        to_invoice: target,
        to_customer: acme,
        amount: support::scenario::money(1_000),
        transferred_on: chrono::Utc::now().date_naive(),
    };
    decide_and_commit(&db, t, source, moved).await;
    db.app.projections().catch_up().await.unwrap();
    let under_way = moves_under_way(&db).await;
    // When the finisher takes it, Then it waits: the draft may still take it
    let finish = || db.app.use_cases.finish_credit_move(&under_way[0]);
    assert_eq!(finish().await.unwrap(), MoveFinished::Waiting);
    db.app.projections().catch_up().await.unwrap();
    assert_eq!(moves_under_way(&db).await.len(), 1);
    // And once the draft is issued, the credit settles it
    support::scenario::issue(&db.app, t, target, None).await;
    assert_eq!(finish().await.unwrap(), MoveFinished::Applied);
    db.app.projections().catch_up().await.unwrap();
    assert_eq!(
        credit_and_due(&db, target).await,
        (Decimal::new(0, 2), Decimal::new(10_900, 2))
    );
    assert_eq!(credit_and_due(&db, source).await.0, Decimal::new(2_100, 2));
}
