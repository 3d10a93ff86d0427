//! What an employee claims, and how a claim is checked before it is
//! recorded (dates, amounts, tax, texts, exchange rate).

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ExpenseError;
use crate::exchange::ExchangeRate;
use crate::money::Money;

/// What an employee claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ExpenseDetails {
    /// When the cost was incurred.
    pub incurred_on: NaiveDate,
    /// Who was paid.
    pub merchant: String,
    /// Category (e.g. `travel`).
    pub category: String,
    /// Gross amount, tax included.
    pub amount: Money,
    /// Tax included in the amount, if known.
    pub tax: Option<Money>,
    /// What it was for.
    pub description: String,
    /// Reference of the stored receipt (file id).
    pub receipt_ref: Option<String>,
    /// The rate into the currency the tenant's policy is expressed in, as
    /// stated by the employee (e.g. from the card statement). Needed when a
    /// threshold, limit or receipt rule applies in another currency than the
    /// amount's; absent in expenses submitted before rates were kept, which
    /// read as none given.
    #[serde(default)]
    pub exchange_rate: Option<ExchangeRate>,
}

/// The oldest an expense may be when it is claimed or amended, in days: older
/// claims are refused rather than silently reimbursed (most tax authorities
/// and company policies stop at a year).
pub const MAX_EXPENSE_AGE_DAYS: i64 = 365;

/// `value` trimmed, refused when empty or longer than `max` characters.
pub(super) fn required_text(field: &str, value: &str, max: usize) -> Result<String, ExpenseError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(ExpenseError::InvalidText {
            field: field.into(),
            max,
        });
    }
    Ok(value.to_owned())
}

/// `details` as recorded: checked against `today` and trimmed, the category
/// lower-cased, amounts exact in their currency.
pub(super) fn clean_details(
    details: ExpenseDetails,
    today: NaiveDate,
) -> Result<ExpenseDetails, ExpenseError> {
    let incurred_on = details.incurred_on;
    if incurred_on > today {
        return Err(ExpenseError::IncurredInTheFuture { incurred_on, today });
    }
    if (today - incurred_on).num_days() > MAX_EXPENSE_AGE_DAYS {
        return Err(ExpenseError::TooOld { incurred_on });
    }
    let amount = Money::exact(details.amount.amount, details.amount.currency)?;
    if !amount.is_positive() {
        return Err(ExpenseError::AmountNotPositive(amount));
    }
    let tax = match details.tax {
        None => None,
        Some(tax) => {
            let valid = tax.currency == amount.currency
                && !tax.is_negative()
                && tax.amount <= amount.amount;
            if !valid {
                return Err(ExpenseError::InvalidTax { tax, amount });
            }
            Some(Money::exact(tax.amount, tax.currency)?)
        }
    };
    let receipt_ref = match details.receipt_ref.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(r) => Some(required_text("receipt reference", r, 200)?),
    };
    Ok(ExpenseDetails {
        incurred_on: details.incurred_on,
        merchant: required_text("merchant", &details.merchant, 200)?,
        category: required_text("category", &details.category, 60)?.to_lowercase(),
        amount,
        tax,
        description: required_text("description", &details.description, 2000)?,
        receipt_ref,
        exchange_rate: details
            .exchange_rate
            .map(|rate| rate.checked(amount.currency))
            .transpose()?,
    })
}
