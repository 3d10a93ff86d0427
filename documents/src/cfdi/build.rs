//! The `Comprobante` of an invoice issued under the MX jurisdiction, from
//! its record: the parties and terms `InvoiceIssued.cfdi` recorded, its lines
//! and totals, and each line's tax per tax as pricing rounded it (per line,
//! half-up: the MX rounding). Nothing is decided here; what a CFDI cannot
//! say is refused with a [`CfdiError`].

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use folio_domain::invoice::IssuedLine;
use folio_domain::money::Currency;
use folio_domain::pricing::{line_taxes, PriceBasis, RoundingPolicy, TaxRoundingScope};
use folio_domain::sat::catalogue::TaxDirection;
use folio_domain::sat::{sat_tax, CfdiParties, SatError};
use folio_domain::tax::TaxRate;
use rust_decimal::Decimal;

use super::cadena::collapsed;
use super::model::{
    Certificado, Comprobante, ConceptTax, Concepto, Emisor, Impuestos, Receptor, Retenido,
};
use super::CfdiError;
use crate::model::{in_minor_units as money, plain};
use crate::record::{InvoiceRecord, IssuedInvoice};

/// A rate as SAT's *TasaOCuota*: a fraction with six decimals.
pub(super) fn rate(fraction: Decimal) -> String {
    let mut rate = fraction;
    rate.rescale(6);
    rate.to_string()
}

/// The `Comprobante` of the issued invoice in `record`, to `receiver_name`
/// (the customer's name, which must be SAT's), dated `fecha` (local time of
/// its place of issue), sealed with `certificado`.
pub fn comprobante(
    record: &InvoiceRecord,
    receiver_name: &str,
    fecha: NaiveDateTime,
    certificado: Certificado,
) -> Result<Comprobante, CfdiError> {
    let issued = record.issued.as_ref().ok_or(CfdiError::NotIssued)?;
    let currency = record.currency.ok_or(CfdiError::NotIssued)?;
    let parties = issued.cfdi.as_deref().ok_or(CfdiError::NotMexican)?;
    let (conceptos, sums) = summed(issued, currency)?;
    let subtotal: Decimal = sums.importes;
    let total = sums.total();
    Ok(Comprobante {
        tipo: Comprobante::INGRESO,
        serie: issued.number.series.clone(),
        folio: issued.number.sequence.to_string(),
        fecha,
        forma_pago: Some(parties.payment.payment_form.clone()),
        certificado,
        subtotal: money(subtotal, currency),
        descuento: (!sums.descuentos.is_zero()).then(|| money(sums.descuentos, currency)),
        moneda: currency.code().to_owned(),
        tipo_cambio: tipo_cambio(issued, currency)?,
        total: money(total, currency),
        metodo_pago: Some(parties.payment.payment_method.to_string()),
        lugar_expedicion: parties.issuer.postal_code.clone(),
        relacionados: None,
        emisor: emisor(parties),
        receptor: receptor(parties, receiver_name),
        impuestos: sums.impuestos(currency),
        conceptos,
        pagos: None,
    })
}

/// The concepts of `issued`'s lines and what they add up to, checked to
/// add up to the invoice's total.
pub(super) fn summed(
    issued: &IssuedInvoice,
    currency: Currency,
) -> Result<(Vec<Concepto>, TaxSums), CfdiError> {
    if issued.rounding.scope != TaxRoundingScope::PerLine {
        return Err(CfdiError::NotMexican);
    }
    if !issued.adjustments.is_empty() {
        return Err(CfdiError::DocumentAdjustments);
    }
    let mut sums = TaxSums::default();
    let conceptos = issued
        .lines
        .iter()
        .enumerate()
        .map(|(index, line)| concepto(index + 1, line, currency, issued.rounding, &mut sums))
        .collect::<Result<Vec<_>, _>>()?;
    if sums.total() != issued.totals.total {
        return Err(CfdiError::Inconsistent {
            cfdi: sums.total(),
            invoice: issued.totals.total,
        });
    }
    Ok((conceptos, sums))
}

pub(super) fn emisor(parties: &CfdiParties) -> Emisor {
    Emisor {
        rfc: parties.issuer.rfc.clone(),
        nombre: parties.issuer.name.clone(),
        regimen_fiscal: parties.issuer.tax_regime.clone(),
    }
}

pub(super) fn receptor(parties: &CfdiParties, name: &str) -> Receptor {
    Receptor {
        rfc: parties.receiver_rfc.clone(),
        nombre: collapsed(name),
        domicilio_fiscal: parties.receiver.postal_code.clone(),
        regimen_fiscal: parties.receiver.tax_regime.clone(),
        uso_cfdi: parties.receiver.cfdi_use.clone(),
    }
}

/// Pesos per unit of the invoice's currency: none for MXN; the rate the
/// invoice was booked at when the books are in pesos; else refused.
pub(super) fn tipo_cambio(
    issued: &IssuedInvoice,
    currency: Currency,
) -> Result<Option<String>, CfdiError> {
    if currency.code() == "MXN" {
        return Ok(None);
    }
    match &issued.accounting {
        Some(books) if books.exchange_rate.rate.to.code() == "MXN" => {
            Ok(Some(plain(books.exchange_rate.rate.rate.round_dp(6))))
        }
        _ => Err(CfdiError::NoPesoRate(currency.code().to_owned())),
    }
}

/// What the concepts add up to, and each tax summed as the document's
/// `Impuestos` states it.
#[derive(Default)]
pub(super) struct TaxSums {
    importes: Decimal,
    descuentos: Decimal,
    charged: Decimal,
    withheld: Decimal,
    /// (impuesto, tipo factor, rate as a fraction) → (Σ base, Σ amount).
    pub(super) traslados:
        BTreeMap<(&'static str, &'static str, Option<Decimal>), (Decimal, Decimal)>,
    /// impuesto → Σ amount.
    retenciones: BTreeMap<&'static str, Decimal>,
    /// (impuesto, rate as a fraction) → (Σ base, Σ amount) of the taxes
    /// withheld.
    pub(super) withheld_by_rate: BTreeMap<(&'static str, Decimal), (Decimal, Decimal)>,
}

/// A concept's taxes, as it states them.
#[derive(Default)]
pub(super) struct ConceptTaxes {
    /// Charged.
    pub(super) traslados: Vec<ConceptTax>,
    /// Withheld.
    pub(super) retenciones: Vec<ConceptTax>,
}

impl TaxSums {
    /// SubTotal − Descuento + taxes charged − taxes withheld.
    pub(super) fn total(&self) -> Decimal {
        self.importes - self.descuentos + self.charged - self.withheld
    }

    /// Σ concepts' amounts (`SubTotal`).
    pub(super) fn subtotal(&self) -> Decimal {
        self.importes
    }

    /// Adds a concept of `importe` less `descuento`.
    pub(super) fn add_concept(&mut self, importe: Decimal, descuento: Decimal) {
        self.importes += importe;
        self.descuentos += descuento;
    }

    /// Adds `tax` levied at `amount` (negative when withheld) on `base` to
    /// a concept's `taxes` and to the document's sums; refused when SAT
    /// knows no such tax.
    pub(super) fn levy(
        &mut self,
        tax: &TaxRate,
        (base, amount): (Decimal, Decimal),
        currency: Currency,
        taxes: &mut ConceptTaxes,
    ) -> Result<(), SatError> {
        let sat = sat_tax(tax)?;
        let amount = amount.abs();
        let (tipo_factor, importe) = match sat.fraction {
            Some(_) => ("Tasa", Some(amount)),
            None => ("Exento", None),
        };
        let concept_tax = ConceptTax {
            base: money(base, currency),
            impuesto: sat.tax.code(),
            tipo_factor,
            tasa_o_cuota: sat.fraction.map(rate),
            importe: importe.map(|i| money(i, currency)),
        };
        match sat.direction {
            TaxDirection::Transferred => {
                let sum = self
                    .traslados
                    .entry((sat.tax.code(), tipo_factor, sat.fraction))
                    .or_default();
                sum.0 += base;
                sum.1 += importe.unwrap_or_default();
                self.charged += importe.unwrap_or_default();
                taxes.traslados.push(concept_tax);
            }
            TaxDirection::Withheld => {
                *self.retenciones.entry(sat.tax.code()).or_default() += amount;
                let by_rate = self
                    .withheld_by_rate
                    .entry((sat.tax.code(), sat.fraction.unwrap_or_default()))
                    .or_default();
                by_rate.0 += base;
                by_rate.1 += amount;
                self.withheld += amount;
                taxes.retenciones.push(concept_tax);
            }
        }
        Ok(())
    }

    pub(super) fn impuestos(&self, currency: Currency) -> Option<Impuestos> {
        if self.traslados.is_empty() && self.retenciones.is_empty() {
            return None;
        }
        let rated = self
            .traslados
            .keys()
            .any(|(_, factor, _)| *factor == "Tasa");
        Some(Impuestos {
            retenciones: self
                .retenciones
                .iter()
                .map(|(impuesto, importe)| Retenido {
                    impuesto,
                    importe: money(*importe, currency),
                })
                .collect(),
            total_retenidos: (!self.retenciones.is_empty()).then(|| money(self.withheld, currency)),
            traslados: self
                .traslados
                .iter()
                .map(
                    |((impuesto, factor, fraction), (base, importe))| ConceptTax {
                        base: money(*base, currency),
                        impuesto,
                        tipo_factor: factor,
                        tasa_o_cuota: fraction.map(rate),
                        importe: fraction.map(|_| money(*importe, currency)),
                    },
                )
                .collect(),
            total_trasladados: rated.then(|| money(self.charged, currency)),
        })
    }
}

/// One line as a `Concepto`, its taxes added to `sums`.
fn concepto(
    position: usize,
    line: &IssuedLine,
    currency: Currency,
    rounding: RoundingPolicy,
    sums: &mut TaxSums,
) -> Result<Concepto, CfdiError> {
    let item = &line.item;
    let keys = item.sat.as_ref().ok_or(CfdiError::Unkeyed(position))?;
    if item.quantity <= Decimal::ZERO {
        return Err(CfdiError::Deduction(position));
    }
    let base = line.priced.net_amount;
    let descuento = line.priced.discount_amount;
    let importe = base + descuento;
    // A net price is the unit value as stated; a tax-inclusive line's is
    // its amount before discount per unit.
    let valor_unitario = match item.price_basis {
        PriceBasis::Net => item.unit_price,
        PriceBasis::Gross => (importe / item.quantity).round_dp(6),
    };
    let mut taxes = ConceptTaxes::default();
    for (tax, amount) in line_taxes(item, currency, rounding.mode) {
        sums.levy(&tax, (base, amount), currency, &mut taxes)
            .map_err(|_| CfdiError::Unkeyed(position))?;
    }
    sums.add_concept(importe, descuento);
    let objeto_imp = keys.tax_object_for(&item.taxes).to_owned();
    Ok(Concepto {
        clave_prod_serv: keys.product_key.clone(),
        cantidad: plain(item.quantity),
        clave_unidad: keys.unit_key.clone(),
        descripcion: collapsed(&item.description),
        valor_unitario: plain(valor_unitario),
        importe: money(importe, currency),
        descuento: (!descuento.is_zero()).then(|| money(descuento, currency)),
        objeto_imp,
        traslados: taxes.traslados,
        retenciones: taxes.retenciones,
    })
}
