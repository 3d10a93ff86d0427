//! Realised exchange differences: each filed as its own row (the period's
//! gain or loss is their sum by date); a payment's (or its refund's) is also
//! added to the payment's net difference.

use chrono::NaiveDate;
use folio_domain::ids::{CreditTransferId, PaymentId, RefundId};
use folio_domain::money::Money;
use rust_decimal::Decimal;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::event_values::require_row;
use crate::feed::FeedEvent;
use crate::projector::ProjectionError;

/// What realised a difference.
pub(super) enum RealisedBy {
    /// A payment (`ExchangeDifferenceRealised`), or a refund of it.
    Payment {
        payment_id: PaymentId,
        refund_id: Option<RefundId>,
    },
    /// Credit moved from another invoice (`CreditExchangeDifferenceRealised`).
    CreditMove(CreditTransferId),
}

/// What a realised difference files.
pub(super) struct Realised<'a> {
    pub by: RealisedBy,
    pub on: NaiveDate,
    pub settled: &'a Money,
    /// The invoice's rate and the payment's (the credit's invoice's).
    pub rates: (Decimal, Decimal),
    pub difference: &'a Money,
}

/// Inserts the difference's row (for the invoice's customer) and adds a
/// payment's to the payment's row.
pub(super) async fn file_difference(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    realised: Realised<'_>,
) -> Result<(), ProjectionError> {
    let (booked_rate, payment_rate) = realised.rates;
    let (payment_id, refund_id, transfer_id) = match realised.by {
        RealisedBy::Payment {
            payment_id,
            refund_id,
        } => (Some(payment_id), refund_id, None),
        RealisedBy::CreditMove(transfer_id) => (None, None, Some(transfer_id)),
    };
    let result = sqlx::query(
        "INSERT INTO exchange_differences (tenant_id, invoice_id, sequence, customer_id,
             payment_id, refund_id, transfer_id, realised_on, currency, settled, booked_rate,
             payment_rate, accounting_currency, difference, recorded_at)
         SELECT tenant_id, invoice_id, $3, customer_id, $4, $5, $6, $7, $8, $9, $10, $11, $12,
                $13, $14
         FROM invoices WHERE tenant_id = $1 AND invoice_id = $2",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(event.sequence)
    .bind(payment_id.map(|id| id.0))
    .bind(refund_id.map(|id| id.0))
    .bind(transfer_id.map(|id| id.0))
    .bind(realised.on)
    .bind(realised.settled.currency.code())
    .bind(realised.settled.amount)
    .bind(booked_rate)
    .bind(payment_rate)
    .bind(realised.difference.currency.code())
    .bind(realised.difference.amount)
    .bind(event.recorded_at)
    .execute(&mut *conn)
    .await?;
    require_row(result, event)?;
    let Some(payment_id) = payment_id else {
        return Ok(());
    };
    let result = sqlx::query(
        "UPDATE payments SET exchange_difference = coalesce(exchange_difference, 0) + $3
         WHERE tenant_id = $1 AND payment_id = $2",
    )
    .bind(event.tenant_id)
    .bind(payment_id.0)
    .bind(realised.difference.amount)
    .execute(&mut *conn)
    .await?;
    require_row(result, event)
}
