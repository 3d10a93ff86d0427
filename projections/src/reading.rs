//! How every edge reads a read model: in a transaction confined to one tenant
//! (Postgres row-level security underneath, so a forgotten `WHERE` cannot leak
//! another tenant's rows), one page at a time.

use chrono::NaiveDate;
use folio_domain::ids::TenantId;
use schemars::JsonSchema;
use serde::Deserialize;
use sqlx::{PgPool, Postgres, Transaction};

use crate::rebuild::API_ROLE;

/// A read transaction that takes the `folio_api` role and sets `folio.tenant_id`,
/// so every row-level-security policy confines it to `tenant`, and the session
/// timezone to the tenant's (`tenant_timezones`, else UTC), so `current_date` in
/// overdue and aging is the tenant's today.
pub async fn tenant_reader(
    pool: &PgPool,
    tenant: TenantId,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // Read as the owner, before the role changes: the timezone table has row-level
    // security like every other, and this lookup is the reader's own.
    sqlx::query(
        "SELECT set_config('folio.tenant_id', $1, true),
                set_config('TimeZone', coalesce(
                    (SELECT timezone FROM folio_read.tenant_timezones
                     WHERE tenant_id = $1::uuid), 'UTC'), true)",
    )
    .bind(tenant.0.to_string())
    .execute(&mut *tx)
    .await?;
    sqlx::query(&format!("SET LOCAL ROLE {API_ROLE}"))
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// Which slice of a list to read: `limit` items after skipping `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Items skipped from the start of the ordered list (0 for the first page).
    pub offset: i64,
    /// Items wanted (at least 0; the edge bounds it).
    pub limit: i64,
}

/// One page of a list, and whether there is more after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Slice<T> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// The offset of the first item in the whole list.
    pub offset: i64,
    /// Whether items follow this page.
    pub has_next: bool,
}

/// Why a report's filter cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidReportFilter {
    /// The period ends before it starts.
    #[error("the report's `from` is after its `to`")]
    FromAfterTo,
    /// The currency is not three letters.
    #[error("'{0}' is not an ISO 4217 currency code (three letters, e.g. EUR)")]
    Currency(String),
}

/// A report's currency filter as every edge takes it: trimmed and upper-cased
/// (` eur` is EUR), refused unless three letters; none stays none.
pub fn report_currency(given: Option<&str>) -> Result<Option<String>, InvalidReportFilter> {
    let Some(given) = given else {
        return Ok(None);
    };
    let code = given.trim().to_ascii_uppercase();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(InvalidReportFilter::Currency(given.to_owned()));
    }
    Ok(Some(code))
}

/// A report's filter as a caller gives it, read by [`ReportFilter::period`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
pub struct ReportFilter {
    /// Months starting on or after the month of this date (YYYY-MM-DD).
    pub from: Option<NaiveDate>,
    /// Months starting on or before this date (YYYY-MM-DD).
    pub to: Option<NaiveDate>,
    /// Only amounts in this ISO 4217 currency (e.g. `EUR`).
    pub currency: Option<String>,
}

/// Which amounts a revenue or tax report adds up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReportAmounts {
    /// Each document's own amounts, one row per currency.
    #[default]
    DocumentCurrency,
    /// The tenant's accounting currency: a document booked in another at the
    /// amounts it recorded there; one never converted (issued before the
    /// books had a currency) stays in its own currency's rows.
    AccountingCurrency,
}

impl ReportAmounts {
    /// The report view `name` adds these amounts up in.
    pub(crate) fn view(self, name: &str) -> String {
        match self {
            ReportAmounts::DocumentCurrency => format!("folio_read.{name}"),
            ReportAmounts::AccountingCurrency => format!("folio_read.{name}_in_books"),
        }
    }
}

/// Which months and currency a report covers (all when `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportPeriod {
    /// Months starting on or after the month of this date.
    pub from: Option<NaiveDate>,
    /// Months starting on or before this date.
    pub to: Option<NaiveDate>,
    /// Only amounts in this ISO 4217 currency.
    pub currency: Option<String>,
}

impl ReportFilter {
    /// The period this filter names, as every edge takes it: `from` not after
    /// `to`, the currency as [`report_currency`] reads it.
    pub fn period(&self) -> Result<ReportPeriod, InvalidReportFilter> {
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if from > to {
                return Err(InvalidReportFilter::FromAfterTo);
            }
        }
        Ok(ReportPeriod {
            from: self.from,
            to: self.to,
            currency: report_currency(self.currency.as_deref())?,
        })
    }
}

impl ReportPeriod {
    /// The rows of `select` (columns `FROM` a report view that has a `month` and a
    /// `currency` column) within this period, ordered by `order_by`.
    pub(crate) async fn rows<T>(
        &self,
        conn: &mut sqlx::PgConnection,
        select: &str,
        order_by: &str,
    ) -> Result<Vec<T>, sqlx::Error>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        sqlx::query_as(&format!(
            "SELECT {select}
             WHERE ($1::date IS NULL OR month >= date_trunc('month', $1::date)::date)
               AND ($2::date IS NULL OR month <= $2)
               AND ($3::text IS NULL OR currency = $3)
             ORDER BY {order_by}"
        ))
        .bind(self.from)
        .bind(self.to)
        .bind(self.currency.as_deref())
        .fetch_all(conn)
        .await
    }
}

impl Page {
    /// The rows to fetch: one more than asked, to learn whether a next page exists.
    pub(crate) fn fetch_limit(&self) -> i64 {
        self.limit.saturating_add(1)
    }

    /// Cuts the extra row off `rows` (fetched with [`Page::fetch_limit`]).
    pub(crate) fn slice<T>(&self, mut rows: Vec<T>) -> Slice<T> {
        let has_next = rows.len() as i64 > self.limit;
        rows.truncate(self.limit.max(0) as usize);
        Slice {
            items: rows,
            offset: self.offset,
            has_next,
        }
    }
}

/// `text` as a case-insensitive `LIKE` pattern matching it anywhere, with `LIKE`'s
/// wildcards in it taken literally.
pub(crate) fn contains_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{}%", escaped.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_s_currency_is_read_the_same_whatever_its_case_and_a_bad_one_is_refused() {
        assert_eq!(report_currency(Some(" eur ")), Ok(Some("EUR".to_owned())));
        assert_eq!(report_currency(None), Ok(None));
        for wrong in ["EURO", "E1R", ""] {
            assert_eq!(
                report_currency(Some(wrong)),
                Err(InvalidReportFilter::Currency(wrong.to_owned()))
            );
        }
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        assert_eq!(
            ReportFilter {
                from: Some(day(2)),
                to: Some(day(1)),
                currency: None
            }
            .period(),
            Err(InvalidReportFilter::FromAfterTo)
        );
    }

    #[test]
    fn a_page_knows_whether_more_follows() {
        let page = Page {
            offset: 4,
            limit: 2,
        };
        assert_eq!(page.fetch_limit(), 3);
        let more = page.slice(vec![1, 2, 3]);
        assert_eq!(
            (more.items, more.has_next, more.offset),
            (vec![1, 2], true, 4)
        );
        assert!(!page.slice(vec![1, 2]).has_next);
    }

    #[test]
    fn a_search_takes_like_wildcards_literally() {
        assert_eq!(contains_pattern("50%_A\\"), "%50\\%\\_a\\\\%");
    }
}
