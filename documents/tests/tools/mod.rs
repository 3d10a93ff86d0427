//! What the document tests need outside Rust: the Python validators' interpreter
//! and scratch files for the command-line validators to read. Shared by the
//! e-invoice tests and, through `#[path]`, by the PDF crate's tests.

#![allow(dead_code)] // each test binary uses its own part

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The virtualenv's python (`scripts/python-tools`), installed on first use
/// (once per test binary).
pub fn python() -> &'static str {
    static PYTHON: OnceLock<String> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/python-tools");
        let out = Command::new(script)
            .arg("python")
            .output()
            .expect("scripts/python-tools runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    })
}

/// A fresh directory under the system's temporary one, named after `what`.
pub fn scratch(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("folio-{what}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `bytes` written to `dir/name`; its path.
pub fn written(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// SAT's CFDI files as the validators' satcfdi ships them
/// (`.../www.sat.gob.mx/sitio_internet/cfd`: the XSDs and the cadenas' XSLTs).
pub fn sat_files() -> PathBuf {
    let out = Command::new(python())
        .args([
            "-c",
            "import importlib.util, os; print(os.path.dirname(importlib.util.find_spec('satcfdi').origin))",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let package = String::from_utf8(out.stdout).unwrap();
    Path::new(package.trim()).join("transform/schemas/www.sat.gob.mx/sitio_internet/cfd")
}

/// SAT's test CSD (RFC AAA010101AAA, `fixtures/sat-test-csd/`), opened.
pub fn sat_test_csd() -> folio_documents::cfdi::Csd {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/sat-test-csd");
    let cer = std::fs::read(fixtures.join("emisor2021.cer")).unwrap();
    let key = std::fs::read(fixtures.join("emisor2021.key")).unwrap();
    folio_documents::cfdi::Csd::open(&cer, &key, "12345678a").unwrap()
}

/// The standard output of `command`, which must succeed (its output
/// otherwise in the failure).
pub fn run(command: &mut Command) -> String {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{command:?}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Whether `openssl dgst -sha256 -verify` accepts `sello` (base64) as the
/// seal of `cadena` with the public key of SAT's test certificate; the files
/// it reads are written in `dir`.
pub fn openssl_verifies(dir: &Path, cadena: &str, sello: &str) -> bool {
    let cer = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/sat-test-csd/emisor2021.cer");
    let public_key = run(Command::new("openssl")
        .args(["x509", "-inform", "DER", "-pubkey", "-noout", "-in"])
        .arg(&cer));
    let public_key = written(dir, "public.pem", public_key.as_bytes());
    let encoded = written(dir, "sello.b64", sello.as_bytes());
    let signature = dir.join("sello.bin");
    run(Command::new("openssl")
        .args(["base64", "-d", "-A", "-in"])
        .arg(&encoded)
        .arg("-out")
        .arg(&signature));
    let cadena = written(dir, "cadena.txt", cadena.as_bytes());
    Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(&public_key)
        .arg("-signature")
        .arg(&signature)
        .arg(&cadena)
        .output()
        .unwrap()
        .status
        .success()
}
