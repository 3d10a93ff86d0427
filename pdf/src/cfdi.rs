//! The printed representation of a stamped CFDI (*representación impresa*):
//! what SAT's Anexo 20 asks a printed CFDI to show, read from the stamped
//! XML itself (issuer, receiver, concepts, taxes, totals, the fiscal folio,
//! the certificates, both seals, the stamp's cadena original) and the QR code
//! of SAT's verification service. In Spanish, as the CFDI is.

use folio_documents::cfdi::read::{read_elements, CfdiElement};
use folio_documents::cfdi::stamp::{read_verification, StampReadError};
use folio_domain::sat::catalogue;
use qrcode::render::svg;
use qrcode::QrCode;
use serde::Serialize;

/// SAT's service that verifies a CFDI from its QR code.
const VERIFY: &str = "https://verificacfdi.facturaelectronica.sat.gob.mx/default.aspx";

/// One concept (line) as printed.
#[derive(Debug, Serialize)]
pub(crate) struct Concept {
    keys: String,
    quantity: String,
    description: String,
    unit_value: String,
    amount: String,
    taxes: Vec<String>,
}

/// The page, as `templates/cfdi.typ` receives it.
#[derive(Debug, Serialize)]
pub(crate) struct CfdiSheet {
    /// `Fecha`'s date as `[year, month, day]`, the PDF's document date.
    pub(crate) date: [u32; 3],
    pub(crate) title: String,
    issuer: Vec<String>,
    receiver: Vec<String>,
    facts: Vec<[String; 2]>,
    concepts: Vec<Concept>,
    /// A payment complement's payments (Pagos 2.0), each with the documents
    /// it pays; empty for another CFDI.
    payments: Vec<[String; 2]>,
    totals: Vec<[String; 2]>,
    stamp: Vec<[String; 2]>,
    /// Each seal by its label, cut in lines the page's width takes (a seal
    /// has no spaces to break at).
    seals: Vec<(String, Vec<String>)>,
    /// The QR code (SVG) of SAT's verification URL.
    #[serde(skip)]
    pub(crate) qr_svg: String,
    /// The URL the QR code carries.
    pub(crate) verification_url: String,
}

/// Why a stamped CFDI cannot be printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CfdiPrintError {
    /// It cannot be read.
    #[error(transparent)]
    Unreadable(#[from] StampReadError),
    /// It has no `TimbreFiscalDigital`: only a stamped CFDI is printed.
    #[error("only a stamped CFDI has a printed representation")]
    NotStamped,
}

/// The first element at `path`.
fn at<'a>(elements: &'a [CfdiElement], path: &str) -> Option<&'a CfdiElement> {
    elements.iter().find(|element| element.path == path)
}

/// `code` followed by what SAT's catalogue calls it, when it has it.
fn described(code: &str, description: Option<&str>) -> String {
    match description {
        Some(description) => format!("{code} {}", description.trim_end_matches('.')),
        None => code.to_owned(),
    }
}

impl CfdiSheet {
    /// The sheet of the stamped CFDI `xml`.
    pub(crate) fn of(xml: &[u8]) -> Result<CfdiSheet, CfdiPrintError> {
        let elements = read_elements(xml).map_err(StampReadError::from)?;
        let root = at(&elements, "Comprobante").ok_or(StampReadError::Part("Comprobante"))?;
        let stamp = elements
            .iter()
            .find(|e| e.path.ends_with("Complemento/TimbreFiscalDigital"))
            .ok_or(CfdiPrintError::NotStamped)?;
        let issuer = at(&elements, "Comprobante/Emisor").ok_or(StampReadError::Part("Emisor"))?;
        let receiver =
            at(&elements, "Comprobante/Receptor").ok_or(StampReadError::Part("Receptor"))?;
        let fecha = root.get("Fecha");
        let date = parse_date(fecha).ok_or(StampReadError::Part("Fecha"))?;
        let named = read_verification(xml)?;
        let verification_url = format!(
            "{VERIFY}?id={}&re={}&rr={}&tt={}&fe={}",
            stamp.get("UUID"),
            named.issuer_rfc,
            named.receiver_rfc,
            named.total,
            named.seal_tail,
        );
        let qr_svg = QrCode::new(verification_url.as_bytes())
            .map_err(|_| StampReadError::Part("UUID"))?
            .render::<svg::Color>()
            .min_dimensions(160, 160)
            .build();
        let folio = format!("{}{}", root.get("Serie"), root.get("Folio"));
        let kind = match root.get("TipoDeComprobante") {
            "P" => "Complemento de pago",
            "E" => "Nota de crédito",
            _ => "Factura",
        };
        Ok(CfdiSheet {
            date,
            title: format!("{kind} {folio}"),
            issuer: party(issuer, "Emisor", root.get("LugarExpedicion")),
            receiver: party(
                receiver,
                "Receptor",
                receiver.get("DomicilioFiscalReceptor"),
            ),
            facts: facts(root, receiver),
            concepts: concepts(&elements),
            payments: payments(&elements),
            totals: totals(&elements, root),
            stamp: stamp_rows(&elements, root, stamp),
            seals: vec![
                ("Sello digital del CFDI".into(), cut(root.get("Sello"))),
                ("Sello digital del SAT".into(), cut(stamp.get("SelloSAT"))),
                (
                    "Cadena original del complemento de certificación digital del SAT".into(),
                    cut(&tfd_cadena(stamp)),
                ),
            ],
            qr_svg,
            verification_url,
        })
    }
}

/// The stamp's facts: the fiscal folio, those of the CFDIs it relates to,
/// the dates, the certificates and the PAC.
fn stamp_rows(
    elements: &[CfdiElement],
    root: &CfdiElement,
    stamp: &CfdiElement,
) -> Vec<[String; 2]> {
    let mut rows = vec![["Folio fiscal (UUID)".into(), stamp.get("UUID").to_owned()]];
    rows.extend(related(elements));
    rows.extend([
        ["Fecha de emisión".into(), root.get("Fecha").to_owned()],
        [
            "Fecha de certificación".into(),
            stamp.get("FechaTimbrado").to_owned(),
        ],
        [
            "Certificado del emisor".into(),
            root.get("NoCertificado").to_owned(),
        ],
        [
            "Certificado del SAT".into(),
            stamp.get("NoCertificadoSAT").to_owned(),
        ],
        ["RFC del PAC".into(), stamp.get("RfcProvCertif").to_owned()],
    ]);
    rows
}

/// Characters of a seal per printed line.
const SEAL_LINE: usize = 110;

/// `text` in lines of [`SEAL_LINE`] characters.
fn cut(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(SEAL_LINE)
        .map(|line| line.iter().collect())
        .collect()
}

fn parse_date(fecha: &str) -> Option<[u32; 3]> {
    let mut parts = fecha.get(..10)?.split('-').map(|p| p.parse::<u32>().ok());
    Some([parts.next()??, parts.next()??, parts.next()??])
}

/// A party's block: name, RFC, regime, postal code.
fn party(element: &CfdiElement, role: &str, postal_code: &str) -> Vec<String> {
    let regime = element.get(if role == "Emisor" {
        "RegimenFiscal"
    } else {
        "RegimenFiscalReceptor"
    });
    vec![
        role.to_owned(),
        element.get("Nombre").to_owned(),
        format!("RFC {}", element.get("Rfc")),
        format!(
            "Régimen fiscal {}",
            described(regime, catalogue::tax_regime(regime).map(|r| r.description))
        ),
        format!("C.P. {postal_code}"),
    ]
}

/// The fiscal folios of the CFDIs it relates to, each labelled with how
/// (`CFDI relacionado (01)` for a credit note's invoice).
fn related(elements: &[CfdiElement]) -> Vec<[String; 2]> {
    let Some(relation) = at(elements, "Comprobante/CfdiRelacionados") else {
        return Vec::new();
    };
    let label = format!("CFDI relacionado ({})", relation.get("TipoRelacion"));
    elements
        .iter()
        .filter(|e| e.path == "Comprobante/CfdiRelacionados/CfdiRelacionado")
        .map(|e| [label.clone(), e.get("UUID").to_owned()])
        .collect()
}

fn facts(root: &CfdiElement, receiver: &CfdiElement) -> Vec<[String; 2]> {
    let method = root.get("MetodoPago");
    let method_name = match method {
        "PUE" => Some("Pago en una sola exhibición"),
        "PPD" => Some("Pago en parcialidades o diferido"),
        _ => None,
    };
    let form = root.get("FormaPago");
    let use_code = receiver.get("UsoCFDI");
    let kind = root.get("TipoDeComprobante");
    let kind_name = match kind {
        "I" => Some("Ingreso"),
        "E" => Some("Egreso"),
        "P" => Some("Pago"),
        _ => None,
    };
    let facts: Vec<[String; 2]> = vec![
        ["Tipo de comprobante".into(), described(kind, kind_name)],
        [
            "Lugar de expedición".into(),
            root.get("LugarExpedicion").to_owned(),
        ],
        ["Método de pago".into(), described(method, method_name)],
        [
            "Forma de pago".into(),
            described(form, catalogue::payment_form(form)),
        ],
        [
            "Uso del CFDI".into(),
            described(
                use_code,
                catalogue::cfdi_use(use_code).map(|u| u.description),
            ),
        ],
        ["Moneda".into(), root.get("Moneda").to_owned()],
        ["Exportación".into(), root.get("Exportacion").to_owned()],
    ];
    // A payment complement states no method or form of its own.
    facts
        .into_iter()
        .filter(|[_, value]| !value.is_empty())
        .collect()
}

/// A payment complement's payments and the documents each pays, as label
/// and value pairs: empty for a CFDI without one.
fn payments(elements: &[CfdiElement]) -> Vec<[String; 2]> {
    let pagos = "Comprobante/Complemento/Pagos/Pago";
    let mut printed = Vec::new();
    for element in elements {
        if element.path == pagos {
            let form = element.get("FormaDePagoP");
            printed.extend([
                ["Fecha de pago".into(), element.get("FechaPago").to_owned()],
                [
                    "Forma de pago".into(),
                    described(form, catalogue::payment_form(form)),
                ],
                [
                    "Monto".into(),
                    format!("{} {}", element.get("Monto"), element.get("MonedaP")),
                ],
            ]);
        } else if element.path == format!("{pagos}/DoctoRelacionado") {
            let serie_folio = format!("{}{}", element.get("Serie"), element.get("Folio"));
            printed.extend([
                [
                    "Documento relacionado".into(),
                    element.get("IdDocumento").to_owned(),
                ],
                ["Serie y folio".into(), serie_folio],
                [
                    "Parcialidad".into(),
                    element.get("NumParcialidad").to_owned(),
                ],
                [
                    "Saldo anterior".into(),
                    element.get("ImpSaldoAnt").to_owned(),
                ],
                ["Importe pagado".into(), element.get("ImpPagado").to_owned()],
                [
                    "Saldo insoluto".into(),
                    element.get("ImpSaldoInsoluto").to_owned(),
                ],
            ]);
        }
    }
    printed
}

/// A tax of a concept: `IVA Tasa 0.160000: 160.00`, withholdings marked.
fn tax_line(tax: &CfdiElement, withheld: bool) -> String {
    let code = tax.get("Impuesto");
    let name = match code {
        "001" => "ISR",
        "002" => "IVA",
        "003" => "IEPS",
        other => other,
    };
    let what = if withheld { "retenido" } else { "trasladado" };
    format!(
        "{name} {what} {} {}: {}",
        tax.get("TipoFactor"),
        tax.get("TasaOCuota"),
        tax.get("Importe")
    )
}

fn concepts(elements: &[CfdiElement]) -> Vec<Concept> {
    let mut concepts: Vec<Concept> = Vec::new();
    for element in elements {
        match element.path.as_str() {
            "Comprobante/Conceptos/Concepto" => concepts.push(Concept {
                keys: format!(
                    "{} / {}",
                    element.get("ClaveProdServ"),
                    element.get("ClaveUnidad")
                ),
                quantity: element.get("Cantidad").to_owned(),
                description: element.get("Descripcion").to_owned(),
                unit_value: element.get("ValorUnitario").to_owned(),
                amount: element.get("Importe").to_owned(),
                taxes: Vec::new(),
            }),
            "Comprobante/Conceptos/Concepto/Impuestos/Traslados/Traslado" => {
                if let Some(concept) = concepts.last_mut() {
                    concept.taxes.push(tax_line(element, false));
                }
            }
            "Comprobante/Conceptos/Concepto/Impuestos/Retenciones/Retencion" => {
                if let Some(concept) = concepts.last_mut() {
                    concept.taxes.push(tax_line(element, true));
                }
            }
            _ => {}
        }
    }
    concepts
}

fn totals(elements: &[CfdiElement], root: &CfdiElement) -> Vec<[String; 2]> {
    let mut totals = vec![["Subtotal".into(), root.get("SubTotal").to_owned()]];
    if !root.get("Descuento").is_empty() {
        totals.push(["Descuento".into(), root.get("Descuento").to_owned()]);
    }
    if let Some(taxes) = at(elements, "Comprobante/Impuestos") {
        for (attribute, label) in [
            ("TotalImpuestosTrasladados", "Impuestos trasladados"),
            ("TotalImpuestosRetenidos", "Impuestos retenidos"),
        ] {
            if !taxes.get(attribute).is_empty() {
                totals.push([label.into(), taxes.get(attribute).to_owned()]);
            }
        }
    }
    totals.push([
        "Total".into(),
        format!("{} {}", root.get("Total"), root.get("Moneda")),
    ]);
    totals
}

/// The stamp's cadena original, as SAT's `cadenaoriginal_TFD_1_1.xslt`
/// writes it.
fn tfd_cadena(stamp: &CfdiElement) -> String {
    let mut fields = vec![
        stamp.get("Version"),
        stamp.get("UUID"),
        stamp.get("FechaTimbrado"),
        stamp.get("RfcProvCertif"),
    ];
    if !stamp.get("Leyenda").is_empty() {
        fields.push(stamp.get("Leyenda"));
    }
    fields.push(stamp.get("SelloCFD"));
    fields.push(stamp.get("NoCertificadoSAT"));
    format!("||{}||", fields.join("|"))
}
