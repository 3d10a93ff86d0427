//! Mexico's credit notes end to end: a credit note issued over GraphQL
//! against a stamped invoice is a CFDI of type E; `folio serve` seals it
//! with the tenant's CSD and has the PAC (the simulator, SW Sapien's API
//! over HTTP) stamp it with its own fiscal folio. The stamped XML passes
//! SAT's schemas and names the invoice's folio (`TipoRelacion` 01); the
//! credit note is archived as that CFDI and its printed form. Before the
//! invoice's own stamp a credit note is refused and nothing is written.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use folio_api::Role;
use folio_documents::cfdi::read::{read_elements, CfdiElement};
use serde_json::{json, Value};
use support::mexico::{key, pdf_text, sat_schemas_accept, STAMPED_CFDI_SCHEMAS};
use support::pac::PacSimulator;
use support::server::Server;
use support::stamping::{events_of, issued_mexican_invoice, server_with_pac, stamped, stored};
use support::{free_port, tenant, TestDatabase};

const CREDIT_LINES: &str =
    "mutation($key: String!, $invoice: ID!, $line: ID!, $quantity: Decimal!) {
    issueCreditNote(idempotencyKey: $key, invoiceId: $invoice, creditNote: {
        lines: [{lineId: $line, quantity: $quantity}], reason: \"Servicio no prestado\"}) {
        aggregateId } }";

const CREDIT_NOTES: &str = "query($id: ID!) { invoice(id: $id) { lines { lineId }
    creditNotes { creditNoteId number total
        cfdiStamp { status uuid sealedAt stampedAt rejection { code } failure { reason } }
        archive { status failure { reason } }
        documents { format sha256 } } } }";

async fn credit_notes_of(server: &Server, token: &str, invoice: &str) -> Value {
    let data = server.ok(token, CREDIT_NOTES, json!({"id": invoice})).await;
    data["invoice"].clone()
}

/// Waits (a minute at most) until every credit note of `invoice` is stamped
/// and archived; the invoice as [`CREDIT_NOTES`] reads it.
async fn stamped_and_archived(server: &Server, token: &str, invoice: &str) -> Value {
    for _ in 0..240 {
        let read = credit_notes_of(server, token, invoice).await;
        let notes = read["creditNotes"].as_array().unwrap();
        let done = notes.iter().all(|note| {
            note["cfdiStamp"]["status"] == "STAMPED" && note["archive"]["status"] == "ARCHIVED"
        });
        if !notes.is_empty() && done {
            return read;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!(
        "not stamped: {}",
        credit_notes_of(server, token, invoice).await
    );
}

fn at<'a>(elements: &'a [CfdiElement], path: &str) -> &'a CfdiElement {
    elements
        .iter()
        .find(|element| element.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
}

#[tokio::test]
async fn a_credit_note_of_a_stamped_invoice_is_stamped_as_an_egreso_and_archived() {
    let db = TestDatabase::new().await;
    let port = free_port();
    let server = server_with_pac(&db, &format!("http://127.0.0.1:{port}")).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let accountant = server.token(t, "acc", Role::Accountant);
    // 2 x 500 MXN + IVA 16%: 1,160.
    let invoice = issued_mexican_invoice(&server, &admin).await;
    let line = credit_notes_of(&server, &accountant, &invoice).await["lines"][0]["lineId"].clone();
    let credit = |quantity: &str| json!({"key": key(), "invoice": invoice, "line": line, "quantity": quantity});

    // The PAC is away: the invoice has no fiscal folio yet, and a credit
    // note has none to name: refused, nothing written.
    let early = server.gql(&accountant, CREDIT_LINES, credit("1")).await;
    assert_eq!(
        early["errors"][0]["extensions"]["code"], "CONFLICT",
        "{early}"
    );
    assert_eq!(events_of(&db, &invoice, "CreditNoteIssued").await, 0);

    // Back: the invoice is stamped; one of its two services is taken back.
    let pac = PacSimulator::start_on(port, 0).await;
    let stamp = stamped(&server, &accountant, &invoice).await;
    server.ok(&accountant, CREDIT_LINES, credit("1")).await;
    let folio = stamp["uuid"].as_str().unwrap().to_uppercase();
    let read = stamped_and_archived(&server, &accountant, &invoice).await;
    let notes = read["creditNotes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{read}");
    let note = &notes[0];
    assert_eq!(note["total"], "580.00", "{note}");
    let cfdi = &note["cfdiStamp"];
    assert_eq!(cfdi["failure"], Value::Null, "{cfdi}");
    let uuid = cfdi["uuid"].as_str().unwrap().to_uppercase();
    assert_ne!(uuid, folio, "a credit note has its own fiscal folio");

    // The stamped XML: SAT's schemas accept it; an egreso of the invoice.
    let files = note["documents"].as_array().unwrap();
    let formats: Vec<&str> = files
        .iter()
        .map(|f| f["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats, ["CFDI", "CFDI_PDF"], "{note}");
    let xml = stored(files[0]["sha256"].as_str().unwrap());
    sat_schemas_accept(&xml, &STAMPED_CFDI_SCHEMAS);
    let elements = read_elements(&xml).unwrap();
    let comprobante = at(&elements, "Comprobante");
    assert_eq!(comprobante.get("TipoDeComprobante"), "E");
    assert_eq!(comprobante.get("Total"), "580.00");
    assert_eq!(comprobante.get("MetodoPago"), "PUE");
    let relacionados = at(&elements, "Comprobante/CfdiRelacionados");
    assert_eq!(relacionados.get("TipoRelacion"), "01");
    let relacionado = at(&elements, "Comprobante/CfdiRelacionados/CfdiRelacionado");
    assert_eq!(relacionado.get("UUID"), folio);
    let timbre = at(&elements, "Comprobante/Complemento/TimbreFiscalDigital");
    assert_eq!(timbre.get("UUID"), uuid);

    // Its printed form says what it is and carries both folios.
    let printed = pdf_text(&stored(files[1]["sha256"].as_str().unwrap()));
    assert!(printed.contains("Nota de crédito"), "{printed}");
    assert!(printed.contains(&uuid), "{printed}");
    assert!(
        printed.contains(&folio),
        "the invoice it relates to: {printed}"
    );
    pac.stop().await;
}
