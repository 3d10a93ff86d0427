//! Document numbers: gap-free per tenant and series, e.g. `A-000123`.
//!
//! The domain only checks a number's shape; handing out the next number without gaps
//! or duplicates is the application layer's job (see `folio-commands`), enforced again
//! by the event store's `document_numbers` table.

use std::fmt;

use chrono::NaiveDate;
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

/// What a numbered document's date is checked against: numbering is
/// chronological (a number is never dated before the previous one of its
/// series, as Spain, France and Italy require) and documents are not dated in
/// the future. The application layer reads both under the series' lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberDating {
    /// Today's date where the document is issued.
    pub today: NaiveDate,
    /// The issue date of the previous number of the series, if any.
    pub previous: Option<NaiveDate>,
}

/// Why a numbered document's date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum DatingError {
    /// Dated after today.
    #[error("a document cannot be dated in the future ({date} is after {today})")]
    InTheFuture {
        /// The date the request gave.
        date: NaiveDate,
        /// Today.
        today: NaiveDate,
    },
    /// Dated before the previous number of its series.
    #[error("numbering must follow the dates: the previous number of this series is dated {previous}, after {date}")]
    NotChronological {
        /// The date the request gave.
        date: NaiveDate,
        /// The previous number's date.
        previous: NaiveDate,
    },
}

impl NumberDating {
    /// Refuses `date` unless it is neither after today nor before the previous
    /// number of the series.
    pub fn check(&self, date: NaiveDate) -> Result<(), DatingError> {
        if date > self.today {
            return Err(DatingError::InTheFuture {
                date,
                today: self.today,
            });
        }
        match self.previous {
            Some(previous) if date < previous => {
                Err(DatingError::NotChronological { date, previous })
            }
            _ => Ok(()),
        }
    }
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
