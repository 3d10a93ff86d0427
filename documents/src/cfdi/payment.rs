//! The payment complement of a payment of a stamped invoice issued with
//! `PPD` (to be paid later, or in parts): a CFDI of type P whose amounts are
//! zero and whose `pago20:Pagos` 2.0 states the payment, the invoice it pays
//! by its fiscal folio, the balance before and after, and the part of each
//! of the invoice's taxes the payment pays.
//!
//! Each tax's part is its base times the share of the invoice's total the
//! payment is, rounded to cents; its amount is that base times the rate,
//! rounded to cents (within the bounds SAT's rules allow). Pesos only: a
//! payment in another currency needs the rate of its day (`TipoCambioP`),
//! which is refused until Folio records one.

use chrono::{NaiveDateTime, NaiveTime, TimeDelta};
use folio_domain::ids::PaymentId;
use folio_domain::invoice::PaymentMethod;
use folio_domain::money::Currency;
use folio_domain::sat::SatPaymentMethod;
use rust_decimal::{Decimal, RoundingStrategy};

use super::build::{emisor, rate, receptor, summed, TaxSums};
use super::model::{
    Certificado, Comprobante, ConceptTax, Concepto, DoctoRelacionado, Pago, Pagos, Retenido,
};
use super::CfdiError;
use crate::model::in_minor_units;
use crate::record::InvoiceRecord;

/// `UsoCFDI` of a payment complement: CP01, payments.
const USO_PAGOS: &str = "CP01";

/// A payment received for an invoice, as its complement states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentReceived {
    /// When it was received, local time of the place of issue.
    pub received_at: NaiveDateTime,
    /// Its c_FormaPago (`03` transfer, `01` cash, ...).
    pub payment_form: String,
    /// How much, in the invoice's currency.
    pub amount: Decimal,
    /// Which payment of the invoice it is, from 1.
    pub installment: u32,
    /// What was owed on the invoice before it.
    pub balance_before: Decimal,
}

/// The number a payment complement is issued under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplementNumber {
    /// Its series.
    pub serie: String,
    /// Its sequence.
    pub folio: String,
}

/// The c_FormaPago of a payment made by `method`. A card is stated as a
/// credit card (04): Folio does not tell debit cards (28) apart yet. A direct
/// debit is an electronic transfer (03). `OTHER` names no form SAT accepts in
/// a complement (99 is refused there).
pub fn payment_form(method: PaymentMethod) -> Option<&'static str> {
    match method {
        PaymentMethod::Cash => Some("01"),
        PaymentMethod::Cheque => Some("02"),
        PaymentMethod::BankTransfer | PaymentMethod::DirectDebit => Some("03"),
        PaymentMethod::Card => Some("04"),
        PaymentMethod::Other => None,
    }
}

/// Payment `payment_id` of the invoice in `record` as its complement states
/// it, and the complement's number. Which payment it is counts every payment
/// recorded before it; the balance before it is what was owed then. Its
/// `FechaPago` is noon of its value date: Folio records the day, not the
/// hour.
pub fn complement_of(
    record: &InvoiceRecord,
    payment_id: PaymentId,
) -> Result<(PaymentReceived, ComplementNumber), CfdiError> {
    let (position, payment) = record
        .payments
        .iter()
        .enumerate()
        .find(|(_, p)| p.payment_id == payment_id)
        .ok_or(CfdiError::UnknownPayment(payment_id))?;
    let number = payment
        .complement
        .as_ref()
        .ok_or(CfdiError::NotNumbered(payment_id))?;
    let form = payment_form(payment.method).ok_or(CfdiError::PaymentForm(payment.method))?;
    let received = PaymentReceived {
        received_at: payment
            .received_on
            .and_time(NaiveTime::MIN + TimeDelta::hours(12)),
        payment_form: form.to_owned(),
        amount: payment.amount,
        installment: u32::try_from(position + 1).unwrap_or(u32::MAX),
        balance_before: payment.amount_due_after + payment.amount - payment.credit_after,
    };
    let number = ComplementNumber {
        serie: number.series.clone(),
        folio: number.sequence.to_string(),
    };
    Ok((received, number))
}

/// Cents, half away from zero.
fn cents(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// The `Comprobante` of type P of `payment` of the stamped invoice in
/// `record`, to `receiver_name` (SAT's name of the customer), dated `fecha`,
/// numbered `number`, sealed with `certificado`.
pub fn payment_comprobante(
    record: &InvoiceRecord,
    payment: &PaymentReceived,
    receiver_name: &str,
    (number, fecha): (&ComplementNumber, NaiveDateTime),
    certificado: Certificado,
) -> Result<Comprobante, CfdiError> {
    let issued = record.issued.as_ref().ok_or(CfdiError::NotIssued)?;
    let currency = record.currency.ok_or(CfdiError::NotIssued)?;
    let parties = issued.cfdi.as_deref().ok_or(CfdiError::NotMexican)?;
    let stamp = record.stamp.as_ref().ok_or(CfdiError::NotStamped)?;
    if parties.payment.payment_method != SatPaymentMethod::Ppd {
        return Err(CfdiError::PaidAtIssue);
    }
    if currency.code() != "MXN" {
        return Err(CfdiError::ForeignPayment(currency.code().to_owned()));
    }
    if payment.amount <= Decimal::ZERO || payment.balance_before <= Decimal::ZERO {
        return Err(CfdiError::PaymentAmount {
            amount: payment.amount,
            balance: payment.balance_before,
        });
    }
    let (_, sums) = summed(issued, currency)?;
    let related = RelatedInvoice {
        uuid: stamp.uuid.to_string().to_uppercase(),
        serie: issued.number.series.clone(),
        folio: issued.number.sequence.to_string(),
        currency,
    };
    let mut receptor = receptor(parties, receiver_name);
    receptor.uso_cfdi = USO_PAGOS.to_owned();
    Ok(Comprobante {
        tipo: Comprobante::PAGO,
        serie: number.serie.clone(),
        folio: number.folio.clone(),
        fecha,
        forma_pago: None,
        certificado,
        subtotal: "0".to_owned(),
        descuento: None,
        moneda: "XXX".to_owned(),
        tipo_cambio: None,
        total: "0".to_owned(),
        metodo_pago: None,
        lugar_expedicion: parties.issuer.postal_code.clone(),
        relacionados: None,
        emisor: emisor(parties),
        receptor,
        conceptos: vec![payment_concept()],
        impuestos: None,
        pagos: Some(pagos(&related, &sums, payment)),
    })
}

/// The stamped invoice a payment pays, as the complement names it.
struct RelatedInvoice {
    /// Its fiscal folio, as SAT writes it.
    uuid: String,
    serie: String,
    folio: String,
    currency: Currency,
}

/// The `pago20:Pagos` of `payment` of `invoice`, whose taxes are `sums`. A
/// payment beyond the balance pays the balance (`ImpPagado`) and states all
/// it was (`Monto`): SAT wants the sum paid no more than the amount.
fn pagos(invoice: &RelatedInvoice, sums: &TaxSums, payment: &PaymentReceived) -> Pagos {
    let currency = invoice.currency;
    let paid = payment.amount.min(payment.balance_before);
    let share = paid / sums.total();
    let charged = charged_parts(sums, share);
    let withheld = withheld_parts(sums, share);
    let money = |amount: Decimal| in_minor_units(cents(amount), currency);
    let documento = DoctoRelacionado {
        id_documento: invoice.uuid.clone(),
        serie: invoice.serie.clone(),
        folio: invoice.folio.clone(),
        moneda: currency.code().to_owned(),
        equivalencia: "1".to_owned(),
        num_parcialidad: payment.installment.to_string(),
        saldo_anterior: money(payment.balance_before),
        pagado: money(paid),
        saldo_insoluto: money(payment.balance_before - paid),
        objeto_imp: if charged.is_empty() && withheld.is_empty() {
            "01"
        } else {
            "02"
        }
        .to_owned(),
        retenciones: withheld.iter().map(|part| part.written(currency)).collect(),
        traslados: charged.iter().map(|part| part.written(currency)).collect(),
    };
    let pago = Pago {
        fecha_pago: payment.received_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
        forma_de_pago: payment.payment_form.clone(),
        moneda: currency.code().to_owned(),
        tipo_cambio: "1".to_owned(),
        monto: money(payment.amount),
        retenciones: withheld
            .iter()
            .map(|part| Retenido {
                impuesto: part.impuesto,
                importe: money(part.importe.unwrap_or_default()),
            })
            .collect(),
        traslados: documento.traslados.clone(),
        documentos: vec![documento],
    };
    Pagos {
        totales: totales(&charged, &withheld, currency),
        monto_total_pagos: money(payment.amount),
        pagos: vec![pago],
    }
}

/// The one concept SAT prescribes for a payment complement.
fn payment_concept() -> Concepto {
    Concepto {
        clave_prod_serv: "84111506".to_owned(),
        cantidad: "1".to_owned(),
        clave_unidad: "ACT".to_owned(),
        descripcion: "Pago".to_owned(),
        valor_unitario: "0".to_owned(),
        importe: "0".to_owned(),
        descuento: None,
        objeto_imp: "01".to_owned(),
        traslados: Vec::new(),
        retenciones: Vec::new(),
    }
}

/// The part of one of the invoice's taxes a payment pays.
struct TaxPart {
    impuesto: &'static str,
    tipo_factor: &'static str,
    /// The rate as a fraction; none when exempt.
    fraction: Option<Decimal>,
    base: Decimal,
    /// None when exempt.
    importe: Option<Decimal>,
}

impl TaxPart {
    /// Its base times `share`, in cents, and the rate of that.
    fn of(
        (impuesto, tipo_factor, fraction): (&'static str, &'static str, Option<Decimal>),
        base: Decimal,
        share: Decimal,
    ) -> Self {
        let base = cents(base * share);
        TaxPart {
            impuesto,
            tipo_factor,
            fraction,
            base,
            importe: fraction.map(|fraction| cents(base * fraction)),
        }
    }

    /// As the complement writes it.
    fn written(&self, currency: Currency) -> ConceptTax {
        ConceptTax {
            base: in_minor_units(self.base, currency),
            impuesto: self.impuesto,
            tipo_factor: self.tipo_factor,
            tasa_o_cuota: self.fraction.map(rate),
            importe: self
                .importe
                .map(|importe| in_minor_units(importe, currency)),
        }
    }
}

/// The part `share` of each tax the invoice charges.
fn charged_parts(sums: &TaxSums, share: Decimal) -> Vec<TaxPart> {
    sums.traslados
        .iter()
        .map(|(kind, (base, _))| TaxPart::of(*kind, *base, share))
        .collect()
}

/// The part `share` of each tax the invoice withholds.
fn withheld_parts(sums: &TaxSums, share: Decimal) -> Vec<TaxPart> {
    sums.withheld_by_rate
        .iter()
        .map(|((impuesto, fraction), (base, _))| {
            TaxPart::of((impuesto, "Tasa", Some(*fraction)), *base, share)
        })
        .collect()
}

/// `Totales`: the payment's taxes by the kinds SAT totals, in pesos (the
/// payment is in pesos), in SAT's order.
fn totales(
    charged: &[TaxPart],
    withheld: &[TaxPart],
    currency: Currency,
) -> Vec<(&'static str, String)> {
    let money = |amount: Decimal| in_minor_units(amount, currency);
    let mut totales = Vec::new();
    for (name, impuesto) in [
        ("TotalRetencionesIVA", "002"),
        ("TotalRetencionesISR", "001"),
        ("TotalRetencionesIEPS", "003"),
    ] {
        let parts: Vec<&TaxPart> = withheld.iter().filter(|p| p.impuesto == impuesto).collect();
        if !parts.is_empty() {
            let sum: Decimal = parts.iter().filter_map(|p| p.importe).sum();
            totales.push((name, money(sum)));
        }
    }
    let iva = |fraction: Option<Decimal>| -> Vec<&TaxPart> {
        charged
            .iter()
            .filter(|p| p.impuesto == "002" && p.fraction == fraction)
            .collect()
    };
    for (base_name, tax_name, percent) in [
        ("TotalTrasladosBaseIVA16", "TotalTrasladosImpuestoIVA16", 16),
        ("TotalTrasladosBaseIVA8", "TotalTrasladosImpuestoIVA8", 8),
        ("TotalTrasladosBaseIVA0", "TotalTrasladosImpuestoIVA0", 0),
    ] {
        let parts = iva(Some(Decimal::new(percent, 2)));
        if !parts.is_empty() {
            totales.push((base_name, money(parts.iter().map(|p| p.base).sum())));
            let tax: Decimal = parts.iter().filter_map(|p| p.importe).sum();
            totales.push((tax_name, money(tax)));
        }
    }
    let exempt = iva(None);
    if !exempt.is_empty() {
        let base: Decimal = exempt.iter().map(|p| p.base).sum();
        totales.push(("TotalTrasladosBaseIVAExento", money(base)));
    }
    totales
}
