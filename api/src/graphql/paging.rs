//! Relay-style connections over the read models' pages: edges with opaque
//! cursors out (`first`/`after` are read by [`folio_commands::reads::Reads::page`]).

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::OutputType;
use folio_commands::reads::{cursor, DEFAULT_PAGE_SIZE};
use folio_projections::reading::Slice;

/// A list field's result: edges with cursors and page info.
pub type List<T> = Connection<String, T, EmptyFields, EmptyFields>;

/// What one item of a page weighs in a query's complexity: the page size asked
/// for (20 if not given), so `first: 100` costs five times `first: 20`.
pub(crate) fn page_weight(first: Option<i32>) -> usize {
    usize::try_from(first.unwrap_or(DEFAULT_PAGE_SIZE as i32))
        .unwrap_or(0)
        .max(1)
}

/// A page of rows as a connection of GraphQL objects.
pub(crate) fn connection<R, T: OutputType + From<R>>(slice: Slice<R>) -> List<T> {
    let mut connection = Connection::new(slice.offset > 0, slice.has_next);
    connection.edges.extend(
        slice
            .items
            .into_iter()
            .enumerate()
            .map(|(i, row)| Edge::new(cursor(slice.offset + i as i64), T::from(row))),
    );
    connection
}
