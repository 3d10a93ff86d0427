//! What the stamping process needs from outside: a PAC, and the queue of
//! invoices awaiting their stamp with the process's failed attempts.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use folio_domain::ids::{InvoiceId, TenantId};
use folio_domain::ErrorCode;

use crate::attempts::FailedAttempt;

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

/// A PAC's stamping service.
#[async_trait]
pub trait Pac: Send + Sync + 'static {
    /// Asks for the stamp of the sealed CFDI `cfdi`. Sending the same bytes
    /// again must be safe: the PAC answers the stamp it made of them.
    async fn stamp(&self, cfdi: &[u8]) -> Result<PacAnswer, PacError>;
}

/// The CFDI sealed for an invoice, as its events recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedCfdiRef {
    /// When it was sealed (its `Fecha`).
    pub sealed_at: DateTime<Utc>,
    /// The sealed XML's address in the blob store.
    pub sha256: String,
}

/// An invoice issued under MX whose CFDI is not stamped yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CfdiToStamp {
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// The CFDI sealed for it, once sealed.
    pub sealed: Option<SealedCfdiRef>,
    /// How often stamping it failed so far.
    pub failed_attempts: u32,
}

/// Why the stamp queue could not be read or written: its database did not
/// answer (the process tries again on its next round).
#[derive(Debug, thiserror::Error)]
#[error("the CFDI stamp queue is unavailable")]
pub struct StampQueueError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// The invoices awaiting their stamp, and the process's failed attempts.
#[async_trait]
pub trait StampQueue: Send + Sync + 'static {
    /// Invoices awaiting their stamp that are due (never tried, or their
    /// retry time has come), fewest failures and oldest first, a bounded
    /// number at a time.
    async fn pending(&self) -> Result<Vec<CfdiToStamp>, StampQueueError>;
    /// Records a failed attempt and when to try again.
    async fn failed(
        &self,
        invoice: &CfdiToStamp,
        code: ErrorCode,
        reason: &str,
        retry_in: Duration,
    ) -> Result<(), StampQueueError>;
    /// Forgets the failed attempts of an invoice the PAC answered (stamped
    /// or refused).
    async fn answered(&self, invoice: &CfdiToStamp) -> Result<(), StampQueueError>;
    /// The latest failed attempt of each of `invoices` of `tenant` that has
    /// one.
    async fn failures(
        &self,
        tenant: TenantId,
        invoices: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, FailedAttempt>, StampQueueError>;
}
