//! A credit note against a Mexican invoice, given its events: refused until
//! the invoice's CFDI is stamped, then owed a CFDI of its own, sealed,
//! stamped or refused with one fiscal folio, and archived only once stamped.

use chrono::{DateTime, Utc};
use cqrs_es::test::TestFramework;
use rust_decimal_macros::dec;
use uuid::Uuid;

use super::cfdi_tests::issued_in_mexico;
use super::stamp_tests::{at, seal, stamp, FOLIO};
use super::tests::{created, credit_note, issued, line_added, state, LINE};
use super::*;

type InvoiceTest = TestFramework<Invoice>;

const NOTE_FOLIO: Uuid = Uuid::from_u128(0xe0e0_0000_0000_4000_8000_0000_0000_0001);

/// Half of the one line of the Mexican invoice taken back.
fn credit_half() -> InvoiceCommand {
    credit_note(CreditRequest::Lines(vec![LineCredit {
        line_id: LINE,
        quantity: dec!(0.5),
    }]))
}

fn note_id() -> CreditNoteId {
    match credit_half() {
        InvoiceCommand::IssueCreditNote { credit_note_id, .. } => credit_note_id,
        _ => unreachable!("a credit note command"),
    }
}

/// `events`, then the credit note of [`credit_half`] as decided on them.
fn credited(mut events: Vec<InvoiceEvent>) -> Vec<InvoiceEvent> {
    let note = state(events.clone()).decide(credit_half()).unwrap();
    events.extend(note);
    events
}

/// A Mexican invoice stamped, then `more`.
fn stamped_and(more: impl IntoIterator<Item = InvoiceEvent>) -> Vec<InvoiceEvent> {
    let mut events = issued_in_mexico();
    events.push(InvoiceEvent::CfdiSealed(seal('a')));
    events.push(InvoiceEvent::CfdiStamped(stamp(FOLIO)));
    events.extend(more);
    events
}

fn step(step: StampStep) -> InvoiceCommand {
    InvoiceCommand::RecordStampStep {
        document: DocumentOfInvoice::CreditNote {
            credit_note_id: note_id(),
        },
        step,
    }
}

fn archive(at: DateTime<Utc>) -> InvoiceCommand {
    InvoiceCommand::ArchiveDocument {
        document: DocumentOfInvoice::CreditNote {
            credit_note_id: note_id(),
        },
        files: vec![ArchivedFile {
            format: ArchivedFormat::Cfdi,
            sha256: "f".repeat(64),
            size_bytes: 2_048,
            content_type: "application/xml".into(),
        }],
        archived_at: at,
    }
}

#[test]
fn a_credit_note_waits_for_the_fiscal_folio_it_names() {
    InvoiceTest::with(())
        .given(issued_in_mexico())
        .when(credit_half())
        .then_expect_error(InvoiceError::CfdiNotStamped);
    let mut refused = issued_in_mexico();
    refused.push(InvoiceEvent::CfdiSealed(seal('a')));
    refused.push(InvoiceEvent::CfdiStampRejected(CfdiRejection {
        code: "CFDI40145".into(),
        message: "El nombre del receptor no corresponde".into(),
        rejected_at: at(11),
    }));
    InvoiceTest::with(())
        .given(refused)
        .when(credit_half())
        .then_expect_error(InvoiceError::CfdiNotStamped);
}

#[test]
fn a_credit_note_of_a_stamped_invoice_is_owed_its_own_cfdi() {
    let events = credited(stamped_and([]));
    assert!(matches!(
        events.last(),
        Some(InvoiceEvent::CreditNoteIssued { .. })
    ));
    let owed = state(events.clone()).credit_note_stamps;
    assert_eq!(
        owed,
        vec![(note_id(), StampState::Pending { sealed: None })]
    );
    InvoiceTest::with(())
        .given(events)
        .when(step(StampStep::Seal(seal('c'))))
        .then_expect_events(vec![InvoiceEvent::CreditNoteCfdiSealed {
            credit_note_id: note_id(),
            seal: seal('c'),
        }]);
}

#[test]
fn a_credit_notes_cfdi_is_stamped_once() {
    let sealed = credited(stamped_and([]))
        .into_iter()
        .chain([InvoiceEvent::CreditNoteCfdiSealed {
            credit_note_id: note_id(),
            seal: seal('c'),
        }])
        .collect::<Vec<_>>();
    InvoiceTest::with(())
        .given(sealed.clone())
        .when(step(StampStep::Seal(seal('c'))))
        .then_expect_events(vec![]);
    InvoiceTest::with(())
        .given(sealed.clone())
        .when(step(StampStep::Stamp(stamp(NOTE_FOLIO))))
        .then_expect_events(vec![InvoiceEvent::CreditNoteCfdiStamped {
            credit_note_id: note_id(),
            stamp: stamp(NOTE_FOLIO),
        }]);
    let mut stamped = sealed;
    stamped.push(InvoiceEvent::CreditNoteCfdiStamped {
        credit_note_id: note_id(),
        stamp: stamp(NOTE_FOLIO),
    });
    InvoiceTest::with(())
        .given(stamped.clone())
        .when(step(StampStep::Stamp(stamp(NOTE_FOLIO))))
        .then_expect_events(vec![]);
    InvoiceTest::with(())
        .given(stamped)
        .when(step(StampStep::Stamp(stamp(FOLIO))))
        .then_expect_error(InvoiceError::CfdiAlreadyStamped { uuid: NOTE_FOLIO });
}

#[test]
fn a_refused_credit_note_is_sealed_again_only_when_a_user_asks() {
    let rejection = CfdiRejection {
        code: "CFDI40161".into(),
        message: "El valor del campo Importe no es válido".into(),
        rejected_at: at(12),
    };
    let mut refused = credited(stamped_and([]));
    refused.push(InvoiceEvent::CreditNoteCfdiRejected {
        credit_note_id: note_id(),
        rejection,
    });
    InvoiceTest::with(())
        .given(refused.clone())
        .when(step(StampStep::Seal(seal('d'))))
        .then_expect_error(InvoiceError::CfdiStampWasRejected);
    InvoiceTest::with(())
        .given(refused)
        .when(step(StampStep::Request {
            requested_at: at(13),
        }))
        .then_expect_events(vec![InvoiceEvent::CreditNoteCfdiRequested {
            credit_note_id: note_id(),
            requested_at: at(13),
        }]);
}

#[test]
fn a_credit_note_outside_mexico_or_unknown_has_no_cfdi() {
    let european = vec![created(), line_added(), issued()];
    InvoiceTest::with(())
        .given(european.clone())
        .when(step(StampStep::Seal(seal('c'))))
        .then_expect_error(InvoiceError::CreditNoteNotFound(note_id()));
    InvoiceTest::with(())
        .given(credited(european))
        .when(step(StampStep::Seal(seal('c'))))
        .then_expect_error(InvoiceError::NotACfdi);
}

#[test]
fn a_mexican_credit_note_is_archived_once_stamped() {
    let pending = credited(stamped_and([]));
    InvoiceTest::with(())
        .given(pending.clone())
        .when(archive(at(14)))
        .then_expect_error(InvoiceError::CreditNoteNotStamped(note_id()));
    let mut stamped = pending;
    stamped.push(InvoiceEvent::CreditNoteCfdiStamped {
        credit_note_id: note_id(),
        stamp: stamp(NOTE_FOLIO),
    });
    let archived = state(stamped).decide(archive(at(14))).unwrap();
    assert!(matches!(
        archived[..],
        [InvoiceEvent::DocumentArchived { .. }]
    ));
}
