//! Documents end to end, each test on a throwaway database: the tenant's legal
//! profile (who the seller is), stated by an admin and read back over HTTP
//! against `folio serve`; and an issued invoice rendered by the operator's
//! `folio documents render` in every form, checked by the outside validators
//! (the EN 16931 schemas and Schematron, poppler).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::path::Path;

use folio_api::Role;
use folio_domain::ids::{InvoiceId, TenantId};
use folio_domain::legal_profile::{BankAccount, LegalProfile, PostalAddress};
use serde_json::{json, Value};
use support::python::python;
use support::scenario::{add_line, customer, draft, issue, line, vat19};
use support::server::Server;
use support::{ctx, folio, tenant, TestDatabase};

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

fn legal_profile() -> LegalProfile {
    LegalProfile {
        legal_name: "Muster GmbH".into(),
        trading_name: None,
        address: PostalAddress {
            lines: vec!["Hauptstraße 1".into()],
            city: "München".into(),
            postal_code: Some("80331".into()),
            subdivision: None,
            country: "DE".into(),
        },
        vat_id: Some("DE129273398".into()),
        tax_registration_id: None,
        company_id: None,
        email: Some("billing@muster.example".into()),
        phone: None,
        bank_account: Some(BankAccount {
            iban: "DE89370400440532013000".into(),
            bic: None,
            account_name: None,
        }),
    }
}

/// An issued invoice of two lines at 19% in a fresh tenant.
async fn issued_invoice(db: &TestDatabase) -> (TenantId, InvoiceId) {
    let t = tenant();
    let buyer = customer(&db.app, t, "Acme GmbH").await;
    let invoice = draft(&db.app, t, buyer).await;
    add_line(
        &db.app,
        t,
        invoice,
        line("Consulting", 10, 10_000, vec![vat19()]),
    )
    .await;
    add_line(
        &db.app,
        t,
        invoice,
        line("Travel", 1, 25_050, vec![vat19()]),
    )
    .await;
    issue(&db.app, t, invoice, None).await;
    (t, invoice)
}

fn render(
    db: &TestDatabase,
    t: TenantId,
    invoice: InvoiceId,
    format: &str,
    out: &Path,
) -> std::process::Output {
    folio(
        &db.url,
        &[
            "documents",
            "render",
            "--tenant",
            &t.to_string(),
            "--invoice",
            &invoice.to_string(),
            "--format",
            format,
            "--locale",
            "de",
            "--out",
            out.to_str().unwrap(),
        ],
    )
}

fn run_ok(program: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{program}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn an_operator_renders_an_issued_invoice_in_every_form_and_the_validators_accept_them() {
    let db = TestDatabase::new().await;
    let (t, invoice) = issued_invoice(&db).await;
    db.app
        .use_cases
        .configure_legal_profile(&ctx(t, "root"), legal_profile())
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("folio-documents-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let validator = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/validate-en16931");
    for syntax in ["ubl", "cii"] {
        let file = dir.join(format!("invoice.{syntax}.xml"));
        let rendered = render(&db, t, invoice, syntax, &file);
        assert!(
            rendered.status.success(),
            "{}",
            String::from_utf8_lossy(&rendered.stderr)
        );
        let verdict: Value = serde_json::from_str(&run_ok(
            python(),
            &[validator, syntax, file.to_str().unwrap()],
        ))
        .unwrap();
        assert_eq!(verdict["schema_errors"], json!([]), "{verdict:#}");
        assert_eq!(verdict["failed_asserts"], json!([]), "{verdict:#}");
    }
    let pdf = dir.join("invoice.pdf");
    assert!(render(&db, t, invoice, "pdf", &pdf).status.success());
    let text = run_ok("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
    for expected in [
        "Rechnung INV-000001",
        "Consulting",
        "Travel",
        "1.000,00",
        "250,50",
        "237,60",
        "1.488,10 EUR",
    ] {
        assert!(text.contains(expected), "lacks {expected}:\n{text}");
    }
    let factur_x = dir.join("factur-x.pdf");
    assert!(render(&db, t, invoice, "factur-x", &factur_x)
        .status
        .success());
    assert!(run_ok("pdfdetach", &["-list", factur_x.to_str().unwrap()]).contains("factur-x.xml"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn without_a_legal_profile_the_operator_is_told_what_to_configure_and_nothing_is_written() {
    let db = TestDatabase::new().await;
    let (t, invoice) = issued_invoice(&db).await;
    let out = std::env::temp_dir().join(format!("folio-none-{}.xml", uuid::Uuid::new_v4()));
    let rendered = render(&db, t, invoice, "ubl", &out);
    assert!(!rendered.status.success());
    let said = String::from_utf8_lossy(&rendered.stderr);
    assert!(said.contains("configureLegalProfile"), "{said}");
    assert!(!out.exists(), "no file for a refused document");
}
