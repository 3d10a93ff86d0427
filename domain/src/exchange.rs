//! Exchange rates: an amount in one currency read in another, explicitly and
//! once.
//!
//! Folio never converts implicitly. A rate is stated by whoever records the
//! amount (the rate on the card statement for an expense), kept with the
//! record, and applied by [`ExchangeRate::convert`]: `amount × rate`, rounded
//! half-up to the target currency's minor unit. That is the one rounding point
//! of a conversion; the converted amount is never converted back.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::money::{round_to_minor_unit, Currency, Money, RoundingMode};
use crate::pricing::DocumentTotals;

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

/// The rate a document was booked at, with the day it is the rate of (the
/// document's date when its caller stated it, the table's day when looked up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DatedRate {
    /// The rate, into the tenant's accounting currency.
    #[serde(flatten)]
    pub rate: ExchangeRate,
    /// The day the rate is of.
    pub date: NaiveDate,
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
    /// A document in a foreign currency needs a rate into the books'
    /// currency, and neither its caller nor the tenant's table has one.
    #[error("a document in {from} needs its rate into {to} of {date}: state it, or record one in the exchange-rate table")]
    Required {
        /// The document's currency.
        from: Currency,
        /// The tenant's accounting currency.
        to: Currency,
        /// The document's date.
        date: NaiveDate,
    },
    /// The stated rate converts into another currency than the books'.
    #[error("the books are kept in {books}; a rate into {to} cannot book this document")]
    NotIntoBooks {
        /// The currency the rate converts into.
        to: Currency,
        /// The tenant's accounting currency.
        books: Currency,
    },
    /// A rate was stated for a document that is not foreign: it is in the
    /// books' currency, or the tenant keeps no accounting currency.
    #[error("a document in {0} is not foreign to the books: it takes no exchange rate")]
    NotForeign(Currency),
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
        Money::new(self.convert_amount(amount.amount), self.to)
    }

    /// [`Self::convert`] of an amount whose currency the caller knows: the
    /// same product and rounding, the number only.
    pub fn convert_amount(&self, amount: Decimal) -> Decimal {
        round_to_minor_unit(amount * self.rate, self.to, RoundingMode::HalfUp)
    }
}

/// The tenant's books as a document's decision needs them: their currency,
/// and the rate of the document's date (stated by the caller, else the
/// table's).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Books {
    /// The accounting currency; none until the tenant sets one.
    pub currency: Option<Currency>,
    /// The rate the caller stated or the table holds, if any.
    pub rate: Option<DatedRate>,
    /// Whether `rate` is the tenant table's: looked up for whatever is in a
    /// currency other than the books', it is ignored where no rate is needed
    /// (a caller's rate there is refused as not foreign).
    pub from_table: bool,
}

impl Books {
    /// The rate a document in `currency` of `date` is booked at: none when
    /// it is not foreign, else a rate into the books' currency.
    pub fn rate_for(
        self,
        currency: Currency,
        date: NaiveDate,
    ) -> Result<Option<DatedRate>, ExchangeRateError> {
        let books = match self.currency {
            Some(books) if books != currency => books,
            _ => return self.no_rate_needed(currency),
        };
        let stated = self.rate.ok_or(ExchangeRateError::Required {
            from: currency,
            to: books,
            date,
        })?;
        if stated.rate.to != books {
            return Err(ExchangeRateError::NotIntoBooks {
                to: stated.rate.to,
                books,
            });
        }
        Ok(Some(DatedRate {
            rate: stated.rate.checked(currency)?,
            date: stated.date,
        }))
    }

    /// What a document in `currency` that needs no rate makes of the one
    /// given: a caller's is refused, the table's ignored.
    pub fn no_rate_needed(
        &self,
        currency: Currency,
    ) -> Result<Option<DatedRate>, ExchangeRateError> {
        match self.rate {
            Some(_) if !self.from_table => Err(ExchangeRateError::NotForeign(currency)),
            _ => Ok(None),
        }
    }
}

/// A document's totals in the tenant's accounting currency: each converted
/// once, at the document's rate, from the document's rounded total (never
/// summed from converted parts), so they can differ from the sum of their
/// parts by a cent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AccountingTotals {
    /// The rate they were converted at; its `to` is the accounting currency.
    pub exchange_rate: DatedRate,
    /// The total without taxes.
    pub net_total: Decimal,
    /// The taxes (EN 16931 BT-111 where they are all VAT).
    pub tax_total: Decimal,
    /// The total with taxes.
    pub total: Decimal,
}

impl AccountingTotals {
    /// A document's net, tax and total converted at `exchange_rate`.
    pub fn of(exchange_rate: DatedRate, totals: &DocumentTotals) -> Self {
        let convert = |amount| exchange_rate.rate.convert_amount(amount);
        AccountingTotals {
            net_total: convert(totals.net_total),
            tax_total: convert(totals.tax_total),
            total: convert(totals.total),
            exchange_rate,
        }
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

    fn dated(rate: ExchangeRate) -> DatedRate {
        DatedRate {
            rate,
            date: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
        }
    }

    #[test]
    fn a_document_foreign_to_the_books_needs_a_rate_into_their_currency() {
        let (usd, eur) = (currency("USD"), currency("EUR"));
        let date = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let books = |rate| Books {
            currency: Some(eur),
            rate,
            from_table: false,
        };
        assert_eq!(
            books(None).rate_for(usd, date),
            Err(ExchangeRateError::Required {
                from: usd,
                to: eur,
                date
            })
        );
        let stated = dated(usd_to_eur(dec!(0.92)));
        assert_eq!(
            books(Some(stated.clone())).rate_for(usd, date),
            Ok(Some(stated))
        );
        let into_yen = dated(ExchangeRate {
            to: currency("JPY"),
            ..usd_to_eur(dec!(150))
        });
        assert_eq!(
            books(Some(into_yen)).rate_for(usd, date),
            Err(ExchangeRateError::NotIntoBooks {
                to: currency("JPY"),
                books: eur
            })
        );
    }

    #[test]
    fn a_document_in_the_books_currency_or_without_books_takes_no_rate() {
        let (usd, eur) = (currency("USD"), currency("EUR"));
        let date = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let in_euros = Books {
            currency: Some(eur),
            rate: None,
            from_table: false,
        };
        assert_eq!(in_euros.rate_for(eur, date), Ok(None));
        assert_eq!(Books::default().rate_for(usd, date), Ok(None));
        let stated = Books {
            currency: None,
            rate: Some(dated(usd_to_eur(dec!(0.92)))),
            from_table: false,
        };
        assert_eq!(
            stated.rate_for(usd, date),
            Err(ExchangeRateError::NotForeign(usd))
        );
    }

    #[test]
    fn accounting_totals_convert_each_total_once() {
        let document = DocumentTotals {
            net_total: dec!(5.00),
            tax_total: dec!(0.95),
            total: dec!(5.95),
            tax_totals: Vec::new(),
        };
        let totals = AccountingTotals::of(dated(usd_to_eur(dec!(0.921))), &document);
        // 4.605 → 4.61 and 0.87495 → 0.87, yet 5.47995 → 5.48: the total is
        // converted, not summed.
        assert_eq!(
            (totals.net_total, totals.tax_total, totals.total),
            (dec!(4.61), dec!(0.87), dec!(5.48))
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
