//! An invoice's e-invoice as an operator renders it (`folio documents
//! render`), checked by the validators outsiders use: the UBL schemas and the
//! CEN Schematron (`scripts/validate-en16931`).

use folio_domain::ids::TenantId;
use serde_json::{json, Value};

use super::folio;
use super::python::python;

/// The UBL of `invoice`, once it passed the schemas and the CEN Schematron.
pub fn valid_ubl(database_url: &str, tenant: TenantId, invoice: &str) -> String {
    let file = std::env::temp_dir().join(format!("folio-{invoice}-{}.xml", uuid::Uuid::new_v4()));
    let path = file.to_str().unwrap();
    let tenant = tenant.to_string();
    let args = [
        "documents",
        "render",
        "--tenant",
        &tenant,
        "--invoice",
        invoice,
        "--format",
        "ubl",
        "--out",
        path,
    ];
    let out = folio(database_url, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ubl = std::fs::read_to_string(&file).unwrap();
    let validator = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/validate-en16931");
    let verdict = std::process::Command::new(python())
        .args([validator, "ubl", path])
        .output()
        .unwrap();
    std::fs::remove_file(&file).unwrap();
    let verdict: Value = serde_json::from_slice(&verdict.stdout).unwrap();
    assert_eq!(verdict["schema_errors"], json!([]), "{verdict:#}");
    assert_eq!(verdict["failed_asserts"], json!([]), "{verdict:#}");
    ubl
}
