//! Payment reminders and disputes, given the invoice's events: each step once,
//! never early, never on a settled or disputed invoice.

use chrono::{Duration, NaiveDate};
use cqrs_es::test::TestFramework;
use rust_decimal_macros::dec;

use super::tests::{created, date, eur_amount, issued, line_added, paid};
use super::*;
use crate::dunning::{ChargedFee, LateFee, LateFeeRule};

type InvoiceTest = TestFramework<Invoice>;

/// The test invoice's due date: issued on 1 March, net 30 days.
fn due_date() -> NaiveDate {
    date(31)
}

fn day(days_after_due: i64) -> NaiveDate {
    due_date() + Duration::days(days_after_due)
}

fn open() -> Vec<InvoiceEvent> {
    vec![created(), line_added(), issued()]
}

fn remind(step: u8, step_days_after_due: i32, today: NaiveDate) -> InvoiceCommand {
    InvoiceCommand::RecordPaymentReminder(ReminderRequest {
        step,
        step_days_after_due,
        today,
        recipients: vec!["ap@acme.example".into(), "AP@acme.example".into()],
        late_fee: None,
    })
}

fn reminded(step: u8, today: NaiveDate) -> InvoiceEvent {
    InvoiceEvent::PaymentReminderSent(ReminderSent {
        step,
        reminded_on: today,
        days_after_due: (today - due_date()).num_days(),
        amount_due: eur_amount(dec!(1190.00)),
        late_fee: None,
        recipients: vec!["ap@acme.example".into()],
    })
}

fn disputed() -> InvoiceEvent {
    InvoiceEvent::InvoiceDisputed(Disputed {
        reason: "Hours billed twice".into(),
        disputed_on: day(2),
    })
}

#[test]
fn a_step_is_recorded_on_its_day_with_what_is_due_and_where_it_goes() {
    InvoiceTest::with(())
        .given(open())
        .when(remind(1, -3, day(-3)))
        .then_expect_events(vec![reminded(1, day(-3))]);
}

#[test]
fn a_step_is_never_recorded_before_its_day() {
    InvoiceTest::with(())
        .given(open())
        .when(remind(2, 7, day(6)))
        .then_expect_error(ReminderError::NotDueYet { due_on: day(7) }.into());
}

#[test]
fn each_step_is_recorded_once_and_a_late_run_catches_up_to_the_latest() {
    let mut given = open();
    given.push(reminded(1, day(-3)));
    InvoiceTest::with(())
        .given(given.clone())
        .when(remind(1, -3, day(-2)))
        .then_expect_error(ReminderError::AlreadyReminded { step: 1, last: 1 }.into());
    // Step 2 was missed (no run that week): step 3 comes alone.
    InvoiceTest::with(())
        .given(given.clone())
        .when(remind(3, 14, day(15)))
        .then_expect_events(vec![reminded(3, day(15))]);
    given.push(reminded(3, day(15)));
    InvoiceTest::with(())
        .given(given)
        .when(remind(2, 7, day(16)))
        .then_expect_error(ReminderError::AlreadyReminded { step: 2, last: 3 }.into());
}

#[test]
fn a_paid_invoice_gets_no_reminder_and_a_partly_paid_one_is_reminded_of_the_rest() {
    let mut settled = open();
    settled.push(paid(dec!(1190.00), dec!(0)));
    InvoiceTest::with(())
        .given(settled)
        .when(remind(2, 7, day(7)))
        .then_expect_error(ReminderError::NothingDue.into());
    let mut partly = open();
    partly.push(paid(dec!(190.00), dec!(1000.00)));
    let InvoiceEvent::PaymentReminderSent(mut expected) = reminded(2, day(7)) else {
        unreachable!()
    };
    expected.amount_due = eur_amount(dec!(1000.00));
    InvoiceTest::with(())
        .given(partly)
        .when(remind(2, 7, day(7)))
        .then_expect_events(vec![InvoiceEvent::PaymentReminderSent(expected)]);
}

#[test]
fn a_dispute_stops_reminders_until_it_is_resolved() {
    let mut given = open();
    given.push(disputed());
    InvoiceTest::with(())
        .given(given.clone())
        .when(remind(2, 7, day(7)))
        .then_expect_error(ReminderError::Disputed.into());
    InvoiceTest::with(())
        .given(given.clone())
        .when(InvoiceCommand::MarkDisputed {
            reason: "Again".into(),
            disputed_on: day(3),
        })
        .then_expect_error(ReminderError::AlreadyDisputed.into());
    let resolved = InvoiceEvent::DisputeResolved(DisputeResolved {
        resolution: Some("Customer confirmed the hours".into()),
        resolved_on: day(5),
    });
    InvoiceTest::with(())
        .given(given.clone())
        .when(InvoiceCommand::ResolveDispute {
            resolution: Some("  Customer confirmed the hours ".into()),
            resolved_on: day(5),
        })
        .then_expect_events(vec![resolved.clone()]);
    given.push(resolved);
    InvoiceTest::with(())
        .given(given)
        .when(remind(2, 7, day(7)))
        .then_expect_events(vec![reminded(2, day(7))]);
}

#[test]
fn a_dispute_needs_a_reason_and_a_resolution_an_open_dispute() {
    InvoiceTest::with(())
        .given(open())
        .when(InvoiceCommand::MarkDisputed {
            reason: " ".into(),
            disputed_on: day(1),
        })
        .then_expect_error(InvoiceError::ReasonRequired);
    InvoiceTest::with(())
        .given(open())
        .when(InvoiceCommand::ResolveDispute {
            resolution: None,
            resolved_on: day(1),
        })
        .then_expect_error(ReminderError::NotDisputed.into());
}

#[test]
fn a_reminder_goes_to_e_mail_addresses_or_to_nobody() {
    let mut to_the_post = remind(1, -3, day(-3));
    if let InvoiceCommand::RecordPaymentReminder(request) = &mut to_the_post {
        request.recipients = vec!["By post".into()];
    }
    InvoiceTest::with(())
        .given(open())
        .when(to_the_post)
        .then_expect_error(InvoiceError::NotAnEmailAddress {
            recipient: "By post".into(),
        });
    let mut nobody = remind(1, -3, day(-3));
    let InvoiceEvent::PaymentReminderSent(mut expected) = reminded(1, day(-3)) else {
        unreachable!()
    };
    if let InvoiceCommand::RecordPaymentReminder(request) = &mut nobody {
        request.recipients.clear();
    }
    expected.recipients.clear();
    InvoiceTest::with(())
        .given(open())
        .when(nobody)
        .then_expect_events(vec![InvoiceEvent::PaymentReminderSent(expected)]);
}

#[test]
fn a_draft_or_a_void_invoice_is_not_reminded() {
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(remind(1, -3, day(-3)))
        .then_expect_error(InvoiceError::NotIssued {
            status: DocumentStatus::Draft,
        });
    InvoiceTest::with(())
        .given(open())
        .when(remind(0, -3, day(-3)))
        .then_expect_error(ReminderError::InvalidStep.into());
}

#[test]
fn a_step_with_a_fee_records_it_on_what_is_due_in_the_invoice_s_rounding() {
    let mut with_fee = remind(3, 14, day(14));
    if let InvoiceCommand::RecordPaymentReminder(request) = &mut with_fee {
        request.late_fee = Some(LateFeeRule {
            fee: LateFee::Percent {
                percent: dec!(1.25),
            },
            tax_rate_key: "not-subject".into(),
        });
    }
    let InvoiceEvent::PaymentReminderSent(mut expected) = reminded(3, day(14)) else {
        unreachable!()
    };
    // 1.25% of 1,190.00 is 14.875: 14.88 half-up or 14.88 half-even
    expected.late_fee = Some(ChargedFee {
        amount: eur_amount(dec!(14.88)),
        tax_rate_key: "not-subject".into(),
    });
    InvoiceTest::with(())
        .given(open())
        .when(with_fee)
        .then_expect_events(vec![InvoiceEvent::PaymentReminderSent(expected)]);
}

#[test]
fn a_fully_credited_invoice_gets_no_reminder() {
    // Given an invoice a credit note took back in full
    let mut given = open();
    let credited = Invoice::decide(
        &super::tests::state(open()),
        super::tests::credit(dec!(1190.00)),
    )
    .expect("a credit note of the whole invoice");
    given.extend(credited);
    // When its 7-day reminder comes due, nothing is owed: no reminder
    InvoiceTest::with(())
        .given(given)
        .when(remind(2, 7, day(7)))
        .then_expect_error(ReminderError::NothingDue.into());
}
