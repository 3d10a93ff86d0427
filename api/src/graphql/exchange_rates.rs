//! Exchange rates: the tenant's accounting currency (set once by admins),
//! its table of daily rates (recorded by accountants, read by whoever reads
//! invoicing), and the rate a caller states for one document.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use folio_commands::RecordExchangeRate;

use super::context::request;
use super::inputs::currency;
use super::outcome::CommandResult;
use super::scalars::{Date, Decimal};
use crate::error::command;

/// One day's rate to record in the tenant's table.
#[derive(Debug, Clone, InputObject)]
pub struct DailyRateInput {
    /// ISO 4217 code of the currency converted from, e.g. `USD`.
    pub from: String,
    /// ISO 4217 code of the currency converted into: the accounting currency,
    /// to book invoices with it.
    pub to: String,
    /// The day the rate is of.
    pub date: Date,
    /// Units of `to` for one unit of `from`, up to 10 decimals.
    pub rate: Decimal,
    /// Where the rate comes from, e.g. `ECB reference rate`.
    pub source: Option<String>,
}

/// One day's rate of the tenant's table.
#[derive(Debug, Clone, SimpleObject)]
pub struct ExchangeRateEntry {
    /// The day the rate is of.
    pub date: Date,
    /// Units of `to` for one unit of `from`.
    pub rate: Decimal,
    /// Where it comes from, if recorded.
    pub source: Option<String>,
}

/// The rate table's query.
#[derive(Debug, Default)]
pub struct ExchangeRateQuery;

#[Object]
impl ExchangeRateQuery {
    /// The rates of one currency pair and year in the tenant's table, by day
    /// (accountants, auditors, admins). An invoice in `from` issued on a day
    /// is booked at the latest of them on or before it.
    async fn exchange_rates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ISO 4217 code of the currency converted from, e.g. `USD`.")] from: String,
        #[graphql(desc = "ISO 4217 code of the currency converted into, e.g. `EUR`.")] to: String,
        #[graphql(desc = "The calendar year of the rates.")] year: i32,
    ) -> async_graphql::Result<Vec<ExchangeRateEntry>> {
        let (from, to) = (currency(&from)?, currency(&to)?);
        let request = request(ctx)?;
        let rates = request
            .use_cases
            .exchange_rates(&request.caller, from, to, year)
            .await
            .map_err(command)?;
        Ok(rates
            .into_iter()
            .map(|(date, rate)| ExchangeRateEntry {
                date: Date(date),
                rate: rate.rate.into(),
                source: rate.source,
            })
            .collect())
    }
}

/// The rate table's and the accounting currency's mutations.
#[derive(Debug, Default)]
pub struct ExchangeRateMutation;

#[Object]
impl ExchangeRateMutation {
    /// Records the rate of one day (accountants, admins). Recorded again for
    /// the same day, it replaces the rate for invoices issued later; issued
    /// ones keep the rate they were booked at.
    async fn record_exchange_rate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(desc = "The pair, the day and its rate.")] rate: DailyRateInput,
    ) -> async_graphql::Result<CommandResult> {
        let input = RecordExchangeRate {
            from: currency(&rate.from)?,
            to: currency(&rate.to)?,
            date: rate.date.0,
            rate: rate.rate.0,
            source: rate.source,
        };
        command!(ctx, idempotency_key, None, |use_cases, c| {
            use_cases.record_exchange_rate(&c, input)
        })
    }

    /// Sets the currency the tenant keeps its books in (admins), once: from
    /// then on an invoice in another currency is issued with its rate into
    /// this one. The same currency again changes nothing; another is refused.
    async fn configure_accounting_currency(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "ISO 4217 code, e.g. `EUR`.")] currency: String,
    ) -> async_graphql::Result<CommandResult> {
        let currency = super::inputs::currency(&currency)?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.configure_accounting_currency(&c, currency)
        })
    }
}
