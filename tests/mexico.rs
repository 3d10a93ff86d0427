//! Mexico's tax data end to end over GraphQL: the tenant's issuer, a customer's
//! receiver data, a line's SAT keys and a draft's CFDI terms, each refused with
//! VALIDATION (and nothing written) when SAT's catalogues or rules say no, and
//! recorded with the issued invoice when it can be a CFDI 4.0.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use folio_api::Role;
use serde_json::{json, Value};
use support::mexico::*;
use support::server::Server;
use support::{event_count, tenant, TestDatabase};

/// Asserts `body` is a VALIDATION refusal whose message says `says`.
fn refused(body: &Value, says: &str) {
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "VALIDATION",
        "{body}"
    );
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains(says), "{body}");
}

#[tokio::test]
async fn a_mexican_invoice_is_issued_only_with_sats_data_and_records_it() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let accountant = server.token(t, "alice", Role::Accountant);
    under_mexican_jurisdiction(&server, &admin).await;

    // The issuer: a typo in the RFC's check digit is refused, nothing written.
    let before = event_count(&db.app).await;
    let body = server
        .gql(
            &admin,
            ISSUER,
            json!({"key": key(), "issuer": issuer("EKU9003173C8")}),
        )
        .await;
    refused(&body, "check digit");
    assert_eq!(event_count(&db.app).await, before, "a refused issuer wrote");
    let configured = server
        .ok(
            &admin,
            ISSUER,
            json!({"key": key(), "issuer": issuer("aaa010101aaa")}),
        )
        .await;
    let settings = server
        .ok(
            &admin,
            "query($token: String) { tenantSettings(consistencyToken: $token) {
                satIssuer { rfc name taxRegime postalCode } } }",
            json!({"token": configured["configureSatIssuer"]["consistencyToken"]}),
        )
        .await;
    assert_eq!(
        settings["tenantSettings"]["satIssuer"],
        issuer("AAA010101AAA")
    );

    // The receiver: a company cannot state a use of natural persons (D01).
    let medical = json!({"taxRegime": "601", "postalCode": "06600", "cfdiUse": "D01"});
    let body = server
        .gql(&accountant, CUSTOMER, json!({"key": key(), "sat": medical}))
        .await;
    refused(&body, "not for a legal person");
    assert_eq!(event_count(&db.app).await, before + 1);
    let receiver = json!({"taxRegime": "601", "postalCode": "06600", "cfdiUse": "G03"});
    let registered = server
        .ok(
            &accountant,
            CUSTOMER,
            json!({"key": key(), "sat": receiver}),
        )
        .await["registerCustomer"]
        .clone();
    let customer = registered["aggregateId"].clone();
    let read = server
        .ok(
            &accountant,
            "query($id: ID!, $token: String) { customer(id: $id, consistencyToken: $token) {
                taxId sat { taxRegime postalCode cfdiUse } } }",
            json!({"id": customer, "token": registered["consistencyToken"]}),
        )
        .await;
    assert_eq!(read["customer"]["taxId"], "EKU9003173C9");
    assert_eq!(read["customer"]["sat"], receiver);

    // A line without SAT's keys cannot become a CFDI: issuing says which.
    let invoice = server
        .ok(
            &accountant,
            DRAFT,
            json!({"key": key(), "customer": customer}),
        )
        .await["createInvoiceDraft"]["aggregateId"]
        .clone();
    let added = server
        .ok(
            &accountant,
            ADD_LINE,
            json!({"key": key(), "invoice": invoice}),
        )
        .await;
    let before = event_count(&db.app).await;
    let body = server
        .gql(
            &accountant,
            ISSUE,
            json!({"key": key(), "invoice": invoice}),
        )
        .await;
    refused(&body, "line 1 needs SAT's product or service key");
    assert_eq!(event_count(&db.app).await, before, "a refused issue wrote");

    // Keys outside SAT's catalogues are refused as the line is added.
    let unknown = json!({"productKey": "99999999", "unitKey": "E48"});
    let body = server
        .gql(
            &accountant,
            ADD_LINE,
            json!({"key": key(), "invoice": invoice, "sat": unknown}),
        )
        .await;
    refused(&body, "c_ClaveProdServ");

    // Keyed, paid at once by transfer: issued, and the invoice says so.
    let lines = server
        .ok(
            &accountant,
            "query($id: ID!, $token: String) {
                invoice(id: $id, consistencyToken: $token) { lines { lineId } } }",
            json!({"id": invoice, "token": added["addInvoiceLine"]["consistencyToken"]}),
        )
        .await;
    let line = lines["invoice"]["lines"][0]["lineId"].clone();
    let keys = json!({"productKey": "84111506", "unitKey": "E48", "taxObject": null});
    server
        .ok(
            &accountant,
            "mutation($key: String!, $invoice: ID!, $line: ID!, $sat: SatLineKeysInput) {
                changeInvoiceLine(idempotencyKey: $key, invoiceId: $invoice, lineId: $line,
                    line: {description: \"Facturación\", quantity: \"2\", unitPrice: \"500\",
                        sat: $sat, taxes: [{code: \"IVA\", percent: \"16\", treatment: STANDARD}]}) {
                    version } }",
            json!({"key": key(), "invoice": invoice, "line": line, "sat": keys}),
        )
        .await;
    let undefined = json!({"paymentMethod": "PUE", "paymentForm": "99"});
    let body = server
        .gql(
            &accountant,
            TERMS,
            json!({"key": key(), "invoice": invoice, "terms": undefined}),
        )
        .await;
    refused(&body, "payment method PUE");
    let transfer = json!({"paymentMethod": "PUE", "paymentForm": "03"});
    server
        .ok(
            &accountant,
            TERMS,
            json!({"key": key(), "invoice": invoice, "terms": transfer}),
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
                status total cfdiTerms { paymentMethod paymentForm cfdiUse }
                lines { sat { productKey unitKey taxObject } } } }",
            json!({"id": invoice, "token": issued["issueInvoice"]["consistencyToken"]}),
        )
        .await;
    assert_eq!(read["invoice"]["status"], "ISSUED");
    assert_eq!(read["invoice"]["total"], "1160.00");
    assert_eq!(
        read["invoice"]["cfdiTerms"],
        json!({"paymentMethod": "PUE", "paymentForm": "03", "cfdiUse": "G03"})
    );
    assert_eq!(read["invoice"]["lines"][0]["sat"], keys);

    // The issue event keeps the CFDI's parties for whenever it is rendered.
    let recorded: Value = sqlx::query_scalar(
        "SELECT payload->'InvoiceIssued'->'cfdi' FROM events WHERE event_type = 'InvoiceIssued'",
    )
    .fetch_one(&db.app.pool)
    .await
    .unwrap();
    assert_eq!(recorded["issuer"]["rfc"], "AAA010101AAA");
    assert_eq!(recorded["receiver_rfc"], "EKU9003173C9");
    assert_eq!(recorded["receiver"]["cfdi_use"], "G03");
    assert_eq!(recorded["payment"]["payment_method"], "PUE");
}

#[tokio::test]
async fn iva_at_8_percent_is_refused_from_outside_the_border_regions() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let admin = server.token(tenant(), "root", Role::Admin);
    let invoice = mexican_draft(&server, &admin, "06600").await;
    server
        .ok(
            &admin,
            "mutation($key: String!, $invoice: ID!) { addInvoiceLine(idempotencyKey: $key,
                invoiceId: $invoice, line: {description: \"Pieza\", quantity: \"1\",
                unitPrice: \"100\", sat: {productKey: \"43211500\", unitKey: \"H87\"},
                taxes: [{code: \"IVA\", percent: \"8\", treatment: STANDARD}]}) { version } }",
            json!({"key": key(), "invoice": invoice}),
        )
        .await;
    let before = event_count(&db.app).await;
    let body = server
        .gql(&admin, ISSUE, json!({"key": key(), "invoice": invoice}))
        .await;
    refused(&body, "border regions; 06600 is not one");
    assert_eq!(event_count(&db.app).await, before, "a refused issue wrote");
}

async fn kept_csd_files(db: &TestDatabase) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM csd_files")
        .fetch_one(&db.app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_issuers_csd_is_installed_only_when_it_opens_and_is_the_issuers() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let admin = server.token(tenant(), "root", Role::Admin);
    under_mexican_jurisdiction(&server, &admin).await;
    let (cer, private_key) = test_csd();
    let install = |password: &str| json!({"key": key(), "cer": cer, "pem": private_key, "password": password});

    // Before the issuer is stated, and for another issuer: refused.
    let body = server.gql(&admin, INSTALL_CSD, install("12345678a")).await;
    refused(&body, "SAT issuer data");
    let other = json!({"rfc": "EKU9003173C9", "name": "ESCUELA KEMPER URGATE",
                       "taxRegime": "601", "postalCode": "06600"});
    server
        .ok(&admin, ISSUER, json!({"key": key(), "issuer": other}))
        .await;
    let before = event_count(&db.app).await;
    let body = server.gql(&admin, INSTALL_CSD, install("12345678a")).await;
    refused(
        &body,
        "issued to AAA010101AAA, not to the issuer EKU9003173C9",
    );
    // A wrong password opens nothing.
    let body = server.gql(&admin, INSTALL_CSD, install("12345678b")).await;
    refused(&body, "does not open with this password");
    let body = server
        .gql(
            &admin,
            INSTALL_CSD,
            json!({"key": key(), "cer": "not base64!", "pem": private_key, "password": "x"}),
        )
        .await;
    refused(&body, "certificateBase64 is not base64");
    assert_eq!(event_count(&db.app).await, before, "a refused CSD wrote");
    assert_eq!(kept_csd_files(&db).await, 0, "a refused CSD was kept");

    // The issuer's own: recorded by number, its files kept apart.
    server
        .ok(
            &admin,
            ISSUER,
            json!({"key": key(), "issuer": issuer("AAA010101AAA")}),
        )
        .await;
    let installed = server.ok(&admin, INSTALL_CSD, install("12345678a")).await;
    let settings = server
        .ok(
            &admin,
            "query($token: String) { tenantSettings(consistencyToken: $token) {
                csd { certificateNumber holderRfc validUntil } } }",
            json!({"token": installed["installCsd"]["consistencyToken"]}),
        )
        .await;
    assert_eq!(
        settings["tenantSettings"]["csd"],
        json!({"certificateNumber": "30001000000300023708", "holderRfc": "AAA010101AAA",
               "validUntil": "2028-12-07T00:00:01+00:00"})
    );
    assert_eq!(kept_csd_files(&db).await, 1);
    let leaked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE payload::text LIKE '%12345678a%'")
            .fetch_one(&db.app.pool)
            .await
            .unwrap();
    assert_eq!(leaked, 0, "the password is in the events");
}

/// SAT's CFDI files as satcfdi ships them (`.../www.sat.gob.mx/sitio_internet/cfd`).
/// Runs `program` with `args`; its standard output (the test fails on an error).
fn tool(program: &str, args: &[&std::ffi::OsStr]) -> Vec<u8> {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{program}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The value of attribute `name` of the XML's root.
fn attribute(xml: &str, name: &str) -> String {
    let start = xml.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    xml[start..start + xml[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn an_operator_seals_the_cfdi_of_an_issued_invoice_and_sats_tools_accept_it() {
    use base64::Engine;
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let invoice = mexican_draft(&server, &admin, "26015").await;
    let keys = json!({"productKey": "84111506", "unitKey": "E48"});
    server
        .ok(
            &admin,
            ADD_LINE,
            json!({"key": key(), "invoice": invoice, "sat": keys}),
        )
        .await;
    server
        .ok(&admin, ISSUE, json!({"key": key(), "invoice": invoice}))
        .await;
    let dir = std::env::temp_dir().join(format!("folio-cfdi-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cfdi.xml");
    let render = || {
        support::folio(
            &db.url,
            &[
                "documents",
                "render",
                "--tenant",
                &t.to_string(),
                "--invoice",
                invoice.as_str().unwrap(),
                "--format",
                "cfdi",
                "--out",
                file.to_str().unwrap(),
            ],
        )
    };
    let refused = render();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("no CSD is installed"), "{said}");

    let (cer, private_key) = test_csd();
    let install = json!({"key": key(), "cer": cer, "pem": private_key, "password": "12345678a"});
    server.ok(&admin, INSTALL_CSD, install).await;
    let sealed = render();
    assert!(
        sealed.status.success(),
        "{}",
        String::from_utf8_lossy(&sealed.stderr)
    );

    // SAT's schema, SAT's XSLT for the cadena, openssl for the seal: nothing
    // of Folio's is trusted to check Folio.
    let sat = sat_files();
    let schema = sat.join("4/cfdv40.xsd");
    tool(
        "xmllint",
        &[
            "--noout".as_ref(),
            "--schema".as_ref(),
            schema.as_ref(),
            file.as_ref(),
        ],
    );
    let xslt = sat.join("4/cadenaoriginal_4_0/cadenaoriginal_4_0.xslt");
    let cadena = tool("xsltproc", &[xslt.as_ref(), file.as_ref()]);
    let xml = std::fs::read_to_string(&file).unwrap();
    let engine = base64::engine::general_purpose::STANDARD;
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let certificate = write(
        "cfdi.cer",
        &engine.decode(attribute(&xml, "Certificado")).unwrap(),
    );
    let signature = write(
        "sello.bin",
        &engine.decode(attribute(&xml, "Sello")).unwrap(),
    );
    let cadena = write("cadena.txt", &cadena);
    let public_key = tool(
        "openssl",
        &[
            "x509".as_ref(),
            "-inform".as_ref(),
            "DER".as_ref(),
            "-pubkey".as_ref(),
            "-noout".as_ref(),
            "-in".as_ref(),
            certificate.as_ref(),
        ],
    );
    let public_key = write("public.pem", &public_key);
    let verdict = tool(
        "openssl",
        &[
            "dgst".as_ref(),
            "-sha256".as_ref(),
            "-verify".as_ref(),
            public_key.as_ref(),
            "-signature".as_ref(),
            signature.as_ref(),
            cadena.as_ref(),
        ],
    );
    assert_eq!(String::from_utf8_lossy(&verdict).trim(), "Verified OK");
    assert_eq!(attribute(&xml, "NoCertificado"), "30001000000300023708");
    assert_eq!(attribute(&xml, "Total"), "1160.00");
}

#[tokio::test]
async fn a_frontend_finds_sat_codes_by_their_words_without_accents() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let accountant = server.token(tenant(), "alice", Role::Accountant);
    let codes = |catalogue: &str, search: &str, first: i32| {
        format!(
            "{{ satCodes(catalogue: {catalogue}, search: \"{search}\", first: {first}) {{
                edges {{ node {{ code description }} }} pageInfo {{ hasNextPage }} }} }}"
        )
    };
    let found = server
        .ok(
            &accountant,
            &codes("PRODUCT_OR_SERVICE", "servicios facturacion", 20),
            json!({}),
        )
        .await;
    let nodes: Vec<Value> = found["satCodes"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"].clone())
        .collect();
    assert!(
        nodes.contains(&json!({"code": "84111506", "description": "Servicios de facturación"})),
        "{nodes:?}"
    );
    let uses = server
        .ok(&accountant, &codes("CFDI_USE", "G0", 2), json!({}))
        .await;
    assert_eq!(uses["satCodes"]["edges"][0]["node"]["code"], "G01");
    assert_eq!(uses["satCodes"]["pageInfo"]["hasNextPage"], true);
    let body = server
        .gql(&accountant, &codes("UNIT", "E48", 100_000), json!({}))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT", "{body}");
}
