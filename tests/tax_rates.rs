//! The tenant's tax-rate catalogue over HTTP against `folio serve`: an admin
//! keeps the rates, accountants read them and pick them by key on a line, an
//! unknown key is refused and writes nothing, and a line keeps the rate it was
//! given when the catalogue changes later.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use folio_api::Role;
use serde_json::{json, Value};
use support::server::Server;
use support::{event_count, tenant, TestDatabase};

const CONFIGURE: &str = "mutation($key: String!, $rates: [TaxRateEntryInput!]!) {
    configureTaxRates(idempotencyKey: $key, rates: $rates) { version } }";
const READ_RATES: &str = "query { tenantSettings { taxRates { key name code percent treatment
    category exemptionReasonCode exemptionReason } } }";
const REGISTER: &str = "mutation($key: String!) {
    registerCustomer(idempotencyKey: $key, input: {contact: {name: \"Acme GmbH\"},
        tax: {country: \"DE\", defaultCurrency: \"EUR\", paymentTermsDays: 30}}) { aggregateId } }";
const DRAFT: &str = "mutation($key: String!, $customer: ID!) {
    createInvoiceDraft(idempotencyKey: $key, input: {customerId: $customer}) { aggregateId } }";
const ADD_LINE: &str = "mutation($key: String!, $invoice: ID!, $keys: [String!]!) {
    addInvoiceLine(idempotencyKey: $key, invoiceId: $invoice, line: {description: \"Books\",
        quantity: \"2\", unitPrice: \"50\", taxRateKeys: $keys}) { version consistencyToken } }";
const ISSUE: &str = "mutation($key: String!, $invoice: ID!) {
    issueInvoice(idempotencyKey: $key, invoiceId: $invoice) { consistencyToken } }";
const READ_INVOICE: &str = "query($id: ID!, $token: String) {
    invoice(id: $id, consistencyToken: $token) { netTotal taxTotal total } }";

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn rate(key: &str, name: &str, percent: &str) -> Value {
    json!({"key": key, "name": name, "tax": {"code": "VAT", "percent": percent,
        "treatment": "STANDARD", "category": "STANDARD"}})
}

#[tokio::test]
async fn lines_pick_the_tenant_s_rates_by_key_and_keep_them() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let (admin, accountant) = (
        server.token(t, "root", Role::Admin),
        server.token(t, "acc-1", Role::Accountant),
    );
    // Given an admin keeps two rates; an accountant may not change them
    let rates = json!([
        rate("vat-19", "VAT 19%", "19"),
        rate("vat-7", "VAT 7% (books)", "7")
    ]);
    let refused = server
        .gql(
            &accountant,
            CONFIGURE,
            json!({"key": key(), "rates": rates}),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
    server
        .ok(&admin, CONFIGURE, json!({"key": key(), "rates": rates}))
        .await;
    let read = server.ok(&accountant, READ_RATES, json!({})).await;
    let listed = &read["tenantSettings"]["taxRates"];
    assert_eq!(listed[1]["key"], "vat-7");
    assert_eq!(listed[1]["category"], "STANDARD");
    assert_eq!(listed[1]["percent"], "7");

    // When a line names a key the catalogue does not hold, nothing is written
    let customer = server
        .ok(&accountant, REGISTER, json!({"key": key()}))
        .await["registerCustomer"]["aggregateId"]
        .clone();
    let invoice = server
        .ok(
            &accountant,
            DRAFT,
            json!({"key": key(), "customer": customer}),
        )
        .await["createInvoiceDraft"]["aggregateId"]
        .clone();
    let before = event_count(&db.app).await;
    let unknown = json!({"key": key(), "invoice": invoice, "keys": ["vat-21"]});
    let body = server.gql(&accountant, ADD_LINE, unknown).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "VALIDATION",
        "{body}"
    );
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("no tax rate 'vat-21'"), "{message}");
    assert_eq!(event_count(&db.app).await, before);

    // And a line picks the 7% rate, after which the catalogue changes
    let books = json!({"key": key(), "invoice": invoice, "keys": ["vat-7"]});
    server.ok(&accountant, ADD_LINE, books).await;
    let changed = json!([rate("vat-7", "VAT 7% (books)", "10")]);
    server
        .ok(&admin, CONFIGURE, json!({"key": key(), "rates": changed}))
        .await;

    // Then the invoice is taxed at the 7% the line was given
    let issued = server
        .ok(
            &accountant,
            ISSUE,
            json!({"key": key(), "invoice": invoice}),
        )
        .await;
    let token = issued["issueInvoice"]["consistencyToken"].clone();
    let read = server
        .ok(
            &accountant,
            READ_INVOICE,
            json!({"id": invoice, "token": token}),
        )
        .await;
    assert_eq!(
        read["invoice"],
        json!({"netTotal": "100.00", "taxTotal": "7.00", "total": "107.00"})
    );
}
