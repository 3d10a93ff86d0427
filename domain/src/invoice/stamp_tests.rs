//! An invoice issued under MX, given its events: the CFDI sealed, stamped once
//! with one fiscal folio, or refused by the PAC and asked for again.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::cfdi_tests::issued_in_mexico;
use super::tests::{created, issue_for, line_added};
use super::*;

type InvoiceTest = TestFramework<Invoice>;

pub(super) fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, hour, 0, 0).unwrap()
}

pub(super) fn file(digit: char) -> CfdiFile {
    CfdiFile {
        sha256: digit.to_string().repeat(64),
        size_bytes: 4_321,
    }
}

pub(super) fn seal(digit: char) -> CfdiSeal {
    CfdiSeal {
        sealed_at: at(10),
        certificate_number: "30001000000500003416".into(),
        xml: file(digit),
    }
}

pub(super) const FOLIO: Uuid = Uuid::from_u128(0x6f0e_0a2b_1c3d_4e5f_8a9b_0c1d_2e3f_4a5b);

pub(super) fn stamp(uuid: Uuid) -> CfdiStamp {
    CfdiStamp {
        uuid,
        stamped_on: NaiveDate::from_ymd_opt(2026, 12, 7)
            .unwrap()
            .and_hms_opt(4, 0, 1)
            .unwrap(),
        pac_rfc: "SPR190613I52".into(),
        sat_certificate_number: "30001000000500003456".into(),
        cfd_seal: "c2VsbG8gQ0ZE".into(),
        sat_seal: "c2VsbG8gU0FU".into(),
        xml: file('b'),
        recorded_at: at(10),
    }
}

/// A step of the invoice's own CFDI.
pub(super) fn own(step: StampStep) -> InvoiceCommand {
    InvoiceCommand::RecordStampStep {
        document: DocumentOfInvoice::Invoice,
        step,
    }
}

fn rejection() -> CfdiRejection {
    CfdiRejection {
        code: "CFDI40145".into(),
        message: "El campo Nombre del receptor no coincide con el RFC.".into(),
        rejected_at: at(10),
    }
}

fn given(more: impl IntoIterator<Item = InvoiceEvent>) -> Vec<InvoiceEvent> {
    let mut events = issued_in_mexico();
    events.extend(more);
    events
}

#[test]
fn an_invoice_issued_in_mexico_records_the_cfdi_sealed_for_the_pac() {
    InvoiceTest::with(())
        .given(issued_in_mexico())
        .when(own(StampStep::Seal(seal('a'))))
        .then_expect_events(vec![InvoiceEvent::CfdiSealed(seal('a'))]);
}

#[test]
fn the_same_seal_again_changes_nothing_and_a_new_one_replaces_it() {
    InvoiceTest::with(())
        .given(given([InvoiceEvent::CfdiSealed(seal('a'))]))
        .when(own(StampStep::Seal(seal('a'))))
        .then_expect_events(vec![]);
    // Past the PAC's 72 hours, the stamper seals it anew.
    InvoiceTest::with(())
        .given(given([InvoiceEvent::CfdiSealed(seal('a'))]))
        .when(own(StampStep::Seal(seal('c'))))
        .then_expect_events(vec![InvoiceEvent::CfdiSealed(seal('c'))]);
}

#[test]
fn a_stamp_gives_the_invoice_its_fiscal_folio_once() {
    let sealed = given([InvoiceEvent::CfdiSealed(seal('a'))]);
    InvoiceTest::with(())
        .given(sealed.clone())
        .when(own(StampStep::Stamp(stamp(FOLIO))))
        .then_expect_events(vec![InvoiceEvent::CfdiStamped(stamp(FOLIO))]);
    let mut stamped = sealed;
    stamped.push(InvoiceEvent::CfdiStamped(stamp(FOLIO)));
    InvoiceTest::with(())
        .given(stamped.clone())
        .when(own(StampStep::Stamp(stamp(FOLIO))))
        .then_expect_events(vec![]);
    InvoiceTest::with(())
        .given(stamped.clone())
        .when(own(StampStep::Stamp(stamp(Uuid::from_u128(7)))))
        .then_expect_error(InvoiceError::CfdiAlreadyStamped { uuid: FOLIO });
    InvoiceTest::with(())
        .given(stamped)
        .when(own(StampStep::Seal(seal('c'))))
        .then_expect_error(InvoiceError::CfdiAlreadyStamped { uuid: FOLIO });
}

#[test]
fn a_refusal_stops_the_stamp_until_a_user_asks_again() {
    let refused = given([
        InvoiceEvent::CfdiSealed(seal('a')),
        InvoiceEvent::CfdiStampRejected(rejection()),
    ]);
    InvoiceTest::with(())
        .given(given([InvoiceEvent::CfdiSealed(seal('a'))]))
        .when(own(StampStep::Rejection(rejection())))
        .then_expect_events(vec![InvoiceEvent::CfdiStampRejected(rejection())]);
    InvoiceTest::with(())
        .given(refused.clone())
        .when(own(StampStep::Seal(seal('c'))))
        .then_expect_error(InvoiceError::CfdiStampWasRejected);
    InvoiceTest::with(())
        .given(refused.clone())
        .when(own(StampStep::Request {
            requested_at: at(11),
        }))
        .then_expect_events(vec![InvoiceEvent::CfdiStampRequested {
            requested_at: at(11),
        }]);
    let mut asked = refused;
    asked.push(InvoiceEvent::CfdiStampRequested {
        requested_at: at(11),
    });
    InvoiceTest::with(())
        .given(asked)
        .when(own(StampStep::Seal(seal('c'))))
        .then_expect_events(vec![InvoiceEvent::CfdiSealed(seal('c'))]);
}

#[test]
fn a_stamp_is_fiscal_fact_even_when_it_answers_after_a_refusal() {
    InvoiceTest::with(())
        .given(given([InvoiceEvent::CfdiStampRejected(rejection())]))
        .when(own(StampStep::Stamp(stamp(FOLIO))))
        .then_expect_events(vec![InvoiceEvent::CfdiStamped(stamp(FOLIO))]);
}

#[test]
fn a_stamped_invoice_cannot_be_refused_or_asked_for_again() {
    let stamped = given([InvoiceEvent::CfdiStamped(stamp(FOLIO))]);
    InvoiceTest::with(())
        .given(stamped.clone())
        .when(own(StampStep::Rejection(rejection())))
        .then_expect_error(InvoiceError::CfdiAlreadyStamped { uuid: FOLIO });
    InvoiceTest::with(())
        .given(stamped)
        .when(own(StampStep::Request {
            requested_at: at(11),
        }))
        .then_expect_error(InvoiceError::CfdiAlreadyStamped { uuid: FOLIO });
}

#[test]
fn an_invoice_issued_outside_mexico_or_a_draft_is_no_cfdi() {
    let mut elsewhere = vec![created(), line_added()];
    let mut draft = Invoice::default();
    for event in elsewhere.clone() {
        draft.fold(event);
    }
    elsewhere.extend(draft.decide(issue_for(Jurisdiction::Other, None)).unwrap());
    InvoiceTest::with(())
        .given(elsewhere)
        .when(own(StampStep::Seal(seal('a'))))
        .then_expect_error(InvoiceError::NotACfdi);
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(own(StampStep::Stamp(stamp(FOLIO))))
        .then_expect_error(InvoiceError::NotACfdi);
}

#[test]
fn a_malformed_seal_or_stamp_is_refused() {
    let mut bad_hash = seal('a');
    bad_hash.xml.sha256 = "A".repeat(64);
    InvoiceTest::with(())
        .given(issued_in_mexico())
        .when(own(StampStep::Seal(bad_hash)))
        .then_expect_error(InvoiceError::InvalidCfdiRecord);
    InvoiceTest::with(())
        .given(issued_in_mexico())
        .when(own(StampStep::Stamp(stamp(Uuid::nil()))))
        .then_expect_error(InvoiceError::InvalidCfdiRecord);
    let mut unsealed = stamp(FOLIO);
    unsealed.sat_seal = " ".into();
    InvoiceTest::with(())
        .given(issued_in_mexico())
        .when(own(StampStep::Stamp(unsealed)))
        .then_expect_error(InvoiceError::InvalidCfdiRecord);
}
