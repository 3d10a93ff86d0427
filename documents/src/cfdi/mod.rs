//! Mexico's CFDI 4.0: the XML an invoice issued under the MX jurisdiction
//! becomes, its cadena original and its seal.
//!
//! - [`model`]: the `Comprobante`, every value in the form SAT's schema wants.
//! - [`build`]: the `Comprobante` of an issued invoice, from its record (the
//!   same events the EN 16931 [`crate::Document`] is built from; the CFDI
//!   carries withholdings, which that model refuses).
//! - [`payment`]: the payment complement (type P, Pagos 2.0) of a payment of
//!   a stamped invoice issued `PPD`.
//! - [`credit_note`]: the CFDI (type E) of a credit note against a stamped
//!   invoice, related to it by `TipoRelacion` 01.
//! - [`cadena`]: the cadena original, SAT's XSLT written out natively.
//! - [`csd`]: the issuer's certificate and key, and the seal.
//! - [`xml`]: the sealed XML.
//! - [`read`]: a CFDI read back as its elements (what a printed one shows).
//! - [`stamp`]: a PAC's `TimbreFiscalDigital`, read back from the stamped XML.
//!
//! [`seal_invoice`], [`seal_payment`] and [`seal_credit_note`] put them
//! together. `tests/cfdi.rs` checks every output with SAT's schema
//! (`xmllint`), SAT's XSLT (`xsltproc`) and `openssl`.

pub mod build;
pub mod cadena;
pub mod credit_note;
pub mod csd;
pub mod model;
pub mod payment;
pub mod read;
pub mod stamp;
pub mod xml;

use chrono::{DateTime, Timelike, Utc};
use folio_domain::ids::{CreditNoteId, LineId, PaymentId};
use folio_domain::invoice::PaymentMethod;
use folio_domain::sat::{catalogue, SatError};
use rust_decimal::Decimal;

use crate::record::InvoiceRecord;
pub use csd::{Csd, CsdError};
pub use model::Comprobante;

/// Why an invoice cannot become a CFDI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CfdiError {
    /// The invoice is not issued yet.
    #[error("the invoice is not issued")]
    NotIssued,
    /// The invoice was not issued under the MX jurisdiction, so it recorded
    /// no CFDI parties.
    #[error("the invoice was not issued under the MX jurisdiction")]
    NotMexican,
    /// Allowances or charges on the whole document have no place in a CFDI.
    #[error("allowances and charges on the whole invoice cannot be written in a CFDI; discount the lines instead")]
    DocumentAdjustments,
    /// A line has no SAT keys or a tax SAT does not know.
    #[error("line {0} has no SAT keys or a tax a CFDI cannot carry")]
    Unkeyed(usize),
    /// A deduction (negative quantity) has no place in a CFDI of income.
    #[error("line {0} is a deduction, which a CFDI of income cannot carry")]
    Deduction(usize),
    /// An invoice in another currency needs its rate into pesos.
    #[error("a CFDI in {0} needs its rate into MXN: keep the books in MXN so the invoice is booked at one")]
    NoPesoRate(String),
    /// The CFDI's total is not the invoice's (a bug: the rule is one).
    #[error("the CFDI's total {cfdi} is not the invoice's {invoice}")]
    Inconsistent {
        /// What the CFDI adds up to.
        cfdi: Decimal,
        /// What the invoice recorded.
        invoice: Decimal,
    },
    /// A payment complement names the invoice by its fiscal folio: the
    /// invoice is not stamped yet.
    #[error("the invoice has no fiscal folio yet: a payment complement names the stamped invoice")]
    NotStamped,
    /// An invoice issued `PUE` was paid at issue: its payments need no
    /// complement.
    #[error("the invoice was issued PUE (paid at issue): its payments need no payment complement")]
    PaidAtIssue,
    /// A payment in another currency than pesos needs the rate of its day.
    #[error("a payment complement in {0} needs the rate into MXN of the payment's day, which Folio does not record yet")]
    ForeignPayment(String),
    /// A payment that is not positive, or of an invoice nothing was owed on.
    #[error("a payment of {amount} pays nothing of a balance of {balance}")]
    PaymentAmount {
        /// The payment.
        amount: Decimal,
        /// What was owed before it.
        balance: Decimal,
    },
    /// No such payment was recorded for the invoice.
    #[error("payment {0} was not recorded for this invoice")]
    UnknownPayment(PaymentId),
    /// No such credit note was issued against the invoice.
    #[error("credit note {0} was not issued against this invoice")]
    UnknownCreditNote(CreditNoteId),
    /// A credit note names a line the invoice was not issued with.
    #[error("line {0} was not issued on this invoice")]
    UnknownLine(LineId),
    /// A payment's complement is numbered before it is written.
    #[error("payment {0}'s complement is not numbered yet")]
    NotNumbered(PaymentId),
    /// A payment made in a way no SAT form of payment names.
    #[error("a payment by {0:?} names no SAT form of payment (c_FormaPago) a complement accepts")]
    PaymentForm(PaymentMethod),
    /// The issuer's certificate cannot seal it (not in force, another
    /// taxpayer's).
    #[error(transparent)]
    Certificate(#[from] SatError),
}

/// A sealed CFDI: its XML, and what its seal signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedCfdi {
    /// The `Comprobante` as written.
    pub comprobante: Comprobante,
    /// Its cadena original.
    pub cadena: String,
    /// Its seal (`Sello`), base64.
    pub sello: String,
    /// The sealed XML, UTF-8.
    pub xml: Vec<u8>,
}

/// The sealed CFDI of the issued invoice in `record`, to `receiver_name`
/// (the customer's name, SAT's), sealed `at` with `csd`: the certificate
/// must be in force then and the issuer's. Its `Fecha` is `at` in the time
/// zone of its place of issue.
pub fn seal_invoice(
    record: &InvoiceRecord,
    receiver_name: &str,
    at: DateTime<Utc>,
    csd: &Csd,
) -> Result<SealedCfdi, CfdiError> {
    let fecha = fecha_of(record, at, csd)?;
    let comprobante = build::comprobante(record, receiver_name, fecha, csd.certificado())?;
    Ok(sealed(comprobante, csd))
}

/// The sealed payment complement of `payment` of the stamped invoice in
/// `record`, numbered `number`, to `receiver_name`, sealed `at` with `csd`
/// (as [`seal_invoice`]).
pub fn seal_payment(
    record: &InvoiceRecord,
    payment: &payment::PaymentReceived,
    (receiver_name, number): (&str, &payment::ComplementNumber),
    at: DateTime<Utc>,
    csd: &Csd,
) -> Result<SealedCfdi, CfdiError> {
    let fecha = fecha_of(record, at, csd)?;
    let comprobante = payment::payment_comprobante(
        record,
        payment,
        receiver_name,
        (number, fecha),
        csd.certificado(),
    )?;
    Ok(sealed(comprobante, csd))
}

/// The sealed CFDI (type E) of credit note `of.0` against the stamped
/// invoice in `record`, to `of.1` (the customer's name, SAT's), sealed `at`
/// with `csd` (as [`seal_invoice`]).
pub fn seal_credit_note(
    record: &InvoiceRecord,
    of: (CreditNoteId, &str),
    at: DateTime<Utc>,
    csd: &Csd,
) -> Result<SealedCfdi, CfdiError> {
    let fecha = fecha_of(record, at, csd)?;
    let comprobante = credit_note::credit_note_comprobante(record, of, fecha, csd.certificado())?;
    Ok(sealed(comprobante, csd))
}

/// The `Fecha` of a CFDI of the invoice in `record` sealed `at` with `csd`:
/// `at` in the time zone of its place of issue, once the certificate is
/// found in force then and the issuer's.
fn fecha_of(
    record: &InvoiceRecord,
    at: DateTime<Utc>,
    csd: &Csd,
) -> Result<chrono::NaiveDateTime, CfdiError> {
    let issued = record.issued.as_ref().ok_or(CfdiError::NotIssued)?;
    let parties = issued.cfdi.as_deref().ok_or(CfdiError::NotMexican)?;
    csd.installed().check_for(&parties.issuer.rfc, at)?;
    let zone = catalogue::postal_code(&parties.issuer.postal_code)
        .map_or(chrono_tz::America::Mexico_City, |p| p.zone());
    let fecha = at.with_timezone(&zone).naive_local();
    Ok(fecha.with_nanosecond(0).unwrap_or(fecha))
}

/// `comprobante` sealed with `csd`.
fn sealed(comprobante: Comprobante, csd: &Csd) -> SealedCfdi {
    let cadena = cadena::cadena_original(&comprobante);
    let sello = csd.seal(&cadena);
    let xml = xml::to_xml(&comprobante, &sello);
    SealedCfdi {
        comprobante,
        cadena,
        sello,
        xml,
    }
}
