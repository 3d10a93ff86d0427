//! The canceller: sends a stamped CFDI's cancellation to SAT through the PAC,
//! asks SAT's status service what it decided, records each answer on the
//! invoice; and the loop that does so for every cancellation SAT has not
//! decided.
//!
//! SAT decides, not Folio: within its acceptance-free window it cancels at
//! once; otherwise the receiver has three working days to accept or refuse
//! in SAT's portal, and only SAT's status service says which. So a request
//! acknowledged is asked about until SAT says `Cancelado` (the invoice is
//! void), `Solicitud rechazada` (the receiver refused: the CFDI stays
//! valid), or keeps deciding (asked again later, less often each time).

use std::sync::Arc;
use std::time::Duration;

use folio_documents::cfdi::stamp::{read_verification, SatVerification};
use folio_domain::invoice::{
    CfdiCancellationReceipt, CfdiCancellationRefusal, CfdiFile, InvoiceError,
};
use uuid::Uuid;

use super::failure::CfdiStepError;
use super::ports::{
    CancelAnswer, CancellationQueue, CancellationStep, CancellationToSend, CfdiToCancel, Pac,
    SatCfdiStatus, SatStatusService,
};
use super::process::{step, system_caller, CANCELLER};
use crate::attempts::{next_round, retry_in};
use crate::csd::CsdVault;
use crate::documents::InvoiceDocuments;
use crate::error::CommandError;
use crate::ports::{BlobAddress, BlobError, BlobStore, Clock};
use crate::UseCases;

/// SAT's words for a cancellation its receiver refused.
const RECEIVER_REFUSED_WORDS: &str = "Solicitud rechazada";

/// The refusal code recorded when the receiver refused.
pub const RECEIVER_REFUSED: &str = "RECEIVER_REFUSED";

/// What became of a cancellation this time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelOutcome {
    /// SAT cancelled the CFDI: the invoice is void.
    Cancelled,
    /// SAT, the PAC or the receiver refused it, with this code: the CFDI
    /// stays valid.
    Refused {
        /// The code recorded.
        code: String,
    },
    /// SAT has not decided yet (the receiver has not answered, say).
    Undecided,
}

/// Sends, asks and records, through its ports.
#[derive(Clone, Debug)]
pub struct CfdiCanceller {
    ports: CancellerPorts,
}

/// The ports the canceller works through.
#[derive(Clone)]
pub struct CancellerPorts {
    /// Where the tenant's CSD in force is read.
    pub documents: InvoiceDocuments,
    /// Its files.
    pub vault: Arc<dyn CsdVault>,
    /// Where the stamped CFDI is, and where SAT's acknowledgement is kept.
    pub blobs: Arc<dyn BlobStore>,
    /// The PAC the request goes through.
    pub pac: Arc<dyn Pac>,
    /// SAT's status service.
    pub sat: Arc<dyn SatStatusService>,
    /// Where the steps are recorded.
    pub use_cases: Arc<UseCases>,
    /// The time steps are recorded at.
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for CancellerPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CancellerPorts")
    }
}

impl CfdiCanceller {
    /// The canceller over these ports.
    pub fn new(ports: CancellerPorts) -> Self {
        CfdiCanceller { ports }
    }

    /// Takes `cfdi`'s cancellation one step on: sends the request (and asks
    /// SAT's status at once, as SAT may cancel at once), or asks SAT
    /// whether it decided; records what it answers.
    pub async fn cancel(&self, cfdi: &CfdiToCancel) -> Result<CancelOutcome, CfdiStepError> {
        let address = BlobAddress::parse(&cfdi.stamped_sha256)
            .ok_or_else(|| BlobError::BadAddress(cfdi.stamped_sha256.clone()))?;
        let named = read_verification(&self.ports.blobs.get(&address).await?)?;
        if let CancellationStep::Send {
            reason,
            replacement,
        } = &cfdi.step
        {
            let csd = self
                .ports
                .documents
                .csd_files(
                    &system_caller(cfdi.tenant_id, CANCELLER),
                    self.ports.vault.as_ref(),
                )
                .await?;
            let request = CancellationToSend {
                uuid: cfdi.uuid,
                issuer_rfc: &named.issuer_rfc,
                csd: &csd,
                reason: *reason,
                replacement: *replacement,
            };
            match self.ports.pac.cancel(&request).await? {
                CancelAnswer::Acknowledged { acuse, status_code } => {
                    self.record_receipt(cfdi, acuse, status_code).await?;
                }
                CancelAnswer::Refused { code, message } => {
                    return self.refuse(cfdi, code, message).await;
                }
            }
        }
        self.ask_sat(cfdi, &named).await
    }

    /// Keeps SAT's acknowledgement in the blob store and records it.
    async fn record_receipt(
        &self,
        cfdi: &CfdiToCancel,
        acuse: Vec<u8>,
        status_code: String,
    ) -> Result<(), CfdiStepError> {
        let size_bytes = acuse.len() as u64;
        let address = self.ports.blobs.put(acuse, "application/xml").await?;
        let receipt = CfdiCancellationReceipt {
            acuse: CfdiFile {
                sha256: address.sha256().to_owned(),
                size_bytes,
            },
            status_code,
            received_at: self.ports.clock.now(),
        };
        let key = format!(
            "cfdi-cancellation-receipt/{}/{}",
            cfdi.invoice_id,
            address.sha256()
        );
        let recorded = self
            .ports
            .use_cases
            .record_cfdi_cancellation_receipt(
                &step(cfdi.tenant_id, CANCELLER, key),
                cfdi.invoice_id,
                receipt,
            )
            .await;
        decided_before(recorded)
    }

    /// Asks SAT's status service about `named` and records what it decided.
    async fn ask_sat(
        &self,
        cfdi: &CfdiToCancel,
        named: &SatVerification,
    ) -> Result<CancelOutcome, CfdiStepError> {
        match self.ports.sat.status(named).await? {
            SatCfdiStatus::Cancelled => {
                let key = format!("cfdi-cancelled/{}/{}", cfdi.invoice_id, Uuid::new_v4());
                let recorded = self
                    .ports
                    .use_cases
                    .record_cfdi_cancelled(&step(cfdi.tenant_id, CANCELLER, key), cfdi.invoice_id)
                    .await;
                decided_before(recorded)?;
                Ok(CancelOutcome::Cancelled)
            }
            SatCfdiStatus::Valid {
                cancellation: Some(words),
            } if words == RECEIVER_REFUSED_WORDS => {
                let message = format!("the receiver refused the cancellation (SAT: {words})");
                self.refuse(cfdi, RECEIVER_REFUSED.to_owned(), message)
                    .await
            }
            SatCfdiStatus::Valid { .. } | SatCfdiStatus::NotFound => Ok(CancelOutcome::Undecided),
        }
    }

    /// Records a refusal with `code` and `message`.
    async fn refuse(
        &self,
        cfdi: &CfdiToCancel,
        code: String,
        message: String,
    ) -> Result<CancelOutcome, CfdiStepError> {
        let refusal = CfdiCancellationRefusal {
            code: code.clone(),
            message,
            refused_at: self.ports.clock.now(),
        };
        let key = format!(
            "cfdi-cancellation-refusal/{}/{}",
            cfdi.invoice_id,
            Uuid::new_v4()
        );
        let recorded = self
            .ports
            .use_cases
            .record_cfdi_cancellation_refusal(
                &step(cfdi.tenant_id, CANCELLER, key),
                cfdi.invoice_id,
                refusal,
            )
            .await;
        decided_before(recorded)?;
        Ok(CancelOutcome::Refused { code })
    }
}

/// A step the invoice refuses because the cancellation was decided before
/// (the queue, read from the projection, lags the events) is done.
fn decided_before<T>(recorded: Result<T, CommandError<InvoiceError>>) -> Result<(), CfdiStepError> {
    match recorded {
        Err(CommandError::Rejected(InvoiceError::NoCfdiCancellationPending)) | Ok(_) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

/// Takes every cancellation `queue` finds due one step on, every
/// `interval`, forever. One that fails (the PAC or SAT away, no CSD in force)
/// is recorded with the reason and tried again later; one SAT has not
/// decided is asked about again later, less often each time ([`retry_in`]).
pub async fn cancel_requested_cfdis(
    canceller: CfdiCanceller,
    queue: Arc<dyn CancellationQueue>,
    interval: Duration,
) -> std::convert::Infallible {
    loop {
        let due = next_round(interval, "the CFDIs to cancel", || queue.pending()).await;
        for cfdi in due {
            let attempts = cfdi.attempts + 1;
            let recorded = match canceller.cancel(&cfdi).await {
                Ok(CancelOutcome::Undecided) => {
                    queue.undecided(&cfdi, retry_in(interval, attempts)).await
                }
                Ok(outcome) => {
                    tracing::info!(tenant = %cfdi.tenant_id, invoice = %cfdi.invoice_id, ?outcome, "SAT decided a cancellation");
                    queue.answered(&cfdi).await
                }
                Err(error) => {
                    tracing::warn!(tenant = %cfdi.tenant_id, invoice = %cfdi.invoice_id, attempts, %error, "cannot take a CFDI's cancellation on yet");
                    let wait = retry_in(interval, attempts);
                    queue
                        .failed(&cfdi, error.code(), &error.reason(), wait)
                        .await
                }
            };
            if let Err(error) = recorded {
                tracing::warn!(%error, "cannot record a cancellation attempt");
            }
        }
    }
}
