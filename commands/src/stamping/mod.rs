//! Mexico's fiscal stamp as a process: an invoice issued under MX is sealed
//! with the tenant's CSD and sent to a PAC by `folio serve`, never inside a
//! command. Every step is recorded on the invoice (`CfdiSealed`, then
//! `CfdiStamped` or `CfdiStampRejected`), and every step can be repeated:
//!
//! - The sealed XML is kept in the blob store and a retry sends those very
//!   bytes, so a PAC that stamped them before (an answer lost on its way)
//!   answers that stamp (SW's 307) instead of a second fiscal folio; and the
//!   invoice refuses a second folio whatever a PAC says.
//! - A PAC that is away, slow or refuses Folio's credentials costs a retry
//!   with backoff, visible with its reason ([`StampReads::failures`]).
//! - A PAC stamps a CFDI only within 72 hours of its `Fecha`. A seal older
//!   than that is sent once more (the PAC may have stamped it: then that stamp
//!   is adopted); refused, the CFDI is sealed anew with a new `Fecha` (the
//!   invoice's issue date stays) and sent.
//! - A PAC's refusal of a fresh seal (a receiver's name SAT does not know,
//!   say) is recorded and stops the process for that invoice until a user asks
//!   again (`requestCfdiStamp`).

mod canceller;
mod failure;
mod ports;
mod process;
mod reads;
mod stamper;

pub use canceller::{
    cancel_requested_cfdis, CancelOutcome, CancellerPorts, CfdiCanceller, RECEIVER_REFUSED,
};
pub use failure::CfdiStepError;
pub use ports::{
    CancelAnswer, CancellationQueue, CancellationStep, CancellationToSend, CfdiToCancel,
    CfdiToStamp, InvoiceCfdi, Pac, PacAnswer, PacError, QueueError, SatCfdiStatus, SatStatusError,
    SatStatusService, SealedCfdiRef, StampQueue,
};
pub use reads::StampReads;
pub use stamper::{stamp_issued_invoices, CfdiStamper, StampOutcome};
