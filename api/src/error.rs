//! GraphQL errors with a stable `extensions.code` and a message a person can act on.

use async_graphql::{Error, ErrorExtensions};
use folio_commands::{CommandError, Forbidden};
use folio_domain::{Coded, ErrorCode};

/// An error with `code` in its extensions.
pub fn coded(code: ErrorCode, message: impl Into<String>) -> Error {
    let code = code.as_str();
    Error::new(message.into()).extend_with(|_, e| e.set("code", code))
}

/// A refused input.
pub fn validation(message: impl Into<String>) -> Error {
    coded(ErrorCode::Validation, message)
}

/// A role that does not allow the operation.
pub fn forbidden(refusal: Forbidden) -> Error {
    coded(ErrorCode::Forbidden, refusal.to_string())
}

/// A limit exceeded.
pub fn limit(message: impl Into<String>) -> Error {
    coded(ErrorCode::Limit, message)
}

/// A database failure, logged with detail and reported without it.
pub fn unavailable(error: &sqlx::Error) -> Error {
    tracing::error!(%error, "read model query failed");
    coded(
        ErrorCode::Unavailable,
        "the read models are unavailable; retry shortly",
    )
}

/// A command's outcome as a GraphQL error: its code, and its message unless it is
/// internal (details go to the log).
pub fn command<E>(error: CommandError<E>) -> Error
where
    E: Coded + std::error::Error,
{
    let code = error.code();
    if code == ErrorCode::Internal {
        tracing::error!(error = ?error, "command failed");
        return coded(code, "internal error; it was logged");
    }
    coded(code, error.to_string())
}
