//! Mexico's tax data, as SAT's CFDI 4.0 asks for it: who issues (the
//! tenant's [`SatIssuer`]), who receives (a customer's [`SatReceiver`], beside
//! its RFC and its name), what each line sells ([`SatLineKeys`]) and how the
//! invoice is paid ([`SatPaymentTerms`]).
//!
//! Every code is checked against SAT's catalogues ([`catalogue`], data files
//! in the repository) and against the rules that join them: a regime is for
//! natural or legal persons (the RFC's length says which the holder is), a
//! CFDI use is allowed only with some receiver regimes, `PPD` (paid later or
//! in instalments) takes the form of payment `99` (to be defined) and `PUE`
//! (paid at once) any other. The rules that need the whole invoice (every
//! line keyed, its taxes SAT's) are [`check_invoice`]'s.
//!
//! Names are as SAT's registry has them (CFDI 4.0 checks them against it):
//! for a company without its legal form, e.g. `ESCUELA KEMPER URGATE`, not
//! `Escuela Kemper Urgate, S.A. de C.V.`.

pub mod catalogue;
mod certificate;
mod invoice;
pub mod rfc;
#[cfg(test)]
mod tests;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error_code::{Coded, ErrorCode};
use rfc::Person;

pub use certificate::InstalledCsd;
pub use invoice::{check_invoice, sat_tax, CfdiLine, CfdiParties, SatTaxLine};

/// Longest name CFDI 4.0 takes (`Nombre` of `Emisor` and `Receptor`).
pub const MAX_NAME: usize = 254;

/// The tenant as the issuer of its CFDIs (`Emisor`, and `LugarExpedicion`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SatIssuer {
    /// The RFC, upper case; the tenant's certificate (CSD) must be issued to it.
    pub rfc: String,
    /// The name as SAT's registry has it (see the module docs).
    pub name: String,
    /// The tax regime (c_RegimenFiscal), e.g. `601`.
    pub tax_regime: String,
    /// The postal code invoices are issued from (`LugarExpedicion`,
    /// c_CodigoPostal); its time zone is the one a CFDI's date is in.
    pub postal_code: String,
}

/// A Mexican customer as the receiver of CFDIs (`Receptor`), besides its RFC
/// (the customer's tax id) and its name (the customer's, which must be SAT's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SatReceiver {
    /// Its tax regime (c_RegimenFiscal), e.g. `601`; `616` for the general
    /// public.
    pub tax_regime: String,
    /// The postal code of its tax address (`DomicilioFiscalReceptor`).
    pub postal_code: String,
    /// What it uses invoices for unless an invoice says otherwise
    /// (c_UsoCFDI), e.g. `G03` for general expenses.
    pub cfdi_use: String,
}

/// What a line sells in SAT's terms.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct SatLineKeys {
    /// The product or service key (c_ClaveProdServ), e.g. `84111506`.
    pub product_key: String,
    /// The unit key (c_ClaveUnidad), e.g. `E48` for a unit of service.
    pub unit_key: String,
    /// Whether the line is subject to tax (c_ObjetoImp); absent: `02` for a
    /// line that carries taxes, `01` for one that carries none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_object: Option<String>,
}

/// How an invoice is paid (c_MetodoPago).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, strum::Display,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum SatPaymentMethod {
    /// `PUE`: paid in one payment when issued (or by the 17th of the next
    /// month).
    Pue,
    /// `PPD`: paid later or in instalments; each payment gets a payment
    /// complement.
    #[default]
    Ppd,
}

/// A Mexican invoice's payment terms and use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SatPaymentTerms {
    /// `PUE` or `PPD`.
    pub payment_method: SatPaymentMethod,
    /// The form of payment (c_FormaPago): `99` (to be defined) with `PPD`,
    /// how it was paid with `PUE`, e.g. `03` for a transfer.
    pub payment_form: String,
    /// The receiver's use (c_UsoCFDI); absent: the customer's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cfdi_use: Option<String>,
}

impl Default for SatPaymentTerms {
    /// Paid later, form to be defined, the customer's use: what an invoice
    /// on credit terms says.
    fn default() -> Self {
        SatPaymentTerms {
            payment_method: SatPaymentMethod::Ppd,
            payment_form: "99".into(),
            cfdi_use: None,
        }
    }
}

/// Why Mexican tax data was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum SatError {
    /// The RFC does not fit SAT's rule (format or check digit).
    #[error("'{0}' is not an RFC: 3 letters (4 for a person), a date YYMMDD and a homoclave whose check digit matches")]
    InvalidRfc(String),
    /// A name is empty, too long, or has a `|` (which a cadena original
    /// cannot carry).
    #[error("{field} needs 1 to {MAX_NAME} characters without '|'")]
    InvalidName {
        /// The field, as the API names it.
        field: String,
    },
    /// A code is not in SAT's catalogue.
    #[error("'{code}' is not in SAT's catalogue {catalogue}")]
    UnknownCode {
        /// The catalogue, e.g. `c_RegimenFiscal`.
        catalogue: String,
        /// The code given.
        code: String,
    },
    /// The regime is not one the RFC's holder (natural or legal person) can
    /// have.
    #[error("tax regime {regime} is not for {person} (RFC {rfc})")]
    RegimeNotForPerson {
        /// The regime.
        regime: String,
        /// The RFC whose length says the person.
        rfc: String,
        /// `a natural person` or `a legal person`.
        person: String,
    },
    /// The CFDI use is not one the receiver can state.
    #[error("CFDI use {cfdi_use} is not for {person} (RFC {rfc})")]
    UseNotForPerson {
        /// The use.
        cfdi_use: String,
        /// The receiver's RFC.
        rfc: String,
        /// `a natural person` or `a legal person`.
        person: String,
    },
    /// The CFDI use is not allowed with the receiver's regime.
    #[error("CFDI use {cfdi_use} is not allowed with the receiver's tax regime {regime}")]
    UseNotForRegime {
        /// The use.
        cfdi_use: String,
        /// The receiver's regime.
        regime: String,
    },
    /// The general public's RFC takes regime 616 and use S01.
    #[error("the general public's RFC XAXX010101000 takes tax regime 616 and CFDI use S01")]
    GeneralPublicTerms,
    /// `PPD` takes the form of payment 99, `PUE` any other.
    #[error("payment method {method} takes {expected}, not form of payment {form}")]
    FormForMethod {
        /// The method.
        method: SatPaymentMethod,
        /// The form given.
        form: String,
        /// What it takes, in words.
        expected: String,
    },
    /// A tax on a line is not one a CFDI can carry.
    #[error("tax {code} at {percent}% {direction} is not in SAT's c_Impuesto/c_TasaOCuota (IVA 0, 8 or 16%, IEPS at its rates, ISR and IVA withheld)")]
    TaxNotSat {
        /// The line's tax code.
        code: String,
        /// Its rate in percent.
        percent: rust_decimal::Decimal,
        /// `charged`, `withheld` or `exempt`.
        direction: String,
    },
    /// The line's tax object says it carries no tax, or taxes, against what
    /// it carries.
    #[error("tax object {tax_object} {rule}")]
    TaxObjectMismatch {
        /// The line's c_ObjetoImp.
        tax_object: String,
        /// What it requires, in words.
        rule: String,
    },
    /// A line has no product or unit key.
    #[error("line {line} needs SAT's product or service key and unit key")]
    MissingLineKeys {
        /// The line's position, from 1.
        line: usize,
    },
    /// A line's description has a `|`, which separates a cadena original's
    /// values and which no CFDI text may hold.
    #[error("line {line}'s description has a '|', which a CFDI cannot carry")]
    PipeInDescription {
        /// The line's position, from 1.
        line: usize,
    },
    /// IVA and IEPS charged on one line: IVA's base would have to include
    /// the IEPS, which Folio's tax model (every tax on the net) cannot say.
    #[error("line {line} charges IEPS and IVA: IVA on a base that includes IEPS is not supported; invoice the IEPS goods without IVA or split the line")]
    IvaOnIeps {
        /// The line's position, from 1.
        line: usize,
    },
    /// The tenant has not stated its issuer data.
    #[error("the tenant's SAT issuer data (RFC, name, tax regime, postal code) is not configured")]
    IssuerMissing,
    /// The customer lacks its RFC or its receiver data.
    #[error("the customer needs an RFC and SAT receiver data (tax regime, postal code, CFDI use) to receive a CFDI")]
    ReceiverMissing,
    /// The CSD's files do not open as a certificate and its key.
    #[error("the CSD cannot be used: {0}")]
    InvalidCertificate(String),
    /// The CSD is not in force at the moment it is to seal.
    #[error("the certificate is valid from {valid_from} to {valid_until}, not at {at}")]
    CertificateNotInForce {
        /// Its first moment.
        valid_from: chrono::DateTime<chrono::Utc>,
        /// Its last moment.
        valid_until: chrono::DateTime<chrono::Utc>,
        /// When it was to be used.
        at: chrono::DateTime<chrono::Utc>,
    },
    /// The CSD is another taxpayer's.
    #[error("the certificate is issued to {holder}, not to the issuer {issuer}")]
    CertificateOfAnotherTaxpayer {
        /// The RFC the certificate names.
        holder: String,
        /// The issuer's RFC.
        issuer: String,
    },
    /// IVA at 8% is for issuers in the border regions only.
    #[error("IVA at 8% is charged only from a postal code of the border regions; {postal_code} is not one")]
    BorderRateOutsideBorder {
        /// The issuer's postal code.
        postal_code: String,
    },
}

impl Coded for SatError {
    fn code(&self) -> ErrorCode {
        ErrorCode::Validation
    }
}

fn person_words(person: Person) -> String {
    match person {
        Person::Natural => "a natural person".into(),
        Person::Legal => "a legal person".into(),
    }
}

/// `rfc` upper-cased without spaces, checked by SAT's rule.
pub fn canonical_rfc(rfc: &str) -> Result<String, SatError> {
    let rfc: String = rfc
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect();
    rfc::check(&rfc).map_err(|_| SatError::InvalidRfc(rfc.clone()))?;
    Ok(rfc)
}

fn clean_name(field: &str, name: &str) -> Result<String, SatError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > MAX_NAME || name.contains('|') {
        return Err(SatError::InvalidName {
            field: field.into(),
        });
    }
    Ok(name)
}

/// `code` if `lookup` finds it in `catalogue`, exactly as given.
fn exists(catalogue: &str, code: &str, lookup: impl Fn(&str) -> bool) -> Result<(), SatError> {
    if lookup(code) {
        Ok(())
    } else {
        Err(SatError::UnknownCode {
            catalogue: catalogue.into(),
            code: code.into(),
        })
    }
}

/// `code` trimmed, if `lookup` finds it in `catalogue`.
fn known(catalogue: &str, code: &str, lookup: impl Fn(&str) -> bool) -> Result<String, SatError> {
    let code = code.trim();
    exists(catalogue, code, lookup)?;
    Ok(code.to_owned())
}

/// A tax regime that exists and, when the RFC is known, is its holder's.
fn regime_for(regime: &str, rfc: Option<&str>) -> Result<String, SatError> {
    let code = regime.trim().to_owned();
    let rules = catalogue::tax_regime(&code).ok_or_else(|| SatError::UnknownCode {
        catalogue: "c_RegimenFiscal".into(),
        code: code.clone(),
    })?;
    if let Some((rfc, person)) = rfc.and_then(|r| Some((r, Person::of_rfc(r)?))) {
        if !rules.persons.include(person) {
            return Err(SatError::RegimeNotForPerson {
                regime: code,
                rfc: rfc.into(),
                person: person_words(person),
            });
        }
    }
    Ok(code)
}

fn postal_code(code: &str) -> Result<String, SatError> {
    known("c_CodigoPostal", code, |c| {
        catalogue::postal_code(c).is_some()
    })
}

/// A CFDI use that exists and fits the receiver's regime and, when its RFC
/// is known, the receiver.
pub fn cfdi_use_for(cfdi_use: &str, regime: &str, rfc: Option<&str>) -> Result<String, SatError> {
    let code = cfdi_use.trim().to_owned();
    let rules = catalogue::cfdi_use(&code).ok_or_else(|| SatError::UnknownCode {
        catalogue: "c_UsoCFDI".into(),
        code: code.clone(),
    })?;
    if rfc == Some(rfc::GENERAL_PUBLIC) && (regime != "616" || code != "S01") {
        return Err(SatError::GeneralPublicTerms);
    }
    if let Some((rfc, person)) = rfc.and_then(|r| Some((r, Person::of_rfc(r)?))) {
        if !rules.persons.include(person) {
            return Err(SatError::UseNotForPerson {
                cfdi_use: code,
                rfc: rfc.into(),
                person: person_words(person),
            });
        }
    }
    if !rules.receiver_regimes.contains(&regime) {
        return Err(SatError::UseNotForRegime {
            cfdi_use: code,
            regime: regime.into(),
        });
    }
    Ok(code)
}

impl SatIssuer {
    /// The issuer trimmed, its RFC canonical, every code checked.
    pub fn validated(self) -> Result<SatIssuer, SatError> {
        let rfc = canonical_rfc(&self.rfc)?;
        Ok(SatIssuer {
            name: clean_name("name", &self.name)?,
            tax_regime: regime_for(&self.tax_regime, Some(&rfc))?,
            postal_code: postal_code(&self.postal_code)?,
            rfc,
        })
    }
}

impl SatReceiver {
    /// The receiver's data trimmed and checked, with its RFC (the customer's
    /// tax id) where it has one.
    pub fn validated(self, rfc: Option<&str>) -> Result<SatReceiver, SatError> {
        let tax_regime = regime_for(&self.tax_regime, rfc)?;
        Ok(SatReceiver {
            cfdi_use: cfdi_use_for(&self.cfdi_use, &tax_regime, rfc)?,
            postal_code: postal_code(&self.postal_code)?,
            tax_regime,
        })
    }
}

impl SatLineKeys {
    /// The line's tax object: the one stated, else `02` (subject, broken
    /// down) for a line with taxes and `01` (not subject) for one without.
    pub fn tax_object_for(&self, taxes: &[crate::tax::TaxRate]) -> &str {
        match &self.tax_object {
            Some(object) => object,
            None if taxes.is_empty() => "01",
            None => "02",
        }
    }

    /// Checks that each key is in SAT's catalogues, exactly as given (a line
    /// records what its caller stated).
    pub fn check(&self) -> Result<(), SatError> {
        exists("c_ClaveProdServ", &self.product_key, |c| {
            catalogue::product_or_service(c).is_some()
        })?;
        exists("c_ClaveUnidad", &self.unit_key, |c| {
            catalogue::unit(c).is_some()
        })?;
        match &self.tax_object {
            Some(object) => exists("c_ObjetoImp", object, |c| {
                catalogue::tax_object(c).is_some()
            }),
            None => Ok(()),
        }
    }
}

impl SatPaymentTerms {
    /// The terms checked: the form exists and fits the method, the use (if
    /// stated) exists.
    pub fn validated(self) -> Result<SatPaymentTerms, SatError> {
        let form = known("c_FormaPago", &self.payment_form, |c| {
            catalogue::payment_form(c).is_some()
        })?;
        let fits = match self.payment_method {
            SatPaymentMethod::Ppd => form == "99",
            SatPaymentMethod::Pue => form != "99",
        };
        if !fits {
            let expected = match self.payment_method {
                SatPaymentMethod::Ppd => "the form of payment 99 (to be defined)",
                SatPaymentMethod::Pue => "the form it was paid in (not 99)",
            };
            return Err(SatError::FormForMethod {
                method: self.payment_method,
                form,
                expected: expected.into(),
            });
        }
        let cfdi_use = self
            .cfdi_use
            .map(|u| known("c_UsoCFDI", &u, |c| catalogue::cfdi_use(c).is_some()))
            .transpose()?;
        Ok(SatPaymentTerms {
            payment_method: self.payment_method,
            payment_form: form,
            cfdi_use,
        })
    }
}
