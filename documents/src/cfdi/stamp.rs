//! A PAC's stamp read back: the `TimbreFiscalDigital` 1.1 a PAC put in the
//! CFDI's `cfdi:Complemento`, and the seal of the `Comprobante` it stamped
//! (which the stamp's `SelloCFD` must repeat: a stamp of another CFDI is not
//! this one's).

use chrono::NaiveDateTime;

use super::read::{read_elements, CfdiElement, MalformedXml};

/// The parts of a stamped CFDI that Folio records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimbreFiscal {
    /// `UUID`: the fiscal folio.
    pub uuid: uuid::Uuid,
    /// `FechaTimbrado`, Mexico's central time as written.
    pub fecha_timbrado: NaiveDateTime,
    /// `RfcProvCertif`: the PAC's RFC.
    pub rfc_prov_certif: String,
    /// `SelloCFD`: the issuer's seal the stamp covers.
    pub sello_cfd: String,
    /// `NoCertificadoSAT`: the certificate the PAC signed with.
    pub no_certificado_sat: String,
    /// `SelloSAT`: the PAC's seal.
    pub sello_sat: String,
    /// The `Comprobante`'s own `Sello`.
    pub comprobante_sello: String,
}

/// Why a stamped CFDI cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StampReadError {
    /// Not well-formed XML.
    #[error("the stamped CFDI is not well-formed XML: {0}")]
    Xml(String),
    /// No `TimbreFiscalDigital` in it.
    #[error("the stamped CFDI has no TimbreFiscalDigital")]
    Missing,
    /// A part of the stamp is missing or malformed.
    #[error("the stamp's {0} is missing or malformed")]
    Part(&'static str),
    /// The stamp is of another seal than the `Comprobante`'s.
    #[error("the stamp's SelloCFD is not the CFDI's seal")]
    OtherSeal,
}

impl From<MalformedXml> for StampReadError {
    fn from(MalformedXml(why): MalformedXml) -> Self {
        StampReadError::Xml(why)
    }
}

/// The `Sello` of the CFDI `xml` (sealed, stamped or not).
pub fn read_seal(xml: &[u8]) -> Result<String, StampReadError> {
    comprobante_sello(&read_elements(xml)?)
}

/// Reads the stamp of the stamped CFDI `xml`.
pub fn read_stamp(xml: &[u8]) -> Result<TimbreFiscal, StampReadError> {
    let elements = read_elements(xml)?;
    let stamp = elements
        .iter()
        .find(|element| element.path.ends_with("/TimbreFiscalDigital"))
        .ok_or(StampReadError::Missing)?;
    let comprobante_sello = comprobante_sello(&elements)?;
    let uuid = value(stamp, "UUID")?
        .parse()
        .map_err(|_| StampReadError::Part("UUID"))?;
    let fecha = value(stamp, "FechaTimbrado")?;
    let fecha_timbrado = NaiveDateTime::parse_from_str(&fecha, "%Y-%m-%dT%H:%M:%S")
        .map_err(|_| StampReadError::Part("FechaTimbrado"))?;
    let stamp = TimbreFiscal {
        uuid,
        fecha_timbrado,
        rfc_prov_certif: value(stamp, "RfcProvCertif")?,
        sello_cfd: value(stamp, "SelloCFD")?,
        no_certificado_sat: value(stamp, "NoCertificadoSAT")?,
        sello_sat: value(stamp, "SelloSAT")?,
        comprobante_sello,
    };
    if stamp.sello_cfd != stamp.comprobante_sello {
        return Err(StampReadError::OtherSeal);
    }
    Ok(stamp)
}

/// What names a stamped CFDI to SAT's verification and status services: the
/// expression printed on it (`?re=&rr=&tt=&id=&fe=`), read from the CFDI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SatVerification {
    /// The issuer's RFC (`Emisor/@Rfc`).
    pub issuer_rfc: String,
    /// The receiver's RFC (`Receptor/@Rfc`).
    pub receiver_rfc: String,
    /// The `Total`, as written.
    pub total: String,
    /// The fiscal folio.
    pub uuid: uuid::Uuid,
    /// The last 8 characters of the `Comprobante`'s `Sello`.
    pub seal_tail: String,
}

/// Reads what names the stamped CFDI `xml` to SAT.
pub fn read_verification(xml: &[u8]) -> Result<SatVerification, StampReadError> {
    let stamp = read_stamp(xml)?;
    let elements = read_elements(xml)?;
    let rfc = |path: &str, part: &'static str| {
        elements
            .iter()
            .find(|element| element.path == path)
            .ok_or(StampReadError::Part(part))
            .and_then(|element| value(element, "Rfc"))
    };
    let total = elements
        .first()
        .ok_or(StampReadError::Part("Comprobante"))
        .and_then(|root| value(root, "Total"))?;
    let seal = &stamp.comprobante_sello;
    let tail_start = seal
        .char_indices()
        .rev()
        .nth(7)
        .map_or(0, |(index, _)| index);
    Ok(SatVerification {
        issuer_rfc: rfc("Comprobante/Emisor", "Emisor")?,
        receiver_rfc: rfc("Comprobante/Receptor", "Receptor")?,
        total,
        uuid: stamp.uuid,
        seal_tail: seal[tail_start..].to_owned(),
    })
}

/// The root `cfdi:Comprobante`'s `Sello`.
fn comprobante_sello(elements: &[CfdiElement]) -> Result<String, StampReadError> {
    match elements.first() {
        Some(root) if root.name == "cfdi:Comprobante" => value(root, "Sello"),
        _ => Err(StampReadError::Part("Comprobante")),
    }
}

/// The non-empty value of attribute `name`; its absence names it.
fn value(element: &CfdiElement, name: &'static str) -> Result<String, StampReadError> {
    Some(element.get(name).trim())
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
        .ok_or(StampReadError::Part(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAMPED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4" Version="4.0" Sello="QUJD"><cfdi:Emisor Rfc="AAA010101AAA"/><cfdi:Complemento><tfd:TimbreFiscalDigital xmlns:tfd="http://www.sat.gob.mx/TimbreFiscalDigital" Version="1.1" UUID="9FB6ED1A-5F37-4FEF-980A-7F8C83B51894" FechaTimbrado="2026-12-07T10:00:03" RfcProvCertif="SIM201207PA1" SelloCFD="QUJD" NoCertificadoSAT="99999000000000000001" SelloSAT="WFla"/></cfdi:Complemento></cfdi:Comprobante>"#;

    #[test]
    fn the_stamp_is_read_with_the_seal_it_covers() {
        let stamp = read_stamp(STAMPED.as_bytes()).unwrap();
        assert_eq!(
            stamp.uuid.to_string(),
            "9fb6ed1a-5f37-4fef-980a-7f8c83b51894"
        );
        assert_eq!(stamp.fecha_timbrado.to_string(), "2026-12-07 10:00:03");
        assert_eq!(stamp.rfc_prov_certif, "SIM201207PA1");
        assert_eq!(stamp.sello_sat, "WFla");
        assert_eq!(stamp.comprobante_sello, "QUJD");
    }

    #[test]
    fn a_stamped_cfdi_is_named_to_sat_by_its_parties_total_folio_and_seal() {
        let stamped = STAMPED
            .replace(
                "Sello=\"QUJD\"",
                "Sello=\"QUJDREVGR0hJSktM\" Total=\"1160.00\"",
            )
            .replace("SelloCFD=\"QUJD\"", "SelloCFD=\"QUJDREVGR0hJSktM\"")
            .replace(
                "<cfdi:Complemento>",
                "<cfdi:Receptor Rfc=\"EKU9003173C9\"/><cfdi:Complemento>",
            );
        let verification = read_verification(stamped.as_bytes()).unwrap();
        assert_eq!(verification.issuer_rfc, "AAA010101AAA");
        assert_eq!(verification.receiver_rfc, "EKU9003173C9");
        assert_eq!(verification.total, "1160.00");
        assert_eq!(verification.seal_tail, "R0hJSktM");
        let without_receiver = stamped.replace("<cfdi:Receptor Rfc=\"EKU9003173C9\"/>", "");
        assert_eq!(
            read_verification(without_receiver.as_bytes()),
            Err(StampReadError::Part("Receptor"))
        );
    }

    #[test]
    fn a_stamp_of_another_seal_or_none_at_all_is_refused() {
        let other = STAMPED.replace("SelloCFD=\"QUJD\"", "SelloCFD=\"RUZH\"");
        assert_eq!(read_stamp(other.as_bytes()), Err(StampReadError::OtherSeal));
        assert_eq!(read_seal(STAMPED.as_bytes()).unwrap(), "QUJD");
        let unstamped = STAMPED.replace("TimbreFiscalDigital", "Otro");
        assert_eq!(
            read_stamp(unstamped.as_bytes()),
            Err(StampReadError::Missing)
        );
        let no_uuid = STAMPED.replace("UUID=\"9FB6ED1A", "UUID=\"zz");
        assert_eq!(
            read_stamp(no_uuid.as_bytes()),
            Err(StampReadError::Part("UUID"))
        );
    }
}
