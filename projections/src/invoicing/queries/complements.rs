//! Mexico: the payment complements (CFDIs of type P) payments owe or have.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

/// The complement a payment owes or has: its invoice was issued under MX to
/// be paid later (PPD), and it is numbered or not refunded in full.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema, sqlx::FromRow)]
pub struct PaymentComplementRow {
    /// The invoice paid.
    pub invoice_id: Uuid,
    /// The payment it states.
    pub payment_id: Uuid,
    /// Its number in the complement series; null until numbered.
    pub number: Option<String>,
    /// `PENDING` (also while not numbered), `STAMPED` or `REJECTED`.
    pub status: String,
    /// Its own fiscal folio, once stamped.
    pub uuid: Option<Uuid>,
    /// When the XML sent to the PAC was sealed.
    pub sealed_at: Option<DateTime<Utc>>,
    /// When the PAC stamped it.
    pub stamped_at: Option<DateTime<Utc>>,
    /// The PAC's error code, while `REJECTED`.
    pub rejection_code: Option<String>,
    /// The PAC's message, while `REJECTED`.
    pub rejection_message: Option<String>,
}

/// The complements every payment in `payment_ids` owes or has (none for a
/// payment that owes none).
pub async fn complements_of(
    conn: &mut PgConnection,
    payment_ids: &[Uuid],
) -> Result<Vec<PaymentComplementRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.invoice_id, p.payment_id, c.number, coalesce(c.status, 'PENDING') AS status, c.uuid,
                c.sealed_at, c.stamped_at, c.rejection_code, c.rejection_message
         FROM folio_read.payments p
              JOIN folio_read.invoices i
                ON i.tenant_id = p.tenant_id AND i.invoice_id = p.invoice_id
              LEFT JOIN folio_read.payment_complements c
                ON c.tenant_id = p.tenant_id AND c.payment_id = p.payment_id
         WHERE p.payment_id = ANY($1)
           AND i.cfdi_status IS NOT NULL AND i.cfdi_payment_method = 'PPD'
           AND (c.payment_id IS NOT NULL OR p.refunded_amount < p.amount)",
    )
    .bind(payment_ids)
    .fetch_all(conn)
    .await
}
