//! Taxes applied to invoice lines: rates, treatments and withholdings.
//!
//! A line may carry several taxes (e.g. Mexico's IVA 16% plus an ISR withholding of
//! 10%). Withholdings are taxes the customer keeps back and pays to the authority on
//! the seller's behalf, so they reduce the amount the customer owes.

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
}

/// Why a tax definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum TaxError {
    /// The tax code is empty or longer than 16 characters.
    #[error("a tax code must be 1 to 16 letters, digits or dashes, got '{0}'")]
    InvalidCode(String),
    /// The rate is negative, above 100% or has more than 4 decimals.
    #[error("tax {code}: rate {percent}% must be between 0 and 100 with at most 4 decimals")]
    InvalidRate {
        /// The tax code.
        code: String,
        /// The refused rate.
        percent: Decimal,
    },
    /// Exempt and zero-rated taxes must have a rate of 0.
    #[error("tax {code} is {treatment:?} and must have a rate of 0, got {percent}%")]
    NonZeroRateForUntaxed {
        /// The tax code.
        code: String,
        /// The treatment that requires 0%.
        treatment: TaxTreatment,
        /// The refused rate.
        percent: Decimal,
    },
    /// The same tax code appears twice on one line.
    #[error("tax {0} appears twice on the same line")]
    Duplicate(String),
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
        Ok(())
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

/// Validates every tax of a line and refuses a code that appears twice.
pub fn validate_line_taxes(taxes: &[TaxRate]) -> Result<(), TaxError> {
    for (i, tax) in taxes.iter().enumerate() {
        tax.validate()?;
        if taxes[..i].iter().any(|earlier| earlier.code == tax.code) {
            return Err(TaxError::Duplicate(tax.code.clone()));
        }
    }
    Ok(())
}
