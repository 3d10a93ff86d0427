//! Notifications: the e-mail reactor queues what events call for in the
//! outbox (once per event, never for history), and `folio serve` e-mails it
//! through a real SMTP server (maildev), retrying while the server is away.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use folio_api::Role;
use folio_domain::ids::{InvoiceId, TenantId};
use folio_domain::invoice::Delivery;
use folio_infra::postgres::feed::read_after;
use folio_infra::ProjectionRunError;
use folio_projections::{apply_events, FeedPosition, Target};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::mexico::{draft_for, key, mexican_customer, test_csd, INSTALL_CSD, ISSUE};
use support::pac::{pac_env, PacSimulator};
use support::scenario::{
    customer, every_event_type, issued_invoice, legal_profile, tenant_with_directory,
};
use support::server::{series, Server};
use support::smtp::MailServer;
use support::stamping::stamped;
use support::{ctx, free_port, tenant, TestDatabase};
use uuid::Uuid;

/// The outbox as stored: message id, kind, recipients, invoice, status.
async fn outbox(db: &TestDatabase) -> Vec<(Uuid, String, Vec<String>, String, String)> {
    sqlx::query_as(
        "SELECT message_id, kind, recipients, aggregate_id, status FROM outbox
         WHERE channel = 'EMAIL' ORDER BY created_at",
    )
    .fetch_all(&db.app.pool)
    .await
    .unwrap()
}

async fn send(db: &TestDatabase, t: TenantId, invoice: InvoiceId, to: &[&str], delivery: Delivery) {
    let to = to.iter().map(|a| (*a).to_owned()).collect();
    db.app
        .use_cases
        .mark_invoice_sent(&ctx(t, "acc"), invoice, to, delivery)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_mail_reactor_queues_what_happens_after_it_is_installed_once_and_is_never_rebuilt() {
    // Given a store whose history already holds an invoice Folio e-mailed
    let db = TestDatabase::new().await;
    let t = tenant();
    every_event_type(&db.app, t).await;
    let projections = db.app.projections();
    // When the reactor is installed, it starts at the feed's head: history is not mailed
    projections.catch_up().await.unwrap();
    assert_eq!(outbox(&db).await, []);

    // When one invoice is then sent by e-mail and another only recorded as sent
    let buyer = customer(&db.app, t, "Acme GmbH").await;
    let mailed = issued_invoice(&db.app, t, buyer, 1).await;
    let recorded = issued_invoice(&db.app, t, buyer, 2).await;
    send(
        &db,
        t,
        mailed,
        &["ap@acme.example", "cfo@acme.example"],
        Delivery::Email,
    )
    .await;
    send(&db, t, recorded, &["ap@acme.example"], Delivery::Recorded).await;
    projections.catch_up().await.unwrap();

    // Then exactly one message is queued: to both recipients, about that invoice
    let queued = outbox(&db).await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    let (message_id, kind, recipients, invoice, status) = &queued[0];
    assert_eq!(kind, "invoice_sent");
    assert_eq!(recipients, &["ap@acme.example", "cfo@acme.example"]);
    assert_eq!(invoice, &mailed.0.to_string());
    assert_eq!(status, "QUEUED");
    assert_eq!(message_id.get_version_num(), 5, "a name-based, stable id");

    // When every event is delivered to the reactor again, nothing more is queued
    let events = read_after(
        &mut db.app.pool.acquire().await.unwrap(),
        FeedPosition::ORIGIN,
        10_000,
    )
    .await
    .unwrap();
    let reactor = projections.projector("mail").unwrap();
    let mut tx = db.app.pool.begin().await.unwrap();
    Target::live().enter(&mut tx).await.unwrap();
    let applied = apply_events(&mut tx, reactor.as_ref(), &events)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(applied.applied, 0);
    assert_eq!(outbox(&db).await, queued);

    // And a rebuild of it is refused, saying why; rebuilding everything leaves it be
    let refused = projections.rebuild("mail").await.unwrap_err();
    assert!(
        matches!(refused, ProjectionRunError::NeverRebuilt { .. }),
        "{refused}"
    );
    assert!(
        refused.to_string().contains("send its messages again"),
        "{refused}"
    );
    let rebuilt = projections.rebuild_all().await.unwrap();
    assert!(rebuilt.iter().all(|r| r.projector != "mail"));
    projections.catch_up().await.unwrap();
    assert_eq!(outbox(&db).await, queued);
}

#[tokio::test]
async fn erasing_a_customer_forgets_the_addresses_of_its_e_mails_and_stops_those_unsent() {
    // Given an e-mail queued (no SMTP server: it waits) for a customer's invoice
    let db = TestDatabase::new().await;
    let t = tenant();
    let projections = db.app.projections();
    projections.catch_up().await.unwrap();
    let buyer = customer(&db.app, t, "Ana Lima").await;
    let invoice = issued_invoice(&db.app, t, buyer, 1).await;
    send(&db, t, invoice, &["ana.lima@example.pt"], Delivery::Email).await;
    projections.catch_up().await.unwrap();
    assert_eq!(outbox(&db).await[0].2, ["ana.lima@example.pt"]);

    // When an admin erases the customer's personal data
    db.app
        .use_cases
        .erase_customer_personal_data(&ctx(t, "root"), buyer, "GDPR art. 17".into())
        .await
        .unwrap();

    // Then the outbox holds no address of theirs, and the e-mail is not sent
    let (_, _, recipients, _, status) = outbox(&db).await.remove(0);
    assert!(recipients.is_empty(), "{recipients:?}");
    assert_eq!(status, "FAILED");
    let reason: String = sqlx::query_scalar("SELECT last_error FROM outbox")
        .fetch_one(&db.app.pool)
        .await
        .unwrap();
    assert!(reason.contains("erased"), "{reason}");
    // And a later sending of the invoice queues nothing (the key is gone)
    let later = db
        .app
        .use_cases
        .mark_invoice_sent(
            &ctx(t, "acc"),
            invoice,
            vec!["x@example.pt".into()],
            Delivery::Email,
        )
        .await;
    assert!(
        later.is_err(),
        "an erased customer's invoice takes no new recipients"
    );
    projections.catch_up().await.unwrap();
    assert_eq!(outbox(&db).await.len(), 1);
}

/// A tenant that stated its legal profile, with an issued invoice.
async fn issued_by_a_described_seller(db: &TestDatabase) -> (TenantId, InvoiceId) {
    let t = tenant();
    db.app
        .use_cases
        .configure_legal_profile(&ctx(t, "root"), legal_profile())
        .await
        .unwrap();
    let buyer = customer(&db.app, t, "Acme GmbH").await;
    (t, issued_invoice(&db.app, t, buyer, 3).await)
}

const SEND: &str = "mutation($id: ID!, $key: String!, $to: [String!]!) {
    sendInvoice(idempotencyKey: $key, invoiceId: $id, to: $to) { version consistencyToken } }";

async fn send_over_graphql(server: &Server, t: TenantId, invoice: InvoiceId, key: &str) -> Value {
    let token = server.token(t, "alice", Role::Accountant);
    let variables = json!({"id": invoice.0.to_string(), "key": key, "to": ["ap@acme.example", "cfo@acme.example"]});
    server.ok(&token, SEND, variables).await
}

/// The outbox's status and attempts of the one message about `invoice`.
async fn delivery(db: &TestDatabase, invoice: InvoiceId) -> Option<(String, i32, Option<String>)> {
    sqlx::query_as("SELECT status, attempts, error_code FROM outbox WHERE aggregate_id = $1")
        .bind(invoice.0.to_string())
        .fetch_optional(&db.app.pool)
        .await
        .unwrap()
}

/// Waits until the file of `format` is archived for `invoice`; its SHA-256.
async fn archived(db: &TestDatabase, invoice: InvoiceId, format: &str) -> String {
    support::eventually("the invoice is archived", || async {
        sqlx::query_scalar::<_, String>(
            "SELECT sha256 FROM folio_read.archived_documents
             WHERE invoice_id = $1 AND credit_note_id IS NULL AND format = $2",
        )
        .bind(invoice.0)
        .bind(format)
        .fetch_optional(&db.app.pool)
        .await
        .unwrap()
    })
    .await
}

/// Waits until the e-mail about `invoice` is recorded as sent; the one
/// e-mail the mail server received.
async fn the_one_email(db: &TestDatabase, mail: &MailServer, invoice: InvoiceId) -> Value {
    support::eventually("the e-mail is recorded as sent", || async {
        delivery(db, invoice)
            .await
            .filter(|(status, ..)| status == "SENT")
    })
    .await;
    let emails = mail.emails().await;
    assert_eq!(emails.len(), 1, "{emails:#?}");
    emails[0].clone()
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn an_invoice_sent_over_graphql_is_e_mailed_once_with_its_archived_pdf() {
    // Given folio serve with an SMTP server, and an issued invoice
    let db = TestDatabase::new().await;
    let mail = MailServer::start().await;
    let smtp = mail.smtp_url();
    let server = Server::start_with(
        &db,
        &[
            ("FOLIO_SMTP_URL", smtp.as_str()),
            ("FOLIO_MAIL_FROM", "invoices@folio.example"),
        ],
    )
    .await;
    let (t, invoice) = issued_by_a_described_seller(&db).await;
    // (Sent before its PDF is archived, the e-mail would wait for it: a retry.)
    archived(&db, invoice, "FACTUR_X").await;

    // When an accountant sends it, and retries the request
    send_over_graphql(&server, t, invoice, "send-1").await;
    send_over_graphql(&server, t, invoice, "send-1").await;

    // Then it is e-mailed once, to both recipients, with the archived PDF
    let email = &the_one_email(&db, &mail, invoice).await;
    let to: Vec<&str> = email["to"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["address"].as_str().unwrap())
        .collect();
    assert_eq!(to, ["ap@acme.example", "cfo@acme.example"]);
    assert_eq!(email["from"][0]["address"], "invoices@folio.example");
    let seller = legal_profile().legal_name;
    assert_eq!(email["from"][0]["name"], seller.as_str(), "{email:#}");
    // In the German customer's language, as text and as HTML
    let subject = email["subject"].as_str().unwrap();
    assert!(
        subject.starts_with("Rechnung ") && subject.ends_with(&format!("von {seller}")),
        "{subject}"
    );
    let text = email["text"].as_str().unwrap();
    assert!(text.starts_with("Guten Tag Acme GmbH,"), "{text}");
    assert!(text.contains(" EUR, fällig am "), "{text}");
    let html = email["html"].as_str().unwrap_or_default();
    assert!(html.contains("<p>Guten Tag Acme GmbH,</p>"), "{email:#}");
    let (message_id,): (Uuid,) = sqlx::query_as("SELECT message_id FROM outbox")
        .fetch_one(&db.app.pool)
        .await
        .unwrap();
    assert_eq!(
        email["headers"]["message-id"],
        format!("<{message_id}@folio.example>"),
        "a repeat would carry the same id"
    );
    let attachments = email["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1, "{email:#}");
    assert_eq!(attachments[0]["contentType"], "application/pdf");
    let pdf = mail
        .attachment(
            email["id"].as_str().unwrap(),
            attachments[0]["generatedFileName"].as_str().unwrap(),
        )
        .await;
    assert_eq!(hex_sha256(&pdf), archived(&db, invoice, "FACTUR_X").await);

    // And the invoice shows the e-mail as sent, once, to both
    let accountant = server.token(t, "alice", Role::Accountant);
    let read = server
        .ok(
            &accountant,
            "query($id: ID!) { invoice(id: $id) { notifications {
                messageId channel kind recipients subjectType status attempts failure { code }
                sentAt nextAttemptAt } } }",
            json!({"id": invoice.0.to_string()}),
        )
        .await;
    assert_eq!(
        read["invoice"]["notifications"],
        json!([{
            "messageId": message_id.to_string(), "channel": "EMAIL", "kind": "invoice_sent",
            "recipients": ["ap@acme.example", "cfo@acme.example"], "subjectType": "Invoice",
            "status": "SENT", "attempts": 1, "failure": null,
            "sentAt": read["invoice"]["notifications"][0]["sentAt"], "nextAttemptAt": null
        }])
    );
    // And admins list the tenant's; an accountant may not, nor read 201 at once
    let admin = server.token(t, "root", Role::Admin);
    let listed = server
        .ok(
            &admin,
            "{ notifications(status: SENT) { subjectId } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["notifications"],
        json!([{"subjectId": invoice.0.to_string()}])
    );
    let refused = server
        .gql(&accountant, "{ notifications { status } }", json!({}))
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
    let too_many = server
        .gql(
            &admin,
            "{ notifications(first: 201) { status } }",
            json!({}),
        )
        .await;
    assert_eq!(
        too_many["errors"][0]["extensions"]["code"], "VALIDATION",
        "{too_many}"
    );
}

/// Consulting that withholds ISR: a CFDI says it, EN 16931 cannot.
const WITHHOLDING_LINE: &str = "mutation($key: String!, $invoice: ID!) {
    addInvoiceLine(idempotencyKey: $key, invoiceId: $invoice, line: {
        description: \"Consultoría fiscal\", quantity: \"10\", unitPrice: \"1500\",
        sat: {productKey: \"84111506\", unitKey: \"E48\"},
        taxes: [{code: \"IVA\", percent: \"16\", treatment: STANDARD},
                {code: \"ISR\", percent: \"10\", treatment: WITHHOLDING}]}) { version } }";

#[tokio::test]
async fn a_stamped_mexican_invoice_with_withholdings_is_e_mailed_with_its_cfdi() {
    // Given folio serve with a PAC and an SMTP server, and a tenant under MX
    // without a legal profile (its CFDI issuer names it)
    let db = TestDatabase::new().await;
    let mail = MailServer::start().await;
    let pac = PacSimulator::start_on(free_port(), 0).await;
    let mut env = pac_env(&pac.url);
    env.push(("FOLIO_SMTP_URL", mail.smtp_url()));
    env.push(("FOLIO_MAIL_FROM", "facturas@folio.example".to_owned()));
    let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let server = Server::start_with(&db, &env).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let customer = mexican_customer(&server, &admin, "26015").await;
    let (cer, pem) = test_csd();
    let install = json!({"key": key(), "cer": cer, "pem": pem, "password": "12345678a"});
    server.ok(&admin, INSTALL_CSD, install).await;
    let invoice = draft_for(&server, &admin, &customer).await;
    let line = json!({"key": key(), "invoice": invoice});
    server.ok(&admin, WITHHOLDING_LINE, line).await;
    server
        .ok(&admin, ISSUE, json!({"key": key(), "invoice": invoice}))
        .await;
    let invoice = InvoiceId(invoice.as_str().unwrap().parse().unwrap());
    stamped(&server, &admin, &invoice.0.to_string()).await;
    let cfdi_sha256 = archived(&db, invoice, "CFDI").await;

    // When an accountant sends it
    send_over_graphql(&server, t, invoice, "send-mx").await;

    // Then it is e-mailed, in Spanish, with the stamped CFDI and its printed form
    let email = &the_one_email(&db, &mail, invoice).await;
    let issuer = "ACCEM SERVICIOS EMPRESARIALES";
    assert_eq!(email["from"][0]["name"], issuer, "{email:#}");
    let subject = email["subject"].as_str().unwrap();
    assert!(
        subject.starts_with("Factura ") && subject.ends_with(issuer),
        "{subject}"
    );
    let text = email["text"].as_str().unwrap();
    assert!(text.contains("MXN"), "{text}");
    let attachments = email["attachments"].as_array().unwrap();
    let types: Vec<&str> = attachments
        .iter()
        .map(|a| a["contentType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["application/pdf", "application/xml"], "{email:#}");
    let cfdi = mail
        .attachment(
            email["id"].as_str().unwrap(),
            attachments[1]["generatedFileName"].as_str().unwrap(),
        )
        .await;
    assert_eq!(hex_sha256(&cfdi), cfdi_sha256);
    assert!(String::from_utf8_lossy(&cfdi).contains("Impuesto=\"001\""));
}

#[tokio::test]
async fn e_mail_sent_while_the_smtp_server_is_down_is_retried_and_arrives_once_it_is_back() {
    // Given folio serve whose SMTP server is not running, retrying every second
    let db = TestDatabase::new().await;
    let port = support::free_port();
    let smtp = format!("smtp://127.0.0.1:{port}");
    let retries = vec!["1s"; 30].join(",");
    let server = Server::start_with(
        &db,
        &[
            ("FOLIO_SMTP_URL", smtp.as_str()),
            ("FOLIO_MAIL_FROM", "invoices@folio.example"),
            ("FOLIO_MAIL_RETRY_SCHEDULE", retries.as_str()),
        ],
    )
    .await;
    let (t, invoice) = issued_by_a_described_seller(&db).await;

    // When an invoice is sent
    send_over_graphql(&server, t, invoice, "send-1").await;

    // Then the failures are recorded with their code, and it waits
    support::eventually("two attempts failed", || async {
        delivery(&db, invoice)
            .await
            .filter(|(status, attempts, code)| {
                status == "RETRYING" && *attempts >= 2 && code.as_deref() == Some("UNAVAILABLE")
            })
    })
    .await;

    // And the invoice shows why it waits and when it is tried again
    let accountant = server.token(t, "alice", Role::Accountant);
    // (Between two reads it may be SENDING for a moment: the next read sees it wait.)
    let shown = support::eventually("the invoice shows the e-mail retrying", || async {
        let read = server
            .ok(
                &accountant,
                "query($id: ID!) { invoice(id: $id) { notifications {
                    status failure { code reason } nextAttemptAt } } }",
                json!({"id": invoice.0.to_string()}),
            )
            .await;
        let shown = read["invoice"]["notifications"][0].clone();
        (shown["status"] == "RETRYING").then_some(shown)
    })
    .await;
    assert_eq!(shown["failure"]["code"], "UNAVAILABLE", "{shown}");
    assert!(shown["failure"]["reason"].is_string(), "{shown}");
    assert!(shown["nextAttemptAt"].is_string(), "{shown}");

    // And /metrics counts it as retrying
    support::eventually("/metrics counts the e-mail retrying", || async {
        let scrape = server.text("/metrics").await;
        (series(
            &scrape,
            r#"folio_notifications_unsent{channel="EMAIL",status="RETRYING"}"#,
        ) == Some(1.0))
        .then_some(())
    })
    .await;

    // When the server comes up, the e-mail arrives, once
    let mail = MailServer::start_on(port).await;
    let (_, attempts, _) = support::eventually("the e-mail is sent", || async {
        delivery(&db, invoice)
            .await
            .filter(|(status, ..)| status == "SENT")
    })
    .await;
    assert_eq!(mail.emails().await.len(), 1);
    let log: Vec<(i32, String)> =
        sqlx::query_as("SELECT attempt, outcome FROM outbox_attempts ORDER BY attempt")
            .fetch_all(&db.app.pool)
            .await
            .unwrap();
    assert_eq!(
        log.len() as i32,
        attempts,
        "one log row per attempt: {log:?}"
    );
    assert_eq!(log.last().unwrap().1, "SENT");
    assert!(
        log[..log.len() - 1]
            .iter()
            .all(|(_, outcome)| outcome == "RETRY"),
        "{log:?}"
    );
    let scrape = server.text("/metrics").await;
    assert_eq!(
        series(
            &scrape,
            r#"folio_notification_attempts_total{channel="EMAIL",outcome="SENT"}"#
        ),
        Some(1.0),
        "{scrape}"
    );
}

#[tokio::test]
async fn folio_serve_killed_mid_send_loses_no_e_mail_and_its_successor_sends_it_with_the_same_id() {
    // Given folio serve whose SMTP server takes connections and never answers
    // (each attempt hangs until its 1 s timeout), and an archived invoice
    let db = TestDatabase::new().await;
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("smtp://{}", silent.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    let retries = vec!["1s"; 30].join(",");
    let settings = |smtp: &str| {
        vec![
            ("FOLIO_SMTP_URL", smtp.to_owned()),
            ("FOLIO_MAIL_FROM", "invoices@folio.example".to_owned()),
            ("FOLIO_MAIL_RETRY_SCHEDULE", retries.clone()),
            ("FOLIO_SMTP_TIMEOUT_MS", "1000".to_owned()),
        ]
    };
    let env = settings(&silent_url);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut first = Server::start_with(&db, &env).await;
    let (t, invoice) = issued_by_a_described_seller(&db).await;
    archived(&db, invoice, "FACTUR_X").await;

    // When the invoice is sent and the process is killed (SIGKILL) mid-send
    send_over_graphql(&first, t, invoice, "send-1").await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while delivery(&db, invoice)
        .await
        .map(|(status, ..)| status)
        .as_deref()
        != Some("SENDING")
    {
        assert!(tokio::time::Instant::now() < deadline, "never seen sending");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    first.child.kill().await.unwrap();
    held.abort();
    let (status, attempts, _) = delivery(&db, invoice).await.unwrap();
    assert_eq!(
        (status.as_str(), attempts),
        ("SENDING", 1),
        "killed while holding it"
    );

    // Then a new folio serve with a working SMTP server takes it over once its
    // hold ends, and it arrives once, under its stable id
    let mail = MailServer::start().await;
    let env = settings(&mail.smtp_url());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let _second = Server::start_with(&db, &env).await;
    let (_, attempts, _) = support::eventually("the e-mail is sent", || async {
        delivery(&db, invoice)
            .await
            .filter(|(status, ..)| status == "SENT")
    })
    .await;
    assert_eq!(attempts, 2, "the killed attempt, then the one that sent it");
    let emails = mail.emails().await;
    assert_eq!(emails.len(), 1, "{emails:#?}");
    let (message_id,): (Uuid,) = sqlx::query_as("SELECT message_id FROM outbox")
        .fetch_one(&db.app.pool)
        .await
        .unwrap();
    assert_eq!(
        emails[0]["headers"]["message-id"],
        format!("<{message_id}@folio.example>")
    );
    // The killed attempt left no log row: the log shows what finished.
    let log: Vec<(i32, String)> =
        sqlx::query_as("SELECT attempt, outcome FROM outbox_attempts ORDER BY attempt")
            .fetch_all(&db.app.pool)
            .await
            .unwrap();
    assert_eq!(log, [(2, "SENT".to_owned())]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invoice_e_mail_follows_the_tenant_s_mail_settings() {
    // Given folio serve with an SMTP server, and an issued, archived invoice
    let db = TestDatabase::new().await;
    let mail = MailServer::start().await;
    let smtp = mail.smtp_url();
    let env = [
        ("FOLIO_SMTP_URL", smtp.as_str()),
        ("FOLIO_MAIL_FROM", "invoices@folio.example"),
    ];
    let server = Server::start_with(&db, &env).await;
    let (t, invoice) = issued_by_a_described_seller(&db).await;
    support::eventually("the invoice is archived", || async {
        let archived: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM folio_read.archived_documents WHERE invoice_id = $1",
        )
        .bind(invoice.0)
        .fetch_one(&db.app.pool)
        .await
        .unwrap();
        (archived == 2).then_some(())
    })
    .await;

    // When an admin sets a sender name, a reply-to, a copy and the XML
    let admin = server.token(t, "root", Role::Admin);
    let configure = "mutation($mail: MailSettingsInput!) {
        configureMail(idempotencyKey: \"mail-1\", mail: $mail) { consistencyToken } }";
    let settings = json!({"senderName": "Muster Billing", "replyTo": "ar@muster.example",
        "copyTo": "records@muster.example", "attachEInvoice": true});
    server
        .ok(&admin, configure, json!({"mail": settings}))
        .await;
    let read = server
        .ok(
            &admin,
            "{ tenantSettings { mail { senderName replyTo copyTo attachEInvoice } } }",
            json!({}),
        )
        .await;
    assert_eq!(read["tenantSettings"]["mail"], settings);
    // A sender name that would forge a header is refused, and nothing changes
    let forged = json!({"senderName": "Muster\r\nBcc: x@evil.example"});
    let refused = server
        .gql(
            &admin,
            configure.replace("mail-1", "mail-2").as_str(),
            json!({"mail": forged}),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "VALIDATION",
        "{refused}"
    );

    // And the invoice is sent
    send_over_graphql(&server, t, invoice, "send-settings").await;

    // Then the e-mail shows the sender name, replies go to the reply-to, the
    // records get a blind copy, and the UBL rides beside the PDF, byte for byte
    let email =
        support::eventually("the e-mail arrives", || async { mail.emails().await.pop() }).await;
    assert_eq!(email["from"][0]["name"], "Muster Billing", "{email:#}");
    assert_eq!(email["from"][0]["address"], "invoices@folio.example");
    let source = mail.source(email["id"].as_str().unwrap()).await;
    let headers = &source[..source.find("\r\n\r\n").unwrap()];
    assert!(
        headers.contains("\r\nReply-To: ar@muster.example\r\n"),
        "{headers}"
    );
    assert!(!headers.contains("Bcc"), "the copy is blind: {headers}");
    let bcc: Vec<&str> = email["calculatedBcc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["address"].as_str().unwrap())
        .collect();
    assert_eq!(bcc, ["records@muster.example"], "{email:#}");
    assert!(
        email["headers"].get("bcc").is_none(),
        "the copy is blind: {email:#}"
    );
    let attachments = email["attachments"].as_array().unwrap();
    let names: Vec<&str> = attachments
        .iter()
        .map(|a| a["generatedFileName"].as_str().unwrap())
        .collect();
    assert_eq!(attachments.len(), 2, "{names:?}");
    let xml = attachments
        .iter()
        .find(|a| a["filename"].as_str().unwrap().ends_with(".xml"))
        .unwrap();
    let bytes = mail
        .attachment(
            email["id"].as_str().unwrap(),
            xml["generatedFileName"].as_str().unwrap(),
        )
        .await;
    assert_eq!(hex_sha256(&bytes), archived(&db, invoice, "UBL").await);
    // And the outbox shows the customer's recipients only
    let (_, _, recipients, _, _) = outbox(&db).await.remove(0);
    assert_eq!(recipients, ["ap@acme.example", "cfo@acme.example"]);
}

const INVITE_WITH_EMAIL: &str = "mutation($key: String!, $subject: String!, $roles: [Role!]!,
        $manager: String, $email: String) {
    inviteUser(idempotencyKey: $key, input: {subject: $subject, roles: $roles, manager: $manager,
        email: $email}) { aggregateId } }";
const SUBMIT_EXPENSE: &str = "mutation($key: String!, $on: Date!) {
    submitExpense(idempotencyKey: $key, expense: {incurredOn: $on, merchant: \"Rail\",
        category: \"travel\", amount: {amount: \"84.50\", currency: \"EUR\"},
        description: \"Train to Köln\", receiptRef: \"r-1\"}) { aggregateId } }";
const EXPENSE_NOTIFICATIONS: &str = "query($id: ID!) { expense(id: $id) { notifications {
    kind recipients status failure { code reason } } } }";

/// folio serve with an SMTP server (maildev) and a tenant with a German legal
/// profile whose expenses go to the employee's manager, its admin `root`;
/// `boss` approves, `ana` and `dave` (who has no e-mail address) report to
/// them. Invited over GraphQL.
async fn expense_directory() -> (TestDatabase, MailServer, Server, TenantId) {
    use folio_domain::directory::{ApprovalRouting, DirectoryPolicy, Enrollment};
    let db = TestDatabase::new().await;
    let mail = MailServer::start().await;
    let smtp = mail.smtp_url();
    let env = [
        ("FOLIO_SMTP_URL", smtp.as_str()),
        ("FOLIO_MAIL_FROM", "expenses@folio.example"),
    ];
    let server = Server::start_with(&db, &env).await;
    let policy = DirectoryPolicy {
        enrollment: Enrollment::InviteOnly,
        approval_routing: ApprovalRouting::EmployeesManager,
    };
    let t = tenant_with_directory(&db.app, policy, None).await;
    let use_cases = &db.app.use_cases;
    use_cases
        .configure_legal_profile(&ctx(t, "root"), legal_profile())
        .await
        .unwrap();
    let admin = server.token(t, "root", Role::Admin);
    for (subject, role, manager, email) in [
        ("boss", "APPROVER", None, Some("boss@muster.example")),
        ("ana", "EMPLOYEE", Some("boss"), Some("ana@muster.example")),
        ("dave", "EMPLOYEE", Some("boss"), None),
    ] {
        let variables = json!({"key": format!("invite-{subject}"), "subject": subject,
            "roles": [role], "manager": manager, "email": email});
        server.ok(&admin, INVITE_WITH_EMAIL, variables).await;
    }
    (db, mail, server, t)
}

/// The e-mails maildev received for `address`.
async fn emails_to(mail: &MailServer, address: &str) -> Vec<Value> {
    mail.emails()
        .await
        .into_iter()
        .filter(|email| {
            email["to"]
                .as_array()
                .is_some_and(|to| to.iter().any(|a| a["address"] == address))
        })
        .collect()
}

/// Submits an expense as `employee`; its id.
async fn submit_expense(server: &Server, t: TenantId, employee: &str) -> String {
    let token = server.token(t, employee, Role::Employee);
    let variables = json!({"key": format!("submit-{employee}"), "on": support::recently()});
    let done = server.ok(&token, SUBMIT_EXPENSE, variables).await;
    done["submitExpense"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn approvers_and_employees_are_e_mailed_about_expenses_and_nobody_without_an_address() {
    // Given folio serve with an SMTP server, and a directory routing to managers
    let (_db, mail, server, t) = expense_directory().await;
    let boss = server.token(t, "boss", Role::Approver);

    // When ana submits an expense, her manager is told it waits for them
    let expense = submit_expense(&server, t, "ana").await;
    let waiting = support::eventually("boss is e-mailed", || async {
        emails_to(&mail, "boss@muster.example").await.pop()
    })
    .await;
    // In the tenant's language (its legal profile is German), signed with its name
    assert_eq!(
        waiting["subject"],
        "Ausgabe wartet auf Ihre Entscheidung: Rail, 84,50 EUR"
    );
    let text = waiting["text"].as_str().unwrap();
    assert!(
        text.contains("ana macht 84,50 EUR für Train to Köln bei Rail vom "),
        "{text}"
    );
    assert!(text.ends_with("Folio, für Muster GmbH\n"), "{text}");
    assert_eq!(waiting["from"][0]["address"], "expenses@folio.example");

    // When boss approves it, ana is told
    let approve = "mutation($id: ID!) {
        approveExpense(idempotencyKey: \"approve-ana\", expenseId: $id) { aggregateId } }";
    server.ok(&boss, approve, json!({"id": expense})).await;
    let approved = support::eventually("ana is e-mailed", || async {
        emails_to(&mail, "ana@muster.example").await.pop()
    })
    .await;
    assert_eq!(approved["subject"], "Ausgabe genehmigt: Rail, 84,50 EUR");
    let text = approved["text"].as_str().unwrap();
    assert!(text.contains("wurde von boss genehmigt."), "{text}");
    assert_eq!(emails_to(&mail, "boss@muster.example").await.len(), 1);

    // And the expense shows both e-mails as sent, each to its one reader
    let read = server
        .ok(&boss, EXPENSE_NOTIFICATIONS, json!({"id": expense}))
        .await;
    let mut sent: Vec<(String, Value, String)> = read["expense"]["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let kind = n["kind"].as_str().unwrap().to_owned();
            (kind, n["recipients"].clone(), n["status"].to_string())
        })
        .collect();
    sent.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        sent,
        [
            (
                "expense_approved".to_owned(),
                json!(["ana@muster.example"]),
                "\"SENT\"".to_owned()
            ),
            (
                "expense_waiting".to_owned(),
                json!(["boss@muster.example"]),
                "\"SENT\"".to_owned()
            ),
        ]
    );

    // When dave, who has no address, has his expense rejected
    let daves = submit_expense(&server, t, "dave").await;
    support::eventually("boss is e-mailed about dave's expense", || async {
        let to_boss = emails_to(&mail, "boss@muster.example").await;
        (to_boss.len() == 2).then_some(())
    })
    .await;
    let reject = "mutation($id: ID!) { rejectExpense(idempotencyKey: \"reject-dave\",
        expenseId: $id, reason: \"private trip\") { aggregateId } }";
    server.ok(&boss, reject, json!({"id": daves})).await;
    // Then his e-mail is skipped, saying why, and nothing is retried
    let skipped = support::eventually("dave's e-mail is skipped", || async {
        let read = server
            .ok(&boss, EXPENSE_NOTIFICATIONS, json!({"id": daves}))
            .await;
        read["expense"]["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["kind"] == "expense_rejected" && n["status"] == "SKIPPED")
            .cloned()
    })
    .await;
    assert_eq!(skipped["recipients"], json!([]));
    assert_eq!(skipped["failure"]["code"], "VALIDATION");
    assert_eq!(
        skipped["failure"]["reason"],
        "dave has no e-mail address in the directory"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn erasing_a_user_forgets_their_address_in_the_directory_the_history_and_the_outbox() {
    // Given ana's expense approved and both e-mails sent
    let (db, mail, server, t) = expense_directory().await;
    let expense = submit_expense(&server, t, "ana").await;
    support::eventually("boss is e-mailed", || async {
        emails_to(&mail, "boss@muster.example").await.pop()
    })
    .await;
    let boss = server.token(t, "boss", Role::Approver);
    let approve = "mutation($id: ID!) {
        approveExpense(idempotencyKey: \"approve\", expenseId: $id) { aggregateId } }";
    server.ok(&boss, approve, json!({"id": expense})).await;
    support::eventually("ana is e-mailed", || async {
        emails_to(&mail, "ana@muster.example").await.pop()
    })
    .await;

    // When an admin erases ana's personal data
    let admin = server.token(t, "root", Role::Admin);
    let erase = "mutation { eraseUserPersonalData(idempotencyKey: \"erase-ana\",
        subject: \"ana\", reason: \"GDPR art. 17, request 12\") { consistencyToken } }";
    let done = server.ok(&admin, erase, json!({})).await;

    // Then the directory shows no address, and that it was erased
    let token = done["eraseUserPersonalData"]["consistencyToken"].clone();
    let read = server
        .ok(
            &admin,
            "query($token: String) { directoryUser(subject: \"ana\", consistencyToken: $token) {
                email personalDataErased } }",
            json!({"token": token}),
        )
        .await;
    assert_eq!(
        read["directoryUser"],
        json!({"email": null, "personalDataErased": true})
    );
    // And the history holds her address only sealed, under a destroyed key
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT payload::text FROM events WHERE aggregate_type = 'User' AND payload::text LIKE '%ana%'",
    )
    .fetch_all(&db.app.pool)
    .await
    .unwrap();
    assert!(!stored.is_empty());
    assert!(
        stored.iter().all(|p| !p.contains("ana@muster.example")),
        "{stored:?}"
    );
    // And the outbox forgot where her e-mail went; boss's stays
    let recipients: Vec<(String, Vec<String>)> =
        sqlx::query_as("SELECT kind, recipients FROM outbox ORDER BY kind")
            .fetch_all(&db.app.pool)
            .await
            .unwrap();
    assert_eq!(
        recipients,
        [
            ("expense_approved".to_owned(), vec![]),
            (
                "expense_waiting".to_owned(),
                vec!["boss@muster.example".to_owned()]
            ),
        ]
    );
    // And no new address can be recorded for her
    let update = "mutation { updateUser(idempotencyKey: \"readd\", subject: \"ana\",
        input: {email: \"ana@new.example\"}) { version } }";
    let refused = server.gql(&admin, update, json!({})).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "CONFLICT",
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reminder_schedule_is_set_over_graphql_in_order_and_a_bad_one_changes_nothing() {
    // Given folio serve and an admin
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let configure = "mutation($key: String!, $steps: [DunningStepInput!]!) {
        configureDunning(idempotencyKey: $key, policy: {steps: $steps}) { version } }";
    let read = "{ tenantSettings { dunning { steps { daysAfterDue } } } }";
    let steps =
        |days: &[i32]| -> Value { days.iter().map(|d| json!({"daysAfterDue": d})).collect() };

    // When it sets reminders 14 and 7 days overdue and 3 before due
    server
        .ok(
            &admin,
            configure,
            json!({"key": "dunning-1", "steps": steps(&[14, 7, -3])}),
        )
        .await;
    // Then they read back earliest first
    let settings = server.ok(&admin, read, json!({})).await;
    assert_eq!(
        settings["tenantSettings"]["dunning"]["steps"],
        steps(&[-3, 7, 14])
    );

    // When two fall on one day, it is refused, naming the day, and nothing changes
    let refused = server
        .gql(
            &admin,
            configure,
            json!({"key": "dunning-2", "steps": steps(&[7, 7])}),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "VALIDATION",
        "{refused}"
    );
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("two reminders on day 7"),
        "{refused}"
    );
    let unchanged = server.ok(&admin, read, json!({})).await;
    assert_eq!(unchanged, settings);
}
