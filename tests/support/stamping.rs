//! A Mexican invoice issued and stamped through `folio serve` and the PAC
//! simulator, as the stamping and cancelling tests drive it over GraphQL.

use std::time::Duration;

use serde_json::{json, Value};

use super::mexico::{draft_for, key, mexican_customer, test_csd, ADD_LINE, INSTALL_CSD, ISSUE};
use super::pac::pac_env;
use super::server::Server;
use super::TestDatabase;

/// `folio serve` stamping through the PAC at `url`.
pub async fn server_with_pac(db: &TestDatabase, url: &str) -> Server {
    let env = pac_env(url);
    let env: Vec<(&str, &str)> = env
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    Server::start_with(db, &env).await
}

/// An invoice issued under MX by a tenant with SAT's test CSD installed; its
/// id.
pub async fn issued_mexican_invoice(server: &Server, admin: &str) -> String {
    issued_to(server, admin, None).await
}

/// Names the customer of `invoice` `name`.
pub async fn rename_customer(server: &Server, admin: &str, customer: &Value, name: &str) {
    server
        .ok(
            admin,
            "mutation($key: String!, $customer: ID!, $name: String!) {
                updateCustomerContact(idempotencyKey: $key, customerId: $customer,
                    contact: {name: $name}) { version } }",
            json!({"key": key(), "customer": customer, "name": name}),
        )
        .await;
}

/// An invoice issued under MX by a tenant with SAT's test CSD installed, to
/// the customer named `customer_name` when given (SAT's name otherwise); its
/// id.
pub async fn issued_to(server: &Server, admin: &str, customer_name: Option<&str>) -> String {
    let customer = mexican_customer(server, admin, "26015").await;
    if let Some(name) = customer_name {
        rename_customer(server, admin, &customer, name).await;
    }
    let (cer, private_key) = test_csd();
    let install = json!({"key": key(), "cer": cer, "pem": private_key, "password": "12345678a"});
    server.ok(admin, INSTALL_CSD, install).await;
    issued_for(server, admin, &customer).await
}

/// An invoice of a Mexican service issued to `customer` (of a tenant set
/// up by [`issued_to`]); its id.
pub async fn issued_for(server: &Server, admin: &str, customer: &Value) -> String {
    let invoice = draft_for(server, admin, customer).await;
    let keys = json!({"productKey": "84111506", "unitKey": "E48"});
    server
        .ok(
            admin,
            ADD_LINE,
            json!({"key": key(), "invoice": invoice, "sat": keys}),
        )
        .await;
    server
        .ok(admin, ISSUE, json!({"key": key(), "invoice": invoice}))
        .await;
    invoice.as_str().unwrap().to_owned()
}

/// The invoice's stamp as GraphQL shows it.
pub async fn stamp_of(server: &Server, token: &str, invoice: &str) -> Value {
    let data = server
        .ok(
            token,
            "query($id: ID!) { invoice(id: $id) { customerId cfdiStamp { status uuid sealedAt
                stampedAt rejection { code message } failure { code reason attempts } } } }",
            json!({"id": invoice}),
        )
        .await;
    let mut stamp = data["invoice"]["cfdiStamp"].clone();
    stamp["customerId"] = data["invoice"]["customerId"].clone();
    stamp
}

/// Waits (a minute at most) until the invoice's stamp is STAMPED; the stamp.
pub async fn stamped(server: &Server, token: &str, invoice: &str) -> Value {
    for _ in 0..240 {
        let stamp = stamp_of(server, token, invoice).await;
        if stamp["status"] == "STAMPED" {
            return stamp;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("not stamped: {}", stamp_of(server, token, invoice).await);
}

/// How many events of `event_type` the invoice has.
pub async fn events_of(db: &TestDatabase, invoice: &str, event_type: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_id = $1 AND event_type = $2")
        .bind(invoice)
        .bind(event_type)
        .fetch_one(&db.app.pool)
        .await
        .unwrap()
}

/// The stored file at `sha256` in the test servers' blob store.
pub fn stored(sha256: &str) -> Vec<u8> {
    let path = std::env::temp_dir()
        .join("folio-test-documents/sha256")
        .join(&sha256[..2])
        .join(sha256);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
