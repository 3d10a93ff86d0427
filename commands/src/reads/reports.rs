//! The reports: receivables aging, revenue and tax per month, expenses per
//! category. Their filters are read here, so every edge spells a currency
//! and a period the same way.

use chrono::NaiveDate;
use folio_projections::expenses::queries::{self as expense_queries, ExpenseCategoryRow};
use folio_projections::invoicing::queries::{self, AgingRow, RevenueRow, TaxRow};
use folio_projections::reading::{report_currency, ReportAmounts, ReportFilter};

use super::{ReadError, Reads};
use crate::access::Action;

impl Reads {
    /// What each customer owed on `as_of` (today if not given), by days past
    /// due, only in `currency` when given; in the accounting currency, an
    /// invoice booked in a foreign one at its rate.
    pub async fn ar_aging(
        &self,
        (currency, as_of): (Option<&str>, Option<NaiveDate>),
        amounts: ReportAmounts,
        token: Option<&str>,
    ) -> Result<Vec<AgingRow>, ReadError> {
        self.caller.require(Action::ReadReports)?;
        let currency = report_currency(currency)?;
        let mut tx = self.open(Action::ReadReports, token).await?;
        Ok(queries::ar_aging(&mut tx, currency.as_deref(), as_of, amounts).await?)
    }

    /// Revenue per month and currency, net of credit notes and voids, in
    /// each document's currency or in the accounting currency.
    pub async fn revenue_by_month(
        &self,
        filter: &ReportFilter,
        amounts: ReportAmounts,
        token: Option<&str>,
    ) -> Result<Vec<RevenueRow>, ReadError> {
        self.caller.require(Action::ReadReports)?;
        let period = filter.period()?;
        let mut tx = self.open(Action::ReadReports, token).await?;
        Ok(queries::revenue_by_month(&mut tx, &period, amounts).await?)
    }

    /// Taxable base and tax per month, currency, tax code and rate, in each
    /// document's currency or in the accounting currency.
    pub async fn tax_summary(
        &self,
        filter: &ReportFilter,
        amounts: ReportAmounts,
        token: Option<&str>,
    ) -> Result<Vec<TaxRow>, ReadError> {
        self.caller.require(Action::ReadReports)?;
        let period = filter.period()?;
        let mut tx = self.open(Action::ReadReports, token).await?;
        Ok(queries::tax_summary(&mut tx, &period, amounts).await?)
    }

    /// Expenses per month incurred, category and currency.
    pub async fn expenses_by_category(
        &self,
        filter: &ReportFilter,
        token: Option<&str>,
    ) -> Result<Vec<ExpenseCategoryRow>, ReadError> {
        self.caller.require(Action::ReadReports)?;
        let period = filter.period()?;
        let mut tx = self.open(Action::ReadReports, token).await?;
        Ok(expense_queries::by_category(&mut tx, &period).await?)
    }
}
