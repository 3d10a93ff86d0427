//! Allowances and charges on the whole document: their rules on the draft, what
//! issuing decides of them, and what credit notes may do afterwards.

use cqrs_es::test::TestFramework;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use uuid::Uuid;

use super::tests::{
    created, credit, credit_note, issue_for, issued, line_added, line_taxed, state, vat_in,
};
use super::*;
use crate::adjustment::{AdjustmentError, AdjustmentKind, AdjustmentSize, DocumentAdjustment};
use crate::tax::VatCategory;

type InvoiceTest = TestFramework<Invoice>;

const REBATE: AdjustmentId = AdjustmentId::from_uuid(Uuid::from_u128(60));
const FREIGHT: AdjustmentId = AdjustmentId::from_uuid(Uuid::from_u128(61));

fn vat_19() -> crate::tax::TaxRate {
    vat_in(VatCategory::Standard, dec!(19), None)
}

/// A 2% rebate on the 19% lines, its reason in words.
fn rebate() -> DocumentAdjustment {
    DocumentAdjustment {
        kind: AdjustmentKind::Allowance,
        size: AdjustmentSize::Percent { percent: dec!(2) },
        reason: Some("Volume rebate".into()),
        reason_code: None,
        tax: vat_19(),
    }
}

/// 25.00 of freight charged at 19%, its reason as UNCL 7161's code.
fn freight() -> DocumentAdjustment {
    DocumentAdjustment {
        kind: AdjustmentKind::Charge,
        size: AdjustmentSize::Amount { amount: dec!(25) },
        reason: None,
        reason_code: Some("FC".into()),
        tax: vat_19(),
    }
}

fn added(adjustment_id: AdjustmentId, adjustment: DocumentAdjustment) -> InvoiceEvent {
    InvoiceEvent::DocumentAdjustmentAdded {
        adjustment_id,
        adjustment,
    }
}

fn add(adjustment_id: AdjustmentId, adjustment: DocumentAdjustment) -> InvoiceCommand {
    InvoiceCommand::AddDocumentAdjustment {
        adjustment_id,
        adjustment,
    }
}

/// A draft of one 1,000.00 line at 19% (category S).
fn draft_at_19() -> Vec<InvoiceEvent> {
    vec![created(), line_taxed(70, vat_19())]
}

/// Issues `events` under the EU jurisdiction, returning the issue event.
fn issue(events: Vec<InvoiceEvent>) -> Result<InvoiceEvent, InvoiceError> {
    Ok(state(events)
        .decide(issue_for(Jurisdiction::Eu, None))?
        .remove(0))
}

#[test]
fn adjustments_are_added_and_removed_on_a_draft() {
    let mut untidy = rebate();
    untidy.reason = Some("  Volume rebate  ".into());
    InvoiceTest::with(())
        .given(draft_at_19())
        .when(add(REBATE, untidy))
        .then_expect_events(vec![added(REBATE, rebate())]);
    InvoiceTest::with(())
        .given(vec![created(), added(REBATE, rebate())])
        .when(InvoiceCommand::RemoveDocumentAdjustment {
            adjustment_id: REBATE,
        })
        .then_expect_events(vec![InvoiceEvent::DocumentAdjustmentRemoved {
            adjustment_id: REBATE,
        }]);
}

#[test]
fn an_adjustment_id_is_used_once_and_removing_a_missing_one_is_not_found() {
    InvoiceTest::with(())
        .given(vec![created(), added(REBATE, rebate())])
        .when(add(REBATE, freight()))
        .then_expect_error(InvoiceError::DuplicateAdjustment(REBATE));
    InvoiceTest::with(())
        .given(vec![created()])
        .when(InvoiceCommand::RemoveDocumentAdjustment {
            adjustment_id: FREIGHT,
        })
        .then_expect_error(InvoiceError::AdjustmentNotFound(FREIGHT));
}

#[test]
fn an_invalid_adjustment_is_refused_and_changes_nothing() {
    let silent = DocumentAdjustment {
        reason: None,
        ..rebate()
    };
    InvoiceTest::with(())
        .given(vec![created()])
        .when(add(REBATE, silent))
        .then_expect_error(InvoiceError::Adjustment(AdjustmentError::ReasonRequired));
    let cents_of_a_cent = DocumentAdjustment {
        size: AdjustmentSize::Amount {
            amount: dec!(0.001),
        },
        ..freight()
    };
    InvoiceTest::with(())
        .given(vec![created()])
        .when(add(FREIGHT, cents_of_a_cent))
        .then_expect_error(InvoiceError::Adjustment(AdjustmentError::InvalidAmount {
            amount: dec!(0.001),
            decimals: 2,
        }));
}

#[test]
fn only_a_draft_takes_adjustments_and_at_most_fifty() {
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(add(REBATE, rebate()))
        .then_expect_error(InvoiceError::NotADraft {
            status: DocumentStatus::Issued,
        });
    let mut full = vec![created()];
    for n in 0..MAX_ADJUSTMENTS as u128 {
        full.push(added(AdjustmentId(Uuid::from_u128(1_000 + n)), freight()));
    }
    InvoiceTest::with(())
        .given(full)
        .when(add(REBATE, rebate()))
        .then_expect_error(InvoiceError::TooManyAdjustments {
            max: MAX_ADJUSTMENTS,
        });
}

#[test]
fn issuing_decides_each_amount_and_taxes_the_adjusted_base() {
    let mut events = draft_at_19();
    events.push(added(REBATE, rebate()));
    events.push(added(FREIGHT, freight()));
    let InvoiceEvent::InvoiceIssued {
        lines,
        adjustments,
        totals,
        ..
    } = issue(events).unwrap()
    else {
        panic!("not issued");
    };
    // The line is as it was; 2% of it comes off, 25.00 of freight goes on.
    assert_eq!(lines[0].priced.net_amount, dec!(1000.00));
    let decided: Vec<(AdjustmentId, Option<Decimal>, Decimal)> = adjustments
        .iter()
        .map(|a| (a.adjustment_id, a.priced.base_amount, a.priced.amount))
        .collect();
    assert_eq!(
        decided,
        [
            (REBATE, Some(dec!(1000.00)), dec!(20.00)),
            (FREIGHT, None, dec!(25.00))
        ]
    );
    assert_eq!(totals.net_total, dec!(1005.00));
    assert_eq!(totals.tax_totals[0].taxable_base, dec!(1005.00));
    assert_eq!(totals.tax_total, dec!(190.95));
    assert_eq!(totals.total, dec!(1195.95));
    let (allowances, charges) = crate::adjustment::adjustment_totals(&adjustments);
    assert_eq!((allowances, charges), (dec!(20.00), dec!(25.00)));
}

#[test]
fn a_percentage_needs_lines_at_its_rate_and_an_allowance_no_more_than_they_are_worth() {
    let mut at_seven = rebate();
    at_seven.tax = vat_in(VatCategory::Standard, dec!(7), None);
    let mut events = draft_at_19();
    events.push(added(REBATE, at_seven));
    assert_eq!(
        issue(events),
        Err(InvoiceError::AdjustmentWithoutBase {
            tax: "VAT 7%".into(),
            base: Money::new(dec!(0.00), Currency::from_code("EUR").unwrap()),
        })
    );
    // An allowance one cent above the 19% lines, on an invoice whose 7% lines
    // keep the total positive: the 19% base would be negative.
    let too_much = DocumentAdjustment {
        kind: AdjustmentKind::Allowance,
        size: AdjustmentSize::Amount {
            amount: dec!(1000.01),
        },
        reason: Some("Goodwill".into()),
        reason_code: None,
        tax: vat_19(),
    };
    let mut events = draft_at_19();
    events.push(line_taxed(71, vat_in(VatCategory::Standard, dec!(7), None)));
    events.push(added(REBATE, too_much));
    assert!(matches!(
        issue(events),
        Err(InvoiceError::NegativeTaxBase { .. })
    ));
}

#[test]
fn an_adjustment_s_category_counts_in_the_invoice_s_vat_rules() {
    // A charge under reverse charge needs the buyer's VAT number, as a line would.
    let reverse = DocumentAdjustment {
        tax: vat_in(VatCategory::ReverseCharge, dec!(0), Some("Reverse charge")),
        ..freight()
    };
    let mut events = draft_at_19();
    events.push(added(FREIGHT, reverse));
    assert_eq!(
        issue(events),
        Err(InvoiceError::BuyerVatIdRequired {
            category: "AE".into()
        })
    );
}

#[test]
fn an_adjusted_invoice_is_credited_by_amount_per_rate_up_to_its_adjusted_base() {
    let mut events = draft_at_19();
    events.push(added(REBATE, rebate()));
    let issued = issue(events.clone()).unwrap();
    events.push(issued);
    let invoice = state(events);
    // 980.00 + 186.20 of VAT: a line's share of the rebate is not defined.
    assert_eq!(
        invoice.decide(credit_note(CreditRequest::Lines(vec![LineCredit {
            line_id: LineId(Uuid::from_u128(70)),
            quantity: dec!(1),
        }]))),
        Err(InvoiceError::LineCreditWithAdjustments)
    );
    assert!(matches!(
        invoice.decide(credit(dec!(1166.21))),
        Err(InvoiceError::OverCredit { .. })
    ));
    let whole = invoice.decide(credit(dec!(1166.20))).unwrap();
    let InvoiceEvent::CreditNoteIssued { totals, .. } = &whole[0] else {
        panic!("not credited: {whole:?}");
    };
    assert_eq!(
        (
            totals.tax_totals[0].taxable_base,
            totals.tax_totals[0].amount
        ),
        (dec!(980.00), dec!(186.20))
    );
}

#[test]
fn an_invoice_issued_without_adjustments_is_stored_as_before() {
    let stored = serde_json::to_value(issued()).unwrap();
    assert!(stored["InvoiceIssued"].get("adjustments").is_none());
    let read: InvoiceEvent = serde_json::from_value(stored).unwrap();
    assert_eq!(read, issued());
}
