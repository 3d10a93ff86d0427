//! Moving credit between two invoices of a customer: each half's rules, given
//! the invoice's events, and the balance identity with moves in the mix.

use cqrs_es::test::TestFramework;
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use uuid::Uuid;

use super::tests::{created, date, eur_amount, issued, line_added, paid, state, CUSTOMER, INVOICE};
use super::*;
use crate::exchange::Books;
use crate::ids::CreditTransferId;
use crate::settings::Jurisdiction;

type InvoiceTest = TestFramework<Invoice>;

const TRANSFER: CreditTransferId = CreditTransferId::from_uuid(Uuid::from_u128(40));
const LATER: InvoiceId = InvoiceId::from_uuid(Uuid::from_u128(41));

/// The invoice paid 1,200.00 of its 1,190.00: 10.00 of credit.
fn overpaid() -> Vec<InvoiceEvent> {
    vec![
        created(),
        line_added(),
        issued(),
        InvoiceEvent::PaymentRecorded {
            payment_id: PaymentId(Uuid::from_u128(20)),
            amount: eur_amount(dec!(1200.00)),
            received_on: date(5),
            method: PaymentMethod::BankTransfer,
            reference: None,
            amount_due_after: dec!(0),
            credit_after: dec!(10.00),
            booking: None,
        },
    ]
}

fn transfer(amount: Decimal) -> InvoiceCommand {
    InvoiceCommand::TransferCredit {
        transfer_id: TRANSFER,
        to_invoice: LATER,
        to_customer: CUSTOMER,
        amount: eur_amount(amount),
        transferred_on: date(10),
    }
}

fn apply(amount: Decimal) -> InvoiceCommand {
    InvoiceCommand::ApplyCredit {
        transfer_id: TRANSFER,
        from_invoice: LATER,
        from_customer: CUSTOMER,
        amount: eur_amount(amount),
        applied_on: date(10),
        worth: None,
    }
}

#[test]
fn credit_an_invoice_holds_moves_to_another_invoice_of_the_customer() {
    InvoiceTest::with(())
        .given(overpaid())
        .when(transfer(dec!(10)))
        .then_expect_events(vec![InvoiceEvent::CreditTransferred {
            transfer_id: TRANSFER,
            to_invoice: LATER,
            amount: eur_amount(dec!(10.00)),
            transferred_on: date(10),
            amount_due_after: dec!(0),
            credit_after: dec!(0),
            booked: None,
        }]);
}

#[test]
fn no_more_credit_moves_than_the_invoice_holds() {
    InvoiceTest::with(())
        .given(overpaid())
        .when(transfer(dec!(10.01)))
        .then_expect_error(InvoiceError::OverTransfer {
            available: eur_amount(dec!(10.00)),
            offered: eur_amount(dec!(10.01)),
        });
    // An invoice that is still due holds no credit at all.
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(transfer(dec!(1)))
        .then_expect_error(InvoiceError::OverTransfer {
            available: eur_amount(dec!(0)),
            offered: eur_amount(dec!(1.00)),
        });
}

#[test]
fn credit_stays_with_its_customer_and_moves_between_two_invoices_once() {
    let other = CustomerId(Uuid::from_u128(99));
    let mut command = transfer(dec!(5));
    if let InvoiceCommand::TransferCredit { to_customer, .. } = &mut command {
        *to_customer = other;
    }
    InvoiceTest::with(())
        .given(overpaid())
        .when(command)
        .then_expect_error(InvoiceError::CreditOfAnotherCustomer {
            customer: CUSTOMER,
            other,
        });
    let mut to_itself = transfer(dec!(5));
    if let InvoiceCommand::TransferCredit { to_invoice, .. } = &mut to_itself {
        *to_invoice = INVOICE;
    }
    InvoiceTest::with(())
        .given(overpaid())
        .when(to_itself)
        .then_expect_error(InvoiceError::CreditToItself);
    let mut moved = overpaid();
    moved.push(InvoiceEvent::CreditTransferred {
        transfer_id: TRANSFER,
        to_invoice: LATER,
        amount: eur_amount(dec!(5.00)),
        transferred_on: date(10),
        amount_due_after: dec!(0),
        credit_after: dec!(5.00),
        booked: None,
    });
    InvoiceTest::with(())
        .given(moved)
        .when(transfer(dec!(5)))
        .then_expect_error(InvoiceError::DuplicateCreditTransfer(TRANSFER));
}

#[test]
fn applied_credit_settles_what_is_due_and_beyond_it_is_held_as_credit() {
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(apply(dec!(190)))
        .then_expect_events(vec![InvoiceEvent::CreditApplied {
            transfer_id: TRANSFER,
            from_invoice: LATER,
            amount: eur_amount(dec!(190.00)),
            applied_on: date(10),
            amount_due_after: dec!(1000.00),
            credit_after: dec!(0),
            booking: None,
        }]);
    // Credit that arrives is never refused: beyond what is due it is held.
    InvoiceTest::with(())
        .given(vec![
            created(),
            line_added(),
            issued(),
            paid(dec!(1190.00), dec!(0)),
        ])
        .when(apply(dec!(20)))
        .then_expect_events(vec![InvoiceEvent::CreditApplied {
            transfer_id: TRANSFER,
            from_invoice: LATER,
            amount: eur_amount(dec!(20.00)),
            applied_on: date(10),
            amount_due_after: dec!(0),
            credit_after: dec!(20.00),
            booking: None,
        }]);
}

#[test]
fn a_draft_or_a_date_before_the_issue_takes_no_credit() {
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(apply(dec!(10)))
        .then_expect_error(InvoiceError::NotIssued {
            status: DocumentStatus::Draft,
        });
    let mut early = apply(dec!(10));
    if let InvoiceCommand::ApplyCredit { applied_on, .. } = &mut early {
        *applied_on = date(1).pred_opt().unwrap();
    }
    let refused = state(vec![created(), line_added(), issued()])
        .decide(early)
        .unwrap_err();
    assert!(
        matches!(refused, InvoiceError::DatedBefore { .. }),
        "{refused}"
    );
}

#[test]
fn an_invoice_settled_with_credit_from_another_is_not_voided() {
    InvoiceTest::with(())
        .given(vec![
            created(),
            line_added(),
            issued(),
            InvoiceEvent::CreditApplied {
                transfer_id: TRANSFER,
                from_invoice: LATER,
                amount: eur_amount(dec!(10.00)),
                applied_on: date(10),
                amount_due_after: dec!(1180.00),
                credit_after: dec!(0),
                booking: None,
            },
        ])
        .when(InvoiceCommand::Void {
            reason: "typo".into(),
            voided_on: date(11),
            jurisdiction: Jurisdiction::Other,
            sat: None,
        })
        .then_expect_error(InvoiceError::VoidWithAppliedCredit);
}

/// The overpaid invoice with 5.00 of its credit moved out under `TRANSFER`.
fn moved_out() -> Vec<InvoiceEvent> {
    let mut events = overpaid();
    events.push(InvoiceEvent::CreditTransferred {
        transfer_id: TRANSFER,
        to_invoice: LATER,
        amount: eur_amount(dec!(5.00)),
        transferred_on: date(10),
        amount_due_after: dec!(0),
        credit_after: dec!(5.00),
        booked: None,
    });
    events
}

fn give_back() -> InvoiceCommand {
    InvoiceCommand::ReturnCredit {
        transfer_id: TRANSFER,
        returned_on: date(11),
    }
}

#[test]
fn credit_the_other_invoice_never_recorded_comes_back_whole() {
    InvoiceTest::with(())
        .given(moved_out())
        .when(give_back())
        .then_expect_events(vec![InvoiceEvent::CreditReturned {
            transfer_id: TRANSFER,
            amount: eur_amount(dec!(5.00)),
            returned_on: date(11),
            amount_due_after: dec!(0),
            credit_after: dec!(10.00),
            booked: None,
        }]);
}

#[test]
fn only_credit_that_is_out_comes_back_and_only_once() {
    InvoiceTest::with(())
        .given(overpaid())
        .when(give_back())
        .then_expect_error(InvoiceError::TransferNotOut(TRANSFER));
    let mut returned = moved_out();
    returned.push(InvoiceEvent::CreditReturned {
        transfer_id: TRANSFER,
        amount: eur_amount(dec!(5.00)),
        returned_on: date(11),
        amount_due_after: dec!(0),
        credit_after: dec!(10.00),
        booked: None,
    });
    InvoiceTest::with(())
        .given(returned.clone())
        .when(give_back())
        .then_expect_error(InvoiceError::TransferNotOut(TRANSFER));
    // And its id stays used: a new move needs a new one
    InvoiceTest::with(())
        .given(returned)
        .when(transfer(dec!(1)))
        .then_expect_error(InvoiceError::DuplicateCreditTransfer(TRANSFER));
}

proptest! {
    /// Whatever mix of payments, moves out and credit arriving is attempted, the
    /// recorded balances are the state's, credit never goes below zero, and the
    /// balance is the document less the money and the net credit moved.
    #[test]
    fn moves_keep_the_balance_the_documents_less_the_money(ops in prop::collection::vec((0u8..4, 1i64..80_000), 1..30)) {
        let mut invoice = state(vec![created(), line_added(), issued()]);
        for (i, (kind, cents)) in ops.into_iter().enumerate() {
            let amount = eur_amount(Decimal::new(cents, 2));
            let n = 1000 + i as u128;
            let moved = CreditTransferId(Uuid::from_u128(n));
            let command = match kind {
                0 => InvoiceCommand::RecordPayment { payment_id: PaymentId(Uuid::from_u128(n)), amount, received_on: date(3), method: PaymentMethod::Cash, reference: None, books: Books::default() },
                1 => InvoiceCommand::TransferCredit { transfer_id: moved, to_invoice: LATER, to_customer: CUSTOMER, amount, transferred_on: date(3) },
                2 => match invoice.transfers.moved_out.last() {
                    Some(out) => InvoiceCommand::ReturnCredit { transfer_id: out.transfer_id, returned_on: date(3) },
                    None => continue,
                },
                _ => InvoiceCommand::ApplyCredit { transfer_id: moved, from_invoice: LATER, from_customer: CUSTOMER, amount, applied_on: date(3), worth: None },
            };
            let credit_before = invoice.customer_credit();
            match invoice.decide(command) {
                Ok(events) => for e in events {
                    let (due, credit) = match &e {
                        InvoiceEvent::PaymentRecorded { amount_due_after, credit_after, .. }
                        | InvoiceEvent::CreditTransferred { amount_due_after, credit_after, .. }
                        | InvoiceEvent::CreditApplied { amount_due_after, credit_after, .. }
                        | InvoiceEvent::CreditReturned { amount_due_after, credit_after, .. } => (*amount_due_after, *credit_after),
                        other => panic!("unexpected {other:?}"),
                    };
                    invoice.fold(e);
                    prop_assert_eq!(due, invoice.amount_due());
                    prop_assert_eq!(credit, invoice.customer_credit());
                },
                Err(InvoiceError::OverTransfer { .. }) => prop_assert!(amount.amount > credit_before),
                Err(InvoiceError::TransferNotOut(_)) => {}
                Err(other) => panic!("refused: {other}"),
            }
            prop_assert!(invoice.amount_due().is_zero() || invoice.customer_credit().is_zero());
            prop_assert_eq!(
                invoice.amount_due() - invoice.customer_credit(),
                dec!(1190.00) - invoice.amount_paid() - invoice.transfers.net_applied()
            );
        }
    }
}

/// Issues the draft of one 1,000.00 line at 19% with `amount` of credit from
/// [`LATER`] (of `from_customer`) applied as it is issued.
fn issue_prepaid(amount: Decimal, from_customer: CustomerId) -> InvoiceCommand {
    let mut issue = super::tests::issue_for(Jurisdiction::Other, None);
    if let InvoiceCommand::Issue { prepaid, .. } = &mut issue {
        *prepaid = Some(PrepaidCredit {
            transfer_id: TRANSFER,
            from_invoice: LATER,
            from_customer,
            amount: eur_amount(amount),
            worth: None,
        });
    }
    issue
}

#[test]
fn credit_applied_at_issue_is_recorded_with_the_issue_as_paid_in_advance() {
    let events = state(vec![created(), line_added()])
        .decide(issue_prepaid(dec!(200), CUSTOMER))
        .unwrap();
    let [InvoiceEvent::InvoiceIssued {
        prepaid, totals, ..
    }, InvoiceEvent::CreditApplied {
        transfer_id,
        from_invoice,
        amount,
        applied_on,
        amount_due_after,
        ..
    }] = &events[..]
    else {
        panic!("not issued with its credit: {events:?}");
    };
    assert_eq!(*prepaid, Some(dec!(200.00)));
    assert_eq!(totals.total, dec!(1190.00));
    assert_eq!((*transfer_id, *from_invoice), (TRANSFER, LATER));
    assert_eq!(*amount, eur_amount(dec!(200.00)));
    assert_eq!(*applied_on, date(1), "applied on the issue date");
    assert_eq!(*amount_due_after, dec!(990.00));
    let issued = state([vec![created(), line_added()], events].concat());
    assert_eq!(issued.amount_due(), dec!(990.00));
    assert_eq!(issued.status, DocumentStatus::Issued);
}

#[test]
fn credit_applied_at_issue_is_at_most_the_total_and_the_customer_s_own() {
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(issue_prepaid(dec!(1190.01), CUSTOMER))
        .then_expect_error(InvoiceError::OverApplication {
            due: eur_amount(dec!(1190.00)),
            offered: eur_amount(dec!(1190.01)),
        });
    let other = CustomerId(Uuid::from_u128(99));
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(issue_prepaid(dec!(10), other))
        .then_expect_error(InvoiceError::CreditOfAnotherCustomer {
            customer: CUSTOMER,
            other,
        });
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(issue_prepaid(dec!(0), CUSTOMER))
        .then_expect_error(InvoiceError::AmountNotPositive(eur_amount(dec!(0))));
}
