//! What the stamping and cancelling processes need from outside: a PAC,
//! SAT's status service, and the queues of invoices awaiting their stamp or
//! their cancellation, with each process's failed attempts.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use folio_documents::cfdi::stamp::SatVerification;
use folio_domain::ids::{CreditNoteId, InvoiceId, PaymentId, TenantId};
use folio_domain::invoice::{DocumentOfInvoice, SatCancellationReason};
use folio_domain::ErrorCode;
use uuid::Uuid;

use crate::attempts::FailedAttempt;
use crate::csd::CsdFiles;

/// What a PAC answers a stamp request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacAnswer {
    /// Stamped: the CFDI with its `TimbreFiscalDigital`. `earlier` when the
    /// PAC had stamped these bytes before and answers that stamp again.
    Stamped {
        /// The stamped CFDI.
        cfdi: Vec<u8>,
        /// Whether it is an earlier stamp of the same bytes.
        earlier: bool,
    },
    /// The PAC refuses the CFDI, in its words.
    Rejected {
        /// Its code (e.g. `CFDI40145`, `302`).
        code: String,
        /// Its message.
        message: String,
    },
    /// Past the 72 hours after the CFDI's `Fecha`: it must be sealed anew.
    Expired,
}

/// Why a PAC gave no answer to act on: the process tries again later.
#[derive(Debug, thiserror::Error)]
pub enum PacError {
    /// Unreachable, timed out, or an error of its own (5xx).
    #[error("the PAC is unavailable: {0}")]
    Unavailable(String),
    /// It refuses Folio's credentials (configuration).
    #[error("the PAC refuses Folio's credentials: {0}")]
    Credentials(String),
    /// An answer Folio cannot read.
    #[error("the PAC's answer cannot be read: {0}")]
    Protocol(String),
}

/// A stamped CFDI SAT is asked to cancel, through the PAC.
#[derive(Debug)]
pub struct CancellationToSend<'a> {
    /// The fiscal folio to cancel.
    pub uuid: Uuid,
    /// The issuer's RFC.
    pub issuer_rfc: &'a str,
    /// The issuer's CSD, which signs the request.
    pub csd: &'a CsdFiles,
    /// SAT's reason.
    pub reason: SatCancellationReason,
    /// The replacing folio (reason 01 only).
    pub replacement: Option<Uuid>,
}

/// What a PAC answers a cancellation request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelAnswer {
    /// SAT acknowledged it: its `Acuse`, and the folio's status in it (201
    /// received, 202 cancelled before). Whether the CFDI is cancelled (or
    /// awaits its receiver) SAT's status service tells.
    Acknowledged {
        /// SAT's acknowledgement, as the PAC returned it.
        acuse: Vec<u8>,
        /// `EstatusUUID`.
        status_code: String,
    },
    /// SAT or the PAC refuses it, in its words (SAT's 203-209, say).
    Refused {
        /// The code.
        code: String,
        /// The message.
        message: String,
    },
}

/// A PAC's stamping and cancelling service.
#[async_trait]
pub trait Pac: Send + Sync + 'static {
    /// Asks for the stamp of the sealed CFDI `cfdi`. Sending the same bytes
    /// again must be safe: the PAC answers the stamp it made of them.
    async fn stamp(&self, cfdi: &[u8]) -> Result<PacAnswer, PacError>;
    /// Asks SAT to cancel a stamped CFDI. Asking again is safe: SAT answers
    /// 202 for a folio cancelled before, and 201 again while it decides.
    async fn cancel(&self, request: &CancellationToSend<'_>) -> Result<CancelAnswer, PacError>;
}

/// What SAT's status service says of a CFDI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SatCfdiStatus {
    /// Valid (`Vigente`), with where a cancellation asked stands, if one was
    /// (`En proceso`, `Solicitud rechazada`).
    Valid {
        /// `EstatusCancelacion`, when not empty.
        cancellation: Option<String>,
    },
    /// Cancelled (`Cancelado`).
    Cancelled,
    /// SAT does not know it (yet: a PAC reports a stamp within 72 hours).
    NotFound,
}

/// Why SAT's status service gave no answer to act on.
#[derive(Debug, thiserror::Error)]
pub enum SatStatusError {
    /// Unreachable, timed out, or an error of its own.
    #[error("SAT's status service is unavailable: {0}")]
    Unavailable(String),
    /// An answer Folio cannot read.
    #[error("SAT's status service's answer cannot be read: {0}")]
    Protocol(String),
}

/// SAT's CFDI status service (`ConsultaCFDIService`).
#[async_trait]
pub trait SatStatusService: Send + Sync + 'static {
    /// Where the CFDI `cfdi` names stands at SAT (asked by the expression
    /// printed on it).
    async fn status(&self, cfdi: &SatVerification) -> Result<SatCfdiStatus, SatStatusError>;
}

/// The CFDI sealed for an invoice, as its events recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedCfdiRef {
    /// When it was sealed (its `Fecha`).
    pub sealed_at: DateTime<Utc>,
    /// The sealed XML's address in the blob store.
    pub sha256: String,
}

/// Which CFDI of an invoice issued under MX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvoiceCfdi {
    /// The invoice's own (type I).
    Invoice,
    /// The complement (type P) of one of its payments.
    PaymentComplement {
        /// The payment it states.
        payment_id: PaymentId,
        /// Whether it has its number yet (the stamper numbers it first).
        numbered: bool,
    },
    /// The CFDI (type E) of one of its credit notes, numbered with the note.
    CreditNote {
        /// The credit note.
        credit_note_id: CreditNoteId,
    },
}

impl InvoiceCfdi {
    /// The invoice's document this CFDI is of.
    pub fn document(self) -> DocumentOfInvoice {
        match self {
            InvoiceCfdi::Invoice => DocumentOfInvoice::Invoice,
            InvoiceCfdi::PaymentComplement { payment_id, .. } => {
                DocumentOfInvoice::PaymentComplement { payment_id }
            }
            InvoiceCfdi::CreditNote { credit_note_id } => {
                DocumentOfInvoice::CreditNote { credit_note_id }
            }
        }
    }
}

/// A CFDI of an invoice issued under MX that is not stamped yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CfdiToStamp {
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// Which of its CFDIs.
    pub cfdi: InvoiceCfdi,
    /// The XML sealed for it, once sealed.
    pub sealed: Option<SealedCfdiRef>,
    /// How often stamping it failed so far.
    pub failed_attempts: u32,
}

/// Why the stamp or cancellation queue could not be read or written: its
/// database did not answer (the process tries again on its next round).
#[derive(Debug, thiserror::Error)]
#[error("the CFDI process queue is unavailable")]
pub struct QueueError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// The invoices awaiting their stamp, and the process's failed attempts.
#[async_trait]
pub trait StampQueue: Send + Sync + 'static {
    /// CFDIs awaiting their stamp that are due (never tried, or their retry
    /// time has come), invoices' own, payments' complements and credit
    /// notes', fewest failures and oldest first, a bounded number at a time.
    async fn pending(&self) -> Result<Vec<CfdiToStamp>, QueueError>;
    /// Records a failed attempt and when to try again.
    async fn failed(
        &self,
        cfdi: &CfdiToStamp,
        code: ErrorCode,
        reason: &str,
        retry_in: Duration,
    ) -> Result<(), QueueError>;
    /// Forgets the failed attempts of a CFDI the PAC answered (stamped or
    /// refused).
    async fn answered(&self, cfdi: &CfdiToStamp) -> Result<(), QueueError>;
    /// The latest failed attempt of each of `invoices` of `tenant` whose own
    /// CFDI has one.
    async fn failures(
        &self,
        tenant: TenantId,
        invoices: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, FailedAttempt>, QueueError>;
    /// The latest failed attempt of each of `payments` of `tenant` whose
    /// complement has one.
    async fn complement_failures(
        &self,
        tenant: TenantId,
        payments: &[PaymentId],
    ) -> Result<HashMap<PaymentId, FailedAttempt>, QueueError>;
    /// The latest failed attempt of each of `credit_notes` of `tenant`
    /// whose CFDI has one.
    async fn credit_note_failures(
        &self,
        tenant: TenantId,
        credit_notes: &[CreditNoteId],
    ) -> Result<HashMap<CreditNoteId, FailedAttempt>, QueueError>;
}

/// What the canceller does next for a CFDI whose cancellation SAT has not
/// decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancellationStep {
    /// Send the request to SAT through the PAC (REQUESTED).
    Send {
        /// SAT's reason.
        reason: SatCancellationReason,
        /// The replacing folio (reason 01 only).
        replacement: Option<Uuid>,
    },
    /// Ask SAT's status service whether it decided (SUBMITTED).
    AskSat,
}

/// A stamped invoice whose cancellation SAT has not decided yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CfdiToCancel {
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// The fiscal folio to cancel.
    pub uuid: Uuid,
    /// The stamped CFDI's address in the blob store.
    pub stamped_sha256: String,
    /// What to do next.
    pub step: CancellationStep,
    /// How often the process tried so far without an answer that decides
    /// (failures, and SAT still deciding).
    pub attempts: u32,
}

/// The invoices whose cancellation SAT has not decided, and the process's
/// attempts.
#[async_trait]
pub trait CancellationQueue: Send + Sync + 'static {
    /// Cancellations that are due (never tried, or their next attempt's time
    /// has come), fewest attempts and oldest first, a bounded number at a time.
    async fn pending(&self) -> Result<Vec<CfdiToCancel>, QueueError>;
    /// Records a failed attempt and when to try again.
    async fn failed(
        &self,
        cfdi: &CfdiToCancel,
        code: ErrorCode,
        reason: &str,
        retry_in: Duration,
    ) -> Result<(), QueueError>;
    /// Records that SAT has not decided yet (the receiver has not answered,
    /// say) and when to ask again; not a failure.
    async fn undecided(&self, cfdi: &CfdiToCancel, retry_in: Duration) -> Result<(), QueueError>;
    /// Forgets the attempts at a cancellation once a step is recorded on
    /// the invoice (the request acknowledged, the CFDI cancelled, a refusal).
    async fn answered(&self, cfdi: &CfdiToCancel) -> Result<(), QueueError>;
    /// The latest failed attempt of each of `invoices` of `tenant` whose last
    /// attempt failed.
    async fn failures(
        &self,
        tenant: TenantId,
        invoices: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, FailedAttempt>, QueueError>;
}
