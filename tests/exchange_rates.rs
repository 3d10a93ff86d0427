//! Exchange rates over HTTP against `folio serve`: an admin sets the
//! tenant's accounting currency once, an accountant keeps the table of daily
//! rates, and an invoice in another currency is issued with its rate into the
//! books (stated, or the table's latest on or before the issue date), its
//! totals converted once; without a rate it is refused and nothing is written.
//! An expense claimed in another currency without a rate takes the table's.
//! Its UBL states the VAT in the accounting currency too (BT-6, BT-111).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use folio_api::Role;
use serde_json::{json, Value};
use support::einvoice::valid_ubl;
use support::scenario::legal_profile;
use support::server::Server;
use support::{ctx, event_count, recent_day, tenant, TestDatabase};

const BOOKS: &str = "mutation($key: String!, $currency: String!) {
    configureAccountingCurrency(idempotencyKey: $key, currency: $currency) { version } }";
const RECORD: &str = "mutation($key: String!, $rate: DailyRateInput!) {
    recordExchangeRate(idempotencyKey: $key, rate: $rate) { version } }";
const RATES: &str = "query($year: Int!) {
    exchangeRates(from: \"USD\", to: \"EUR\", year: $year) { date rate source }
    tenantSettings { accountingCurrency } }";
const REGISTER: &str = "mutation($key: String!, $currency: String!) {
    registerCustomer(idempotencyKey: $key, input: {contact: {name: \"Acme Inc.\"},
        tax: {country: \"US\", defaultCurrency: $currency, paymentTermsDays: 30}}) { aggregateId } }";
const DRAFT: &str = "mutation($key: String!, $customer: ID!) {
    createInvoiceDraft(idempotencyKey: $key, input: {customerId: $customer}) { aggregateId } }";
const ADD_LINE: &str = "mutation($key: String!, $invoice: ID!) {
    addInvoiceLine(idempotencyKey: $key, invoiceId: $invoice, line: {description: \"Licence\",
        quantity: \"1\", unitPrice: \"1000\", taxes: [{code: \"VAT\", percent: \"19\",
        treatment: STANDARD, category: STANDARD}]}) { version } }";
const ISSUE: &str = "mutation($key: String!, $invoice: ID!, $on: Date!, $rate: ExchangeRateInput) {
    issueInvoice(idempotencyKey: $key, invoiceId: $invoice, issueDate: $on, exchangeRate: $rate) {
        consistencyToken } }";
const READ: &str = "query($id: ID!, $token: String) {
    invoice(id: $id, consistencyToken: $token) { currency total taxTotal
        accounting { currency exchangeRate rateDate taxTotal total } } }";
const PAY: &str = "mutation($key: String!, $invoice: ID!, $on: Date!) {
    recordPayment(idempotencyKey: $key, invoiceId: $invoice, payment: {
        amount: {amount: \"1190.00\", currency: \"USD\"}, receivedOn: $on, method: BANK_TRANSFER}) {
        consistencyToken } }";
const REPORTS: &str = "query($token: String) {
    revenueByMonth(amounts: ACCOUNTING_CURRENCY, consistencyToken: $token) {
        currency invoicedNet tax }
    taxSummary(amounts: ACCOUNTING_CURRENCY, consistencyToken: $token) {
        currency taxCode taxPercent taxableBase taxAmount }
    byDocument: revenueByMonth(consistencyToken: $token) { currency invoicedNet }
    arAging(amounts: ACCOUNTING_CURRENCY, consistencyToken: $token) { currency totalDue } }";
const CLAIM: &str = "mutation($key: String!, $on: Date!) {
    submitExpense(idempotencyKey: $key, expense: {incurredOn: $on, merchant: \"Yellow Cab\",
        category: \"taxi\", amount: {amount: \"30.00\", currency: \"USD\"},
        description: \"Airport\"}) { aggregateId consistencyToken } }";
const EXPENSE: &str = "query($id: ID!, $token: String) {
    expense(id: $id, consistencyToken: $token) {
        exchangeRate { rate converted { amount currency } } } }";
const PAYMENTS: &str = "query($id: ID!, $token: String) {
    invoice(id: $id, consistencyToken: $token) { amountDue
        payments { amount exchangeRate exchangeDifference } } }";

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A draft of 1,000.00 + 19% VAT in `currency` for a new customer; its id.
async fn draft_in(server: &Server, token: &str, currency: &str) -> Value {
    let register = json!({"key": key(), "currency": currency});
    let registered = server.ok(token, REGISTER, register).await;
    let customer = registered["registerCustomer"]["aggregateId"].clone();
    let draft = json!({"key": key(), "customer": customer});
    let invoice = server.ok(token, DRAFT, draft).await["createInvoiceDraft"]["aggregateId"].clone();
    let line = json!({"key": key(), "invoice": invoice});
    server.ok(token, ADD_LINE, line).await;
    invoice
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_foreign_invoice_is_booked_at_its_rate_into_the_accounting_currency() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let (admin, accountant, employee) = (
        server.token(t, "root", Role::Admin),
        server.token(t, "acc-1", Role::Accountant),
        server.token(t, "emp-1", Role::Employee),
    );
    let issue_day = recent_day();
    let rate_day = issue_day - chrono::Days::new(2);
    let year = i64::from(chrono::Datelike::year(&rate_day));

    // Given the books are kept in EUR, set once
    server
        .ok(&admin, BOOKS, json!({"key": key(), "currency": "EUR"}))
        .await;
    let again = server
        .gql(&admin, BOOKS, json!({"key": key(), "currency": "USD"}))
        .await;
    assert_eq!(code(&again), "VALIDATION", "{again}");

    // And an accountant records the day's USD rate (an employee may not)
    let record = |token: &str, rate: &str| {
        let variables = json!({"key": key(), "rate": {"from": "USD", "to": "EUR",
            "date": rate_day.to_string(), "rate": rate, "source": " ECB reference rate "}});
        (token.to_owned(), variables)
    };
    let (token, variables) = record(&employee, "0.9215");
    let body = server.gql(&token, RECORD, variables).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let (token, variables) = record(&accountant, "0");
    let body = server.gql(&token, RECORD, variables).await;
    assert_eq!(code(&body), "VALIDATION", "{body}");
    let (token, variables) = record(&accountant, "0.9215");
    server.ok(&token, RECORD, variables).await;
    let read = server.ok(&accountant, RATES, json!({"year": year})).await;
    assert_eq!(
        read["exchangeRates"],
        json!([{"date": rate_day.to_string(), "rate": "0.9215", "source": "ECB reference rate"}])
    );
    assert_eq!(read["tenantSettings"]["accountingCurrency"], "EUR");

    // When a USD invoice is issued two days later without a rate
    let dollars = draft_in(&server, &accountant, "USD").await;
    let issue = json!({"key": key(), "invoice": dollars, "on": issue_day.to_string()});
    let issued = server.ok(&accountant, ISSUE, issue).await;
    let token = issued["issueInvoice"]["consistencyToken"].clone();

    // Then it is booked at the table's latest rate, each total converted once
    let read = server
        .ok(&accountant, READ, json!({"id": dollars, "token": token}))
        .await;
    assert_eq!(
        read["invoice"],
        json!({"currency": "USD", "total": "1190.00", "taxTotal": "190.00",
            "accounting": {"currency": "EUR", "exchangeRate": "0.9215",
                "rateDate": rate_day.to_string(), "taxTotal": "175.09", "total": "1096.59"}})
    );

    // And paid in full three days later, at that day's rate, it realises
    // the difference: 1,190.00 at 0.9301 (1,106.82) less at 0.9215 (1,096.59)
    let paid_on = rate_day + chrono::Days::new(3);
    let (token, variables) = record(&accountant, "0.9301");
    let mut variables = variables;
    variables["rate"]["date"] = json!(paid_on.to_string());
    server.ok(&token, RECORD, variables).await;
    let payment = json!({"key": key(), "invoice": dollars, "on": paid_on.to_string()});
    let paid = server.ok(&accountant, PAY, payment).await;
    let token = paid["recordPayment"]["consistencyToken"].clone();
    let read = server
        .ok(
            &accountant,
            PAYMENTS,
            json!({"id": dollars, "token": token}),
        )
        .await;
    assert_eq!(
        read["invoice"],
        json!({"amountDue": "0.00", "payments": [{"amount": "1190.00", "exchangeRate": "0.9301",
            "exchangeDifference": "10.23"}]})
    );

    // And an employee's taxi in dollars, stating no rate, is recorded at the
    // table's too: 30.00 at 0.9215 is 27.65 EUR (27.645)
    let claim = json!({"key": key(), "on": issue_day.to_string()});
    let claimed = server.ok(&employee, CLAIM, claim).await;
    let read = server
        .ok(
            &employee,
            EXPENSE,
            json!({"id": claimed["submitExpense"]["aggregateId"],
                "token": claimed["submitExpense"]["consistencyToken"]}),
        )
        .await;
    assert_eq!(
        read["expense"]["exchangeRate"],
        json!({"rate": "0.9215", "converted": {"amount": "27.65", "currency": "EUR"}})
    );

    // And a GBP invoice, for which the table has no rate, is refused and
    // writes nothing, until its caller states one
    let pounds = draft_in(&server, &accountant, "GBP").await;
    let before = event_count(&db.app).await;
    let issue = |rate: Value| json!({"key": key(), "invoice": pounds, "on": issue_day.to_string(), "rate": rate});
    let body = server.gql(&accountant, ISSUE, issue(Value::Null)).await;
    assert_eq!(code(&body), "VALIDATION", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("needs its rate into EUR"), "{message}");
    assert_eq!(event_count(&db.app).await, before);
    let stated = json!({"rate": "1.1712", "source": "Bank statement"});
    let issued = server.ok(&accountant, ISSUE, issue(stated)).await;
    let token = issued["issueInvoice"]["consistencyToken"].clone();
    let read = server
        .ok(&accountant, READ, json!({"id": pounds, "token": token}))
        .await;
    assert_eq!(read["invoice"]["accounting"]["exchangeRate"], "1.1712");
    assert_eq!(read["invoice"]["accounting"]["total"], "1393.73"); // 1393.728

    // And the reports add both up in the accounting currency, and age what is
    // open there: 921.50 +
    // 1,171.20 net, 175.09 + 222.53 VAT (190.00 at 1.1712 is 222.528)
    let reports = server
        .ok(&accountant, REPORTS, json!({"token": token}))
        .await;
    assert_eq!(
        reports["revenueByMonth"],
        json!([{"currency": "EUR", "invoicedNet": "2092.70", "tax": "397.62"}])
    );
    assert_eq!(
        reports["taxSummary"],
        json!([{"currency": "EUR", "taxCode": "VAT", "taxPercent": "19",
            "taxableBase": "2092.70", "taxAmount": "397.62"}])
    );
    // (the USD invoice is paid; the GBP one owes 1,190.00 at 1.1712)
    assert_eq!(
        reports["arAging"],
        json!([{"currency": "EUR", "totalDue": "1393.73"}])
    );
    assert_eq!(
        reports["byDocument"],
        json!([{"currency": "GBP", "invoicedNet": "1000.00"},
            {"currency": "USD", "invoicedNet": "1000.00"}])
    );

    // And the USD invoice's e-invoice states its VAT in EUR as well
    db.app
        .use_cases
        .configure_legal_profile(&ctx(t, "root"), legal_profile())
        .await
        .unwrap();
    let ubl = valid_ubl(&db.url, t, dollars.as_str().unwrap());
    assert!(
        ubl.contains("<cbc:TaxCurrencyCode>EUR</cbc:TaxCurrencyCode>"),
        "{ubl}"
    );
    assert!(
        ubl.contains(r#"<cbc:TaxAmount currencyID="EUR">175.09</cbc:TaxAmount>"#),
        "{ubl}"
    );
}

const PAY_USD: &str = "mutation($key: String!, $invoice: ID!, $on: Date!, $amount: Decimal!) {
    recordPayment(idempotencyKey: $key, invoiceId: $invoice, payment: {
        amount: {amount: $amount, currency: \"USD\"}, receivedOn: $on, method: BANK_TRANSFER}) {
        consistencyToken } }";
const REFUND: &str = "mutation($key: String!, $invoice: ID!, $payment: ID!, $on: Date!) {
    refundPayment(idempotencyKey: $key, invoiceId: $invoice, refund: {paymentId: $payment,
        amount: {amount: \"310.00\", currency: \"USD\"}, refundedOn: $on, reason: \"overpaid\"}) {
        consistencyToken } }";
const CUSTOMER_OF: &str = "query($id: ID!, $token: String) {
    invoice(id: $id, consistencyToken: $token) { customerId payments { paymentId } } }";
const STATEMENTS: &str = "query($id: ID!, $from: Date!, $to: Date!) {
    customer(id: $id) {
        books: statement(currency: \"EUR\", from: $from, to: $to, amounts: ACCOUNTING_CURRENCY) {
            openingBalance entries { kind amount balance } closingBalance }
        own: statement(currency: \"USD\", from: $from, to: $to) {
            entries { kind amount } closingBalance } } }";

/// Runs `mutation` with `variables`, then reads `invoice` (its customer and
/// payments) once it shows the write.
async fn written_then_read(
    server: &Server,
    token: &str,
    (mutation, variables): (&str, Value),
    invoice: &Value,
) -> Value {
    let written = server.ok(token, mutation, variables).await;
    let result = written.as_object().and_then(|o| o.values().next()).unwrap();
    let read = json!({"id": invoice, "token": result["consistencyToken"]});
    server.ok(token, CUSTOMER_OF, read).await
}

/// Books in EUR with USD rates of 0.9215 on `day` and 0.9301 three days
/// later; a USD invoice of 1,190.00 issued on `day` and paid 1,500.00 on the
/// later day. Returns the invoice and its read after the payment.
async fn overpaid_in_euro_books(
    server: &Server,
    (admin, accountant): (&str, &str),
    day: chrono::NaiveDate,
) -> (Value, Value) {
    let paid_on = day + chrono::Days::new(3);
    let books = json!({"key": key(), "currency": "EUR"});
    server.ok(admin, BOOKS, books).await;
    for (on, rate) in [(day, "0.9215"), (paid_on, "0.9301")] {
        let rate = json!({"date": on.to_string(), "from": "USD", "to": "EUR", "rate": rate,
            "source": "ECB reference rate"});
        server
            .ok(accountant, RECORD, json!({"key": key(), "rate": rate}))
            .await;
    }
    let dollars = draft_in(server, accountant, "USD").await;
    let issue = json!({"key": key(), "invoice": dollars, "on": day.to_string(), "rate": null});
    server.ok(accountant, ISSUE, issue).await;
    let pay = json!({"key": key(), "invoice": dollars, "on": paid_on.to_string(),
        "amount": "1500.00"});
    let read = written_then_read(server, accountant, (PAY_USD, pay), &dollars).await;
    (dollars, read)
}

#[tokio::test]
async fn a_customer_statement_in_the_books_shows_money_at_its_rate_and_the_differences() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let (admin, accountant) = (
        server.token(t, "root", Role::Admin),
        server.token(t, "acc-1", Role::Accountant),
    );
    let day = recent_day() - chrono::Days::new(5);
    let refunded_on = day + chrono::Days::new(4);

    // Given a USD invoice of 1,190.00 booked at 0.9215 (1,096.59 EUR)
    // When 1,500.00 arrive at 0.9301 (1,395.15 EUR; 1,382.25 at the invoice's
    // rate, a gain of 12.90) and the 310.00 overpaid goes back the next day
    // (288.33 EUR at the payment's rate; 285.66 still booked, 2.67 of the gain
    // reversed)
    let (dollars, read) = overpaid_in_euro_books(&server, (&admin, &accountant), day).await;
    let payment = read["invoice"]["payments"][0]["paymentId"].clone();
    let refund = json!({"key": key(), "invoice": dollars, "payment": payment,
        "on": refunded_on.to_string()});
    let read = written_then_read(&server, &accountant, (REFUND, refund), &dollars).await;

    // Then the statement in the books shows each at its rate, the differences
    // as entries of their own, and closes at zero like the one in dollars
    let period = json!({"id": read["invoice"]["customerId"], "from": day.to_string(),
        "to": refunded_on.to_string()});
    let statements = server.ok(&accountant, STATEMENTS, period).await;
    assert_eq!(
        statements["customer"]["books"],
        json!({"openingBalance": "0.00", "closingBalance": "0.00", "entries": [
            {"kind": "INVOICE", "amount": "1096.59", "balance": "1096.59"},
            {"kind": "PAYMENT", "amount": "-1395.15", "balance": "-298.56"},
            {"kind": "EXCHANGE_DIFFERENCE", "amount": "12.90", "balance": "-285.66"},
            {"kind": "REFUND", "amount": "288.33", "balance": "2.67"},
            {"kind": "EXCHANGE_DIFFERENCE", "amount": "-2.67", "balance": "0.00"}]})
    );
    assert_eq!(
        statements["customer"]["own"],
        json!({"closingBalance": "0.00", "entries": [
            {"kind": "INVOICE", "amount": "1190.00"},
            {"kind": "PAYMENT", "amount": "-1500.00"},
            {"kind": "REFUND", "amount": "310.00"}]})
    );
}

const SECOND_DRAFT: &str = "mutation($key: String!, $customer: ID!) {
    createInvoiceDraft(idempotencyKey: $key, input: {customerId: $customer, currency: \"USD\"}) {
        aggregateId } }";
const APPLY: &str = "mutation($key: String!, $invoice: ID!, $from: ID!, $on: Date!) {
    applyCustomerCredit(idempotencyKey: $key, invoiceId: $invoice, credit: {fromInvoiceId: $from,
        amount: {amount: \"310.00\", currency: \"USD\"}, appliedOn: $on}) { consistencyToken } }";

#[tokio::test]
async fn credit_moved_between_invoices_booked_at_two_rates_realises_the_difference() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let (admin, accountant) = (
        server.token(t, "root", Role::Admin),
        server.token(t, "acc-1", Role::Accountant),
    );
    let day = recent_day() - chrono::Days::new(5);
    let (paid_on, moved_on) = (day + chrono::Days::new(3), day + chrono::Days::new(4));
    // Given 310.00 USD of credit held on an invoice booked at 0.9215: 1,500.00
    // paid on 1,190.00, 285.66 EUR of it still in the books
    let (first, read) = overpaid_in_euro_books(&server, (&admin, &accountant), day).await;
    let customer = read["invoice"]["customerId"].clone();
    // And a second invoice of 1,190.00 booked at 0.9301 (1,106.82 EUR)
    let draft = json!({"key": key(), "customer": customer});
    let second = server.ok(&accountant, SECOND_DRAFT, draft).await["createInvoiceDraft"]
        ["aggregateId"]
        .clone();
    let line = json!({"key": key(), "invoice": second});
    server.ok(&accountant, ADD_LINE, line).await;
    let issue = json!({"key": key(), "invoice": second, "on": paid_on.to_string(), "rate": null});
    server.ok(&accountant, ISSUE, issue).await;

    // When the credit settles part of the second invoice
    let apply = json!({"key": key(), "invoice": second, "from": first,
        "on": moved_on.to_string()});
    written_then_read(&server, &accountant, (APPLY, apply), &second).await;

    // Then it leaves the first invoice's books at the 285.66 they held, settles
    // 288.33 of the second's (310.00 at 0.9301), and the 2.67 less it was
    // worth there is a realised loss; the books close at what the second
    // invoice still owes at its rate (880.00 at 0.9301)
    let period = json!({"id": customer, "from": day.to_string(), "to": moved_on.to_string()});
    let statements = server.ok(&accountant, STATEMENTS, period).await;
    assert_eq!(
        statements["customer"]["books"],
        json!({"openingBalance": "0.00", "closingBalance": "818.49", "entries": [
            {"kind": "INVOICE", "amount": "1096.59", "balance": "1096.59"},
            {"kind": "PAYMENT", "amount": "-1395.15", "balance": "-298.56"},
            {"kind": "EXCHANGE_DIFFERENCE", "amount": "12.90", "balance": "-285.66"},
            {"kind": "INVOICE", "amount": "1106.82", "balance": "821.16"},
            {"kind": "CREDIT_TRANSFERRED", "amount": "285.66", "balance": "1106.82"},
            {"kind": "CREDIT_APPLIED", "amount": "-285.66", "balance": "821.16"},
            {"kind": "EXCHANGE_DIFFERENCE", "amount": "-2.67", "balance": "818.49"}]})
    );
    let in_dollars = &statements["customer"]["own"];
    assert_eq!(in_dollars["closingBalance"], json!("880.00"));
    let realised: Vec<(Option<uuid::Uuid>, String)> = sqlx::query_as(
        "SELECT transfer_id, difference::text FROM folio_read.exchange_differences
         ORDER BY realised_on",
    )
    .fetch_all(&db.app.pool)
    .await
    .unwrap();
    assert!(
        matches!(&realised[..], [(None, gain), (Some(_), loss)] if gain == "12.90" && loss == "-2.67"),
        "{realised:?}"
    );
}

#[tokio::test]
async fn credit_held_before_the_books_had_a_currency_does_not_move_into_them() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let (admin, accountant) = (
        server.token(t, "root", Role::Admin),
        server.token(t, "acc-1", Role::Accountant),
    );
    let day = recent_day() - chrono::Days::new(5);
    // Given 310.00 USD of credit on an invoice issued before the books had a
    // currency (so booked in none)
    let first = draft_in(&server, &accountant, "USD").await;
    let issue = json!({"key": key(), "invoice": first, "on": day.to_string(), "rate": null});
    server.ok(&accountant, ISSUE, issue).await;
    let pay = json!({"key": key(), "invoice": first, "on": day.to_string(), "amount": "1500.00"});
    let read = written_then_read(&server, &accountant, (PAY_USD, pay), &first).await;
    // And a dollar invoice of the same customer booked in EUR since
    server
        .ok(&admin, BOOKS, json!({"key": key(), "currency": "EUR"}))
        .await;
    let draft = json!({"key": key(), "customer": read["invoice"]["customerId"]});
    let second = server.ok(&accountant, SECOND_DRAFT, draft).await["createInvoiceDraft"]
        ["aggregateId"]
        .clone();
    server
        .ok(
            &accountant,
            ADD_LINE,
            json!({"key": key(), "invoice": second}),
        )
        .await;
    let stated = json!({"rate": "0.9301", "source": "Bank"});
    let issue = json!({"key": key(), "invoice": second, "on": day.to_string(), "rate": stated});
    server.ok(&accountant, ISSUE, issue).await;

    // When the credit is applied to it
    let before = event_count(&db.app).await;
    let apply = json!({"key": key(), "invoice": second, "from": first, "on": day.to_string()});
    let refused = server.gql(&accountant, APPLY, apply).await;

    // Then it is refused as invalid, and nothing moved
    assert_eq!(code(&refused), "VALIDATION", "{refused}");
    let message = refused["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("booked alike"), "{message}");
    assert_eq!(event_count(&db.app).await, before);
}
