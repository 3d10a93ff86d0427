//! The issuer's CSD as the tenant's settings know it: which certificate seals
//! its CFDIs, whose it is and when it is in force. Its files (the key and its
//! password) are kept apart from the events, by the application layer's vault.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::SatError;

/// A CSD installed for sealing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InstalledCsd {
    /// SAT's certificate number (`NoCertificado`), 20 digits.
    pub certificate_number: String,
    /// The RFC the certificate is issued to.
    pub holder_rfc: String,
    /// Its first moment in force.
    pub valid_from: DateTime<Utc>,
    /// Its last moment in force.
    pub valid_until: DateTime<Utc>,
}

impl InstalledCsd {
    /// Checks that the certificate is in force `at` and issued to the
    /// issuer `rfc`: what sealing and installing both require.
    pub fn check_for(&self, rfc: &str, at: DateTime<Utc>) -> Result<(), SatError> {
        if at < self.valid_from || at > self.valid_until {
            return Err(SatError::CertificateNotInForce {
                valid_from: self.valid_from,
                valid_until: self.valid_until,
                at,
            });
        }
        if self.holder_rfc != rfc {
            return Err(SatError::CertificateOfAnotherTaxpayer {
                holder: self.holder_rfc.clone(),
                issuer: rfc.to_owned(),
            });
        }
        Ok(())
    }
}
