//! Exchange rates: the tenant's table of daily rates, and the books a
//! foreign-currency document is booked in (its rate stated by the caller, else
//! the table's of the document's date).

use chrono::NaiveDate;
use folio_domain::exchange::{Books, DatedRate, ExchangeRate};
use folio_domain::expense::ExpenseDetails;
use folio_domain::ids::TenantId;
use folio_domain::money::Currency;
use folio_domain::rate_table::{
    RateTable, RateTableCommand, RateTableError, RateTableId, RateTableKey, TableRate,
};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{current, run, UseCases};
use crate::access::{Action, Caller};
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::runner::Request;

/// Record the rate of one day in the tenant's table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RecordExchangeRate {
    /// The currency an amount is in.
    pub from: Currency,
    /// The currency it is converted into (the accounting currency, to book
    /// documents with it).
    pub to: Currency,
    /// The day the rate is of.
    pub date: NaiveDate,
    /// Units of `to` for one unit of `from`, up to 10 decimals.
    pub rate: Decimal,
    /// Where the rate comes from, e.g. `ECB reference rate`.
    #[serde(default)]
    pub source: Option<String>,
}

/// A rate its caller states for one document, into the tenant's accounting
/// currency, of the document's date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StatedRate {
    /// Units of the accounting currency for one unit of the document's.
    pub rate: Decimal,
    /// Where the rate comes from, if said.
    #[serde(default)]
    pub source: Option<String>,
}

impl UseCases {
    /// Records the rate of a day in the tenant's table; recording it again
    /// replaces it for documents booked later.
    pub async fn record_exchange_rate(
        &self,
        ctx: &CommandContext,
        input: RecordExchangeRate,
    ) -> Result<CommandOutcome, CommandError<RateTableError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        let table = RateTableKey {
            tenant_id: ctx.tenant_id(),
            from: input.from,
            to: input.to,
        };
        run!(
            self,
            self.stores.rate_tables.as_ref(),
            ctx,
            "RecordExchangeRate",
            RateTableId::of(table, input.date),
            &input,
            None,
            |_| RateTableCommand::RecordRate {
                table,
                date: input.date,
                rate: input.rate,
                source: input.source.clone(),
            }
        )
    }

    /// The rates of one pair and year in the tenant's table, by day, for
    /// those who read invoicing. They are read from the table's own stream,
    /// so they include every acknowledged write.
    pub async fn exchange_rates(
        &self,
        caller: &Caller,
        from: Currency,
        to: Currency,
        year: i32,
    ) -> Result<Vec<(NaiveDate, TableRate)>, CommandError<RateTableError>> {
        caller.require(Action::ReadInvoicing)?;
        let pair = RateTableKey {
            tenant_id: caller.tenant_id,
            from,
            to,
        };
        let id = RateTableId { key: pair, year };
        let table: RateTable = current(self.stores.rate_tables.as_ref(), &id.to_string()).await?;
        Ok(table.rates.into_iter().collect())
    }

    /// The books (their currency: `books`) a document or payment in
    /// `currency` of `date` is decided against: the rate `stated`, else the
    /// table's when `currency` is foreign to them (the domain refuses a
    /// foreign one without).
    pub(super) async fn books<E: std::error::Error>(
        &self,
        tenant_id: TenantId,
        books: Option<Currency>,
        currency: Option<Currency>,
        date: NaiveDate,
        stated: Option<&StatedRate>,
    ) -> Result<Books, CommandError<E>> {
        let from_table = stated.is_none();
        let rate = match (stated, books, currency) {
            // Into the books' currency; without books into the document's,
            // which the domain refuses as not foreign (and without either
            // there is no draft to issue).
            (Some(stated), _, _) => books.or(currency).map(|to| DatedRate {
                rate: ExchangeRate {
                    to,
                    rate: stated.rate,
                    source: stated.source.clone(),
                },
                date,
            }),
            (None, Some(books), Some(currency)) if books != currency => {
                let pair = RateTableKey {
                    tenant_id,
                    from: currency,
                    to: books,
                };
                self.table_rate(pair, date).await?
            }
            (None, _, _) => None,
        };
        Ok(Books {
            currency: books,
            rate,
            from_table,
        })
    }

    /// `details` with the table's rate into the books' currency of the day
    /// it was incurred, when the claim is in another currency and states no
    /// rate of its own: the rate is recorded with the claim, its source
    /// naming the table's day.
    pub(super) async fn with_table_rate<E: std::error::Error>(
        &self,
        tenant_id: TenantId,
        books: Option<Currency>,
        mut details: ExpenseDetails,
    ) -> Result<ExpenseDetails, CommandError<E>> {
        let from = details.amount.currency;
        let Some(to) = books.filter(|books| *books != from) else {
            return Ok(details);
        };
        if details.exchange_rate.is_some() {
            return Ok(details);
        }
        let pair = RateTableKey {
            tenant_id,
            from,
            to,
        };
        if let Some(found) = self.table_rate(pair, details.incurred_on).await? {
            let source = found
                .rate
                .source
                .as_deref()
                .unwrap_or("exchange-rate table");
            details.exchange_rate = Some(ExchangeRate {
                source: Some(format!("{source} of {}", found.date)),
                ..found.rate
            });
        }
        Ok(details)
    }

    /// The table's rate of `date`: the latest on or before it, this year or
    /// the year before.
    async fn table_rate<E: std::error::Error>(
        &self,
        pair: RateTableKey,
        date: NaiveDate,
    ) -> Result<Option<DatedRate>, CommandError<E>> {
        let this_year = RateTableId::of(pair, date);
        for id in [this_year, this_year.previous_year()] {
            let table: RateTable =
                current(self.stores.rate_tables.as_ref(), &id.to_string()).await?;
            if let Some(rate) = table.rate_on(date) {
                return Ok(Some(rate));
            }
        }
        Ok(None)
    }
}
