//! SAT's catalogues in `domain/data/sat/` are exactly what
//! `scripts/sat-catalogues` writes from the pinned `satcfdi` package: nobody
//! edited a code in by hand, and a new pin that changes them shows here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[path = "support/python.rs"]
#[allow(dead_code)] // only its python() is used here
mod python;

#[test]
fn the_sat_catalogues_are_the_ones_satcfdi_ships() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/sat-catalogues");
    let output = std::process::Command::new(python::python())
        .arg(script)
        .arg("--check")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let version = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/domain/data/sat/VERSION"
    ))
    .unwrap();
    assert_eq!(version.trim(), folio_domain::sat::catalogue::VERSION.trim());
}
