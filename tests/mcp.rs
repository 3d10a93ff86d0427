//! The MCP server end to end, driven by a client Folio did not write: the
//! official Python SDK (`mcp`, in the virtualenv `scripts/python-tools` makes),
//! through `tests/mcp_client.py`. Over streamable HTTP against `folio serve`'s
//! `/mcp`, and over stdio against `folio mcp`, each on a throwaway database.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::process::Stdio;

use folio_api::{Role, TokenKeys};
use folio_domain::ids::TenantId;
use serde_json::{json, Value};
use support::server::{Server, SECRET};
use support::{tenant, TestDatabase};
use uuid::Uuid;

/// Runs `steps` with the Python client (`mode` and its arguments as
/// `mcp_client.py` takes them) and returns what it printed.
async fn drive(args: &[&str], env: &[(&str, &str)], steps: &Value) -> Value {
    support::python::run("mcp_client.py", args, env, &steps.to_string()).await
}

/// Runs `steps` over streamable HTTP at `server`'s `/mcp` with `token`.
async fn over_http(server: &Server, token: &str, steps: &Value) -> Value {
    let url = format!("{}/mcp", server.base);
    drive(&["http", &url, token], &[], steps).await
}

/// The results of a run that connected.
fn results(run: &Value) -> &Vec<Value> {
    run["results"]
        .as_array()
        .unwrap_or_else(|| panic!("did not connect: {run:#}"))
}

/// A call's structured result, which must not be an error.
fn ok(result: &Value) -> &Value {
    assert_eq!(result["is_error"], false, "{result:#}");
    &result["structured"]
}

/// A call's error code, which must be an error.
fn error_code(result: &Value) -> &str {
    assert_eq!(result["is_error"], true, "{result:#}");
    result["structured"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no code: {result:#}"))
}

fn call(tool: &str, args: Value) -> Value {
    json!({"op": "call", "tool": tool, "args": args})
}

fn register(key: &str, customer: Uuid) -> Value {
    call(
        "register_customer",
        json!({"idempotency_key": key, "customer_id": customer,
            "contact": {"name": "Acme GmbH", "email": "ap@acme.example"},
            "tax": {"country": "DE", "default_currency": "EUR", "payment_terms_days": 30}}),
    )
}

fn expense(key: &str, id: Uuid, merchant: &str) -> Value {
    call(
        "submit_expense",
        json!({"idempotency_key": key, "expense_id": id,
            "details": {"incurred_on": support::recently(), "merchant": merchant, "category": "travel",
                "amount": {"amount": "23.40", "currency": "EUR"}, "description": "Taxi to the client"}}),
    )
}

fn token(tenant: TenantId, subject: &str, role: Role) -> String {
    TokenKeys::hs256(SECRET.as_bytes())
        .unwrap()
        .mint(tenant, subject, &[role], chrono::Duration::hours(1))
        .unwrap()
}

/// An admin token signed with a key the server does not know.
fn forged_token() -> String {
    TokenKeys::hs256(b"another-secret-of-at-least-32-bytes!!")
        .unwrap()
        .mint(
            tenant(),
            "mallory",
            &[Role::Admin],
            chrono::Duration::hours(1),
        )
        .unwrap()
}

const TOOLS: [&str; 22] = [
    "list_customers",
    "list_invoices",
    "get_invoice",
    "list_expenses",
    "ar_aging",
    "customer_statement",
    "revenue_report",
    "tax_report",
    "expenses_by_category",
    "aggregate_history",
    "register_customer",
    "create_invoice_draft",
    "add_invoice_line",
    "add_invoice_adjustment",
    "issue_invoice",
    "mark_invoice_sent",
    "send_invoice",
    "record_exchange_rate",
    "record_payment",
    "submit_expense",
    "approve_expense",
    "reject_expense",
];

#[tokio::test(flavor = "multi_thread")]
async fn over_http_an_accountant_invoices_and_is_held_to_the_same_rules() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let tenant = tenant();
    let (customer, invoice) = (Uuid::new_v4(), Uuid::new_v4());
    let today = chrono::Utc::now().date_naive().to_string();
    let on_invoice = |key: &str, more: Value| {
        let mut args = json!({"idempotency_key": key, "invoice_id": invoice});
        args.as_object_mut()
            .unwrap()
            .extend(more.as_object().unwrap().clone());
        args
    };
    let steps = json!([
        {"op": "list_tools"},
        register("c-1", customer),
        register("c-1", customer),
        call("create_invoice_draft", json!({"idempotency_key": "d-1", "invoice_id": invoice,
            "customer_id": customer})),
        call("add_invoice_line", on_invoice("l-1", json!({"item": {"description": "Consulting",
            "quantity": "2", "unit_price": "100.00",
            "taxes": [{"code": "VAT", "percent": "19", "treatment": "STANDARD"}]}}))),
        call("issue_invoice", on_invoice("i-1", json!({"issue_date": today}))),
        call("record_payment", on_invoice("p-1", json!({
            "amount": {"amount": "100.00", "currency": "EUR"}, "method": "BANK_TRANSFER"}))),
        call("get_invoice", json!({"invoice_id": invoice,
            "consistency_token": "$6.structured.consistency_token"})),
        call("list_invoices", json!({"customer_id": customer, "overdue": false, "sort": "TOTAL_DESC",
            "consistency_token": "$6.structured.consistency_token"})),
        // 9: refused by the domain; 10: not the tool's schema; 11: a stale version
        call("record_payment", on_invoice("p-2", json!({
            "amount": {"amount": "-5.00", "currency": "EUR"}, "method": "CASH"}))),
        call("record_payment", on_invoice("p-3", json!({"method": "CASH"}))),
        call("issue_invoice", on_invoice("i-2", json!({"expected_version": 1}))),
        // 12: accountants may not read the event history
        call("aggregate_history", json!({"aggregate_type": "Invoice", "aggregate_id": invoice})),
        {"op": "list_resources"},
        {"op": "read_resource", "uri": "folio://docs/read-models"},
        // 15-19: sent, then the reports see it
        call("mark_invoice_sent", on_invoice("s-1", json!({"recipients": ["ap@acme.example"]}))),
        call("ar_aging", json!({"consistency_token": "$15.structured.consistency_token"})),
        call("revenue_report", json!({"currency": "EUR"})),
        call("tax_report", json!({"from": today, "to": today})),
        call("get_invoice", json!({"invoice_id": invoice})),
        // 20: money is a decimal string on every edge, never a JSON number
        call("record_payment", on_invoice("p-4", json!({
            "amount": {"amount": 12.5, "currency": "EUR"}, "method": "CASH"}))),
        // 21-22: the customer's statement, and one of a customer of no one's
        call("customer_statement", json!({"customer_id": customer, "currency": "eur",
            "from": today, "to": today})),
        call("customer_statement", json!({"customer_id": Uuid::new_v4(), "currency": "EUR",
            "from": today, "to": today})),
        // 23-24: e-mailed by Folio: to addresses only
        call("send_invoice", on_invoice("e-1", json!({"to": ["ap@acme.example", "Peppol 0088:1"]}))),
        call("send_invoice", on_invoice("e-2", json!({"to": ["ap@acme.example"]}))),
    ]);
    let accountant = token(tenant, "acc-1", Role::Accountant);
    let run = over_http(&server, &accountant, &steps).await;
    let r = results(&run);

    // The tools: all of them, valid JSON Schemas, honest annotations.
    let tools = r[0]["tools"].as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    for tool in TOOLS {
        assert!(names.contains(&tool), "{tool} missing from {names:?}");
    }
    assert_eq!(r[0]["schema_errors"], json!([]));
    let tool = |name: &str| tools.iter().find(|t| t["name"] == name).unwrap();
    assert_eq!(tool("list_invoices")["annotations"]["readOnlyHint"], true);
    assert_eq!(tool("record_payment")["annotations"]["readOnlyHint"], false);
    assert_eq!(
        tool("record_payment")["annotations"]["idempotentHint"],
        true
    );
    assert_eq!(
        tool("record_payment")["annotations"]["destructiveHint"],
        false
    );
    let required = &tool("record_payment")["inputSchema"]["required"];
    for field in ["idempotency_key", "invoice_id", "amount", "method"] {
        assert!(
            required.as_array().unwrap().contains(&json!(field)),
            "{required}"
        );
    }
    assert!(tool("get_invoice")["outputSchema"].is_object());

    // The writes went through the use cases; the same key replays.
    let first = ok(&r[1]);
    assert_eq!(first["aggregate_id"], customer.to_string());
    assert_eq!(first["replayed"], false);
    let again = ok(&r[2]);
    assert_eq!(again["replayed"], true);
    assert_eq!(again["version"], first["version"]);
    for written in &r[3..=6] {
        ok(written);
    }

    // The read waited for the payment and shows it.
    let detail = ok(&r[7]);
    assert_eq!(detail["invoice"]["total"], "238.00");
    assert_eq!(detail["invoice"]["amount_paid"], "100.00");
    assert_eq!(detail["invoice"]["amount_due"], "138.00");
    assert_eq!(detail["invoice"]["status"], "ISSUED");
    assert_eq!(detail["lines"].as_array().unwrap().len(), 1);
    assert_eq!(detail["payments"][0]["method"], "BANK_TRANSFER");
    let listed = ok(&r[8]);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["next_cursor"], Value::Null);

    // Failures are tool errors with Folio's codes.
    assert_eq!(error_code(&r[9]), "VALIDATION");
    assert_eq!(error_code(&r[10]), "VALIDATION");
    assert_eq!(error_code(&r[11]), "CONFLICT");
    assert_eq!(error_code(&r[12]), "FORBIDDEN");

    // The documentation is there to read.
    let resources = r[13]["resources"].as_array().unwrap();
    assert!(resources
        .iter()
        .any(|res| res["uri"] == "folio://docs/graphql-schema"));
    let doc = &r[14]["contents"][0];
    assert_eq!(doc["mimeType"], "text/markdown");
    assert!(doc["text"].as_str().unwrap().contains("folio_read"));

    // Sent, and reported: what is owed, invoiced and taxed.
    ok(&r[15]);
    let aging = ok(&r[16])["rows"].as_array().unwrap();
    assert_eq!(aging.len(), 1);
    assert_eq!(aging[0]["customer_id"], customer.to_string());
    assert_eq!(aging[0]["total_due"], "138.00");
    assert_eq!(ok(&r[17])["rows"][0]["invoiced_net"], "200.00");
    let taxes = ok(&r[18])["rows"].as_array().unwrap();
    assert_eq!(taxes.len(), 1, "{taxes:#?}");
    assert_eq!(taxes[0]["tax_amount"], "38.00");
    assert_eq!(ok(&r[19])["invoice"]["status"], "SENT");
    assert_eq!(error_code(&r[20]), "VALIDATION", "{}", r[20]);
    // 238.00 invoiced, 100.00 paid: 138.00 still owed
    let statement = ok(&r[21]);
    assert_eq!(
        (&statement["currency"], &statement["closing_balance"]),
        (&json!("EUR"), &json!("138.00")),
        "{statement}"
    );
    let kinds: Vec<&Value> = statement["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["kind"])
        .collect();
    assert_eq!(kinds, [&json!("INVOICE"), &json!("PAYMENT")]);
    assert_eq!(error_code(&r[22]), "NOT_FOUND", "{}", r[22]);
    assert_eq!(error_code(&r[23]), "VALIDATION", "{}", r[23]);
    ok(&r[24]);
    assert_eq!(tool("send_invoice")["annotations"]["openWorldHint"], true);
    let queued: (String, Vec<String>) =
        sqlx::query_as("SELECT status, recipients FROM outbox WHERE aggregate_id = $1")
            .bind(invoice.to_string())
            .fetch_one(&db.app.pool)
            .await
            .unwrap();
    assert_eq!(
        queued,
        ("QUEUED".to_owned(), vec!["ap@acme.example".to_owned()])
    );

    // Another tenant's accountant sees none of it.
    let stranger = token(crate::tenant(), "acc-2", Role::Accountant);
    let steps = json!([
        call("get_invoice", json!({"invoice_id": invoice})),
        call("list_customers", json!({})),
        call(
            "record_payment",
            json!({"idempotency_key": "x-1", "invoice_id": invoice,
            "amount": {"amount": "1.00", "currency": "EUR"}, "method": "CASH"})
        ),
    ]);
    let run = over_http(&server, &stranger, &steps).await;
    let r = results(&run);
    assert_eq!(error_code(&r[0]), "NOT_FOUND");
    assert_eq!(ok(&r[1])["items"], json!([]));
    assert_eq!(error_code(&r[2]), "NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread")]
async fn over_http_employees_see_their_own_expenses_and_auditors_the_history() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let tenant = tenant();
    let (mine, theirs, customer) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());

    let other = token(tenant, "emp-2", Role::Employee);
    let run = over_http(&server, &other, &json!([expense("e-2", theirs, "Cab Co")])).await;
    ok(&results(&run)[0]);

    let employee = token(tenant, "emp-1", Role::Employee);
    let steps = json!([
        expense("e-1", mine, "City Taxi"),
        call(
            "list_expenses",
            json!({"consistency_token": "$0.structured.consistency_token"})
        ),
        register("c-1", customer),
        call(
            "approve_expense",
            json!({"idempotency_key": "a-1", "expense_id": mine})
        ),
    ]);
    let run = over_http(&server, &employee, &steps).await;
    let r = results(&run);
    ok(&r[0]);
    let listed = ok(&r[1])["items"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "only their own: {listed:#?}");
    assert_eq!(listed[0]["expense_id"], mine.to_string());
    assert_eq!(error_code(&r[2]), "FORBIDDEN");
    assert_eq!(error_code(&r[3]), "FORBIDDEN");

    let approver = token(tenant, "appr-1", Role::Approver);
    let steps = json!([
        call(
            "approve_expense",
            json!({"idempotency_key": "a-1", "expense_id": mine,
            "comment": "ok"})
        ),
        call(
            "reject_expense",
            json!({"idempotency_key": "r-1", "expense_id": theirs,
            "reason": "no receipt"})
        ),
        call(
            "list_expenses",
            json!({"status": "REJECTED",
            "consistency_token": "$1.structured.consistency_token"})
        ),
    ]);
    let run = over_http(&server, &approver, &steps).await;
    let r = results(&run);
    ok(&r[0]);
    ok(&r[1]);
    let rejected = ok(&r[2])["items"].as_array().unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["expense_id"], theirs.to_string());

    let auditor = token(tenant, "aud-1", Role::Auditor);
    let steps = json!([
        call(
            "aggregate_history",
            json!({"aggregate_type": "Expense", "aggregate_id": mine})
        ),
        expense("e-3", Uuid::new_v4(), "Auditor's own"),
        call("expenses_by_category", json!({})),
    ]);
    let run = over_http(&server, &auditor, &steps).await;
    let r = results(&run);
    let events = ok(&r[0])["events"].as_array().unwrap().clone();
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(types[0], "ExpenseSubmitted", "{types:?}");
    assert!(types.len() >= 2, "{types:?}");
    for pair in events.windows(2) {
        assert_eq!(pair[1]["previous_hash"], pair[0]["hash"], "the audit chain");
    }
    assert_eq!(error_code(&r[1]), "FORBIDDEN");
    let by_category = ok(&r[2])["rows"].as_array().unwrap();
    assert_eq!(by_category.len(), 1, "{by_category:#?}");
    assert_eq!(by_category[0]["category"], "travel");
    // The rejected claim is not counted as claimed.
    assert_eq!(by_category[0]["expense_count"], 1);
    assert_eq!(by_category[0]["claimed_amount"], "23.40");
}

#[tokio::test(flavor = "multi_thread")]
async fn over_http_a_missing_or_forged_token_is_refused_at_connect() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let steps = json!([{"op": "list_tools"}]);

    // The SDK cannot even initialize...
    let run = over_http(&server, "", &steps).await;
    assert!(run["connect_error"].is_string(), "{run:#}");
    // ... because the endpoint answers 401 before the protocol starts.
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "curl", "version": "1"}}});
    let refused = |token: Option<String>| {
        let mut request = server
            .http
            .post(format!("{}/mcp", server.base))
            .header("accept", "application/json, text/event-stream")
            .json(&initialize);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            (status, body["errors"][0]["extensions"]["code"].clone())
        }
    };
    assert_eq!(refused(None).await, (401, json!("UNAUTHENTICATED")));

    let forged = forged_token();
    let run = over_http(&server, &forged, &steps).await;
    assert!(run["connect_error"].is_string(), "{run:#}");
    assert_eq!(refused(Some(forged)).await, (401, json!("UNAUTHENTICATED")));
    // A valid token gets through the same door.
    let valid = token(tenant(), "acc-1", Role::Accountant);
    assert_eq!(refused(Some(valid)).await.0, 200);
}

/// `folio mcp` as a desktop client starts it, against the test database.
fn folio_mcp(db: &TestDatabase, token: Option<&str>) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_folio"));
    command
        .arg("mcp")
        .env("DATABASE_URL", &db.url)
        .env("FOLIO_JWT_SECRET", SECRET)
        .env_remove("FOLIO_MCP_TOKEN")
        .stdin(Stdio::null());
    if let Some(token) = token {
        command.env("FOLIO_MCP_TOKEN", token);
    }
    command
}

#[tokio::test(flavor = "multi_thread")]
async fn over_stdio_folio_mcp_needs_a_valid_token_and_serves_the_same_tools() {
    let db = TestDatabase::new().await;
    // Without a token, or with a forged one, it does not start.
    let output = folio_mcp(&db, None).output().unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("FOLIO_MCP_TOKEN"), "{said}");
    let forged = forged_token();
    let output = folio_mcp(&db, Some(&forged)).output().unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("refused"), "{said}");

    // With one, a desktop client gets the tools as that caller; the read models
    // are kept by the service (`folio serve`) on the same database.
    let _service = Server::start(&db).await;
    let tenant = tenant();
    let accountant = token(tenant, "acc-1", Role::Accountant);
    let customer = Uuid::new_v4();
    let steps = json!([
        {"op": "list_tools"},
        register("c-1", customer),
        register("c-1", customer),
        call("list_customers", json!({"consistency_token": "$1.structured.consistency_token"})),
        call("approve_expense", json!({"idempotency_key": "a-1", "expense_id": Uuid::new_v4()})),
        call("list_invoices", json!({"first": 1000})),
    ]);
    let env = [
        ("DATABASE_URL", db.url.as_str()),
        ("FOLIO_JWT_SECRET", SECRET),
        ("FOLIO_MCP_TOKEN", accountant.as_str()),
        ("FOLIO_LOG", "warn"),
    ];
    let run = drive(&["stdio", env!("CARGO_BIN_EXE_folio")], &env, &steps).await;
    let r = results(&run);
    assert_eq!(r[0]["tools"].as_array().unwrap().len(), TOOLS.len());
    assert_eq!(r[0]["schema_errors"], json!([]));
    assert_eq!(ok(&r[1])["replayed"], false);
    assert_eq!(ok(&r[2])["replayed"], true);
    let customers = ok(&r[3])["items"].as_array().unwrap();
    assert_eq!(customers.len(), 1);
    assert_eq!(customers[0]["name"], "Acme GmbH");
    assert_eq!(error_code(&r[4]), "FORBIDDEN");
    assert_eq!(error_code(&r[5]), "LIMIT");
}

/// A report's rows with each key as both edges spell it once case and
/// underscores are set aside (`customer_name`, `customerName`; `days_1_30`,
/// `days130`), and `renamed` keys under their other edge's name, so the two
/// can be compared field by field.
/// A timestamp in one spelling: MCP's rows say `Z` where GraphQL's `DateTime`
/// says `+00:00`, both RFC 3339 for the same instant.
fn same_instant_same_text(value: &Value) -> Value {
    let instant = value
        .as_str()
        .and_then(|text| chrono::DateTime::parse_from_rfc3339(text).ok());
    match instant {
        Some(instant) => Value::String(instant.to_utc().to_rfc3339()),
        None => value.clone(),
    }
}

fn comparable(
    rows: &Value,
    renamed: &[(&str, &str)],
) -> Vec<std::collections::BTreeMap<String, Value>> {
    let key_of = |key: &str| {
        let key = renamed
            .iter()
            .find(|(from, _)| *from == key)
            .map_or(key, |(_, to)| *to);
        key.replace('_', "").to_lowercase()
    };
    rows.as_array()
        .unwrap_or_else(|| panic!("rows: {rows:#}"))
        .iter()
        .map(|row| {
            let fields = row.as_object().unwrap().iter();
            fields
                .map(|(key, value)| (key_of(key), same_instant_same_text(value)))
                .collect()
        })
        .collect()
}

/// Writes every event type in a new tenant, and returns an auditor's token and a
/// consistency token that covers all of it (a last write through the API).
async fn every_event_type_read_by_an_auditor(
    db: &TestDatabase,
    server: &Server,
) -> (String, Value) {
    let t = tenant();
    support::scenario::every_event_type(&db.app, t).await;
    let admin = server.token(t, "root", Role::Admin);
    let written = server
        .ok(
            &admin,
            "mutation { configureTimezone(idempotencyKey: \"tz\", timezone: \"UTC\") { consistencyToken } }",
            json!({}),
        )
        .await;
    let token_value = written["configureTimezone"]["consistencyToken"].clone();
    (token(t, "aud-1", Role::Auditor), token_value)
}

#[tokio::test]
async fn every_report_reads_the_same_over_mcp_and_graphql_whatever_the_currency_s_case() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let (auditor, token_value) = every_event_type_read_by_an_auditor(&db, &server).await;
    let filter = json!({"currency": " eur"});
    let mut mcp_args = filter.clone();
    mcp_args["consistency_token"] = token_value.clone();
    let steps = json!([
        call("revenue_report", mcp_args.clone()),
        call("tax_report", mcp_args.clone()),
        call("expenses_by_category", mcp_args.clone()),
        call("ar_aging", mcp_args.clone()),
        call("revenue_report", json!({"currency": "EURO"})),
    ]);
    let run = over_http(&server, &auditor, &steps).await;
    let r = results(&run);
    let graphql = server
        .ok(
            &auditor,
            "query($f: ReportFilter, $c: String, $t: String) {
                revenueByMonth(filter: $f, consistencyToken: $t) {
                    month currency invoicedNet creditedNet voidedNet netRevenue tax }
                taxSummary(filter: $f, consistencyToken: $t) {
                    month currency taxCode taxPercent treatment category exemptionCode
                    exemptionReason taxableBase taxAmount }
                expensesByCategory(filter: $f, consistencyToken: $t) {
                    month category currency expenseCount claimedAmount approvedAmount reimbursedAmount }
                arAging(currency: $c, consistencyToken: $t) {
                    customerId customerName currency currentAmount days1To30 days31To60
                    days61To90 daysOver90 totalDue creditAmount } }",
            json!({"f": filter, "c": " eur", "t": token_value}),
        )
        .await;
    for (index, field) in [
        "revenueByMonth",
        "taxSummary",
        "expensesByCategory",
        "arAging",
    ]
    .into_iter()
    .enumerate()
    {
        let over_mcp = comparable(&ok(&r[index])["rows"], &[]);
        assert!(!over_mcp.is_empty(), "{field}: the scenario has EUR rows");
        let renamed: &[(&str, &str)] = match field {
            "taxSummary" => &[("category", "vat_category")],
            "arAging" => &[
                ("days1To30", "days_1_30"),
                ("days31To60", "days_31_60"),
                ("days61To90", "days_61_90"),
            ],
            _ => &[],
        };
        assert_eq!(over_mcp, comparable(&graphql[field], renamed), "{field}");
    }
    assert_eq!(error_code(&r[4]), "VALIDATION");
}

/// The fields of each GraphQL node in a connection, the list as MCP gives it.
fn nodes(connection: &Value) -> Value {
    let edges = connection["edges"].as_array().unwrap();
    Value::Array(edges.iter().map(|edge| edge["node"].clone()).collect())
}

/// An expense as MCP's row spells it: GraphQL nests the exchange rate.
fn expense_as_row(node: &Value) -> Value {
    let mut row = node.clone();
    let exchange = row.as_object_mut().unwrap().remove("exchangeRate").unwrap();
    row["exchangeCurrency"] = exchange["converted"]["currency"].clone();
    row["exchangeRate"] = exchange["rate"].clone();
    row["convertedAmount"] = exchange["converted"]["amount"].clone();
    row
}

/// Moves the fiscal stamp GraphQL nests (`cfdiStamp`) into the flat
/// `cfdi*` columns a row keeps; the stamp, for what else it holds.
fn flatten_stamp(row: &mut Value) -> Value {
    let stamp = row.as_object_mut().unwrap().remove("cfdiStamp").unwrap();
    row["cfdiStatus"] = stamp["status"].clone();
    row["cfdiUuid"] = stamp["uuid"].clone();
    row["cfdiSealedAt"] = stamp["sealedAt"].clone();
    row["cfdiStampedAt"] = stamp["stampedAt"].clone();
    row["cfdiRejectionCode"] = stamp["rejection"]["code"].clone();
    row["cfdiRejectionMessage"] = stamp["rejection"]["message"].clone();
    stamp
}

/// A GraphQL invoice as its read-model row: the nested accounting totals
/// flattened as the row keeps them.
fn invoice_as_row(node: &Value) -> Value {
    let mut row = node.clone();
    let books = row.as_object_mut().unwrap().remove("accounting").unwrap();
    row["accountingCurrency"] = books["currency"].clone();
    row["exchangeRate"] = books["exchangeRate"].clone();
    row["exchangeRateDate"] = books["rateDate"].clone();
    row["accountingTaxTotal"] = books["taxTotal"].clone();
    row["accountingTotal"] = books["total"].clone();
    let dunning = row.as_object_mut().unwrap().remove("dunning").unwrap();
    for field in [
        "remindersSent",
        "lastRemindedOn",
        "disputedOn",
        "disputeReason",
    ] {
        row[field] = dunning[field].clone();
    }
    let cfdi = row.as_object_mut().unwrap().remove("cfdiTerms").unwrap();
    row["cfdiPaymentMethod"] = cfdi["paymentMethod"].clone();
    row["cfdiPaymentForm"] = cfdi["paymentForm"].clone();
    row["cfdiUse"] = cfdi["cfdiUse"].clone();
    let stamp = flatten_stamp(&mut row);
    let cancellation = &stamp["cancellation"];
    for (column, field) in [
        ("cfdiCancellationStatus", "status"),
        ("cfdiCancellationReplacedBy", "replacedBy"),
        ("cfdiCancellationReplacementUuid", "replacementUuid"),
        ("cfdiCancellationRequestedOn", "requestedOn"),
        ("cfdiCancellationSubmittedAt", "acknowledgedAt"),
        ("cfdiCancellationStatusCode", "satStatusCode"),
    ] {
        row[column] = cancellation[field].clone();
    }
    // GraphQL names SAT's reason by the enum's name; the row keeps SAT's code.
    let reasons = [
        "ERRORS_WITH_REPLACEMENT",
        "ERRORS_WITHOUT_REPLACEMENT",
        "OPERATION_NOT_CARRIED_OUT",
        "NOMINATIVE_IN_GLOBAL_INVOICE",
    ];
    row["cfdiCancellationReason"] = reasons
        .iter()
        .position(|reason| cancellation["satReason"] == *reason)
        .map_or(Value::Null, |index| json!(format!("0{}", index + 1)));
    let refusal = &cancellation["refusal"];
    row["cfdiCancellationRefusalCode"] = refusal["code"].clone();
    row["cfdiCancellationRefusalMessage"] = refusal["message"].clone();
    row["cfdiCancellationRefusedAt"] = refusal["refusedAt"].clone();
    row
}

/// A GraphQL customer as its read-model row: the SAT receiver data
/// flattened as the row keeps it.
fn customer_as_row(node: &Value) -> Value {
    let mut row = node.clone();
    let sat = row.as_object_mut().unwrap().remove("sat").unwrap();
    row["satTaxRegime"] = sat["taxRegime"].clone();
    row["satPostalCode"] = sat["postalCode"].clone();
    row["satCfdiUse"] = sat["cfdiUse"].clone();
    row
}

const CUSTOMER_FIELDS: &str = "customerId name email phone address taxId country
    defaultCurrency paymentTermsDays status personalDataErasedAt
    sat { taxRegime postalCode cfdiUse } version";
const INVOICE_FIELDS: &str = "invoiceId customerId customerName status paymentStatus
    daysOverdue currency priceBasis number issueDate dueDate lineTotal allowanceTotal chargeTotal
    netTotal taxTotal total amountPaid
    amountCredited amountDue customerCredit
    accounting { currency exchangeRate rateDate taxTotal total }
    dunning { remindersSent lastRemindedOn disputedOn disputeReason }
    version";
/// What a Mexican invoice adds, asked for apart (one query of all would
/// pass the complexity budget); `invoiceId` keeps the parts in step.
const INVOICE_MEXICAN_FIELDS: &str = "invoiceId cfdiTerms { paymentMethod paymentForm cfdiUse }
    cfdiStamp { status uuid sealedAt stampedAt rejection { code message }
        cancellation { status satReason replacedBy replacementUuid requestedOn acknowledgedAt
            satStatusCode refusal { code message refusedAt } } }";
const EXPENSE_FIELDS: &str = "expenseId employeeId status incurredOn merchant category
    currency amount exchangeRate { rate converted { amount currency } } description
    approvalsSoFar approvalsRequired policyViolationCount decisionReason submittedAt version";

#[tokio::test]
async fn every_list_and_item_reads_the_same_over_mcp_and_graphql() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let (auditor, token_value) = every_event_type_read_by_an_auditor(&db, &server).await;
    let all = json!({"first": 50, "consistency_token": token_value});
    let issued = json!({"first": 50, "status": "ISSUED", "issued_from": "2000-01-01"});
    let steps = json!([
        call("list_customers", all.clone()),
        call("list_invoices", all.clone()),
        call("list_expenses", all.clone()),
        call("list_invoices", issued),
    ]);
    let run = over_http(&server, &auditor, &steps).await;
    let r = results(&run);
    // One query per list and part of its fields: each passes the complexity
    // budget; the parts of a node are merged.
    let mut graphql = json!({});
    let invoice_fields: &[&str] = &[INVOICE_FIELDS, INVOICE_MEXICAN_FIELDS];
    for (alias, field, parts) in [
        ("customers", "customers(first: 50, consistencyToken: $t)", &[CUSTOMER_FIELDS][..]),
        ("invoices", "invoices(first: 50, consistencyToken: $t)", invoice_fields),
        ("expenses", "expenses(first: 50, consistencyToken: $t)", &[EXPENSE_FIELDS][..]),
        (
            "issued",
            "invoices(first: 50, filter: {status: ISSUED, issuedFrom: \"2000-01-01\"}, consistencyToken: $t)",
            invoice_fields,
        ),
    ] {
        let mut merged: Vec<Value> = Vec::new();
        for fields in parts {
            let query = format!(
                "query($t: String) {{ {alias}: {field} {{ edges {{ node {{ {fields} }} }} }} }}"
            );
            let data = server.ok(&auditor, &query, json!({"t": token_value})).await;
            let listed = nodes(&data[alias]);
            for (index, node) in listed.as_array().unwrap().iter().enumerate() {
                match merged.get_mut(index) {
                    Some(known) => known.as_object_mut().unwrap().extend(node.as_object().unwrap().clone()),
                    None => merged.push(node.clone()),
                }
            }
        }
        graphql[alias] = Value::Array(merged);
    }
    let as_rows = |alias: &str, as_row: fn(&Value) -> Value| {
        let listed = &graphql[alias];
        Value::Array(listed.as_array().unwrap().iter().map(as_row).collect())
    };
    for (index, (field, over_graphql)) in [
        ("customers", as_rows("customers", customer_as_row)),
        ("invoices", as_rows("invoices", invoice_as_row)),
        ("expenses", as_rows("expenses", expense_as_row)),
        ("issued", as_rows("issued", invoice_as_row)),
    ]
    .into_iter()
    .enumerate()
    {
        let listed = ok(&r[index]);
        assert_eq!(listed["next_cursor"], Value::Null, "{field}: one page");
        let over_mcp = comparable(&listed["items"], &[]);
        assert!(!over_mcp.is_empty(), "{field}: the scenario has some");
        assert_eq!(over_mcp, comparable(&over_graphql, &[]), "{field}");
    }

    // Each invoice with everything recorded against it.
    let ids: Vec<Value> = ok(&r[1])["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|invoice| invoice["invoice_id"].clone())
        .collect();
    let steps: Vec<Value> = ids
        .iter()
        .flat_map(|id| {
            let history = json!({"aggregate_type": "Invoice", "aggregate_id": id});
            [
                call("get_invoice", json!({"invoice_id": id})),
                call("aggregate_history", history),
            ]
        })
        .collect();
    let run = over_http(&server, &auditor, &Value::Array(steps)).await;
    let mut compared = [0; 5];
    for (id, result) in ids.iter().zip(results(&run).chunks(2)) {
        let detail = ok(&result[0]);
        let graphql = server
            .ok(
                &auditor,
                &format!(
                    "query($id: ID!) {{ invoice(id: $id) {{ {INVOICE_FIELDS} {INVOICE_MEXICAN_FIELDS}
                        lines {{ lineId position description quantity unitPrice priceBasis netAmount taxAmount totalAmount
                            sat {{ productKey unitKey taxObject }} }}
                        adjustments {{ adjustmentId position kind fixedAmount percent reason reasonCode
                            taxCode taxPercent vatCategory baseAmount amount }}
                        payments {{ invoiceId paymentId amount refundedAmount receivedOn method reference
                            exchangeRate exchangeDifference }}
                        creditNotes {{ invoiceId creditNoteId number issueDate reason kind netTotal taxTotal total
                            cfdiStamp {{ status uuid sealedAt stampedAt rejection {{ code message }} }} }} }}
                      history(aggregateType: \"Invoice\", aggregateId: $id) {{
                        sequence eventType eventVersion recordedAt payload: currentPayload hash previousHash }} }}"
                ),
                json!({"id": id}),
            )
            .await;
        let invoice = &graphql["invoice"];
        let mut head = invoice_as_row(invoice);
        for nested in ["lines", "adjustments", "payments", "creditNotes"] {
            head.as_object_mut().unwrap().remove(nested);
        }
        assert_eq!(
            comparable(&json!([detail["invoice"]]), &[]),
            comparable(&json!([head]), &[]),
            "invoice {id}"
        );
        for (i, (over_mcp, over_graphql)) in [
            ("lines", "lines"),
            ("adjustments", "adjustments"),
            ("payments", "payments"),
            ("credit_notes", "creditNotes"),
        ]
        .into_iter()
        .enumerate()
        {
            let mut rows = detail[over_mcp].clone();
            let mut graphql_rows = invoice[over_graphql].clone();
            // GraphQL reaches a line or adjustment through its invoice, so it
            // does not repeat the id; it names a VAT category by the enum's
            // name (STANDARD) where MCP keeps UNCL 5305's code (S).
            if matches!(over_mcp, "lines" | "adjustments") {
                for row in rows.as_array_mut().unwrap() {
                    row.as_object_mut().unwrap().remove("invoice_id");
                }
            }
            // GraphQL nests a credit note's CFDI; the row keeps it flat.
            if over_mcp == "credit_notes" {
                for row in graphql_rows.as_array_mut().unwrap() {
                    flatten_stamp(row);
                }
            }
            // GraphQL nests a line's SAT keys; the row keeps them flat.
            if over_mcp == "lines" {
                for row in graphql_rows.as_array_mut().unwrap() {
                    let sat = row.as_object_mut().unwrap().remove("sat").unwrap();
                    row["satProductKey"] = sat["productKey"].clone();
                    row["satUnitKey"] = sat["unitKey"].clone();
                    row["satTaxObject"] = sat["taxObject"].clone();
                }
            }
            if over_mcp == "adjustments" {
                let categories = |rows: &mut Value, key: &str| -> Vec<Value> {
                    let rows = rows.as_array_mut().unwrap();
                    rows.iter_mut()
                        .map(|row| row.as_object_mut().unwrap().remove(key).unwrap())
                        .collect()
                };
                let codes = categories(&mut rows, "vat_category");
                let names = categories(&mut graphql_rows, "vatCategory");
                assert!(
                    codes.iter().zip(&names).all(|(code, name)| {
                        (code.as_str(), name.as_str()) == (Some("S"), Some("STANDARD"))
                    }),
                    "{codes:?} {names:?}"
                );
            }
            compared[i] += rows.as_array().unwrap().len();
            assert_eq!(
                comparable(&rows, &[]),
                comparable(&graphql_rows, &[]),
                "{over_mcp} of invoice {id}"
            );
        }
        // The audited history: MCP's entries with what GraphQL's events carry.
        let mut entries = ok(&result[1])["events"].clone();
        for entry in entries.as_array_mut().unwrap() {
            let entry = entry.as_object_mut().unwrap();
            entry.remove("metadata");
            entry.remove("unreadable");
        }
        compared[4] += entries.as_array().unwrap().len();
        assert_eq!(
            comparable(&entries, &[]),
            comparable(&graphql["history"], &[]),
            "history of invoice {id}"
        );
    }
    assert!(
        compared.iter().all(|n| *n > 0),
        "the scenario has lines, adjustments, payments, credit notes and history: {compared:?}"
    );
}
