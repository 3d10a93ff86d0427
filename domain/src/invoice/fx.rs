//! Realised exchange differences. An invoice in a currency foreign to the
//! books is booked at its issue's rate; a payment is worth its own day's rate.
//! The part of a payment that settles what is due realises the difference
//! between the two, in the accounting currency, as its own event beside the
//! payment. A refund that reopens what a payment settled reverses that share
//! at the same two rates. Paid beyond what is due, the rest is the customer's
//! credit in the invoice's currency and realises nothing.
//!
//! Each side is converted once, half-up, to the accounting currency's minor
//! unit; the difference is the difference of the two rounded amounts.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::*;
use crate::exchange::{Books, DatedRate, ExchangeRateError};

impl Invoice {
    /// The rate a payment of `amount` on `received_on` is booked at: none
    /// unless the invoice was booked at one, else the rate `books` states
    /// into the invoice's accounting currency.
    pub(super) fn payment_rate(
        &self,
        amount: &Money,
        received_on: NaiveDate,
        books: Books,
    ) -> Result<Option<DatedRate>, InvoiceError> {
        let Some(booked) = &self.booked_at else {
            return match books.rate {
                Some(_) => Err(ExchangeRateError::NotForeign(amount.currency).into()),
                None => Ok(None),
            };
        };
        let to = booked.rate.to;
        let into_the_invoice_s_books = Books {
            currency: Some(to),
            rate: books.rate,
        };
        let rate = into_the_invoice_s_books
            .rate_for(amount.currency, received_on)?
            .ok_or(ExchangeRateError::Required {
                from: amount.currency,
                to,
                date: received_on,
            })?;
        Ok(Some(rate))
    }

    /// The difference a payment of `amount` at `rate` realises on the part
    /// that settles what is due; none when nothing is settled or the two
    /// rates give the same amount.
    pub(super) fn realised_on_payment(
        &self,
        payment_id: PaymentId,
        amount: &Money,
        rate: &DatedRate,
    ) -> Option<InvoiceEvent> {
        let settled = amount.amount.min(self.amount_due());
        let (settled, booked_rate, difference) = self.difference(settled, rate)?;
        Some(InvoiceEvent::ExchangeDifferenceRealised {
            payment_id,
            refund_id: None,
            on: rate.date,
            settled,
            booked_rate,
            payment_rate: rate.rate.rate,
            difference,
        })
    }

    /// The opposite of what `payment` realised on the part a refund of
    /// `amount` on `refunded_on` reopens: what it gives back beyond the
    /// credit the invoice holds.
    pub(super) fn reversed_on_refund(
        &self,
        payment: &PaymentRecord,
        refund_id: RefundId,
        (amount, refunded_on): (Decimal, NaiveDate),
    ) -> Option<InvoiceEvent> {
        let rate = payment.rate.as_ref()?;
        let reopened = (amount - self.customer_credit()).max(Decimal::ZERO);
        let (settled, booked_rate, difference) = self.difference(reopened, rate)?;
        Some(InvoiceEvent::ExchangeDifferenceRealised {
            payment_id: payment.payment_id,
            refund_id: Some(refund_id),
            on: refunded_on,
            settled,
            booked_rate,
            payment_rate: rate.rate.rate,
            difference: Money::new(-difference.amount, difference.currency),
        })
    }

    /// `settled` (in the invoice's currency), the invoice's rate, and
    /// `settled` at `rate` less at the invoice's rate; none when nothing is
    /// settled or nothing differs.
    fn difference(&self, settled: Decimal, rate: &DatedRate) -> Option<(Money, Decimal, Money)> {
        let booked = self.booked_at.as_ref()?;
        let currency = self.currency.filter(|_| settled > Decimal::ZERO)?;
        let settled = Money::new(settled, currency);
        let received = rate.rate.convert(settled);
        let difference = received.amount - booked.rate.convert(settled).amount;
        let difference = Money::new(difference, received.currency);
        (!difference.amount.is_zero()).then_some((settled, booked.rate.rate, difference))
    }
}
