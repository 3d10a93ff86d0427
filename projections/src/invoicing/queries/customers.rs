//! Customers, their open balances and their statements.

use crate::amount::Amount;
use crate::reading::{contains_pattern, Page, ReportAmounts, Slice};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

/// A customer as the read model holds it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct CustomerRow {
    /// The customer's id (the aggregate id).
    pub customer_id: Uuid,
    /// Name on invoices; `[erased]` once its personal data was erased.
    pub name: String,
    /// Billing e-mail; null when not given or erased.
    pub email: Option<String>,
    /// Phone; null when not given or erased.
    pub phone: Option<String>,
    /// Postal address; null when not given or erased.
    pub address: Option<String>,
    /// Tax id (VAT id, RFC, ...), if known.
    pub tax_id: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
    /// ISO 4217 code new invoices default to.
    pub default_currency: String,
    /// Days from issue to due date new invoices default to.
    pub payment_terms_days: i32,
    /// `ACTIVE` or `ARCHIVED`.
    pub status: String,
    /// When its personal data was erased; null if never.
    pub personal_data_erased_at: Option<DateTime<Utc>>,
    /// Mexico: the receiver's tax regime (c_RegimenFiscal), if stated.
    pub sat_tax_regime: Option<String>,
    /// Mexico: the postal code of its tax address, if stated.
    pub sat_postal_code: Option<String>,
    /// Mexico: its default CFDI use (c_UsoCFDI), if stated.
    pub sat_cfdi_use: Option<String>,
    /// The aggregate's version (its last event's sequence).
    pub version: i64,
}

/// What one customer owes, and is owed, in one currency (customers with neither
/// have no row).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct BalanceRow {
    /// The customer whose balance it is (`customer_id`).
    pub customer_id: Uuid,
    /// ISO 4217 code.
    pub currency: String,
    /// Issued or sent invoices with something due.
    pub open_invoices: i64,
    /// Sum still owed.
    #[sqlx(try_from = "Amount")]
    pub open_amount: Decimal,
    /// The part of `open_amount` past its due date.
    #[sqlx(try_from = "Amount")]
    pub overdue_amount: Decimal,
    /// Held for the customer: overpayments and credit notes beyond what was
    /// due, not yet refunded.
    #[sqlx(try_from = "Amount")]
    pub credit_amount: Decimal,
    /// `open_amount - credit_amount`: negative when the customer is owed.
    #[sqlx(try_from = "Amount")]
    pub balance: Decimal,
}

/// One entry of a customer's statement.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct StatementEntryRow {
    /// Issue, void, value or refund date.
    pub entry_date: NaiveDate,
    /// `INVOICE`, `INVOICE_VOIDED`, `CREDIT_NOTE`, `PAYMENT`, `REFUND`,
    /// `EXCHANGE_DIFFERENCE` (in the books only), `CREDIT_TRANSFERRED`,
    /// `CREDIT_APPLIED` or `CREDIT_RETURNED`.
    pub kind: String,
    /// The invoice the entry belongs to.
    pub invoice_id: Uuid,
    /// Invoice or credit-note number; the payer's reference for money.
    pub document_number: Option<String>,
    /// Signed: + raises what the customer owes, - lowers it.
    #[sqlx(try_from = "Amount")]
    pub amount: Decimal,
    /// The balance after this entry.
    #[sqlx(try_from = "Amount")]
    pub balance: Decimal,
}

/// A customer's statement for a period in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CustomerStatement {
    /// The balance at the start of the period (entries before `from`).
    pub opening_balance: Decimal,
    /// The period's entries by date, then by when they were recorded.
    pub entries: Vec<StatementEntryRow>,
    /// The balance at the end of the period: opening plus every entry.
    pub closing_balance: Decimal,
}

const CUSTOMER_COLUMNS: &str = "customer_id, name, email, phone, address, tax_id, country,
    default_currency, payment_terms_days, status, personal_data_erased_at, sat_tax_regime,
    sat_postal_code, sat_cfdi_use, version";

/// Customers by name (case-insensitive), optionally only those whose name
/// contains `search`.
pub async fn customers(
    conn: &mut PgConnection,
    search: Option<&str>,
    page: Page,
) -> Result<Slice<CustomerRow>, sqlx::Error> {
    let rows = sqlx::query_as(&format!(
        "SELECT {CUSTOMER_COLUMNS} FROM folio_read.customers
         WHERE $3::text IS NULL OR lower(name) LIKE $3
         ORDER BY lower(name), customer_id LIMIT $1 OFFSET $2"
    ))
    .bind(page.fetch_limit())
    .bind(page.offset)
    .bind(search.map(contains_pattern))
    .fetch_all(conn)
    .await?;
    Ok(page.slice(rows))
}

/// One customer, or `None` (also for another tenant's).
pub async fn customer(
    conn: &mut PgConnection,
    customer_id: Uuid,
) -> Result<Option<CustomerRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {CUSTOMER_COLUMNS} FROM folio_read.customers WHERE customer_id = $1"
    ))
    .bind(customer_id)
    .fetch_optional(conn)
    .await
}

/// The open balances of every customer in `customer_ids`, by currency.
pub async fn balances_of(
    conn: &mut PgConnection,
    customer_ids: &[Uuid],
) -> Result<Vec<BalanceRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT customer_id, currency, open_invoices, open_amount, overdue_amount,
                credit_amount, balance
         FROM folio_read.customer_balances WHERE customer_id = ANY($1) ORDER BY currency",
    )
    .bind(customer_ids)
    .fetch_all(conn)
    .await
}

/// A customer's statement in `currency` from `from` to `to` (both included):
/// the opening balance, every document and payment of the period with the
/// running balance, and the closing balance, all from `customer_ledger`. In
/// the accounting currency its entries are the ledger's `accounting_amount`,
/// exchange differences among them; in a document currency those move nothing
/// and are left out.
pub async fn customer_statement(
    conn: &mut PgConnection,
    customer_id: Uuid,
    currency: &str,
    (from, to): (NaiveDate, NaiveDate),
    amounts: ReportAmounts,
) -> Result<CustomerStatement, sqlx::Error> {
    let in_books = amounts == ReportAmounts::AccountingCurrency;
    let Amount(opening_balance) = sqlx::query_scalar(
        "SELECT public.in_minor_units(coalesce(sum(CASE WHEN $4 THEN accounting_amount
                                                     ELSE amount END), 0), $2)
         FROM folio_read.customer_ledger
         WHERE customer_id = $1 AND entry_date < $3
           AND CASE WHEN $4 THEN accounting_currency ELSE currency END = $2",
    )
    .bind(customer_id)
    .bind(currency)
    .bind(from)
    .bind(in_books)
    .fetch_one(&mut *conn)
    .await?;
    let entries: Vec<StatementEntryRow> = sqlx::query_as(
        "WITH entries AS (
             SELECT entry_date, kind, invoice_id, document_number, recorded_at,
                    CASE WHEN $6 THEN accounting_amount ELSE amount END AS amount
             FROM folio_read.customer_ledger
             WHERE customer_id = $1 AND entry_date BETWEEN $3 AND $4
               AND CASE WHEN $6 THEN accounting_currency ELSE currency END = $2
               AND ($6 OR kind <> 'EXCHANGE_DIFFERENCE'))
         SELECT entry_date, kind, invoice_id, document_number, amount,
                $5 + sum(amount) OVER (ORDER BY entry_date, recorded_at,
                                                kind = 'EXCHANGE_DIFFERENCE', kind, invoice_id
                                       ROWS UNBOUNDED PRECEDING) AS balance
         FROM entries
         -- A difference follows the payment or refund recorded with it.
         ORDER BY entry_date, recorded_at, kind = 'EXCHANGE_DIFFERENCE', kind, invoice_id",
    )
    .bind(customer_id)
    .bind(currency)
    .bind(from)
    .bind(to)
    .bind(opening_balance)
    .bind(in_books)
    .fetch_all(&mut *conn)
    .await?;
    let closing_balance = entries.last().map_or(opening_balance, |e| e.balance);
    Ok(CustomerStatement {
        opening_balance,
        entries,
        closing_balance,
    })
}
