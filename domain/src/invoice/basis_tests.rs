//! The draft's price basis: lines that state none take it, so a document
//! quoted with taxes included is entered as it was quoted.

use cqrs_es::test::TestFramework;
use rust_decimal_macros::dec;

use super::tests::{consulting, created, issue_for, state};
use super::*;
use crate::pricing::{LineRequest, PriceBasis};
use crate::settings::Jurisdiction;

type InvoiceTest = TestFramework<Invoice>;

/// A draft whose lines without a basis are gross.
fn gross_draft() -> InvoiceEvent {
    let mut created = created();
    if let InvoiceEvent::DraftCreated { price_basis, .. } = &mut created {
        *price_basis = PriceBasis::Gross;
    }
    created
}

const LINE: LineId = LineId::from_uuid(uuid::Uuid::from_u128(60));

/// Ten units of consulting at `unit_price`, on the basis `basis` states.
fn line_of(unit_price: rust_decimal::Decimal, basis: Option<PriceBasis>) -> LineRequest {
    LineRequest {
        unit_price,
        price_basis: basis,
        ..consulting().into()
    }
}

#[test]
fn a_line_that_states_no_basis_takes_the_draft_s() {
    // Given a draft whose prices include their taxes
    // When a line states none
    // Then it is recorded gross
    InvoiceTest::with(())
        .given(vec![gross_draft()])
        .when(InvoiceCommand::AddLine {
            line_id: LINE,
            line: line_of(dec!(119), None),
        })
        .then_expect_events(vec![InvoiceEvent::LineAdded {
            line_id: LINE,
            item: LineItem {
                unit_price: dec!(119),
                price_basis: PriceBasis::Gross,
                ..consulting()
            },
        }]);
}

#[test]
fn a_line_that_states_its_basis_keeps_it_on_any_draft() {
    // Given a gross line on a gross draft, when it is changed to state NET
    let mut draft = state(vec![gross_draft()]);
    for command in [
        InvoiceCommand::AddLine {
            line_id: LINE,
            line: line_of(dec!(119), None),
        },
        InvoiceCommand::ChangeLine {
            line_id: LINE,
            line: line_of(dec!(100), Some(PriceBasis::Net)),
        },
    ] {
        for event in draft.decide(command).unwrap() {
            draft.fold(event);
        }
    }
    // Then it is net
    assert_eq!(draft.lines[0].item.price_basis, PriceBasis::Net);
    // And on a net draft a line stating GROSS is gross
    let net_draft = state(vec![created()]);
    let added = net_draft
        .decide(InvoiceCommand::AddLine {
            line_id: LINE,
            line: line_of(dec!(119), Some(PriceBasis::Gross)),
        })
        .unwrap();
    assert!(matches!(
        &added[..],
        [InvoiceEvent::LineAdded { item, .. }] if item.price_basis == PriceBasis::Gross
    ));
}

#[test]
fn a_gross_draft_is_issued_with_the_net_derived_from_the_prices_quoted() {
    // Given a gross draft of ten units at 119.00 with 19% VAT included
    let mut draft = state(vec![gross_draft()]);
    let added = draft
        .decide(InvoiceCommand::AddLine {
            line_id: LINE,
            line: line_of(dec!(119), None),
        })
        .unwrap();
    draft.fold(added[0].clone());
    // When it is issued
    let issued = draft.decide(issue_for(Jurisdiction::Other, None)).unwrap();
    // Then it is 1,000.00 net and 190.00 VAT: 1,190.00 as quoted
    let InvoiceEvent::InvoiceIssued { totals, .. } = &issued[0] else {
        panic!("{issued:?}")
    };
    assert_eq!(
        (totals.net_total, totals.tax_total, totals.total),
        (dec!(1000.00), dec!(190.00), dec!(1190.00))
    );
}
