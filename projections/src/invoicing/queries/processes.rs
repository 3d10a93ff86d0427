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

/// Where Mexico's fiscal processes stand, every tenant: gauges.
#[derive(Debug, Clone, Copy, PartialEq, sqlx::FromRow)]
pub struct CfdiProcessCounts {
    /// CFDIs awaiting their fiscal stamp: invoices' own, payments'
    /// complements and credit notes'.
    pub awaiting_stamp: i64,
    /// Of those, the ones the stamper failed on so far.
    pub stamp_failing: i64,
    /// The age in seconds of the oldest CFDI sealed and not stamped (a PAC
    /// stamps within 72 hours of the seal; 0 when none waits).
    pub oldest_seal_age_seconds: f64,
    /// Stamped invoices whose cancellation SAT has not decided.
    pub awaiting_cancellation: i64,
    /// Of those, the ones whose latest attempt failed (SAT still deciding is
    /// not a failure).
    pub cancellation_failing: i64,
}

/// Where Mexico's fiscal processes stand, every tenant.
pub async fn count_cfdi_processes(pool: &sqlx::PgPool) -> Result<CfdiProcessCounts, sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM folio_read.cfdi_awaiting_stamp)
                    + (SELECT count(*) FROM folio_read.cfdi_complements_awaiting_stamp)
                    + (SELECT count(*) FROM folio_read.cfdi_credit_notes_awaiting_stamp)
                    AS awaiting_stamp,
                (SELECT count(*) FROM public.cfdi_stamp_attempts)
                    + (SELECT count(*) FROM public.cfdi_complement_attempts)
                    + (SELECT count(*) FROM public.cfdi_credit_note_attempts) AS stamp_failing,
                coalesce((SELECT extract(epoch FROM now() - min(sealed_at))::float8
                          FROM (SELECT cfdi_sealed_at AS sealed_at
                                FROM folio_read.cfdi_awaiting_stamp
                                UNION ALL
                                SELECT sealed_at FROM folio_read.cfdi_complements_awaiting_stamp
                                UNION ALL
                                SELECT cfdi_sealed_at
                                FROM folio_read.cfdi_credit_notes_awaiting_stamp)
                               AS sealed), 0) AS oldest_seal_age_seconds,
                (SELECT count(*) FROM folio_read.cfdi_awaiting_cancellation)
                    AS awaiting_cancellation,
                (SELECT count(*) FROM public.cfdi_cancellation_attempts
                 WHERE error_code IS NOT NULL) AS cancellation_failing",
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
    /// Whether the invoice charges another's late fee (it charges none itself).
    pub is_late_fee: bool,
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
                c.email AS customer_email,
                EXISTS (SELECT FROM folio_read.payment_reminders r
                        WHERE r.tenant_id = i.tenant_id AND r.fee_invoice_id = i.invoice_id)
                    AS is_late_fee
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

/// A late fee a reminder charged whose invoice is not issued and sent yet.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LateFeeRow {
    /// Its tenant.
    pub tenant_id: Uuid,
    /// The invoice reminded of.
    pub invoice_id: Uuid,
    /// Its number.
    pub number: String,
    /// The reminder's step.
    pub step: i16,
    /// The customer.
    pub customer_id: Uuid,
    /// The customer's country (the fee line's language).
    pub country: Option<String>,
    /// ISO 4217 currency of the fee.
    pub currency: String,
    /// The fee, before tax.
    pub late_fee: Decimal,
    /// The tax-catalogue key of the tax on it.
    pub tax_rate_key: String,
    /// The invoice that charges it.
    pub fee_invoice_id: Uuid,
    /// Where the invoice reminded of was last sent, comma-separated.
    pub sent_to: Option<String>,
    /// The customer's billing e-mail address.
    pub customer_email: Option<String>,
}

/// Late fees of every tenant whose invoice does not exist yet, is a draft,
/// or is issued and still to be e-mailed (its reminder had addresses),
/// oldest first, at most `limit`.
pub async fn late_fees_to_invoice(
    pool: &sqlx::PgPool,
    limit: i64,
) -> Result<Vec<LateFeeRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.tenant_id, r.invoice_id, i.number, r.step, i.customer_id, c.country,
                r.currency, r.late_fee, r.late_fee_tax_rate_key AS tax_rate_key,
                r.fee_invoice_id, i.sent_to, c.email AS customer_email
         FROM folio_read.payment_reminders r
              JOIN folio_read.invoices i USING (tenant_id, invoice_id)
              LEFT JOIN folio_read.customers c
                     ON c.tenant_id = i.tenant_id AND c.customer_id = i.customer_id
              LEFT JOIN folio_read.invoices f
                     ON f.tenant_id = r.tenant_id AND f.invoice_id = r.fee_invoice_id
         WHERE r.fee_invoice_id IS NOT NULL
           AND (f.invoice_id IS NULL OR f.status = 'DRAFT' OR (f.status = 'ISSUED' AND r.e_mailed))
         ORDER BY r.recorded_at LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}
