//! Invoices booked in a currency foreign to the books: what their payments
//! and refunds move there, and the exchange differences they realise.
//!
//! An invoice is booked at its issue's rate; a payment is worth its own
//! day's rate. The receivable in the books is the invoice's balance (what is
//! due less the credit it holds) at the invoice's rate, so every payment and
//! refund moves it at that rate: all of a payment leaves it, what settles the
//! invoice and what it pays beyond as the customer's credit alike, and was
//! worth the payment's rate; the difference is realised, as its own event
//! beside the payment. A refund puts its amount back at the invoice's rate and
//! was worth the refunded payment's rate, so it reverses the difference on what
//! it gives back. A movement that brings the balance to zero moves whatever is
//! still in the books instead, so a settled invoice leaves no cent behind,
//! credit notes and overpayments included.
//!
//! Credit moved between two such invoices leaves the source's books at the
//! source's rate and settles the target's receivable at the target's: the
//! difference is realised on the target, as a payment's is.
//!
//! Each side is converted once, half-up, to the accounting currency's minor
//! unit; the difference is the difference of the two rounded amounts.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::transfer::{CreditWorth, Move};
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
        let booked = self.booked_moving(-amount.amount);
        Ok(Some(settlement(rate, amount.amount, -booked)))
    }

    /// What a refund of `amount` from `payment` puts back in the books: all
    /// of it, at the invoice's rate.
    pub(super) fn refund_booking(
        &self,
        payment: &PaymentRecord,
        amount: Decimal,
    ) -> Option<Settlement> {
        let rate = payment.rate.clone()?;
        let booked = self.booked_moving(amount);
        Some(settlement(rate, amount, booked))
    }

    /// What moving the balance by `change` (negative: the customer owes less)
    /// moves in the books: `change` at the invoice's rate, or, when it brings
    /// the balance to zero, exactly what the books still hold.
    fn booked_moving(&self, change: Decimal) -> Decimal {
        if (self.balance() + change).is_zero() {
            -self.booked_open
        } else {
            self.at_booked_rate(change)
        }
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

    /// What moving `amount` of this invoice's credit to another invoice takes
    /// out of the books: none unless the invoice is booked at a rate.
    pub fn credit_worth_leaving(&self, amount: Decimal) -> Option<CreditWorth> {
        Some(CreditWorth {
            booked: self.booked_moving(amount),
            rate: self.booked_at.clone()?,
        })
    }

    /// What credit of `amount`, worth `worth` in the books of the invoice it
    /// left, settles in this invoice's books. Credit moves only between
    /// invoices booked alike: both at a rate into the same books, or neither.
    pub(super) fn credit_booking(
        &self,
        amount: Decimal,
        worth: Option<&CreditWorth>,
    ) -> Result<Option<Settlement>, InvoiceError> {
        match (&self.booked_at, worth) {
            (None, None) => Ok(None),
            (Some(here), Some(worth)) if here.rate.to == worth.rate.rate.to => {
                Ok(Some(Settlement {
                    exchange_rate: worth.rate.clone(),
                    settled: amount,
                    booked: -self.booked_moving(-amount),
                    received: worth.booked,
                }))
            }
            _ => Err(InvoiceError::CreditAcrossBooks),
        }
    }

    /// The difference credit arriving with `booking` realised; none when it
    /// is zero.
    pub(super) fn credit_realised(
        &self,
        moved: &Move,
        booking: Option<&Settlement>,
    ) -> Option<InvoiceEvent> {
        let (booking, booked_at) = (booking?, self.booked_at.as_ref()?);
        let difference = booking.received - booking.booked;
        if difference.is_zero() {
            return None;
        }
        Some(InvoiceEvent::CreditExchangeDifferenceRealised {
            transfer_id: moved.transfer_id,
            from_invoice: moved.counterpart,
            on: moved.on,
            settled: self.money(booking.settled).ok()?,
            booked_rate: booked_at.rate.rate,
            credit_rate: booking.exchange_rate.rate.rate,
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
