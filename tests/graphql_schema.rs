//! `schemas/schema.graphql` is the SDL of the API as built: this test fails when they
//! drift. Regenerate with `FOLIO_WRITE_SCHEMAS=1 cargo test --test graphql_schema`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[test]
fn schema_graphql_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/schema.graphql");
    let sdl = folio_api::sdl();
    if std::env::var_os("FOLIO_WRITE_SCHEMAS").is_some() {
        std::fs::write(path, &sdl).unwrap();
    }
    let stored = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        stored == sdl,
        "schemas/schema.graphql drifted from the code; rerun with FOLIO_WRITE_SCHEMAS=1"
    );
}
