//! The cadena original of a CFDI 4.0: the string its seal signs. SAT defines
//! it by an XSLT (`cadenaoriginal_4_0.xslt`); this is that transform written
//! out for the parts Folio emits, in the same order: every value present is
//! `|` and its text with its white space collapsed, the whole between `||`
//! and `||`. `tests/cfdi.rs` compares it with what `xsltproc` makes of the
//! XML with SAT's own XSLT.

use super::model::{Comprobante, ConceptTax, DoctoRelacionado, Pago, Pagos};

/// `text` with its white space collapsed, as SAT's XSLT (`normalize-space`)
/// and its schema (`whiteSpace collapse`) read every value.
pub(super) fn collapsed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The values of the cadena, in SAT's order.
struct Cadena(String);

impl Cadena {
    /// A required value (`Requerido`).
    fn required(&mut self, value: &str) {
        self.0.push('|');
        self.0.push_str(&collapsed(value));
    }

    /// An optional value (`Opcional`): nothing when absent or empty.
    fn optional(&mut self, value: Option<&str>) {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            self.required(value);
        }
    }

    fn concept_tax(&mut self, tax: &ConceptTax) {
        self.required(&tax.base);
        self.required(tax.impuesto);
        self.required(tax.tipo_factor);
        self.optional(tax.tasa_o_cuota.as_deref());
        self.optional(tax.importe.as_deref());
    }
}

/// The cadena original of `c`.
pub fn cadena_original(c: &Comprobante) -> String {
    let mut s = Cadena(String::from("|"));
    s.required(Comprobante::VERSION);
    s.optional(Some(&c.serie));
    s.optional(Some(&c.folio));
    s.required(&c.fecha_text());
    s.optional(c.forma_pago.as_deref());
    s.required(&c.certificado.numero);
    s.required(&c.subtotal);
    s.optional(c.descuento.as_deref());
    s.required(&c.moneda);
    s.optional(c.tipo_cambio.as_deref());
    s.required(&c.total);
    s.required(c.tipo);
    s.required(Comprobante::EXPORTACION);
    s.optional(c.metodo_pago.as_deref());
    s.required(&c.lugar_expedicion);
    if let Some(relacionados) = &c.relacionados {
        s.required(relacionados.tipo_relacion);
        for uuid in &relacionados.uuids {
            s.required(uuid);
        }
    }
    s.required(&c.emisor.rfc);
    s.required(&c.emisor.nombre);
    s.required(&c.emisor.regimen_fiscal);
    s.required(&c.receptor.rfc);
    s.required(&c.receptor.nombre);
    s.required(&c.receptor.domicilio_fiscal);
    s.required(&c.receptor.regimen_fiscal);
    s.required(&c.receptor.uso_cfdi);
    for concepto in &c.conceptos {
        s.required(&concepto.clave_prod_serv);
        s.required(&concepto.cantidad);
        s.required(&concepto.clave_unidad);
        s.required(&concepto.descripcion);
        s.required(&concepto.valor_unitario);
        s.required(&concepto.importe);
        s.optional(concepto.descuento.as_deref());
        s.required(&concepto.objeto_imp);
        for tax in concepto.traslados.iter().chain(&concepto.retenciones) {
            s.concept_tax(tax);
        }
    }
    if let Some(impuestos) = &c.impuestos {
        for retenido in &impuestos.retenciones {
            s.required(retenido.impuesto);
            s.required(&retenido.importe);
        }
        s.optional(impuestos.total_retenidos.as_deref());
        for traslado in &impuestos.traslados {
            s.concept_tax(traslado);
        }
        s.optional(impuestos.total_trasladados.as_deref());
    }
    if let Some(pagos) = &c.pagos {
        s.pagos(pagos);
    }
    s.0.push_str("||");
    s.0
}

impl Cadena {
    /// A payment complement, as SAT's `Pagos20.xslt` writes it.
    fn pagos(&mut self, pagos: &Pagos) {
        self.required(Pagos::VERSION);
        for (_, value) in &pagos.totales {
            self.required(value);
        }
        self.required(&pagos.monto_total_pagos);
        for pago in &pagos.pagos {
            self.pago(pago);
        }
    }

    fn pago(&mut self, pago: &Pago) {
        self.required(&pago.fecha_pago);
        self.required(&pago.forma_de_pago);
        self.required(&pago.moneda);
        self.optional(Some(&pago.tipo_cambio));
        self.required(&pago.monto);
        for documento in &pago.documentos {
            self.documento(documento);
        }
        for retenido in &pago.retenciones {
            self.required(retenido.impuesto);
            self.required(&retenido.importe);
        }
        for traslado in &pago.traslados {
            self.concept_tax(traslado);
        }
    }

    fn documento(&mut self, d: &DoctoRelacionado) {
        self.required(&d.id_documento);
        self.optional(Some(&d.serie));
        self.optional(Some(&d.folio));
        self.required(&d.moneda);
        self.optional(Some(&d.equivalencia));
        self.required(&d.num_parcialidad);
        self.required(&d.saldo_anterior);
        self.required(&d.pagado);
        self.required(&d.saldo_insoluto);
        self.required(&d.objeto_imp);
        for tax in d.retenciones.iter().chain(&d.traslados) {
            self.concept_tax(tax);
        }
    }
}
