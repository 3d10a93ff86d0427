//! What settles an invoice: the running totals of what was paid, credited and
//! moved, with the amount due and the customer's credit the domain decided,
//! and the credit moves between two invoices of a customer.

use chrono::NaiveDate;
use folio_domain::money::Money;
use rust_decimal::Decimal;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::event_values::require_row;
use crate::feed::FeedEvent;
use crate::projector::ProjectionError;

/// Money that reduced (or, negative, raised) what an invoice asks for.
#[derive(Debug, Clone, Copy)]
pub(super) enum Settled {
    /// Paid (a refund is a negative payment).
    Paid(Decimal),
    /// Credited by a credit note.
    Credited(Decimal),
    /// Settled by credit moved from another invoice (negative: credit moved
    /// away from this one).
    CreditMoved(Decimal),
}

/// What an invoice asks for and holds after a settlement, as the domain decided.
#[derive(Debug, Clone, Copy)]
pub(super) struct Balance {
    /// What the customer still owes.
    pub(super) amount_due: Decimal,
    /// What the invoice holds for the customer.
    pub(super) credit: Decimal,
}

/// Adds a settlement to an invoice and stores the amount due and the customer's
/// credit the domain decided.
pub(super) async fn apply_settlement(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    settled: Settled,
    after: Balance,
) -> Result<(), ProjectionError> {
    let zero = Decimal::ZERO;
    let (paid, credited, moved) = match settled {
        Settled::Paid(amount) => (amount, zero, zero),
        Settled::Credited(amount) => (zero, amount, zero),
        Settled::CreditMoved(amount) => (zero, zero, amount),
    };
    let result = sqlx::query(
        "UPDATE invoices SET amount_paid = amount_paid + $3,
             amount_credited = amount_credited + $4, credit_applied = credit_applied + $5,
             amount_due = $6, customer_credit = $7
         WHERE tenant_id = $1 AND invoice_id = $2",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(paid)
    .bind(credited)
    .bind(moved)
    .bind(after.amount_due)
    .bind(after.credit)
    .execute(conn)
    .await?;
    require_row(result, event)
}

/// The half of a credit move one invoice records.
#[derive(Debug, Clone, Copy)]
pub(super) enum TransferHalf {
    /// The credit left this invoice for `to`, taking `booked` out of its
    /// books when it is foreign.
    Out {
        to: Uuid,
        on: NaiveDate,
        booked: Option<Decimal>,
    },
    /// The credit arrived from `from`, worth `worth` in the books and
    /// settling `booked` of the receivable there, when it is foreign.
    In {
        from: Uuid,
        on: NaiveDate,
        worth: Option<Decimal>,
        booked: Option<Decimal>,
    },
}

/// Records `invoice`'s half of the move `transfer` and settles the invoice
/// with it. The move's row is made by whichever half arrives first (a
/// transport may deliver the two invoices' events in either order) and
/// completed by the other.
pub(super) async fn move_credit(
    conn: &mut PgConnection,
    event: &FeedEvent,
    invoice: Uuid,
    (transfer, half): (Uuid, TransferHalf),
    amount: &Money,
    after: Balance,
) -> Result<(), ProjectionError> {
    let (from, to, moved) = match half {
        TransferHalf::Out { to, .. } => (invoice, to, -amount.amount),
        TransferHalf::In { from, .. } => (from, invoice, amount.amount),
    };
    // Either half knows what the credit was worth in the books; the target's
    // also what it settled there.
    let (transferred_on, applied_on, worth, settled_in_books) = match half {
        TransferHalf::Out { on, booked, .. } => (Some(on), None, booked, None),
        TransferHalf::In {
            on, worth, booked, ..
        } => (None, Some(on), worth, booked),
    };
    let result = sqlx::query(
        "INSERT INTO credit_transfers (tenant_id, transfer_id, customer_id, currency, amount,
             from_invoice_id, to_invoice_id, transferred_on, applied_on, transferred_at, applied_at,
             accounting_amount, applied_accounting_amount)
         SELECT tenant_id, $3, customer_id, $4, $5, $6, $7, $8, $9,
                CASE WHEN $8::date IS NULL THEN NULL ELSE $10::timestamptz END,
                CASE WHEN $9::date IS NULL THEN NULL ELSE $10::timestamptz END,
                $11, $12
         FROM invoices WHERE tenant_id = $1 AND invoice_id = $2
         ON CONFLICT (tenant_id, transfer_id) DO UPDATE
             SET transferred_on = coalesce(credit_transfers.transferred_on, excluded.transferred_on),
                 applied_on = coalesce(credit_transfers.applied_on, excluded.applied_on),
                 transferred_at = coalesce(credit_transfers.transferred_at, excluded.transferred_at),
                 applied_at = coalesce(credit_transfers.applied_at, excluded.applied_at),
                 accounting_amount = coalesce(credit_transfers.accounting_amount,
                                              excluded.accounting_amount),
                 applied_accounting_amount = coalesce(credit_transfers.applied_accounting_amount,
                                                      excluded.applied_accounting_amount)",
    )
    .bind(event.tenant_id)
    .bind(invoice)
    .bind(transfer)
    .bind(amount.currency.code())
    .bind(amount.amount)
    .bind(from)
    .bind(to)
    .bind(transferred_on)
    .bind(applied_on)
    .bind(event.recorded_at)
    .bind(worth)
    .bind(settled_in_books)
    .execute(&mut *conn)
    .await?;
    require_row(result, event)?;
    apply_settlement(conn, event, invoice, Settled::CreditMoved(moved), after).await
}
