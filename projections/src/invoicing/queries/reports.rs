//! The receivables, revenue and tax reports, in each document's currency or
//! in the books.

use crate::amount::Amount;
use crate::reading::{ReportAmounts, ReportPeriod};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

/// Receivables of one customer in one currency, by days past due.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct AgingRow {
    /// The customer who owes (`customer_id`).
    pub customer_id: Uuid,
    /// Its name.
    pub customer_name: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Due, not yet past the due date.
    #[sqlx(try_from = "Amount")]
    pub current_amount: Decimal,
    /// 1 to 30 days past due.
    #[sqlx(try_from = "Amount")]
    pub days_1_30: Decimal,
    /// 31 to 60 days past due.
    #[sqlx(try_from = "Amount")]
    pub days_31_60: Decimal,
    /// 61 to 90 days past due.
    #[sqlx(try_from = "Amount")]
    pub days_61_90: Decimal,
    /// More than 90 days past due.
    #[sqlx(try_from = "Amount")]
    pub days_over_90: Decimal,
    /// All buckets together.
    #[sqlx(try_from = "Amount")]
    pub total_due: Decimal,
    /// Held for the customer on that date, in no bucket.
    #[sqlx(try_from = "Amount")]
    pub credit_amount: Decimal,
}

/// Revenue of one month in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct RevenueRow {
    /// First day of the month.
    pub month: NaiveDate,
    /// ISO 4217 code.
    pub currency: String,
    /// Net amount of the invoices issued in the month.
    #[sqlx(try_from = "Amount")]
    pub invoiced_net: Decimal,
    /// Net amount of the credit notes issued in the month (positive).
    #[sqlx(try_from = "Amount")]
    pub credited_net: Decimal,
    /// Net amount of the invoices voided in the month (positive).
    #[sqlx(try_from = "Amount")]
    pub voided_net: Decimal,
    /// `invoiced_net - credited_net - voided_net`.
    #[sqlx(try_from = "Amount")]
    pub net_revenue: Decimal,
    /// Net tax of the month, with the same signs.
    #[sqlx(try_from = "Amount")]
    pub tax: Decimal,
}

/// Tax of one rate in one month and currency.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct TaxRow {
    /// First day of the month.
    pub month: NaiveDate,
    /// ISO 4217 code.
    pub currency: String,
    /// The tax code (`VAT`, `IVA`, `ISR`, ...).
    pub tax_code: String,
    /// Rate in percent.
    pub tax_percent: Decimal,
    /// `STANDARD`, `ZERO_RATED`, `EXEMPT` or `WITHHOLDING`.
    pub treatment: String,
    /// The EN 16931 VAT category's UNCL5305 code (`S`, `AE`, ...); absent for
    /// withholdings and taxes stated without one.
    pub vat_category: Option<String>,
    /// The VATEX exemption reason code, for categories that charge no VAT.
    pub exemption_code: Option<String>,
    /// The exemption reason in words.
    pub exemption_reason: Option<String>,
    /// Net amount taxed at this rate.
    #[sqlx(try_from = "Amount")]
    pub taxable_base: Decimal,
    /// Tax at this rate (withholdings negative).
    #[sqlx(try_from = "Amount")]
    pub tax_amount: Decimal,
}

/// Receivables aging per customer and currency as of `as_of` (today when `None`):
/// what was owed on that date, by days past due then, optionally in one currency.
pub async fn ar_aging(
    conn: &mut PgConnection,
    currency: Option<&str>,
    as_of: Option<NaiveDate>,
    amounts: ReportAmounts,
) -> Result<Vec<AgingRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT customer_id, customer_name, currency, current_amount, days_1_30, days_31_60,
                days_61_90, days_over_90, total_due, credit_amount
         FROM folio_read.ar_aging_of(coalesce($2::date, current_date), $3)
         WHERE $1::text IS NULL OR currency = $1
         ORDER BY customer_name, currency",
    )
    .bind(currency)
    .bind(as_of)
    .bind(amounts == ReportAmounts::AccountingCurrency)
    .fetch_all(conn)
    .await
}

/// Revenue per month and currency within `period`.
pub async fn revenue_by_month(
    conn: &mut PgConnection,
    period: &ReportPeriod,
    amounts: ReportAmounts,
) -> Result<Vec<RevenueRow>, sqlx::Error> {
    let view = amounts.view("revenue_by_month");
    period
        .rows(
            conn,
            &format!(
                "month, currency, invoiced_net, credited_net, voided_net, net_revenue, tax
                 FROM {view}"
            ),
            "month, currency",
        )
        .await
}

/// Tax per tax, VAT category, rate, exemption reason, month and currency within
/// `period`.
pub async fn tax_summary(
    conn: &mut PgConnection,
    period: &ReportPeriod,
    amounts: ReportAmounts,
) -> Result<Vec<TaxRow>, sqlx::Error> {
    let view = amounts.view("tax_summary");
    period
        .rows(
            conn,
            &format!(
                "month, currency, tax_code, tax_percent, treatment, vat_category, exemption_code,
                 exemption_reason, taxable_base, tax_amount
                 FROM {view}"
            ),
            "month, currency, tax_code, treatment, vat_category, tax_percent, exemption_code,
             exemption_reason",
        )
        .await
}
