//! Credit moved between invoices booked in a currency foreign to the books:
//! it leaves one invoice's books at that invoice's rate, settles the other's
//! at the other's, and the difference is realised where it settles.

use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use uuid::Uuid;

use super::exchange_tests::{
    apply, dollars, eur_usd, issue_in_dollar_books, pay_at, refund_of, Tally,
};
use super::tests::{created, date, eur_amount, issued, line_added, state, CUSTOMER, INVOICE};
use super::*;
use crate::exchange::{DatedRate, ExchangeRate};
use crate::ids::CreditTransferId;

const LATER: InvoiceId = InvoiceId::from_uuid(Uuid::from_u128(80));
const MOVE: CreditTransferId = CreditTransferId::from_uuid(Uuid::from_u128(81));

/// The invoice `invoice_id` of the draft `created` gives, renamed.
fn created_as(invoice_id: InvoiceId) -> InvoiceEvent {
    let mut created = created();
    if let InvoiceEvent::DraftCreated { invoice_id: id, .. } = &mut created {
        *id = invoice_id;
    }
    created
}

/// The invoice `invoice_id` of 1,190.00 EUR, issued in dollar books at `rate`.
fn booked_at(invoice_id: InvoiceId, rate: Decimal) -> Invoice {
    let mut invoice = state(vec![created_as(invoice_id), line_added()]);
    apply(&mut invoice, issue_in_dollar_books(Some(eur_usd(rate))));
    invoice
}

/// The target's half of move `transfer_id` from `from_invoice`.
fn arrival(
    from_invoice: InvoiceId,
    transfer_id: CreditTransferId,
    amount: Decimal,
    worth: Option<CreditWorth>,
) -> InvoiceCommand {
    InvoiceCommand::ApplyCredit {
        transfer_id,
        from_invoice,
        from_customer: CUSTOMER,
        amount: eur_amount(amount),
        applied_on: date(10),
        worth,
    }
}

/// The source's half of move `transfer_id` to `to_invoice`.
fn departure(
    to_invoice: InvoiceId,
    transfer_id: CreditTransferId,
    amount: Decimal,
) -> InvoiceCommand {
    InvoiceCommand::TransferCredit {
        transfer_id,
        to_invoice,
        to_customer: CUSTOMER,
        amount: eur_amount(amount),
        transferred_on: date(10),
    }
}

/// Moves `amount` of `from`'s credit to `to`, both halves as the application
/// layer records them (the worth read off the source's recorded half);
/// returns both halves' events.
fn move_credit(
    from: &mut Invoice,
    to: &mut Invoice,
    transfer_id: CreditTransferId,
    amount: Decimal,
) -> Vec<InvoiceEvent> {
    let (source, target) = (from.invoice_id.unwrap(), to.invoice_id.unwrap());
    let mut events = apply(from, departure(target, transfer_id, amount));
    let worth = from.credit_worth_moved(transfer_id);
    events.extend(apply(to, arrival(source, transfer_id, amount, worth)));
    events
}

/// [`INVOICE`] at 1.0842, overpaid by 310.00 at its own rate: it holds
/// 310.00 of credit, 336.10 USD in the books.
fn holding_credit() -> Invoice {
    let mut invoice = booked_at(INVOICE, dec!(1.0842));
    apply(&mut invoice, pay_at(dec!(1500), Some(dec!(1.0842))));
    assert_eq!(invoice.booked_open, dec!(-336.10));
    invoice
}

#[test]
fn credit_moved_at_two_rates_realises_the_difference_on_the_invoice_it_settles() {
    // Given 310.00 of credit held at 1.0842 (336.10 USD in the books)
    let mut source = holding_credit();
    // And an invoice of 1,190.00 booked at 1.1000 (1,309.00 USD)
    let mut target = booked_at(LATER, dec!(1.1000));
    // When all the credit moves to it
    let events = move_credit(&mut source, &mut target, MOVE, dec!(310));
    // Then it leaves the source's books whole
    let InvoiceEvent::CreditTransferred { booked, .. } = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(*booked, Some(dec!(336.10)));
    assert_eq!(source.booked_open, Decimal::ZERO);
    // And settles 341.00 USD of the target's receivable (310.00 at 1.1000)
    let InvoiceEvent::CreditApplied { booking, .. } = &events[1] else {
        panic!("{events:?}")
    };
    assert_eq!(
        booking.as_ref(),
        Some(&Settlement {
            exchange_rate: eur_usd(dec!(1.0842)),
            settled: dec!(310),
            booked: dec!(341.00),
            received: dec!(336.10),
        })
    );
    assert_eq!(target.booked_open, dec!(968.00));
    // And the 4.90 USD it was worth less there is a realised loss
    assert_eq!(
        events[2],
        InvoiceEvent::CreditExchangeDifferenceRealised {
            transfer_id: MOVE,
            from_invoice: INVOICE,
            on: date(10),
            settled: eur_amount(dec!(310)),
            booked_rate: dec!(1.1000),
            credit_rate: dec!(1.0842),
            difference: dollars(dec!(-4.90)),
        }
    );
}

#[test]
fn credit_that_settles_the_rest_of_an_invoice_clears_it_from_the_books_to_the_cent() {
    // Given an invoice of 1,190.00 booked at 1.0843 (1,290.32 USD) with 880.00
    // paid at its rate (954.18 USD): 336.14 USD still in the books
    let mut source = holding_credit();
    let mut target = booked_at(LATER, dec!(1.0843));
    apply(&mut target, pay_at(dec!(880), Some(dec!(1.0843))));
    assert_eq!(target.booked_open, dec!(336.14));
    // When the 310.00 still due is settled with credit (336.13 USD at its rate)
    let events = move_credit(&mut source, &mut target, MOVE, dec!(310));
    // Then all that the books held of it leaves them
    let InvoiceEvent::CreditApplied { booking, .. } = &events[1] else {
        panic!("{events:?}")
    };
    assert_eq!(booking.as_ref().map(|b| b.booked), Some(dec!(336.14)));
    assert_eq!(target.booked_open, Decimal::ZERO);
}

#[test]
fn credit_moved_at_the_same_rate_realises_nothing() {
    let mut source = holding_credit();
    let mut target = booked_at(LATER, dec!(1.0842));
    let events = move_credit(&mut source, &mut target, MOVE, dec!(100));
    assert_eq!(events.len(), 2, "{events:?}");
}

#[test]
fn credit_that_comes_back_puts_into_the_books_exactly_what_left_them() {
    // Given 100.00 of the 310.00 moved out (108.42 USD left the books)
    let mut source = holding_credit();
    apply(&mut source, departure(LATER, MOVE, dec!(100)));
    assert_eq!(source.booked_open, dec!(-227.68));
    // When the other invoice never took it and it comes back
    let events = apply(
        &mut source,
        InvoiceCommand::ReturnCredit {
            transfer_id: MOVE,
            returned_on: date(11),
        },
    );
    // Then the books hold what they held before the move
    let InvoiceEvent::CreditReturned { booked, .. } = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(*booked, Some(dec!(108.42)));
    assert_eq!(source.booked_open, dec!(-336.10));
}

#[test]
fn credit_moves_only_between_invoices_booked_alike() {
    let worth = holding_credit().credit_worth_leaving(dec!(100));
    // An invoice issued before the books had a currency takes no credit worth
    // something in the books
    let unbooked = state(vec![created_as(LATER), line_added(), issued()]);
    let refused = unbooked.decide(arrival(INVOICE, MOVE, dec!(100), worth.clone()));
    assert_eq!(refused, Err(InvoiceError::CreditAcrossBooks));
    // A foreign invoice takes no credit from an invoice not in the books
    let booked = booked_at(LATER, dec!(1.1000));
    let refused = booked.decide(arrival(INVOICE, MOVE, dec!(100), None));
    assert_eq!(refused, Err(InvoiceError::CreditAcrossBooks));
    // Nor credit worth something in other books
    let in_pounds = worth.map(|w| CreditWorth {
        rate: DatedRate {
            rate: ExchangeRate {
                to: Currency::from_code("GBP").unwrap(),
                ..w.rate.rate
            },
            ..w.rate
        },
        ..w
    });
    let refused = booked.decide(arrival(INVOICE, MOVE, dec!(100), in_pounds));
    assert_eq!(refused, Err(InvoiceError::CreditAcrossBooks));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    /// However two invoices in foreign books at different rates are paid,
    /// refunded and pass credit between them, an invoice whose balance is
    /// zero holds nothing in the books, and the books hold what was issued
    /// less what was received there plus the differences realised.
    #[test]
    fn payments_refunds_and_credit_moves_keep_the_books_whole(
        ops in prop::collection::vec(
            (0u8..6, prop_oneof![Just(0u32), 1u32..=150_000], 9_000u32..=12_000),
            1..25,
        ),
    ) {
        // Rates of four decimals, so that amounts booked in parts round apart.
        let mut invoices = [booked_at(INVOICE, dec!(1.0842)), booked_at(LATER, dec!(1.0917))];
        let issued_in_books = dec!(1290.20) + dec!(1299.12);
        let mut books = Tally::default();
        for (n, (kind, cents, rate)) in ops.into_iter().enumerate() {
            let id = Uuid::from_u128(1_000 + n as u128);
            let here = usize::from(kind % 2);
            // Zero cents: all that is due, held or refundable.
            let asked = Decimal::new(i64::from(cents), 2);
            let events = match kind / 2 {
                0 => {
                    let amount = if asked.is_zero() { invoices[here].amount_due() } else { asked };
                    if amount.is_zero() {
                        continue;
                    }
                    let mut pay = pay_at(amount, Some(Decimal::new(i64::from(rate), 4)));
                    if let InvoiceCommand::RecordPayment { payment_id, .. } = &mut pay {
                        *payment_id = PaymentId(id);
                    }
                    apply(&mut invoices[here], pay)
                }
                1 => {
                    // Zero cents: as much as settles the other invoice.
                    let credit = invoices[here].customer_credit();
                    let due = invoices[1 - here].amount_due();
                    let wanted = if asked.is_zero() && !due.is_zero() { due } else { asked };
                    let amount = if wanted.is_zero() { credit } else { wanted.min(credit) };
                    if amount.is_zero() {
                        continue;
                    }
                    let [a, b] = &mut invoices;
                    let (from, to) = if here == 0 { (a, b) } else { (b, a) };
                    move_credit(from, to, CreditTransferId(id), amount)
                }
                _ => {
                    let invoice = &invoices[here];
                    let Some(payment) = invoice.payments.iter().rev().find(|p| p.amount > p.refunded) else {
                        continue;
                    };
                    let refundable = payment.amount - payment.refunded;
                    let back = if asked.is_zero() { refundable } else { asked.min(refundable) };
                    let refund = refund_of(payment.payment_id, RefundId(id), back);
                    apply(&mut invoices[here], refund)
                }
            };
            books.count(&events);
            for invoice in &invoices {
                if invoice.balance().is_zero() {
                    prop_assert_eq!(invoice.booked_open, Decimal::ZERO);
                }
            }
            prop_assert_eq!(
                invoices[0].booked_open + invoices[1].booked_open,
                issued_in_books - books.received + books.realised
            );
        }
    }
}
