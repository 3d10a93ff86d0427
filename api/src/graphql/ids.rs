//! Global object ids (Relay's Global Object Identification): every `Node` has an
//! opaque `id` that names its type and its UUID, so `node(id:)` can fetch any of
//! them. Clients must treat it as opaque; the raw UUID is a field of its own.

use async_graphql::ID;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use uuid::Uuid;

use crate::error::validation;

/// The kinds of object that have a global id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A customer.
    Customer,
    /// An invoice.
    Invoice,
    /// A credit note.
    CreditNote,
    /// A payment.
    Payment,
    /// An expense.
    Expense,
}

impl NodeKind {
    const ALL: [NodeKind; 5] = [
        NodeKind::Customer,
        NodeKind::Invoice,
        NodeKind::CreditNote,
        NodeKind::Payment,
        NodeKind::Expense,
    ];

    fn name(self) -> &'static str {
        match self {
            NodeKind::Customer => "Customer",
            NodeKind::Invoice => "Invoice",
            NodeKind::CreditNote => "CreditNote",
            NodeKind::Payment => "Payment",
            NodeKind::Expense => "Expense",
        }
    }
}

/// The global id of `kind`'s object `id`: base64url of `Kind:uuid`.
pub fn global_id(kind: NodeKind, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// The kind and UUID a global id names; `VALIDATION` for anything else.
pub fn parse_global_id(id: &ID) -> async_graphql::Result<(NodeKind, Uuid)> {
    let invalid = || validation(format!("'{}' is not an id of this API", id.as_str()));
    let bytes = URL_SAFE_NO_PAD.decode(id.as_str()).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (name, uuid) = text.split_once(':').ok_or_else(invalid)?;
    let kind = NodeKind::ALL
        .into_iter()
        .find(|kind| kind.name() == name)
        .ok_or_else(invalid)?;
    Ok((kind, uuid.parse().map_err(|_| invalid())?))
}

/// Parses a raw UUID argument (`what` names it in the error).
pub fn uuid_arg<T: std::str::FromStr>(id: &ID, what: &str) -> async_graphql::Result<T> {
    id.parse::<T>()
        .map_err(|_| validation(format!("{what} '{}' is not a UUID", id.as_str())).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_global_id_round_trips_for_every_kind() {
        for kind in NodeKind::ALL {
            let id = Uuid::now_v7();
            assert_eq!(parse_global_id(&global_id(kind, id)).unwrap(), (kind, id));
        }
    }

    #[test]
    fn a_raw_uuid_or_garbage_is_not_a_global_id() {
        for bad in [
            Uuid::nil().to_string(),
            "!!".into(),
            URL_SAFE_NO_PAD.encode("Thing:x"),
        ] {
            assert!(parse_global_id(&ID(bad)).is_err());
        }
    }
}
