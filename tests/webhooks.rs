//! Webhooks end to end: an admin registers an endpoint over GraphQL against a
//! running `folio serve`, and the tenant's events reach a real receiver on
//! 127.0.0.1 that verifies every delivery with `standardwebhooks`, the
//! specification's reference library: retried while it fails, one message id
//! on every attempt, a valid signature on each, only the types it asked
//! for, and never an endpoint in a private network.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use folio_api::Role;
use folio_domain::ids::TenantId;
use serde_json::{json, Value};
use support::scenario::tenant_with_directory;
use support::server::Server;
use support::smtp::MailServer;
use support::webhooks::WebhookReceiver;
use support::{tenant, TestDatabase};

const REGISTER_ENDPOINT: &str = "mutation($key: String!, $url: String!, $types: [String!]!) {
    registerWebhookEndpoint(idempotencyKey: $key, input: {url: $url, eventTypes: $types,
        description: \"ERP\"}) { endpointId secret result { consistencyToken } } }";
const REGISTER_CUSTOMER: &str = "mutation($key: String!, $name: String!) {
    registerCustomer(idempotencyKey: $key, input: {contact: {name: $name},
        tax: {country: \"DE\", defaultCurrency: \"EUR\", paymentTermsDays: 30}}) { aggregateId } }";
const DELIVERIES: &str = "{ webhookEndpoints { endpointId url status
    deliveries { kind status attempts failure { code reason } } } }";

/// folio serve that may post to loopback, retrying every second.
async fn serve(db: &TestDatabase) -> Server {
    Server::start_with(
        db,
        &[
            ("FOLIO_WEBHOOK_ALLOW_LOOPBACK", "true"),
            ("FOLIO_WEBHOOK_RETRY_SCHEDULE", "1s,1s,1s,1s"),
        ],
    )
    .await
}

/// Registers an endpoint at `url` for `types`; its id and secret.
async fn register(server: &Server, admin: &str, url: &str, types: &[&str]) -> (String, String) {
    let variables = json!({"key": format!("endpoint-{url}"), "url": url, "types": types});
    let done = server.ok(admin, REGISTER_ENDPOINT, variables).await;
    let registered = &done["registerWebhookEndpoint"];
    (
        registered["endpointId"].as_str().unwrap().to_owned(),
        registered["secret"].as_str().unwrap().to_owned(),
    )
}

async fn register_customer(server: &Server, t: TenantId, name: &str) -> String {
    let token = server.token(t, "alice", Role::Accountant);
    let variables = json!({"key": format!("customer-{name}"), "name": name});
    let done = server.ok(&token, REGISTER_CUSTOMER, variables).await;
    done["registerCustomer"]["aggregateId"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_that_fails_three_times_gets_the_event_on_the_fourth_attempt_signed_each_time()
{
    // Given a receiver that answers 500 three times, then 200
    let db = TestDatabase::new().await;
    let receiver = WebhookReceiver::start(&[500, 500, 500]).await;
    let server = serve(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);

    // When an admin registers it for new customers, and one is registered
    let (endpoint, secret) = register(
        &server,
        &admin,
        &receiver.url("/hooks"),
        &["customer.registered"],
    )
    .await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    receiver.verify_with(&secret);
    let customer = register_customer(&server, t, "Acme GmbH").await;

    // Then it is posted four times, the same message each time, validly signed
    let deliveries = support::eventually("four attempts", || async {
        let deliveries = receiver.deliveries();
        (deliveries.len() >= 4).then_some(deliveries)
    })
    .await;
    assert_eq!(deliveries.len(), 4, "{deliveries:#?}");
    for delivery in &deliveries {
        assert_eq!(delivery["verified"], true, "{delivery:#}");
        assert_eq!(delivery["path"], "/hooks");
        assert_eq!(
            delivery["headers"]["webhook-id"],
            deliveries[0]["headers"]["webhook-id"]
        );
    }
    let statuses: Vec<&Value> = deliveries.iter().map(|d| &d["status"]).collect();
    assert_eq!(
        statuses,
        [&json!(500), &json!(500), &json!(500), &json!(200)]
    );
    // The body is the event, as Standard Webhooks shapes it
    let body: Value = serde_json::from_str(deliveries[3]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["type"], "customer.registered");
    assert_eq!(body["data"]["object"], "customer");
    assert_eq!(body["data"]["id"], customer);
    assert_eq!(body["data"]["event"]["contact"]["name"], "Acme GmbH");

    // And the endpoint's delivery log shows it sent after four attempts
    let log = support::eventually("the delivery is recorded as sent", || async {
        let read = server.ok(&admin, DELIVERIES, json!({})).await;
        let endpoint = read["webhookEndpoints"][0].clone();
        (endpoint["deliveries"][0]["status"] == "SENT").then_some(endpoint)
    })
    .await;
    assert_eq!(log["endpointId"], endpoint);
    assert_eq!(
        log["deliveries"],
        json!([{"kind": "customer.registered", "status": "SENT", "attempts": 4, "failure": null}])
    );

    // When the admin asks for it once more, it is posted again, the same message
    let message: String = sqlx::query_scalar("SELECT message_id::text FROM outbox")
        .fetch_one(&db.app.pool)
        .await
        .unwrap();
    let redeliver = "mutation($id: ID!) { redeliverWebhook(messageId: $id) }";
    let again = server.ok(&admin, redeliver, json!({"id": message})).await;
    assert_eq!(again["redeliverWebhook"], true);
    let fifth = support::eventually("the fifth post", || async {
        receiver.deliveries().get(4).cloned()
    })
    .await;
    assert_eq!(fifth["headers"]["webhook-id"], message.as_str());
    assert_eq!(fifth["verified"], true);
    // And another tenant's, or one unknown, is not found
    let stranger = server.token(tenant(), "root", Role::Admin);
    let refused = server
        .gql(&stranger, redeliver, json!({"id": message}))
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_gets_only_its_types_and_only_what_happens_after_it_is_registered() {
    // Given a customer registered before any endpoint
    let db = TestDatabase::new().await;
    let receiver = WebhookReceiver::start(&[]).await;
    let server = serve(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    register_customer(&server, t, "Before GmbH").await;

    // When an endpoint for every type is registered, and another customer is
    let (_, secret) = register(&server, &admin, &receiver.url("/all"), &[]).await;
    receiver.verify_with(&secret);
    register_customer(&server, t, "After GmbH").await;

    // Then only the later customer is delivered
    let deliveries = support::eventually("the delivery", || async {
        let deliveries = receiver.deliveries();
        (!deliveries.is_empty()).then_some(deliveries)
    })
    .await;
    let body: Value = serde_json::from_str(deliveries[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["data"]["event"]["contact"]["name"], "After GmbH");
    assert_eq!(deliveries[0]["verified"], true);

    // And an unknown type is refused by name, nothing registered
    let refused = server
        .gql(
            &admin,
            REGISTER_ENDPOINT,
            json!({"key": "bad-type", "url": receiver.url("/x"), "types": ["invoice.paid"]}),
        )
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "VALIDATION");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("'invoice.paid' is not a webhook event type"),
        "{refused}"
    );
    // And the catalogue lists what may be asked for
    let types = server.ok(&admin, "{ webhookEventTypes }", json!({})).await;
    assert!(types["webhookEventTypes"]
        .as_array()
        .unwrap()
        .contains(&json!("invoice.issued")));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_in_a_private_network_is_refused_and_never_retried() {
    // Given endpoints on a private address and on the metadata service's
    let db = TestDatabase::new().await;
    let server = serve(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    register(&server, &admin, "http://10.1.2.3/hooks", &[]).await;
    register(&server, &admin, "http://169.254.169.254/latest", &[]).await;

    // When an event happens
    register_customer(&server, t, "Acme GmbH").await;

    // Then both deliveries fail at once, saying why, after one attempt
    let endpoints = support::eventually("both deliveries fail", || async {
        let read = server.ok(&admin, DELIVERIES, json!({})).await;
        let endpoints = read["webhookEndpoints"].as_array().unwrap().clone();
        endpoints
            .iter()
            .all(|e| e["deliveries"][0]["status"] == "FAILED")
            .then_some(endpoints)
    })
    .await;
    for endpoint in endpoints {
        let delivery = &endpoint["deliveries"][0];
        assert_eq!(delivery["attempts"], 1, "{endpoint:#}");
        assert_eq!(delivery["failure"]["code"], "VALIDATION");
        assert!(
            delivery["failure"]["reason"]
                .as_str()
                .unwrap()
                .contains("is not an address Folio posts to"),
            "{endpoint:#}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_rotation_both_secrets_sign_for_a_day_and_a_stranger_s_does_not_verify() {
    // Given an endpoint whose secret was rotated
    let db = TestDatabase::new().await;
    let receiver = WebhookReceiver::start(&[]).await;
    let server = serve(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let (endpoint, first) = register(&server, &admin, &receiver.url("/hooks"), &[]).await;
    let rotate = "mutation($id: ID!) { rotateWebhookSecret(idempotencyKey: \"rotate-1\",
        endpointId: $id) { secret } }";
    let rotated = server.ok(&admin, rotate, json!({"id": endpoint})).await;
    let second = rotated["rotateWebhookSecret"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);

    // When events are delivered to a receiver that knows the old, the new,
    // then a stranger's secret
    let mut verdicts = Vec::new();
    for (n, secret) in [
        first.as_str(),
        second.as_str(),
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    ]
    .into_iter()
    .enumerate()
    {
        receiver.verify_with(secret);
        register_customer(&server, t, &format!("Customer {n}")).await;
        let delivery = support::eventually("the delivery", || async {
            receiver.deliveries().get(n).cloned()
        })
        .await;
        verdicts.push(delivery["verified"].clone());
        // Two signatures, one per secret in force
        let signature = delivery["headers"]["webhook-signature"].as_str().unwrap();
        assert_eq!(signature.split(' ').count(), 2, "{signature}");
    }

    // Then the old and the new verify, the stranger's does not
    assert_eq!(verdicts, [json!(true), json!(true), json!(false)]);
}

/// A tenant with an open directory whose admin, `root`, has an address.
async fn tenant_with_an_admin_address(db: &TestDatabase) -> TenantId {
    use folio_domain::directory::{ApprovalRouting, DirectoryPolicy, Enrollment};
    let open = DirectoryPolicy {
        enrollment: Enrollment::Open,
        approval_routing: ApprovalRouting::AnyApprover,
    };
    tenant_with_directory(&db.app, open, Some("root@hooks.example")).await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_that_keeps_failing_is_disabled_and_its_admins_are_e_mailed() {
    // Given a receiver that always fails, and folio serve that disables an
    // endpoint after 2 s of failures (5 days unless configured)
    let db = TestDatabase::new().await;
    let receiver = WebhookReceiver::start(&[500; 40]).await;
    let mail = MailServer::start().await;
    let smtp = mail.smtp_url();
    let server = Server::start_with(
        &db,
        &[
            ("FOLIO_WEBHOOK_ALLOW_LOOPBACK", "true"),
            ("FOLIO_WEBHOOK_RETRY_SCHEDULE", "1s,1s,1s,1s,1s,1s,1s,1s"),
            ("FOLIO_WEBHOOK_DISABLE_AFTER", "2s"),
            ("FOLIO_SMTP_URL", smtp.as_str()),
            ("FOLIO_MAIL_FROM", "hooks@folio.example"),
        ],
    )
    .await;
    let t = tenant_with_an_admin_address(&db).await;
    let admin = server.token(t, "root", Role::Admin);
    let url = receiver.url("/down");
    let (_, secret) = register(&server, &admin, &url, &[]).await;
    receiver.verify_with(&secret);

    // When an event keeps failing to reach it
    register_customer(&server, t, "Acme GmbH").await;

    // Then Folio disables it, saying why
    let disabled = support::eventually("the endpoint is disabled", || async {
        let read = server
            .ok(
                &admin,
                "{ webhookEndpoints { status disabledReason } }",
                json!({}),
            )
            .await;
        let endpoint = read["webhookEndpoints"][0].clone();
        (endpoint["status"] == "DISABLED").then_some(endpoint)
    })
    .await;
    let reason = disabled["disabledReason"].as_str().unwrap();
    assert!(
        reason.starts_with("every delivery failed for 2 s (since "),
        "{reason}"
    );
    // And the admin is told, in an e-mail naming the endpoint
    let email = support::eventually("the admin is e-mailed", || async {
        mail.emails().await.pop()
    })
    .await;
    assert_eq!(email["to"][0]["address"], "root@hooks.example");
    assert_eq!(
        email["subject"],
        format!("Webhook endpoint disabled: {url}").as_str()
    );
    assert!(
        email["text"].as_str().unwrap().contains(reason),
        "{email:#}"
    );
    assert!(receiver.deliveries().len() >= 3);
    assert!(receiver.deliveries().iter().all(|d| d["verified"] == true));

    // And what happens later is not queued for it
    let token = server.token(t, "alice", Role::Accountant);
    let later = server
        .ok(
            &token,
            "mutation { registerCustomer(idempotencyKey: \"later\", input: {contact: {name: \"Later\"},
                tax: {country: \"DE\", defaultCurrency: \"EUR\", paymentTermsDays: 30}}) {
                consistencyToken } }",
            json!({}),
        )
        .await;
    let seen = later["registerCustomer"]["consistencyToken"].clone();
    server
        .ok(
            &admin,
            "query($t: String) { webhookEndpoints(consistencyToken: $t) { status } }",
            json!({"t": seen}),
        )
        .await;
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE channel = 'WEBHOOK'")
        .fetch_one(&db.app.pool)
        .await
        .unwrap();
    assert_eq!(queued, 1, "only the event from before it was disabled");
}
