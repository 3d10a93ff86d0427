//! Exchange rates: an amount in one currency read in another, explicitly and
//! once.
//!
//! Folio never converts implicitly. A rate is stated by whoever records the
//! amount (the rate on the card statement for an expense), kept with the
//! record, and applied by [`ExchangeRate::convert`]: `amount × rate`, rounded
//! half-up to the target currency's minor unit. That is the one rounding point
//! of a conversion; the converted amount is never converted back.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::money::{round_to_minor_unit, Currency, Money, RoundingMode};

/// Most decimal places of a rate (reference rates publish 4 to 6).
pub const MAX_RATE_SCALE: u32 = 10;

/// Longest description of a rate's source, in characters.
pub const MAX_SOURCE_LEN: usize = 200;

/// A rate from an amount's currency into `to`, as its holder stated it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ExchangeRate {
    /// The currency converted into.
    pub to: Currency,
    /// Units of `to` for one unit of the amount's currency, e.g. `0.92` from
    /// USD into EUR.
    pub rate: Decimal,
    /// Where the rate comes from (card statement, ECB reference rate of a day),
    /// if said.
    pub source: Option<String>,
}

/// Why a rate was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ExchangeRateError {
    /// A rate is positive and at most [`MAX_RATE_SCALE`] decimals.
    #[error("exchange rate {0} must be greater than 0 with at most {MAX_RATE_SCALE} decimals")]
    InvalidRate(Decimal),
    /// A rate converts into another currency.
    #[error("an exchange rate from {0} into {0} converts nothing")]
    SameCurrency(Currency),
    /// The source is too long.
    #[error("an exchange rate's source is at most {MAX_SOURCE_LEN} characters")]
    SourceTooLong,
}

impl ExchangeRate {
    /// Checks the rate for amounts in `from`, and trims its source.
    pub fn checked(self, from: Currency) -> Result<ExchangeRate, ExchangeRateError> {
        if self.rate <= Decimal::ZERO || self.rate.normalize().scale() > MAX_RATE_SCALE {
            return Err(ExchangeRateError::InvalidRate(self.rate));
        }
        if self.to == from {
            return Err(ExchangeRateError::SameCurrency(from));
        }
        let source = self
            .source
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        if source
            .as_ref()
            .is_some_and(|s| s.chars().count() > MAX_SOURCE_LEN)
        {
            return Err(ExchangeRateError::SourceTooLong);
        }
        Ok(ExchangeRate { source, ..self })
    }

    /// `amount` in [`Self::to`]: `amount × rate`, rounded half-up to the minor
    /// unit of `to`, the one rounding of a conversion.
    pub fn convert(&self, amount: Money) -> Money {
        Money::new(
            round_to_minor_unit(amount.amount * self.rate, self.to, RoundingMode::HalfUp),
            self.to,
        )
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    use super::*;

    fn currency(code: &str) -> Currency {
        Currency::from_code(code).unwrap()
    }

    fn usd_to_eur(rate: Decimal) -> ExchangeRate {
        ExchangeRate {
            to: currency("EUR"),
            rate,
            source: None,
        }
    }

    #[test]
    fn a_conversion_rounds_half_up_once_to_the_target_s_minor_unit() {
        let five_dollars = Money::new(dec!(5.00), currency("USD"));
        assert_eq!(
            usd_to_eur(dec!(0.921)).convert(five_dollars),
            Money::new(dec!(4.61), currency("EUR")) // 4.605 rounds up
        );
        let yen = ExchangeRate {
            to: currency("JPY"),
            rate: dec!(161.5),
            source: None,
        };
        assert_eq!(
            yen.convert(Money::new(dec!(1.00), currency("EUR"))).amount,
            dec!(162) // 161.5 rounds up, to whole yen
        );
    }

    #[test]
    fn a_rate_must_be_positive_precise_enough_and_between_two_currencies() {
        let usd = currency("USD");
        assert_eq!(
            usd_to_eur(dec!(0)).checked(usd),
            Err(ExchangeRateError::InvalidRate(dec!(0)))
        );
        assert_eq!(
            usd_to_eur(dec!(0.00000000001)).checked(usd),
            Err(ExchangeRateError::InvalidRate(dec!(0.00000000001)))
        );
        assert_eq!(
            usd_to_eur(dec!(1)).checked(currency("EUR")),
            Err(ExchangeRateError::SameCurrency(currency("EUR")))
        );
        let stated = ExchangeRate {
            source: Some("  card statement ".into()),
            ..usd_to_eur(dec!(0.92))
        };
        assert_eq!(
            stated.checked(usd).unwrap().source.as_deref(),
            Some("card statement")
        );
    }

    proptest! {
        /// The converted amount is within half a minor unit of the exact
        /// product, in the target's minor unit, and never shrinks as the amount
        /// grows.
        #[test]
        fn conversion_is_exact_to_half_a_minor_unit_and_monotone(
            cents in 1i64..10_000_000_000,
            more in 0i64..1_000_000,
            rate_micros in 1i64..1_000_000_000,
        ) {
            let rate = usd_to_eur(Decimal::new(rate_micros, 6));
            let amount = Money::new(Decimal::new(cents, 2), currency("USD"));
            let converted = rate.convert(amount);
            prop_assert_eq!(converted.currency, currency("EUR"));
            prop_assert!(converted.amount.scale() == 2);
            let exact = amount.amount * rate.rate;
            prop_assert!((converted.amount - exact).abs() <= dec!(0.005));
            let larger = Money::new(Decimal::new(cents + more, 2), currency("USD"));
            prop_assert!(rate.convert(larger).amount >= converted.amount);
        }
    }
}
