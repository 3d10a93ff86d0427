//! The XML of a CFDI 4.0, sealed: `cfdi:Comprobante` in SAT's namespace with
//! its schema location, elements in the order `cfdv40.xsd` demands; a
//! payment complement's `pago20:Pagos` in the order `Pagos20.xsd` demands.

use super::model::{Comprobante, ConceptTax, Concepto, DoctoRelacionado, Impuestos, Pago, Pagos};
use crate::xml::Xml;

const NAMESPACE: &str = "http://www.sat.gob.mx/cfd/4";
const SCHEMA_LOCATION: &str =
    "http://www.sat.gob.mx/cfd/4 http://www.sat.gob.mx/sitio_internet/cfd/4/cfdv40.xsd";
const PAGOS_NAMESPACE: &str = "http://www.sat.gob.mx/Pagos20";
const PAGOS_SCHEMA_LOCATION: &str = "http://www.sat.gob.mx/cfd/4 \
    http://www.sat.gob.mx/sitio_internet/cfd/4/cfdv40.xsd \
    http://www.sat.gob.mx/Pagos20 \
    http://www.sat.gob.mx/sitio_internet/cfd/Pagos/Pagos20.xsd";

/// A tax's attribute names: a concept's, a related document's (`DR`) or a
/// payment's (`P`).
type TaxNames = [&'static str; 5];
const CONCEPT_TAX: TaxNames = ["Base", "Impuesto", "TipoFactor", "TasaOCuota", "Importe"];
const DOCUMENT_TAX: TaxNames = [
    "BaseDR",
    "ImpuestoDR",
    "TipoFactorDR",
    "TasaOCuotaDR",
    "ImporteDR",
];
const PAYMENT_TAX: TaxNames = [
    "BaseP",
    "ImpuestoP",
    "TipoFactorP",
    "TasaOCuotaP",
    "ImporteP",
];

/// `name` and `value` when there is a value.
fn some<'a>(name: &'a str, value: Option<&'a str>) -> Option<(&'a str, &'a str)> {
    value.map(|v| (name, v))
}

fn tax_attributes(tax: &ConceptTax, names: TaxNames) -> Vec<(&str, &str)> {
    let [base, impuesto, factor, tasa, importe] = names;
    [
        Some((base, tax.base.as_str())),
        Some((impuesto, tax.impuesto)),
        Some((factor, tax.tipo_factor)),
        some(tasa, tax.tasa_o_cuota.as_deref()),
        some(importe, tax.importe.as_deref()),
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
    if let Some(relacionados) = &c.relacionados {
        xml.open(
            "cfdi:CfdiRelacionados",
            &[("TipoRelacion", relacionados.tipo_relacion)],
        );
        for uuid in &relacionados.uuids {
            xml.empty("cfdi:CfdiRelacionado", &[("UUID", uuid)]);
        }
        xml.close("cfdi:CfdiRelacionados");
    }
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
    if let Some(pagos) = &c.pagos {
        xml.open("cfdi:Complemento", &[]);
        write_pagos(&mut xml, pagos);
        xml.close("cfdi:Complemento");
    }
    xml.close("cfdi:Comprobante");
    xml.into_bytes()
}

/// The `Comprobante`'s own attributes, its namespaces first.
fn root<'a>(c: &'a Comprobante, fecha: &'a str, sello: &'a str) -> Vec<(&'a str, &'a str)> {
    [
        Some(("xmlns:cfdi", NAMESPACE)),
        c.pagos.as_ref().map(|_| ("xmlns:pago20", PAGOS_NAMESPACE)),
        Some(("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")),
        Some((
            "xsi:schemaLocation",
            if c.pagos.is_some() {
                PAGOS_SCHEMA_LOCATION
            } else {
                SCHEMA_LOCATION
            },
        )),
        Some(("Version", Comprobante::VERSION)),
        Some(("Serie", c.serie.as_str())),
        Some(("Folio", c.folio.as_str())),
        Some(("Fecha", fecha)),
        Some(("Sello", sello)),
        some("FormaPago", c.forma_pago.as_deref()),
        Some(("NoCertificado", c.certificado.numero.as_str())),
        Some(("Certificado", c.certificado.base64.as_str())),
        Some(("SubTotal", c.subtotal.as_str())),
        some("Descuento", c.descuento.as_deref()),
        Some(("Moneda", c.moneda.as_str())),
        some("TipoCambio", c.tipo_cambio.as_deref()),
        Some(("Total", c.total.as_str())),
        Some(("TipoDeComprobante", c.tipo)),
        Some(("Exportacion", Comprobante::EXPORTACION)),
        some("MetodoPago", c.metodo_pago.as_deref()),
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
    taxes(
        xml,
        ["cfdi:Traslados", "cfdi:Traslado"],
        &concepto.traslados,
        CONCEPT_TAX,
    );
    taxes(
        xml,
        ["cfdi:Retenciones", "cfdi:Retencion"],
        &concepto.retenciones,
        CONCEPT_TAX,
    );
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
    taxes(
        xml,
        ["cfdi:Traslados", "cfdi:Traslado"],
        &impuestos.traslados,
        CONCEPT_TAX,
    );
    xml.close("cfdi:Impuestos");
}

/// A `group` of `each` elements, attributes named `names`, when there are
/// any.
fn taxes(xml: &mut Xml, [group, each]: [&str; 2], taxes: &[ConceptTax], names: TaxNames) {
    if taxes.is_empty() {
        return;
    }
    xml.open(group, &[]);
    for tax in taxes {
        xml.empty(each, &tax_attributes(tax, names));
    }
    xml.close(group);
}

fn write_pagos(xml: &mut Xml, pagos: &Pagos) {
    xml.open("pago20:Pagos", &[("Version", Pagos::VERSION)]);
    let mut totales: Vec<(&str, &str)> = pagos
        .totales
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    totales.push(("MontoTotalPagos", &pagos.monto_total_pagos));
    xml.empty("pago20:Totales", &totales);
    for pago in &pagos.pagos {
        write_pago(xml, pago);
    }
    xml.close("pago20:Pagos");
}

fn write_pago(xml: &mut Xml, pago: &Pago) {
    xml.open(
        "pago20:Pago",
        &[
            ("FechaPago", &pago.fecha_pago),
            ("FormaDePagoP", &pago.forma_de_pago),
            ("MonedaP", &pago.moneda),
            ("TipoCambioP", &pago.tipo_cambio),
            ("Monto", &pago.monto),
        ],
    );
    for documento in &pago.documentos {
        write_documento(xml, documento);
    }
    if !(pago.retenciones.is_empty() && pago.traslados.is_empty()) {
        xml.open("pago20:ImpuestosP", &[]);
        if !pago.retenciones.is_empty() {
            xml.open("pago20:RetencionesP", &[]);
            for retenido in &pago.retenciones {
                xml.empty(
                    "pago20:RetencionP",
                    &[
                        ("ImpuestoP", retenido.impuesto),
                        ("ImporteP", &retenido.importe),
                    ],
                );
            }
            xml.close("pago20:RetencionesP");
        }
        let names = ["pago20:TrasladosP", "pago20:TrasladoP"];
        taxes(xml, names, &pago.traslados, PAYMENT_TAX);
        xml.close("pago20:ImpuestosP");
    }
    xml.close("pago20:Pago");
}

fn write_documento(xml: &mut Xml, d: &DoctoRelacionado) {
    let attributes = [
        ("IdDocumento", d.id_documento.as_str()),
        ("Serie", &d.serie),
        ("Folio", &d.folio),
        ("MonedaDR", &d.moneda),
        ("EquivalenciaDR", &d.equivalencia),
        ("NumParcialidad", &d.num_parcialidad),
        ("ImpSaldoAnt", &d.saldo_anterior),
        ("ImpPagado", &d.pagado),
        ("ImpSaldoInsoluto", &d.saldo_insoluto),
        ("ObjetoImpDR", &d.objeto_imp),
    ];
    if d.retenciones.is_empty() && d.traslados.is_empty() {
        xml.empty("pago20:DoctoRelacionado", &attributes);
        return;
    }
    xml.open("pago20:DoctoRelacionado", &attributes);
    xml.open("pago20:ImpuestosDR", &[]);
    let retenciones = ["pago20:RetencionesDR", "pago20:RetencionDR"];
    taxes(xml, retenciones, &d.retenciones, DOCUMENT_TAX);
    let traslados = ["pago20:TrasladosDR", "pago20:TrasladoDR"];
    taxes(xml, traslados, &d.traslados, DOCUMENT_TAX);
    xml.close("pago20:ImpuestosDR");
    xml.close("pago20:DoctoRelacionado");
}
