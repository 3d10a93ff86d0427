//! A tenant's exchange-rate table: the rates it books foreign-currency
//! documents at when their caller states none (the ECB's or Banxico's rate of
//! the day, a bank's).
//!
//! One aggregate holds one currency pair for one calendar year, so its state
//! stays a year of rates however long the tenant lives. The rate of a date is
//! the latest one recorded on or before it (rates are not published on
//! weekends and holidays); a lookup falls back to the previous year's table
//! only for a date before the year's first rate. A rate recorded again for a
//! date replaces it for later documents and says which value it replaced;
//! documents already issued keep the rate they recorded.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aggregate::{cqrs_aggregate, domain_event, Decide, TenantOwned};
use crate::error_code::{Coded, ErrorCode};
use crate::exchange::{DatedRate, ExchangeRate, ExchangeRateError};
use crate::ids::TenantId;
use crate::money::Currency;

/// Which table a rate belongs to: the tenant's pair and the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateTableId {
    /// The tenant and currency pair.
    pub key: RateTableKey,
    /// The calendar year of the rates' dates.
    pub year: i32,
}

impl RateTableId {
    /// The table that holds the rate of `date`.
    pub fn of(key: RateTableKey, date: NaiveDate) -> Self {
        RateTableId {
            key,
            year: date.year(),
        }
    }

    /// The same pair's table of the year before.
    pub fn previous_year(self) -> Self {
        RateTableId {
            year: self.year - 1,
            ..self
        }
    }
}

impl fmt::Display for RateTableId {
    /// The aggregate id: `<tenant>/<from>/<to>/<year>`, e.g.
    /// `0195…/USD/EUR/2026`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let RateTableKey {
            tenant_id,
            from,
            to,
        } = self.key;
        write!(f, "{tenant_id}/{from}/{to}/{}", self.year)
    }
}

/// A command to a rate table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RateTableCommand {
    /// Record the rate of one day.
    RecordRate {
        /// The table the rate belongs to (its year is the date's).
        table: RateTableKey,
        /// The day the rate is of.
        date: NaiveDate,
        /// Units of `to` for one unit of `from`.
        rate: Decimal,
        /// Where the rate comes from, if said (e.g. `ECB reference rate`).
        source: Option<String>,
    },
}

/// A table's identity inside commands and events (serialisable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RateTableKey {
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The currency an amount is in.
    pub from: Currency,
    /// The currency it is converted into.
    pub to: Currency,
}

/// An event of a rate table.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
pub enum RateTableEvent {
    /// The rate of a day was recorded.
    ExchangeRateRecorded {
        /// The tenant and currency pair.
        table: RateTableKey,
        /// The day the rate is of.
        date: NaiveDate,
        /// Units of `to` for one unit of `from`.
        rate: Decimal,
        /// Where the rate comes from, trimmed, if said.
        source: Option<String>,
        /// The rate recorded for the day before this one replaced it, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replaced: Option<Decimal>,
    },
}

domain_event!(RateTableEvent);

/// A refused rate-table command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum RateTableError {
    /// The rate, its pair or its source is malformed.
    #[error(transparent)]
    Rate(#[from] ExchangeRateError),
    /// The command was sent to another pair's or year's table.
    #[error("the rate of {date} for {from}/{to} belongs to another table")]
    WrongTable {
        /// The currency converted from.
        from: Currency,
        /// The currency converted into.
        to: Currency,
        /// The rate's date.
        date: NaiveDate,
    },
    /// The table belongs to another tenant.
    #[error("exchange-rate table not found")]
    NotFound,
}

impl Coded for RateTableError {
    fn code(&self) -> ErrorCode {
        match self {
            RateTableError::NotFound => ErrorCode::NotFound,
            _ => ErrorCode::Validation,
        }
    }
}

/// One day's rate as the table keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRate {
    /// Units of `to` for one unit of `from`.
    pub rate: Decimal,
    /// Where it comes from, if said.
    pub source: Option<String>,
}

/// One pair's rates of one year (aggregate id = [`RateTableId`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RateTable {
    /// The tenant and pair, fixed by the first rate.
    pub key: Option<RateTableKey>,
    /// The year, fixed by the first rate.
    pub year: Option<i32>,
    /// Each recorded day's rate.
    pub rates: BTreeMap<NaiveDate, TableRate>,
}

impl RateTable {
    /// The rate of `date`: the latest recorded on or before it, with the day it
    /// is of.
    pub fn rate_on(&self, date: NaiveDate) -> Option<DatedRate> {
        let key = self.key?;
        let (day, found) = self.rates.range(..=date).next_back()?;
        Some(DatedRate {
            rate: ExchangeRate {
                to: key.to,
                rate: found.rate,
                source: found.source.clone(),
            },
            date: *day,
        })
    }

    /// Folds one event into the state.
    pub fn fold(&mut self, event: RateTableEvent) {
        match event {
            RateTableEvent::ExchangeRateRecorded {
                table,
                date,
                rate,
                source,
                ..
            } => {
                self.key = Some(table);
                self.year = Some(date.year());
                self.rates.insert(date, TableRate { rate, source });
            }
        }
    }
}

impl Decide for RateTable {
    fn decide(&self, command: RateTableCommand) -> Result<Vec<RateTableEvent>, RateTableError> {
        match command {
            RateTableCommand::RecordRate {
                table,
                date,
                rate,
                source,
            } => {
                if self.key.is_some_and(|k| k.tenant_id != table.tenant_id) {
                    return Err(RateTableError::NotFound);
                }
                if self.key.is_some_and(|k| k != table)
                    || self.year.is_some_and(|y| y != date.year())
                {
                    return Err(RateTableError::WrongTable {
                        from: table.from,
                        to: table.to,
                        date,
                    });
                }
                let checked = ExchangeRate {
                    to: table.to,
                    rate,
                    source,
                }
                .checked(table.from)?;
                let replaced = self.rates.get(&date);
                if replaced.is_some_and(|r| r.rate == checked.rate && r.source == checked.source) {
                    return Ok(vec![]);
                }
                Ok(vec![RateTableEvent::ExchangeRateRecorded {
                    table,
                    date,
                    rate: checked.rate,
                    source: checked.source,
                    replaced: replaced.map(|r| r.rate),
                }])
            }
        }
    }
}

impl TenantOwned for RateTable {
    fn tenant(&self) -> Option<TenantId> {
        self.key.map(|k| k.tenant_id)
    }
}

cqrs_aggregate!(
    RateTable,
    type = "ExchangeRateTable",
    command = RateTableCommand,
    event = RateTableEvent,
    error = RateTableError
);

#[cfg(test)]
mod tests {
    use cqrs_es::test::TestFramework;
    use rust_decimal_macros::dec;
    use uuid::Uuid;

    use super::*;

    type TableTest = TestFramework<RateTable>;
    const TENANT: TenantId = TenantId::from_uuid(Uuid::from_u128(7));

    fn usd_eur() -> RateTableKey {
        RateTableKey {
            tenant_id: TENANT,
            from: Currency::from_code("USD").unwrap(),
            to: Currency::from_code("EUR").unwrap(),
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn recorded(d: u32, rate: Decimal) -> RateTableEvent {
        RateTableEvent::ExchangeRateRecorded {
            table: usd_eur(),
            date: day(d),
            rate,
            source: Some("ECB".into()),
            replaced: None,
        }
    }

    fn record(d: u32, rate: Decimal) -> RateTableCommand {
        RateTableCommand::RecordRate {
            table: usd_eur(),
            date: day(d),
            rate,
            source: Some(" ECB ".into()),
        }
    }

    #[test]
    fn a_day_s_rate_is_recorded_with_its_trimmed_source() {
        TableTest::with(())
            .given_no_previous_events()
            .when(record(4, dec!(0.9215)))
            .then_expect_events(vec![recorded(4, dec!(0.9215))]);
    }

    #[test]
    fn a_rate_recorded_again_says_which_value_it_replaced() {
        TableTest::with(())
            .given(vec![recorded(4, dec!(0.9215))])
            .when(record(4, dec!(0.9230)))
            .then_expect_events(vec![RateTableEvent::ExchangeRateRecorded {
                table: usd_eur(),
                date: day(4),
                rate: dec!(0.9230),
                source: Some("ECB".into()),
                replaced: Some(dec!(0.9215)),
            }]);
    }

    #[test]
    fn the_same_rate_recorded_again_changes_nothing() {
        TableTest::with(())
            .given(vec![recorded(4, dec!(0.9215))])
            .when(record(4, dec!(0.9215)))
            .then_expect_events(vec![]);
    }

    #[test]
    fn a_rate_of_zero_is_refused() {
        TableTest::with(())
            .given_no_previous_events()
            .when(record(4, dec!(0)))
            .then_expect_error(RateTableError::Rate(ExchangeRateError::InvalidRate(dec!(
                0
            ))));
    }

    #[test]
    fn a_rate_of_another_year_is_refused_by_this_year_s_table() {
        let next_year = RateTableCommand::RecordRate {
            table: usd_eur(),
            date: NaiveDate::from_ymd_opt(2027, 1, 4).unwrap(),
            rate: dec!(0.92),
            source: None,
        };
        TableTest::with(())
            .given(vec![recorded(4, dec!(0.9215))])
            .when(next_year)
            .then_expect_error(RateTableError::WrongTable {
                from: usd_eur().from,
                to: usd_eur().to,
                date: NaiveDate::from_ymd_opt(2027, 1, 4).unwrap(),
            });
    }

    #[test]
    fn another_tenant_s_table_is_not_found() {
        let stranger = RateTableCommand::RecordRate {
            table: RateTableKey {
                tenant_id: TenantId::from_uuid(Uuid::from_u128(8)),
                ..usd_eur()
            },
            date: day(4),
            rate: dec!(0.92),
            source: None,
        };
        TableTest::with(())
            .given(vec![recorded(4, dec!(0.9215))])
            .when(stranger)
            .then_expect_error(RateTableError::NotFound);
    }

    #[test]
    fn the_rate_of_a_weekend_is_friday_s() {
        let mut table = RateTable::default();
        table.fold(recorded(3, dec!(0.91)));
        table.fold(recorded(4, dec!(0.92)));
        let sunday = table.rate_on(day(6)).unwrap();
        assert_eq!((sunday.date, sunday.rate.rate), (day(4), dec!(0.92)));
        assert_eq!(table.rate_on(day(2)), None);
    }
}
