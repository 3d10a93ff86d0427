//! A Mexican invoice cancelled, given its stamp: at once when SAT never knew
//! it, refused while a PAC may be stamping it, and through SAT once stamped,
//! void only when SAT says so.

use cqrs_es::test::TestFramework;
use rust_decimal_macros::dec;
use uuid::Uuid;

use super::cfdi_tests::issued_in_mexico;
use super::stamp_tests::{at, file, seal, stamp, FOLIO};
use super::tests::{credit, date, pay, CUSTOMER};
use super::*;
use crate::ids::InvoiceId;

type InvoiceTest = TestFramework<Invoice>;

const REPLACEMENT: InvoiceId = InvoiceId::from_uuid(Uuid::from_u128(4));
const REPLACEMENT_FOLIO: Uuid = Uuid::from_u128(0x0b0a_0908_0706_4504_8302_0100_0a0b_0c0d);

fn void(reason: SatCancellationReason, replacement: Option<ReplacementInvoice>) -> InvoiceCommand {
    InvoiceCommand::Void {
        reason: "the customer's RFC was wrong".into(),
        voided_on: date(9),
        jurisdiction: Jurisdiction::Mx,
        sat: Some(SatCancellation {
            reason,
            replacement,
        }),
    }
}

fn void_02() -> InvoiceCommand {
    void(SatCancellationReason::ErrorsWithoutReplacement, None)
}

fn replacement(cfdi_uuid: Option<Uuid>) -> Option<ReplacementInvoice> {
    Some(ReplacementInvoice {
        invoice_id: REPLACEMENT,
        customer_id: Some(CUSTOMER),
        status: DocumentStatus::Issued,
        cfdi_uuid,
    })
}

fn requested(replaced_by: Option<(InvoiceId, Uuid)>) -> InvoiceEvent {
    InvoiceEvent::CfdiCancellationRequested(CfdiCancellationRequest {
        reason: "the customer's RFC was wrong".into(),
        sat_reason: match replaced_by {
            Some(_) => SatCancellationReason::ErrorsWithReplacement,
            None => SatCancellationReason::ErrorsWithoutReplacement,
        },
        replaced_by: replaced_by.map(|(id, _)| id),
        replacement_uuid: replaced_by.map(|(_, uuid)| uuid),
        requested_on: date(9),
    })
}

fn receipt(digit: char) -> CfdiCancellationReceipt {
    CfdiCancellationReceipt {
        acuse: file(digit),
        status_code: "201".into(),
        received_at: at(11),
    }
}

fn refusal() -> CfdiCancellationRefusal {
    CfdiCancellationRefusal {
        code: "RECEIVER_REFUSED".into(),
        message: "Solicitud rechazada".into(),
        refused_at: at(12),
    }
}

fn stamped(more: impl IntoIterator<Item = InvoiceEvent>) -> Vec<InvoiceEvent> {
    let mut events = issued_in_mexico();
    events.push(InvoiceEvent::CfdiSealed(seal('a')));
    events.push(InvoiceEvent::CfdiStamped(stamp(FOLIO)));
    events.extend(more);
    events
}

#[test]
fn a_stamped_invoice_is_not_void_when_asked_but_sat_is_asked_to_cancel_it() {
    InvoiceTest::with(())
        .given(stamped([]))
        .when(void_02())
        .then_expect_events(vec![requested(None)]);
}

#[test]
fn an_invoice_sat_never_knew_is_cancelled_at_once() {
    InvoiceTest::with(())
        .given(issued_in_mexico())
        .when(void_02())
        .then_expect_events(vec![InvoiceEvent::InvoiceCancelled {
            reason: "the customer's RFC was wrong".into(),
            cancelled_on: date(9),
            sat_reason: SatCancellationReason::ErrorsWithoutReplacement,
            replaced_by: None,
        }]);
}

#[test]
fn an_invoice_whose_cfdi_is_with_the_pac_waits_for_its_answer() {
    let mut given = issued_in_mexico();
    given.push(InvoiceEvent::CfdiSealed(seal('a')));
    InvoiceTest::with(())
        .given(given)
        .when(void_02())
        .then_expect_error(InvoiceError::CfdiStampAwaited);
}

#[test]
fn reason_01_tells_sat_the_replacement_s_fiscal_folio_once_it_has_one() {
    let with_01 = |folio| {
        void(
            SatCancellationReason::ErrorsWithReplacement,
            replacement(folio),
        )
    };
    InvoiceTest::with(())
        .given(stamped([]))
        .when(with_01(None))
        .then_expect_error(InvoiceError::InvalidReplacement {
            invoice_id: REPLACEMENT,
            why: "it has no fiscal folio yet (a replacement is stamped first)".into(),
        });
    InvoiceTest::with(())
        .given(stamped([]))
        .when(with_01(Some(REPLACEMENT_FOLIO)))
        .then_expect_events(vec![requested(Some((REPLACEMENT, REPLACEMENT_FOLIO)))]);
}

#[test]
fn while_sat_decides_nothing_that_would_forbid_the_void_is_recorded() {
    for command in [pay(dec!(10)), credit(dec!(10)), void_02()] {
        InvoiceTest::with(())
            .given(stamped([requested(None)]))
            .when(command)
            .then_expect_error(InvoiceError::CfdiCancellationPending);
    }
}

#[test]
fn sat_s_acknowledgement_is_kept_once() {
    InvoiceTest::with(())
        .given(stamped([requested(None)]))
        .when(InvoiceCommand::RecordCfdiCancellationReceipt(receipt('c')))
        .then_expect_events(vec![InvoiceEvent::CfdiCancellationSubmitted(receipt('c'))]);
    InvoiceTest::with(())
        .given(stamped([
            requested(None),
            InvoiceEvent::CfdiCancellationSubmitted(receipt('c')),
        ]))
        .when(InvoiceCommand::RecordCfdiCancellationReceipt(receipt('d')))
        .then_expect_events(vec![]);
    InvoiceTest::with(())
        .given(stamped([]))
        .when(InvoiceCommand::RecordCfdiCancellationReceipt(receipt('c')))
        .then_expect_error(InvoiceError::NoCfdiCancellationPending);
}

#[test]
fn once_sat_cancelled_the_cfdi_the_invoice_is_void_with_the_request_s_reason() {
    let cancelled = InvoiceEvent::InvoiceCancelled {
        reason: "the customer's RFC was wrong".into(),
        cancelled_on: date(10),
        sat_reason: SatCancellationReason::ErrorsWithReplacement,
        replaced_by: Some(REPLACEMENT),
    };
    let asked = requested(Some((REPLACEMENT, REPLACEMENT_FOLIO)));
    let acknowledged = InvoiceEvent::CfdiCancellationSubmitted(receipt('c'));
    InvoiceTest::with(())
        .given(stamped([asked.clone(), acknowledged.clone()]))
        .when(InvoiceCommand::RecordCfdiCancelled {
            cancelled_on: date(10),
        })
        .then_expect_events(vec![cancelled.clone()]);
    InvoiceTest::with(())
        .given(stamped([asked, acknowledged, cancelled]))
        .when(InvoiceCommand::RecordCfdiCancelled {
            cancelled_on: date(11),
        })
        .then_expect_events(vec![]);
}

#[test]
fn a_refused_cancellation_leaves_the_invoice_valid_to_be_paid_or_asked_again() {
    InvoiceTest::with(())
        .given(stamped([requested(None)]))
        .when(InvoiceCommand::RecordCfdiCancellationRefusal(refusal()))
        .then_expect_events(vec![InvoiceEvent::CfdiCancellationRefused(refusal())]);
    let refused = || {
        stamped([
            requested(None),
            InvoiceEvent::CfdiCancellationRefused(refusal()),
        ])
    };
    InvoiceTest::with(())
        .given(refused())
        .when(void_02())
        .then_expect_events(vec![requested(None)]);
    let paid = Invoice::decide(&tests::state(refused()), pay(dec!(10))).unwrap();
    assert!(matches!(paid[0], InvoiceEvent::PaymentRecorded { .. }));
    InvoiceTest::with(())
        .given(refused())
        .when(InvoiceCommand::RecordCfdiCancellationRefusal(refusal()))
        .then_expect_error(InvoiceError::NoCfdiCancellationPending);
}
