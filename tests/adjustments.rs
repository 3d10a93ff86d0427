//! Allowances and charges on a whole invoice and credit paid in advance, end
//! to end: an accountant adds them to a draft over HTTP against `folio serve`,
//! bad input is refused with its code and writes nothing, the invoice is issued
//! with a deposit's credit applied, it reads EN 16931's totals, and the
//! operator's `folio documents render` writes an e-invoice the CEN Schematron
//! accepts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use folio_api::Role;
use serde_json::{json, Value};
use support::einvoice::valid_ubl;
use support::scenario::legal_profile;
use support::server::Server;
use support::{ctx, event_count, tenant, TestDatabase};

const REGISTER: &str = "mutation($key: String!) {
    registerCustomer(idempotencyKey: $key, input: {contact: {name: \"Acme GmbH\"},
        tax: {country: \"DE\", defaultCurrency: \"EUR\", paymentTermsDays: 30}}) { aggregateId } }";
const DRAFT: &str = "mutation($key: String!, $customer: ID!) {
    createInvoiceDraft(idempotencyKey: $key, input: {customerId: $customer}) { aggregateId } }";
const ADD_LINE: &str = "mutation($key: String!, $invoice: ID!) {
    addInvoiceLine(idempotencyKey: $key, invoiceId: $invoice, line: {description: \"Consulting\",
        quantity: \"10\", unitPrice: \"100\", taxes: [{code: \"VAT\", percent: \"19\",
            treatment: STANDARD, category: STANDARD}]}) { version } }";
const ADD: &str = "mutation($key: String!, $invoice: ID!, $adjustment: InvoiceAdjustmentInput!) {
    addInvoiceAdjustment(idempotencyKey: $key, invoiceId: $invoice, adjustment: $adjustment) {
        version consistencyToken } }";
const REMOVE: &str = "mutation($key: String!, $invoice: ID!, $adjustment: ID!) {
    removeInvoiceAdjustment(idempotencyKey: $key, invoiceId: $invoice, adjustmentId: $adjustment) {
        version } }";
const ISSUE: &str = "mutation($key: String!, $invoice: ID!, $prepaid: PrepaidCreditInput) {
    issueInvoice(idempotencyKey: $key, invoiceId: $invoice, prepaid: $prepaid) {
        consistencyToken } }";
const PAY: &str = "mutation($key: String!, $invoice: ID!) {
    recordPayment(idempotencyKey: $key, invoiceId: $invoice,
        payment: {amount: {amount: \"1500.00\", currency: \"EUR\"}, method: BANK_TRANSFER}) {
        version } }";
const READ: &str = "query($id: ID!, $token: String) {
    invoice(id: $id, consistencyToken: $token) { lineTotal allowanceTotal chargeTotal netTotal
        taxTotal total amountDue adjustments { adjustmentId position kind fixedAmount percent reason
            reasonCode taxCode taxPercent vatCategory baseAmount amount } } }";

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A 2% rebate at 19% (category S), its reason in words and as UNCL 5189's code.
fn rebate() -> Value {
    json!({"kind": "ALLOWANCE", "percent": "2", "reason": "Volume rebate", "reasonCode": "95",
        "tax": {"code": "VAT", "percent": "19", "treatment": "STANDARD", "category": "STANDARD"}})
}

/// 25.00 of freight at 19% (category S), its reason as UNCL 7161's code only.
fn freight() -> Value {
    json!({"kind": "CHARGE", "amount": "25.00", "reasonCode": "FC",
        "tax": {"code": "VAT", "percent": "19", "treatment": "STANDARD", "category": "STANDARD"}})
}

/// `adjustment` with `changes` merged into it.
fn with(adjustment: Value, changes: Value) -> Value {
    let mut adjustment = adjustment;
    let fields = adjustment.as_object_mut().unwrap();
    for (field, value) in changes.as_object().unwrap() {
        if value.is_null() {
            fields.remove(field);
        } else {
            fields.insert(field.clone(), value.clone());
        }
    }
    adjustment
}

/// A draft of 1,000.00 at 19% (category S) for `customer`; its id.
async fn draft_of_1000(server: &Server, token: &str, customer: &Value) -> Value {
    let variables = json!({"key": key(), "customer": customer});
    let invoice =
        server.ok(token, DRAFT, variables).await["createInvoiceDraft"]["aggregateId"].clone();
    let variables = json!({"key": key(), "invoice": invoice});
    server.ok(token, ADD_LINE, variables).await;
    invoice
}

/// Asserts `body` is refused with `code` and a message that says `says`.
fn refused(body: &Value, code: &str, says: &str) {
    assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains(says), "{says} in {body}");
}

#[tokio::test]
async fn a_rebate_freight_and_a_deposit_are_issued_read_and_written_into_the_e_invoice() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let accountant = server.token(t, "acc-1", Role::Accountant);
    // Given a draft of 1,000.00 at 19% for a German customer
    let customer = server
        .ok(&accountant, REGISTER, json!({"key": key()}))
        .await["registerCustomer"]["aggregateId"]
        .clone();
    let invoice = draft_of_1000(&server, &accountant, &customer).await;
    let add =
        |adjustment: Value| json!({"key": key(), "invoice": invoice, "adjustment": adjustment});

    // When bad adjustments are asked for, each is refused with its reason and nothing is written
    let before = event_count(&db.app).await;
    let both_sizes = with(rebate(), json!({"amount": "5.00"}));
    let no_reason = with(freight(), json!({"reasonCode": null}));
    let wrong_list = with(freight(), json!({"reasonCode": "95"}));
    let withheld = with(
        freight(),
        json!({"tax": {"code": "ISR", "percent": "10", "treatment": "WITHHOLDING"}}),
    );
    for (adjustment, says) in [
        (both_sizes, "exactly one of amount and percent"),
        (no_reason, "needs a reason, a reason code, or both"),
        (wrong_list, "is not a charge (UNCL 7161) reason code"),
        (withheld, "a withholding cannot be one"),
    ] {
        let body = server.gql(&accountant, ADD, add(adjustment)).await;
        refused(&body, "VALIDATION", says);
    }
    let viewer = server.token(t, "aud-1", Role::Auditor);
    refused(
        &server.gql(&viewer, ADD, add(rebate())).await,
        "FORBIDDEN",
        "",
    );
    assert_eq!(event_count(&db.app).await, before, "refusals write nothing");

    // And a deposit: another invoice of the customer paid 1,500.00 for its 1,190.00
    let deposit = draft_of_1000(&server, &accountant, &customer).await;
    server
        .ok(
            &accountant,
            ISSUE,
            json!({"key": key(), "invoice": deposit}),
        )
        .await;
    server
        .ok(&accountant, PAY, json!({"key": key(), "invoice": deposit}))
        .await;

    // And a rebate and freight are added, freight removed and added again, and
    // the invoice issued with 300.00 of the deposit's credit paid in advance
    server.ok(&accountant, ADD, add(rebate())).await;
    let first_freight = server.ok(&accountant, ADD, add(freight())).await;
    let token = first_freight["addInvoiceAdjustment"]["consistencyToken"].clone();
    let draft = server
        .ok(&accountant, READ, json!({"id": invoice, "token": token}))
        .await;
    let dropped = draft["invoice"]["adjustments"][1]["adjustmentId"].clone();
    let remove = json!({"key": key(), "invoice": invoice, "adjustment": dropped});
    server.ok(&accountant, REMOVE, remove).await;
    server.ok(&accountant, ADD, add(freight())).await;
    let issued = server
        .ok(
            &accountant,
            ISSUE,
            json!({"key": key(), "invoice": invoice}),
        )
        .await;
    let token = issued["issueInvoice"]["consistencyToken"].clone();

    // Then the invoice reads BT-106 to BT-109 and each adjustment's decided amount
    let read = server
        .ok(&accountant, READ, json!({"id": invoice, "token": token}))
        .await;
    let invoice_read = &read["invoice"];
    let totals: Vec<&Value> = [
        "lineTotal",
        "allowanceTotal",
        "chargeTotal",
        "netTotal",
        "taxTotal",
        "total",
    ]
    .iter()
    .map(|field| &invoice_read[field])
    .collect();
    assert_eq!(
        totals,
        [
            &json!("1000.00"),
            &json!("20.00"),
            &json!("25.00"),
            &json!("1005.00"),
            &json!("190.95"),
            &json!("1195.95")
        ]
    );
    let rows: Vec<(Value, Value, Value, Value, Value)> = invoice_read["adjustments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let f = |field: &str| a[field].clone();
            (
                f("position"),
                f("kind"),
                f("baseAmount"),
                f("amount"),
                f("vatCategory"),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                json!(1),
                json!("ALLOWANCE"),
                json!("1000.00"),
                json!("20.00"),
                json!("STANDARD")
            ),
            (
                json!(2),
                json!("CHARGE"),
                Value::Null,
                json!("25.00"),
                json!("STANDARD")
            ),
        ]
    );

    // And once the seller is described, its UBL passes the schemas and the CEN Schematron
    db.app
        .use_cases
        .configure_legal_profile(&ctx(t, "root"), legal_profile())
        .await
        .unwrap();
    let ubl = valid_ubl(&db.url, t, invoice.as_str().unwrap());
    assert!(
        ubl.contains(
            r#"<cbc:AllowanceTotalAmount currencyID="EUR">20.00</cbc:AllowanceTotalAmount>"#
        ),
        "{ubl}"
    );
}
