//! Payments and refunds: each filed as its own row, and the invoice settled by
//! it (a refund is a negative payment).

use chrono::NaiveDate;
use folio_domain::ids::{PaymentId, RefundId};
use folio_domain::invoice::{InvoiceEvent, Settlement};
use folio_domain::money::Money;
use rust_decimal::Decimal;
use sqlx::PgConnection;
use uuid::Uuid;

use super::settlement::{apply_settlement, Balance, Settled};
use crate::event_values::{label, require_row};
use crate::feed::FeedEvent;
use crate::projector::ProjectionError;

/// Files a payment or a refund; any other event is refused as not one.
pub(super) async fn project_payment(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    payload: InvoiceEvent,
) -> Result<(), ProjectionError> {
    match payload {
        InvoiceEvent::PaymentRecorded {
            payment_id,
            amount,
            received_on,
            method,
            reference,
            amount_due_after,
            credit_after,
            booking,
        } => {
            let payment = Payment {
                payment_id,
                amount: &amount,
                received_on,
                method: label(&method),
                reference: reference.as_deref(),
                booking: booking.as_ref(),
            };
            record(conn, event, invoice, payment).await?;
            let after = Balance {
                amount_due: amount_due_after,
                credit: credit_after,
            };
            let settled = Settled::Paid(amount.amount);
            apply_settlement(conn, event, invoice, settled, after).await
        }
        InvoiceEvent::PaymentRefunded {
            refund_id,
            payment_id,
            amount,
            refunded_on,
            reason,
            amount_due_after,
            credit_after,
            // Only what it was worth is filed here; the difference it
            // reversed is filed from the ExchangeDifferenceRealised beside it.
            booking,
        } => {
            let refund = Refund {
                refund_id,
                payment_id,
                amount: &amount,
                refunded_on,
                reason: &reason,
                worth: booking.map(|b| b.received),
            };
            record_refund(conn, event, invoice, refund).await?;
            let after = Balance {
                amount_due: amount_due_after,
                credit: credit_after,
            };
            let settled = Settled::Paid(-amount.amount);
            apply_settlement(conn, event, invoice, settled, after).await
        }
        _ => Err(ProjectionError::unfiled(event, "a payment")),
    }
}

/// What `PaymentRecorded` files as the payment's row.
struct Payment<'a> {
    payment_id: PaymentId,
    amount: &'a Money,
    received_on: NaiveDate,
    method: String,
    reference: Option<&'a str>,
    /// How it moved the books, for an invoice booked in a foreign currency.
    booking: Option<&'a Settlement>,
}

/// Inserts a payment's row, for the invoice's customer.
async fn record(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    payment: Payment<'_>,
) -> Result<(), ProjectionError> {
    let result = sqlx::query(
        "INSERT INTO payments (tenant_id, payment_id, invoice_id, customer_id, currency,
             amount, received_on, method, reference, recorded_at, sequence,
             exchange_rate, exchange_rate_date, exchange_difference, accounting_amount)
         SELECT tenant_id, $3, invoice_id, customer_id, $4, $5, $6, $7, $8, $9, $10, $11, $12,
                CASE WHEN $11::numeric IS NULL THEN NULL
                     ELSE public.in_minor_units(0, accounting_currency) END, $13
         FROM invoices WHERE tenant_id = $1 AND invoice_id = $2",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(payment.payment_id.0)
    .bind(payment.amount.currency.code())
    .bind(payment.amount.amount)
    .bind(payment.received_on)
    .bind(&payment.method)
    .bind(payment.reference)
    .bind(event.recorded_at)
    .bind(event.sequence)
    .bind(payment.booking.map(|b| b.exchange_rate.rate.rate))
    .bind(payment.booking.map(|b| b.exchange_rate.date))
    .bind(payment.booking.map(|b| b.received))
    .execute(conn)
    .await?;
    require_row(result, event)
}

/// What `PaymentRefunded` files as the refund's row.
struct Refund<'a> {
    refund_id: RefundId,
    payment_id: PaymentId,
    amount: &'a Money,
    refunded_on: NaiveDate,
    reason: &'a str,
    /// What it was worth in the books, for an invoice booked in a foreign
    /// currency (at the refunded payment's rate).
    worth: Option<Decimal>,
}

/// Inserts a refund's row and adds it to its payment's refunded amount.
async fn record_refund(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    refund: Refund<'_>,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "INSERT INTO payment_refunds (tenant_id, refund_id, payment_id, invoice_id,
             currency, amount, refunded_on, reason, recorded_at, sequence, accounting_amount)
         VALUES ($1, $3, $4, $2, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(refund.refund_id.0)
    .bind(refund.payment_id.0)
    .bind(refund.amount.currency.code())
    .bind(refund.amount.amount)
    .bind(refund.refunded_on)
    .bind(refund.reason)
    .bind(event.recorded_at)
    .bind(event.sequence)
    .bind(refund.worth)
    .execute(&mut *conn)
    .await?;
    let result = sqlx::query(
        "UPDATE payments SET refunded_amount = refunded_amount + $3
         WHERE tenant_id = $1 AND payment_id = $2",
    )
    .bind(event.tenant_id)
    .bind(refund.payment_id.0)
    .bind(refund.amount.amount)
    .execute(conn)
    .await?;
    require_row(result, event)
}
