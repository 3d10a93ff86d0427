//! Documents end to end, each test on a throwaway database: the tenant's legal
//! profile (who the seller is), stated by an admin and read back over HTTP
//! against `folio serve`; and an issued invoice rendered by the operator's
//! `folio documents render` in every form, checked by the outside validators
//! (the EN 16931 schemas and Schematron, poppler).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::path::Path;
use std::sync::Arc;

use folio_api::Role;
use folio_commands::archiving::{ArchiveError, DocumentArchiver};
use folio_commands::documents::DocumentOf;
use folio_commands::{BlobAddress, BlobError, BlobStore, Caller, CommandContext};
use folio_domain::ids::{InvoiceId, TenantId, UserId};
use folio_domain::invoice::ArchivedFormat;
use folio_infra::blob_store::ObjectBlobStore;
use folio_infra::rendering::WorkspaceRenderer;
use serde_json::{json, Value};
use support::python::python;
use support::s3::S3Server;
use support::scenario::{add_line, customer, draft, issue, legal_profile, line, vat19};
use support::server::Server;
use support::{ctx, folio, folio_with, tenant, TestDatabase};

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

/// [`issued_invoice`] of a tenant that stated its legal profile.
async fn issued_invoice_of_a_described_seller(db: &TestDatabase) -> (TenantId, InvoiceId) {
    let (t, invoice) = issued_invoice(db).await;
    db.app
        .use_cases
        .configure_legal_profile(&ctx(t, "root"), legal_profile())
        .await
        .unwrap();
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
    let (t, invoice) = issued_invoice_of_a_described_seller(&db).await;
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

/// The archiver over `store`, acting as the system's archivist.
fn archiver(db: &TestDatabase, store: Arc<dyn BlobStore>) -> DocumentArchiver {
    DocumentArchiver::new(
        db.app.documents.clone(),
        Arc::new(WorkspaceRenderer::default()),
        store,
        db.app.use_cases.clone(),
    )
}

fn archivist(t: TenantId) -> CommandContext {
    let caller = Caller::new(
        t,
        UserId::new("system:archive"),
        vec![folio_commands::Role::Accountant],
    );
    CommandContext::new(caller, uuid::Uuid::new_v4().to_string())
}

/// The `DocumentArchived` events of the invoice's stream, as an auditor reads them.
async fn archived_events(db: &TestDatabase, t: TenantId, invoice: InvoiceId) -> Vec<Value> {
    let auditor = Caller::new(t, UserId::new("audit"), vec![folio_commands::Role::Auditor]);
    db.app
        .audit_trail
        .stream(&auditor, "Invoice", &invoice.to_string())
        .await
        .unwrap()
        .into_iter()
        .filter(|event| event.event_type == "DocumentArchived")
        .map(|event| event.payload)
        .collect()
}

#[tokio::test]
async fn an_issued_invoice_is_archived_once_in_s3_by_hash_and_downloads_through_a_presigned_url() {
    let db = TestDatabase::new().await;
    let (t, invoice) = issued_invoice_of_a_described_seller(&db).await;
    let s3 = S3Server::start().await;
    let store: Arc<dyn BlobStore> = Arc::new(ObjectBlobStore::open(&s3.bucket().await).unwrap());
    let archiver = archiver(&db, store.clone());

    let files = archiver
        .archive(&archivist(t), DocumentOf::Invoice(invoice))
        .await
        .unwrap();

    assert_eq!(
        files.iter().map(|f| f.format).collect::<Vec<_>>(),
        [ArchivedFormat::FacturX, ArchivedFormat::Ubl]
    );
    let events = archived_events(&db, t, invoice).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let recorded = &events[0]["DocumentArchived"]["files"];
    for (index, file) in files.iter().enumerate() {
        assert_eq!(recorded[index]["sha256"], file.sha256.as_str());
        let address = BlobAddress::parse(&file.sha256).unwrap();
        let stored = store.get(&address).await.unwrap();
        assert_eq!(stored.len() as u64, file.size_bytes);
        let url = store
            .download_url(&address, std::time::Duration::from_secs(60))
            .await
            .unwrap()
            .unwrap();
        let downloaded = reqwest::get(&url).await.unwrap();
        assert!(
            downloaded.status().is_success(),
            "{url}: {}",
            downloaded.status()
        );
        assert_eq!(
            downloaded.bytes().await.unwrap().as_ref(),
            stored.as_slice(),
            "the presigned URL gives the archived bytes"
        );
    }
    let pdf = std::env::temp_dir().join(format!("folio-archived-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(
        &pdf,
        store
            .get(&BlobAddress::parse(&files[0].sha256).unwrap())
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(run_ok("pdfdetach", &["-list", pdf.to_str().unwrap()]).contains("factur-x.xml"));
    let text = run_ok("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
    assert!(
        text.contains("Rechnung INV-000001"),
        "a German seller's PDF is German:\n{text}"
    );
    std::fs::remove_file(pdf).unwrap();

    // Archiving again (a retried archiver) renders the same bytes and records nothing new.
    let again = archiver
        .archive(&archivist(t), DocumentOf::Invoice(invoice))
        .await
        .unwrap();
    assert_eq!(again, files);
    assert_eq!(archived_events(&db, t, invoice).await.len(), 1);
}

#[tokio::test]
async fn with_s3_the_api_gives_presigned_links_that_download_the_archived_files() {
    let db = TestDatabase::new().await;
    let s3 = S3Server::start().await;
    let folio_infra::blob_store::BlobLocation::S3(bucket) = s3.bucket().await else {
        unreachable!("moto holds S3 buckets")
    };
    let store_setting = format!("s3://{}", bucket.bucket);
    let server = Server::start_with(
        &db,
        &[
            ("FOLIO_BLOB_STORE", store_setting.as_str()),
            ("FOLIO_S3_ENDPOINT", s3.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "test-key"),
            ("AWS_SECRET_ACCESS_KEY", "test-secret"),
        ],
    )
    .await;
    let (t, invoice) = issued_invoice_of_a_described_seller(&db).await;
    let accountant = server.token(t, "alice", Role::Accountant);
    support::eventually("the invoice is archived", || async {
        let archive = archive_of_invoice(&server, &accountant, invoice).await;
        (archive["status"] == "ARCHIVED").then_some(())
    })
    .await;
    let events = archived_events(&db, t, invoice).await;
    let files = events[0]["DocumentArchived"]["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    for file in files {
        let sha256 = file["sha256"].as_str().unwrap();
        let link = download_url(&server, &accountant, invoice, sha256).await;
        assert!(link.starts_with(&s3.endpoint), "presigned by S3: {link}");
        assert!(link.contains("X-Amz-Signature="), "{link}");
        let bytes = reqwest::get(&link).await.unwrap().bytes().await.unwrap();
        assert_eq!(
            BlobAddress::of(&bytes).sha256(),
            sha256,
            "the archived bytes"
        );
    }
}

#[tokio::test]
async fn an_s3_outage_loses_nothing_and_the_archive_succeeds_once_s3_is_back() {
    let db = TestDatabase::new().await;
    let (t, invoice) = issued_invoice_of_a_described_seller(&db).await;
    let mut s3 = S3Server::start().await;
    let port: u16 = s3.endpoint.rsplit(':').next().unwrap().parse().unwrap();
    let bucket = format!("folio-{}", uuid::Uuid::new_v4().simple());
    let location = s3.bucket_named(&bucket).await;
    let archiver = archiver(&db, Arc::new(ObjectBlobStore::open(&location).unwrap()));
    s3.process.kill().await.unwrap();

    let failed = archiver
        .archive(&archivist(t), DocumentOf::Invoice(invoice))
        .await
        .unwrap_err();
    assert!(
        matches!(failed, ArchiveError::Store(BlobError::Unavailable(_))),
        "{failed}"
    );
    assert!(
        archived_events(&db, t, invoice).await.is_empty(),
        "nothing recorded while S3 is away"
    );

    let back = S3Server::start_on(port).await;
    back.bucket_named(&bucket).await;
    let files = archiver
        .archive(&archivist(t), DocumentOf::Invoice(invoice))
        .await
        .unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(archived_events(&db, t, invoice).await.len(), 1);
}

#[tokio::test]
async fn without_a_legal_profile_the_archive_fails_with_the_reason_and_records_nothing() {
    let db = TestDatabase::new().await;
    let (t, invoice) = issued_invoice(&db).await;
    let dir = std::env::temp_dir().join(format!("folio-blobs-{}", uuid::Uuid::new_v4()));
    let location = folio_infra::blob_store::BlobLocation::Directory(dir.clone());
    let archiver = archiver(&db, Arc::new(ObjectBlobStore::open(&location).unwrap()));
    let failed = archiver
        .archive(&archivist(t), DocumentOf::Invoice(invoice))
        .await
        .unwrap_err();
    assert!(
        failed.to_string().contains("configureLegalProfile"),
        "{failed}"
    );
    assert!(archived_events(&db, t, invoice).await.is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn folio_serve_archives_each_issued_document_once_its_legal_profile_exists() {
    let db = TestDatabase::new().await;
    let dir = std::env::temp_dir().join(format!("folio-served-blobs-{}", uuid::Uuid::new_v4()));
    let store_setting = format!("file:{}", dir.display());
    let server = Server::start_with(&db, &[("FOLIO_BLOB_STORE", store_setting.as_str())]).await;
    // Issued before the tenant said who it is: the archiver cannot write it yet.
    let (t, invoice) = issued_invoice(&db).await;
    let rows = |db: &TestDatabase| {
        let pool = db.app.pool.clone();
        async move {
            sqlx::query_as::<_, (String, String, i64)>(
                "SELECT format, sha256, size_bytes FROM folio_read.archived_documents
                 WHERE invoice_id = $1 AND credit_note_id IS NULL ORDER BY format",
            )
            .bind(invoice.0)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    let attempts = |db: &TestDatabase| {
        let pool = db.app.pool.clone();
        async move {
            sqlx::query_as::<_, (i32, String)>(
                "SELECT attempts, last_error FROM document_archive_attempts WHERE invoice_id = $1",
            )
            .bind(invoice.0)
            .fetch_optional(&pool)
            .await
            .unwrap()
        }
    };
    let (_, reason) = support::eventually("a failed attempt is recorded", || attempts(&db)).await;
    assert!(reason.contains("configureLegalProfile"), "{reason}");
    // The API shows the failure with its code and the reason.
    let accountant = server.token(t, "alice", Role::Accountant);
    let failed = archive_of_invoice(&server, &accountant, invoice).await;
    assert_eq!(failed["status"], "FAILED", "{failed}");
    let failure = &failed["failure"];
    assert_eq!(failure["code"], "VALIDATION");
    assert!(
        failure["reason"]
            .as_str()
            .unwrap()
            .contains("configureLegalProfile"),
        "{failure}"
    );
    assert!(failure["attempts"].as_u64().unwrap() >= 1, "{failure}");
    assert!(
        failure["nextAttemptAt"].as_str() > failure["lastAttemptAt"].as_str(),
        "{failure}"
    );
    assert!(rows(&db).await.is_empty(), "no legal profile, no archive");
    support::eventually("/metrics counts the failing document", || async {
        let metrics = server.text("/metrics").await;
        (metrics.contains("folio_documents_archive_failing 1")
            && metrics.contains("folio_documents_awaiting_archive 1"))
        .then_some(())
    })
    .await;

    db.app
        .use_cases
        .configure_legal_profile(&ctx(t, "root"), legal_profile())
        .await
        .unwrap();
    let archived = support::eventually("the invoice is archived", || async {
        let found = rows(&db).await;
        (found.len() == 2).then_some(found)
    })
    .await;
    let store = ObjectBlobStore::open(&folio_infra::blob_store::BlobLocation::Directory(
        dir.clone(),
    ))
    .unwrap();
    for (format, sha256, size) in &archived {
        let bytes = store
            .get(&BlobAddress::parse(sha256).unwrap())
            .await
            .unwrap();
        assert_eq!(bytes.len() as i64, *size, "{format}");
    }
    assert_eq!(archived_events(&db, t, invoice).await.len(), 1);
    // The API lists the files with their hashes, and the archive as done.
    let listed = server
        .ok(
            &accountant,
            "query($id: ID!) { invoice(id: $id) { documents { format sha256 sizeBytes contentType } } }",
            json!({"id": invoice.to_string()}),
        )
        .await;
    let expected: Vec<Value> = archived
        .iter()
        .map(|(format, sha256, size)| {
            let content_type = if format == "UBL" { "application/xml" } else { "application/pdf" };
            json!({"format": format, "sha256": sha256, "sizeBytes": size, "contentType": content_type})
        })
        .collect();
    assert_eq!(listed["invoice"]["documents"], json!(expected));
    assert_eq!(
        archive_of_invoice(&server, &accountant, invoice).await,
        json!({"status": "ARCHIVED", "failure": null})
    );
    // Each file downloads through the link this server signed, without a token.
    for (_, sha256, _) in &archived {
        let link = download_url(&server, &accountant, invoice, sha256).await;
        assert!(
            link.starts_with("/documents/"),
            "relative to the API: {link}"
        );
        let response = reqwest::get(format!("{}{link}", server.base))
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{link}");
        let bytes = response.bytes().await.unwrap();
        assert_eq!(
            &BlobAddress::of(&bytes).sha256(),
            sha256,
            "the archived bytes"
        );
        // An altered link is refused with FORBIDDEN, and gives nothing.
        let (rest, signature) = link.split_once("signature=").unwrap();
        let flipped = if signature.starts_with('0') { "1" } else { "0" };
        let altered = format!(
            "{}{rest}signature={flipped}{}",
            server.base,
            &signature[1..]
        );
        let refused = reqwest::get(&altered).await.unwrap();
        assert_eq!(refused.status(), 403, "{altered}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
    }
    support::eventually("the failed attempts are forgotten", || async {
        attempts(&db).await.is_none().then_some(())
    })
    .await;
    std::fs::remove_dir_all(dir).unwrap();
}

/// The `downloadUrl` of the invoice's archived file with hash `sha256`.
async fn download_url(server: &Server, token: &str, invoice: InvoiceId, sha256: &str) -> String {
    let read = server
        .ok(
            token,
            "query($id: ID!) { invoice(id: $id) { documents { sha256 downloadUrl } } }",
            json!({"id": invoice.to_string()}),
        )
        .await;
    let files = read["invoice"]["documents"].as_array().unwrap();
    let file = files.iter().find(|file| file["sha256"] == sha256).unwrap();
    file["downloadUrl"].as_str().unwrap().to_owned()
}

/// The invoice's `archive` as the API shows it, once the invoice is read.
async fn archive_of_invoice(server: &Server, token: &str, invoice: InvoiceId) -> Value {
    const ARCHIVE: &str = "query($id: ID!) { invoice(id: $id) { archive {
        status failure { code reason attempts lastAttemptAt nextAttemptAt } } } }";
    let vars = json!({"id": invoice.to_string()});
    support::eventually("the invoice is read", || async {
        let read = server.ok(token, ARCHIVE, vars.clone()).await;
        (!read["invoice"].is_null()).then(|| read["invoice"]["archive"].clone())
    })
    .await
}

#[tokio::test]
async fn a_draft_has_no_archive_and_issued_documents_are_pending_until_the_archiver_runs() {
    let db = TestDatabase::new().await;
    // The archiver's first round is ten minutes away.
    let server = Server::start_with(&db, &[("FOLIO_STATUS_INTERVAL_MS", "600000")]).await;
    let t = tenant();
    let buyer = customer(&db.app, t, "Acme GmbH").await;
    let invoice = draft(&db.app, t, buyer).await;
    let accountant = server.token(t, "alice", Role::Accountant);
    assert_eq!(
        archive_of_invoice(&server, &accountant, invoice).await,
        Value::Null
    );

    add_line(
        &db.app,
        t,
        invoice,
        line("Consulting", 10, 10_000, vec![vat19()]),
    )
    .await;
    issue(&db.app, t, invoice, None).await;
    server
        .ok(
            &accountant,
            "mutation($id: ID!) { issueCreditNote(idempotencyKey: \"credit\", invoiceId: $id,
                creditNote: {amount: {amount: \"119.00\", currency: \"EUR\"},
                             tax: {code: \"VAT\", percent: \"19\"}, reason: \"discount\"}) { version } }",
            json!({"id": invoice.to_string()}),
        )
        .await;
    let pending = json!({"status": "PENDING", "failure": null});
    let read = support::eventually("the credit note is read", || async {
        let read = server
            .ok(
                &accountant,
                "query($id: ID!) { invoice(id: $id) { archive { status failure { code } }
                    creditNotes { archive { status failure { code } } } } }",
                json!({"id": invoice.to_string()}),
            )
            .await;
        (read["invoice"]["creditNotes"].as_array().map(Vec::len) == Some(1)).then_some(read)
    })
    .await;
    assert_eq!(read["invoice"]["archive"], pending);
    assert_eq!(read["invoice"]["creditNotes"][0]["archive"], pending);
}

#[tokio::test]
async fn an_operator_exports_exactly_the_archived_file_and_a_tampered_one_is_refused() {
    let db = TestDatabase::new().await;
    let (t, invoice) = issued_invoice_of_a_described_seller(&db).await;
    let dir = std::env::temp_dir().join(format!("folio-export-{}", uuid::Uuid::new_v4()));
    let location = folio_infra::blob_store::BlobLocation::Directory(dir.clone());
    let store: Arc<dyn BlobStore> = Arc::new(ObjectBlobStore::open(&location).unwrap());
    let export = |format: &str, out: &Path| {
        let setting = format!("file:{}", dir.display());
        folio_with(
            &db.url,
            &[("FOLIO_BLOB_STORE", setting.as_str())],
            &[
                "documents",
                "export",
                "--tenant",
                &t.to_string(),
                "--invoice",
                &invoice.to_string(),
                "--format",
                format,
                "--out",
                out.to_str().unwrap(),
            ],
        )
    };
    let out = dir.join("exported.pdf");
    // Given an invoice not archived yet, Then there is nothing to export.
    let early = export("factur-x", &out);
    assert!(!early.status.success());
    assert!(
        String::from_utf8_lossy(&early.stderr).contains("not archived"),
        "{early:?}"
    );

    // When it is archived, Then the export is the stored file, whose SHA-256 is the recorded one.
    let files = archiver(&db, store.clone())
        .archive(&archivist(t), DocumentOf::Invoice(invoice))
        .await
        .unwrap();
    for (format, file) in [("factur-x", &files[0]), ("ubl", &files[1])] {
        let exported = export(format, &out);
        assert!(
            exported.status.success(),
            "{}",
            String::from_utf8_lossy(&exported.stderr)
        );
        let sha256sum = run_ok("sha256sum", &[out.to_str().unwrap()]);
        assert_eq!(&sha256sum[..64], file.sha256, "{format}");
    }

    // And a stored file changed behind Folio's back is refused, not exported.
    let stored = dir
        .join("sha256")
        .join(&files[1].sha256[..2])
        .join(&files[1].sha256);
    std::fs::write(&stored, b"<Invoice>forged</Invoice>").unwrap();
    let forged = export("ubl", &out);
    assert!(!forged.status.success());
    assert!(
        String::from_utf8_lossy(&forged.stderr).contains("does not match"),
        "{forged:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// A PNG of `width` x `height` pixels, one colour.
fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb([20, 60, 140]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

const SET_LOGO: &str = "mutation($key: String!, $image: String!) {
    setTenantLogo(idempotencyKey: $key, imageBase64: $image) { version } }";
const READ_LOGO: &str = "{ tenantSettings { logo { sha256 contentType widthPx heightPx } } }";

/// `setTenantLogo` with `image`, as `token`'s holder.
async fn set_logo(server: &Server, token: &str, image: &[u8]) {
    let variables = json!({"key": key(), "image": base64_of(image)});
    server.ok(token, SET_LOGO, variables).await;
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn an_admin_sets_the_logo_and_the_archived_factur_x_prints_it() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let (t, invoice) = issued_invoice(&db).await;
    let admin = server.token(t, "root", Role::Admin);
    let logo = png(240, 80);
    set_logo(&server, &admin, &logo).await;
    assert_eq!(
        server.ok(&admin, READ_LOGO, json!({})).await["tenantSettings"]["logo"],
        json!({"sha256": BlobAddress::of(&logo).sha256(), "contentType": "image/png",
               "widthPx": 240, "heightPx": 80})
    );
    db.app
        .use_cases
        .configure_legal_profile(&ctx(t, "root"), legal_profile())
        .await
        .unwrap();

    let accountant = server.token(t, "alice", Role::Accountant);
    support::eventually("the invoice is archived", || async {
        let archive = archive_of_invoice(&server, &accountant, invoice).await;
        (archive["status"] == "ARCHIVED").then_some(())
    })
    .await;
    let events = archived_events(&db, t, invoice).await;
    let factur_x = events[0]["DocumentArchived"]["files"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let link = download_url(&server, &accountant, invoice, &factur_x).await;
    let pdf = reqwest::get(format!("{}{link}", server.base))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let file = std::env::temp_dir().join(format!("folio-logo-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&file, &pdf).unwrap();
    let images = run_ok("pdfimages", &["-list", file.to_str().unwrap()]);
    std::fs::remove_file(&file).unwrap();
    let sizes: Vec<(String, String)> = images
        .lines()
        .skip(2)
        .map(|row| {
            let columns: Vec<&str> = row.split_whitespace().collect();
            (columns[3].to_owned(), columns[4].to_owned())
        })
        .collect();
    assert_eq!(sizes, [("240".to_owned(), "80".to_owned())], "{images}");
}

#[tokio::test]
async fn a_broken_image_is_refused_and_the_logo_in_force_stays_until_an_admin_removes_it() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let t = tenant();
    let admin = server.token(t, "root", Role::Admin);
    let logo = png(64, 64);
    set_logo(&server, &admin, &logo).await;
    let in_force = server.ok(&admin, READ_LOGO, json!({})).await;

    for (image, wanted) in [
        (base64_of(&logo[..logo.len() / 2]), "decoded"),
        (
            base64_of(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            "PNG or JPEG",
        ),
        ("not base64!".to_owned(), "base64"),
    ] {
        let refused = server
            .gql(&admin, SET_LOGO, json!({"key": key(), "image": image}))
            .await;
        let error = &refused["errors"][0];
        assert_eq!(error["extensions"]["code"], "VALIDATION", "{refused}");
        assert!(
            error["message"].as_str().unwrap().contains(wanted),
            "{refused}"
        );
    }
    let accountant = server.token(t, "alice", Role::Accountant);
    let forbidden = server
        .gql(
            &accountant,
            SET_LOGO,
            json!({"key": key(), "image": base64_of(&png(8, 8))}),
        )
        .await;
    assert_eq!(forbidden["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(server.ok(&admin, READ_LOGO, json!({})).await, in_force);

    server
        .ok(
            &admin,
            "mutation($key: String!) { removeTenantLogo(idempotencyKey: $key) { version } }",
            json!({"key": key()}),
        )
        .await;
    assert_eq!(
        server.ok(&admin, READ_LOGO, json!({})).await["tenantSettings"]["logo"],
        Value::Null
    );
}
