//! Why a step of a CFDI's stamp or cancellation was not done this time (the
//! process records it as a failed attempt and tries again later), and what
//! users see of it.

use folio_documents::cfdi::stamp::StampReadError;
use folio_domain::invoice::InvoiceError;
use folio_domain::ErrorCode;

use super::ports::{PacError, SatStatusError};
use crate::documents::DocumentsError;
use crate::error::CommandError;
use crate::ports::BlobError;

/// Why a step of a CFDI's stamp or cancellation was not done this time.
#[derive(Debug, thiserror::Error)]
pub enum CfdiStepError {
    /// The CFDI cannot be sealed, or the CSD cannot be found (none in force,
    /// the store away).
    #[error(transparent)]
    Document(#[from] DocumentsError),
    /// The blob store failed.
    #[error(transparent)]
    Store(#[from] BlobError),
    /// The PAC gave no answer to act on.
    #[error(transparent)]
    Pac(#[from] PacError),
    /// SAT's status service gave no answer to act on.
    #[error(transparent)]
    Sat(#[from] SatStatusError),
    /// A stamped CFDI cannot be read, or is not of the CFDI sent.
    #[error(transparent)]
    Answer(#[from] StampReadError),
    /// A step could not be recorded on the invoice.
    #[error(transparent)]
    Record(#[from] CommandError<InvoiceError>),
}

impl CfdiStepError {
    /// The stable code of the failure, as the process's state shows it.
    pub fn code(&self) -> ErrorCode {
        match self {
            CfdiStepError::Document(e) => e.code(),
            CfdiStepError::Store(BlobError::Unavailable(_))
            | CfdiStepError::Pac(PacError::Unavailable(_) | PacError::Credentials(_))
            | CfdiStepError::Sat(SatStatusError::Unavailable(_)) => ErrorCode::Unavailable,
            CfdiStepError::Store(_)
            | CfdiStepError::Pac(PacError::Protocol(_))
            | CfdiStepError::Sat(SatStatusError::Protocol(_))
            | CfdiStepError::Answer(_) => ErrorCode::Internal,
            CfdiStepError::Record(e) => e.code(),
        }
    }

    /// The failure as users may see it: a PAC's, SAT's or a store's own
    /// message (addresses, hosts) is only logged.
    pub fn reason(&self) -> String {
        let words = match self {
            CfdiStepError::Document(e) => return e.to_string(),
            CfdiStepError::Record(e) => return e.to_string(),
            CfdiStepError::Store(BlobError::Unavailable(_)) => {
                "the document store is unavailable; Folio tries again"
            }
            CfdiStepError::Store(_) => "the document store failed; the error is logged",
            CfdiStepError::Pac(PacError::Unavailable(_)) => {
                "the PAC is unavailable; Folio tries again"
            }
            CfdiStepError::Pac(PacError::Credentials(_)) => {
                "the PAC refuses Folio's credentials (FOLIO_PAC_USER, FOLIO_PAC_PASSWORD); Folio tries again"
            }
            CfdiStepError::Pac(PacError::Protocol(_)) | CfdiStepError::Answer(_) => {
                "the PAC's answer cannot be read; the error is logged and Folio tries again"
            }
            CfdiStepError::Sat(SatStatusError::Unavailable(_)) => {
                "SAT's status service is unavailable; Folio asks again"
            }
            CfdiStepError::Sat(SatStatusError::Protocol(_)) => {
                "SAT's status service's answer cannot be read; the error is logged and Folio asks again"
            }
        };
        words.to_owned()
    }
}
