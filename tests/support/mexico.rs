//! Mexico over GraphQL as a frontend drives it: the mutations a Mexican
//! invoice needs, a tenant under MX with SAT's test taxpayer as issuer and
//! SAT's test CSD, and where SAT's own files are (the validators' satcfdi).

use serde_json::{json, Value};

use super::server::Server;

pub const ISSUER: &str = "mutation($key: String!, $issuer: SatIssuerInput!) {
    configureSatIssuer(idempotencyKey: $key, issuer: $issuer) { version consistencyToken } }";
pub const CUSTOMER: &str = "mutation($key: String!, $sat: SatReceiverInput) {
    registerCustomer(idempotencyKey: $key, input: {contact: {name: \"ESCUELA KEMPER URGATE\"},
        tax: {taxId: \"EKU9003173C9\", country: \"MX\", defaultCurrency: \"MXN\",
              paymentTermsDays: 30, sat: $sat}}) { aggregateId consistencyToken } }";
pub const DRAFT: &str = "mutation($key: String!, $customer: ID!) {
    createInvoiceDraft(idempotencyKey: $key, input: {customerId: $customer}) { aggregateId } }";
pub const ADD_LINE: &str = "mutation($key: String!, $invoice: ID!, $sat: SatLineKeysInput) {
    addInvoiceLine(idempotencyKey: $key, invoiceId: $invoice, line: {description: \"Facturación\",
        quantity: \"2\", unitPrice: \"500\", sat: $sat,
        taxes: [{code: \"IVA\", percent: \"16\", treatment: STANDARD}]}) { consistencyToken } }";
pub const TERMS: &str = "mutation($key: String!, $invoice: ID!, $terms: CfdiTermsInput!) {
    setInvoiceCfdiTerms(idempotencyKey: $key, invoiceId: $invoice, terms: $terms) { version } }";
pub const ISSUE: &str = "mutation($key: String!, $invoice: ID!) {
    issueInvoice(idempotencyKey: $key, invoiceId: $invoice) { consistencyToken } }";

/// A fresh idempotency key.
pub fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// SAT's test taxpayer's issuer data under `rfc`.
pub fn issuer(rfc: &str) -> Value {
    json!({"rfc": rfc, "name": "ACCEM SERVICIOS EMPRESARIALES",
           "taxRegime": "601", "postalCode": "06600"})
}

/// Puts the tenant of `admin` under the MX jurisdiction.
pub async fn under_mexican_jurisdiction(server: &Server, admin: &str) {
    server
        .ok(
            admin,
            "mutation($key: String!) { configureJurisdiction(idempotencyKey: $key,
                jurisdiction: MX) { version } }",
            json!({"key": key()}),
        )
        .await;
}

/// A draft of a tenant under MX whose issuer is SAT's test taxpayer, for a
/// company customer whose tax address has `postal_code`; its id.
pub async fn mexican_draft(server: &Server, admin: &str, postal_code: &str) -> Value {
    let customer = mexican_customer(server, admin, postal_code).await;
    draft_for(server, admin, &customer).await
}

/// Puts the tenant of `admin` under MX with SAT's test taxpayer as issuer,
/// and registers SAT's test receiver ESCUELA KEMPER URGATE (EKU9003173C9)
/// with its tax address at `postal_code`; the customer's id.
pub async fn mexican_customer(server: &Server, admin: &str, postal_code: &str) -> Value {
    under_mexican_jurisdiction(server, admin).await;
    server
        .ok(
            admin,
            ISSUER,
            json!({"key": key(), "issuer": issuer("AAA010101AAA")}),
        )
        .await;
    let receiver = json!({"taxRegime": "601", "postalCode": postal_code, "cfdiUse": "G03"});
    server
        .ok(admin, CUSTOMER, json!({"key": key(), "sat": receiver}))
        .await["registerCustomer"]["aggregateId"]
        .clone()
}

/// A draft for `customer`; its id.
pub async fn draft_for(server: &Server, admin: &str, customer: &Value) -> Value {
    server
        .ok(admin, DRAFT, json!({"key": key(), "customer": customer}))
        .await["createInvoiceDraft"]["aggregateId"]
        .clone()
}

pub const INSTALL_CSD: &str =
    "mutation($key: String!, $cer: String!, $pem: String!, $password: String!) {
    installCsd(idempotencyKey: $key, certificateBase64: $cer, privateKeyBase64: $pem,
        password: $password) { consistencyToken } }";

/// SAT's test CSD (RFC AAA010101AAA), base64 as an admin's browser sends it.
pub fn test_csd() -> (String, String) {
    use base64::Engine;
    let file = |name: &str| {
        let path = format!(
            "{}/fixtures/sat-test-csd/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(path).unwrap())
    };
    (file("emisor2021.cer"), file("emisor2021.key"))
}

/// SAT's `sitio_internet/cfd` directory (XSD, XSLT), from the validators' satcfdi.
pub fn sat_files() -> std::path::PathBuf {
    let out = std::process::Command::new(super::python::python())
        .args([
            "-c",
            "import importlib.util, os; print(os.path.dirname(importlib.util.find_spec('satcfdi').origin))",
        ])
        .output()
        .unwrap();
    let package = String::from_utf8(out.stdout).unwrap();
    std::path::Path::new(package.trim()).join("transform/schemas/www.sat.gob.mx/sitio_internet/cfd")
}

/// SAT's CFDI 4.0 schema and the stamp's, by namespace and file under
/// [`sat_files`].
pub const STAMPED_CFDI_SCHEMAS: [(&str, &str); 2] = [
    ("http://www.sat.gob.mx/cfd/4", "4/cfdv40.xsd"),
    (
        "http://www.sat.gob.mx/TimbreFiscalDigital",
        "TimbreFiscalDigital/TimbreFiscalDigitalv11.xsd",
    ),
];

/// SAT's Pagos 2.0 schema (a payment complement's), as [`STAMPED_CFDI_SCHEMAS`].
pub const PAGOS_SCHEMA: (&str, &str) = ("http://www.sat.gob.mx/Pagos20", "Pagos/Pagos20.xsd");

/// Checks `xml` with `xmllint` against one schema importing each of SAT's
/// `schemas` (namespace, file under [`sat_files`]): a CFDI's `Complemento`
/// admits any element a known schema declares, so each complement's schema
/// is imported.
pub fn sat_schemas_accept(xml: &[u8], schemas: &[(&str, &str)]) {
    let sat = sat_files();
    let imports: String = schemas
        .iter()
        .map(|(namespace, file)| {
            format!(
                "<xs:import namespace=\"{namespace}\" schemaLocation=\"{}\"/>",
                sat.join(file).display()
            )
        })
        .collect();
    let dir = std::env::temp_dir().join(format!("folio-sat-xsd-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let schema = dir.join("all.xsd");
    let wrapper =
        format!("<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">{imports}</xs:schema>");
    std::fs::write(&schema, wrapper).unwrap();
    let file = dir.join("cfdi.xml");
    std::fs::write(&file, xml).unwrap();
    let verdict = std::process::Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&schema)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        verdict.status.success(),
        "xmllint: {}",
        String::from_utf8_lossy(&verdict.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The text `pdftotext` reads in the PDF `bytes` (a printed CFDI).
pub fn pdf_text(bytes: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("folio-cfdi-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
