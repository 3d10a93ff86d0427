//! A payment of a stamped Mexican invoice issued PPD, given its events: its
//! complement numbered once, then sealed, stamped or refused with one fiscal
//! folio of its own.

use cqrs_es::test::TestFramework;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use uuid::Uuid;

use super::cfdi_tests::issued_in_mexico;
use super::stamp_tests::{at, seal, stamp, FOLIO};
use super::tests::{date, dating, eur_amount, paid, PAYMENT};
use super::*;
use crate::document_number::NumberDating;
use crate::sat::{SatPaymentMethod, SatPaymentTerms};

type InvoiceTest = TestFramework<Invoice>;

const COMPLEMENT_FOLIO: Uuid = Uuid::from_u128(0x7a1b_0000_0000_4000_8000_0000_0000_0001);

fn complement_number(sequence: u64) -> DocumentNumber {
    DocumentNumber {
        series: "P".into(),
        sequence,
    }
}

fn issue_complement() -> InvoiceCommand {
    InvoiceCommand::IssuePaymentComplement {
        payment_id: PAYMENT,
        number: complement_number(1),
        issue_date: date(6),
        dating: dating(),
    }
}

fn complement_issued() -> InvoiceEvent {
    InvoiceEvent::PaymentComplementIssued {
        payment_id: PAYMENT,
        number: complement_number(1),
        issue_date: date(6),
    }
}

fn step(step: StampStep) -> InvoiceCommand {
    InvoiceCommand::RecordStampStep {
        document: DocumentOfInvoice::PaymentComplement {
            payment_id: PAYMENT,
        },
        step,
    }
}

/// A Mexican invoice issued PPD (the default terms), stamped, then `more`.
fn stamped_and(more: impl IntoIterator<Item = InvoiceEvent>) -> Vec<InvoiceEvent> {
    let mut events = issued_in_mexico();
    events.push(InvoiceEvent::CfdiSealed(seal('a')));
    events.push(InvoiceEvent::CfdiStamped(stamp(FOLIO)));
    events.extend(more);
    events
}

fn refusal() -> CfdiRejection {
    CfdiRejection {
        code: "CRP20101".into(),
        message: "El campo FormaDePagoP no contiene un valor del catálogo.".into(),
        rejected_at: at(11),
    }
}

#[test]
fn a_payment_of_a_stamped_ppd_invoice_gets_its_complement_numbered() {
    InvoiceTest::with(())
        .given(stamped_and([paid(dec!(100.00), dec!(900.00))]))
        .when(issue_complement())
        .then_expect_events(vec![complement_issued()]);
}

#[test]
fn a_complement_is_numbered_once() {
    InvoiceTest::with(())
        .given(stamped_and([
            paid(dec!(100.00), dec!(900.00)),
            complement_issued(),
        ]))
        .when(issue_complement())
        .then_expect_events(vec![]);
}

#[test]
fn a_complement_waits_for_the_invoice_s_own_stamp() {
    let mut events = issued_in_mexico();
    events.push(paid(dec!(100.00), dec!(900.00)));
    InvoiceTest::with(())
        .given(events)
        .when(issue_complement())
        .then_expect_error(InvoiceError::CfdiNotStamped);
}

#[test]
fn an_invoice_paid_at_issue_owes_no_complements() {
    let pue = InvoiceEvent::CfdiTermsSet {
        terms: SatPaymentTerms {
            payment_method: SatPaymentMethod::Pue,
            payment_form: "03".into(),
            cfdi_use: None,
        },
    };
    let mut events = issued_in_mexico();
    events.insert(1, pue);
    events.extend([
        InvoiceEvent::CfdiStamped(stamp(FOLIO)),
        paid(dec!(100.00), dec!(900.00)),
    ]);
    InvoiceTest::with(())
        .given(events)
        .when(issue_complement())
        .then_expect_error(InvoiceError::PaidAtIssue);
}

#[test]
fn an_invoice_outside_mexico_and_an_unknown_payment_owe_no_complements() {
    InvoiceTest::with(())
        .given(vec![
            super::tests::created(),
            super::tests::line_added(),
            super::tests::issued(),
            paid(dec!(100.00), dec!(900.00)),
        ])
        .when(issue_complement())
        .then_expect_error(InvoiceError::NotACfdi);
    InvoiceTest::with(())
        .given(stamped_and([]))
        .when(issue_complement())
        .then_expect_error(InvoiceError::PaymentNotFound(PAYMENT));
}

#[test]
fn a_payment_refunded_in_full_before_its_complement_owes_none() {
    let refunded = InvoiceEvent::PaymentRefunded {
        refund_id: RefundId(Uuid::from_u128(30)),
        payment_id: PAYMENT,
        amount: eur_amount(dec!(100.00)),
        refunded_on: date(6),
        reason: "paid twice".into(),
        amount_due_after: dec!(1000.00),
        credit_after: Decimal::ZERO,
        booking: None,
    };
    InvoiceTest::with(())
        .given(stamped_and([paid(dec!(100.00), dec!(900.00)), refunded]))
        .when(issue_complement())
        .then_expect_error(InvoiceError::PaymentRefundedInFull(PAYMENT));
}

#[test]
fn a_complement_is_numbered_in_date_order() {
    InvoiceTest::with(())
        .given(stamped_and([paid(dec!(100.00), dec!(900.00))]))
        .when(InvoiceCommand::IssuePaymentComplement {
            payment_id: PAYMENT,
            number: complement_number(2),
            issue_date: date(6),
            dating: NumberDating {
                today: date(20),
                previous: Some(date(7)),
            },
        })
        .then_expect_error(InvoiceError::Dating(
            crate::document_number::DatingError::NotChronological {
                date: date(6),
                previous: date(7),
            },
        ));
}

#[test]
fn a_complement_is_sealed_only_once_numbered() {
    InvoiceTest::with(())
        .given(stamped_and([paid(dec!(100.00), dec!(900.00))]))
        .when(step(StampStep::Seal(seal('c'))))
        .then_expect_error(InvoiceError::PaymentComplementNotIssued(PAYMENT));
}

#[test]
fn a_numbered_complement_is_sealed_then_stamped_with_its_own_folio() {
    let numbered = || stamped_and([paid(dec!(100.00), dec!(900.00)), complement_issued()]);
    InvoiceTest::with(())
        .given(numbered())
        .when(step(StampStep::Seal(seal('c'))))
        .then_expect_events(vec![InvoiceEvent::PaymentComplementSealed {
            payment_id: PAYMENT,
            seal: seal('c'),
        }]);
    let mut sealed = numbered();
    sealed.push(InvoiceEvent::PaymentComplementSealed {
        payment_id: PAYMENT,
        seal: seal('c'),
    });
    InvoiceTest::with(())
        .given(sealed.clone())
        .when(step(StampStep::Seal(seal('c'))))
        .then_expect_events(vec![]);
    InvoiceTest::with(())
        .given(sealed)
        .when(step(StampStep::Stamp(stamp(COMPLEMENT_FOLIO))))
        .then_expect_events(vec![InvoiceEvent::PaymentComplementStamped {
            payment_id: PAYMENT,
            stamp: stamp(COMPLEMENT_FOLIO),
        }]);
}

#[test]
fn a_stamped_complement_keeps_its_one_folio() {
    let stamped = stamped_and([
        paid(dec!(100.00), dec!(900.00)),
        complement_issued(),
        InvoiceEvent::PaymentComplementStamped {
            payment_id: PAYMENT,
            stamp: stamp(COMPLEMENT_FOLIO),
        },
    ]);
    InvoiceTest::with(())
        .given(stamped.clone())
        .when(step(StampStep::Stamp(stamp(COMPLEMENT_FOLIO))))
        .then_expect_events(vec![]);
    InvoiceTest::with(())
        .given(stamped.clone())
        .when(step(StampStep::Stamp(stamp(FOLIO))))
        .then_expect_error(InvoiceError::CfdiAlreadyStamped {
            uuid: COMPLEMENT_FOLIO,
        });
    InvoiceTest::with(())
        .given(stamped)
        .when(step(StampStep::Seal(seal('d'))))
        .then_expect_error(InvoiceError::CfdiAlreadyStamped {
            uuid: COMPLEMENT_FOLIO,
        });
}

#[test]
fn a_refused_complement_is_sealed_again_only_when_a_user_asks() {
    let refused = stamped_and([
        paid(dec!(100.00), dec!(900.00)),
        complement_issued(),
        InvoiceEvent::PaymentComplementRejected {
            payment_id: PAYMENT,
            rejection: refusal(),
        },
    ]);
    InvoiceTest::with(())
        .given(refused.clone())
        .when(step(StampStep::Seal(seal('e'))))
        .then_expect_error(InvoiceError::CfdiStampWasRejected);
    InvoiceTest::with(())
        .given(refused.clone())
        .when(step(StampStep::Rejection(refusal())))
        .then_expect_events(vec![]);
    InvoiceTest::with(())
        .given(refused)
        .when(step(StampStep::Request {
            requested_at: at(12),
        }))
        .then_expect_events(vec![InvoiceEvent::PaymentComplementRequested {
            payment_id: PAYMENT,
            requested_at: at(12),
        }]);
}

#[test]
fn a_complement_s_steps_leave_the_invoice_s_own_stamp_alone() {
    let state = super::tests::state(stamped_and([
        paid(dec!(100.00), dec!(900.00)),
        complement_issued(),
        InvoiceEvent::PaymentComplementRejected {
            payment_id: PAYMENT,
            rejection: refusal(),
        },
    ]));
    assert_eq!(state.stamp, Some(StampState::Stamped { uuid: FOLIO }));
    let complement = state.payments[0].complement.as_ref().unwrap();
    assert_eq!(complement.number, complement_number(1));
    assert_eq!(complement.stamp, StampState::Rejected);
}

#[test]
fn a_payment_its_complement_could_not_state_is_refused() {
    let by = |method: PaymentMethod| InvoiceCommand::RecordPayment {
        payment_id: PAYMENT,
        amount: eur_amount(dec!(100.00)),
        received_on: date(6),
        method,
        reference: None,
        books: crate::exchange::Books::default(),
    };
    InvoiceTest::with(())
        .given(issued_in_mexico())
        .when(by(PaymentMethod::Other))
        .then_expect_error(InvoiceError::SatPaymentFormRequired);
    let mut pue = issued_in_mexico();
    pue.insert(
        1,
        InvoiceEvent::CfdiTermsSet {
            terms: SatPaymentTerms {
                payment_method: SatPaymentMethod::Pue,
                payment_form: "03".into(),
                cfdi_use: None,
            },
        },
    );
    let recorded = InvoiceTest::with(())
        .given(pue)
        .when(by(PaymentMethod::Other))
        .inspect_result();
    assert!(recorded.is_ok(), "{recorded:?}");
}

#[test]
fn a_complement_is_archived_once_stamped() {
    let files = vec![ArchivedFile {
        format: ArchivedFormat::Cfdi,
        sha256: "b".repeat(64),
        size_bytes: 4_321,
        content_type: "application/xml".into(),
    }];
    let archive = || InvoiceCommand::ArchiveDocument {
        document: DocumentOfInvoice::PaymentComplement {
            payment_id: PAYMENT,
        },
        files: files.clone(),
        archived_at: at(12),
    };
    let numbered = stamped_and([paid(dec!(100.00), dec!(900.00)), complement_issued()]);
    InvoiceTest::with(())
        .given(numbered.clone())
        .when(archive())
        .then_expect_error(InvoiceError::PaymentComplementNotStamped(PAYMENT));
    let mut stamped = numbered;
    stamped.push(InvoiceEvent::PaymentComplementStamped {
        payment_id: PAYMENT,
        stamp: stamp(COMPLEMENT_FOLIO),
    });
    InvoiceTest::with(())
        .given(stamped)
        .when(archive())
        .then_expect_events(vec![InvoiceEvent::DocumentArchived {
            document: DocumentOfInvoice::PaymentComplement {
                payment_id: PAYMENT,
            },
            files: files.clone(),
            archived_at: at(12),
        }]);
}
