//! The GraphQL conventions a frontend developer relies on, end to end against
//! `folio serve`: Relay global ids and `node`/`nodes` for every Node type (and
//! none of another tenant's), enums in responses, the `Date` and `Decimal`
//! scalars' errors, the one-item queries, report filters, and automatic persisted
//! queries.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use chrono::Datelike;
use folio_api::Role;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::server::Server;
use support::{tenant, TestDatabase};

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("none")
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Registers a customer and issues it an invoice of 1,190.00 EUR today (due in 30
/// days), pays 100.00 and credits 50.00; returns the customer, the invoice and the
/// consistency token of the last write.
async fn books(server: &Server, token: &str) -> (String, String, String) {
    let customer = server
        .ok(
            token,
            "mutation($key: String!) { registerCustomer(idempotencyKey: $key, input: {
                contact: {name: \"Acme\"}, tax: {country: \"DE\", defaultCurrency: \"EUR\",
                paymentTermsDays: 30}}) { aggregateId } }",
            json!({"key": key()}),
        )
        .await["registerCustomer"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned();
    let invoice = server
        .ok(
            token,
            "mutation($key: String!, $c: ID!) { createInvoiceDraft(idempotencyKey: $key,
                input: {customerId: $c}) { aggregateId } }",
            json!({"key": key(), "c": customer}),
        )
        .await["createInvoiceDraft"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned();
    for mutation in [
        "mutation($key: String!, $i: ID!) { addInvoiceLine(idempotencyKey: $key, invoiceId: $i,
            line: {description: \"Consulting\", quantity: \"10\", unitPrice: \"100\",
            taxes: [{code: \"VAT\", percent: \"19\", treatment: STANDARD}]}) { version } }",
        "mutation($key: String!, $i: ID!) { issueInvoice(idempotencyKey: $key, invoiceId: $i) {
            version } }",
        "mutation($key: String!, $i: ID!) { recordPayment(idempotencyKey: $key, invoiceId: $i,
            payment: {amount: {amount: \"100.00\", currency: \"EUR\"}, method: CARD}) {
            version } }",
    ] {
        server
            .ok(token, mutation, json!({"key": key(), "i": invoice}))
            .await;
    }
    let credit = server
        .ok(
            token,
            "mutation($key: String!, $i: ID!) { issueCreditNote(idempotencyKey: $key,
                invoiceId: $i, creditNote: {amount: {amount: \"50.00\", currency: \"EUR\"},
                tax: {code: \"VAT\", percent: \"19\"}, reason: \"Discount\"}) { consistencyToken } }",
            json!({"key": key(), "i": invoice}),
        )
        .await;
    let token_of_last = credit["issueCreditNote"]["consistencyToken"]
        .as_str()
        .unwrap()
        .to_owned();
    (customer, invoice, token_of_last)
}

const NODE: &str = "query($id: ID!) { node(id: $id) { __typename id
    ... on Customer { customerId status }
    ... on Invoice { invoiceId status paymentStatus }
    ... on CreditNote { creditNoteId number }
    ... on Payment { paymentId method receivedOn }
    ... on Expense { expenseId status } } }";

#[tokio::test]
async fn every_node_type_round_trips_through_node_and_another_tenant_reads_null() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let (_, invoice, written) = books(&server, &admin).await;
    let expense = server
        .ok(
            &admin,
            "mutation($key: String!, $on: Date!) { submitExpense(idempotencyKey: $key, expense: {
                incurredOn: $on, merchant: \"Rail\", category: \"travel\",
                amount: {amount: \"84.50\", currency: \"EUR\"}, description: \"Train\"}) {
                consistencyToken } }",
            json!({"key": key(), "on": support::recently()}),
        )
        .await["submitExpense"]["consistencyToken"]
        .as_str()
        .unwrap()
        .to_owned();

    // Given the global ids every list hands out...
    let lists = server
        .ok(
            &admin,
            "query($a: String, $b: String) {
                customers(consistencyToken: $a) { edges { node { id customerId } } }
                invoices(consistencyToken: $a) { edges { node { id invoiceId
                    payments { id paymentId } creditNotes { id creditNoteId } } } }
                expenses(consistencyToken: $b) { edges { node { id expenseId } } } }",
            json!({"a": written, "b": expense}),
        )
        .await;
    let invoice_node = &lists["invoices"]["edges"][0]["node"];
    assert_eq!(invoice_node["invoiceId"], json!(invoice));
    let nodes = [
        (
            "Customer",
            &lists["customers"]["edges"][0]["node"]["id"],
            "customerId",
            &lists["customers"]["edges"][0]["node"]["customerId"],
        ),
        (
            "Invoice",
            &invoice_node["id"],
            "invoiceId",
            &invoice_node["invoiceId"],
        ),
        (
            "Payment",
            &invoice_node["payments"][0]["id"],
            "paymentId",
            &invoice_node["payments"][0]["paymentId"],
        ),
        (
            "CreditNote",
            &invoice_node["creditNotes"][0]["id"],
            "creditNoteId",
            &invoice_node["creditNotes"][0]["creditNoteId"],
        ),
        (
            "Expense",
            &lists["expenses"]["edges"][0]["node"]["id"],
            "expenseId",
            &lists["expenses"]["edges"][0]["node"]["expenseId"],
        ),
    ];
    let intruder = server.token(tenant(), "root", Role::Admin);
    for (typename, id, raw_field, raw) in nodes {
        // ...when each is looked up, then it comes back as itself, with its raw UUID.
        let found = server.ok(&admin, NODE, json!({"id": id})).await;
        assert_eq!(found["node"]["__typename"], typename, "{found}");
        assert_eq!(&found["node"]["id"], id);
        assert_eq!(&found["node"][raw_field], raw);
        // Another tenant's admin reads null, not an error.
        let theirs = server.ok(&intruder, NODE, json!({"id": id})).await;
        assert_eq!(theirs["node"], Value::Null, "{typename} leaked: {theirs}");
    }

    // nodes() keeps the order asked and answers null where node() would.
    let ids: Vec<&Value> = nodes.iter().map(|n| n.1).collect();
    let many = server
        .ok(
            &admin,
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename } }",
            json!({"ids": [ids[4], ids[0], ids[1]]}),
        )
        .await;
    assert_eq!(
        many["nodes"],
        json!([{"__typename": "Expense"}, {"__typename": "Customer"}, {"__typename": "Invoice"}])
    );

    // Enums in responses: the payment's method and the statuses are enum values.
    let payment = server.ok(&admin, NODE, json!({"id": ids[2]})).await;
    assert_eq!(payment["node"]["method"], "CARD");
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(payment["node"]["receivedOn"], json!(today));
    let invoice = server.ok(&admin, NODE, json!({"id": ids[1]})).await;
    assert_eq!(invoice["node"]["status"], "ISSUED");
    assert_eq!(invoice["node"]["paymentStatus"], "PARTIALLY_PAID");

    // A raw UUID or garbage is not a global id: VALIDATION, nothing read.
    for bad in [json!(invoice_node["invoiceId"]), json!("not-an-id")] {
        let body = server.gql(&admin, NODE, json!({"id": bad})).await;
        assert_eq!(code(&body), "VALIDATION", "{body}");
    }
    // An employee may not read invoices, whichever way it asks.
    let employee = server.token(t, "someone", Role::Employee);
    let body = server.gql(&employee, NODE, json!({"id": ids[1]})).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
}

#[tokio::test]
async fn one_item_queries_answer_the_tenants_own_and_null_for_the_rest() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let (customer, invoice, written) = books(&server, &admin).await;
    let credit_note = server
        .ok(
            &admin,
            "query($id: ID!, $t: String) { invoice(id: $id, consistencyToken: $t) {
                creditNotes { creditNoteId } } }",
            json!({"id": invoice, "t": written}),
        )
        .await["invoice"]["creditNotes"][0]["creditNoteId"]
        .clone();
    let one = "query($c: ID!, $n: ID!) { customer(id: $c) { name status balances { openAmount } }
        creditNote(id: $n) { number total issueDate }
        tenantSettings { invoicing { roundingMode invoiceSeries } expenses { approvalThresholds { approvals } } } }";
    let mine = server
        .ok(&admin, one, json!({"c": customer, "n": credit_note}))
        .await;
    assert_eq!(mine["customer"]["name"], "Acme");
    assert_eq!(mine["customer"]["status"], "ACTIVE");
    assert_eq!(mine["customer"]["balances"][0]["openAmount"], "1040.00");
    assert_eq!(mine["creditNote"]["total"], "50.00");
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(mine["creditNote"]["issueDate"], json!(today));
    assert_eq!(mine["tenantSettings"]["invoicing"]["invoiceSeries"], "INV");

    let intruder = server.token(tenant(), "root", Role::Admin);
    let theirs = server
        .ok(&intruder, one, json!({"c": customer, "n": credit_note}))
        .await;
    assert_eq!(theirs["customer"], Value::Null);
    assert_eq!(theirs["creditNote"], Value::Null);
}

#[tokio::test]
async fn malformed_dates_decimals_and_enums_are_validation_errors_that_write_nothing() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let (_, invoice, _) = books(&server, &admin).await;
    let before = support::event_count(&db.app).await;
    let cases = [
        (
            "mutation($key: String!, $i: ID!) { recordPayment(idempotencyKey: $key, invoiceId: $i,
                payment: {amount: {amount: \"1.00\", currency: \"EUR\"}, method: CARD,
                receivedOn: \"03.11.2026\"}) { version } }",
            json!({"key": key(), "i": invoice}),
        ),
        (
            "mutation($key: String!, $i: ID!) { recordPayment(idempotencyKey: $key, invoiceId: $i,
                payment: {amount: {amount: 1.5, currency: \"EUR\"}, method: CARD}) { version } }",
            json!({"key": key(), "i": invoice}),
        ),
        (
            "query { invoices(filter: {status: PAID}) { edges { cursor } } }",
            json!({}),
        ),
        (
            "query($d: Date) { invoices(filter: {issuedFrom: $d}) { edges { cursor } } }",
            json!({"d": "2026-02-30"}),
        ),
    ];
    for (query, variables) in cases {
        let body = server.gql(&admin, query, variables).await;
        assert_eq!(code(&body), "VALIDATION", "{query}\n{body}");
    }
    assert_eq!(support::event_count(&db.app).await, before);
}

#[tokio::test]
async fn reports_filter_by_period_and_currency() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let admin = server.token(tenant(), "root", Role::Admin);
    let (_, _, written) = books(&server, &admin).await;
    let report = "query($f: ReportFilter, $t: String) {
        revenueByMonth(filter: $f, consistencyToken: $t) { month currency netRevenue } }";
    let all = server.ok(&admin, report, json!({"t": written})).await;
    let rows = all["revenueByMonth"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 1, "{all}");
    let month =
        chrono::NaiveDate::parse_from_str(rows[0]["month"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let next_month = (month + chrono::Days::new(31)).with_day(1).unwrap();
    // The month itself, in any spelling of its currency, is the whole report...
    let same = server
        .ok(
            &admin,
            report,
            json!({"f": {"from": day(month), "to": day(month), "currency": "eur"}}),
        )
        .await;
    assert_eq!(same["revenueByMonth"], all["revenueByMonth"]);
    // ...and a later period, an earlier one, or another currency have nothing.
    for filter in [
        json!({"from": day(next_month)}),
        json!({"to": day(month.pred_opt().unwrap())}),
        json!({"currency": "USD"}),
    ] {
        let none = server.ok(&admin, report, json!({"f": filter})).await;
        assert_eq!(none["revenueByMonth"], json!([]), "{filter}");
    }
    let inverted = server
        .gql(
            &admin,
            report,
            json!({"f": {"from": "2026-12-01", "to": "2026-11-01"}}),
        )
        .await;
    assert_eq!(code(&inverted), "VALIDATION", "{inverted}");
}

#[tokio::test]
async fn a_persisted_query_is_sent_once_then_by_its_hash() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let admin = server.token(tenant(), "root", Role::Admin);
    let query = "query { customers { edges { node { name } } } }";
    let hash = format!("{:x}", Sha256::digest(query.as_bytes()));
    let by_hash = json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}});

    // Unknown hash: the client is told to send the text once.
    let (_, unknown) = server.post(Some(&admin), by_hash.to_string()).await;
    assert_eq!(
        unknown["errors"][0]["message"], "PersistedQueryNotFound",
        "{unknown}"
    );
    // The text with its hash is answered and remembered...
    let mut with_text = by_hash.clone();
    with_text["query"] = json!(query);
    let (_, first) = server.post(Some(&admin), with_text.to_string()).await;
    assert_eq!(first["data"]["customers"]["edges"], json!([]), "{first}");
    // ...so the hash alone is enough afterwards.
    let (_, again) = server.post(Some(&admin), by_hash.to_string()).await;
    assert_eq!(again["data"], first["data"], "{again}");
}

#[tokio::test]
async fn aging_as_of_a_date_counts_only_what_was_owed_then() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let admin = server.token(tenant(), "root", Role::Admin);
    // Given an invoice of 1,190.00 issued on 1 September, due 1 October (30 days),
    // 100.00 paid on 15 October and 50.00 credited on 10 November...
    let customer = server
        .ok(
            &admin,
            "mutation($key: String!) { registerCustomer(idempotencyKey: $key, input: {
                contact: {name: \"Acme\"}, tax: {country: \"DE\", defaultCurrency: \"EUR\",
                paymentTermsDays: 30}}) { aggregateId } }",
            json!({"key": key()}),
        )
        .await["registerCustomer"]["aggregateId"]
        .clone();
    let invoice = server
        .ok(
            &admin,
            "mutation($key: String!, $c: ID!) { createInvoiceDraft(idempotencyKey: $key,
                input: {customerId: $c}) { aggregateId } }",
            json!({"key": key(), "c": customer}),
        )
        .await["createInvoiceDraft"]["aggregateId"]
        .clone();
    let mut written = String::new();
    for mutation in [
        "mutation($key: String!, $i: ID!) { addInvoiceLine(idempotencyKey: $key, invoiceId: $i,
            line: {description: \"Consulting\", quantity: \"10\", unitPrice: \"100\",
            taxes: [{code: \"VAT\", percent: \"19\", treatment: STANDARD}]}) { consistencyToken } }",
        "mutation($key: String!, $i: ID!) { issueInvoice(idempotencyKey: $key, invoiceId: $i,
            issueDate: \"2026-09-01\") { consistencyToken } }",
        "mutation($key: String!, $i: ID!) { recordPayment(idempotencyKey: $key, invoiceId: $i,
            payment: {amount: {amount: \"100.00\", currency: \"EUR\"}, method: CARD,
            receivedOn: \"2026-10-15\"}) { consistencyToken } }",
        "mutation($key: String!, $i: ID!) { issueCreditNote(idempotencyKey: $key,
            invoiceId: $i, creditNote: {amount: {amount: \"50.00\", currency: \"EUR\"},
            tax: {code: \"VAT\", percent: \"19\"}, reason: \"Discount\", issueDate: \"2026-11-10\"}) { consistencyToken } }",
    ] {
        let data = server
            .ok(&admin, mutation, json!({"key": key(), "i": invoice}))
            .await;
        let result = data.as_object().unwrap().values().next().unwrap();
        written = result["consistencyToken"].as_str().unwrap().to_owned();
    }
    let aging = "query($d: Date, $t: String) { arAging(asOf: $d, consistencyToken: $t) {
        currentAmount days1To30 days31To60 totalDue } }";
    // ...when the aging is taken on each date, then it shows what was owed then.
    let on = |date: Option<&str>| json!({"d": date, "t": written});
    let before_issue = server.ok(&admin, aging, on(Some("2026-08-31"))).await;
    assert_eq!(before_issue["arAging"], json!([]));
    let not_yet_due = server.ok(&admin, aging, on(Some("2026-09-15"))).await;
    assert_eq!(
        not_yet_due["arAging"],
        json!([{"currentAmount": "1190.00", "days1To30": "0.00", "days31To60": "0.00", "totalDue": "1190.00"}])
    );
    let after_payment = server.ok(&admin, aging, on(Some("2026-10-20"))).await;
    assert_eq!(
        after_payment["arAging"],
        json!([{"currentAmount": "0.00", "days1To30": "1090.00", "days31To60": "0.00", "totalDue": "1090.00"}])
    );
    let after_credit = server.ok(&admin, aging, on(Some("2026-11-15"))).await;
    assert_eq!(
        after_credit["arAging"],
        json!([{"currentAmount": "0.00", "days1To30": "0.00", "days31To60": "1040.00", "totalDue": "1040.00"}])
    );
    // Today, whatever day that is, everything above has happened.
    let today = server.ok(&admin, aging, on(None)).await;
    assert_eq!(today["arAging"][0]["totalDue"], "1040.00", "{today}");
}
