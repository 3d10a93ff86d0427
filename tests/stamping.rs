//! Mexico's fiscal stamp end to end: `folio serve` seals each invoice issued
//! under MX with the tenant's CSD and has a PAC stamp it (the PAC simulator,
//! SW Sapien's API over HTTP); the fiscal folio shows in GraphQL, and the
//! stamped CFDI (which SAT's schemas accept) and its printed representation
//! (which carries the folio) are archived. A
//! PAC that is down costs only time, and an answer lost on its way is adopted
//! from the PAC's 307: one seal, one fiscal folio. A seal the PAC finds older
//! than 72 hours is sealed anew (a stamper and a PAC days on).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::sync::Arc;
use std::time::Duration;

use folio_api::Role;
use folio_commands::stamping::{CfdiStamper, CfdiStepError, CfdiToStamp, StampOutcome};
use folio_infra::pac_sw::SwSapienPac;
use serde_json::{json, Value};
use support::mexico::{key, sat_schemas_accept, STAMPED_CFDI_SCHEMAS};
use support::pac::{PacSimulator, PAC_PASSWORD, PAC_USER};
use support::server::Server;
use support::stamping::{
    events_of, issued_mexican_invoice, issued_to, rename_customer, server_with_pac, stamp_of,
    stamped, stored,
};
use support::{free_port, tenant, TestDatabase};

#[tokio::test]
async fn an_invoice_issued_in_mexico_is_stamped_and_its_fiscal_folio_shows() {
    let db = TestDatabase::new().await;
    let pac = PacSimulator::start_on(free_port(), 0).await;
    let server = server_with_pac(&db, &pac.url).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let auditor = server.token(t, "audrey", Role::Auditor);
    let invoice = issued_mexican_invoice(&server, &admin).await;

    let stamp = stamped(&server, &auditor, &invoice).await;
    let uuid = stamp["uuid"].as_str().unwrap().to_owned();
    assert!(
        stamp["sealedAt"].is_string() && stamp["stampedAt"].is_string(),
        "{stamp}"
    );
    assert_eq!(stamp["rejection"], Value::Null);

    // The stamped CFDI is kept: SAT's schemas accept it, it carries the folio.
    let (sha256, pac_rfc): (String, String) = sqlx::query_as(
        "SELECT cfdi_xml_sha256, cfdi_pac_rfc FROM folio_read.invoices WHERE invoice_id = $1::uuid",
    )
    .bind(&invoice)
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(pac_rfc, "SIM201207PA1");
    let cfdi = String::from_utf8(stored(&sha256)).unwrap();
    assert!(
        cfdi.contains(&format!("UUID=\"{}\"", uuid.to_uppercase())),
        "{cfdi}"
    );
    sat_schemas_accept(cfdi.as_bytes(), &STAMPED_CFDI_SCHEMAS);
    assert_eq!(events_of(&db, &invoice, "CfdiSealed").await, 1);
    assert_eq!(events_of(&db, &invoice, "CfdiStamped").await, 1);

    // Archived as the fiscal document itself and its printed representation,
    // which carries the folio.
    let documents = archived(&server, &auditor, &invoice).await;
    assert_eq!(documents[0]["format"], "CFDI", "{documents}");
    assert_eq!(documents[0]["sha256"], sha256.as_str());
    assert_eq!(documents[1]["format"], "CFDI_PDF", "{documents}");
    let dir = std::env::temp_dir().join(format!("folio-stamp-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let pdf = dir.join("printed.pdf");
    std::fs::write(&pdf, stored(documents[1]["sha256"].as_str().unwrap())).unwrap();
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(&uuid.to_uppercase()), "{text}");
}

/// Waits (a minute at most) until the invoice is archived; its files.
async fn archived(server: &Server, token: &str, invoice: &str) -> Value {
    for _ in 0..240 {
        let data = server
            .ok(
                token,
                "query($id: ID!) { invoice(id: $id) { archive { status failure { reason } }
                    documents { format sha256 contentType } } }",
                json!({"id": invoice}),
            )
            .await;
        if data["invoice"]["archive"]["status"] == "ARCHIVED" {
            return data["invoice"]["documents"].clone();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("not archived");
}

#[tokio::test]
async fn a_pac_that_is_down_stamps_the_invoice_once_it_is_back() {
    let db = TestDatabase::new().await;
    let port = free_port();
    let server = server_with_pac(&db, &format!("http://127.0.0.1:{port}")).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let invoice = issued_mexican_invoice(&server, &admin).await;

    // The PAC is away: the attempts fail, visibly, and the invoice waits.
    let mut failure: Option<(String, i32)> = None;
    for _ in 0..120 {
        failure = sqlx::query_as(
            "SELECT error_code, attempts FROM cfdi_stamp_attempts WHERE invoice_id = $1::uuid",
        )
        .bind(&invoice)
        .fetch_optional(&db.app.pool)
        .await
        .unwrap();
        if failure.as_ref().is_some_and(|(_, attempts)| *attempts >= 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (code, _) = failure.expect("failed attempts recorded");
    assert_eq!(code, "UNAVAILABLE");
    let waiting = stamp_of(&server, &admin, &invoice).await;
    assert_eq!(waiting["status"], "PENDING");
    assert_eq!(waiting["failure"]["code"], "UNAVAILABLE", "{waiting}");
    assert_eq!(
        waiting["failure"]["reason"],
        "the PAC is unavailable; Folio tries again"
    );
    let mut metrics = String::new();
    for _ in 0..40 {
        metrics = server.text("/metrics").await;
        if metrics.contains("folio_cfdi_stamp_failing 1") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(metrics.contains("folio_cfdi_stamp_failing 1"), "{metrics}");
    assert!(metrics.contains("folio_cfdi_awaiting_stamp 1"), "{metrics}");

    // Back: stamped once, from the one seal.
    let _pac = PacSimulator::start_on(port, 0).await;
    stamped(&server, &admin, &invoice).await;
    assert_eq!(events_of(&db, &invoice, "CfdiSealed").await, 1);
    assert_eq!(events_of(&db, &invoice, "CfdiStamped").await, 1);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM cfdi_stamp_attempts")
        .fetch_one(&db.app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "the failed attempts are forgotten once stamped");
}

#[tokio::test]
async fn an_answer_lost_on_its_way_is_adopted_from_the_pacs_307() {
    let db = TestDatabase::new().await;
    // The PAC stamps the first CFDI but its answer never arrives.
    let pac = PacSimulator::start_on(free_port(), 1).await;
    let server = server_with_pac(&db, &pac.url).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let invoice = issued_mexican_invoice(&server, &admin).await;

    let stamp = stamped(&server, &admin, &invoice).await;
    assert!(stamp["uuid"].is_string(), "{stamp}");
    // The same sealed bytes went again and the PAC answered its first stamp:
    // had Folio sealed anew, the PAC would have made a second fiscal folio.
    assert_eq!(events_of(&db, &invoice, "CfdiSealed").await, 1);
    assert_eq!(events_of(&db, &invoice, "CfdiStamped").await, 1);
}

/// Waits (a minute at most) until the invoice's stamp is `status`; the stamp.
async fn stamp_becomes(server: &Server, token: &str, invoice: &str, status: &str) -> Value {
    for _ in 0..240 {
        let stamp = stamp_of(server, token, invoice).await;
        if stamp["status"] == status {
            return stamp;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("not {status}: {}", stamp_of(server, token, invoice).await);
}

#[tokio::test]
async fn a_refused_cfdi_is_stamped_once_the_customer_is_corrected_and_asked_again() {
    let db = TestDatabase::new().await;
    let pac = PacSimulator::start_on(free_port(), 0).await;
    let server = server_with_pac(&db, &pac.url).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let accountant = server.token(t, "alice", Role::Accountant);
    // SAT registers EKU9003173C9 as ESCUELA KEMPER URGATE: a longer name is refused.
    let invoice = issued_to(&server, &admin, Some("ESCUELA KEMPER URGATE SA DE CV")).await;

    let refused = stamp_becomes(&server, &accountant, &invoice, "REJECTED").await;
    assert_eq!(refused["rejection"]["code"], "CFDI40145", "{refused}");
    assert!(refused["rejection"]["message"]
        .as_str()
        .unwrap()
        .contains("Nombre del receptor"));
    assert_eq!(refused["uuid"], Value::Null);

    // Corrected and asked again: sealed anew with SAT's name, and stamped.
    rename_customer(
        &server,
        &admin,
        &refused["customerId"],
        "ESCUELA KEMPER URGATE",
    )
    .await;
    const REQUEST: &str = "mutation($key: String!, $invoice: ID!) {
        requestCfdiStamp(idempotencyKey: $key, invoiceId: $invoice) { version } }";
    server
        .ok(
            &accountant,
            REQUEST,
            json!({"key": key(), "invoice": invoice}),
        )
        .await;
    let stamp = stamped(&server, &accountant, &invoice).await;
    assert_eq!(stamp["rejection"], Value::Null);
    assert_eq!(events_of(&db, &invoice, "CfdiSealed").await, 2);
    assert_eq!(events_of(&db, &invoice, "CfdiStampRejected").await, 1);
    assert_eq!(events_of(&db, &invoice, "CfdiStampRequested").await, 1);
    assert_eq!(events_of(&db, &invoice, "CfdiStamped").await, 1);

    // Stamped, it is never asked for again: CONFLICT, nothing written.
    let body = server
        .gql(
            &accountant,
            REQUEST,
            json!({"key": key(), "invoice": invoice}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "CONFLICT",
        "{body}"
    );
    assert_eq!(events_of(&db, &invoice, "CfdiStampRequested").await, 1);
}

/// The machine's clock, `0` later: a stamper days on.
struct Later(chrono::TimeDelta);

impl folio_commands::Clock for Later {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now() + self.0
    }
}

/// A stamper over the test database's application, through the PAC at
/// `url`, on `clock`.
fn stamper_at(db: &TestDatabase, url: &str, clock: Later) -> CfdiStamper {
    let pac = SwSapienPac::new(url, PAC_USER.into(), PAC_PASSWORD.into()).unwrap();
    let app = &db.app;
    CfdiStamper::new(
        app.documents.clone(),
        app.csd_vault(),
        app.blobs.clone(),
        Arc::new(pac),
        app.use_cases.clone(),
        Arc::new(clock),
    )
}

/// Waits until the stamp queue holds `invoice` as `sealed` says (sealed or
/// not); the queue's entry.
async fn queued(db: &TestDatabase, invoice: &str, sealed: bool) -> CfdiToStamp {
    for _ in 0..240 {
        let pending = db.app.stamp_queue.pending().await.unwrap();
        if let Some(entry) = pending.into_iter().find(|entry| {
            entry.invoice_id.0.to_string() == invoice && entry.sealed.is_some() == sealed
        }) {
            return entry;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("{invoice} not queued (sealed: {sealed})");
}

#[tokio::test]
async fn a_cfdi_sealed_more_than_72_hours_ago_is_sealed_anew_and_stamped() {
    let db = TestDatabase::new().await;
    // folio serve without a PAC: the stampers below are the test's own.
    let server = Server::start(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let invoice = issued_mexican_invoice(&server, &admin).await;

    // Sealed now, but the PAC is away.
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let entry = queued(&db, &invoice, false).await;
    let now = stamper_at(&db, &url, Later(chrono::TimeDelta::zero()));
    let away = now.stamp(&entry).await.unwrap_err();
    assert!(matches!(away, CfdiStepError::Pac(_)), "{away}");
    assert_eq!(events_of(&db, &invoice, "CfdiSealed").await, 1);

    // 73 hours on, for Folio and the PAC alike: the old seal is refused as
    // too old (401), so the CFDI is sealed anew and stamped, once.
    let _pac = PacSimulator::start_ahead(port, 0, 73).await;
    let entry = queued(&db, &invoice, true).await;
    let later = stamper_at(&db, &url, Later(chrono::TimeDelta::hours(73)));
    let outcome = later.stamp(&entry).await.unwrap();
    assert!(
        matches!(outcome, StampOutcome::Stamped { earlier: false, .. }),
        "{outcome:?}"
    );
    assert_eq!(events_of(&db, &invoice, "CfdiSealed").await, 2);
    assert_eq!(events_of(&db, &invoice, "CfdiStamped").await, 1);
    assert_eq!(events_of(&db, &invoice, "CfdiStampRejected").await, 0);
}
