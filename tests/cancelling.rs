//! Cancelling a stamped CFDI end to end: a user voids a stamped Mexican
//! invoice over GraphQL, `folio serve` sends the request through the PAC
//! (the simulator, SW Sapien's API over HTTP, deciding as SAT does) and asks
//! SAT's status service (the simulator's, over SOAP) until SAT decides; the
//! invoice turns VOID only then. SAT cancels at once within its
//! acceptance-free window; past it the receiver accepts or refuses, and a
//! refusal leaves the invoice valid. SAT's acknowledgement is kept, and SAT's
//! status service, asked by Folio's own adapter, agrees.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use folio_api::Role;
use folio_commands::stamping::{SatCfdiStatus, SatStatusService};
use folio_documents::cfdi::stamp::read_verification;
use folio_infra::sat_status::SatConsultaService;
use serde_json::{json, Value};
use support::mexico::key;
use support::pac::PacSimulator;
use support::server::Server;
use support::stamping::{
    events_of, issued_for, issued_mexican_invoice, server_with_pac, stamp_of, stamped, stored,
};
use support::{free_port, tenant, TestDatabase};

const VOID: &str = "mutation($key: String!, $id: ID!, $sat: SatCancellationInput) {
    voidInvoice(idempotencyKey: $key, invoiceId: $id, reason: \"issued with errors\",
        satCancellation: $sat) { version } }";

const CANCELLATION: &str = "query($id: ID!) { invoice(id: $id) { status cfdiStamp { status uuid
    cancellation { status satReason replacedBy replacementUuid requestedOn acknowledgedAt
        satStatusCode refusal { code message refusedAt } failure { code reason attempts } } } } }";

/// Asks SAT to cancel `invoice`'s CFDI for `sat` (`reason`, `replacedBy`).
async fn void(server: &Server, token: &str, invoice: &str, sat: Value) {
    server
        .ok(
            token,
            VOID,
            json!({"key": key(), "id": invoice, "sat": sat}),
        )
        .await;
}

/// The invoice with its cancellation as GraphQL shows them.
async fn cancellation_of(server: &Server, token: &str, invoice: &str) -> Value {
    server.ok(token, CANCELLATION, json!({"id": invoice})).await["invoice"].clone()
}

/// Waits (a minute at most) until the invoice's cancellation is `status`;
/// the invoice.
async fn cancellation_becomes(server: &Server, token: &str, invoice: &str, status: &str) -> Value {
    for _ in 0..240 {
        let seen = cancellation_of(server, token, invoice).await;
        if seen["cfdiStamp"]["cancellation"]["status"] == status {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!(
        "not {status}: {}",
        cancellation_of(server, token, invoice).await
    );
}

/// The receiver of `uuid`'s CFDI `answer`s (`accept` or `reject`) its
/// cancellation in SAT's portal, as the simulator at `pac_url` plays it.
async fn receiver_answers(pac_url: &str, uuid: &str, answer: &str) {
    let url = format!(
        "{pac_url}/simulator/receiver/{}/{answer}",
        uuid.to_uppercase()
    );
    let response = reqwest::Client::new().post(url).send().await.unwrap();
    assert!(response.status().is_success(), "{response:?}");
}

/// A read-model column of `invoice`, as text.
async fn column(db: &TestDatabase, invoice: &str, name: &str) -> Option<String> {
    sqlx::query_scalar(&format!(
        "SELECT {name}::text FROM folio_read.invoices WHERE invoice_id = $1::uuid"
    ))
    .bind(invoice)
    .fetch_one(&db.app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_stamped_invoice_turns_void_once_sat_cancels_its_cfdi() {
    let db = TestDatabase::new().await;
    let pac = PacSimulator::start_on(free_port(), 0).await;
    let server = server_with_pac(&db, &pac.url).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let accountant = server.token(t, "alice", Role::Accountant);
    let invoice = issued_mexican_invoice(&server, &admin).await;
    let uuid = stamped(&server, &accountant, &invoice).await["uuid"]
        .as_str()
        .unwrap()
        .to_owned();

    void(
        &server,
        &accountant,
        &invoice,
        json!({"reason": "ERRORS_WITHOUT_REPLACEMENT"}),
    )
    .await;

    // Within SAT's window after the stamp, SAT cancels at once.
    let seen = cancellation_becomes(&server, &accountant, &invoice, "CANCELLED").await;
    assert_eq!(seen["status"], "VOID", "{seen}");
    let cancellation = &seen["cfdiStamp"]["cancellation"];
    assert_eq!(cancellation["satReason"], "ERRORS_WITHOUT_REPLACEMENT");
    assert_eq!(cancellation["satStatusCode"], "201");
    assert!(cancellation["acknowledgedAt"].is_string(), "{cancellation}");
    assert_eq!(cancellation["replacementUuid"], Value::Null);
    assert_eq!(cancellation["refusal"], Value::Null);
    assert_eq!(cancellation["failure"], Value::Null);
    assert_eq!(seen["cfdiStamp"]["status"], "STAMPED", "the stamp stays");
    for (event, times) in [
        ("CfdiCancellationRequested", 1),
        ("CfdiCancellationSubmitted", 1),
        ("InvoiceCancelled", 1),
    ] {
        assert_eq!(events_of(&db, &invoice, event).await, times, "{event}");
    }

    // SAT's acknowledgement is kept, for the folio cancelled.
    let acuse = column(&db, &invoice, "cfdi_cancellation_acuse_sha256").await;
    let acuse = String::from_utf8(stored(&acuse.unwrap())).unwrap();
    assert!(acuse.contains(&uuid.to_uppercase()), "{acuse}");

    // SAT's status service, asked by Folio's adapter with what the stamped
    // CFDI prints, says cancelled.
    let stamped_xml = stored(&column(&db, &invoice, "cfdi_xml_sha256").await.unwrap());
    let named = read_verification(&stamped_xml).unwrap();
    let sat = SatConsultaService::new(&format!("{}/ConsultaCFDIService.svc", pac.url)).unwrap();
    assert_eq!(sat.status(&named).await.unwrap(), SatCfdiStatus::Cancelled);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM cfdi_cancellation_attempts")
        .fetch_one(&db.app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "the attempts are forgotten once SAT decided");
}

#[tokio::test]
async fn reason_01_tells_sat_the_replacing_invoices_fiscal_folio() {
    let db = TestDatabase::new().await;
    let pac = PacSimulator::start_on(free_port(), 0).await;
    let server = server_with_pac(&db, &pac.url).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let accountant = server.token(t, "alice", Role::Accountant);
    let wrong = issued_mexican_invoice(&server, &admin).await;
    let customer = stamped(&server, &accountant, &wrong).await["customerId"].clone();
    let replacement = issued_for(&server, &admin, &customer).await;
    let replacement_uuid = stamped(&server, &accountant, &replacement).await["uuid"].clone();

    let sat = json!({"reason": "ERRORS_WITH_REPLACEMENT", "replacedBy": replacement});
    void(&server, &accountant, &wrong, sat).await;

    let seen = cancellation_becomes(&server, &accountant, &wrong, "CANCELLED").await;
    assert_eq!(seen["status"], "VOID", "{seen}");
    let cancellation = &seen["cfdiStamp"]["cancellation"];
    assert_eq!(cancellation["satReason"], "ERRORS_WITH_REPLACEMENT");
    assert_eq!(cancellation["replacedBy"], replacement.as_str());
    assert_eq!(cancellation["replacementUuid"], replacement_uuid);
    let kept = stamp_of(&server, &accountant, &replacement).await;
    assert_eq!(kept["status"], "STAMPED", "the replacement stays valid");
    assert_eq!(
        cancellation_of(&server, &accountant, &replacement).await["status"],
        "ISSUED"
    );
}

#[tokio::test]
async fn a_receiver_who_refuses_keeps_the_invoice_valid_until_it_accepts_a_new_request() {
    let db = TestDatabase::new().await;
    // SAT asks the receiver for every cancellation.
    let pac = PacSimulator::start_asking_receivers(free_port()).await;
    let server = server_with_pac(&db, &pac.url).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let accountant = server.token(t, "alice", Role::Accountant);
    let invoice = issued_mexican_invoice(&server, &admin).await;
    let uuid = stamped(&server, &accountant, &invoice).await["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let not_replaced = json!({"reason": "ERRORS_WITHOUT_REPLACEMENT"});
    void(&server, &accountant, &invoice, not_replaced.clone()).await;

    // SAT acknowledged it and waits for the receiver: the invoice is valid
    // and takes no payment meanwhile.
    let seen = cancellation_becomes(&server, &accountant, &invoice, "SUBMITTED").await;
    assert_eq!(seen["status"], "ISSUED", "{seen}");
    assert_eq!(seen["cfdiStamp"]["cancellation"]["failure"], Value::Null);
    let payment = server
        .gql(
            &accountant,
            "mutation($key: String!, $id: ID!) { recordPayment(idempotencyKey: $key,
                invoiceId: $id, payment: {amount: {amount: \"100\", currency: \"MXN\"},
                method: BANK_TRANSFER}) { version } }",
            json!({"key": key(), "id": invoice}),
        )
        .await;
    assert_eq!(
        payment["errors"][0]["extensions"]["code"], "CONFLICT",
        "{payment}"
    );

    receiver_answers(&pac.url, &uuid, "reject").await;
    let seen = cancellation_becomes(&server, &accountant, &invoice, "REFUSED").await;
    assert_eq!(seen["status"], "ISSUED", "{seen}");
    let refusal = &seen["cfdiStamp"]["cancellation"]["refusal"];
    assert_eq!(refusal["code"], "RECEIVER_REFUSED", "{refusal}");
    assert!(refusal["refusedAt"].is_string(), "{refusal}");

    // Asked again, the receiver accepts: cancelled, void.
    void(&server, &accountant, &invoice, not_replaced).await;
    cancellation_becomes(&server, &accountant, &invoice, "SUBMITTED").await;
    receiver_answers(&pac.url, &uuid, "accept").await;
    let seen = cancellation_becomes(&server, &accountant, &invoice, "CANCELLED").await;
    assert_eq!(seen["status"], "VOID", "{seen}");
    assert_eq!(events_of(&db, &invoice, "CfdiCancellationRefused").await, 1);
    assert_eq!(
        events_of(&db, &invoice, "CfdiCancellationSubmitted").await,
        2
    );
}
