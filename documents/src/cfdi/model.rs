//! The CFDI 4.0 `Comprobante` as Folio writes it: every value already in the
//! form SAT's schema wants (codes, amounts with the currency's decimals,
//! rates with six), so the XML writer and the cadena original only format
//! and never disagree.

use chrono::NaiveDateTime;

/// The issuer (`Emisor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emisor {
    /// Its RFC.
    pub rfc: String,
    /// Its name as SAT's registry has it.
    pub nombre: String,
    /// Its c_RegimenFiscal.
    pub regimen_fiscal: String,
}

/// The receiver (`Receptor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receptor {
    /// Its RFC.
    pub rfc: String,
    /// Its name as SAT's registry has it.
    pub nombre: String,
    /// The postal code of its tax address.
    pub domicilio_fiscal: String,
    /// Its c_RegimenFiscal.
    pub regimen_fiscal: String,
    /// Its c_UsoCFDI.
    pub uso_cfdi: String,
}

/// A tax of a concept (`Traslado` or `Retencion`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConceptTax {
    /// What it is levied on: the concept's amount less its discount.
    pub base: String,
    /// Its c_Impuesto: `001` ISR, `002` IVA, `003` IEPS.
    pub impuesto: &'static str,
    /// `Tasa` or `Exento`.
    pub tipo_factor: &'static str,
    /// The rate, six decimals (`0.160000`); none when exempt.
    pub tasa_o_cuota: Option<String>,
    /// The amount; none when exempt.
    pub importe: Option<String>,
}

/// One line (`Concepto`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concepto {
    /// Its c_ClaveProdServ.
    pub clave_prod_serv: String,
    /// How many.
    pub cantidad: String,
    /// Its c_ClaveUnidad.
    pub clave_unidad: String,
    /// What it is.
    pub descripcion: String,
    /// The net price of one unit.
    pub valor_unitario: String,
    /// Quantity × unit value, before the discount.
    pub importe: String,
    /// The discount, when there is one.
    pub descuento: Option<String>,
    /// Its c_ObjetoImp.
    pub objeto_imp: String,
    /// Taxes charged on it.
    pub traslados: Vec<ConceptTax>,
    /// Taxes withheld from it.
    pub retenciones: Vec<ConceptTax>,
}

/// A tax withheld, summed over the document (`Impuestos/Retenciones`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retenido {
    /// Its c_Impuesto.
    pub impuesto: &'static str,
    /// The sum of its concepts' amounts.
    pub importe: String,
}

/// The document's taxes (`Impuestos`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Impuestos {
    /// Per tax withheld.
    pub retenciones: Vec<Retenido>,
    /// Their sum, when any is withheld.
    pub total_retenidos: Option<String>,
    /// Per tax, factor and rate charged: the sums of the concepts' bases and
    /// amounts.
    pub traslados: Vec<ConceptTax>,
    /// Their sum, when any is charged at a rate.
    pub total_trasladados: Option<String>,
}

/// The certificate that seals it: its number and its DER in base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificado {
    /// `NoCertificado`: the 20 digits of its serial.
    pub numero: String,
    /// `Certificado`: the certificate, DER in base64.
    pub base64: String,
}

/// A CFDI 4.0: of type I (income), an issued invoice; of type P, a payment
/// complement (its amounts zero, the payment in [`Pagos`]); of type E, a
/// credit note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comprobante {
    /// `TipoDeComprobante`: [`Comprobante::INGRESO`], [`Comprobante::PAGO`]
    /// or [`Comprobante::EGRESO`].
    pub tipo: &'static str,
    /// The number's series.
    pub serie: String,
    /// The number's sequence.
    pub folio: String,
    /// When it was issued, local time of `lugar_expedicion`.
    pub fecha: NaiveDateTime,
    /// The c_FormaPago (an invoice's; a payment complement states it per
    /// payment).
    pub forma_pago: Option<String>,
    /// The certificate that seals it.
    pub certificado: Certificado,
    /// Σ concepts' amounts.
    pub subtotal: String,
    /// Σ concepts' discounts, when any.
    pub descuento: Option<String>,
    /// The c_Moneda (ISO 4217).
    pub moneda: String,
    /// Pesos per unit of `moneda`, for any currency but MXN.
    pub tipo_cambio: Option<String>,
    /// SubTotal − Descuento + taxes charged − taxes withheld.
    pub total: String,
    /// `PUE` or `PPD` (an invoice's).
    pub metodo_pago: Option<String>,
    /// The postal code it is issued from.
    pub lugar_expedicion: String,
    /// The CFDIs it relates to (a credit note's invoice).
    pub relacionados: Option<CfdiRelacionados>,
    /// Who issues it.
    pub emisor: Emisor,
    /// Who receives it.
    pub receptor: Receptor,
    /// Its lines.
    pub conceptos: Vec<Concepto>,
    /// Its taxes, when any line carries one.
    pub impuestos: Option<Impuestos>,
    /// A payment complement's payments (`cfdi:Complemento/pago20:Pagos`).
    pub pagos: Option<Pagos>,
}

impl Comprobante {
    /// `Version`.
    pub const VERSION: &'static str = "4.0";
    /// `TipoDeComprobante` of an invoice: I, income.
    pub const INGRESO: &'static str = "I";
    /// `TipoDeComprobante` of a payment complement: P, payment.
    pub const PAGO: &'static str = "P";
    /// `TipoDeComprobante` of a credit note: E, *egreso*.
    pub const EGRESO: &'static str = "E";
    /// `Exportacion`: 01, not an export.
    pub const EXPORTACION: &'static str = "01";

    /// `Fecha` as the schema writes it (`2026-11-02T10:30:00`).
    pub fn fecha_text(&self) -> String {
        self.fecha.format("%Y-%m-%dT%H:%M:%S").to_string()
    }
}

/// The CFDIs a CFDI relates to, and how (`cfdi:CfdiRelacionados`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CfdiRelacionados {
    /// Its c_TipoRelacion: `01`, a credit note of the documents named.
    pub tipo_relacion: &'static str,
    /// Their fiscal folios, as SAT writes them (upper case).
    pub uuids: Vec<String>,
}

impl CfdiRelacionados {
    /// `TipoRelacion` of a credit note: 01, *nota de crédito de los
    /// documentos relacionados*.
    pub const NOTA_DE_CREDITO: &'static str = "01";
}

/// The payment complement 2.0 (`pago20:Pagos`, *complemento para recepción
/// de pagos*): what was paid, in pesos, against which stamped invoices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pagos {
    /// `Totales`: the taxes paid per kind (`TotalTrasladosBaseIVA16`, ...),
    /// in SAT's order, only those there are, in pesos.
    pub totales: Vec<(&'static str, String)>,
    /// `MontoTotalPagos`: the payments' sum, in pesos.
    pub monto_total_pagos: String,
    /// The payments.
    pub pagos: Vec<Pago>,
}

impl Pagos {
    /// `Version`.
    pub const VERSION: &'static str = "2.0";
}

/// One payment (`pago20:Pago`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pago {
    /// `FechaPago`: when it was received.
    pub fecha_pago: String,
    /// `FormaDePagoP`: its c_FormaPago.
    pub forma_de_pago: String,
    /// `MonedaP`.
    pub moneda: String,
    /// `TipoCambioP`: pesos per unit of `moneda` (1 for MXN).
    pub tipo_cambio: String,
    /// `Monto`.
    pub monto: String,
    /// The invoices it pays.
    pub documentos: Vec<DoctoRelacionado>,
    /// `RetencionesP`: per tax withheld, its part of the payment.
    pub retenciones: Vec<Retenido>,
    /// `TrasladosP`: per tax, factor and rate charged, its part.
    pub traslados: Vec<ConceptTax>,
}

/// A stamped invoice a payment pays (`pago20:DoctoRelacionado`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoctoRelacionado {
    /// `IdDocumento`: its fiscal folio.
    pub id_documento: String,
    /// Its series.
    pub serie: String,
    /// Its sequence.
    pub folio: String,
    /// `MonedaDR`: its currency.
    pub moneda: String,
    /// `EquivalenciaDR`: units of its currency per unit of the payment's.
    pub equivalencia: String,
    /// `NumParcialidad`: which payment of it this is, from 1.
    pub num_parcialidad: String,
    /// `ImpSaldoAnt`: what was owed before.
    pub saldo_anterior: String,
    /// `ImpPagado`: what this payment pays of it.
    pub pagado: String,
    /// `ImpSaldoInsoluto`: what is owed after.
    pub saldo_insoluto: String,
    /// `ObjetoImpDR`: its c_ObjetoImp (`02` when it carries taxes).
    pub objeto_imp: String,
    /// `RetencionesDR`: per tax withheld, the part this payment pays.
    pub retenciones: Vec<ConceptTax>,
    /// `TrasladosDR`: per tax charged, the part this payment pays.
    pub traslados: Vec<ConceptTax>,
}
