//! Relay-style connections over the read models' pages: `first`/`after` in,
//! edges with opaque cursors out, the page size bounded by the limits.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::OutputType;
use folio_projections::reading::{Page, Slice};

use crate::error::{limit, validation};
use crate::graphql::Limits;

/// A list field's result: edges with cursors and page info.
pub type List<T> = Connection<String, T, EmptyFields, EmptyFields>;

/// The page size `first` asks for (20 if not given), within the limit.
pub(crate) fn page_size(limits: &Limits, first: Option<i32>) -> async_graphql::Result<i64> {
    let first = first.unwrap_or(20);
    if first < 0 {
        return Err(validation("first cannot be negative"));
    }
    let first = first as usize;
    if first > limits.max_page_size {
        return Err(limit(format!(
            "first is {first}; pages hold at most {} items",
            limits.max_page_size
        )));
    }
    Ok(first as i64)
}

/// The page that `first` and `after` (a cursor of the same list) ask for.
pub(crate) fn page(
    limits: &Limits,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Page> {
    let limit = page_size(limits, first)?;
    let offset = match after {
        None => 0,
        Some(cursor) => cursor
            .parse::<i64>()
            .ok()
            .filter(|o| *o >= 0)
            .map(|o| o + 1)
            .ok_or_else(|| validation(format!("'{cursor}' is not a cursor from this list")))?,
    };
    Ok(Page { offset, limit })
}

/// A page of rows as a connection of GraphQL objects.
pub(crate) fn connection<R, T: OutputType + From<R>>(slice: Slice<R>) -> List<T> {
    let mut connection = Connection::new(slice.offset > 0, slice.has_next);
    connection.edges.extend(
        slice
            .items
            .into_iter()
            .enumerate()
            .map(|(i, row)| Edge::new((slice.offset + i as i64).to_string(), T::from(row))),
    );
    connection
}
