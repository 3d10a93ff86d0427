//! The stamp: a `TimbreFiscalDigital` 1.1 over the CFDI's seal, signed by the
//! simulator's certificate and put in the CFDI's `cfdi:Complemento`.

use chrono::{DateTime, Utc};
use folio_documents::cfdi::Csd;
use uuid::Uuid;

use crate::checks::{Checked, ZONE};

/// The namespace of the `TimbreFiscalDigital`.
const NAMESPACE: &str = "http://www.sat.gob.mx/TimbreFiscalDigital";
/// Where its schema is, as SAT writes it in `xsi:schemaLocation`.
const SCHEMA: &str =
    "http://www.sat.gob.mx/sitio_internet/cfd/TimbreFiscalDigital/TimbreFiscalDigitalv11.xsd";

/// A CFDI stamped.
#[derive(Debug, Clone)]
pub(crate) struct Stamp {
    /// The fiscal folio.
    pub uuid: Uuid,
    /// `FechaTimbrado`, Mexico City's time.
    pub fecha_timbrado: String,
    /// The issuer's seal it covers.
    pub sello_cfd: String,
    /// The number of the certificate it is signed with.
    pub no_certificado_sat: String,
    /// The PAC's seal over the stamp's cadena.
    pub sello_sat: String,
    /// The stamp's cadena original (`||1.1|UUID|...||`).
    pub cadena: String,
    /// The issuer's certificate number.
    pub no_certificado_cfdi: String,
    /// The stamped CFDI.
    pub cfdi: String,
}

/// Stamps the `checked` CFDI `xml` at `now`, signed by `signer`; none when
/// the XML has no `</cfdi:Comprobante>` to put the stamp before.
pub(crate) fn stamp(
    xml: &str,
    checked: &Checked,
    signer: &Csd,
    now: DateTime<Utc>,
) -> Option<Stamp> {
    let installed = signer.installed();
    let uuid = Uuid::new_v4();
    let fecha_timbrado = now
        .with_timezone(&ZONE)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let upper = uuid.to_string().to_uppercase();
    let cadena = format!(
        "||1.1|{upper}|{fecha_timbrado}|{}|{}|{}||",
        installed.holder_rfc, checked.sello, installed.certificate_number
    );
    let sello_sat = signer.seal(&cadena);
    let element = format!(
        "<tfd:TimbreFiscalDigital xmlns:tfd=\"{NAMESPACE}\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"{NAMESPACE} {SCHEMA}\" Version=\"1.1\" UUID=\"{upper}\" \
         FechaTimbrado=\"{fecha_timbrado}\" RfcProvCertif=\"{}\" SelloCFD=\"{}\" \
         NoCertificadoSAT=\"{}\" SelloSAT=\"{sello_sat}\"/>",
        installed.holder_rfc, checked.sello, installed.certificate_number
    );
    let cfdi = with_complement(xml, &element)?;
    Some(Stamp {
        uuid,
        fecha_timbrado,
        sello_cfd: checked.sello.clone(),
        no_certificado_sat: installed.certificate_number,
        sello_sat,
        cadena,
        no_certificado_cfdi: checked.no_certificado.clone(),
        cfdi,
    })
}

/// `xml` with `element` last in its `cfdi:Complemento` (made when it has
/// none, before any `cfdi:Addenda`, as the schema orders them).
fn with_complement(xml: &str, element: &str) -> Option<String> {
    if let Some(end) = xml.rfind("</cfdi:Complemento>") {
        return Some(format!("{}{element}{}", &xml[..end], &xml[end..]));
    }
    let end = xml
        .find("<cfdi:Addenda")
        .or_else(|| xml.rfind("</cfdi:Comprobante>"))?;
    Some(format!(
        "{}<cfdi:Complemento>{element}</cfdi:Complemento>{}",
        &xml[..end],
        &xml[end..]
    ))
}
