//! Invoices in a currency foreign to the tenant's books: the rate they are
//! booked at, and their totals converted once.

use cqrs_es::test::TestFramework;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::tests::{created, credit, date, issue_for, line_added, state};
use super::*;
use crate::exchange::{AccountingTotals, Books, DatedRate, ExchangeRate, ExchangeRateError};
use crate::settings::Jurisdiction;

type InvoiceTest = TestFramework<Invoice>;

pub(super) fn usd() -> Currency {
    Currency::from_code("USD").unwrap()
}

/// The draft (in EUR) issued for books kept in dollars, with `rate`.
pub(super) fn issue_in_dollar_books(rate: Option<DatedRate>) -> InvoiceCommand {
    let mut issue = issue_for(Jurisdiction::Other, None);
    if let InvoiceCommand::Issue { books, .. } = &mut issue {
        *books = Books {
            currency: Some(usd()),
            rate,
            from_table: false,
        };
    }
    issue
}

pub(super) fn eur_usd(rate: rust_decimal::Decimal) -> DatedRate {
    DatedRate {
        rate: ExchangeRate {
            to: usd(),
            rate,
            source: Some("ECB reference rate".into()),
        },
        date: date(1),
    }
}

#[test]
fn a_foreign_invoice_records_its_totals_in_the_books_currency() {
    // Given a draft of 1,000.00 EUR + 19% VAT, books in USD
    let draft = state(vec![created(), line_added()]);
    // When it is issued at 1.0842 USD per EUR
    let events = draft
        .decide(issue_in_dollar_books(Some(eur_usd(dec!(1.0842)))))
        .unwrap();
    // Then the event records the rate and each total converted once
    let InvoiceEvent::InvoiceIssued { accounting, .. } = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(
        accounting.as_ref(),
        Some(&AccountingTotals {
            exchange_rate: eur_usd(dec!(1.0842)),
            net_total: dec!(1084.20),
            tax_total: dec!(206.00), // 205.998
            total: dec!(1290.20),    // 1290.198
        })
    );
}

#[test]
fn a_foreign_invoice_without_a_rate_is_refused() {
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(issue_in_dollar_books(None))
        .then_expect_error(InvoiceError::ExchangeRate(ExchangeRateError::Required {
            from: Currency::from_code("EUR").unwrap(),
            to: usd(),
            date: date(1),
        }));
}

#[test]
fn an_invoice_in_the_books_currency_records_no_rate() {
    let mut in_euro_books = issue_for(Jurisdiction::Other, None);
    if let InvoiceCommand::Issue { books, .. } = &mut in_euro_books {
        books.currency = Some(Currency::from_code("EUR").unwrap());
    }
    let events = state(vec![created(), line_added()])
        .decide(in_euro_books)
        .unwrap();
    assert!(
        matches!(
            &events[0],
            InvoiceEvent::InvoiceIssued {
                accounting: None,
                ..
            }
        ),
        "{events:?}"
    );
}

#[test]
fn a_rate_stated_for_an_invoice_in_the_books_currency_is_refused() {
    let mut stated = issue_for(Jurisdiction::Other, None);
    if let InvoiceCommand::Issue { books, .. } = &mut stated {
        *books = Books {
            currency: Some(Currency::from_code("EUR").unwrap()),
            rate: Some(eur_usd(dec!(1.0842))),
            from_table: false,
        };
    }
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(stated)
        .then_expect_error(InvoiceError::ExchangeRate(ExchangeRateError::NotForeign(
            Currency::from_code("EUR").unwrap(),
        )));
}

#[test]
fn a_credit_note_of_a_foreign_invoice_is_converted_at_the_invoice_s_rate() {
    // Given the invoice issued at 1.0842 USD per EUR
    let mut invoice = state(vec![created(), line_added()]);
    for event in invoice
        .decide(issue_in_dollar_books(Some(eur_usd(dec!(1.0842)))))
        .unwrap()
    {
        invoice.fold(event);
    }
    // When 119.00 EUR is credited (100.00 + 19.00 VAT)
    let events = invoice.decide(credit(dec!(119))).unwrap();
    // Then its totals are converted at the invoice's rate, each once
    let InvoiceEvent::CreditNoteIssued { accounting, .. } = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(
        accounting.as_ref(),
        Some(&AccountingTotals {
            exchange_rate: eur_usd(dec!(1.0842)),
            net_total: dec!(108.42),
            tax_total: dec!(20.60), // 20.5998
            total: dec!(129.02),    // 129.0198
        })
    );
}

/// The invoice of 1,190.00 EUR issued in dollar books at 1.0842.
fn booked_invoice() -> Invoice {
    let mut invoice = state(vec![created(), line_added()]);
    let issued = invoice
        .decide(issue_in_dollar_books(Some(eur_usd(dec!(1.0842)))))
        .unwrap();
    for event in issued {
        invoice.fold(event);
    }
    invoice
}

pub(super) fn pay_at(
    amount: rust_decimal::Decimal,
    rate: Option<rust_decimal::Decimal>,
) -> InvoiceCommand {
    InvoiceCommand::RecordPayment {
        payment_id: PAYMENT,
        amount: Money::new(amount, Currency::from_code("EUR").unwrap()),
        received_on: date(6),
        method: PaymentMethod::BankTransfer,
        reference: None,
        books: Books {
            currency: Some(usd()),
            rate: rate.map(|rate| DatedRate {
                date: date(6),
                ..eur_usd(rate)
            }),
            from_table: false,
        },
    }
}

const PAYMENT: PaymentId = PaymentId::from_uuid(uuid::Uuid::from_u128(70));

pub(super) fn dollars(amount: rust_decimal::Decimal) -> Money {
    Money::new(amount, usd())
}

#[test]
fn a_payment_at_a_better_rate_realises_a_gain_on_what_it_settles() {
    // Given the invoice booked at 1.0842 (1,290.20 USD)
    let invoice = booked_invoice();
    // When 1,190.00 EUR arrive at 1.0910 (1,298.29 USD)
    let events = invoice
        .decide(pay_at(dec!(1190), Some(dec!(1.0910))))
        .unwrap();
    // Then the payment keeps its rate and the gain is realised beside it
    // (the whole invoice settled: out of the books at all that was open)
    let InvoiceEvent::PaymentRecorded { booking, .. } = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(
        booking.as_ref(),
        Some(&Settlement {
            exchange_rate: DatedRate {
                date: date(6),
                ..eur_usd(dec!(1.0910))
            },
            settled: dec!(1190),
            booked: dec!(1290.20),
            received: dec!(1298.29),
        })
    );
    assert_eq!(
        events[1],
        InvoiceEvent::ExchangeDifferenceRealised {
            payment_id: PAYMENT,
            refund_id: None,
            on: date(6),
            settled: Money::new(dec!(1190), Currency::from_code("EUR").unwrap()),
            booked_rate: dec!(1.0842),
            payment_rate: dec!(1.0910),
            difference: dollars(dec!(8.09)), // 1298.29 - 1290.20
        }
    );
}

/// Folds what `command` decides into `invoice`, and returns it.
pub(super) fn apply(invoice: &mut Invoice, command: InvoiceCommand) -> Vec<InvoiceEvent> {
    let events = invoice.decide(command).unwrap();
    for event in events.clone() {
        invoice.fold(event);
    }
    events
}

const REFUND: RefundId = RefundId::from_uuid(uuid::Uuid::from_u128(71));

/// `amount` EUR given back from `payment_id` on day 9, as refund `refund_id`.
pub(super) fn refund_of(
    payment_id: PaymentId,
    refund_id: RefundId,
    amount: rust_decimal::Decimal,
) -> InvoiceCommand {
    InvoiceCommand::RefundPayment {
        refund_id,
        payment_id,
        amount: Money::new(amount, Currency::from_code("EUR").unwrap()),
        refunded_on: date(9),
        reason: "returned".into(),
    }
}

/// `amount` given back from [`PAYMENT`].
fn refund(amount: rust_decimal::Decimal) -> InvoiceCommand {
    refund_of(PAYMENT, REFUND, amount)
}

/// The realised difference among `events`, if any.
fn difference_in(events: &[InvoiceEvent]) -> Option<rust_decimal::Decimal> {
    events.iter().find_map(|event| match event {
        InvoiceEvent::ExchangeDifferenceRealised { difference, .. } => Some(difference.amount),
        _ => None,
    })
}

#[test]
fn an_overpayment_books_the_credit_at_the_invoice_s_rate_and_its_refund_clears_it() {
    // Given 1,190.00 EUR due at 1.0842 (1,290.20 USD in the books)
    let mut invoice = booked_invoice();
    // When 1,500.00 arrive at 1.0800: 1,620.00 USD, booked out at 1,626.30
    let paid = apply(&mut invoice, pay_at(dec!(1500), Some(dec!(1.0800))));
    // Then all of it realises the difference, the 310.00 credit stays in the
    // books at the invoice's rate (336.10 USD)
    assert_eq!(difference_in(&paid), Some(dec!(-6.30)));
    assert_eq!(invoice.booked_open, dec!(-336.10));
    // When the credit is refunded, the books clear and the credit's share of
    // the loss is reversed: 310.00 was worth 334.80 when it came
    let refunded = apply(&mut invoice, refund(dec!(310)));
    assert_eq!(difference_in(&refunded), Some(dec!(1.30)));
    assert_eq!(invoice.booked_open, Decimal::ZERO);
    // Together: the loss on the 1,190.00 that settled the invoice
    assert_eq!(dec!(-6.30) + dec!(1.30), dec!(1285.20) - dec!(1290.20));
}

#[test]
fn credit_from_a_credit_note_on_a_paid_invoice_leaves_the_books_when_refunded() {
    // Given the invoice paid at its own rate, then 119.00 credited (129.02 USD)
    let mut invoice = booked_invoice();
    apply(&mut invoice, pay_at(dec!(1190), Some(dec!(1.0842))));
    apply(&mut invoice, credit(dec!(119)));
    assert_eq!(invoice.booked_open, dec!(-129.02));
    // When the 119.00 is refunded from the payment (worth 129.02 at its rate)
    let refunded = apply(&mut invoice, refund(dec!(119)));
    // Then nothing is left in the books and nothing more is realised
    assert_eq!(invoice.booked_open, Decimal::ZERO);
    assert_eq!(difference_in(&refunded), None, "{refunded:?}");
}

#[test]
fn a_payment_at_the_invoice_s_rate_realises_nothing() {
    let events = booked_invoice()
        .decide(pay_at(dec!(500), Some(dec!(1.0842))))
        .unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
}

#[test]
fn a_payment_of_a_foreign_invoice_without_a_rate_is_refused() {
    assert_eq!(
        booked_invoice().decide(pay_at(dec!(500), None)),
        Err(InvoiceError::ExchangeRate(ExchangeRateError::Required {
            from: Currency::from_code("EUR").unwrap(),
            to: usd(),
            date: date(6),
        }))
    );
}

#[test]
fn a_rate_stated_for_a_payment_of_an_invoice_booked_without_one_is_refused() {
    let invoice = state(vec![created(), line_added(), super::tests::issued()]);
    assert_eq!(
        invoice.decide(pay_at(dec!(500), Some(dec!(1.09)))),
        Err(InvoiceError::ExchangeRate(ExchangeRateError::NotForeign(
            Currency::from_code("EUR").unwrap()
        )))
    );
}

#[test]
fn a_table_rate_for_a_payment_of_an_invoice_booked_without_one_is_ignored() {
    // Given an invoice issued before the books had a currency, when the
    // tenant's table has a rate for the day it is paid
    let invoice = state(vec![created(), line_added(), super::tests::issued()]);
    let mut pay = pay_at(dec!(500), Some(dec!(1.09)));
    if let InvoiceCommand::RecordPayment { books, .. } = &mut pay {
        books.from_table = true;
    }
    // Then the payment is recorded, in the invoice's currency only
    let events = invoice.decide(pay).unwrap();
    assert!(
        matches!(
            &events[..],
            [InvoiceEvent::PaymentRecorded { booking: None, .. }]
        ),
        "{events:?}"
    );
}

#[test]
fn a_refund_reverses_the_difference_on_what_it_gives_back() {
    // Given 1,190.00 paid at 1.0910 (a gain of 8.09 USD)
    let mut invoice = booked_invoice();
    apply(&mut invoice, pay_at(dec!(1190), Some(dec!(1.0910))));
    // When 100.00 of it is refunded
    let events = invoice.decide(refund(dec!(100))).unwrap();
    // Then the share of the 100.00 given back is reversed: 109.10 - 108.42
    assert_eq!(
        events[1],
        InvoiceEvent::ExchangeDifferenceRealised {
            payment_id: PAYMENT,
            refund_id: Some(REFUND),
            on: date(9),
            settled: Money::new(dec!(100), Currency::from_code("EUR").unwrap()),
            booked_rate: dec!(1.0842),
            payment_rate: dec!(1.0910),
            difference: dollars(dec!(-0.68)),
        }
    );
}

/// What money moved through the books and what it realised, over events.
#[derive(Default)]
pub(super) struct Tally {
    /// Worth received at the payments' rates, less what refunds gave back.
    pub(super) received: Decimal,
    /// Differences realised (by payments and by credit moved in), less
    /// those reversed.
    pub(super) realised: Decimal,
}

impl Tally {
    pub(super) fn count(&mut self, events: &[InvoiceEvent]) {
        for event in events {
            match event {
                InvoiceEvent::PaymentRecorded {
                    booking: Some(b), ..
                } => self.received += b.received,
                InvoiceEvent::PaymentRefunded {
                    booking: Some(b), ..
                } => self.received -= b.received,
                InvoiceEvent::ExchangeDifferenceRealised { difference, .. }
                | InvoiceEvent::CreditExchangeDifferenceRealised { difference, .. } => {
                    self.realised += difference.amount
                }
                _ => {}
            }
        }
    }
}

proptest::proptest! {
    /// However an invoice in foreign books is paid off (in parts, at any
    /// rates, beyond what is due, with refunds between), the books hold
    /// nothing of it once its balance is zero, and the differences realised
    /// are what was received there less what was booked.
    #[test]
    fn an_invoice_paid_off_at_any_rates_leaves_the_books_clear(
        parts in proptest::collection::vec((1u32..=90_000, 9_000u32..=12_000, 0u32..=100), 1..6),
    ) {
        let mut invoice = booked_invoice();
        let mut books = Tally::default();
        for (n, (cents, rate, refunded_percent)) in parts.iter().enumerate() {
            let payment_id = PaymentId::from_uuid(uuid::Uuid::from_u128(100 + n as u128));
            let rate = Decimal::new(i64::from(*rate), 4);
            let last = n + 1 == parts.len();
            let amount = if last { invoice.amount_due() } else { Decimal::new(i64::from(*cents), 2) };
            let mut moves = Vec::new();
            if !amount.is_zero() {
                let mut pay = pay_at(amount, Some(rate));
                if let InvoiceCommand::RecordPayment { payment_id: id, .. } = &mut pay {
                    *id = payment_id;
                }
                moves.push(pay);
                let back = (amount * Decimal::from(*refunded_percent) / dec!(100)).round_dp(2);
                if !last && !back.is_zero() {
                    let refund_id = RefundId::from_uuid(uuid::Uuid::from_u128(200 + n as u128));
                    moves.push(refund_of(payment_id, refund_id, back));
                }
            }
            for command in moves {
                books.count(&apply(&mut invoice, command));
            }
        }
        // The last part pays what is due; refund the credit the parts left.
        let mut credit = invoice.customer_credit();
        for (n, payment) in invoice.payments.clone().iter().enumerate() {
            let back = credit.min(payment.amount - payment.refunded);
            if back.is_zero() {
                continue;
            }
            credit -= back;
            let refund_id = RefundId::from_uuid(uuid::Uuid::from_u128(300 + n as u128));
            books.count(&apply(&mut invoice, refund_of(payment.payment_id, refund_id, back)));
        }
        proptest::prop_assert_eq!(invoice.balance(), Decimal::ZERO);
        proptest::prop_assert_eq!(invoice.booked_open, Decimal::ZERO);
        proptest::prop_assert_eq!(books.realised, books.received - dec!(1290.20));
    }
}
