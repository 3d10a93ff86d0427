//! Invoices booked in a currency foreign to the books: what their payments
//! and refunds move there, and the exchange differences they realise.
//!
//! An invoice is booked at its issue's rate; a payment is worth its own
//! day's rate. The part of a payment that settles what is due is taken out of
//! the books at the invoice's rate (the last part at whatever is still open,
//! so a paid invoice leaves no cent behind) and was worth its own rate: the
//! difference is realised, as its own event beside the payment. A refund that
//! reopens what a payment settled puts it back at the invoice's rate and
//! reverses that share of the difference. Paid beyond what is due, the rest is
//! the customer's credit in the invoice's currency and realises nothing.
//!
//! Each side is converted once, half-up, to the accounting currency's minor
//! unit; the difference is the difference of the two rounded amounts.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::*;
use crate::exchange::{Books, DatedRate, ExchangeRateError};

impl Invoice {
    /// What a payment of `amount` on `received_on` settles in the books: none
    /// unless the invoice was booked at a rate, else at the rate `books`
    /// states into the invoice's accounting currency.
    pub(super) fn payment_booking(
        &self,
        amount: &Money,
        received_on: NaiveDate,
        books: Books,
    ) -> Result<Option<Settlement>, InvoiceError> {
        let Some(booked) = &self.booked_at else {
            books.no_rate_needed(amount.currency)?;
            return Ok(None);
        };
        let to = booked.rate.to;
        let into_the_invoice_s_books = Books {
            currency: Some(to),
            ..books
        };
        let rate = into_the_invoice_s_books
            .rate_for(amount.currency, received_on)?
            .ok_or(ExchangeRateError::Required {
                from: amount.currency,
                to,
                date: received_on,
            })?;
        let due = self.amount_due();
        let settled = amount.amount.min(due);
        let booked = if settled > Decimal::ZERO && settled == due {
            self.booked_open
        } else {
            self.at_booked_rate(settled)
        };
        Ok(Some(settlement(rate, settled, booked)))
    }

    /// What a refund of `amount` from `payment` reopens in the books: what it
    /// gives back beyond the credit the invoice holds, at the invoice's rate.
    pub(super) fn refund_booking(
        &self,
        payment: &PaymentRecord,
        amount: Decimal,
    ) -> Option<Settlement> {
        let rate = payment.rate.clone()?;
        let reopened = (amount - self.customer_credit()).max(Decimal::ZERO);
        let booked = self.at_booked_rate(reopened);
        Some(settlement(rate, reopened, booked))
    }

    /// The difference `booking` realised, for the payment (`refund` none) or
    /// reversed by a refund; none when it is zero.
    pub(super) fn realised(
        &self,
        payment_id: PaymentId,
        refund_id: Option<RefundId>,
        booking: Option<&Settlement>,
        on: NaiveDate,
    ) -> Option<InvoiceEvent> {
        let (booking, booked_at) = (booking?, self.booked_at.as_ref()?);
        let gain = booking.received - booking.booked;
        let difference = if refund_id.is_some() { -gain } else { gain };
        if difference.is_zero() {
            return None;
        }
        Some(InvoiceEvent::ExchangeDifferenceRealised {
            payment_id,
            refund_id,
            on,
            settled: self.money(booking.settled).ok()?,
            booked_rate: booked_at.rate.rate,
            payment_rate: booking.exchange_rate.rate.rate,
            difference: Money::new(difference, booked_at.rate.to),
        })
    }

    /// `amount` of the invoice's currency at the invoice's rate (zero when it
    /// was booked at none).
    fn at_booked_rate(&self, amount: Decimal) -> Decimal {
        self.booked_at
            .as_ref()
            .map_or(Decimal::ZERO, |rate| rate.rate.convert_amount(amount))
    }
}

/// What `settled` moved in the books: `booked` there, worth its amount at
/// `rate`.
fn settlement(rate: DatedRate, settled: Decimal, booked: Decimal) -> Settlement {
    Settlement {
        received: rate.rate.convert_amount(settled),
        exchange_rate: rate,
        settled,
        booked,
    }
}
