//! A Mexican invoice's fiscal stamp. An invoice issued under MX is a CFDI only
//! once a PAC has stamped it: Folio seals the CFDI with the tenant's CSD
//! ([`InvoiceEvent::CfdiSealed`]: the exact XML sent, kept in the blob store, so
//! a retry sends the very same bytes and a PAC recognises it), and records the
//! PAC's answer: the fiscal folio SAT knows it by ([`InvoiceEvent::CfdiStamped`])
//! or its refusal ([`InvoiceEvent::CfdiStampRejected`]), after which a user may
//! ask again ([`InvoiceEvent::CfdiStampRequested`]). The sealing and the calls
//! happen outside the domain (the application layer's stamper); the domain
//! keeps one rule above all: an invoice has at most one fiscal folio.

use chrono::{DateTime, NaiveDateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Invoice, InvoiceError, InvoiceEvent};

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

impl CfdiStamp {
    fn is_well_formed(&self) -> bool {
        !self.uuid.is_nil()
            && self.xml.is_well_formed()
            && [
                &self.pac_rfc,
                &self.sat_certificate_number,
                &self.cfd_seal,
                &self.sat_seal,
            ]
            .iter()
            .all(|text| !text.trim().is_empty())
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

impl Invoice {
    /// The stamp's state of an invoice issued as a CFDI.
    fn stamp_state(&self) -> Result<&StampState, InvoiceError> {
        self.stamp.as_ref().ok_or(InvoiceError::NotACfdi)
    }

    /// Records the CFDI sealed for the PAC. Sealing the same XML again changes
    /// nothing; a stamped invoice is sealed no more.
    pub(super) fn decide_seal(&self, seal: CfdiSeal) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        if !seal.xml.is_well_formed() || seal.certificate_number.trim().is_empty() {
            return Err(InvoiceError::InvalidCfdiRecord);
        }
        match self.stamp_state()? {
            StampState::Stamped { uuid } => Err(InvoiceError::CfdiAlreadyStamped { uuid: *uuid }),
            StampState::Rejected => Err(InvoiceError::CfdiStampWasRejected),
            StampState::Pending { sealed: Some(sha) } if *sha == seal.xml.sha256 => Ok(vec![]),
            StampState::Pending { .. } => Ok(vec![InvoiceEvent::CfdiSealed(seal)]),
        }
    }

    /// Records the PAC's stamp. The same folio again changes nothing; another
    /// is refused: an invoice has one fiscal folio. A stamp is fiscal fact, so
    /// it is recorded even after a refusal or a void (a PAC that answers late).
    pub(super) fn decide_stamp(&self, stamp: CfdiStamp) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        if !stamp.is_well_formed() {
            return Err(InvoiceError::InvalidCfdiRecord);
        }
        match self.stamp_state()? {
            StampState::Stamped { uuid } if *uuid == stamp.uuid => Ok(vec![]),
            StampState::Stamped { uuid } => Err(InvoiceError::CfdiAlreadyStamped { uuid: *uuid }),
            StampState::Pending { .. } | StampState::Rejected => {
                Ok(vec![InvoiceEvent::CfdiStamped(stamp)])
            }
        }
    }

    /// Records the PAC's refusal of a pending stamp (once).
    pub(super) fn decide_rejection(
        &self,
        rejection: CfdiRejection,
    ) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        if rejection.code.trim().is_empty() {
            return Err(InvoiceError::InvalidCfdiRecord);
        }
        match self.stamp_state()? {
            StampState::Stamped { uuid } => Err(InvoiceError::CfdiAlreadyStamped { uuid: *uuid }),
            StampState::Rejected => Ok(vec![]),
            StampState::Pending { .. } => Ok(vec![InvoiceEvent::CfdiStampRejected(rejection)]),
        }
    }

    /// A user asks for the stamp again after a refusal (the customer's data
    /// corrected, say): the CFDI is sealed anew. Pending already: nothing.
    pub(super) fn decide_stamp_request(
        &self,
        requested_at: DateTime<Utc>,
    ) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        match self.stamp_state()? {
            StampState::Stamped { uuid } => Err(InvoiceError::CfdiAlreadyStamped { uuid: *uuid }),
            StampState::Pending { .. } => Ok(vec![]),
            StampState::Rejected => Ok(vec![InvoiceEvent::CfdiStampRequested { requested_at }]),
        }
    }

    /// The stamp's state after `event`, one of the stamp's own events.
    pub(super) fn fold_stamp(&mut self, event: InvoiceEvent) {
        self.stamp = match event {
            InvoiceEvent::CfdiSealed(seal) => Some(StampState::Pending {
                sealed: Some(seal.xml.sha256),
            }),
            InvoiceEvent::CfdiStamped(stamp) => Some(StampState::Stamped { uuid: stamp.uuid }),
            InvoiceEvent::CfdiStampRejected(_) => Some(StampState::Rejected),
            InvoiceEvent::CfdiStampRequested { .. } => Some(StampState::Pending { sealed: None }),
            _ => return,
        };
    }
}
