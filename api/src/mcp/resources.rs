//! The documents an assistant can read to understand what the tools return: the
//! read models' documentation and the GraphQL schema. They are the files of the
//! repository, built into the binary, so they always match the running version.

use rmcp::model::{ReadResourceResult, Resource, ResourceContents};

/// One resource: its URI, name, what it is, its MIME type and its text.
struct Document {
    uri: &'static str,
    name: &'static str,
    description: &'static str,
    mime_type: &'static str,
    text: &'static str,
}

const DOCUMENTS: [Document; 2] = [
    Document {
        uri: "folio://docs/read-models",
        name: "read-models",
        description: "The read models: every table and view the read tools and BI query, \
            column by column, with what each status and amount means.",
        mime_type: "text/markdown",
        text: include_str!("../../../schemas/read_models.md"),
    },
    Document {
        uri: "folio://docs/graphql-schema",
        name: "graphql-schema",
        description: "The GraphQL schema (SDL) of the same API, with every field documented.",
        mime_type: "application/graphql",
        text: include_str!("../../../schemas/schema.graphql"),
    },
];

/// Every resource, for `resources/list`.
pub fn list() -> Vec<Resource> {
    DOCUMENTS
        .iter()
        .map(|d| {
            Resource::new(d.uri, d.name)
                .with_description(d.description)
                .with_mime_type(d.mime_type)
                .with_size(d.text.len() as u64)
        })
        .collect()
}

/// The resource at `uri`, or `None` if there is none such.
pub fn read(uri: &str) -> Option<ReadResourceResult> {
    DOCUMENTS.iter().find(|d| d.uri == uri).map(|d| {
        ReadResourceResult::new(vec![
            ResourceContents::text(d.text, d.uri).with_mime_type(d.mime_type)
        ])
    })
}
