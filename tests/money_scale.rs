//! Every amount the API answers carries exactly its currency's minor unit:
//! `"0.00"` in euros, `"0"` in yen, `"0.000"` in dinars, never a bare `"0"` from
//! an empty sum or an unpaid invoice. A property test over generated invoices in
//! currencies of 0, 2 and 3 decimals reads every money field GraphQL has for them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use folio_api::Role;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

use support::server::Server;
use support::{tenant, TestDatabase};

/// One generated invoice: its currency, its lines and what is paid.
#[derive(Debug, Clone)]
struct Case {
    currency: &'static str,
    lines: Vec<Line>,
    /// Paid, as a share of the total in percent (0: nothing, above 100: overpaid).
    paid_percent: u32,
}

#[derive(Debug, Clone)]
struct Line {
    quantity: u32,
    /// Unit price in hundredths (so 0.01 to 1,000.00; more precise than yen).
    unit_price_hundredths: u32,
    taxes: &'static str,
}

/// The tax sets a line may carry: none, zero-rated, a standard rate, and a
/// charged tax with a withholding.
const TAXES: [&str; 4] = [
    "[]",
    "[{code: \"VAT\", percent: \"0\", treatment: ZERO_RATED}]",
    "[{code: \"VAT\", percent: \"19\", treatment: STANDARD}]",
    "[{code: \"IVA\", percent: \"16\", treatment: STANDARD}, {code: \"ISR\", percent: \"10\", treatment: WITHHOLDING}]",
];

fn cases() -> impl Strategy<Value = Case> {
    let line = (1u32..20, 1u32..100_000, 0usize..TAXES.len()).prop_map(
        |(quantity, unit_price_hundredths, taxes)| Line {
            quantity,
            unit_price_hundredths,
            taxes: TAXES[taxes],
        },
    );
    (
        prop::sample::select(vec!["EUR", "JPY", "KWD", "MXN"]),
        prop::collection::vec(line, 1..4),
        prop::sample::select(vec![0u32, 37, 100, 150]),
    )
        .prop_map(|(currency, lines, paid_percent)| Case {
            currency,
            lines,
            paid_percent,
        })
}

fn minor_units(currency: &str) -> usize {
    match currency {
        "JPY" => 0,
        "KWD" => 3,
        _ => 2,
    }
}

/// Every string under a key naming an amount, with the key's path.
fn amounts<'a>(value: &'a Value, path: String, found: &mut Vec<(String, &'a str)>) {
    const MONEY: [&str; 21] = [
        "netTotal",
        "taxTotal",
        "total",
        "amountPaid",
        "amountCredited",
        "amountDue",
        "customerCredit",
        "netAmount",
        "taxAmount",
        "totalAmount",
        "amount",
        "openAmount",
        "overdueAmount",
        "creditAmount",
        "balance",
        "currentAmount",
        "totalDue",
        "netRevenue",
        "taxableBase",
        "openingBalance",
        "closingBalance",
    ];
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                let here = format!("{path}.{key}");
                match field {
                    Value::String(text) if MONEY.contains(&key.as_str()) => {
                        found.push((here, text));
                    }
                    _ => amounts(field, here, found),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                amounts(item, format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}

const READ: &str = "query($id: ID!, $customer: ID!, $currency: String!, $token: String) {
    invoice(id: $id, consistencyToken: $token) {
        netTotal taxTotal total amountPaid amountCredited amountDue customerCredit
        lines { netAmount taxAmount totalAmount } payments { amount } }
    customer(id: $customer) {
        balances { openAmount overdueAmount creditAmount balance }
        statement(currency: $currency, from: \"2000-01-01\", to: \"2100-12-31\") {
            openingBalance closingBalance entries { amount balance } } }
    arAging(currency: $currency) { currentAmount totalDue creditAmount }
    revenueByMonth(filter: {currency: $currency}) { netRevenue }
    taxSummary(filter: {currency: $currency}) { taxableBase taxAmount } }";

/// Issues `case` for a fresh tenant, pays it, and reads every amount back.
async fn issue_and_read(server: &Server, case: &Case) -> Value {
    let token = server.token(tenant(), "alice", Role::Accountant);
    let key = || uuid::Uuid::new_v4().to_string();
    let customer = server
        .ok(
            &token,
            "mutation($key: String!, $currency: String!) { registerCustomer(idempotencyKey: $key,
                input: {contact: {name: \"Acme\"}, tax: {country: \"DE\",
                defaultCurrency: $currency, paymentTermsDays: 30}}) { aggregateId } }",
            json!({"key": key(), "currency": case.currency}),
        )
        .await["registerCustomer"]["aggregateId"]
        .clone();
    let invoice = server
        .ok(
            &token,
            "mutation($key: String!, $customer: ID!) { createInvoiceDraft(idempotencyKey: $key,
                input: {customerId: $customer}) { aggregateId } }",
            json!({"key": key(), "customer": customer}),
        )
        .await["createInvoiceDraft"]["aggregateId"]
        .clone();
    for line in &case.lines {
        let price = format!(
            "{}.{:02}",
            line.unit_price_hundredths / 100,
            line.unit_price_hundredths % 100
        );
        let add = format!(
            "mutation($key: String!, $invoice: ID!) {{ addInvoiceLine(idempotencyKey: $key,
                invoiceId: $invoice, line: {{description: \"Item\", quantity: \"{}\",
                unitPrice: \"{price}\", taxes: {}}}) {{ version }} }}",
            line.quantity, line.taxes
        );
        server
            .ok(&token, &add, json!({"key": key(), "invoice": invoice}))
            .await;
    }
    let issued = server
        .ok(
            &token,
            "mutation($key: String!, $invoice: ID!) { issueInvoice(idempotencyKey: $key,
                invoiceId: $invoice) { consistencyToken } }",
            json!({"key": key(), "invoice": invoice}),
        )
        .await;
    let read = |consistency: Value| {
        let variables = json!({"id": invoice, "customer": customer,
                               "currency": case.currency, "token": consistency});
        server.ok(&token, READ, variables)
    };
    let mut consistency = issued["issueInvoice"]["consistencyToken"].clone();
    if case.paid_percent > 0 {
        let total: rust_decimal::Decimal = read(consistency.clone()).await["invoice"]["total"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let mut paid = total * rust_decimal::Decimal::from(case.paid_percent)
            / rust_decimal::Decimal::ONE_HUNDRED;
        paid = paid.round_dp(minor_units(case.currency) as u32);
        if paid > rust_decimal::Decimal::ZERO {
            let payment = server
                .ok(
                    &token,
                    "mutation($key: String!, $invoice: ID!, $amount: Decimal!, $currency: String!) {
                        recordPayment(idempotencyKey: $key, invoiceId: $invoice, payment: {
                            amount: {amount: $amount, currency: $currency}, method: CARD}) {
                            consistencyToken } }",
                    json!({"key": key(), "invoice": invoice, "amount": paid.to_string(),
                           "currency": case.currency}),
                )
                .await;
            consistency = payment["recordPayment"]["consistencyToken"].clone();
        }
    }
    read(consistency).await
}

#[test]
fn every_money_field_carries_its_currency_s_minor_unit() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(TestDatabase::new());
    let server = runtime.block_on(Server::start(&db));
    let mut runner = TestRunner::new(Config {
        cases: 12,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&cases(), |case| {
            let read = runtime.block_on(issue_and_read(&server, &case));
            let mut found = Vec::new();
            amounts(&read, String::new(), &mut found);
            prop_assert!(found.len() >= 10, "too few amounts read: {read}");
            let scale = minor_units(case.currency);
            for (path, text) in found {
                let decimals = text
                    .split_once('.')
                    .map_or(0, |(_, fraction)| fraction.len());
                prop_assert_eq!(
                    decimals,
                    scale,
                    "{} = {:?} in {}",
                    path,
                    text,
                    case.currency
                );
            }
            Ok(())
        })
        .unwrap();
}
