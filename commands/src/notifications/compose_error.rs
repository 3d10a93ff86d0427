//! Why an e-mail could not be composed, and what the sender makes of it:
//! try again later, give up, or skip it (nobody to write to).

use folio_domain::{Coded, ErrorCode};

use super::ports::DueMessage;
use crate::documents::DocumentsError;
use crate::error::CommandError;
use crate::ports::BlobError;
use crate::reads::ReadError;

/// Why an e-mail could not be composed (this time).
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// The invoice's PDF is not archived yet: the archiver writes it shortly.
    #[error("the invoice's PDF is not archived yet; the e-mail waits for it")]
    NotArchivedYet,
    /// The invoice could not be read.
    #[error(transparent)]
    Document(#[from] DocumentsError),
    /// The archived PDF could not be read.
    #[error(transparent)]
    Store(#[from] BlobError),
    /// The outbox message does not name what it is about (a bug in a reactor).
    #[error("the message names nothing to write about: {0}")]
    Malformed(String),
    /// Nobody is left to write to: no address is recorded, or the news is
    /// moot (the expense no longer waits). The message is skipped, not retried.
    #[error("{0}")]
    NobodyToWrite(String),
    /// What the message is about could not be read, for this reason.
    #[error("{reason}")]
    Unreadable {
        /// The reason's stable code.
        code: ErrorCode,
        /// The reason as users see it.
        reason: String,
    },
}

impl ComposeError {
    /// The stable code of the failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            ComposeError::NotArchivedYet => ErrorCode::Unavailable,
            ComposeError::Document(e) => e.code(),
            ComposeError::Store(BlobError::Unavailable(_)) => ErrorCode::Unavailable,
            ComposeError::Store(_) | ComposeError::Malformed(_) => ErrorCode::Internal,
            ComposeError::NobodyToWrite(_) => ErrorCode::Validation,
            ComposeError::Unreadable { code, .. } => *code,
        }
    }

    /// Whether trying again later may work.
    pub fn is_transient(&self) -> bool {
        self.code() == ErrorCode::Unavailable
    }

    /// The failure as users see it: a store's own message is only logged.
    pub fn reason(&self) -> String {
        match self {
            ComposeError::Store(BlobError::Unavailable(_)) => {
                "the document store is unavailable; the e-mail is retried".to_owned()
            }
            ComposeError::Store(_) => {
                "the archived PDF could not be read; the error is logged".to_owned()
            }
            other => other.to_string(),
        }
    }
}

impl ComposeError {
    /// A store's refusal to load what the e-mail is about.
    pub fn unloadable<E: std::error::Error + Coded>(error: CommandError<E>) -> Self {
        ComposeError::Unreadable {
            code: error.code(),
            reason: error.to_string(),
        }
    }

    /// A read model's refusal to answer what the e-mail needs.
    pub fn unreadable(error: ReadError) -> Self {
        ComposeError::Unreadable {
            code: error.code(),
            reason: error.to_string(),
        }
    }
}

impl DueMessage {
    /// The id its payload holds under `key` (`invoice_id`, `endpoint_id`):
    /// a reactor queued it, so one missing or malformed is a bug, reported
    /// as [`ComposeError::Malformed`].
    pub fn payload_id<T: std::str::FromStr>(&self, key: &str) -> Result<T, ComposeError> {
        self.payload[key]
            .as_str()
            .and_then(|id| id.parse().ok())
            .ok_or_else(|| ComposeError::Malformed(self.payload.to_string()))
    }
}
