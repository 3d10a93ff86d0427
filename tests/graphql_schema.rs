//! `schemas/schema.graphql` is the SDL of the API as built: this test fails when they
//! drift. Regenerate with `FOLIO_WRITE_SCHEMAS=1 cargo test --test graphql_schema`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::BTreeSet;

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

/// What a client can rely on in an SDL, one line each: types with their kind,
/// fields and arguments with their types, input fields, enum values, union members.
/// A line of the published contract missing from the current one is a removal or
/// a change of type; a new required argument or input field is breaking too.
/// Inputs are listed without their outer `!`: an input a client had to send and
/// now may omit breaks nobody, and one it may omit and now must send is caught as
/// newly required.
fn contract(sdl: &str) -> (BTreeSet<String>, BTreeSet<(String, String)>) {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let document = async_graphql::parser::parse_schema(sdl).expect("a valid SDL");
    let mut lines = BTreeSet::new();
    let mut required = BTreeSet::new();
    // `owner` is the line of the field or input type the value belongs to, so a
    // required value of something new is not counted as breaking.
    let mut input =
        |owner: String,
         name: String,
         value: &async_graphql::parser::types::InputValueDefinition| {
            let ty = value.ty.node.to_string();
            if !value.ty.node.nullable && value.default_value.is_none() {
                required.insert((owner, format!("{name}: {ty}")));
            }
            lines.insert(format!("{name}: {}", ty.trim_end_matches('!')));
        };
    let mut plain = BTreeSet::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = ty.node;
        let name = ty.name.node.to_string();
        let fields = match &ty.kind {
            TypeKind::Scalar => {
                plain.insert(format!("scalar {name}"));
                continue;
            }
            TypeKind::Object(object) => {
                plain.insert(format!("type {name}"));
                &object.fields
            }
            TypeKind::Interface(interface) => {
                plain.insert(format!("interface {name}"));
                &interface.fields
            }
            TypeKind::Union(union) => {
                for member in &union.members {
                    plain.insert(format!("union {name} = {}", member.node));
                }
                continue;
            }
            TypeKind::Enum(values) => {
                plain.insert(format!("enum {name}"));
                for value in &values.values {
                    plain.insert(format!("enum {name}.{}", value.node.value.node));
                }
                continue;
            }
            TypeKind::InputObject(object) => {
                plain.insert(format!("input {name}"));
                for field in &object.fields {
                    input(
                        format!("input {name}"),
                        format!("input {name}.{}", field.node.name.node),
                        &field.node,
                    );
                }
                continue;
            }
        };
        for field in fields {
            let field = &field.node;
            let field_line = format!("{name}.{}: {}", field.name.node, field.ty.node);
            for argument in &field.arguments {
                let argument = &argument.node;
                input(
                    field_line.clone(),
                    format!("{name}.{}({})", field.name.node, argument.name.node),
                    argument,
                );
            }
            plain.insert(field_line);
        }
    }
    lines.extend(plain);
    (lines, required)
}

/// The breaking changes from `published` to `current`.
fn breaking_changes(published: &str, current: &str) -> BTreeSet<String> {
    let (before, required_before) = contract(published);
    let (after, required_after) = contract(current);
    let removed = before
        .difference(&after)
        .map(|line| format!("removed {line}"));
    let newly_required = required_after
        .difference(&required_before)
        .filter(|(owner, _)| before.contains(owner))
        .map(|(_, line)| format!("required {line}"));
    removed.chain(newly_required).collect()
}

/// `schemas/schema.published.graphql` is the contract clients were given. Every
/// change of the current schema that breaks it must be listed, with its reason, in
/// `schemas/graphql-breaking-changes.txt`; publishing a release copies the current
/// schema over the published one and empties that list.
#[test]
fn no_breaking_change_to_the_published_schema_unless_listed() {
    let root = env!("CARGO_MANIFEST_DIR");
    let published =
        std::fs::read_to_string(format!("{root}/schemas/schema.published.graphql")).unwrap();
    let listed: BTreeSet<String> =
        std::fs::read_to_string(format!("{root}/schemas/graphql-breaking-changes.txt"))
            .unwrap()
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(str::to_owned)
            .collect();
    let breaking = breaking_changes(&published, &folio_api::sdl());
    let unlisted: Vec<&String> = breaking.difference(&listed).collect();
    assert!(
        unlisted.is_empty(),
        "breaking changes not listed as deliberate in schemas/graphql-breaking-changes.txt:\n{}",
        unlisted
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let stale: Vec<&String> = listed.difference(&breaking).collect();
    assert!(
        stale.is_empty(),
        "listed as breaking but no longer a change; remove from the list:\n{}",
        stale
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn an_input_made_optional_is_not_breaking_but_one_made_required_is() {
    let before = "type Query { a(x: Int!, y: Int): Int } input I { p: Int!, q: Int }";
    let after = "type Query { a(x: Int, y: Int!): Int } input I { p: Int, q: Int! }";
    assert_eq!(
        breaking_changes(before, after)
            .into_iter()
            .collect::<Vec<_>>(),
        vec![
            "required Query.a(y): Int!".to_owned(),
            "required input I.q: Int!".to_owned(),
        ]
    );
}

#[test]
fn a_removed_field_a_changed_type_and_a_new_required_argument_are_breaking() {
    let before = "type Query { a: Int, b(x: Int): String, c: String }";
    let after = "type Query { b(x: Int, y: Int!): String, c: Int }";
    let breaking = breaking_changes(before, after);
    assert_eq!(
        breaking.into_iter().collect::<Vec<_>>(),
        vec![
            "removed Query.a: Int".to_owned(),
            "removed Query.c: String".to_owned(),
            "required Query.b(y): Int!".to_owned(),
        ]
    );
}

/// Every type, field, argument, input field and enum value a client sees says
/// something, except the connection plumbing async-graphql generates (its
/// `*Connection`, `*Edge` and `PageInfo` types document themselves by shape).
#[test]
fn every_type_field_and_argument_has_a_description() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let document = async_graphql::parser::parse_schema(folio_api::sdl()).unwrap();
    let generated =
        |name: &str| name.ends_with("Connection") || name.ends_with("Edge") || name == "PageInfo";
    let mut missing = Vec::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = ty.node;
        let name = ty.name.node.to_string();
        if generated(&name) {
            continue;
        }
        let root = matches!(name.as_str(), "Query" | "Mutation" | "Subscription");
        if ty.description.is_none() && !root {
            missing.push(name.clone());
        }
        let (fields, inputs, values) = match &ty.kind {
            TypeKind::Object(o) => (o.fields.clone(), vec![], vec![]),
            TypeKind::Interface(i) => (i.fields.clone(), vec![], vec![]),
            TypeKind::InputObject(i) => (vec![], i.fields.clone(), vec![]),
            TypeKind::Enum(e) => (vec![], vec![], e.values.clone()),
            _ => (vec![], vec![], vec![]),
        };
        for field in fields {
            let field = field.node;
            if field.description.is_none() {
                missing.push(format!("{name}.{}", field.name.node));
            }
            for argument in field.arguments {
                if argument.node.description.is_none() {
                    missing.push(format!(
                        "{name}.{}({})",
                        field.name.node, argument.node.name.node
                    ));
                }
            }
        }
        for input in inputs {
            if input.node.description.is_none() {
                missing.push(format!("{name}.{}", input.node.name.node));
            }
        }
        for value in values {
            if value.node.description.is_none() {
                missing.push(format!("{name}.{}", value.node.value.node));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} without a description:\n{}",
        missing.len(),
        missing.join("\n")
    );
}
