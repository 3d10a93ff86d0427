//! Money: a decimal amount in one ISO 4217 currency, and the single rounding rule.
//!
//! Every amount in Folio is a [`rust_decimal::Decimal`] (never a float) tagged with a
//! [`Currency`]. Arithmetic refuses to mix currencies. Rounding to the currency's minor
//! unit happens in exactly one function, [`round_to_minor_unit`]; the places that call
//! it are the rounding points written down in [`crate::pricing`].

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Most decimal places a unit price or a quantity may carry (prices are kept more
/// precise than the currency; only amounts are rounded).
pub const MAX_PRICE_SCALE: u32 = 6;

/// Why a money value or operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum MoneyError {
    /// The code is not an active ISO 4217 currency.
    #[error("'{0}' is not an ISO 4217 currency code")]
    UnknownCurrency(String),
    /// Two amounts in different currencies were combined.
    #[error("cannot combine {left} with {right}")]
    CurrencyMismatch {
        /// Currency of the left operand.
        left: Currency,
        /// Currency of the right operand.
        right: Currency,
    },
    /// The amount has more decimals than the currency's minor unit allows.
    #[error("{amount} has more decimal places than {currency} allows ({minor_units})")]
    TooPrecise {
        /// The offending amount.
        amount: Decimal,
        /// Its currency.
        currency: Currency,
        /// The currency's minor units.
        minor_units: u32,
    },
}

/// An ISO 4217 currency, known by its three-letter code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    minor_units: u8,
}

/// Active ISO 4217 codes and their minor units (decimal places of the minor unit).
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("ANG", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHF", 2),
    ("CLF", 4),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CRC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("UYI", 0),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VED", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
];

impl Currency {
    /// Looks a currency up by its ISO 4217 code (upper case, e.g. `"EUR"`).
    pub fn from_code(code: &str) -> Result<Self, MoneyError> {
        CURRENCIES
            .iter()
            .find(|(known, _)| *known == code)
            .map(|(known, minor_units)| {
                let bytes = known.as_bytes();
                Currency {
                    code: [bytes[0], bytes[1], bytes[2]],
                    minor_units: *minor_units,
                }
            })
            .ok_or_else(|| MoneyError::UnknownCurrency(code.to_owned()))
    }

    /// Every currency Folio knows, by code; `folio migrate` copies them into the
    /// database's `currencies` table, which the read models round with.
    pub fn all() -> impl Iterator<Item = Currency> {
        CURRENCIES
            .iter()
            .filter_map(|(code, _)| Currency::from_code(code).ok())
    }

    /// The three-letter code, e.g. `"MXN"`.
    pub fn code(&self) -> &str {
        // The bytes always come from the ASCII table above.
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    /// Decimal places of the currency's minor unit (2 for EUR, 0 for JPY, 3 for KWD).
    pub fn minor_units(&self) -> u32 {
        u32::from(self.minor_units)
    }

    /// Zero in this currency.
    pub fn zero(self) -> Money {
        Money::new(Decimal::ZERO, self)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = Cow::<str>::deserialize(deserializer)?;
        Currency::from_code(&code).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Currency {
    fn schema_name() -> Cow<'static, str> {
        "Currency".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            "description": "ISO 4217 currency code"
        })
    }
}

/// How a midpoint is rounded to the minor unit: a tenant policy, recorded on every
/// issued invoice so that replaying history always gives the same totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RoundingMode {
    /// Banker's rounding: 0.125 → 0.12, 0.135 → 0.14.
    #[default]
    HalfEven,
    /// Commercial rounding, away from zero: 0.125 → 0.13 (EN 16931, Mexico's CFDI).
    HalfUp,
}

/// Rounds an amount to `currency`'s minor unit. This is the one rounding function of
/// the domain; every rounded amount in Folio comes out of it.
pub fn round_to_minor_unit(amount: Decimal, currency: Currency, mode: RoundingMode) -> Decimal {
    let strategy = match mode {
        RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
        RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
    };
    let mut rounded = amount.round_dp_with_strategy(currency.minor_units(), strategy);
    // Keep a uniform scale so that 10 and 10.00 print (and hash) the same way.
    rounded.rescale(currency.minor_units());
    rounded
}

/// An amount of money in one currency.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Money {
    /// The amount, as a decimal string in JSON (e.g. `"1160.00"`); a JSON
    /// number is refused, as most clients hold it as a binary float.
    #[serde(deserialize_with = "decimal_from_string")]
    #[schemars(schema_with = "decimal_string_schema")]
    pub amount: Decimal,
    /// Its ISO 4217 currency.
    pub currency: Currency,
}

/// Reads an amount from a JSON string only, exactly as written.
fn decimal_from_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    let text = String::deserialize(deserializer)?;
    Decimal::from_str_exact(&text).map_err(|_| {
        serde::de::Error::custom(format!(
            "'{text}' is not a decimal amount such as \"12.50\""
        ))
    })
}

/// The JSON Schema of an amount: a decimal string, never a number.
fn decimal_string_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "pattern": "^-?[0-9]+(\\.[0-9]+)?$",
        "description": "An exact decimal amount as a string, e.g. \"12.50\"."
    })
}

impl Money {
    /// Builds a money value without checking the scale (for computed amounts).
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }

    /// Builds a money value that must already be expressible in the currency's minor
    /// unit (what a person pays or is paid): `10.005 EUR` is refused.
    pub fn exact(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        let normalized = amount.normalize();
        if normalized.scale() > currency.minor_units() {
            return Err(MoneyError::TooPrecise {
                amount,
                currency,
                minor_units: currency.minor_units(),
            });
        }
        let mut amount = normalized;
        amount.rescale(currency.minor_units());
        Ok(Money { amount, currency })
    }

    /// This amount rounded to the currency's minor unit.
    pub fn rounded(self, mode: RoundingMode) -> Money {
        Money::new(
            round_to_minor_unit(self.amount, self.currency, mode),
            self.currency,
        )
    }

    /// Adds two amounts of the same currency.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        Ok(Money::new(self.amount + other.amount, self.currency))
    }

    /// Subtracts an amount of the same currency.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        Ok(Money::new(self.amount - other.amount, self.currency))
    }

    /// True when the amount is strictly greater than zero.
    pub fn is_positive(&self) -> bool {
        self.amount > Decimal::ZERO
    }

    /// True when the amount is below zero.
    pub fn is_negative(&self) -> bool {
        self.amount < Decimal::ZERO
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn eur() -> Currency {
        Currency::from_code("EUR").unwrap()
    }

    #[test]
    fn an_amount_is_read_from_a_decimal_string_never_a_json_number() {
        let read = |json: &str| serde_json::from_str::<Money>(json);
        assert_eq!(
            read(r#"{"amount": "12.50", "currency": "EUR"}"#).unwrap(),
            Money::new(dec!(12.50), eur())
        );
        let number = read(r#"{"amount": 12.5, "currency": "EUR"}"#).unwrap_err();
        assert!(number.to_string().contains("expected a string"), "{number}");
        let words = read(r#"{"amount": "twelve", "currency": "EUR"}"#).unwrap_err();
        assert!(
            words.to_string().contains("not a decimal amount"),
            "{words}"
        );
        let schema = serde_json::to_value(schemars::schema_for!(Money)).unwrap();
        assert_eq!(schema["properties"]["amount"]["type"], "string", "{schema}");
    }

    #[test]
    fn unknown_currency_codes_are_refused() {
        assert_eq!(
            Currency::from_code("EURO"),
            Err(MoneyError::UnknownCurrency("EURO".into()))
        );
        assert!(Currency::from_code("eur").is_err());
    }

    #[test]
    fn minor_units_follow_iso_4217() {
        assert_eq!(Currency::from_code("JPY").unwrap().minor_units(), 0);
        assert_eq!(Currency::from_code("KWD").unwrap().minor_units(), 3);
        assert_eq!(eur().minor_units(), 2);
    }

    #[test]
    fn mixing_currencies_is_refused() {
        let usd = Currency::from_code("USD").unwrap();
        let err = Money::new(dec!(1), eur())
            .checked_add(Money::new(dec!(1), usd))
            .unwrap_err();
        assert_eq!(
            err,
            MoneyError::CurrencyMismatch {
                left: eur(),
                right: usd
            }
        );
    }

    #[test]
    fn amounts_finer_than_the_minor_unit_are_refused() {
        assert!(Money::exact(dec!(10.005), eur()).is_err());
        assert_eq!(
            Money::exact(dec!(10.500), eur())
                .unwrap()
                .amount
                .to_string(),
            "10.50"
        );
        assert!(Money::exact(dec!(10.5), Currency::from_code("JPY").unwrap()).is_err());
    }

    #[test]
    fn the_two_rounding_modes_differ_only_on_midpoints() {
        assert_eq!(
            round_to_minor_unit(dec!(0.125), eur(), RoundingMode::HalfEven),
            dec!(0.12)
        );
        assert_eq!(
            round_to_minor_unit(dec!(0.125), eur(), RoundingMode::HalfUp),
            dec!(0.13)
        );
        assert_eq!(
            round_to_minor_unit(dec!(-0.125), eur(), RoundingMode::HalfUp),
            dec!(-0.13)
        );
        assert_eq!(
            round_to_minor_unit(dec!(0.126), eur(), RoundingMode::HalfEven),
            dec!(0.13)
        );
    }

    #[test]
    fn money_serialises_amounts_as_strings() {
        let json = serde_json::to_value(Money::new(dec!(1160.00), eur())).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"amount": "1160.00", "currency": "EUR"})
        );
    }

    proptest! {
        #[test]
        fn rounding_moves_an_amount_by_at_most_half_a_minor_unit(cents in -10_000_000i64..10_000_000, extra in 0u32..1000) {
            let amount = Decimal::new(cents * 1000 + i64::from(extra), 5);
            for mode in [RoundingMode::HalfEven, RoundingMode::HalfUp] {
                let rounded = round_to_minor_unit(amount, eur(), mode);
                prop_assert!((rounded - amount).abs() <= dec!(0.005));
                prop_assert_eq!(rounded.scale(), 2);
            }
        }

        #[test]
        fn rounding_is_idempotent(cents in -10_000_000i64..10_000_000) {
            let amount = Decimal::new(cents, 2);
            prop_assert_eq!(round_to_minor_unit(amount, eur(), RoundingMode::HalfUp), amount);
            prop_assert_eq!(round_to_minor_unit(amount, eur(), RoundingMode::HalfEven), amount);
        }
    }
}
