//! Why a command did not take effect.

use folio_domain::{Coded, ErrorCode};

use crate::access::Forbidden;

/// A command that did not take effect. Nothing was written in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum CommandError<E: std::error::Error> {
    /// The domain refused the command; the inner error says which rule.
    #[error(transparent)]
    Rejected(E),
    /// The caller's roles do not allow the use case; checked before anything is
    /// read, so a refusal reveals nothing about the target.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// The aggregate changed since the caller read it (expected version given), or
    /// concurrent writers kept winning until the retry budget ran out.
    #[error("the {aggregate_type} was changed concurrently ({}, found {actual}); reload and retry", expected_version(.expected))]
    Conflict {
        /// The aggregate's type.
        aggregate_type: String,
        /// The version the caller expected, if it gave one.
        expected: Option<u64>,
        /// The version found.
        actual: u64,
    },
    /// The aggregate belongs to another tenant (reported exactly like a missing one).
    #[error("{aggregate_type} not found")]
    NotFound {
        /// The aggregate's type.
        aggregate_type: String,
    },
    /// The idempotency key was used before for a different request.
    #[error("idempotency key '{key}' was already used for a different request")]
    IdempotencyKeyReused {
        /// The key.
        key: String,
    },
    /// The request itself is malformed before any rule applies (bad id, empty key).
    #[error("{0}")]
    InvalidRequest(String),
    /// The store could not be reached; the command may be retried with the same key.
    #[error("the event store is unavailable; retry with the same idempotency key")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Something unexpected; logged with its cause, reported without detail.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl<E: std::error::Error + Coded> CommandError<E> {
    /// The stable code the client sees.
    pub fn code(&self) -> ErrorCode {
        match self {
            CommandError::Rejected(e) => e.code(),
            CommandError::Forbidden(_) => ErrorCode::Forbidden,
            CommandError::Conflict { .. } => ErrorCode::Conflict,
            CommandError::NotFound { .. } => ErrorCode::NotFound,
            CommandError::IdempotencyKeyReused { .. } => ErrorCode::Conflict,
            CommandError::InvalidRequest(_) => ErrorCode::Validation,
            CommandError::Unavailable(_) => ErrorCode::Unavailable,
            CommandError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The domain rejection, if that is what this is.
    pub fn rejection(&self) -> Option<&E> {
        match self {
            CommandError::Rejected(e) => Some(e),
            _ => None,
        }
    }
}

impl<E: std::error::Error> CommandError<E> {
    /// The same failure for a use case whose rejections are of another type
    /// (one that runs a command on a second aggregate): `rejected` says what
    /// a rejection becomes; every other failure stays as it is.
    pub fn map_rejection<F: std::error::Error>(
        self,
        rejected: impl FnOnce(E) -> CommandError<F>,
    ) -> CommandError<F> {
        match self {
            CommandError::Rejected(e) => rejected(e),
            CommandError::Forbidden(e) => CommandError::Forbidden(e),
            CommandError::Conflict {
                aggregate_type,
                expected,
                actual,
            } => CommandError::Conflict {
                aggregate_type,
                expected,
                actual,
            },
            CommandError::NotFound { aggregate_type } => CommandError::NotFound { aggregate_type },
            CommandError::IdempotencyKeyReused { key } => {
                CommandError::IdempotencyKeyReused { key }
            }
            CommandError::InvalidRequest(message) => CommandError::InvalidRequest(message),
            CommandError::Unavailable(e) => CommandError::Unavailable(e),
            CommandError::Internal(e) => CommandError::Internal(e),
        }
    }
}

/// How a conflict names the version the caller expected: `expected version 5`,
/// or that it pinned none.
fn expected_version(expected: &Option<u64>) -> String {
    match expected {
        Some(version) => format!("expected version {version}"),
        None => "no version was expected; concurrent writers kept winning".to_owned(),
    }
}
