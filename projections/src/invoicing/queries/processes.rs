//! What the background processes read across tenants: credit moves under
//! way, documents awaiting their archive, notifications not sent yet, and
//! invoices the dunning process may remind of.

use rust_decimal::Decimal;
use uuid::Uuid;

/// A credit move whose source released the credit and whose target has not
/// recorded it: what the process that finishes moves reads.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MoveUnderWayRow {
    /// The tenant whose move it is: the finisher acts in its name.
    pub tenant_id: Uuid,
    /// The move's id.
    pub transfer_id: Uuid,
    /// The invoice the credit left.
    pub from_invoice_id: Uuid,
    /// The invoice it is to settle.
    pub to_invoice_id: Uuid,
    /// ISO 4217 currency.
    pub currency: String,
    /// How much moved.
    pub amount: Decimal,
}

/// Moves under way since before `older_than` ago, in every tenant (read as the
/// pool's own role, not the API's), oldest first, at most `limit`.
pub async fn moves_under_way(
    pool: &sqlx::PgPool,
    older_than: std::time::Duration,
    limit: i64,
) -> Result<Vec<MoveUnderWayRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT tenant_id, transfer_id, from_invoice_id, to_invoice_id, currency, amount
         FROM folio_read.credit_transfers
         WHERE transferred_on IS NOT NULL AND applied_on IS NULL AND returned_on IS NULL
           AND transferred_at <= now() - make_interval(secs => $1)
         ORDER BY transferred_at LIMIT $2",
    )
    .bind(older_than.as_secs_f64())
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// How many credit moves are under way now, in every tenant (a gauge: one
/// that stays is a move its finisher cannot finish).
pub async fn count_moves_under_way(pool: &sqlx::PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM folio_read.credit_transfers
         WHERE transferred_on IS NOT NULL AND applied_on IS NULL AND returned_on IS NULL",
    )
    .fetch_one(pool)
    .await
}

/// How many issued documents (invoices and credit notes, every tenant) have no
/// archived files yet, and how many of them the archiver failed on so far
/// (gauges: a document that stays is one the archiver cannot archive; the
/// reason is in `document_archive_attempts.last_error`).
pub async fn count_documents_awaiting_archive(
    pool: &sqlx::PgPool,
) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM folio_read.documents_awaiting_archive),
                (SELECT count(*) FROM public.document_archive_attempts)",
    )
    .fetch_one(pool)
    .await
}

/// How many notifications (every tenant) are not sent, by channel and status
/// (`QUEUED`, `SENDING`, `RETRYING`, `FAILED`): gauges; sent ones are
/// history, and skipped ones (nobody to write to) were never to be sent.
pub async fn count_unsent_notifications(
    pool: &sqlx::PgPool,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT channel, status, count(*) FROM public.outbox
         WHERE status <> 'SENT' AND status <> 'SKIPPED'
         GROUP BY channel, status",
    )
    .fetch_all(pool)
    .await
}

/// An open invoice the dunning process may remind of.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ReminderCandidateRow {
    /// Its tenant.
    pub tenant_id: Uuid,
    /// The invoice.
    pub invoice_id: Uuid,
    /// Its due date.
    pub due_date: chrono::NaiveDate,
    /// The last reminder step recorded (0: none).
    pub reminders_sent: i16,
    /// Where it was last sent, comma-separated (`invoices.sent_to`).
    pub sent_to: Option<String>,
    /// The customer's billing e-mail address.
    pub customer_email: Option<String>,
}

/// Issued invoices of every tenant on which something is due, with no open
/// dispute, due from `due.0` to `due.1` (both included), after `after` in
/// (tenant, invoice) order, at most `limit` (read as the pool's own role,
/// not the API's).
pub async fn reminder_candidates(
    pool: &sqlx::PgPool,
    due: (chrono::NaiveDate, chrono::NaiveDate),
    after: Option<(Uuid, Uuid)>,
    limit: i64,
) -> Result<Vec<ReminderCandidateRow>, sqlx::Error> {
    let (after_tenant, after_invoice) = after.unzip();
    sqlx::query_as(
        "SELECT i.tenant_id, i.invoice_id, i.due_date, i.reminders_sent, i.sent_to,
                c.email AS customer_email
         FROM folio_read.invoices i
              LEFT JOIN folio_read.customers c USING (tenant_id, customer_id)
         WHERE i.status IN ('ISSUED', 'SENT') AND i.amount_due > 0 AND i.disputed_on IS NULL
           AND i.due_date BETWEEN $1 AND $5
           AND ($2::uuid IS NULL OR (i.tenant_id, i.invoice_id) > ($2, $3))
         ORDER BY i.tenant_id, i.invoice_id LIMIT $4",
    )
    .bind(due.0)
    .bind(after_tenant)
    .bind(after_invoice)
    .bind(limit)
    .bind(due.1)
    .fetch_all(pool)
    .await
}
