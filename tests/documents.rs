//! What documents need from the API: the tenant's legal profile (who the seller
//! is), stated by an admin and read back by those who issue invoices, driven
//! over HTTP against `folio serve` on a throwaway database.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use folio_api::Role;
use serde_json::{json, Value};
use support::server::Server;
use support::{tenant, TestDatabase};

const CONFIGURE: &str = "mutation($key: String!, $profile: LegalProfileInput!) {
    configureLegalProfile(idempotencyKey: $key, profile: $profile) { version consistencyToken } }";
const READ: &str = "query { tenantSettings { legalProfile {
    legalName tradingName vatId companyId email
    address { lines city postalCode subdivision country }
    bankAccount { iban bic accountName } } } }";

fn profile(iban: &str) -> Value {
    json!({
        "legalName": " Muster GmbH ",
        "address": {"lines": ["Hauptstraße 1", ""], "city": "München",
                    "postalCode": "80331", "country": "de"},
        "vatId": "136 695 976",
        "companyId": "HRB 12345, Amtsgericht München",
        "email": "billing@muster.example",
        "bankAccount": {"iban": iban, "bic": "COBADEFFXXX"},
    })
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[tokio::test]
async fn an_admin_states_the_legal_profile_and_accountants_read_it_in_canonical_form() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let accountant = server.token(t, "alice", Role::Accountant);
    assert_eq!(
        server.ok(&accountant, READ, json!({})).await["tenantSettings"]["legalProfile"],
        Value::Null,
        "no profile until one is stated"
    );

    server
        .ok(
            &admin,
            CONFIGURE,
            json!({"key": key(), "profile": profile("DE89 3704 0044 0532 0130 00")}),
        )
        .await;

    let read = server.ok(&accountant, READ, json!({})).await;
    assert_eq!(
        read["tenantSettings"]["legalProfile"],
        json!({
            "legalName": "Muster GmbH", "tradingName": null, "vatId": "DE136695976",
            "companyId": "HRB 12345, Amtsgericht München", "email": "billing@muster.example",
            "address": {"lines": ["Hauptstraße 1"], "city": "München", "postalCode": "80331",
                        "subdivision": null, "country": "DE"},
            "bankAccount": {"iban": "DE89370400440532013000", "bic": "COBADEFFXXX",
                            "accountName": null},
        })
    );
}

#[tokio::test]
async fn a_wrong_iban_is_refused_and_the_profile_in_force_stays() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let first = server
        .ok(
            &admin,
            CONFIGURE,
            json!({"key": key(), "profile": profile("DE89370400440532013000")}),
        )
        .await;

    let refused = server
        .gql(
            &admin,
            CONFIGURE,
            json!({"key": key(), "profile": profile("DE89370400440532013001")}),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "VALIDATION",
        "{refused}"
    );
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("not an IBAN"), "{message}");

    let accountant = server.token(t, "alice", Role::Accountant);
    let again = server
        .ok(
            &admin,
            CONFIGURE,
            json!({"key": key(), "profile": profile("DE89370400440532013000")}),
        )
        .await;
    assert_eq!(
        again["configureLegalProfile"]["version"].as_i64(),
        first["configureLegalProfile"]["version"]
            .as_i64()
            .map(|v| v + 1),
        "the refusal wrote nothing"
    );
    let read = server.ok(&accountant, READ, json!({})).await;
    assert_eq!(
        read["tenantSettings"]["legalProfile"]["bankAccount"]["iban"],
        "DE89370400440532013000"
    );
}

#[tokio::test]
async fn only_an_admin_states_the_legal_profile() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let accountant = server.token(tenant(), "alice", Role::Accountant);
    let refused = server
        .gql(
            &accountant,
            CONFIGURE,
            json!({"key": key(), "profile": profile("DE89370400440532013000")}),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
}
