//! The GraphQL API end to end: `folio serve` started on a free port against a
//! throwaway database, driven over HTTP and WebSocket like the frontend would.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::time::Duration;

use folio_api::{Role, TokenKeys};
use futures::StreamExt;
use serde_json::{json, Value};
use support::server::Server;
use support::{event_count, tenant, TestDatabase};

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("none")
}

/// Asserts `body` is a refusal with `expected` code whose message says `says`.
fn refused(body: &Value, expected: &str, says: &str) {
    assert_eq!(code(body), expected, "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains(says), "{body}");
}

const REGISTER: &str = "mutation($key: String!, $name: String!) {
    registerCustomer(idempotencyKey: $key, input: {contact: {name: $name},
        tax: {country: \"DE\", defaultCurrency: \"EUR\", paymentTermsDays: 30}}) {
        aggregateId version consistencyToken replayed } }";
const DRAFT: &str = "mutation($key: String!, $customer: ID!) {
    createInvoiceDraft(idempotencyKey: $key, input: {customerId: $customer}) { aggregateId version } }";
const ADD_LINE: &str = "mutation($key: String!, $invoice: ID!) {
    addInvoiceLine(idempotencyKey: $key, invoiceId: $invoice, line: {description: \"Consulting\",
        quantity: \"10\", unitPrice: \"100\", taxes: [{code: \"VAT\", percent: \"19\", treatment: STANDARD,
            category: STANDARD}]}) {
        version } }";
const ISSUE: &str = "mutation($key: String!, $invoice: ID!, $version: Int) {
    issueInvoice(idempotencyKey: $key, invoiceId: $invoice, expectedVersion: $version) { version consistencyToken } }";
const PAY: &str = "mutation($key: String!, $invoice: ID!, $amount: Decimal!, $currency: String!) {
    recordPayment(idempotencyKey: $key, invoiceId: $invoice,
        payment: {amount: {amount: $amount, currency: $currency}, method: BANK_TRANSFER}) {
        version consistencyToken replayed } }";
const INVOICE: &str = "query($id: ID!, $token: String) {
    invoice(id: $id, consistencyToken: $token) { number status paymentStatus total amountPaid amountDue version
        lines { description totalAmount } payments { amount } } }";

const SUBMIT: &str =
    "mutation($key: String!, $on: Date!) { submitExpense(idempotencyKey: $key, expense: {
    incurredOn: $on, merchant: \"Rail\", category: \"travel\",
    amount: {amount: \"84.50\", currency: \"EUR\"}, description: \"Train\", receiptRef: \"r-1\"}) {
    aggregateId consistencyToken } }";

/// An expense submitted through the API by the caller of `token`.
async fn submitted_expense(server: &Server, token: &str) -> String {
    server
        .ok(
            token,
            SUBMIT,
            json!({"key": uuid::Uuid::new_v4().to_string(), "on": support::recently()}),
        )
        .await["submitExpense"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A customer and an issued invoice of 1,190.00 in `tenant`, through the API.
async fn issued_invoice(server: &Server, token: &str) -> (String, String) {
    let customer = server
        .ok(
            token,
            REGISTER,
            json!({"key": uuid::Uuid::new_v4().to_string(), "name": "Acme"}),
        )
        .await["registerCustomer"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned();
    let invoice = invoice_for(server, token, &customer).await;
    (customer, invoice)
}

/// A draft for a new customer named `name` whose `tax` details are a GraphQL
/// input literal (`{country: "MX", defaultCurrency: "MXN", ...}`); returns the
/// draft's id.
async fn draft_for_new_customer(server: &Server, token: &str, name: &str, tax: &str) -> Value {
    let register = format!(
        "mutation($key: String!) {{ registerCustomer(idempotencyKey: $key, input: {{
            contact: {{name: \"{name}\"}}, tax: {tax}}}) {{ aggregateId }} }}"
    );
    let key = || uuid::Uuid::new_v4().to_string();
    let customer = server.ok(token, &register, json!({"key": key()})).await["registerCustomer"]
        ["aggregateId"]
        .clone();
    server
        .ok(token, DRAFT, json!({"key": key(), "customer": customer}))
        .await["createInvoiceDraft"]["aggregateId"]
        .clone()
}

/// Adds a line of one unit at `unit_price` with `taxes` (a GraphQL list
/// literal) to the draft `invoice`.
async fn add_taxed_line(
    server: &Server,
    token: &str,
    invoice: &Value,
    unit_price: &str,
    taxes: &str,
) {
    let line = format!(
        "mutation($key: String!, $invoice: ID!) {{ addInvoiceLine(idempotencyKey: $key,
            invoiceId: $invoice, line: {{description: \"Item\", quantity: \"1\",
            unitPrice: \"{unit_price}\", taxes: {taxes}}}) {{ version }} }}"
    );
    let key = uuid::Uuid::new_v4().to_string();
    server
        .ok(token, &line, json!({"key": key, "invoice": invoice}))
        .await;
}

/// An issued invoice of 1,190.00 to `customer`, through the API.
async fn invoice_for(server: &Server, token: &str, customer: &str) -> String {
    let invoice = server
        .ok(
            token,
            DRAFT,
            json!({"key": uuid::Uuid::new_v4().to_string(), "customer": customer}),
        )
        .await["createInvoiceDraft"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned();
    server
        .ok(
            token,
            ADD_LINE,
            json!({"key": uuid::Uuid::new_v4().to_string(), "invoice": invoice}),
        )
        .await;
    server
        .ok(
            token,
            ISSUE,
            json!({"key": uuid::Uuid::new_v4().to_string(), "invoice": invoice}),
        )
        .await;
    invoice
}

#[tokio::test]
async fn the_invoice_lifecycle_reads_its_own_writes() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let accountant = server.token(t, "alice", Role::Accountant);
    let (_, invoice) = issued_invoice(&server, &accountant).await;

    // A payment, retried with the same key: applied once.
    let vars = json!({"key": "pay-1", "invoice": invoice, "amount": "500.00", "currency": "EUR"});
    let first = server.ok(&accountant, PAY, vars.clone()).await;
    let again = server.ok(&accountant, PAY, vars).await;
    assert_eq!(again["recordPayment"]["replayed"], true);
    assert_eq!(
        again["recordPayment"]["version"],
        first["recordPayment"]["version"]
    );
    let token = first["recordPayment"]["consistencyToken"].as_str().unwrap();

    // Read-your-writes: the query waits for the projection of the payment.
    let read = server
        .ok(&accountant, INVOICE, json!({"id": invoice, "token": token}))
        .await;
    let invoice_read = &read["invoice"];
    assert_eq!(invoice_read["status"], "ISSUED");
    assert_eq!(invoice_read["paymentStatus"], "PARTIALLY_PAID");
    assert_eq!(invoice_read["total"], "1190.00");
    assert_eq!(invoice_read["amountPaid"], "500.00");
    assert_eq!(invoice_read["amountDue"], "690.00");
    assert_eq!(invoice_read["number"], "INV-000001");
    assert_eq!(invoice_read["lines"][0]["totalAmount"], "1190.00");
    assert_eq!(invoice_read["payments"].as_array().unwrap().len(), 1);

    // A stale expected version is a CONFLICT.
    let stale = server
        .gql(
            &accountant,
            ISSUE,
            json!({"key": "issue-again", "invoice": invoice, "version": 1}),
        )
        .await;
    assert_eq!(code(&stale), "CONFLICT", "{stale}");

    // The list, filtered and paged.
    let list = server
        .ok(
            &accountant,
            "query($token: String) { invoices(first: 1, filter: {status: ISSUED}, sort: DUE_DATE_ASC,
                consistencyToken: $token) { edges { cursor node { number } } pageInfo { hasNextPage } } }",
            json!({"token": token}),
        )
        .await;
    assert_eq!(list["invoices"]["edges"][0]["node"]["number"], "INV-000001");
    assert_eq!(list["invoices"]["pageInfo"]["hasNextPage"], false);

    // Children of a page of parents come through the batch loaders.
    issued_invoice(&server, &accountant).await;
    let late = server
        .ok(
            &accountant,
            PAY,
            json!({"key": "pay-2", "invoice": invoice, "amount": "1.00", "currency": "EUR"}),
        )
        .await;
    let page = server
        .ok(
            &accountant,
            "query($token: String) {
                invoices(consistencyToken: $token, sort: ISSUE_DATE_ASC) { edges { node {
                    number lines { description } payments { amount } creditNotes { number } } } }
                customers(consistencyToken: $token) {
                    edges { node { name balances { currency openAmount } } } } }",
            json!({"token": late["recordPayment"]["consistencyToken"]}),
        )
        .await;
    let invoices = page["invoices"]["edges"].as_array().unwrap();
    assert_eq!(invoices.len(), 2);
    let paid: Vec<usize> = invoices
        .iter()
        .map(|e| e["node"]["payments"].as_array().unwrap().len())
        .collect();
    assert_eq!(paid.iter().sum::<usize>(), 2, "{page}");
    assert!(invoices
        .iter()
        .all(|e| e["node"]["lines"].as_array().unwrap().len() == 1));
    let balances: Vec<&Value> = page["customers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"]["balances"][0]["openAmount"])
        .collect();
    assert!(balances.contains(&&json!("689.00")), "{page}");
    assert!(balances.contains(&&json!("1190.00")), "{page}");

    // Customer search is a case-insensitive substring, wildcards taken literally.
    let search = "query($s: String) { customers(search: $s) { edges { node { name } } } }";
    let found = server.ok(&accountant, search, json!({"s": "cM"})).await;
    assert_eq!(found["customers"]["edges"].as_array().unwrap().len(), 2);
    let none = server.ok(&accountant, search, json!({"s": "%"})).await;
    assert_eq!(none["customers"]["edges"], json!([]));
}

#[tokio::test]
async fn the_expense_approval_flow_and_employees_see_only_their_own() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let employee = server.token(t, "erin", Role::Employee);
    let other = server.token(t, "oscar", Role::Employee);
    let approver = server.token(t, "ann", Role::Approver);
    let accountant = server.token(t, "alice", Role::Accountant);
    let submitted = server
        .ok(
            &employee,
            SUBMIT,
            json!({"key": "e-1", "on": support::recently()}),
        )
        .await;
    let expense = submitted["submitExpense"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned();
    let approved = server
        .ok(
            &approver,
            "mutation($id: ID!) { approveExpense(idempotencyKey: \"a-1\", expenseId: $id, comment: \"ok\") { consistencyToken } }",
            json!({"id": expense}),
        )
        .await;
    let reimbursed = server
        .ok(
            &accountant,
            "mutation($id: ID!) { reimburseExpense(idempotencyKey: \"r-1\", expenseId: $id, batchReference: \"B-1\") { consistencyToken } }",
            json!({"id": expense}),
        )
        .await;
    assert!(approved["approveExpense"]["consistencyToken"].is_string());
    let token = reimbursed["reimburseExpense"]["consistencyToken"]
        .as_str()
        .unwrap();
    let mine = "query($token: String) { expenses(consistencyToken: $token) { edges { node { expenseId status approvalsSoFar employeeId } } } }";
    let own = server.ok(&employee, mine, json!({"token": token})).await;
    assert_eq!(own["expenses"]["edges"][0]["node"]["status"], "REIMBURSED");
    assert_eq!(own["expenses"]["edges"][0]["node"]["approvalsSoFar"], 1);
    let others = server.ok(&other, mine, json!({"token": token})).await;
    assert_eq!(others["expenses"]["edges"].as_array().unwrap().len(), 0);
    let all = server.ok(&approver, mine, json!({"token": token})).await;
    assert_eq!(all["expenses"]["edges"].as_array().unwrap().len(), 1);
    // Employees cannot approve, not even someone else's expense.
    let refused = server
        .gql(
            &other,
            "mutation($id: ID!) { approveExpense(idempotencyKey: \"a-2\", expenseId: $id) { version } }",
            json!({"id": expense}),
        )
        .await;
    assert_eq!(code(&refused), "FORBIDDEN");
}

#[tokio::test]
async fn a_subscription_receives_its_tenants_status_changes_only() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let (a, b) = (tenant(), tenant());
    let accountant_a = server.token(a, "alice", Role::Accountant);
    let mut watcher_a = server
        .subscribe(&server.token(a, "aud", Role::Auditor))
        .await;
    let mut watcher_b = server
        .subscribe(&server.token(b, "bob", Role::Accountant))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let (_, invoice) = issued_invoice(&server, &accountant_a).await;

    let message = tokio::time::timeout(Duration::from_secs(20), watcher_a.next())
        .await
        .expect("a status change arrives")
        .unwrap()
        .unwrap();
    let message: Value = serde_json::from_str(message.to_text().unwrap()).unwrap();
    assert_eq!(message["type"], "next", "{message}");
    let change = &message["payload"]["data"]["statusChanges"];
    assert_eq!(change["kind"], "INVOICE");
    assert_eq!(change["aggregateId"], invoice.as_str());
    assert_eq!(change["eventType"], "InvoiceIssued");
    // Tenant B hears nothing of it.
    let nothing = tokio::time::timeout(Duration::from_millis(700), watcher_b.next()).await;
    assert!(nothing.is_err(), "tenant B received {nothing:?}");
}

#[tokio::test]
async fn a_refused_subscription_names_what_was_asked_for() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let employee = server.token(tenant(), "erin", Role::Employee);
    let mut socket = server.connect(&employee).await;
    let ack = socket.next().await.unwrap().unwrap();
    assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack}");
    let start = json!({"id": "1", "type": "subscribe", "payload": {"query":
        "subscription { statusChanges(kinds: [EXPENSE]) { kind aggregateId } }"}});
    futures::SinkExt::send(
        &mut socket,
        tokio_tungstenite::tungstenite::Message::text(start.to_string()),
    )
    .await
    .unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("an answer")
        .unwrap()
        .unwrap();
    let reply: Value = serde_json::from_str(reply.to_text().unwrap()).unwrap();
    // graphql-transport-ws answers a refused subscription with `error`, or with
    // `next` carrying the errors: either way the message is the refusal's.
    let message = reply["payload"][0]["message"]
        .as_str()
        .or(reply["payload"]["errors"][0]["message"].as_str())
        .unwrap_or_default();
    assert!(
        message.contains("expense") && !message.contains("invoices"),
        "{reply}"
    );
}

#[tokio::test]
async fn a_socket_serves_until_its_token_expires_then_closes_with_4401() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let short_lived = server
        .keys
        .mint(
            tenant(),
            "alice",
            &[Role::Accountant],
            chrono::Duration::seconds(3),
        )
        .unwrap();
    let mut socket = server.connect(&short_lived).await;
    let ack = socket.next().await.unwrap().unwrap();
    assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack}");
    // Operations on the socket are served while the token holds...
    let answer =
        support::server::socket_answer(&mut socket, "{ customers { edges { cursor } } }").await;
    assert_eq!(answer["type"], "next", "{answer}");
    assert_eq!(answer["payload"]["errors"], Value::Null, "{answer}");
    // ...and when it expires, the server closes the socket and says why.
    let closed = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match socket.next().await {
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(frame))) => break frame,
                Some(Ok(_)) => continue,
                other => panic!("the socket ended without a close frame: {other:?}"),
            }
        }
    })
    .await
    .expect("the socket is closed when its token expires");
    let frame = closed.expect("a close code");
    assert_eq!(u16::from(frame.code), 4401, "{frame:?}");
}

#[tokio::test]
async fn a_subscription_without_a_valid_token_is_refused() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let mut socket = server.connect("forged.token.here").await;
    let reply = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .unwrap();
    let acked =
        matches!(&reply, Some(Ok(m)) if m.to_text().unwrap_or("").contains("connection_ack"));
    assert!(!acked, "a forged token was accepted: {reply:?}");
}

#[tokio::test]
async fn every_role_gets_what_the_matrix_says() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let (customer, invoice) = issued_invoice(&server, &admin).await;
    let expense = submitted_expense(&server, &server.token(t, "someone", Role::Employee)).await;

    // (operation, variables, roles allowed). Allowed means "not FORBIDDEN": the
    // domain may still refuse (e.g. approving an expense twice is a CONFLICT).
    let cases: Vec<(&str, Value, &[Role])> = vec![
        (
            "mutation($key: String!, $id: ID!) { approveExpense(idempotencyKey: $key, expenseId: $id) { version } }",
            json!({"id": expense}),
            &[Role::Admin, Role::Approver],
        ),
        (
            "mutation($key: String!, $id: ID!) { returnExpense(idempotencyKey: $key, expenseId: $id, reason: \"r\") { version } }",
            json!({"id": expense}),
            &[Role::Admin, Role::Approver],
        ),
        (
            "mutation($key: String!, $id: ID!) { reimburseExpense(idempotencyKey: $key, expenseId: $id, batchReference: \"B\") { version } }",
            json!({"id": expense}),
            &[Role::Admin, Role::Accountant],
        ),
        (
            "mutation($key: String!, $id: ID!) { voidInvoice(idempotencyKey: $key, invoiceId: $id, reason: \"r\") { version } }",
            json!({"id": invoice}),
            &[Role::Admin, Role::Accountant],
        ),
        (REGISTER, json!({"name": "X"}), &[Role::Admin, Role::Accountant]),
        (
            "mutation($key: String!) { configureTaxRates(idempotencyKey: $key, rates: []) { version } }",
            json!({}),
            &[Role::Admin],
        ),
        (
            "mutation($key: String!) { configureAccountingCurrency(idempotencyKey: $key, currency: \"EUR\") { version } }",
            json!({}),
            &[Role::Admin],
        ),
        (
            "mutation($key: String!) { recordExchangeRate(idempotencyKey: $key, rate: {from: \"USD\",
                to: \"EUR\", date: \"2026-03-02\", rate: \"0.92\"}) { version } }",
            json!({}),
            &[Role::Admin, Role::Accountant],
        ),
        (DRAFT, json!({"customer": customer}), &[Role::Admin, Role::Accountant]),
        (
            "mutation($key: String!, $id: ID!) { addInvoiceAdjustment(idempotencyKey: $key, invoiceId: $id,
                adjustment: {kind: CHARGE, amount: \"5\", reasonCode: \"FC\", tax: {code: \"VAT\",
                percent: \"19\", treatment: STANDARD, category: STANDARD}}) { version } }",
            json!({"id": invoice}),
            &[Role::Admin, Role::Accountant],
        ),
        (
            PAY,
            json!({"invoice": invoice, "amount": "1.00", "currency": "EUR"}),
            &[Role::Admin, Role::Accountant],
        ),
        (
            "mutation($key: String!) { configureInvoicing(idempotencyKey: $key, policy: {roundingMode: HALF_UP,
                roundingScope: PER_LINE, invoiceSeries: \"INV\", creditNoteSeries: \"CN\"}) { version } }",
            json!({}),
            &[Role::Admin],
        ),
        (
            "mutation($key: String!, $on: Date!) { submitExpense(idempotencyKey: $key, expense: {incurredOn: $on,
                merchant: \"M\", category: \"meals\", amount: {amount: \"10.00\", currency: \"EUR\"},
                description: \"Lunch\", receiptRef: \"r\"}) { version } }",
            json!({"on": support::recently()}),
            &[Role::Admin, Role::Accountant, Role::Approver, Role::Employee],
        ),
        (
            "query { invoices { edges { node { number } } } }",
            json!({}),
            &[Role::Admin, Role::Accountant, Role::Auditor],
        ),
        (
            "query { customers { edges { node { name } } } }",
            json!({}),
            &[Role::Admin, Role::Accountant, Role::Auditor],
        ),
        (
            "query { arAging { totalDue } revenueByMonth { netRevenue } taxSummary { taxAmount } expensesByCategory { claimedAmount } }",
            json!({}),
            &[Role::Admin, Role::Accountant, Role::Auditor],
        ),
        (
            "query { expenses { edges { node { status } } } }",
            json!({}),
            &[Role::Admin, Role::Accountant, Role::Approver, Role::Employee, Role::Auditor],
        ),
        (
            "mutation($key: String!, $id: ID!) { sendInvoice(idempotencyKey: $key, invoiceId: $id, to: [\"ap@acme.example\"]) { version } }",
            json!({"id": invoice}),
            &[Role::Admin, Role::Accountant],
        ),
        (
            "query { notifications(first: 5) { status } }",
            json!({}),
            &[Role::Admin],
        ),
        (
            "query($id: ID!) { history(aggregateType: \"Invoice\", aggregateId: $id) { hash } }",
            json!({"id": invoice}),
            &[Role::Admin, Role::Auditor],
        ),
        (
            "query { eventLog(first: 5) { edges { cursor } } }",
            json!({}),
            &[Role::Admin, Role::Auditor],
        ),
        (
            "query($id: ID!) { invoiceAsOf(invoiceId: $id) { version } }",
            json!({"id": invoice}),
            &[Role::Admin, Role::Auditor],
        ),
        (
            "query($id: ID!) { expenseAsOf(expenseId: $id) { version } }",
            json!({"id": expense}),
            &[Role::Admin, Role::Auditor],
        ),
        // Last: the admin's run erases the customer for good.
        (
            "mutation($key: String!, $id: ID!) { eraseCustomerPersonalData(idempotencyKey: $key, customerId: $id, reason: \"GDPR 1\") { version } }",
            json!({"id": customer}),
            &[Role::Admin],
        ),
    ];
    for (query, mut variables, allowed) in cases {
        for role in [
            Role::Admin,
            Role::Accountant,
            Role::Approver,
            Role::Employee,
            Role::Auditor,
        ] {
            variables["key"] = json!(uuid::Uuid::new_v4().to_string());
            let token = server.token(t, &format!("{role:?}-user"), role);
            let before = event_count(&db.app).await;
            let body = server.gql(&token, query, variables.clone()).await;
            if allowed.contains(&role) {
                assert_ne!(
                    code(&body),
                    "FORBIDDEN",
                    "{role:?} refused:\n{query}\n{body}"
                );
            } else {
                assert_eq!(
                    code(&body),
                    "FORBIDDEN",
                    "{role:?} allowed:\n{query}\n{body}"
                );
                assert_eq!(event_count(&db.app).await, before, "a refusal wrote events");
            }
        }
    }
}

#[tokio::test]
async fn tenant_b_can_never_see_or_change_tenant_a() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let (a, b) = (tenant(), tenant());
    let admin_a = server.token(a, "root-a", Role::Admin);
    let admin_b = server.token(b, "root-b", Role::Admin);
    let (customer, invoice) = issued_invoice(&server, &admin_a).await;
    let pay = server
        .ok(
            &admin_a,
            PAY,
            json!({"key": "p", "invoice": invoice, "amount": "10.00", "currency": "EUR"}),
        )
        .await;
    let token = pay["recordPayment"]["consistencyToken"].as_str().unwrap();
    // Tenant A sees its data (so emptiness below means isolation, not lag).
    let seen = server
        .ok(&admin_a, INVOICE, json!({"id": invoice, "token": token}))
        .await;
    assert_eq!(seen["invoice"]["amountPaid"], "10.00");

    let reads = server
        .ok(
            &admin_b,
            "query($id: ID!, $token: String) {
                invoice(id: $id, consistencyToken: $token) { number }
                invoices(consistencyToken: $token) { edges { node { number } } }
                customers { edges { node { name } } }
                expenses { edges { node { status } } }
                arAging { totalDue } revenueByMonth { netRevenue } taxSummary { taxAmount }
                expensesByCategory { claimedAmount } }",
            json!({"id": invoice, "token": token}),
        )
        .await;
    assert_eq!(reads["invoice"], Value::Null);
    for list in [
        "arAging",
        "revenueByMonth",
        "taxSummary",
        "expensesByCategory",
    ] {
        assert_eq!(reads[list], json!([]), "{list}");
    }
    for connection in ["invoices", "customers", "expenses"] {
        assert_eq!(reads[connection]["edges"], json!([]), "{connection}");
    }

    let expense = submitted_expense(&server, &admin_a).await;
    let before = event_count(&db.app).await;
    let on_expense = |mutation: &str| format!("mutation($id: ID!) {{ {mutation} {{ version }} }}");
    let amend = on_expense(&format!(
        "amendExpense(idempotencyKey: \"x6\", expenseId: $id, expense: {{incurredOn: \"{}\", \
         merchant: \"M\", category: \"c\", amount: {{amount: \"1.00\", currency: \"EUR\"}}, \
         description: \"d\"}})",
        support::recently()
    ));
    let expense_writes = [
        on_expense("approveExpense(idempotencyKey: \"x7\", expenseId: $id)"),
        on_expense("rejectExpense(idempotencyKey: \"x8\", expenseId: $id, reason: \"r\")"),
        on_expense("returnExpense(idempotencyKey: \"x9\", expenseId: $id, reason: \"r\")"),
        on_expense(
            "reimburseExpense(idempotencyKey: \"x10\", expenseId: $id, batchReference: \"B\")",
        ),
        amend,
    ];
    for mutation in &expense_writes {
        let body = server.gql(&admin_b, mutation, json!({"id": expense})).await;
        assert_eq!(code(&body), "NOT_FOUND", "{mutation}\n{body}");
    }
    let writes = [
        (PAY, json!({"key": "x1", "invoice": invoice, "amount": "1.00", "currency": "EUR"})),
        (ADD_LINE, json!({"key": "x11", "invoice": invoice})),
        (
            "mutation($id: ID!) { markInvoiceSent(idempotencyKey: \"x12\", invoiceId: $id, recipient: \"a@b.c\") { version } }",
            json!({"id": invoice}),
        ),
        (
            "mutation($id: ID!) { issueCreditNote(idempotencyKey: \"x13\", invoiceId: $id, creditNote: {amount: {amount: \"1.00\", currency: \"EUR\"}, tax: {code: \"VAT\", percent: \"19\"}, reason: \"r\"}) { version } }",
            json!({"id": invoice}),
        ),
        (
            "mutation($id: ID!) { updateCustomerContact(idempotencyKey: \"x14\", customerId: $id, contact: {name: \"Mine\"}) { version } }",
            json!({"id": customer}),
        ),
        (
            "mutation($id: ID!) { sendInvoice(idempotencyKey: \"x15\", invoiceId: $id, to: [\"a@b.example\"]) { version } }",
            json!({"id": invoice}),
        ),
        (ISSUE, json!({"key": "x2", "invoice": invoice})),
        (DRAFT, json!({"key": "x3", "customer": customer})),
        (
            "mutation($id: ID!) { voidInvoice(idempotencyKey: \"x4\", invoiceId: $id, reason: \"mine\") { version } }",
            json!({"id": invoice}),
        ),
        (
            "mutation($id: ID!) { archiveCustomer(idempotencyKey: \"x5\", customerId: $id, reason: \"mine\") { version } }",
            json!({"id": customer}),
        ),
    ];
    for (mutation, variables) in writes {
        let body = server.gql(&admin_b, mutation, variables).await;
        assert_eq!(code(&body), "NOT_FOUND", "{mutation}\n{body}");
    }
    assert_eq!(event_count(&db.app).await, before);
}

#[tokio::test]
async fn bad_input_gets_its_code_and_writes_nothing() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let accountant = server.token(t, "alice", Role::Accountant);
    let (_, invoice) = issued_invoice(&server, &accountant).await;
    let before = event_count(&db.app).await;

    // Transport: malformed JSON, oversized body, missing / expired / forged tokens.
    let (status, body) = server.post(Some(&accountant), "{\"query\": ").await;
    assert_eq!((status, code(&body)), (400, "VALIDATION"), "{body}");
    let huge = json!({"query": format!("{{ customers {{ edges {{ cursor }} }} }} #{}", "x".repeat(400_000))});
    let (status, body) = server.post(Some(&accountant), huge.to_string()).await;
    assert_eq!((status, code(&body)), (413, "LIMIT"), "{body}");
    let query = json!({"query": "{ customers { edges { cursor } } }"}).to_string();
    let (status, body) = server.post(None, query.clone()).await;
    assert_eq!((status, code(&body)), (401, "UNAUTHENTICATED"));
    let expired = server
        .keys
        .mint(t, "alice", &[Role::Accountant], chrono::Duration::hours(-1))
        .unwrap();
    let (status, body) = server.post(Some(&expired), query.clone()).await;
    assert_eq!((status, code(&body)), (401, "UNAUTHENTICATED"));
    let forged = TokenKeys::hs256(b"another-secret-of-at-least-32-bytes!!")
        .unwrap()
        .mint(t, "alice", &[Role::Admin], chrono::Duration::hours(1))
        .unwrap();
    let (status, body) = server.post(Some(&forged), query).await;
    assert_eq!((status, code(&body)), (401, "UNAUTHENTICATED"));

    // Values: wrong types, negative, over-precise, unknown currency.
    let pay = |amount: Value, currency: &str| json!({"key": uuid::Uuid::new_v4().to_string(), "invoice": invoice, "amount": amount, "currency": currency});
    for (variables, expected) in [
        (pay(json!({"not": "a number"}), "EUR"), "VALIDATION"),
        (pay(json!("-5.00"), "EUR"), "VALIDATION"),
        (pay(json!("1.001"), "EUR"), "VALIDATION"),
        (pay(json!("5.00"), "EURO"), "VALIDATION"),
    ] {
        let body = server.gql(&accountant, PAY, variables.clone()).await;
        assert_eq!(code(&body), expected, "{variables}\n{body}");
    }
    let body = server
        .gql(&accountant, INVOICE, json!({"id": "not-a-uuid"}))
        .await;
    assert_eq!(code(&body), "VALIDATION", "{body}");

    // Query shape and paging: each refused with its code before anything is
    // read. Depth is measured before the fields are checked, so any nesting of
    // data shows it; introspection may nest deeper (the standard introspection
    // query is admitted: tests/introspection.rs), but not without bound.
    let deep_data = format!("{{ {}id{} }}", "invoices { ".repeat(11), " }".repeat(11));
    let deep_introspection = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {}name{} }} }} }} }} }}",
        "ofType { ".repeat(20),
        " }".repeat(20)
    );
    let complex: String = (0..400)
        .map(|i| {
            format!(
                "i{i}: invoices {{ edges {{ node {{ number total lines {{ description }} }} }} }} "
            )
        })
        .collect();
    let complex = format!("{{ {complex} }}");
    for (query, expected) in [
        (deep_data.as_str(), "LIMIT"),
        (deep_introspection.as_str(), "LIMIT"),
        (complex.as_str(), "LIMIT"),
        ("{ customers(first: 5000) { edges { cursor } } }", "LIMIT"),
        // A consistency token ahead of every write: refused at once (a wait
        // would end in UNAVAILABLE).
        (
            "{ customers(consistencyToken: \"1000000000\") { edges { cursor } } }",
            "VALIDATION",
        ),
        // The largest offset has no item after it: a malformed cursor, not an
        // overflow.
        (
            "{ customers(after: \"9223372036854775807\") { edges { cursor } } }",
            "VALIDATION",
        ),
    ] {
        let body = server.gql(&accountant, query, json!({})).await;
        assert_eq!(code(&body), expected, "{body}");
    }

    assert_eq!(event_count(&db.app).await, before, "bad input wrote events");
}

const JURISDICTION: &str = "mutation($key: String!, $j: Jurisdiction!) {
    configureJurisdiction(idempotencyKey: $key, jurisdiction: $j) { version consistencyToken } }";
const VOID: &str = "mutation($key: String!, $id: ID!, $sat: SatCancellationInput) {
    voidInvoice(idempotencyKey: $key, invoiceId: $id, reason: \"wrong RFC\", satCancellation: $sat) {
        version consistencyToken } }";

#[tokio::test]
async fn the_jurisdiction_decides_rounding_and_how_an_issued_invoice_is_cancelled() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let accountant = server.token(t, "alice", Role::Accountant);
    let key = || uuid::Uuid::new_v4().to_string();

    // EU: EN 16931 rounding, and an issued invoice is corrected, never voided.
    // The settings read takes the write's consistency token like every query.
    let configured = server
        .ok(&admin, JURISDICTION, json!({"key": key(), "j": "EU"}))
        .await;
    let settings = server
        .ok(
            &admin,
            "query($token: String) { tenantSettings(consistencyToken: $token) {
                jurisdiction invoicing { roundingMode roundingScope } } }",
            json!({"token": configured["configureJurisdiction"]["consistencyToken"]}),
        )
        .await;
    assert_eq!(
        settings["tenantSettings"],
        json!({"jurisdiction": "EU", "invoicing": {"roundingMode": "HALF_UP", "roundingScope": "PER_TAX_CATEGORY"}})
    );
    let half_even = "mutation($key: String!) { configureInvoicing(idempotencyKey: $key, policy: {
        roundingMode: HALF_EVEN, roundingScope: PER_LINE, invoiceSeries: \"A\", creditNoteSeries: \"CN\"}) { version } }";
    let body = server.gql(&admin, half_even, json!({"key": key()})).await;
    assert_eq!(code(&body), "VALIDATION", "{body}");
    let (customer, invoice) = issued_invoice(&server, &accountant).await;
    let before = event_count(&db.app).await;
    let body = server
        .gql(&accountant, VOID, json!({"key": key(), "id": invoice}))
        .await;
    refused(&body, "CONFLICT", "credit note");
    assert_eq!(event_count(&db.app).await, before, "a refused void wrote");

    // MX: cancelled with SAT's reason; 01 names the replacing invoice (issued
    // before the switch: under MX an invoice needs SAT's data, tests/mexico.rs).
    let replacement = invoice_for(&server, &accountant, &customer).await;
    server
        .ok(&admin, JURISDICTION, json!({"key": key(), "j": "MX"}))
        .await;
    let body = server
        .gql(&accountant, VOID, json!({"key": key(), "id": invoice}))
        .await;
    assert_eq!(code(&body), "VALIDATION", "{body}");
    let sat = json!({"reason": "ERRORS_WITH_REPLACEMENT", "replacedBy": replacement});
    let voided = server
        .ok(
            &accountant,
            VOID,
            json!({"key": key(), "id": invoice, "sat": sat}),
        )
        .await;
    let read = server
        .ok(
            &accountant,
            "query($id: ID!, $token: String) { invoice(id: $id, consistencyToken: $token) { status } }",
            json!({"id": invoice, "token": voided["voidInvoice"]["consistencyToken"]}),
        )
        .await;
    assert_eq!(read["invoice"]["status"], "VOID");
    let (reason, replaced_by): (String, uuid::Uuid) = sqlx::query_as(
        "SELECT sat_cancellation_reason, replaced_by FROM folio_read.invoices WHERE invoice_id = $1",
    )
    .bind(invoice.parse::<uuid::Uuid>().unwrap())
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(
        (reason.as_str(), replaced_by.to_string()),
        ("01", replacement)
    );
}

const TIMEZONE: &str = "mutation($key: String!, $tz: String!) {
    configureTimezone(idempotencyKey: $key, timezone: $tz) { version } }";

/// Issues a fresh draft for `customer` with `issue_date` (today when `None`) and
/// returns its id and the read model's view of it.
async fn issued_on(
    server: &Server,
    token: &str,
    customer: &str,
    issue_date: Option<&str>,
) -> (String, Value) {
    let key = || uuid::Uuid::new_v4().to_string();
    let invoice = server
        .ok(token, DRAFT, json!({"key": key(), "customer": customer}))
        .await["createInvoiceDraft"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned();
    server
        .ok(token, ADD_LINE, json!({"key": key(), "invoice": invoice}))
        .await;
    let issued = server
        .ok(
            token,
            "mutation($key: String!, $id: ID!, $on: Date) {
                issueInvoice(idempotencyKey: $key, invoiceId: $id, issueDate: $on) { consistencyToken } }",
            json!({"key": key(), "id": invoice, "on": issue_date}),
        )
        .await;
    let read = server
        .ok(
            token,
            "query($id: ID!, $token: String) { invoice(id: $id, consistencyToken: $token) {
                issueDate dueDate daysOverdue } }",
            json!({"id": invoice, "token": issued["issueInvoice"]["consistencyToken"]}),
        )
        .await;
    (invoice, read["invoice"].clone())
}

#[tokio::test]
async fn each_tenant_s_today_and_overdue_follow_its_own_timezone() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let key = || uuid::Uuid::new_v4().to_string();
    // UTC+14 and UTC-11: 25 hours apart, so their dates always differ. Each
    // tenant first issues an invoice due two days before the UTC date (so before
    // either tenant's today; numbering must follow the dates, so the backdated
    // one goes first), then one dated by default: that tenant's today.
    let due = chrono::Utc::now().date_naive() - chrono::Days::new(2);
    let issue_date = (due - chrono::Days::new(30)).to_string();
    let mut seen = Vec::new();
    for zone in ["Pacific/Kiritimati", "Pacific/Pago_Pago"] {
        let t = tenant();
        let admin = server.token(t, "root", Role::Admin);
        server
            .ok(&admin, TIMEZONE, json!({"key": key(), "tz": zone}))
            .await;
        let accountant = server.token(t, "alice", Role::Accountant);
        let customer = server
            .ok(&accountant, REGISTER, json!({"key": key(), "name": "Acme"}))
            .await["registerCustomer"]["aggregateId"]
            .as_str()
            .unwrap()
            .to_owned();
        let (backdated, read) = issued_on(&server, &accountant, &customer, Some(&issue_date)).await;
        assert_eq!(read["dueDate"], due.to_string(), "{read}");
        let (_, today) = issued_on(&server, &accountant, &customer, None).await;
        let today: chrono::NaiveDate = today["issueDate"].as_str().unwrap().parse().unwrap();
        let overdue = server
            .ok(
                &accountant,
                "query($id: ID!) { invoice(id: $id) { daysOverdue } }",
                json!({"id": backdated}),
            )
            .await["invoice"]["daysOverdue"]
            .as_i64()
            .unwrap();
        seen.push((today, overdue));
    }
    let [(east_today, east_overdue), (west_today, west_overdue)] = seen[..] else {
        unreachable!("two tenants")
    };
    let ahead = (east_today - west_today).num_days();
    assert!((1..=2).contains(&ahead), "{east_today} vs {west_today}");
    // Overdue counts from each tenant's own today.
    assert_eq!(
        (east_overdue, west_overdue),
        ((east_today - due).num_days(), (west_today - due).num_days())
    );

    let admin = server.token(tenant(), "root", Role::Admin);
    let body = server
        .gql(
            &admin,
            TIMEZONE,
            json!({"key": key(), "tz": "Mars/Olympus_Mons"}),
        )
        .await;
    refused(&body, "VALIDATION", "IANA");
}

#[tokio::test]
async fn a_foreign_currency_expense_is_judged_by_its_amount_at_the_stated_rate() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let employee = server.token(t, "emp", Role::Employee);
    let policy = "mutation { configureExpensePolicy(idempotencyKey: \"p\", policy: {
        approvalThresholds: [{currency: \"EUR\", fromAmount: \"0\", approvals: 1},
                             {currency: \"EUR\", fromAmount: \"1000\", approvals: 3}],
        categoryLimits: [], receiptRequiredAbove: {amount: \"25\", currency: \"EUR\"}}) { version } }";
    server.ok(&admin, policy, json!({})).await;
    let submit = "mutation($key: String!, $on: Date!, $rate: ExchangeRateInput) {
        submitExpense(idempotencyKey: $key, expense: {incurredOn: $on, merchant: \"Yellow Cab\",
            category: \"taxi\", amount: {amount: \"30.00\", currency: \"USD\"},
            description: \"Airport\", exchangeRate: $rate}) { aggregateId consistencyToken } }";
    let before = event_count(&db.app).await;
    let body = server
        .gql(
            &employee,
            submit,
            json!({"key": "no-rate", "on": support::recently()}),
        )
        .await;
    refused(&body, "VALIDATION", "exchange rate from USD into EUR");
    assert_eq!(event_count(&db.app).await, before, "a refused claim wrote");

    let rate = json!({"to": "EUR", "rate": "0.92", "source": "card statement"});
    let submitted = server
        .ok(
            &employee,
            submit,
            json!({"key": "rate", "on": support::recently(), "rate": rate}),
        )
        .await;
    let read = server
        .ok(
            &employee,
            "query($id: ID!, $token: String) { expense(id: $id, consistencyToken: $token) {
                approvalsRequired policyViolationCount
                exchangeRate { rate converted { amount currency } } } }",
            json!({"id": submitted["submitExpense"]["aggregateId"],
                   "token": submitted["submitExpense"]["consistencyToken"]}),
        )
        .await;
    // 30 USD at 0.92 is 27.60 EUR: one approval, and above the receipt rule.
    assert_eq!(
        read["expense"],
        json!({"approvalsRequired": 1, "policyViolationCount": 1,
               "exchangeRate": {"rate": "0.92", "converted": {"amount": "27.60", "currency": "EUR"}}})
    );
}

const CLAIM: &str = "mutation($key: String!, $on: Date!, $merchant: String!, $amount: Decimal!) {
    submitExpense(idempotencyKey: $key, expense: {incurredOn: $on, merchant: $merchant,
        category: \"meals\", amount: {amount: $amount, currency: \"EUR\"},
        description: \"Team dinner\"}) { aggregateId consistencyToken } }";

/// Submits a meal at `merchant` for `amount` EUR as the caller of `token`;
/// its id and its count of policy violations, read once projected.
async fn claimed_meal(server: &Server, token: &str, merchant: &str, amount: &str) -> (String, i64) {
    let variables = json!({"key": uuid::Uuid::new_v4().to_string(), "on": support::recently(),
        "merchant": merchant, "amount": amount});
    let submitted = server.ok(token, CLAIM, variables).await["submitExpense"].clone();
    let read = server
        .ok(
            token,
            "query($id: ID!, $token: String) {
                expense(id: $id, consistencyToken: $token) { policyViolationCount } }",
            json!({"id": submitted["aggregateId"], "token": submitted["consistencyToken"]}),
        )
        .await;
    let id = submitted["aggregateId"].as_str().unwrap().to_owned();
    (
        id,
        read["expense"]["policyViolationCount"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn an_expense_like_a_colleagues_is_flagged_as_a_possible_duplicate() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let first = server.token(t, "emp-1", Role::Employee);
    let second = server.token(t, "emp-2", Role::Employee);
    // Given a team dinner claimed by one employee
    let (dinner, flags) = claimed_meal(&server, &first, "Trattoria Roma", "184.20").await;
    assert_eq!(flags, 0);
    // When a colleague claims the same amount, day and merchant (spelled
    // differently), it is recorded and flagged; another amount is not
    let (twin, flags) = claimed_meal(&server, &second, "  trattoria ROMA ", "184.20").await;
    assert_eq!(flags, 1);
    let (_, flags) = claimed_meal(&server, &second, "Trattoria Roma", "18.42").await;
    assert_eq!(flags, 0);
    // Then BI reads which expense it looks like
    let (kind, duplicate_of): (String, Vec<uuid::Uuid>) = sqlx::query_as(
        "SELECT kind, duplicate_of FROM folio_read.expense_policy_violations
         WHERE expense_id = $1::uuid",
    )
    .bind(&twin)
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(kind, "POSSIBLE_DUPLICATE");
    assert_eq!(duplicate_of, vec![dinner.parse::<uuid::Uuid>().unwrap()]);
}

#[tokio::test]
async fn reverse_charge_is_issued_only_to_a_customer_with_a_vat_number() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let accountant = server.token(t, "alice", Role::Accountant);
    let key = || uuid::Uuid::new_v4().to_string();
    server
        .ok(&admin, JURISDICTION, json!({"key": key(), "j": "EU"}))
        .await;
    let register = "mutation($key: String!, $taxId: String) {
        registerCustomer(idempotencyKey: $key, input: {contact: {name: \"Wien GmbH\"},
            tax: {taxId: $taxId, country: \"AT\", defaultCurrency: \"EUR\", paymentTermsDays: 30}}) {
            aggregateId } }";
    let reverse_charge = "mutation($key: String!, $invoice: ID!) {
        addInvoiceLine(idempotencyKey: $key, invoiceId: $invoice, line: {description: \"Consulting\",
            quantity: \"10\", unitPrice: \"100\", taxes: [{code: \"VAT\", percent: \"0\",
            treatment: EXEMPT, category: REVERSE_CHARGE, exemptionReasonCode: \"VATEX-EU-AE\"}]}) {
            version } }";
    let draft_for = |customer: Value| {
        let server = &server;
        let accountant = &accountant;
        async move {
            let customer = customer["registerCustomer"]["aggregateId"].clone();
            let invoice = server
                .ok(
                    accountant,
                    DRAFT,
                    json!({"key": key(), "customer": customer}),
                )
                .await["createInvoiceDraft"]["aggregateId"]
                .clone();
            server
                .ok(
                    accountant,
                    reverse_charge,
                    json!({"key": key(), "invoice": invoice}),
                )
                .await;
            invoice
        }
    };

    let without_vat_id = server
        .ok(&accountant, register, json!({"key": key()}))
        .await;
    let invoice = draft_for(without_vat_id).await;
    let before = event_count(&db.app).await;
    let body = server
        .gql(
            &accountant,
            ISSUE,
            json!({"key": key(), "invoice": invoice}),
        )
        .await;
    refused(&body, "VALIDATION", "needs the customer's VAT number");
    assert_eq!(event_count(&db.app).await, before, "a refused issue wrote");

    let with_vat_id = server
        .ok(
            &accountant,
            register,
            json!({"key": key(), "taxId": "U13585627"}),
        )
        .await;
    let invoice = draft_for(with_vat_id).await;
    let issued = server
        .ok(
            &accountant,
            ISSUE,
            json!({"key": key(), "invoice": invoice}),
        )
        .await;
    let read = server
        .ok(
            &accountant,
            INVOICE,
            json!({"id": invoice, "token": issued["issueInvoice"]["consistencyToken"]}),
        )
        .await;
    assert_eq!(read["invoice"]["total"], "1000.00", "{read}");
}

/// A statement's entries as `(kind, amount)`, in its order.
fn statement_entries(statement: &Value) -> Vec<(&str, &str)> {
    statement["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["amount"].as_str().unwrap()))
        .collect()
}

const APPLY_CREDIT: &str = "mutation($key: String!, $invoice: ID!, $from: ID!, $amount: Decimal!) {
    applyCustomerCredit(idempotencyKey: $key, invoiceId: $invoice, credit: {fromInvoiceId: $from,
        amount: {amount: $amount, currency: \"EUR\"}}) { version consistencyToken replayed } }";

#[tokio::test]
async fn credit_one_invoice_holds_settles_another_and_a_retry_moves_nothing_twice() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let accountant = server.token(tenant(), "alice", Role::Accountant);
    let key = || uuid::Uuid::new_v4().to_string();
    // Given an invoice of 1,190.00 paid with 1,300.00 (110.00 of credit), a
    // second invoice of the same customer, and one of another customer
    let (customer, first) = issued_invoice(&server, &accountant).await;
    let pay = json!({"key": key(), "invoice": first, "amount": "1300.00", "currency": "EUR"});
    server.ok(&accountant, PAY, pay).await;
    let second = invoice_for(&server, &accountant, &customer).await;
    let (_, stranger) = issued_invoice(&server, &accountant).await;
    let draft = server
        .ok(
            &accountant,
            DRAFT,
            json!({"key": key(), "customer": customer}),
        )
        .await["createInvoiceDraft"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned();

    // When more than the credit, to another customer's invoice, or to a draft
    // is asked, Then each is refused before any credit moves
    let before = event_count(&db.app).await;
    for (to, amount, code, says) in [
        (
            &second,
            "110.01",
            "VALIDATION",
            "exceeds the 110.00 EUR the invoice holds",
        ),
        (
            &stranger,
            "10.00",
            "VALIDATION",
            "credit stays with its customer",
        ),
        (
            &draft,
            "10.00",
            "CONFLICT",
            "needs an issued, not voided invoice",
        ),
    ] {
        let body = server
            .gql(
                &accountant,
                APPLY_CREDIT,
                json!({"key": key(), "invoice": to, "from": first, "amount": amount}),
            )
            .await;
        refused(&body, code, says);
    }
    assert_eq!(event_count(&db.app).await, before, "a refused move wrote");
    // Nor is credit applied to an invoice that owes nothing.
    let small = invoice_for(&server, &accountant, &customer).await;
    let before_small = event_count(&db.app).await;
    let body = server
        .gql(
            &accountant,
            APPLY_CREDIT,
            json!({"key": key(), "invoice": first, "from": small, "amount": "1.00"}),
        )
        .await;
    refused(&body, "VALIDATION", "exceeds the 0.00 EUR still due");
    assert_eq!(
        event_count(&db.app).await,
        before_small,
        "a refused move wrote"
    );
    assert!(
        before_small > before,
        "only the helper's invoice was written"
    );

    // When 100.00 of it settles the second invoice, and the request is retried
    let request = json!({"key": key(), "invoice": second, "from": first, "amount": "100.00"});
    let applied = server.ok(&accountant, APPLY_CREDIT, request.clone()).await;
    let written = event_count(&db.app).await;
    let again = server.ok(&accountant, APPLY_CREDIT, request).await;
    assert_eq!(again["applyCustomerCredit"]["replayed"], true, "{again}");
    assert_eq!(
        event_count(&db.app).await,
        written,
        "a retry moved it twice"
    );

    // Then the first holds 10.00, the second owes 1,090.00 (the third all of
    // its 1,190.00), and the account shows the move on both sides, netting to
    // zero
    let token = applied["applyCustomerCredit"]["consistencyToken"].clone();
    let read = server
        .ok(
            &accountant,
            "query($first: ID!, $second: ID!, $customer: ID!, $token: String) {
                first: invoice(id: $first, consistencyToken: $token) { amountDue customerCredit }
                second: invoice(id: $second, consistencyToken: $token) { amountDue customerCredit paymentStatus }
                customer(id: $customer, consistencyToken: $token) { balances { openAmount creditAmount balance }
                    statement(currency: \"EUR\", from: \"2000-01-01\", to: \"2100-12-31\") {
                        closingBalance entries { kind amount } } } }",
            json!({"first": first, "second": second, "customer": customer, "token": token}),
        )
        .await;
    assert_eq!(read["first"]["customerCredit"], "10.00", "{read}");
    assert_eq!(read["second"]["amountDue"], "1090.00", "{read}");
    assert_eq!(read["second"]["paymentStatus"], "PARTIALLY_PAID", "{read}");
    let balance = &read["customer"]["balances"][0];
    assert_eq!(
        (
            balance["openAmount"].as_str(),
            balance["creditAmount"].as_str(),
            balance["balance"].as_str()
        ),
        (Some("2280.00"), Some("10.00"), Some("2270.00")),
        "{read}"
    );
    let statement = &read["customer"]["statement"];
    let entries = statement_entries(statement);
    // In the order they were recorded: the credit leaves one invoice, then
    // settles the other.
    assert_eq!(
        entries,
        [
            ("INVOICE", "1190.00"),
            ("PAYMENT", "-1300.00"),
            ("INVOICE", "1190.00"),
            ("INVOICE", "1190.00"),
            ("CREDIT_TRANSFERRED", "100.00"),
            ("CREDIT_APPLIED", "-100.00"),
        ],
        "{read}"
    );
    assert_eq!(statement["closingBalance"], "2270.00", "{read}");
}

const CREDIT_LINES: &str =
    "mutation($key: String!, $invoice: ID!, $line: ID!, $quantity: Decimal!) {
    issueCreditNote(idempotencyKey: $key, invoiceId: $invoice, creditNote: {
        lines: [{lineId: $line, quantity: $quantity}], reason: \"Returned\"}) {
        version consistencyToken } }";

#[tokio::test]
async fn a_paid_invoice_credited_by_line_holds_the_customer_s_credit_until_refunded() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let accountant = server.token(t, "alice", Role::Accountant);
    let key = || uuid::Uuid::new_v4().to_string();
    let (customer, invoice) = issued_invoice(&server, &accountant).await;
    let paid = server
        .ok(
            &accountant,
            PAY,
            json!({"key": key(), "invoice": invoice, "amount": "1190.00", "currency": "EUR"}),
        )
        .await;
    let lines = server
        .ok(
            &accountant,
            "query($id: ID!, $token: String) { invoice(id: $id, consistencyToken: $token) {
                lines { lineId } payments { paymentId } } }",
            json!({"id": invoice, "token": paid["recordPayment"]["consistencyToken"]}),
        )
        .await;
    let line = lines["invoice"]["lines"][0]["lineId"].clone();
    let payment = lines["invoice"]["payments"][0]["paymentId"].clone();

    // Two of the ten units come back: 200.00 + 19% VAT is credited, and as the
    // invoice was paid, it is held for the customer.
    let credited = server
        .ok(
            &accountant,
            CREDIT_LINES,
            json!({"key": key(), "invoice": invoice, "line": line, "quantity": "2"}),
        )
        .await;
    let before = event_count(&db.app).await;
    let body = server
        .gql(
            &accountant,
            CREDIT_LINES,
            json!({"key": key(), "invoice": invoice, "line": line, "quantity": "9"}),
        )
        .await;
    refused(&body, "VALIDATION", "only 8 are left to credit");
    assert_eq!(event_count(&db.app).await, before, "a refused credit wrote");

    let token = credited["issueCreditNote"]["consistencyToken"].clone();
    let read = server
        .ok(
            &accountant,
            "query($id: ID!, $customer: ID!, $token: String) {
                invoice(id: $id, consistencyToken: $token) { paymentStatus amountDue customerCredit
                    creditNotes { kind netTotal taxTotal total lines { quantity netAmount taxAmount } } }
                customer(id: $customer, consistencyToken: $token) { balances { currency openAmount creditAmount balance }
                    statement(currency: \"EUR\", from: \"2000-01-01\", to: \"2100-12-31\") {
                        openingBalance closingBalance entries { kind amount balance } } } }",
            json!({"id": invoice, "customer": customer, "token": token}),
        )
        .await;
    let invoice_read = &read["invoice"];
    assert_eq!(invoice_read["paymentStatus"], "PAID", "{read}");
    assert_eq!(invoice_read["amountDue"], "0.00", "{read}");
    assert_eq!(invoice_read["customerCredit"], "238.00", "{read}");
    let note = &invoice_read["creditNotes"][0];
    assert_eq!(
        (
            note["kind"].as_str(),
            note["netTotal"].as_str(),
            note["taxTotal"].as_str()
        ),
        (Some("LINES"), Some("200.00"), Some("38.00")),
        "{read}"
    );
    assert_eq!(note["lines"][0]["quantity"], "2", "{read}");
    let balance = &read["customer"]["balances"][0];
    assert_eq!(balance["creditAmount"], "238.00", "{read}");
    assert_eq!(balance["balance"], "-238.00", "{read}");
    let statement = &read["customer"]["statement"];
    let entries = statement_entries(statement);
    assert_eq!(
        entries,
        [
            ("INVOICE", "1190.00"),
            ("PAYMENT", "-1190.00"),
            ("CREDIT_NOTE", "-238.00")
        ],
        "{read}"
    );
    assert_eq!(statement["openingBalance"], "0.00", "{read}");
    assert_eq!(statement["closingBalance"], "-238.00", "{read}");

    // Giving the credit back out of the payment settles the account.
    let refunded = server
        .ok(
            &accountant,
            "mutation($key: String!, $invoice: ID!, $payment: ID!) { refundPayment(idempotencyKey: $key,
                invoiceId: $invoice, refund: {paymentId: $payment, amount: {amount: \"238.00\",
                currency: \"EUR\"}, reason: \"Credit paid out\"}) { consistencyToken } }",
            json!({"key": key(), "invoice": invoice, "payment": payment}),
        )
        .await;
    let read = server
        .ok(
            &accountant,
            "query($id: ID!, $customer: ID!, $token: String) {
                invoice(id: $id, consistencyToken: $token) { amountDue customerCredit }
                customer(id: $customer, consistencyToken: $token) { balances { currency }
                    statement(currency: \"EUR\", from: \"2000-01-01\", to: \"2100-12-31\") {
                        closingBalance } } }",
            json!({"id": invoice, "customer": customer,
                   "token": refunded["refundPayment"]["consistencyToken"]}),
        )
        .await;
    assert_eq!(read["invoice"]["customerCredit"], "0.00", "{read}");
    assert_eq!(read["invoice"]["amountDue"], "0.00", "{read}");
    assert_eq!(read["customer"]["balances"], json!([]), "{read}");
    assert_eq!(
        read["customer"]["statement"]["closingBalance"], "0.00",
        "{read}"
    );
}

#[tokio::test]
async fn a_customer_s_tax_id_is_checked_and_stored_in_canonical_form() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let accountant = server.token(tenant(), "alice", Role::Accountant);
    let register = "mutation($key: String!, $taxId: String!) {
        registerCustomer(idempotencyKey: $key, input: {contact: {name: \"Acme GmbH\"},
            tax: {taxId: $taxId, country: \"DE\", defaultCurrency: \"EUR\", paymentTermsDays: 30}}) {
            aggregateId consistencyToken } }";
    let before = event_count(&db.app).await;
    let body = server
        .gql(
            &accountant,
            register,
            json!({"key": "typo", "taxId": "DE 136 695 978"}),
        )
        .await;
    refused(&body, "VALIDATION", "check digits");
    assert_eq!(event_count(&db.app).await, before);
    let registered = server
        .ok(
            &accountant,
            register,
            json!({"key": "right", "taxId": "de 136.695.976"}),
        )
        .await;
    let read = server
        .ok(
            &accountant,
            "query($id: ID!, $token: String) { customer(id: $id, consistencyToken: $token) { taxId } }",
            json!({"id": registered["registerCustomer"]["aggregateId"],
                   "token": registered["registerCustomer"]["consistencyToken"]}),
        )
        .await;
    assert_eq!(read["customer"]["taxId"], "DE136695976");
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let get = |path: &str| server.http.get(format!("{}{path}", server.base)).send();
    assert_eq!(get("/healthz").await.unwrap().text().await.unwrap(), "ok");
    let ready = get("/readyz").await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    let token = server.token(tenant(), "alice", Role::Accountant);
    server
        .ok(&token, REGISTER, json!({"key": "k", "name": "Acme"}))
        .await;
    let metrics = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains(
            "folio_http_requests_total{route=\"graphql\",operation=\"anonymous\",status=\"200\"} 1"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("folio_commands_total{command=\"RegisterCustomer\",code=\"OK\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("folio_projection_events_behind{projector=\"invoicing\"}"),
        "{metrics}"
    );

    // A poison event stops the invoicing projector. Every replica shares that
    // state, so readiness must not depend on it: the metric (and its alert)
    // says it, and the process still serves.
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         VALUES ('Invoice', $1, 1, 'LineAdded', '1', '{\"LineAdded\": {\"not\": \"a line\"}}',
                 jsonb_build_object('tenant_id', $2::text))",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(tenant().0.to_string())
    .execute(&db.app.pool)
    .await
    .unwrap();
    support::eventually("the projector reports the poison", || async {
        let metrics = get("/metrics").await.ok()?.text().await.ok()?;
        metrics
            .contains("folio_projection_failing{projector=\"invoicing\"} 1")
            .then_some(())
    })
    .await;
    let ready = get("/readyz").await.unwrap();
    assert_eq!(ready.status().as_u16(), 200, "{:?}", ready.text().await);
}

/// Registers a customer while an older transaction is open, so the feed holds the
/// new event back (it cannot know yet that nothing will commit before it); returns
/// the mutation's consistency token and the open transaction.
async fn write_held_back(
    db: &TestDatabase,
    server: &Server,
    token: &str,
) -> (String, sqlx::Transaction<'static, sqlx::Postgres>) {
    let mut older = db.app.pool.begin().await.unwrap();
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut *older)
        .await
        .unwrap();
    let written = server
        .ok(
            token,
            REGISTER,
            json!({"key": uuid::Uuid::new_v4().to_string(), "name": "Late"}),
        )
        .await;
    let consistency = written["registerCustomer"]["consistencyToken"]
        .as_str()
        .unwrap()
        .to_owned();
    (consistency, older)
}

const CUSTOMERS: &str =
    "query($token: String) { customers(consistencyToken: $token) { edges { node { name } } } }";

#[tokio::test]
async fn waiting_for_a_token_and_long_requests_are_bounded() {
    let db = TestDatabase::new().await;

    // The consistency wait ends with UNAVAILABLE; once the feed moves on, the same
    // token reads the write.
    let server = Server::start_with(&db, &[("FOLIO_CONSISTENCY_WAIT_MS", "300")]).await;
    let accountant = server.token(tenant(), "alice", Role::Accountant);
    let (token, older) = write_held_back(&db, &server, &accountant).await;
    let body = server
        .gql(&accountant, CUSTOMERS, json!({"token": token}))
        .await;
    assert_eq!(code(&body), "UNAVAILABLE", "{body}");
    older.rollback().await.unwrap();
    // Retried as the error tells a client to: other tests' transactions on the same
    // server may hold the feed back a little longer than this server's 300 ms wait.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let read = loop {
        let body = server
            .gql(&accountant, CUSTOMERS, json!({"token": token}))
            .await;
        if body.get("errors").is_none() || std::time::Instant::now() > deadline {
            break body;
        }
        assert_eq!(code(&body), "UNAVAILABLE", "{body}");
    };
    assert_eq!(
        read["data"]["customers"]["edges"][0]["node"]["name"], "Late",
        "{read}"
    );
    drop(server);

    // A request that outlives the request timeout is stopped with LIMIT.
    let server = Server::start_with(&db, &[("FOLIO_REQUEST_TIMEOUT_MS", "300")]).await;
    let (token, older) = write_held_back(&db, &server, &accountant).await;
    let body = server
        .gql(&accountant, CUSTOMERS, json!({"token": token}))
        .await;
    assert_eq!(code(&body), "LIMIT", "{body}");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("idempotencyKey"));
    older.rollback().await.unwrap();
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly() {
    let db = TestDatabase::new().await;
    let mut server = Server::start(&db).await;
    let pid = server.child.id().unwrap().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = tokio::time::timeout(Duration::from_secs(20), server.child.wait())
        .await
        .expect("the server stops after SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn payments_of_one_date_are_listed_in_the_order_they_were_recorded() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let accountant = server.token(tenant(), "alice", Role::Accountant);
    let (_, invoice) = issued_invoice(&server, &accountant).await;
    // Eight payments of one value date (today): their ids are derived from the
    // idempotency keys, so any order but the recording one shows here.
    let amounts: Vec<String> = (1..=8).map(|n| format!("{n}.00")).collect();
    let mut token = Value::Null;
    for amount in &amounts {
        let paid = server
            .ok(
                &accountant,
                PAY,
                json!({"key": uuid::Uuid::new_v4().to_string(), "invoice": invoice,
                       "amount": amount, "currency": "EUR"}),
            )
            .await;
        token = paid["recordPayment"]["consistencyToken"].clone();
    }
    let read = server
        .ok(&accountant, INVOICE, json!({"id": invoice, "token": token}))
        .await;
    let listed: Vec<&str> = read["invoice"]["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["amount"].as_str().unwrap())
        .collect();
    assert_eq!(listed, amounts, "{read}");
}

#[tokio::test]
async fn a_mexican_fee_charges_iva_and_withholds_iva_and_isr_on_one_line() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let accountant = server.token(tenant(), "alice", Role::Accountant);
    let key = || uuid::Uuid::new_v4().to_string();
    let invoice = draft_for_new_customer(
        &server,
        &accountant,
        "Cliente SA de CV",
        "{country: \"MX\", defaultCurrency: \"MXN\", paymentTermsDays: 30}",
    )
    .await;
    add_taxed_line(
        &server,
        &accountant,
        &invoice,
        "10000",
        "[{code: \"IVA\", percent: \"16\", treatment: STANDARD},
          {code: \"IVA\", percent: \"10.6667\", treatment: WITHHOLDING},
          {code: \"ISR\", percent: \"10\", treatment: WITHHOLDING}]",
    )
    .await;
    let issued = server
        .ok(
            &accountant,
            ISSUE,
            json!({"key": key(), "invoice": invoice}),
        )
        .await;
    let read = server
        .ok(
            &accountant,
            "query($id: ID!, $token: String) { invoice(id: $id, consistencyToken: $token) {
                currency netTotal total } }",
            json!({"id": invoice, "token": issued["issueInvoice"]["consistencyToken"]}),
        )
        .await;
    assert_eq!(
        read["invoice"],
        json!({"currency": "MXN", "netTotal": "10000.00", "total": "9533.33"}),
        "{read}"
    );
}

#[tokio::test]
async fn the_tax_report_keeps_each_vat_category_and_exemption_apart() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let accountant = server.token(t, "alice", Role::Accountant);
    let key = || uuid::Uuid::new_v4().to_string();
    server
        .ok(&admin, JURISDICTION, json!({"key": key(), "j": "EU"}))
        .await;
    let invoice = draft_for_new_customer(
        &server,
        &accountant,
        "Wien GmbH",
        "{taxId: \"U13585627\", country: \"AT\", defaultCurrency: \"EUR\", paymentTermsDays: 30}",
    )
    .await;
    // Reverse charge and exempt are both VAT at 0%: a VAT return reports them
    // in different boxes, so the report must not add them up.
    for (price, tax) in [
        ("1000", "{code: \"VAT\", percent: \"0\", treatment: EXEMPT, category: REVERSE_CHARGE, exemptionReasonCode: \"VATEX-EU-AE\"}"),
        ("500", "{code: \"VAT\", percent: \"0\", treatment: EXEMPT, category: EXEMPT, exemptionReasonCode: \"VATEX-EU-132\"}"),
        ("200", "{code: \"VAT\", percent: \"19\", treatment: STANDARD, category: STANDARD}"),
    ] {
        add_taxed_line(&server, &accountant, &invoice, price, &format!("[{tax}]")).await;
    }
    let issued = server
        .ok(
            &accountant,
            ISSUE,
            json!({"key": key(), "invoice": invoice}),
        )
        .await;
    let report = server
        .ok(
            &accountant,
            "query($token: String) { taxSummary(consistencyToken: $token) {
                taxCode taxPercent treatment category exemptionCode taxableBase taxAmount } }",
            json!({"token": issued["issueInvoice"]["consistencyToken"]}),
        )
        .await;
    let rows: Vec<(Value, Value, Value)> = report["taxSummary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["category"].clone(),
                r["exemptionCode"].clone(),
                r["taxableBase"].clone(),
            )
        })
        .collect();
    let mut rows = rows;
    rows.sort_by_key(|(category, _, _)| category.to_string());
    assert_eq!(
        rows,
        [
            (json!("EXEMPT"), json!("VATEX-EU-132"), json!("500.00")),
            (
                json!("REVERSE_CHARGE"),
                json!("VATEX-EU-AE"),
                json!("1000.00")
            ),
            (json!("STANDARD"), Value::Null, json!("200.00")),
        ],
        "{report}"
    );
}

/// Where `scripts/npm-packages` unpacked the npm packages the tests check with.
fn npm_packages() -> std::path::PathBuf {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/npm-packages");
    let dir = std::process::Command::new(script)
        .arg("dir")
        .output()
        .unwrap();
    std::path::PathBuf::from(String::from_utf8(dir.stdout).unwrap().trim())
}

#[tokio::test]
async fn graphiql_is_off_unless_turned_on_and_loads_only_the_files_npm_published() {
    let db = TestDatabase::new().await;
    let off = Server::start(&db).await;
    let answer = reqwest::get(format!("{}/graphql", off.base)).await.unwrap();
    assert_eq!(answer.status(), 404);
    assert!(answer.text().await.unwrap().contains("FOLIO_GRAPHIQL"));
    drop(off);

    let mirror = "https://npm-mirror.example.com/files";
    let on = Server::start_with(
        &db,
        &[("FOLIO_GRAPHIQL", "on"), ("FOLIO_GRAPHIQL_ASSETS", mirror)],
    )
    .await;
    let page = on.text("/graphql").await;
    // Every script and style names an exact version on the mirror and carries
    // the SHA-384 of the file npm published under that name and version.
    let mut checked = 0;
    for (attribute, rest) in [("src=\"", &page), ("href=\"", &page)] {
        for piece in rest.split(attribute).skip(1) {
            let url = &piece[..piece.find('"').unwrap()];
            let Some(path) = url.strip_prefix(&format!("{mirror}/")) else {
                panic!("{url} is not on the configured mirror:\n{page}");
            };
            let (package, file) = path.split_once('/').unwrap();
            let (name, version) = package.rsplit_once('@').unwrap();
            assert!(
                version.split('.').count() == 3
                    && version.split('.').all(|n| n.parse::<u32>().is_ok()),
                "{url} is not pinned to an exact version"
            );
            let integrity = piece
                .split("integrity=\"")
                .nth(1)
                .and_then(|i| i.split('"').next())
                .filter(|i| !i.contains('<'))
                .unwrap_or_else(|| panic!("{url} has no integrity hash"));
            let published = npm_packages().join(name).join("package").join(file);
            let bytes = std::fs::read(&published)
                .unwrap_or_else(|e| panic!("{}: {e}", published.display()));
            use base64::Engine;
            use sha2::Digest;
            let digest =
                base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(&bytes));
            assert_eq!(integrity, format!("sha384-{digest}"), "{url}");
            checked += 1;
        }
    }
    assert_eq!(checked, 4, "{page}");
}
