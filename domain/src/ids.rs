//! Typed identifiers, so that an invoice id can never be passed where a customer id
//! is expected.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// Wraps an existing UUID.
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// A tenant: one customer organisation of Folio; nothing crosses tenants.
    TenantId
);

impl TenantId {
    /// The id this tenant derives for `kind`/`key` (UUID v5 with the tenant
    /// as namespace): the same inputs give the same id in every process and
    /// release, and two tenants never share one.
    pub fn derive(self, kind: &str, key: &str) -> Uuid {
        Uuid::new_v5(&self.0, format!("{kind}/{key}").as_bytes())
    }
}
uuid_id!(
    /// A customer (the party invoiced) of a tenant.
    CustomerId
);
uuid_id!(
    /// An invoice.
    InvoiceId
);
uuid_id!(
    /// One line of an invoice.
    LineId
);
uuid_id!(
    /// A document-level allowance or charge of an invoice (EN 16931 BG-20,
    /// BG-21): removing it from a draft names it.
    AdjustmentId
);
uuid_id!(
    /// A payment received against an invoice.
    PaymentId
);
uuid_id!(
    /// A refund of (part of) a payment.
    RefundId
);
uuid_id!(
    /// A credit note issued against an invoice.
    CreditNoteId
);
uuid_id!(
    /// A move of customer credit from one invoice to another of the same
    /// customer: both invoices record it under this id.
    CreditTransferId
);
uuid_id!(
    /// An expense claim.
    ExpenseId
);

/// A person or system acting in Folio: the subject of their token (e.g. `u-42`).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct UserId(pub String);

impl UserId {
    /// Builds a user id from a subject string.
    pub fn new(subject: impl Into<String>) -> Self {
        UserId(subject.into())
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
uuid_id!(
    /// A tenant's webhook endpoint.
    WebhookEndpointId
);
