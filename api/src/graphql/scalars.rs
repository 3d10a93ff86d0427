//! Scalars named for the wire, not for Rust: `Date` and `Decimal`, each parsed
//! strictly so a malformed value is a `VALIDATION` error before any resolver runs.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar date without time zone, as `YYYY-MM-DD` (RFC 3339 `full-date`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar date without time zone, written `YYYY-MM-DD` (RFC 3339 `full-date`),
/// e.g. `"2026-12-03"`.
#[Scalar(
    name = "Date",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(text) = &value else {
            return Err(InputValueError::expected_type(value));
        };
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Date)
            .map_err(|_| {
                InputValueError::custom(format!("'{text}' is not a date written YYYY-MM-DD"))
            })
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(date: NaiveDate) -> Self {
        Date(date)
    }
}

/// An exact decimal number (amounts, quantities, rates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Decimal(pub rust_decimal::Decimal);

/// An exact decimal number, sent and received as a JSON string so no float ever
/// touches it: an optional `-`, digits, and an optional `.` with up to 28 decimals,
/// no exponent, e.g. `"1190.00"`. Amounts carry exactly the currency's minor unit
/// (2 for EUR, 0 for JPY); unit prices and quantities up to 6 decimals; rates are
/// percentages (`"19"` is 19 %). An integer literal is accepted as input too.
#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        let parsed = match &value {
            Value::String(text) if !text.contains(['e', 'E']) => text.parse().ok(),
            Value::Number(number) if number.is_i64() || number.is_u64() => {
                number.to_string().parse().ok()
            }
            _ => None,
        };
        parsed.map(Decimal).ok_or_else(|| {
            InputValueError::custom(format!(
                "{value} is not a decimal number written as a string, e.g. \"1190.00\""
            ))
        })
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

impl From<rust_decimal::Decimal> for Decimal {
    fn from(value: rust_decimal::Decimal) -> Self {
        Decimal(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_full_dates_only() {
        let date = <Date as ScalarType>::parse(Value::String("2026-02-28".into())).unwrap();
        assert_eq!(date.to_value(), Value::String("2026-02-28".into()));
        for bad in ["2026-02-30", "28.02.2026", "2026-02-28T00:00:00Z"] {
            assert!(
                <Date as ScalarType>::parse(Value::String(bad.into())).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn decimals_are_exact_strings_or_integers_never_floats() {
        let parse = |v: Value| <Decimal as ScalarType>::parse(v).map(|d| d.0.to_string());
        assert_eq!(parse(Value::String("1190.00".into())).unwrap(), "1190.00");
        assert_eq!(parse(Value::from(3)).unwrap(), "3");
        assert!(parse(Value::from(0.1)).is_err());
        assert!(parse(Value::String("1e3".into())).is_err());
        assert!(parse(Value::String("abc".into())).is_err());
    }
}
