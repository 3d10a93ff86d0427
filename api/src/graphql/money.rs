//! An amount in a currency as GraphQL reads it (settings, expenses, fees);
//! `inputs::MoneyInput` is how it is written.

use async_graphql::SimpleObject;
use folio_domain::money::Money as DomainMoney;

use super::scalars::Decimal;

/// An amount in a currency.
#[derive(Debug, Clone, SimpleObject)]
pub struct Money {
    /// The amount, at the currency's minor unit.
    pub amount: Decimal,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: String,
}

impl From<&DomainMoney> for Money {
    fn from(money: &DomainMoney) -> Self {
        Money {
            amount: money.amount.into(),
            currency: money.currency.code().to_owned(),
        }
    }
}
