//! A Mexican invoice's fiscal stamp. An invoice issued under MX is a CFDI only
//! once a PAC has stamped it: Folio seals the CFDI with the tenant's CSD
//! ([`CfdiSealed`]: the exact XML sent, kept in the blob store, so a retry
//! sends the very same bytes and a PAC recognises it), and records the PAC's
//! answer: the fiscal folio SAT knows it by ([`CfdiStamped`]) or its refusal
//! ([`CfdiStampRejected`]), after which a user may ask again
//! ([`CfdiStampRequested`]). The sealing and the calls happen outside the
//! domain (the application layer's stamper); the domain keeps one rule above
//! all: an invoice has at most one fiscal folio.
//!
//! [`CfdiSealed`]: super::InvoiceEvent::CfdiSealed
//! [`CfdiStamped`]: super::InvoiceEvent::CfdiStamped
//! [`CfdiStampRejected`]: super::InvoiceEvent::CfdiStampRejected
//! [`CfdiStampRequested`]: super::InvoiceEvent::CfdiStampRequested

use chrono::{DateTime, NaiveDateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::InvoiceError;

/// A file of the CFDI in the blob store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CfdiFile {
    /// SHA-256 of the bytes, 64 lowercase hex digits: their address in the
    /// blob store.
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: u64,
}

impl CfdiFile {
    pub(super) fn is_well_formed(&self) -> bool {
        self.sha256.len() == 64
            && self
                .sha256
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            && self.size_bytes > 0
    }
}

/// The CFDI as sealed for the PAC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CfdiSeal {
    /// When it was sealed (UTC): its `Fecha`, in the place of issue's time,
    /// is this instant, and a PAC stamps it only within 72 hours of it.
    pub sealed_at: DateTime<Utc>,
    /// The issuer's certificate it is sealed with (`NoCertificado`).
    pub certificate_number: String,
    /// The sealed XML.
    pub xml: CfdiFile,
}

/// A PAC's stamp: the `TimbreFiscalDigital` that makes the CFDI valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CfdiStamp {
    /// The fiscal folio (`UUID`) SAT knows the invoice by.
    pub uuid: Uuid,
    /// `FechaTimbrado` as the PAC wrote it: Mexico's central time, no zone.
    pub stamped_on: NaiveDateTime,
    /// The PAC's RFC (`RfcProvCertif`).
    pub pac_rfc: String,
    /// The certificate the PAC signed with (`NoCertificadoSAT`).
    pub sat_certificate_number: String,
    /// The issuer's seal the stamp covers (`SelloCFD`).
    pub cfd_seal: String,
    /// The PAC's seal over the stamp (`SelloSAT`).
    pub sat_seal: String,
    /// The stamped CFDI: the sealed XML with its `TimbreFiscalDigital`.
    pub xml: CfdiFile,
    /// When Folio recorded it.
    pub recorded_at: DateTime<Utc>,
}

impl CfdiSeal {
    /// Refuses a seal without a well-formed file or a certificate.
    fn check(&self) -> Result<(), InvoiceError> {
        if self.xml.is_well_formed() && !self.certificate_number.trim().is_empty() {
            Ok(())
        } else {
            Err(InvoiceError::InvalidCfdiRecord)
        }
    }
}

impl CfdiStamp {
    /// Refuses a stamp without a folio, a well-formed file or its seals.
    fn check(&self) -> Result<(), InvoiceError> {
        let complete = !self.uuid.is_nil()
            && self.xml.is_well_formed()
            && [
                &self.pac_rfc,
                &self.sat_certificate_number,
                &self.cfd_seal,
                &self.sat_seal,
            ]
            .iter()
            .all(|text| !text.trim().is_empty());
        if complete {
            Ok(())
        } else {
            Err(InvoiceError::InvalidCfdiRecord)
        }
    }
}

/// A PAC's refusal to stamp, in its own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CfdiRejection {
    /// The PAC's error code (SAT's validation codes, e.g. `CFDI40145`).
    pub code: String,
    /// The PAC's message.
    pub message: String,
    /// When it refused.
    pub rejected_at: DateTime<Utc>,
}

impl CfdiRejection {
    /// Refuses a refusal without the PAC's code.
    fn check(&self) -> Result<(), InvoiceError> {
        if self.code.trim().is_empty() {
            Err(InvoiceError::InvalidCfdiRecord)
        } else {
            Ok(())
        }
    }
}

/// A step of a CFDI's stamp, as the stamper or a user records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StampStep {
    /// Sealed for the PAC.
    Seal(CfdiSeal),
    /// Stamped by the PAC.
    Stamp(CfdiStamp),
    /// Refused by the PAC.
    Rejection(CfdiRejection),
    /// Asked for again by a user after a refusal.
    Request {
        /// When.
        requested_at: DateTime<Utc>,
    },
}

/// Where the stamp of an invoice issued under MX stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StampState {
    /// To be stamped; `sealed` names the XML sealed for it, once sealed.
    Pending {
        /// SHA-256 of the sealed XML.
        sealed: Option<String>,
    },
    /// Stamped: the invoice's one fiscal folio.
    Stamped {
        /// The fiscal folio.
        uuid: Uuid,
    },
    /// The PAC refused it; nothing is sent until a user asks again.
    Rejected,
}

/// The rules every CFDI of an invoice (the invoice's own, a payment's
/// complement) stamps by: each answers whether a step changes anything, or why
/// it is refused. One fiscal folio per CFDI above all.
impl StampState {
    /// Sealing `sha256`: a change unless it is the XML sealed already; refused
    /// once stamped, or refused until a user asks again.
    fn seals(&self, sha256: &str) -> Result<bool, InvoiceError> {
        match self {
            StampState::Stamped { uuid } => Err(InvoiceError::CfdiAlreadyStamped { uuid: *uuid }),
            StampState::Rejected => Err(InvoiceError::CfdiStampWasRejected),
            StampState::Pending { sealed } => Ok(sealed.as_deref() != Some(sha256)),
        }
    }

    /// The PAC's stamp with folio `uuid`: the same folio again changes
    /// nothing, another is refused. A stamp is fiscal fact, so it is recorded
    /// even after a refusal (a PAC that answers late).
    fn stamps(&self, uuid: Uuid) -> Result<bool, InvoiceError> {
        match self {
            StampState::Stamped { uuid: folio } if *folio == uuid => Ok(false),
            StampState::Stamped { uuid: folio } => {
                Err(InvoiceError::CfdiAlreadyStamped { uuid: *folio })
            }
            StampState::Pending { .. } | StampState::Rejected => Ok(true),
        }
    }

    /// The PAC's refusal: recorded once, never after a stamp.
    fn is_refused(&self) -> Result<bool, InvoiceError> {
        match self {
            StampState::Stamped { uuid } => Err(InvoiceError::CfdiAlreadyStamped { uuid: *uuid }),
            StampState::Rejected => Ok(false),
            StampState::Pending { .. } => Ok(true),
        }
    }

    /// A user asking for the stamp again: a change only after a refusal.
    fn is_asked_again(&self) -> Result<bool, InvoiceError> {
        match self {
            StampState::Stamped { uuid } => Err(InvoiceError::CfdiAlreadyStamped { uuid: *uuid }),
            StampState::Pending { .. } => Ok(false),
            StampState::Rejected => Ok(true),
        }
    }
}

impl StampState {
    /// Whether `step` changes this stamp, once its parts are checked, or why
    /// it is refused.
    pub(super) fn takes(&self, step: &StampStep) -> Result<bool, InvoiceError> {
        match step {
            StampStep::Seal(seal) => {
                seal.check()?;
                self.seals(&seal.xml.sha256)
            }
            StampStep::Stamp(stamp) => {
                stamp.check()?;
                self.stamps(stamp.uuid)
            }
            StampStep::Rejection(rejection) => {
                rejection.check()?;
                self.is_refused()
            }
            StampStep::Request { .. } => self.is_asked_again(),
        }
    }
}

impl StampState {
    /// The state a CFDI's stamp is in once `step` is recorded.
    pub(super) fn after(step: &StampStep) -> StampState {
        match step {
            StampStep::Seal(seal) => StampState::Pending {
                sealed: Some(seal.xml.sha256.clone()),
            },
            StampStep::Stamp(stamp) => StampState::Stamped { uuid: stamp.uuid },
            StampStep::Rejection(_) => StampState::Rejected,
            StampStep::Request { .. } => StampState::Pending { sealed: None },
        }
    }
}
