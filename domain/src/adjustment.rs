//! Document-level allowances and charges (EN 16931 BG-20 and BG-21): an amount
//! off the whole invoice (a volume rebate, a settlement discount agreed up front)
//! or on it (freight, packing, an insurance fee), outside any line.
//!
//! Each adjustment carries exactly one VAT rate, named with its EN 16931
//! category (BR-32, BR-37), because it changes that rate's taxable base: a
//! 50.00 allowance at 19% lowers the 19% base by 50.00 and the 19% VAT with it
//! (BR-S-08 and the other categories' `-08` rules). A withholding is never an
//! adjustment's tax. Each says why, in words, as a code, or both (BR-33, BR-38);
//! the code comes from UNCL 5189 for an allowance and from UNCL 7161 for a
//! charge, the two lists EN 16931 admits (BR-CL-19, BR-CL-20).
//!
//! A **percentage** is taken of the nets of the lines that carry the
//! adjustment's rate (that sum is the base, BT-93 / BT-100), never of the whole
//! document: a 2% rebate on a 19%-and-7% invoice is two adjustments, one per
//! rate, so each rate's VAT shrinks by its own share. The percentage becomes a
//! rounded amount once, when the invoice is issued ([`crate::pricing`]); the
//! issued invoice records both.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::AdjustmentId;
use crate::money::Currency;
use crate::tax::{TaxError, TaxRate};

/// Most characters of an adjustment's reason.
pub const MAX_REASON: usize = 1000;

/// The allowance reason codes EN 16931 admits (its subset of UNCL 5189,
/// BR-CL-19), as the CEN Schematron lists them.
pub const ALLOWANCE_REASON_CODES: [&str; 19] = [
    "41", "42", "60", "62", "63", "64", "65", "66", "67", "68", "70", "71", "88", "95", "100",
    "102", "103", "104", "105",
];

/// The charge reason codes EN 16931 admits (UNCL 7161, BR-CL-20), as the CEN
/// Schematron lists them.
pub const CHARGE_REASON_CODES: [&str; 178] = [
    "AA", "AAA", "AAC", "AAD", "AAE", "AAF", "AAH", "AAI", "AAS", "AAT", "AAV", "AAY", "AAZ",
    "ABA", "ABB", "ABC", "ABD", "ABF", "ABK", "ABL", "ABN", "ABR", "ABS", "ABT", "ABU", "ACF",
    "ACG", "ACH", "ACI", "ACJ", "ACK", "ACL", "ACM", "ACS", "ADC", "ADE", "ADJ", "ADK", "ADL",
    "ADM", "ADN", "ADO", "ADP", "ADQ", "ADR", "ADT", "ADW", "ADY", "ADZ", "AEA", "AEB", "AEC",
    "AED", "AEF", "AEH", "AEI", "AEJ", "AEK", "AEL", "AEM", "AEN", "AEO", "AEP", "AES", "AET",
    "AEU", "AEV", "AEW", "AEX", "AEY", "AEZ", "AJ", "AU", "CA", "CAB", "CAD", "CAE", "CAF", "CAI",
    "CAJ", "CAK", "CAL", "CAM", "CAN", "CAO", "CAP", "CAQ", "CAR", "CAS", "CAT", "CAU", "CAV",
    "CAW", "CAX", "CAY", "CAZ", "CD", "CG", "CS", "CT", "DAB", "DAC", "DAD", "DAF", "DAG", "DAH",
    "DAI", "DAJ", "DAK", "DAL", "DAM", "DAN", "DAO", "DAP", "DAQ", "DL", "EG", "EP", "ER", "FAA",
    "FAB", "FAC", "FC", "FH", "FI", "GAA", "HAA", "HD", "HH", "IAA", "IAB", "ID", "IF", "IR", "IS",
    "KO", "L1", "LA", "LAA", "LAB", "LF", "MAE", "MI", "ML", "NAA", "OA", "PA", "PAA", "PC", "PL",
    "PRV", "RAB", "RAC", "RAD", "RAF", "RE", "RF", "RH", "RV", "SA", "SAA", "SAD", "SAE", "SAI",
    "SG", "SH", "SM", "SU", "TAB", "TAC", "TT", "TV", "V1", "V2", "WH", "XAA", "YY", "ZZZ",
];

/// Whether an adjustment lowers or raises what is owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AdjustmentKind {
    /// Taken off the document (BG-20).
    Allowance,
    /// Added to the document (BG-21).
    Charge,
}

impl AdjustmentKind {
    /// The sign the adjustment's amount takes in its rate's base: −1 for an
    /// allowance, +1 for a charge.
    pub fn sign(self) -> Decimal {
        match self {
            AdjustmentKind::Allowance => Decimal::NEGATIVE_ONE,
            AdjustmentKind::Charge => Decimal::ONE,
        }
    }

    /// The code list the reason code must come from.
    fn reason_codes(self) -> &'static [&'static str] {
        match self {
            AdjustmentKind::Allowance => &ALLOWANCE_REASON_CODES,
            AdjustmentKind::Charge => &CHARGE_REASON_CODES,
        }
    }
}

/// How large an adjustment is: a fixed amount, or a percentage of the nets of
/// the lines at its rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AdjustmentSize {
    /// A fixed amount in the invoice currency, positive whatever the kind.
    Amount {
        /// The amount, in the currency's minor unit.
        amount: Decimal,
    },
    /// A percentage (above 0, at most 100) of the nets of the lines that carry
    /// the adjustment's rate, turned into an amount at issue.
    Percent {
        /// The percentage, e.g. `2` for 2%.
        percent: Decimal,
    },
}

/// An allowance or charge on a draft: what the caller states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DocumentAdjustment {
    /// Allowance (off) or charge (on).
    pub kind: AdjustmentKind,
    /// A fixed amount or a percentage.
    pub size: AdjustmentSize,
    /// Why, in words (BT-97 / BT-104); this or `reason_code` is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Why, as a code of UNCL 5189 (allowance) or UNCL 7161 (charge), e.g.
    /// `95` for a discount, `FC` for freight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    /// The one VAT rate whose base the adjustment changes, with its category.
    pub tax: TaxRate,
}

/// An adjustment on a draft, under its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftAdjustment {
    /// Its id, which removing it names.
    pub adjustment_id: AdjustmentId,
    /// What it says.
    pub adjustment: DocumentAdjustment,
}

/// An adjustment's amount as pricing decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PricedAdjustment {
    /// For a percentage: the nets of the lines at its rate, which the
    /// percentage was taken of (BT-93 / BT-100). Absent for a fixed amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_amount: Option<Decimal>,
    /// The amount, positive and rounded to the minor unit (BT-92 / BT-99).
    pub amount: Decimal,
}

/// An adjustment as issued: its id, what it said and its amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct IssuedAdjustment {
    /// Its id on the draft.
    pub adjustment_id: AdjustmentId,
    /// What it said.
    pub adjustment: DocumentAdjustment,
    /// Its rounded amount.
    pub priced: PricedAdjustment,
}

/// The document's allowance and charge totals (BT-107, BT-108), derived from
/// its issued adjustments.
pub fn adjustment_totals<'a>(
    adjustments: impl IntoIterator<Item = &'a IssuedAdjustment>,
) -> (Decimal, Decimal) {
    adjustments
        .into_iter()
        .fold((Decimal::ZERO, Decimal::ZERO), |(off, on), a| {
            match a.adjustment.kind {
                AdjustmentKind::Allowance => (off + a.priced.amount, on),
                AdjustmentKind::Charge => (off, on + a.priced.amount),
            }
        })
}

/// Why an allowance or charge was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AdjustmentError {
    /// A fixed amount must be above 0 and in the currency's minor unit.
    #[error("an allowance or charge of {amount} must be above 0 with at most {decimals} decimals")]
    InvalidAmount {
        /// The refused amount.
        amount: Decimal,
        /// The currency's minor-unit decimals.
        decimals: u32,
    },
    /// A percentage must be above 0, at most 100, with at most 4 decimals.
    #[error(
        "an allowance or charge of {0}% must be above 0 and at most 100, with at most 4 decimals"
    )]
    InvalidPercent(Decimal),
    /// Neither a reason nor a reason code was given (BR-33, BR-38).
    #[error("an allowance or charge needs a reason, a reason code, or both")]
    ReasonRequired,
    /// The reason is longer than [`MAX_REASON`] characters.
    #[error("an allowance or charge's reason has at most {max} characters")]
    ReasonTooLong {
        /// The most allowed.
        max: usize,
    },
    /// The code is not on the kind's list (UNCL 5189 for allowances, UNCL 7161
    /// for charges).
    #[error("'{code}' is not {list} reason code (e.g. {example})")]
    UnknownReasonCode {
        /// The refused code.
        code: String,
        /// The list it was checked against.
        list: String,
        /// A code that is on it.
        example: String,
    },
    /// The tax names no EN 16931 VAT category (BR-32, BR-37); a withholding has
    /// none and is never an adjustment's tax.
    #[error(
        "an allowance or charge's tax {tax} needs its VAT category (a withholding cannot be one)"
    )]
    VatCategoryRequired {
        /// The tax as stated.
        tax: String,
    },
    /// The tax itself is invalid.
    #[error(transparent)]
    Tax(#[from] TaxError),
}

impl DocumentAdjustment {
    /// Checks the size against the currency, the reason and its code, and the
    /// tax; returns the adjustment with its reason and code trimmed (an empty
    /// one is none).
    pub fn validated(self, currency: Currency) -> Result<Self, AdjustmentError> {
        self.check_size(currency)?;
        let reason = self
            .reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        let reason_code = self
            .reason_code
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        if reason.is_none() && reason_code.is_none() {
            return Err(AdjustmentError::ReasonRequired);
        }
        if reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_REASON)
        {
            return Err(AdjustmentError::ReasonTooLong { max: MAX_REASON });
        }
        if let Some(code) = &reason_code {
            check_reason_code(self.kind, code)?;
        }
        self.tax.validate()?;
        if self.tax.category.is_none() {
            return Err(AdjustmentError::VatCategoryRequired {
                tax: self.tax.label(),
            });
        }
        Ok(DocumentAdjustment {
            reason,
            reason_code,
            ..self
        })
    }

    fn check_size(&self, currency: Currency) -> Result<(), AdjustmentError> {
        match self.size {
            AdjustmentSize::Amount { amount }
                if amount <= Decimal::ZERO
                    || amount.normalize().scale() > currency.minor_units() =>
            {
                Err(AdjustmentError::InvalidAmount {
                    amount,
                    decimals: currency.minor_units(),
                })
            }
            AdjustmentSize::Percent { percent }
                if percent <= Decimal::ZERO
                    || percent > Decimal::ONE_HUNDRED
                    || percent.normalize().scale() > 4 =>
            {
                Err(AdjustmentError::InvalidPercent(percent))
            }
            _ => Ok(()),
        }
    }
}

fn check_reason_code(kind: AdjustmentKind, code: &str) -> Result<(), AdjustmentError> {
    let codes = kind.reason_codes();
    if codes.contains(&code) {
        return Ok(());
    }
    let (list, example) = match kind {
        AdjustmentKind::Allowance => ("an allowance (UNCL 5189)", "95, a discount"),
        AdjustmentKind::Charge => ("a charge (UNCL 7161)", "FC, freight"),
    };
    Err(AdjustmentError::UnknownReasonCode {
        code: code.to_owned(),
        list: list.to_owned(),
        example: example.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tax::{TaxTreatment, VatCategory};
    use rust_decimal_macros::dec;

    fn eur() -> Currency {
        Currency::from_code("EUR").unwrap()
    }

    fn vat_s(percent: Decimal) -> TaxRate {
        TaxRate {
            code: "VAT".into(),
            percent,
            treatment: TaxTreatment::Standard,
            category: Some(VatCategory::Standard),
            exemption: None,
        }
    }

    fn rebate(size: AdjustmentSize) -> DocumentAdjustment {
        DocumentAdjustment {
            kind: AdjustmentKind::Allowance,
            size,
            reason: Some("  Volume rebate ".into()),
            reason_code: None,
            tax: vat_s(dec!(19)),
        }
    }

    #[test]
    fn a_valid_adjustment_comes_back_with_its_reason_trimmed() {
        let checked = rebate(AdjustmentSize::Percent { percent: dec!(2) })
            .validated(eur())
            .unwrap();
        assert_eq!(checked.reason.as_deref(), Some("Volume rebate"));
    }

    #[test]
    fn sizes_are_positive_in_the_minor_unit_and_percentages_at_most_100() {
        for amount in [dec!(0), dec!(-1), dec!(0.001)] {
            assert!(matches!(
                rebate(AdjustmentSize::Amount { amount }).validated(eur()),
                Err(AdjustmentError::InvalidAmount { .. })
            ));
        }
        for percent in [dec!(0), dec!(100.01), dec!(0.00001)] {
            assert_eq!(
                rebate(AdjustmentSize::Percent { percent }).validated(eur()),
                Err(AdjustmentError::InvalidPercent(percent))
            );
        }
        assert!(rebate(AdjustmentSize::Percent { percent: dec!(100) })
            .validated(eur())
            .is_ok());
    }

    #[test]
    fn a_reason_or_a_code_of_the_kind_s_own_list_is_required() {
        let mut silent = rebate(AdjustmentSize::Amount { amount: dec!(5) });
        silent.reason = Some("   ".into());
        assert_eq!(
            silent.clone().validated(eur()),
            Err(AdjustmentError::ReasonRequired)
        );
        silent.reason_code = Some("95".into());
        assert!(silent.clone().validated(eur()).is_ok());
        // FC (freight) is a charge's code, not an allowance's.
        silent.reason_code = Some("FC".into());
        assert!(matches!(
            silent.clone().validated(eur()),
            Err(AdjustmentError::UnknownReasonCode { .. })
        ));
        silent.kind = AdjustmentKind::Charge;
        assert!(silent.validated(eur()).is_ok());
    }

    #[test]
    fn the_tax_names_its_vat_category_and_is_never_a_withholding() {
        let mut adjustment = rebate(AdjustmentSize::Amount { amount: dec!(5) });
        adjustment.tax.category = None;
        assert!(matches!(
            adjustment.clone().validated(eur()),
            Err(AdjustmentError::VatCategoryRequired { .. })
        ));
        adjustment.tax.treatment = TaxTreatment::Withholding;
        assert!(matches!(
            adjustment.validated(eur()),
            Err(AdjustmentError::VatCategoryRequired { .. })
        ));
    }

    #[test]
    fn the_code_lists_hold_each_code_once() {
        for list in [&ALLOWANCE_REASON_CODES[..], &CHARGE_REASON_CODES[..]] {
            let mut sorted = list.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), list.len());
        }
    }
}
