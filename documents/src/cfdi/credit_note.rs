//! The CFDI of a credit note against a stamped Mexican invoice: type E
//! (*egreso*), related to the invoice's fiscal folio with `TipoRelacion` 01,
//! amounts as the credit note recorded them.
//!
//! What SAT's guide (Anexo 20, appendix 5) leaves to the issuer, Folio
//! decides so:
//!
//! - A line credit states each credited line with the invoice line's keys,
//!   the units credited, its net credited (`ValorUnitario` = net ÷ units,
//!   six decimals) and each of its taxes on that net, rounded per line.
//!   What their own rounding leaves of the note's total of a tax (the credit
//!   that closes a line takes exactly what was left) is taken by the last
//!   concepts first, each within the bounds SAT allows of its base.
//! - An amount credit is one concept of SAT's key for billing services
//!   (84111506) in activities (`ACT`), described by the note's reason, taxed
//!   at the one rate it names (or not subject to tax, `01`).
//! - `MetodoPago` is `PUE` (the guide's rule for *egresos*). `FormaPago` is
//!   the invoice's for an invoice issued `PUE` (paid by it), and `15`
//!   (*condonación*) for one issued `PPD`: a Folio credit note forgives what
//!   is owed and pays nothing out (a refund is a payment's own act).
//! - `UsoCFDI` is `G02` (returns, discounts or allowances) when SAT allows
//!   it for the receiver's regime, the invoice's own use otherwise (the
//!   general public's `S01`).
//! - The rate into pesos is the invoice's: a credit note corrects the
//!   invoice as it was booked.

use chrono::NaiveDateTime;
use folio_domain::ids::CreditNoteId;
use folio_domain::invoice::{CreditedLine, IssuedLine};
use folio_domain::money::{round_to_minor_unit, Currency};
use folio_domain::pricing::{RoundingPolicy, TaxTotal};
use folio_domain::sat::{catalogue, CfdiParties, SatPaymentMethod};
use folio_domain::tax::TaxRate;
use rust_decimal::{Decimal, RoundingStrategy};

use super::build::{emisor, receptor, tipo_cambio, ConceptTaxes, TaxSums};
use super::cadena::collapsed;
use super::model::{Certificado, CfdiRelacionados, Comprobante, Concepto};
use super::CfdiError;
use crate::model::{in_minor_units as money, plain};
use crate::record::{InvoiceRecord, IssuedCreditNote, IssuedInvoice};

/// `UsoCFDI` of a credit note, where the receiver's regime allows it.
const USO_DEVOLUCIONES: &str = "G02";
/// `FormaPago` of a credit note of an invoice to be paid later.
const CONDONACION: &str = "15";

/// The `Comprobante` of type E of credit note `credit_note_id` against the
/// stamped invoice in `record`, to `receiver_name` (SAT's name of the
/// customer), dated `fecha`, sealed with `certificado`.
pub fn credit_note_comprobante(
    record: &InvoiceRecord,
    (credit_note_id, receiver_name): (CreditNoteId, &str),
    fecha: NaiveDateTime,
    certificado: Certificado,
) -> Result<Comprobante, CfdiError> {
    let issued = record.issued.as_ref().ok_or(CfdiError::NotIssued)?;
    let currency = record.currency.ok_or(CfdiError::NotIssued)?;
    let parties = issued.cfdi.as_deref().ok_or(CfdiError::NotMexican)?;
    let stamp = record.stamp.as_ref().ok_or(CfdiError::NotStamped)?;
    let note = record
        .credit_notes
        .iter()
        .find(|n| n.credit_note_id == credit_note_id)
        .ok_or(CfdiError::UnknownCreditNote(credit_note_id))?;
    let (conceptos, sums) = credited(issued, note, currency)?;
    Ok(Comprobante {
        tipo: Comprobante::EGRESO,
        serie: note.number.series.clone(),
        folio: note.number.sequence.to_string(),
        fecha,
        forma_pago: Some(forma_pago(parties).to_owned()),
        certificado,
        subtotal: money(sums.subtotal(), currency),
        descuento: None,
        moneda: currency.code().to_owned(),
        tipo_cambio: tipo_cambio(issued, currency)?,
        total: money(sums.total(), currency),
        metodo_pago: Some(SatPaymentMethod::Pue.to_string()),
        lugar_expedicion: parties.issuer.postal_code.clone(),
        relacionados: Some(CfdiRelacionados {
            tipo_relacion: CfdiRelacionados::NOTA_DE_CREDITO,
            uuids: vec![stamp.uuid.to_string().to_uppercase()],
        }),
        emisor: emisor(parties),
        receptor: {
            let mut receptor = receptor(parties, receiver_name);
            receptor.uso_cfdi = uso_cfdi(parties).to_owned();
            receptor
        },
        impuestos: sums.impuestos(currency),
        conceptos,
        pagos: None,
    })
}

/// The form of payment a credit note states (this module's rule).
fn forma_pago(parties: &CfdiParties) -> &str {
    match parties.payment.payment_method {
        SatPaymentMethod::Pue => &parties.payment.payment_form,
        SatPaymentMethod::Ppd => CONDONACION,
    }
}

/// The use a credit note states (this module's rule).
fn uso_cfdi(parties: &CfdiParties) -> &str {
    let regime = parties.receiver.tax_regime.as_str();
    let allowed = catalogue::cfdi_use(USO_DEVOLUCIONES)
        .is_some_and(|uso| uso.receiver_regimes.contains(&regime));
    if allowed {
        USO_DEVOLUCIONES
    } else {
        &parties.receiver.cfdi_use
    }
}

/// One tax of a concept before it is written: which, on what, how much
/// (negative when withheld).
struct Levied<'a> {
    tax: &'a TaxRate,
    base: Decimal,
    amount: Decimal,
}

/// A concept before its taxes are closed and written.
struct Draft<'a> {
    /// The concept, its taxes still empty.
    concepto: Concepto,
    /// Its net (`Importe`: no concept of a credit note has a discount).
    net: Decimal,
    levied: Vec<Levied<'a>>,
}

/// The note's concepts and what they add up to, checked to add up to the
/// note's total.
fn credited(
    issued: &IssuedInvoice,
    note: &IssuedCreditNote,
    currency: Currency,
) -> Result<(Vec<Concepto>, TaxSums), CfdiError> {
    let mut drafts = if note.lines.is_empty() {
        vec![amount_concept(note, currency)]
    } else {
        note.lines
            .iter()
            .map(|line| line_concept(issued, line, currency, issued.rounding))
            .collect::<Result<Vec<_>, _>>()?
    };
    for total in &note.totals.tax_totals {
        close_tax(&mut drafts, total)?;
    }
    let mut sums = TaxSums::default();
    let mut conceptos = Vec::with_capacity(drafts.len());
    for (position, draft) in drafts.into_iter().enumerate() {
        let mut taxes = ConceptTaxes::default();
        for tax in draft.levied {
            sums.levy(tax.tax, (tax.base, tax.amount), currency, &mut taxes)
                .map_err(|_| CfdiError::Unkeyed(position + 1))?;
        }
        sums.add_concept(draft.net, Decimal::ZERO);
        conceptos.push(Concepto {
            traslados: taxes.traslados,
            retenciones: taxes.retenciones,
            ..draft.concepto
        });
    }
    if sums.total() != note.totals.total {
        return Err(CfdiError::Inconsistent {
            cfdi: sums.total(),
            invoice: note.totals.total,
        });
    }
    Ok((conceptos, sums))
}

/// An issued line's credited part as a concept, its taxes on the credited
/// net rounded per line.
fn line_concept<'a>(
    issued: &'a IssuedInvoice,
    credited: &CreditedLine,
    currency: Currency,
    rounding: RoundingPolicy,
) -> Result<Draft<'a>, CfdiError> {
    let (position, line): (usize, &IssuedLine) = issued
        .lines
        .iter()
        .enumerate()
        .find(|(_, l)| l.line_id == credited.line_id)
        .ok_or(CfdiError::UnknownLine(credited.line_id))?;
    let item = &line.item;
    let keys = item.sat.as_ref().ok_or(CfdiError::Unkeyed(position + 1))?;
    let net = credited.net_amount;
    let levied = item
        .taxes
        .iter()
        .map(|tax| Levied {
            tax,
            base: net,
            amount: round_to_minor_unit(tax.unrounded_amount_on(net), currency, rounding.mode),
        })
        .collect();
    let concepto = Concepto {
        clave_prod_serv: keys.product_key.clone(),
        cantidad: plain(credited.quantity),
        clave_unidad: keys.unit_key.clone(),
        descripcion: collapsed(&item.description),
        valor_unitario: plain((net / credited.quantity).round_dp(6)),
        importe: money(net, currency),
        descuento: None,
        objeto_imp: keys.tax_object_for(&item.taxes).to_owned(),
        traslados: Vec::new(),
        retenciones: Vec::new(),
    };
    Ok(Draft {
        concepto,
        net,
        levied,
    })
}

/// An amount credit as SAT's one concept of a discount or an allowance.
fn amount_concept(note: &IssuedCreditNote, currency: Currency) -> Draft<'_> {
    let net = note.totals.net_total;
    let levied: Vec<Levied<'_>> = note
        .totals
        .tax_totals
        .iter()
        .map(|total| Levied {
            tax: &total.tax,
            base: total.taxable_base,
            amount: total.amount,
        })
        .collect();
    let objeto_imp = if levied.is_empty() { "01" } else { "02" };
    let concepto = Concepto {
        clave_prod_serv: "84111506".to_owned(),
        cantidad: "1".to_owned(),
        clave_unidad: "ACT".to_owned(),
        descripcion: collapsed(&note.reason),
        valor_unitario: money(net, currency),
        importe: money(net, currency),
        descuento: None,
        objeto_imp: objeto_imp.to_owned(),
        traslados: Vec::new(),
        retenciones: Vec::new(),
    };
    Draft {
        concepto,
        net,
        levied,
    }
}

/// Makes the concepts levying `total`'s tax add up to the note's total of
/// it: what their own rounding leaves over is taken by the last concepts
/// first, each only as far as SAT allows of its base; refused when they
/// cannot take it all.
fn close_tax(drafts: &mut [Draft<'_>], total: &TaxTotal) -> Result<(), CfdiError> {
    let stated: Decimal = drafts
        .iter()
        .flat_map(|draft| &draft.levied)
        .filter(|levied| *levied.tax == total.tax)
        .map(|levied| levied.amount)
        .sum();
    // In absolute amounts: a withholding's are negative.
    let mut left = total.amount.abs() - stated.abs();
    let fraction = total.tax.percent / Decimal::ONE_HUNDRED;
    let levied = drafts
        .iter_mut()
        .rev()
        .flat_map(|draft| draft.levied.iter_mut())
        .filter(|levied| *levied.tax == total.tax);
    for levied in levied {
        if left.is_zero() {
            break;
        }
        let (low, high) = sat_bounds(levied.base, fraction);
        let before = levied.amount.abs();
        let after = (before + left).clamp(low, high);
        left -= after - before;
        levied.amount = if total.amount.is_sign_negative() {
            -after
        } else {
            after
        };
    }
    if left.is_zero() {
        Ok(())
    } else {
        Err(CfdiError::Inconsistent {
            cfdi: total.amount - left,
            invoice: total.amount,
        })
    }
}

/// The least and the most SAT accepts as a tax at `fraction` of `base` in
/// cents: the base less half a cent times the rate, truncated, and the base
/// plus half a cent times the rate, rounded up.
fn sat_bounds(base: Decimal, fraction: Decimal) -> (Decimal, Decimal) {
    let half_cent = Decimal::new(5, 3);
    let low = ((base - half_cent) * fraction).trunc_with_scale(2);
    let high =
        ((base + half_cent) * fraction).round_dp_with_strategy(2, RoundingStrategy::AwayFromZero);
    (low.max(Decimal::ZERO), high)
}
