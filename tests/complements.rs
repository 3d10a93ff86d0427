//! Mexico's payment complements end to end: a payment recorded over GraphQL
//! on a stamped invoice issued PPD is owed a complement (CFDI of type P,
//! Pagos 2.0); `folio serve` numbers it in the tenant's complement series,
//! seals it with the tenant's CSD and has the PAC (the simulator, SW
//! Sapien's API over HTTP) stamp it with its own fiscal folio. The stamped
//! XML is kept; SAT's schemas accept it, and it names the invoice's folio,
//! which payment it is, the balance before and after it, and for a payment
//! beyond the balance the balance paid and the whole amount received. A payment its
//! complement could not state is refused when it is recorded.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use folio_api::Role;
use folio_documents::cfdi::read::{read_elements, CfdiElement};
use serde_json::{json, Value};
use support::mexico::{key, pdf_text, sat_schemas_accept, PAGOS_SCHEMA, STAMPED_CFDI_SCHEMAS};
use support::pac::PacSimulator;
use support::server::Server;
use support::stamping::{issued_mexican_invoice, server_with_pac, stamped, stored};
use support::{free_port, tenant, TestDatabase};

const PAY: &str = "mutation($key: String!, $id: ID!, $amount: Decimal!, $method: PaymentMethod!) {
    recordPayment(idempotencyKey: $key, invoiceId: $id,
        payment: {amount: {amount: $amount, currency: \"MXN\"}, method: $method}) {
        aggregateId consistencyToken } }";

const COMPLEMENTS: &str = "query($id: ID!) { invoice(id: $id) { payments { paymentId amount
    cfdiComplement { number status uuid sealedAt stampedAt rejection { code message }
        failure { code reason attempts } } } } }";

const ARCHIVES: &str = "query($id: ID!) { invoice(id: $id) {
    documents { format }
    payments { paymentId cfdiComplement { number archive { status failure { reason } }
        documents { format sha256 contentType } } } } }";

/// Waits (a minute at most) until every complement of `invoice` is
/// archived; the invoice with its own files and each payment's.
async fn archived_complements(server: &Server, token: &str, invoice: &str) -> Value {
    for _ in 0..240 {
        let data = server.ok(token, ARCHIVES, json!({"id": invoice})).await;
        let invoice = &data["invoice"];
        let payments = invoice["payments"].as_array().unwrap();
        let archived = payments
            .iter()
            .all(|p| p["cfdiComplement"]["archive"]["status"] == "ARCHIVED");
        if archived {
            return invoice.clone();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("not archived");
}

/// Records a payment of `amount` MXN by `method` on `invoice`; the response.
async fn pay(server: &Server, token: &str, invoice: &str, amount: &str, method: &str) -> Value {
    let variables = json!({"key": key(), "id": invoice, "amount": amount, "method": method});
    server.gql(token, PAY, variables).await
}

/// The invoice's payments with their complements, as GraphQL shows them.
async fn payments_of(server: &Server, token: &str, invoice: &str) -> Vec<Value> {
    let data = server.ok(token, COMPLEMENTS, json!({"id": invoice})).await;
    data["invoice"]["payments"].as_array().unwrap().clone()
}

/// Waits (a minute at most) until `count` payments' complements are
/// STAMPED; the payments.
async fn stamped_complements(
    server: &Server,
    token: &str,
    invoice: &str,
    count: usize,
) -> Vec<Value> {
    for _ in 0..240 {
        let payments = payments_of(server, token, invoice).await;
        let done = payments
            .iter()
            .filter(|p| p["cfdiComplement"]["status"] == "STAMPED")
            .count();
        if done == count {
            return payments;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!(
        "not stamped: {:?}",
        payments_of(server, token, invoice).await
    );
}

/// The stamped complement's XML, from the blob store.
async fn stamped_xml(db: &TestDatabase, payment: &str) -> Vec<u8> {
    let sha256: String = sqlx::query_scalar(
        "SELECT xml_sha256 FROM folio_read.payment_complements WHERE payment_id = $1::uuid",
    )
    .bind(payment)
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    stored(&sha256)
}

/// The first element at `path` of `elements`.
fn at<'a>(elements: &'a [CfdiElement], path: &str) -> &'a CfdiElement {
    elements
        .iter()
        .find(|element| element.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
}

#[tokio::test]
async fn each_payment_of_a_stamped_ppd_invoice_gets_its_own_stamped_complement() {
    let db = TestDatabase::new().await;
    let pac = PacSimulator::start_on(free_port(), 0).await;
    let server = server_with_pac(&db, &pac.url).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let accountant = server.token(t, "acc", Role::Accountant);
    // 2 x 500 MXN + IVA 16%: 1,160 owed, to be paid later (PPD).
    let invoice = issued_mexican_invoice(&server, &admin).await;
    let folio = stamped(&server, &accountant, &invoice).await["uuid"]
        .as_str()
        .unwrap()
        .to_uppercase();

    // A payment its complement could not state is refused, and changes nothing.
    let other = pay(&server, &accountant, &invoice, "100", "OTHER").await;
    assert_eq!(
        other["errors"][0]["extensions"]["code"], "VALIDATION",
        "{other}"
    );
    // Paid in three parts, by transfer, by card and in cash, the last 40
    // beyond the balance.
    for (amount, method) in [("400", "BANK_TRANSFER"), ("300", "CARD"), ("500", "CASH")] {
        let paid = pay(&server, &accountant, &invoice, amount, method).await;
        assert_eq!(paid["errors"], Value::Null, "{paid}");
    }

    let payments = stamped_complements(&server, &accountant, &invoice, 3).await;
    assert_eq!(payments.len(), 3, "{payments:?}");
    let numbers: Vec<&str> = payments
        .iter()
        .map(|p| p["cfdiComplement"]["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["P-000001", "P-000002", "P-000003"]);
    let expected = [
        ("400", "03", "1", "1160.00", "400.00", "760.00"),
        ("300", "04", "2", "760.00", "300.00", "460.00"),
        ("500", "01", "3", "460.00", "460.00", "0.00"),
    ];
    for (payment, (amount, form, installment, before, paid, after)) in payments.iter().zip(expected)
    {
        let complement = &payment["cfdiComplement"];
        assert_eq!(complement["failure"], Value::Null, "{complement}");
        let uuid = complement["uuid"].as_str().unwrap().to_uppercase();
        assert_ne!(uuid, folio, "a complement has its own fiscal folio");
        // The stamped XML: SAT's schemas accept it; it states the payment.
        let xml = stamped_xml(&db, payment["paymentId"].as_str().unwrap()).await;
        let [cfdi, stamp] = STAMPED_CFDI_SCHEMAS;
        sat_schemas_accept(&xml, &[cfdi, PAGOS_SCHEMA, stamp]);
        let elements = read_elements(&xml).unwrap();
        let comprobante = at(&elements, "Comprobante");
        assert_eq!(comprobante.get("TipoDeComprobante"), "P");
        assert_eq!(comprobante.get("Serie"), "P");
        let pago = at(&elements, "Comprobante/Complemento/Pagos/Pago");
        assert_eq!(pago.get("FormaDePagoP"), form);
        assert_eq!(pago.get("Monto"), format!("{amount}.00"));
        let docto = at(
            &elements,
            "Comprobante/Complemento/Pagos/Pago/DoctoRelacionado",
        );
        assert_eq!(docto.get("IdDocumento"), folio);
        assert_eq!(docto.get("NumParcialidad"), installment);
        assert_eq!(docto.get("ImpSaldoAnt"), before);
        assert_eq!(docto.get("ImpPagado"), paid);
        assert_eq!(docto.get("ImpSaldoInsoluto"), after);
        let timbre = at(&elements, "Comprobante/Complemento/TimbreFiscalDigital");
        assert_eq!(timbre.get("UUID"), uuid);
    }

    // Each stamped complement is archived as itself and its printed form;
    // the invoice's own files stay its own two.
    let archive = archived_complements(&server, &accountant, &invoice).await;
    assert_eq!(
        archive["documents"].as_array().unwrap().len(),
        2,
        "{archive}"
    );
    let printed_as = ["P1", "P2", "P3"];
    let payments = archive["payments"].as_array().unwrap();
    assert_eq!(payments.len(), printed_as.len());
    for (folio_p, payment) in printed_as.iter().zip(payments) {
        let complement = &payment["cfdiComplement"];
        let files = complement["documents"].as_array().unwrap();
        let formats: Vec<&str> = files
            .iter()
            .map(|f| f["format"].as_str().unwrap())
            .collect();
        assert_eq!(formats, ["CFDI", "CFDI_PDF"], "{complement}");
        let xml = stamped_xml(&db, payment["paymentId"].as_str().unwrap()).await;
        assert_eq!(stored(files[0]["sha256"].as_str().unwrap()), xml);
        let printed = pdf_text(&stored(files[1]["sha256"].as_str().unwrap()));
        assert!(
            printed.contains(&format!("Complemento de pago {folio_p}")),
            "{folio_p}: {printed}"
        );
        assert!(printed.contains(&folio), "{printed}");
    }
    pac.stop().await;
}
