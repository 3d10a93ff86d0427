//! Document numbers: gap-free per tenant and series, e.g. `A-000123`.
//!
//! The domain only checks a number's shape; handing out the next number without gaps
//! or duplicates is the application layer's job (see `folio-commands`), enforced again
//! by the event store's `document_numbers` table.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A number in a series: `series` `-` zero-padded `sequence` (`A-000123`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct DocumentNumber {
    /// The series, 1 to 10 upper-case letters or digits (e.g. `A`, `CN`, `2026`).
    pub series: String,
    /// Position in the series, starting at 1, without gaps.
    pub sequence: u64,
}

/// Why a series name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("series '{0}' must be 1 to 10 upper-case letters or digits")]
pub struct InvalidSeries(pub String);

/// Checks that a series name is 1 to 10 upper-case ASCII letters or digits.
pub fn validate_series(series: &str) -> Result<(), InvalidSeries> {
    let ok = !series.is_empty()
        && series.len() <= 10
        && series
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(InvalidSeries(series.to_owned()))
    }
}

impl fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:06}", self.series, self.sequence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_zero_padded_after_their_series() {
        let number = DocumentNumber {
            series: "A".into(),
            sequence: 123,
        };
        assert_eq!(number.to_string(), "A-000123");
    }

    #[test]
    fn series_names_are_short_upper_case_words() {
        assert!(validate_series("CN").is_ok());
        assert!(validate_series("2026").is_ok());
        assert!(validate_series("").is_err());
        assert!(validate_series("a").is_err());
        assert!(validate_series("A-1").is_err());
        assert!(validate_series("ABCDEFGHIJK").is_err());
    }
}
