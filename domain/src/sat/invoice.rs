//! The rules a Mexican invoice must meet as a whole before it is issued:
//! its parties complete, every line keyed, every tax one SAT knows at a rate
//! c_TasaOCuota allows. What the CFDI will say is decided here and recorded
//! with the issued invoice, so it is the same whenever it is rendered.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::catalogue::{self, SatTax, TaxDirection};
use super::{cfdi_use_for, SatError, SatIssuer, SatLineKeys, SatPaymentTerms, SatReceiver};
use crate::tax::{TaxRate, TaxTreatment};

/// Who issues and who receives a Mexican invoice, as recorded when it is
/// issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CfdiParties {
    /// The tenant's issuer data in force.
    pub issuer: SatIssuer,
    /// The receiver's RFC (the customer's tax id).
    pub receiver_rfc: String,
    /// The receiver's data, its use the invoice's.
    pub receiver: SatReceiver,
    /// How the invoice is paid (its use is the receiver's).
    pub payment: SatPaymentTerms,
}

/// One line as [`check_invoice`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct CfdiLine<'a> {
    /// What it says it sells.
    pub description: &'a str,
    /// The line's keys, if it has them.
    pub keys: Option<&'a SatLineKeys>,
    /// Its taxes.
    pub taxes: &'a [TaxRate],
}

/// A line's tax as a CFDI states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SatTaxLine {
    /// Which tax (c_Impuesto).
    pub tax: SatTax,
    /// Charged or withheld.
    pub direction: TaxDirection,
    /// The rate as SAT's *TasaOCuota* (`0.160000`); none for an exempt tax
    /// (*TipoFactor* `Exento`).
    pub fraction: Option<Decimal>,
}

/// The CFDI form of a line's tax, if SAT's catalogues allow it.
pub fn sat_tax(rate: &TaxRate) -> Result<SatTaxLine, SatError> {
    let refused = |direction: &str| SatError::TaxNotSat {
        code: rate.code.clone(),
        percent: rate.percent,
        direction: direction.into(),
    };
    let fraction = (rate.percent / Decimal::ONE_HUNDRED).normalize();
    let (direction, fraction, words) = match rate.treatment {
        TaxTreatment::Standard | TaxTreatment::ZeroRated => {
            (TaxDirection::Transferred, Some(fraction), "charged")
        }
        TaxTreatment::Exempt => (TaxDirection::Transferred, None, "exempt"),
        TaxTreatment::Withholding => (TaxDirection::Withheld, Some(fraction), "withheld"),
    };
    let tax = SatTax::from_code(&rate.code).ok_or_else(|| refused(words))?;
    let allowed = match fraction {
        Some(fraction) => catalogue::rate_allowed(tax, fraction, direction),
        // Only IVA and IEPS are ever exempt; nothing withheld is.
        None => tax != SatTax::Isr,
    };
    if !allowed {
        return Err(refused(words));
    }
    Ok(SatTaxLine {
        tax,
        direction,
        fraction,
    })
}

/// Checks a line's tax object ([`SatLineKeys::tax_object_for`]) against its
/// taxes. The objects whose CFDI form Folio does not write (`05` to `08`)
/// are refused.
fn check_tax_object(keys: &SatLineKeys, taxes: &[TaxRate]) -> Result<(), SatError> {
    let object = keys.tax_object_for(taxes);
    let rule = match (object, taxes.is_empty()) {
        ("02", true) => Some("says the line is taxed: give it its taxes"),
        ("01" | "03" | "04", false) => {
            Some("says the line's taxes are not broken down: it cannot carry taxes")
        }
        ("01" | "02" | "03" | "04", _) => None,
        _ => Some("is not one Folio's CFDI writes (01 to 04)"),
    };
    match rule {
        Some(rule) => Err(SatError::TaxObjectMismatch {
            tax_object: object.to_owned(),
            rule: rule.into(),
        }),
        None => Ok(()),
    }
}

/// In Mexico IVA on goods that bear IEPS is levied on the price plus the
/// IEPS; Folio levies every tax on the net, so such a line is refused
/// rather than charged too little IVA.
fn check_iva_on_ieps(line: usize, taxes: &[TaxRate]) -> Result<(), SatError> {
    let charged = |code: &str| {
        taxes.iter().any(|t| {
            t.code == code && t.treatment == TaxTreatment::Standard && !t.percent.is_zero()
        })
    };
    if charged("IEPS") && charged("IVA") {
        return Err(SatError::IvaOnIeps { line });
    }
    Ok(())
}

/// Checks that an invoice can be a CFDI 4.0 and returns its parties as they
/// are recorded: the receiver's use the invoice's own (else the
/// customer's), checked against the receiver's regime and RFC.
pub fn check_invoice(
    issuer: &SatIssuer,
    receiver_rfc: &str,
    receiver: &SatReceiver,
    payment: &SatPaymentTerms,
    lines: &[CfdiLine<'_>],
) -> Result<CfdiParties, SatError> {
    let payment = payment.clone().validated()?;
    let cfdi_use = payment.cfdi_use.as_deref().unwrap_or(&receiver.cfdi_use);
    let cfdi_use = cfdi_use_for(cfdi_use, &receiver.tax_regime, Some(receiver_rfc))?;
    let border = catalogue::postal_code(&issuer.postal_code).is_some_and(|p| p.border_stimulus);
    let border_rate = Decimal::new(8, 2);
    for (index, line) in lines.iter().enumerate() {
        let keys = line
            .keys
            .ok_or(SatError::MissingLineKeys { line: index + 1 })?;
        if line.description.contains('|') {
            return Err(SatError::PipeInDescription { line: index + 1 });
        }
        check_tax_object(keys, line.taxes)?;
        check_iva_on_ieps(index + 1, line.taxes)?;
        for rate in line.taxes {
            let tax = sat_tax(rate)?;
            if tax.tax == SatTax::Iva && tax.fraction == Some(border_rate) && !border {
                return Err(SatError::BorderRateOutsideBorder {
                    postal_code: issuer.postal_code.clone(),
                });
            }
        }
    }
    Ok(CfdiParties {
        issuer: issuer.clone(),
        receiver_rfc: receiver_rfc.to_owned(),
        receiver: SatReceiver {
            cfdi_use,
            ..receiver.clone()
        },
        // The use is the receiver's, recorded once.
        payment: SatPaymentTerms {
            cfdi_use: None,
            ..payment
        },
    })
}
