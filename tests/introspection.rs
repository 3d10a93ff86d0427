//! The standard introspection query, exactly as graphql-js'
//! `getIntrospectionQuery()` writes it (npm `graphql`, run with the machine's
//! Node.js from what `scripts/npm-packages` unpacked), is answered: GraphiQL's
//! explorer, Apollo tooling, graphql-codegen, Postman and Insomnia can read the
//! schema from the URL. A server started with introspection off says so.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use folio_api::Role;
use serde_json::{json, Value};
use support::server::Server;
use support::{tenant, TestDatabase};

/// graphql-js' introspection query with every option it has turned on.
fn standard_introspection_query() -> String {
    let dir =
        std::process::Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/npm-packages"))
            .arg("dir")
            .output()
            .unwrap();
    let graphql = format!(
        "{}/graphql/package",
        String::from_utf8(dir.stdout).unwrap().trim()
    );
    let script = "const g = require(process.argv[1]);
        process.stdout.write(g.getIntrospectionQuery({descriptions: true, specifiedByUrl: true,
            directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true,
            oneOf: true}));";
    let output = std::process::Command::new("node")
        .args(["-e", script, &graphql])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn the_standard_introspection_query_of_graphql_js_is_answered() {
    let db = TestDatabase::new().await;
    let server = Server::start(&db).await;
    let token = server.token(tenant(), "alice", Role::Accountant);
    let query = standard_introspection_query();
    assert!(query.contains("IntrospectionQuery"), "{query}");
    let body = server.gql(&token, &query, json!({})).await;
    assert_eq!(body["errors"], Value::Null, "{body}");
    let types = body["data"]["__schema"]["types"].as_array().unwrap();
    assert!(
        types.iter().any(|t| t["name"] == "Invoice"),
        "{} types",
        types.len()
    );
}

#[tokio::test]
async fn introspection_turned_off_is_refused_with_a_reason() {
    let db = TestDatabase::new().await;
    let server = Server::start_with(&db, &[("FOLIO_GRAPHQL_INTROSPECTION", "off")]).await;
    let token = server.token(tenant(), "alice", Role::Accountant);
    let body = server
        .gql(&token, &standard_introspection_query(), json!({}))
        .await;
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "VALIDATION", "{body}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("FOLIO_GRAPHQL_INTROSPECTION"),
        "{body}"
    );
    // Data is still served.
    let body = server
        .gql(&token, "{ customers { edges { cursor } } }", json!({}))
        .await;
    assert_eq!(body["errors"], Value::Null, "{body}");
}
