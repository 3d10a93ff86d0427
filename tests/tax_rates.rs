//! Tax rates and tax-inclusive prices over HTTP against `folio serve`: an admin
//! keeps the tenant's catalogue, accountants read it and pick rates by key on a
//! line, an unknown key is refused and writes nothing, a line keeps the rate it
//! was given when the catalogue changes later; a line quoted in a gross price is
//! invoiced at exactly that gross, and so is every line of a draft quoted gross
//! that states no basis of its own.

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
const ADD_ADJUSTMENT: &str =
    "mutation($key: String!, $invoice: ID!, $adjustment: InvoiceAdjustmentInput!) {
    addInvoiceAdjustment(idempotencyKey: $key, invoiceId: $invoice, adjustment: $adjustment) {
        version } }";
const ISSUE: &str = "mutation($key: String!, $invoice: ID!) {
    issueInvoice(idempotencyKey: $key, invoiceId: $invoice) { consistencyToken } }";
const READ_INVOICE: &str = "query($id: ID!, $token: String) {
    invoice(id: $id, consistencyToken: $token) { netTotal taxTotal total } }";

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An empty draft for a new customer; its id.
async fn empty_draft(server: &Server, token: &str) -> Value {
    let registered = server.ok(token, REGISTER, json!({"key": key()})).await;
    let customer = registered["registerCustomer"]["aggregateId"].clone();
    let draft = json!({"key": key(), "customer": customer});
    server.ok(token, DRAFT, draft).await["createInvoiceDraft"]["aggregateId"].clone()
}

/// Issues `invoice` and reads it back with `query` once the issue shows.
async fn issued_and_read(server: &Server, token: &str, invoice: &Value, query: &str) -> Value {
    let issue = json!({"key": key(), "invoice": invoice});
    let issued = server.ok(token, ISSUE, issue).await;
    let consistency = issued["issueInvoice"]["consistencyToken"].clone();
    server
        .ok(token, query, json!({"id": invoice, "token": consistency}))
        .await
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
    let invoice = empty_draft(&server, &accountant).await;
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

    // And a line picks the 7% rate, and an allowance of 10.00 does too (naming
    // its rate twice is refused), after which the catalogue changes
    let books = json!({"key": key(), "invoice": invoice, "keys": ["vat-7"]});
    server.ok(&accountant, ADD_LINE, books).await;
    let allowance = |tax: Value| {
        let mut adjustment = json!({"kind": "ALLOWANCE", "amount": "10.00", "reasonCode": "95",
            "taxRateKey": "vat-7"});
        if !tax.is_null() {
            adjustment["tax"] = tax;
        }
        json!({"key": key(), "invoice": invoice, "adjustment": adjustment})
    };
    let twice = allowance(json!({"code": "VAT", "percent": "7", "treatment": "STANDARD"}));
    let body = server.gql(&accountant, ADD_ADJUSTMENT, twice).await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("exactly one of a tax and a tax rate key"),
        "{body}"
    );
    server
        .ok(&accountant, ADD_ADJUSTMENT, allowance(Value::Null))
        .await;
    let changed = json!([rate("vat-7", "VAT 7% (books)", "10")]);
    server
        .ok(&admin, CONFIGURE, json!({"key": key(), "rates": changed}))
        .await;

    // Then the invoice is taxed at the 7% the line and the allowance were given
    let read = issued_and_read(&server, &accountant, &invoice, READ_INVOICE).await;
    assert_eq!(
        read["invoice"],
        json!({"netTotal": "90.00", "taxTotal": "6.30", "total": "96.30"})
    );
}

const ADD_GROSS: &str = "mutation($key: String!, $invoice: ID!) {
    addInvoiceLine(idempotencyKey: $key, invoiceId: $invoice, line: {description: \"Monitor\",
        quantity: \"1\", unitPrice: \"500\", priceBasis: GROSS, taxes: [{code: \"VAT\",
        percent: \"19\", treatment: STANDARD, category: STANDARD}]}) { version } }";
const READ_LINES: &str = "query($id: ID!, $token: String) {
    invoice(id: $id, consistencyToken: $token) { netTotal taxTotal total
        lines { unitPrice priceBasis netAmount taxAmount totalAmount } } }";

#[tokio::test]
async fn a_line_quoted_gross_is_invoiced_at_exactly_its_gross() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let accountant = server.token(tenant(), "acc-1", Role::Accountant);
    let invoice = empty_draft(&server, &accountant).await;
    // A gross price with a withholding is refused, and nothing is written
    let before = event_count(&db.app).await;
    let withheld = "mutation($key: String!, $invoice: ID!) {
        addInvoiceLine(idempotencyKey: $key, invoiceId: $invoice, line: {description: \"Fees\",
            quantity: \"1\", unitPrice: \"500\", priceBasis: GROSS, taxes: [{code: \"ISR\",
            percent: \"10\", treatment: WITHHOLDING}]}) { version } }";
    let body = server
        .gql(
            &accountant,
            withheld,
            json!({"key": key(), "invoice": invoice}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "VALIDATION",
        "{body}"
    );
    assert_eq!(event_count(&db.app).await, before);
    // 500.00 gross at 19%
    let gross = json!({"key": key(), "invoice": invoice});
    server.ok(&accountant, ADD_GROSS, gross).await;
    let read = issued_and_read(&server, &accountant, &invoice, READ_LINES).await;
    assert_eq!(
        read["invoice"],
        json!({"netTotal": "420.17", "taxTotal": "79.83", "total": "500.00",
            "lines": [{"unitPrice": "500", "priceBasis": "GROSS", "netAmount": "420.17",
                "taxAmount": "79.83", "totalAmount": "500.00"}]})
    );
}

const GROSS_DRAFT: &str = "mutation($key: String!, $customer: ID!) {
    createInvoiceDraft(idempotencyKey: $key, input: {customerId: $customer, priceBasis: GROSS}) {
        aggregateId } }";
const ADD_PRICED: &str = "mutation($key: String!, $invoice: ID!, $price: Decimal!,
        $basis: PriceBasis) {
    addInvoiceLine(idempotencyKey: $key, invoiceId: $invoice, line: {description: \"Chair\",
        quantity: \"1\", unitPrice: $price, priceBasis: $basis, taxes: [{code: \"VAT\",
        percent: \"19\", treatment: STANDARD, category: STANDARD}]}) { version } }";
const READ_BASES: &str = "query($id: ID!, $token: String) {
    invoice(id: $id, consistencyToken: $token) { priceBasis netTotal taxTotal total
        lines { unitPrice priceBasis netAmount totalAmount } } }";

#[tokio::test]
async fn a_draft_quoted_gross_prices_every_line_that_states_no_basis_gross() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let accountant = server.token(tenant(), "acc-1", Role::Accountant);
    // Given a draft whose prices include their taxes
    let registered = server
        .ok(&accountant, REGISTER, json!({"key": key()}))
        .await;
    let customer = registered["registerCustomer"]["aggregateId"].clone();
    let draft = json!({"key": key(), "customer": customer});
    let invoice = server.ok(&accountant, GROSS_DRAFT, draft).await["createInvoiceDraft"]
        ["aggregateId"]
        .clone();
    // When one line states no basis (119.00) and one states NET (100.00)
    for (price, basis) in [("119", Value::Null), ("100", json!("NET"))] {
        let line = json!({"key": key(), "invoice": invoice, "price": price, "basis": basis});
        server.ok(&accountant, ADD_PRICED, line).await;
    }
    // Then the first is gross and the second net: 100.00 + 100.00 net, 238.00 in all
    let read = issued_and_read(&server, &accountant, &invoice, READ_BASES).await;
    assert_eq!(
        read["invoice"],
        json!({"priceBasis": "GROSS", "netTotal": "200.00", "taxTotal": "38.00",
            "total": "238.00", "lines": [
                {"unitPrice": "119", "priceBasis": "GROSS", "netAmount": "100.00",
                    "totalAmount": "119.00"},
                {"unitPrice": "100", "priceBasis": "NET", "netAmount": "100.00",
                    "totalAmount": "119.00"}]})
    );
}
