//! The stamper: seals an invoice's CFDI, sends it to the PAC, records the
//! answer; and the loop that does so for every invoice awaiting its stamp.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use folio_documents::cfdi::stamp::{read_seal, read_stamp, StampReadError};
use folio_domain::invoice::{CfdiFile, CfdiRejection, CfdiSeal, CfdiStamp};
use uuid::Uuid;

use super::failure::CfdiStepError;
use super::ports::{CfdiToStamp, Pac, PacAnswer, StampQueue};
use super::process::{step, system_caller, STAMPER};
use crate::attempts::{next_round, retry_in};
use crate::csd::CsdVault;
use crate::documents::InvoiceDocuments;
use crate::ports::{BlobAddress, BlobError, BlobStore, Clock};
use crate::UseCases;

/// How long after its `Fecha` a PAC stamps a CFDI.
const STAMP_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(72);

/// What became of an invoice's CFDI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StampOutcome {
    /// Stamped with this fiscal folio (`earlier`: the PAC's stamp of the same
    /// bytes from before, adopted).
    Stamped {
        /// The fiscal folio.
        uuid: Uuid,
        /// Whether an earlier stamp was adopted.
        earlier: bool,
    },
    /// The PAC refused it with this code.
    Rejected {
        /// The PAC's code.
        code: String,
    },
}

/// Seals, sends and records.
#[derive(Clone)]
pub struct CfdiStamper {
    documents: InvoiceDocuments,
    vault: Arc<dyn CsdVault>,
    blobs: Arc<dyn BlobStore>,
    pac: Arc<dyn Pac>,
    use_cases: Arc<UseCases>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for CfdiStamper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CfdiStamper")
    }
}

impl CfdiStamper {
    /// The stamper over these ports.
    pub fn new(
        documents: InvoiceDocuments,
        vault: Arc<dyn CsdVault>,
        blobs: Arc<dyn BlobStore>,
        pac: Arc<dyn Pac>,
        use_cases: Arc<UseCases>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        CfdiStamper {
            documents,
            vault,
            blobs,
            pac,
            use_cases,
            clock,
        }
    }

    /// Stamps `invoice`'s CFDI: sends the one sealed for it, if any; seals
    /// it (anew) when there is none, or when the PAC will not stamp an old
    /// one; records the PAC's answer.
    pub async fn stamp(&self, invoice: &CfdiToStamp) -> Result<StampOutcome, CfdiStepError> {
        let now = self.clock.now();
        if let Some(sealed) = &invoice.sealed {
            let address = BlobAddress::parse(&sealed.sha256)
                .ok_or_else(|| BlobError::BadAddress(sealed.sha256.clone()))?;
            let cfdi = self.blobs.get(&address).await?;
            let answer = self.pac.stamp(&cfdi).await?;
            let expired = now - sealed.sealed_at >= STAMP_WINDOW;
            match answer {
                PacAnswer::Stamped { .. } => return self.record(invoice, &cfdi, answer).await,
                PacAnswer::Rejected { .. } if !expired => {
                    return self.record(invoice, &cfdi, answer).await
                }
                // The PAC has no stamp of it and makes none: seal it anew.
                PacAnswer::Rejected { .. } | PacAnswer::Expired => {}
            }
        }
        let cfdi = self.seal(invoice, now).await?;
        let answer = self.pac.stamp(&cfdi).await?;
        self.record(invoice, &cfdi, answer).await
    }

    /// Seals the CFDI now, keeps it in the blob store and records it.
    async fn seal(
        &self,
        invoice: &CfdiToStamp,
        now: DateTime<Utc>,
    ) -> Result<Vec<u8>, CfdiStepError> {
        let sealed = self
            .documents
            .cfdi(
                &system_caller(invoice.tenant_id, STAMPER),
                invoice.invoice_id,
                self.vault.as_ref(),
                now,
            )
            .await?;
        let size_bytes = sealed.xml.len() as u64;
        let address = self
            .blobs
            .put(sealed.xml.clone(), "application/xml")
            .await?;
        let seal = CfdiSeal {
            sealed_at: now,
            certificate_number: sealed.comprobante.certificado.numero.clone(),
            xml: CfdiFile {
                sha256: address.sha256().to_owned(),
                size_bytes,
            },
        };
        let key = format!("cfdi-seal/{}/{}", invoice.invoice_id, address.sha256());
        self.use_cases
            .record_cfdi_seal(
                &step(invoice.tenant_id, STAMPER, key),
                invoice.invoice_id,
                seal,
            )
            .await?;
        Ok(sealed.xml)
    }

    /// Records the PAC's answer to `sent`: its stamp (kept in the blob store,
    /// checked to be of `sent`'s seal) or its refusal.
    async fn record(
        &self,
        invoice: &CfdiToStamp,
        sent: &[u8],
        answer: PacAnswer,
    ) -> Result<StampOutcome, CfdiStepError> {
        let (code, message) = match answer {
            PacAnswer::Stamped { cfdi, earlier } => {
                return self.record_stamp(invoice, sent, cfdi, earlier).await;
            }
            PacAnswer::Rejected { code, message } => (code, message),
            // A seal made just now: the clocks disagree by days.
            PacAnswer::Expired => (
                "401".to_owned(),
                "the PAC found a CFDI sealed just now older than 72 hours; check the clocks"
                    .to_owned(),
            ),
        };
        let rejection = CfdiRejection {
            code: code.clone(),
            message,
            rejected_at: self.clock.now(),
        };
        let key = format!("cfdi-rejection/{}/{}", invoice.invoice_id, Uuid::new_v4());
        self.use_cases
            .record_cfdi_rejection(
                &step(invoice.tenant_id, STAMPER, key),
                invoice.invoice_id,
                rejection,
            )
            .await?;
        Ok(StampOutcome::Rejected { code })
    }

    async fn record_stamp(
        &self,
        invoice: &CfdiToStamp,
        sent: &[u8],
        stamped: Vec<u8>,
        earlier: bool,
    ) -> Result<StampOutcome, CfdiStepError> {
        let timbre = read_stamp(&stamped)?;
        if timbre.sello_cfd != read_seal(sent)? {
            return Err(StampReadError::OtherSeal.into());
        }
        let size_bytes = stamped.len() as u64;
        let address = self.blobs.put(stamped, "application/xml").await?;
        let stamp = CfdiStamp {
            uuid: timbre.uuid,
            stamped_on: timbre.fecha_timbrado,
            pac_rfc: timbre.rfc_prov_certif,
            sat_certificate_number: timbre.no_certificado_sat,
            cfd_seal: timbre.sello_cfd,
            sat_seal: timbre.sello_sat,
            xml: CfdiFile {
                sha256: address.sha256().to_owned(),
                size_bytes,
            },
            recorded_at: self.clock.now(),
        };
        let key = format!("cfdi-stamp/{}/{}", invoice.invoice_id, timbre.uuid);
        self.use_cases
            .record_cfdi_stamp(
                &step(invoice.tenant_id, STAMPER, key),
                invoice.invoice_id,
                stamp,
            )
            .await?;
        Ok(StampOutcome::Stamped {
            uuid: timbre.uuid,
            earlier,
        })
    }
}

/// Stamps the invoices `queue` finds due, every `interval`, forever. An
/// invoice that fails (the PAC away, no CSD in force) is recorded with the
/// reason and tried again later ([`retry_in`]); nothing else waits for it.
pub async fn stamp_issued_invoices(
    stamper: CfdiStamper,
    queue: Arc<dyn StampQueue>,
    interval: Duration,
) -> std::convert::Infallible {
    loop {
        let due = next_round(interval, "the invoices to stamp", || queue.pending()).await;
        for invoice in due {
            let recorded = match stamper.stamp(&invoice).await {
                Ok(outcome) => {
                    tracing::info!(tenant = %invoice.tenant_id, invoice = %invoice.invoice_id, ?outcome, "the PAC answered");
                    queue.answered(&invoice).await
                }
                Err(error) => {
                    let failures = invoice.failed_attempts + 1;
                    tracing::warn!(tenant = %invoice.tenant_id, invoice = %invoice.invoice_id, failures, %error, "cannot stamp a CFDI yet");
                    let wait = retry_in(interval, failures);
                    queue
                        .failed(&invoice, error.code(), &error.reason(), wait)
                        .await
                }
            };
            if let Err(error) = recorded {
                tracing::warn!(%error, "cannot record a stamp attempt");
            }
        }
    }
}
