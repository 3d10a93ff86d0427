//! How deep a query may go, as a schema extension run on the parsed document.
//!
//! Data is bounded by `Limits::max_depth` (each level can multiply the rows
//! read). The schema's description (`__schema`, `__type`) reads no data but nests
//! by the shape of its types: the standard introspection query of graphql-js,
//! which GraphiQL, Apollo tooling, graphql-codegen, Postman and Insomnia send,
//! is 15 levels deep. So introspection has a bound of its own,
//! [`INTROSPECTION_DEPTH`], which admits it and still refuses a hostile nesting
//! of `ofType`. Introspection can be turned off (`FOLIO_GRAPHQL_INTROSPECTION`),
//! with an error that says so instead of "unknown field".

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, Name, ServerError, ServerResult, Variables};
use folio_domain::ErrorCode;

/// Deepest an introspection query may nest: graphql-js' standard query is 15
/// levels with every option on; the room above it is for tools that ask a few
/// more `ofType` levels.
pub const INTROSPECTION_DEPTH: usize = 20;

/// The bounds a document is held to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DepthLimits {
    /// Deepest selection of data.
    pub(crate) data: usize,
    /// Whether `__schema` and `__type` may be asked at all.
    pub(crate) introspection: bool,
}

impl ExtensionFactory for DepthLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for DepthLimits {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let depths = Depths::of(&document);
        if depths.introspection > 0 && !self.introspection {
            return Err(refusal(
                ErrorCode::Validation,
                "introspection is turned off on this server (FOLIO_GRAPHQL_INTROSPECTION); the schema is published as schemas/schema.graphql".into(),
            ));
        }
        if depths.data > self.data {
            return Err(refusal(
                ErrorCode::Limit,
                format!(
                    "Query is nested too deep: {} levels of data, at most {}",
                    depths.data, self.data
                ),
            ));
        }
        if depths.introspection > INTROSPECTION_DEPTH {
            return Err(refusal(
                ErrorCode::Limit,
                format!(
                    "Introspection is nested too deep: {} levels, at most {INTROSPECTION_DEPTH}",
                    depths.introspection
                ),
            ));
        }
        Ok(document)
    }
}

fn refusal(code: ErrorCode, message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code.as_str());
    error.extensions = Some(extensions);
    error
}

/// The deepest data selection and the deepest introspection selection of a
/// document, over all its operations, fragments spread in.
#[derive(Debug, Default, PartialEq, Eq)]
struct Depths {
    data: usize,
    introspection: usize,
}

impl Depths {
    fn of(document: &ExecutableDocument) -> Depths {
        let mut walk = Walk {
            document,
            fragment_depths: HashMap::new(),
            spreading: Vec::new(),
        };
        let mut depths = Depths::default();
        for (_, operation) in document.operations.iter() {
            let mut roots = Vec::new();
            walk.root_fields(&operation.node.selection_set.node, &mut roots);
            for field in roots {
                let depth = 1 + walk.depth(&field.selection_set.node);
                let name = field.name.node.as_str();
                if name == "__schema" || name == "__type" {
                    depths.introspection = depths.introspection.max(depth);
                } else {
                    depths.data = depths.data.max(depth);
                }
            }
        }
        depths
    }
}

/// Walks selections with each fragment's depth computed once, so a document
/// that spreads fragments many times over costs no more than its size. A
/// fragment that spreads itself (invalid, refused by validation next) counts as
/// nothing here instead of looping.
struct Walk<'a> {
    document: &'a ExecutableDocument,
    fragment_depths: HashMap<&'a Name, usize>,
    spreading: Vec<&'a Name>,
}

impl<'a> Walk<'a> {
    /// The fields of an operation's top level, fragments spread in.
    fn root_fields(&mut self, set: &'a SelectionSet, out: &mut Vec<&'a Field>) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => out.push(&field.node),
                Selection::InlineFragment(inline) => {
                    self.root_fields(&inline.node.selection_set.node, out)
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    if self.spreading.contains(&name) {
                        continue;
                    }
                    if let Some(fragment) = self.document.fragments.get(name) {
                        self.spreading.push(name);
                        self.root_fields(&fragment.node.selection_set.node, out);
                        self.spreading.pop();
                    }
                }
            }
        }
    }

    /// Levels of fields below (and including) `set`.
    fn depth(&mut self, set: &'a SelectionSet) -> usize {
        let mut deepest = 0;
        for selection in &set.items {
            let depth = match &selection.node {
                Selection::Field(field) => 1 + self.depth(&field.node.selection_set.node),
                Selection::InlineFragment(inline) => self.depth(&inline.node.selection_set.node),
                Selection::FragmentSpread(spread) => self.fragment(&spread.node.fragment_name.node),
            };
            deepest = deepest.max(depth);
        }
        deepest
    }

    fn fragment(&mut self, name: &'a Name) -> usize {
        if let Some(depth) = self.fragment_depths.get(name) {
            return *depth;
        }
        if self.spreading.contains(&name) {
            return 0;
        }
        let Some(fragment) = self.document.fragments.get(name) else {
            return 0;
        };
        self.spreading.push(name);
        let depth = self.depth(&fragment.node.selection_set.node);
        self.spreading.pop();
        self.fragment_depths.insert(name, depth);
        depth
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn depths(query: &str) -> Depths {
        Depths::of(&parse_query(query).expect("parses"))
    }

    #[test]
    fn data_and_introspection_are_measured_apart_with_fragments_spread_in() {
        assert_eq!(
            depths("{ invoices { edges { node { lines { description } } } } }"),
            Depths {
                data: 5,
                introspection: 0
            }
        );
        assert_eq!(
            depths(
                "query { ...Root } fragment Root on Query { __schema { types { ...T } } }
                 fragment T on __Type { name fields { type { ofType { name } } } }"
            ),
            Depths {
                data: 0,
                introspection: 6
            }
        );
    }

    #[test]
    fn a_fragment_spread_many_times_is_measured_once_and_a_cycle_ends() {
        // Each level spreads the next twice: 2^30 paths, 31 fragments.
        let mut query = String::from("{ ...F0 }");
        for i in 0..30 {
            query.push_str(&format!(
                " fragment F{i} on Query {{ a: invoices {{ ...F{n} }} b: invoices {{ ...F{n} }} }}",
                n = i + 1
            ));
        }
        query.push_str(" fragment F30 on Query { __typename }");
        assert_eq!(depths(&query).data, 31);
        // The fragment counts once inside itself, then stops.
        let cycle = depths("{ ...A } fragment A on Query { invoices { ...A } }");
        assert_eq!(cycle.data, 2);
    }
}
