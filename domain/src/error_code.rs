//! Stable error codes: the contract between every rejection and the API's clients.

use serde::{Deserialize, Serialize};

/// The stable code of a rejection, as clients see it in `extensions.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The input breaks a rule; fix the input and retry.
    Validation,
    /// The thing does not exist (or belongs to another tenant).
    NotFound,
    /// The thing's current state does not allow this (already issued, concurrent change).
    Conflict,
    /// The caller is known but may not do this.
    Forbidden,
    /// The caller is not known.
    Unauthenticated,
    /// A size, rate or time limit was exceeded.
    Limit,
    /// A dependency (the database) is unreachable; retry with the same idempotency key.
    Unavailable,
    /// An unexpected failure; logged on the server, reported without detail.
    Internal,
}

impl ErrorCode {
    /// The code as it appears on the wire, e.g. `"NOT_FOUND"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorCode::Validation => "VALIDATION",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Limit => "LIMIT",
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

/// A domain rejection that knows its stable code.
pub trait Coded {
    /// The stable code clients see for this rejection.
    fn code(&self) -> ErrorCode;
}
