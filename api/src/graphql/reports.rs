//! Reports over the read models: receivables aging, revenue, tax, and expenses
//! by category, each filtered by period and currency (no currency conversion:
//! one row per currency).

use async_graphql::{ComplexObject, Context, InputObject, Object, SimpleObject};
use folio_projections::expenses::queries as expense_queries;
use folio_projections::invoicing::queries::{AgingRow, RevenueRow, TaxRow};
use folio_projections::reading::ReportFilter as RowFilter;
use uuid::Uuid;

use super::context::request;
use super::enums::{from_stored, vat_category, ReportAmounts, TaxTreatment, VatCategory};
use super::scalars::{Date, Decimal};
use crate::error::read;

/// Which months and currency a report covers (everything when not given).
#[derive(Debug, Clone, Default, InputObject)]
pub struct ReportFilter {
    /// From the month of this date on.
    pub from: Option<Date>,
    /// Up to the month of this date (inclusive).
    pub to: Option<Date>,
    /// Only amounts in this ISO 4217 currency, e.g. `EUR`.
    pub currency: Option<String>,
}

impl From<ReportFilter> for RowFilter {
    fn from(filter: ReportFilter) -> Self {
        RowFilter {
            from: filter.from.map(|d| d.0),
            to: filter.to.map(|d| d.0),
            currency: filter.currency,
        }
    }
}

/// Receivables of one customer in one currency, by days past due on the report's
/// date.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "AgingRow", complex)]
pub struct AgingLine {
    /// The customer's UUID.
    pub customer_id: Uuid,
    /// The customer's name.
    pub customer_name: String,
    /// ISO 4217 code of the amounts.
    pub currency: String,
    /// Due, not yet past the due date.
    pub current_amount: Decimal,
    /// 1 to 30 days past due.
    #[graphql(name = "days1To30")]
    pub days_1_30: Decimal,
    /// 31 to 60 days past due.
    #[graphql(name = "days31To60")]
    pub days_31_60: Decimal,
    /// 61 to 90 days past due.
    #[graphql(name = "days61To90")]
    pub days_61_90: Decimal,
    /// More than 90 days past due.
    pub days_over_90: Decimal,
    /// All buckets together.
    pub total_due: Decimal,
    /// Held for the customer on that date (overpayments, credit notes beyond
    /// what was due), in no bucket.
    pub credit_amount: Decimal,
}

/// The bucket names the schema first published, where GraphQL's casing ran the
/// bounds together (`days130`); kept until clients moved to the new names.
#[ComplexObject]
impl AgingLine {
    /// 1 to 30 days past due.
    #[graphql(name = "days130", deprecation = "Use days1To30.")]
    async fn days_130(&self) -> Decimal {
        self.days_1_30
    }
    /// 31 to 60 days past due.
    #[graphql(name = "days3160", deprecation = "Use days31To60.")]
    async fn days_3160(&self) -> Decimal {
        self.days_31_60
    }
    /// 61 to 90 days past due.
    #[graphql(name = "days6190", deprecation = "Use days61To90.")]
    async fn days_6190(&self) -> Decimal {
        self.days_61_90
    }
}

impl From<AgingRow> for AgingLine {
    fn from(r: AgingRow) -> Self {
        AgingLine {
            customer_id: r.customer_id,
            customer_name: r.customer_name,
            currency: r.currency,
            current_amount: r.current_amount.into(),
            days_1_30: r.days_1_30.into(),
            days_31_60: r.days_31_60.into(),
            days_61_90: r.days_61_90.into(),
            days_over_90: r.days_over_90.into(),
            total_due: r.total_due.into(),
            credit_amount: r.credit_amount.into(),
        }
    }
}

/// Revenue of one month in one currency.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "RevenueRow")]
pub struct RevenueMonth {
    /// The first day of the month.
    pub month: Date,
    /// ISO 4217 code of the amounts.
    pub currency: String,
    /// Net amount of the invoices issued in the month.
    pub invoiced_net: Decimal,
    /// Net amount of the credit notes issued in the month (positive).
    pub credited_net: Decimal,
    /// Net amount of the invoices voided in the month (positive).
    pub voided_net: Decimal,
    /// `invoicedNet - creditedNet - voidedNet`.
    pub net_revenue: Decimal,
    /// Net tax of the month, with the same signs.
    pub tax: Decimal,
}

impl From<RevenueRow> for RevenueMonth {
    fn from(r: RevenueRow) -> Self {
        RevenueMonth {
            month: r.month.into(),
            currency: r.currency,
            invoiced_net: r.invoiced_net.into(),
            credited_net: r.credited_net.into(),
            voided_net: r.voided_net.into(),
            net_revenue: r.net_revenue.into(),
            tax: r.tax.into(),
        }
    }
}

/// Tax of one rate in one month and currency.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "TaxRow", complex)]
pub struct TaxLine {
    /// The first day of the month.
    pub month: Date,
    /// ISO 4217 code of the amounts.
    pub currency: String,
    /// The tax code, e.g. `VAT`, `IVA`, `ISR`.
    pub tax_code: String,
    /// The rate in percent, e.g. `19`.
    pub tax_percent: Decimal,
    /// The treatment label as stored (read through `treatment`).
    #[graphql(skip)]
    pub stored_treatment: String,
    /// The VAT category's code as stored (read through `category`).
    #[graphql(skip)]
    pub stored_category: Option<String>,
    /// The VATEX exemption reason code, for categories that charge no VAT
    /// (e.g. `VATEX-EU-AE`).
    pub exemption_code: Option<String>,
    /// The exemption reason in words.
    pub exemption_reason: Option<String>,
    /// Net amount taxed at this rate.
    pub taxable_base: Decimal,
    /// Tax at this rate (withholdings negative).
    pub tax_amount: Decimal,
}

impl From<TaxRow> for TaxLine {
    fn from(r: TaxRow) -> Self {
        TaxLine {
            month: r.month.into(),
            currency: r.currency,
            tax_code: r.tax_code,
            tax_percent: r.tax_percent.into(),
            stored_treatment: r.treatment,
            stored_category: r.vat_category,
            exemption_code: r.exemption_code,
            exemption_reason: r.exemption_reason,
            taxable_base: r.taxable_base.into(),
            tax_amount: r.tax_amount.into(),
        }
    }
}

#[ComplexObject]
impl TaxLine {
    /// How the tax applies: charged, zero-rated, exempt or withheld.
    async fn treatment(&self) -> async_graphql::Result<TaxTreatment> {
        from_stored(&self.stored_treatment)
    }

    /// The EN 16931 VAT category; null for withholdings and for taxes stated
    /// without one. A VAT return reports each category apart (a reverse-charge
    /// base is not an exempt one).
    async fn category(&self) -> async_graphql::Result<Option<VatCategory>> {
        vat_category(self.stored_category.as_deref())
    }
}

/// Expenses of one category, month and currency.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "ExpenseCategoryRow")]
pub struct ExpenseCategoryMonth {
    /// The first day of the month incurred.
    pub month: Date,
    /// The category.
    pub category: String,
    /// ISO 4217 code of the amounts.
    pub currency: String,
    /// Expenses not rejected.
    pub expense_count: i64,
    /// Sum claimed.
    pub claimed_amount: Decimal,
    /// Sum approved (reimbursed included).
    pub approved_amount: Decimal,
    /// Sum reimbursed.
    pub reimbursed_amount: Decimal,
}

impl From<expense_queries::ExpenseCategoryRow> for ExpenseCategoryMonth {
    fn from(r: expense_queries::ExpenseCategoryRow) -> Self {
        ExpenseCategoryMonth {
            month: r.month.into(),
            category: r.category,
            currency: r.currency,
            expense_count: r.expense_count,
            claimed_amount: r.claimed_amount.into(),
            approved_amount: r.approved_amount.into(),
            reimbursed_amount: r.reimbursed_amount.into(),
        }
    }
}

/// The report queries (accountants, auditors, admins).
#[derive(Debug, Default)]
pub struct ReportQuery;

/// One report's rows as GraphQL types.
fn rows<R, T: From<R>>(rows: Vec<R>) -> Vec<T> {
    rows.into_iter().map(T::from).collect()
}

#[Object]
impl ReportQuery {
    /// Receivables aging per customer and currency: what was owed on `asOf` (today
    /// if not given), by days past due on that date.
    async fn ar_aging(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only amounts in this ISO 4217 currency.")] currency: Option<String>,
        #[graphql(
            desc = "The date the aging is taken on (e.g. a month's last day): invoices issued and not voided by then, less payments, refunds and credit notes dated by then. Today if not given."
        )]
        as_of: Option<Date>,
        #[graphql(
            desc = "Each invoice's own currency, or the tenant's accounting currency (an invoice booked in another at its rate, rounded once per invoice).",
            default
        )]
        amounts: ReportAmounts,
        #[graphql(desc = "A mutation's consistencyToken: wait until this report shows it.")]
        consistency_token: Option<String>,
    ) -> async_graphql::Result<Vec<AgingLine>> {
        let aging = request(ctx)?
            .reads
            .ar_aging(
                (currency.as_deref(), as_of.map(|d| d.0)),
                amounts.into(),
                consistency_token.as_deref(),
            )
            .await
            .map_err(read)?;
        Ok(rows(aging))
    }

    /// Revenue per month and currency, net of credit notes and voids.
    async fn revenue_by_month(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The months and currency to report; everything if not given.")]
        filter: Option<ReportFilter>,
        #[graphql(
            desc = "Each document's own amounts, or the tenant's accounting currency.",
            default
        )]
        amounts: ReportAmounts,
        #[graphql(desc = "A mutation's consistencyToken: wait until this report shows it.")]
        consistency_token: Option<String>,
    ) -> async_graphql::Result<Vec<RevenueMonth>> {
        let filter = filter.unwrap_or_default().into();
        let report = request(ctx)?
            .reads
            .revenue_by_month(&filter, amounts.into(), consistency_token.as_deref())
            .await
            .map_err(read)?;
        Ok(rows(report))
    }

    /// Taxable base and tax per rate, month and currency.
    async fn tax_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The months and currency to report; everything if not given.")]
        filter: Option<ReportFilter>,
        #[graphql(
            desc = "Each document's own amounts, or the tenant's accounting currency (a VAT return in the national currency).",
            default
        )]
        amounts: ReportAmounts,
        #[graphql(desc = "A mutation's consistencyToken: wait until this report shows it.")]
        consistency_token: Option<String>,
    ) -> async_graphql::Result<Vec<TaxLine>> {
        let filter = filter.unwrap_or_default().into();
        let report = request(ctx)?
            .reads
            .tax_summary(&filter, amounts.into(), consistency_token.as_deref())
            .await
            .map_err(read)?;
        Ok(rows(report))
    }

    /// Expenses per category, month incurred and currency.
    async fn expenses_by_category(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The months and currency to report; everything if not given.")]
        filter: Option<ReportFilter>,
        #[graphql(desc = "A mutation's consistencyToken: wait until this report shows it.")]
        consistency_token: Option<String>,
    ) -> async_graphql::Result<Vec<ExpenseCategoryMonth>> {
        let filter = filter.unwrap_or_default().into();
        let report = request(ctx)?
            .reads
            .expenses_by_category(&filter, consistency_token.as_deref())
            .await
            .map_err(read)?;
        Ok(rows(report))
    }
}
