//! The issuer's CSD (*Certificado de Sello Digital*): SAT's X.509 certificate
//! in DER and its RSA private key as PKCS#8, encrypted with a password
//! (PBES2: PBKDF2 with HMAC-SHA1, 3DES). Opening it checks that the key is
//! the certificate's; [`InstalledCsd::check_for`] that it is in force and
//! issued to the RFC sealing with it. A seal is RSA PKCS#1 v1.5 over SHA-256 of the
//! cadena original, in base64.

use base64::Engine;
use chrono::{DateTime, Utc};
use folio_domain::sat::InstalledCsd;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::{SignatureEncoding, Signer};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;
use x509_cert::der::{Decode, Encode};
use x509_cert::{Certificate, TbsCertificate};

use super::model::Certificado;

/// The OID of `x500UniqueIdentifier`, where SAT puts the holder's RFC
/// (`RFC / RFC of the legal representative`).
const UNIQUE_IDENTIFIER: &str = "2.5.4.45";

/// Why a CSD's files do not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsdError {
    /// The `.cer` is not an X.509 certificate in DER.
    #[error("the certificate (.cer) is not an X.509 certificate in DER")]
    Certificate,
    /// The `.key` does not open with the password (or is not PKCS#8).
    #[error("the private key (.key) does not open with this password")]
    KeyPassword,
    /// The key is not the certificate's.
    #[error("the private key does not belong to the certificate")]
    KeyMismatch,
}

/// An opened CSD, ready to seal.
pub struct Csd {
    certificate_der: Vec<u8>,
    number: String,
    holder_rfc: String,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
    key: SigningKey<Sha256>,
}

impl std::fmt::Debug for Csd {
    /// The certificate's number and holder; never the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Csd")
            .field("number", &self.number)
            .field("holder_rfc", &self.holder_rfc)
            .finish_non_exhaustive()
    }
}

fn utc(time: x509_cert::time::Time) -> DateTime<Utc> {
    DateTime::<Utc>::from(time.to_system_time())
}

/// The number SAT gives a certificate (`NoCertificado`): its serial's bytes
/// are the number's 20 digits as ASCII.
pub fn certificate_number(tbs: &TbsCertificate) -> Option<String> {
    String::from_utf8(tbs.serial_number.as_bytes().to_vec())
        .ok()
        .filter(|n| n.len() == 20 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The RFC a SAT certificate is issued to: the first part of its subject's
/// `x500UniqueIdentifier` (`RFC / RFC of the legal representative`).
pub fn holder_rfc(tbs: &TbsCertificate) -> Option<String> {
    tbs.subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid.to_string() == UNIQUE_IDENTIFIER)
        .and_then(|atv| std::str::from_utf8(atv.value.value()).ok())
        .and_then(|value| value.split('/').next())
        .map(|rfc| rfc.trim().to_owned())
}

impl Csd {
    /// Opens a CSD: `cer` the certificate (DER), `key` the encrypted PKCS#8
    /// private key (DER), `password` its password.
    pub fn open(cer: &[u8], key: &[u8], password: &str) -> Result<Csd, CsdError> {
        let certificate = Certificate::from_der(cer).map_err(|_| CsdError::Certificate)?;
        let tbs = &certificate.tbs_certificate;
        let number = certificate_number(tbs).ok_or(CsdError::Certificate)?;
        let holder_rfc = holder_rfc(tbs).ok_or(CsdError::Certificate)?;
        let private = RsaPrivateKey::from_pkcs8_encrypted_der(key, password)
            .map_err(|_| CsdError::KeyPassword)?;
        let spki = tbs
            .subject_public_key_info
            .to_der()
            .map_err(|_| CsdError::Certificate)?;
        let public = RsaPublicKey::from_public_key_der(&spki).map_err(|_| CsdError::Certificate)?;
        if RsaPublicKey::from(&private) != public {
            return Err(CsdError::KeyMismatch);
        }
        Ok(Csd {
            certificate_der: cer.to_vec(),
            number,
            holder_rfc,
            not_before: utc(tbs.validity.not_before),
            not_after: utc(tbs.validity.not_after),
            key: SigningKey::<Sha256>::new(private),
        })
    }

    /// What the tenant's settings record of it: number, holder, validity
    /// (whose `check_for` says whether it may seal for an issuer, when).
    pub fn installed(&self) -> InstalledCsd {
        InstalledCsd {
            certificate_number: self.number.clone(),
            holder_rfc: self.holder_rfc.clone(),
            valid_from: self.not_before,
            valid_until: self.not_after,
        }
    }

    /// The certificate as a CFDI names it: number and base64 DER.
    pub fn certificado(&self) -> Certificado {
        Certificado {
            numero: self.number.clone(),
            base64: base64::engine::general_purpose::STANDARD.encode(&self.certificate_der),
        }
    }

    /// The seal of `cadena`: RSA PKCS#1 v1.5 over its SHA-256, in base64.
    pub fn seal(&self, cadena: &str) -> String {
        let signature = self.key.sign(cadena.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(signature.to_bytes())
    }
}
