//! GraphQL input types and their conversion into the command layer's requests.
//! Conversion checks what GraphQL's type system cannot (UUIDs, currencies, amounts
//! finer than the currency allows) and fails with `VALIDATION`; the domain checks
//! the business rules.

use async_graphql::InputObject;
use folio_domain::exchange::ExchangeRate;
use folio_domain::money::{Currency, Money};

use super::scalars::Decimal;
use crate::error::validation;

pub(super) fn currency(code: &str) -> async_graphql::Result<Currency> {
    Currency::from_code(code).map_err(|e| validation(e.to_string()).into())
}

mod customers;
mod expenses;
mod invoices;
mod settings;
mod settlement;

pub use customers::*;
pub use expenses::*;
pub use invoices::*;
pub use settings::*;
pub use settlement::*;

/// An amount of money.
#[derive(Debug, Clone, InputObject)]
pub struct MoneyInput {
    /// Amount as a decimal string, e.g. "1190.00"; no finer than the currency allows.
    pub amount: Decimal,
    /// ISO 4217 code, e.g. EUR.
    pub currency: String,
}

impl MoneyInput {
    /// The domain's money, refused when over-precise or in an unknown currency.
    pub fn into_domain(self) -> async_graphql::Result<Money> {
        Money::exact(self.amount.0, currency(&self.currency)?)
            .map_err(|e| validation(e.to_string()).into())
    }
}

/// An exchange rate stated with an amount.
#[derive(Debug, Clone, InputObject)]
pub struct ExchangeRateInput {
    /// ISO 4217 code converted into, e.g. `EUR`.
    pub to: String,
    /// Units of `to` per unit of the amount's currency, e.g. `0.92` (up to 10
    /// decimals).
    pub rate: Decimal,
    /// Where the rate comes from, e.g. `card statement`.
    pub source: Option<String>,
}

impl ExchangeRateInput {
    /// The domain's rate; an unknown currency is VALIDATION.
    pub fn into_domain(self) -> async_graphql::Result<ExchangeRate> {
        Ok(ExchangeRate {
            to: currency(&self.to)?,
            rate: self.rate.0,
            source: self.source,
        })
    }
}
