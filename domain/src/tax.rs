//! Taxes applied to invoice lines: rates, treatments and withholdings.
//!
//! A line may carry several taxes (e.g. Mexico's IVA 16% plus an ISR withholding of
//! 10%). Withholdings are taxes the customer keeps back and pays to the authority on
//! the seller's behalf, so they reduce the amount the customer owes.
//!
//! A VAT may name its EN 16931 category ([`VatCategory`], UNCL5305) and, where no
//! VAT is charged, the exemption reason ([`VatExemption`], a VATEX code or a
//! text). The category's own rules are checked with the tax (a standard rate is
//! above 0%, an exempt one is 0% and says why); the rules that need the whole
//! invoice or the buyer (reverse charge needs the buyer's VAT number) are
//! checked when the invoice is issued.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How a tax applies to the taxable base.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaxTreatment {
    /// A tax added to the net amount at its rate (VAT/IVA 16%).
    Standard,
    /// Taxable at 0% (e.g. exports): reported, but adds nothing.
    ZeroRated,
    /// Outside the tax's scope: reported, adds nothing, rate must be 0.
    Exempt,
    /// Withheld by the customer (ISR or IVA retention): subtracted from the total.
    Withholding,
}

/// A VAT category of EN 16931 (code list UNCL5305, the subset the norm uses).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum VatCategory {
    /// `S`: standard rate, above 0%.
    #[serde(rename = "S")]
    Standard,
    /// `Z`: zero-rated goods, 0%.
    #[serde(rename = "Z")]
    ZeroRated,
    /// `E`: exempt from VAT, 0%, with a reason.
    #[serde(rename = "E")]
    Exempt,
    /// `AE`: reverse charge, 0%; the buyer accounts for the VAT.
    #[serde(rename = "AE")]
    ReverseCharge,
    /// `K`: intra-community supply (EEA), 0%.
    #[serde(rename = "K")]
    IntraCommunity,
    /// `G`: export outside the EU, 0%.
    #[serde(rename = "G")]
    Export,
    /// `O`: outside the scope of VAT, 0%; no other category on the invoice.
    #[serde(rename = "O")]
    NotSubject,
    /// `L`: Canary Islands general indirect tax (IGIC).
    #[serde(rename = "L")]
    CanaryIslands,
    /// `M`: tax of Ceuta and Melilla (IPSI).
    #[serde(rename = "M")]
    CeutaMelilla,
}

impl VatCategory {
    /// The UNCL5305 code, as EN 16931 documents carry it.
    pub fn code(self) -> &'static str {
        match self {
            VatCategory::Standard => "S",
            VatCategory::ZeroRated => "Z",
            VatCategory::Exempt => "E",
            VatCategory::ReverseCharge => "AE",
            VatCategory::IntraCommunity => "K",
            VatCategory::Export => "G",
            VatCategory::NotSubject => "O",
            VatCategory::CanaryIslands => "L",
            VatCategory::CeutaMelilla => "M",
        }
    }

    /// Categories that charge no VAT and must say why (BR-E-10, BR-AE-10,
    /// BR-IC-10, BR-G-10, BR-O-10).
    pub fn needs_exemption(self) -> bool {
        matches!(
            self,
            VatCategory::Exempt
                | VatCategory::ReverseCharge
                | VatCategory::IntraCommunity
                | VatCategory::Export
                | VatCategory::NotSubject
        )
    }

    /// Categories for which the buyer's VAT number must be on the invoice
    /// (BR-AE-02, BR-IC-02).
    pub fn needs_buyer_vat_id(self) -> bool {
        matches!(
            self,
            VatCategory::ReverseCharge | VatCategory::IntraCommunity
        )
    }

    /// The treatment the category computes with: its rate is charged (S, L,
    /// M), 0% reported as taxable (Z), or nothing charged (the others).
    fn treatment(self) -> TaxTreatment {
        match self {
            VatCategory::Standard | VatCategory::CanaryIslands | VatCategory::CeutaMelilla => {
                TaxTreatment::Standard
            }
            VatCategory::ZeroRated => TaxTreatment::ZeroRated,
            _ => TaxTreatment::Exempt,
        }
    }
}

/// The codes of the VAT exemption reason code list (CEF VATEX), the list
/// EN 16931's BT-121 takes its values from.
pub const VATEX_CODES: [&str; 61] = [
    "VATEX-EU-132",
    "VATEX-EU-132-1A",
    "VATEX-EU-132-1B",
    "VATEX-EU-132-1C",
    "VATEX-EU-132-1D",
    "VATEX-EU-132-1E",
    "VATEX-EU-132-1F",
    "VATEX-EU-132-1G",
    "VATEX-EU-132-1H",
    "VATEX-EU-132-1I",
    "VATEX-EU-132-1J",
    "VATEX-EU-132-1K",
    "VATEX-EU-132-1L",
    "VATEX-EU-132-1M",
    "VATEX-EU-132-1N",
    "VATEX-EU-132-1O",
    "VATEX-EU-132-1P",
    "VATEX-EU-132-1Q",
    "VATEX-EU-143",
    "VATEX-EU-143-1A",
    "VATEX-EU-143-1B",
    "VATEX-EU-143-1C",
    "VATEX-EU-143-1D",
    "VATEX-EU-143-1E",
    "VATEX-EU-143-1F",
    "VATEX-EU-143-1FA",
    "VATEX-EU-143-1G",
    "VATEX-EU-143-1H",
    "VATEX-EU-143-1I",
    "VATEX-EU-143-1J",
    "VATEX-EU-143-1K",
    "VATEX-EU-143-1L",
    "VATEX-EU-144",
    "VATEX-EU-146-1E",
    "VATEX-EU-148",
    "VATEX-EU-148-A",
    "VATEX-EU-148-B",
    "VATEX-EU-148-C",
    "VATEX-EU-148-D",
    "VATEX-EU-148-E",
    "VATEX-EU-148-F",
    "VATEX-EU-148-G",
    "VATEX-EU-151",
    "VATEX-EU-151-1A",
    "VATEX-EU-151-1AA",
    "VATEX-EU-151-1B",
    "VATEX-EU-151-1C",
    "VATEX-EU-151-1D",
    "VATEX-EU-151-1E",
    "VATEX-EU-309",
    "VATEX-EU-79-C",
    "VATEX-EU-AE",
    "VATEX-EU-D",
    "VATEX-EU-F",
    "VATEX-EU-G",
    "VATEX-EU-I",
    "VATEX-EU-IC",
    "VATEX-EU-J",
    "VATEX-EU-O",
    "VATEX-FR-CNWVAT",
    "VATEX-FR-FRANCHISE",
];

/// Why a VAT charges nothing: a VATEX code, a text, or both (EN 16931 BT-121
/// and BT-120).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct VatExemption {
    /// A code of [`VATEX_CODES`], e.g. `VATEX-EU-AE`.
    pub code: Option<String>,
    /// The reason in words, e.g. `Reverse charge`.
    pub reason: Option<String>,
}

/// One tax on a line: a code, a rate in percent and how it applies.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct TaxRate {
    /// Short code of the tax, e.g. `VAT`, `IVA`, `ISR`.
    pub code: String,
    /// Rate in percent, e.g. `16` for 16%.
    pub percent: Decimal,
    /// Standard, zero-rated, exempt or withholding.
    pub treatment: TaxTreatment,
    /// The EN 16931 VAT category, for a VAT (never for a withholding); absent
    /// on taxes stated before categories existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<VatCategory>,
    /// Why no VAT is charged: required for categories E, AE, K, G and O,
    /// refused for the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exemption: Option<VatExemption>,
}

/// Why a tax definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum TaxError {
    /// The tax code is empty or longer than 16 characters.
    #[error("a tax code must be 1 to 16 letters, digits or dashes, got '{0}'")]
    InvalidCode(String),
    /// The rate is negative, above 100% or has more than 4 decimals (SAT's
    /// `TasaOCuota` has six as a fraction: 0.106667 is 10.6667%).
    #[error("tax {code}: rate {percent}% must be between 0 and 100 with at most 4 decimals (a SAT TasaOCuota of 0.106667 is 10.6667%)")]
    InvalidRate {
        /// The tax's code as the line states it.
        code: String,
        /// The refused rate.
        percent: Decimal,
    },
    /// Exempt and zero-rated taxes must have a rate of 0.
    #[error("tax {code} is {treatment:?} and must have a rate of 0, got {percent}%")]
    NonZeroRateForUntaxed {
        /// The tax's code as the line states it.
        code: String,
        /// The treatment that requires 0%.
        treatment: TaxTreatment,
        /// The refused rate.
        percent: Decimal,
    },
    /// The same tax code is charged twice, or withheld twice, on one line.
    #[error(
        "tax {0} appears twice on the same line (a tax may be charged once and withheld once)"
    )]
    Duplicate(String),
    /// The rate, treatment or exemption does not fit the VAT category.
    #[error("tax {code}: category {category} {rule}")]
    CategoryRule {
        /// The tax's code as the line states it.
        code: String,
        /// The category's UNCL5305 code.
        category: String,
        /// The rule broken, in words.
        rule: String,
    },
    /// The exemption code is not on the VATEX list.
    #[error("'{0}' is not a VATEX exemption reason code (e.g. VATEX-EU-AE)")]
    UnknownExemptionCode(String),
}

impl TaxRate {
    /// Checks the code, the rate's range and precision, and the treatment.
    pub fn validate(&self) -> Result<(), TaxError> {
        let code_ok = !self.code.is_empty()
            && self.code.len() <= 16
            && self
                .code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !code_ok {
            return Err(TaxError::InvalidCode(self.code.clone()));
        }
        if self.percent < Decimal::ZERO
            || self.percent > Decimal::ONE_HUNDRED
            || self.percent.normalize().scale() > 4
        {
            return Err(TaxError::InvalidRate {
                code: self.code.clone(),
                percent: self.percent,
            });
        }
        if matches!(
            self.treatment,
            TaxTreatment::Exempt | TaxTreatment::ZeroRated
        ) && !self.percent.is_zero()
        {
            return Err(TaxError::NonZeroRateForUntaxed {
                code: self.code.clone(),
                treatment: self.treatment,
                percent: self.percent,
            });
        }
        self.validate_category()
    }

    /// Checks the VAT category's own rules: its treatment, its rate, and its
    /// exemption reason.
    fn validate_category(&self) -> Result<(), TaxError> {
        let Some(category) = self.category else {
            return match &self.exemption {
                Some(_) => Err(self.broken("-", "an exemption reason needs a VAT category")),
                None => Ok(()),
            };
        };
        if self.treatment == TaxTreatment::Withholding {
            return Err(self.broken(category.code(), "is a VAT category; a withholding has none"));
        }
        if self.treatment != category.treatment() {
            let rule = format!(
                "is computed as {:?}, not {:?}",
                category.treatment(),
                self.treatment
            );
            return Err(self.broken(category.code(), &rule));
        }
        if category == VatCategory::Standard && self.percent.is_zero() {
            return Err(self.broken("S", "needs a rate above 0% (BR-S-05)"));
        }
        match (&self.exemption, category.needs_exemption()) {
            (None, true) => Err(self.broken(
                category.code(),
                "charges no VAT and needs an exemption reason code or text",
            )),
            (Some(_), false) => {
                Err(self.broken(category.code(), "charges VAT and takes no exemption reason"))
            }
            (Some(exemption), true) => {
                let reason_ok = exemption
                    .reason
                    .as_deref()
                    .is_some_and(|r| !r.trim().is_empty() && r.chars().count() <= 1000);
                match exemption.code.as_deref() {
                    Some(code) if !VATEX_CODES.contains(&code) => {
                        Err(TaxError::UnknownExemptionCode(code.to_owned()))
                    }
                    Some(_) => Ok(()),
                    None if reason_ok => Ok(()),
                    None => Err(self.broken(
                        category.code(),
                        "needs an exemption reason code or a text of 1 to 1000 characters",
                    )),
                }
            }
            (None, false) => Ok(()),
        }
    }

    fn broken(&self, category: &str, rule: &str) -> TaxError {
        TaxError::CategoryRule {
            code: self.code.clone(),
            category: category.to_owned(),
            rule: rule.to_owned(),
        }
    }

    /// The tax as people name it in messages, e.g. `VAT 19%`.
    pub fn label(&self) -> String {
        format!("{} {}%", self.code, self.percent)
    }

    /// The signed tax on `base`, unrounded: negative for withholdings.
    pub fn unrounded_amount_on(&self, base: Decimal) -> Decimal {
        let amount = base * self.percent / Decimal::ONE_HUNDRED;
        match self.treatment {
            TaxTreatment::Withholding => -amount,
            _ => amount,
        }
    }
}

/// Validates every tax of a line and refuses a code charged twice or withheld
/// twice. A code may be charged once and withheld once: a Mexican fee charges
/// IVA at 16% and has two thirds of it withheld.
pub fn validate_line_taxes(taxes: &[TaxRate]) -> Result<(), TaxError> {
    let withheld = |tax: &TaxRate| tax.treatment == TaxTreatment::Withholding;
    for (i, tax) in taxes.iter().enumerate() {
        tax.validate()?;
        if taxes[..i]
            .iter()
            .any(|earlier| earlier.code == tax.code && withheld(earlier) == withheld(tax))
        {
            return Err(TaxError::Duplicate(tax.code.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn vat(percent: Decimal, treatment: TaxTreatment, category: VatCategory) -> TaxRate {
        TaxRate {
            code: "VAT".into(),
            percent,
            treatment,
            category: Some(category),
            exemption: None,
        }
    }

    fn because(code: Option<&str>, reason: Option<&str>) -> Option<VatExemption> {
        Some(VatExemption {
            code: code.map(str::to_owned),
            reason: reason.map(str::to_owned),
        })
    }

    #[test]
    fn a_tax_may_be_charged_once_and_withheld_once_on_a_line() {
        let tax = |percent, treatment| TaxRate {
            code: "IVA".into(),
            percent,
            treatment,
            category: None,
            exemption: None,
        };
        let charged = tax(dec!(16), TaxTreatment::Standard);
        let withheld = tax(dec!(10.6667), TaxTreatment::Withholding);
        assert_eq!(
            validate_line_taxes(&[charged.clone(), withheld.clone()]),
            Ok(())
        );
        assert_eq!(
            validate_line_taxes(&[charged.clone(), tax(dec!(8), TaxTreatment::Standard)]),
            Err(TaxError::Duplicate("IVA".into()))
        );
        assert_eq!(
            validate_line_taxes(&[withheld.clone(), charged, withheld]),
            Err(TaxError::Duplicate("IVA".into()))
        );
    }

    #[test]
    fn a_standard_rate_is_above_zero_and_charges_vat() {
        assert!(vat(dec!(19), TaxTreatment::Standard, VatCategory::Standard)
            .validate()
            .is_ok());
        assert!(matches!(
            vat(dec!(0), TaxTreatment::Standard, VatCategory::Standard).validate(),
            Err(TaxError::CategoryRule { .. })
        ));
        assert!(matches!(
            vat(dec!(0), TaxTreatment::Exempt, VatCategory::Standard).validate(),
            Err(TaxError::CategoryRule { .. })
        ));
    }

    #[test]
    fn reverse_charge_is_zero_percent_and_says_why() {
        let reverse = vat(dec!(0), TaxTreatment::Exempt, VatCategory::ReverseCharge);
        assert!(matches!(
            reverse.clone().validate(),
            Err(TaxError::CategoryRule { .. })
        ));
        let with_code = TaxRate {
            exemption: because(Some("VATEX-EU-AE"), None),
            ..reverse.clone()
        };
        assert!(with_code.validate().is_ok());
        let with_text = TaxRate {
            exemption: because(None, Some("Reverse charge")),
            ..reverse.clone()
        };
        assert!(with_text.validate().is_ok());
        let made_up = TaxRate {
            exemption: because(Some("VATEX-EU-XX"), None),
            ..reverse
        };
        assert_eq!(
            made_up.validate(),
            Err(TaxError::UnknownExemptionCode("VATEX-EU-XX".into()))
        );
    }

    #[test]
    fn exempt_and_not_subject_are_told_apart_and_both_need_a_reason() {
        for category in [VatCategory::Exempt, VatCategory::NotSubject] {
            let bare = vat(dec!(0), TaxTreatment::Exempt, category);
            assert!(bare.clone().validate().is_err(), "{category:?}");
            let reasoned = TaxRate {
                exemption: because(None, Some("Medical care, art. 132(1)(c)")),
                ..bare
            };
            assert!(reasoned.validate().is_ok(), "{category:?}");
        }
        assert_ne!(VatCategory::Exempt.code(), VatCategory::NotSubject.code());
    }

    #[test]
    fn a_vat_that_charges_takes_no_exemption_and_a_withholding_no_category() {
        let standard = TaxRate {
            exemption: because(None, Some("why not")),
            ..vat(dec!(19), TaxTreatment::Standard, VatCategory::Standard)
        };
        assert!(standard.validate().is_err());
        let withholding = vat(dec!(10), TaxTreatment::Withholding, VatCategory::Standard);
        assert!(withholding.validate().is_err());
    }

    #[test]
    fn categories_serialize_as_their_uncl5305_codes() {
        assert_eq!(
            serde_json::to_value(VatCategory::IntraCommunity).unwrap(),
            serde_json::json!("K")
        );
        let legacy: TaxRate =
            serde_json::from_str(r#"{"code":"VAT","percent":"19","treatment":"STANDARD"}"#)
                .unwrap();
        assert_eq!((legacy.category, &legacy.exemption), (None, &None));
        assert!(!serde_json::to_string(&legacy).unwrap().contains("category"));
    }
}
