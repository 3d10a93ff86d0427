//! The XML of a CFDI 4.0, sealed: `cfdi:Comprobante` in SAT's namespace with
//! its schema location, elements in the order `cfdv40.xsd` demands.

use super::model::{Comprobante, ConceptTax, Concepto, Impuestos};
use crate::xml::Xml;

const NAMESPACE: &str = "http://www.sat.gob.mx/cfd/4";
const SCHEMA_LOCATION: &str =
    "http://www.sat.gob.mx/cfd/4 http://www.sat.gob.mx/sitio_internet/cfd/4/cfdv40.xsd";

/// `name` and `value` when there is a value.
fn some<'a>(name: &'a str, value: Option<&'a str>) -> Option<(&'a str, &'a str)> {
    value.map(|v| (name, v))
}

fn tax_attributes(tax: &ConceptTax) -> Vec<(&str, &str)> {
    [
        Some(("Base", tax.base.as_str())),
        Some(("Impuesto", tax.impuesto)),
        Some(("TipoFactor", tax.tipo_factor)),
        some("TasaOCuota", tax.tasa_o_cuota.as_deref()),
        some("Importe", tax.importe.as_deref()),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The sealed CFDI's bytes (UTF-8), `sello` its seal in base64.
pub fn to_xml(c: &Comprobante, sello: &str) -> Vec<u8> {
    let fecha = c.fecha_text();
    let mut xml = Xml::new();
    xml.open("cfdi:Comprobante", &root(c, &fecha, sello));
    xml.empty(
        "cfdi:Emisor",
        &[
            ("Rfc", &c.emisor.rfc),
            ("Nombre", &c.emisor.nombre),
            ("RegimenFiscal", &c.emisor.regimen_fiscal),
        ],
    );
    xml.empty(
        "cfdi:Receptor",
        &[
            ("Rfc", &c.receptor.rfc),
            ("Nombre", &c.receptor.nombre),
            ("DomicilioFiscalReceptor", &c.receptor.domicilio_fiscal),
            ("RegimenFiscalReceptor", &c.receptor.regimen_fiscal),
            ("UsoCFDI", &c.receptor.uso_cfdi),
        ],
    );
    xml.open("cfdi:Conceptos", &[]);
    for concepto in &c.conceptos {
        write_concepto(&mut xml, concepto);
    }
    xml.close("cfdi:Conceptos");
    if let Some(impuestos) = &c.impuestos {
        write_impuestos(&mut xml, impuestos);
    }
    xml.close("cfdi:Comprobante");
    xml.into_bytes()
}

/// The `Comprobante`'s own attributes, its namespaces first.
fn root<'a>(c: &'a Comprobante, fecha: &'a str, sello: &'a str) -> Vec<(&'a str, &'a str)> {
    [
        Some(("xmlns:cfdi", NAMESPACE)),
        Some(("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")),
        Some(("xsi:schemaLocation", SCHEMA_LOCATION)),
        Some(("Version", Comprobante::VERSION)),
        Some(("Serie", c.serie.as_str())),
        Some(("Folio", c.folio.as_str())),
        Some(("Fecha", fecha)),
        Some(("Sello", sello)),
        Some(("FormaPago", c.forma_pago.as_str())),
        Some(("NoCertificado", c.certificado.numero.as_str())),
        Some(("Certificado", c.certificado.base64.as_str())),
        Some(("SubTotal", c.subtotal.as_str())),
        some("Descuento", c.descuento.as_deref()),
        Some(("Moneda", c.moneda.as_str())),
        some("TipoCambio", c.tipo_cambio.as_deref()),
        Some(("Total", c.total.as_str())),
        Some(("TipoDeComprobante", Comprobante::TIPO)),
        Some(("Exportacion", Comprobante::EXPORTACION)),
        Some(("MetodoPago", c.metodo_pago.as_str())),
        Some(("LugarExpedicion", c.lugar_expedicion.as_str())),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn write_concepto(xml: &mut Xml, concepto: &Concepto) {
    let attributes: Vec<(&str, &str)> = [
        Some(("ClaveProdServ", concepto.clave_prod_serv.as_str())),
        Some(("Cantidad", concepto.cantidad.as_str())),
        Some(("ClaveUnidad", concepto.clave_unidad.as_str())),
        Some(("Descripcion", concepto.descripcion.as_str())),
        Some(("ValorUnitario", concepto.valor_unitario.as_str())),
        Some(("Importe", concepto.importe.as_str())),
        some("Descuento", concepto.descuento.as_deref()),
        Some(("ObjetoImp", concepto.objeto_imp.as_str())),
    ]
    .into_iter()
    .flatten()
    .collect();
    if concepto.traslados.is_empty() && concepto.retenciones.is_empty() {
        xml.empty("cfdi:Concepto", &attributes);
        return;
    }
    xml.open("cfdi:Concepto", &attributes);
    xml.open("cfdi:Impuestos", &[]);
    taxes(xml, "Traslados", "Traslado", &concepto.traslados);
    taxes(xml, "Retenciones", "Retencion", &concepto.retenciones);
    xml.close("cfdi:Impuestos");
    xml.close("cfdi:Concepto");
}

fn write_impuestos(xml: &mut Xml, impuestos: &Impuestos) {
    let totals: Vec<(&str, &str)> = [
        some(
            "TotalImpuestosRetenidos",
            impuestos.total_retenidos.as_deref(),
        ),
        some(
            "TotalImpuestosTrasladados",
            impuestos.total_trasladados.as_deref(),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    xml.open("cfdi:Impuestos", &totals);
    if !impuestos.retenciones.is_empty() {
        xml.open("cfdi:Retenciones", &[]);
        for retenido in &impuestos.retenciones {
            xml.empty(
                "cfdi:Retencion",
                &[
                    ("Impuesto", retenido.impuesto),
                    ("Importe", &retenido.importe),
                ],
            );
        }
        xml.close("cfdi:Retenciones");
    }
    taxes(xml, "Traslados", "Traslado", &impuestos.traslados);
    xml.close("cfdi:Impuestos");
}

/// A `cfdi:{group}` of `cfdi:{each}` elements, when there are any.
fn taxes(xml: &mut Xml, group: &str, each: &str, taxes: &[ConceptTax]) {
    if taxes.is_empty() {
        return;
    }
    let (group, each) = (format!("cfdi:{group}"), format!("cfdi:{each}"));
    xml.open(&group, &[]);
    for tax in taxes {
        xml.empty(&each, &tax_attributes(tax));
    }
    xml.close(&group);
}
