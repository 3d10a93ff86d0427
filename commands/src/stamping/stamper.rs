//! The stamper: seals a CFDI of an invoice (its own, a payment's complement,
//! numbered first, or a credit note's), sends it to the PAC, records the
//! answer; and the loop that does so for every CFDI awaiting its stamp.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use folio_documents::cfdi::stamp::{read_seal, read_stamp, StampReadError};
use folio_domain::invoice::{CfdiFile, CfdiRejection, CfdiSeal, CfdiStamp, StampStep};
use uuid::Uuid;

use super::failure::CfdiStepError;
use super::ports::{CfdiToStamp, InvoiceCfdi, Pac, PacAnswer, StampQueue};
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

    /// Stamps `cfdi` (an invoice's own, a complement, a credit note's): sends
    /// the XML sealed for it, if any; seals it (anew) when there is none, or when
    /// the PAC will not stamp an old one; records the PAC's answer.
    pub async fn stamp(&self, cfdi: &CfdiToStamp) -> Result<StampOutcome, CfdiStepError> {
        let now = self.clock.now();
        if let Some(sealed) = &cfdi.sealed {
            let address = BlobAddress::parse(&sealed.sha256)
                .ok_or_else(|| BlobError::BadAddress(sealed.sha256.clone()))?;
            let xml = self.blobs.get(&address).await?;
            let answer = self.pac.stamp(&xml).await?;
            let expired = now - sealed.sealed_at >= STAMP_WINDOW;
            match answer {
                PacAnswer::Stamped { .. } => return self.record(cfdi, &xml, answer).await,
                PacAnswer::Rejected { .. } if !expired => {
                    return self.record(cfdi, &xml, answer).await
                }
                // The PAC has no stamp of it and makes none: seal it anew.
                PacAnswer::Rejected { .. } | PacAnswer::Expired => {}
            }
        }
        let xml = self.seal(cfdi, now).await?;
        let answer = self.pac.stamp(&xml).await?;
        self.record(cfdi, &xml, answer).await
    }

    /// Seals the CFDI now (a complement numbered first), keeps it in the
    /// blob store and records it.
    async fn seal(&self, cfdi: &CfdiToStamp, now: DateTime<Utc>) -> Result<Vec<u8>, CfdiStepError> {
        let caller = system_caller(cfdi.tenant_id, STAMPER);
        let vault = self.vault.as_ref();
        let sealed = match cfdi.cfdi {
            InvoiceCfdi::Invoice => {
                let invoice = cfdi.invoice_id;
                self.documents.cfdi(&caller, invoice, vault, now).await?
            }
            InvoiceCfdi::PaymentComplement {
                payment_id,
                numbered,
            } => {
                if !numbered {
                    let key = format!("complement-number/{payment_id}");
                    let ctx = step(cfdi.tenant_id, STAMPER, key);
                    self.use_cases
                        .issue_payment_complement(&ctx, cfdi.invoice_id, payment_id)
                        .await?;
                }
                let of = (cfdi.invoice_id, payment_id);
                self.documents
                    .payment_complement(&caller, of, vault, now)
                    .await?
            }
            InvoiceCfdi::CreditNote { credit_note_id } => {
                let of = (cfdi.invoice_id, credit_note_id);
                self.documents
                    .credit_note_cfdi(&caller, of, vault, now)
                    .await?
            }
        };
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
        let sha256 = address.sha256().to_owned();
        self.record_step(cfdi, StampStep::Seal(seal), &sha256)
            .await?;
        Ok(sealed.xml)
    }

    /// Records the PAC's answer to `sent`: its stamp (kept in the blob store,
    /// checked to be of `sent`'s seal) or its refusal.
    async fn record(
        &self,
        cfdi: &CfdiToStamp,
        sent: &[u8],
        answer: PacAnswer,
    ) -> Result<StampOutcome, CfdiStepError> {
        let (code, message) = match answer {
            PacAnswer::Stamped {
                cfdi: stamped,
                earlier,
            } => {
                return self.record_stamp(cfdi, sent, stamped, earlier).await;
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
        let attempt = Uuid::new_v4().to_string();
        self.record_step(cfdi, StampStep::Rejection(rejection), &attempt)
            .await?;
        Ok(StampOutcome::Rejected { code })
    }

    async fn record_stamp(
        &self,
        cfdi: &CfdiToStamp,
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
        let folio = timbre.uuid.to_string();
        self.record_step(cfdi, StampStep::Stamp(stamp), &folio)
            .await?;
        Ok(StampOutcome::Stamped {
            uuid: timbre.uuid,
            earlier,
        })
    }

    /// Records `done` on the invoice for the CFDI it is of, under an
    /// idempotency key that names the CFDI, the step and `tail`.
    async fn record_step(
        &self,
        cfdi: &CfdiToStamp,
        done: StampStep,
        tail: &str,
    ) -> Result<(), CfdiStepError> {
        let what = match &done {
            StampStep::Seal(_) => "seal",
            StampStep::Stamp(_) => "stamp",
            StampStep::Rejection(_) => "rejection",
            StampStep::Request { .. } => "request",
        };
        let of = match cfdi.cfdi {
            InvoiceCfdi::Invoice => format!("cfdi-{what}/{}", cfdi.invoice_id),
            InvoiceCfdi::PaymentComplement { payment_id, .. } => {
                format!("complement-{what}/{payment_id}")
            }
            InvoiceCfdi::CreditNote { credit_note_id } => {
                format!("credit-note-{what}/{credit_note_id}")
            }
        };
        let ctx = step(cfdi.tenant_id, STAMPER, format!("{of}/{tail}"));
        self.use_cases
            .record_stamp_step(&ctx, cfdi.invoice_id, cfdi.cfdi.document(), done)
            .await?;
        Ok(())
    }
}

/// Stamps the CFDIs `queue` finds due (invoices' own, payments'
/// complements, credit notes'), every `interval`, forever. One that fails
/// (the PAC away, no CSD in force) is recorded with the reason and tried
/// again later ([`retry_in`]); nothing else waits for it.
pub async fn stamp_issued_invoices(
    stamper: CfdiStamper,
    queue: Arc<dyn StampQueue>,
    interval: Duration,
) -> std::convert::Infallible {
    loop {
        let due = next_round(interval, "the invoices to stamp", || queue.pending()).await;
        for cfdi in due {
            let recorded = match stamper.stamp(&cfdi).await {
                Ok(outcome) => {
                    tracing::info!(tenant = %cfdi.tenant_id, invoice = %cfdi.invoice_id, which = ?cfdi.cfdi, ?outcome, "the PAC answered");
                    queue.answered(&cfdi).await
                }
                Err(error) => {
                    let failures = cfdi.failed_attempts + 1;
                    tracing::warn!(tenant = %cfdi.tenant_id, invoice = %cfdi.invoice_id, which = ?cfdi.cfdi, failures, %error, "cannot stamp a CFDI yet");
                    let wait = retry_in(interval, failures);
                    queue
                        .failed(&cfdi, error.code(), &error.reason(), wait)
                        .await
                }
            };
            if let Err(error) = recorded {
                tracing::warn!(%error, "cannot record a stamp attempt");
            }
        }
    }
}
