//! A Mexican invoice, given its events: the draft's CFDI terms, and issuing
//! under the MX jurisdiction only with SAT's data, which the issue records.

use cqrs_es::test::TestFramework;
use rust_decimal_macros::dec;

use super::tests::{created, issue_for, line_added, LINE};
use super::*;
use crate::sat::{CfdiParties, SatError, SatIssuer, SatLineKeys, SatPaymentMethod};
use crate::sat::{SatPaymentTerms, SatReceiver};
use crate::tax::{TaxRate, TaxTreatment};

type InvoiceTest = TestFramework<Invoice>;

fn iva(percent: rust_decimal::Decimal, treatment: TaxTreatment) -> TaxRate {
    TaxRate {
        code: if treatment == TaxTreatment::Withholding {
            "ISR"
        } else {
            "IVA"
        }
        .into(),
        percent,
        treatment,
        category: None,
        exemption: None,
    }
}

/// A keyed line charging IVA 16% and withholding ISR 10%.
fn keyed_line() -> InvoiceEvent {
    InvoiceEvent::LineAdded {
        line_id: LINE,
        item: LineItem {
            description: "Consultoría".into(),
            quantity: dec!(1),
            unit_price: dec!(1000),
            discount: None,
            taxes: vec![
                iva(dec!(16), TaxTreatment::Standard),
                iva(dec!(10), TaxTreatment::Withholding),
            ],
            price_basis: PriceBasis::Net,
            sat: Some(SatLineKeys {
                product_key: "84111506".into(),
                unit_key: "E48".into(),
                tax_object: None,
            }),
        },
    }
}

fn issuer() -> SatIssuer {
    SatIssuer {
        rfc: "AAA010101AAA".into(),
        name: "ACCEM SERVICIOS EMPRESARIALES".into(),
        tax_regime: "601".into(),
        postal_code: "06600".into(),
    }
}

fn receiver() -> SatReceiver {
    SatReceiver {
        tax_regime: "601".into(),
        postal_code: "26015".into(),
        cfdi_use: "G03".into(),
    }
}

/// Issue under MX with the tenant's issuer and the customer's receiver data.
fn issue_in_mexico(issuer: Option<SatIssuer>, receiver: Option<SatReceiver>) -> InvoiceCommand {
    let mut issue = issue_for(Jurisdiction::Mx, Some("EKU9003173C9"));
    if let InvoiceCommand::Issue { cfdi, .. } = &mut issue {
        **cfdi = CfdiContext { issuer, receiver };
    }
    issue
}

fn pue_by_transfer() -> SatPaymentTerms {
    SatPaymentTerms {
        payment_method: SatPaymentMethod::Pue,
        payment_form: "03".into(),
        cfdi_use: Some("G01".into()),
    }
}

#[test]
fn a_draft_records_its_cfdi_terms_and_the_same_again_changes_nothing() {
    let set = InvoiceEvent::CfdiTermsSet {
        terms: pue_by_transfer(),
    };
    InvoiceTest::with(())
        .given(vec![created()])
        .when(InvoiceCommand::SetCfdiTerms {
            terms: pue_by_transfer(),
        })
        .then_expect_events(vec![set.clone()]);
    InvoiceTest::with(())
        .given(vec![created(), set])
        .when(InvoiceCommand::SetCfdiTerms {
            terms: pue_by_transfer(),
        })
        .then_expect_events(vec![]);
}

#[test]
fn paid_at_once_cannot_say_its_form_is_yet_to_be_defined() {
    InvoiceTest::with(())
        .given(vec![created()])
        .when(InvoiceCommand::SetCfdiTerms {
            terms: SatPaymentTerms {
                payment_form: "99".into(),
                ..pue_by_transfer()
            },
        })
        .then_expect_error(InvoiceError::Sat(SatError::FormForMethod {
            method: SatPaymentMethod::Pue,
            form: "99".into(),
            expected: "the form it was paid in (not 99)".into(),
        }));
}

#[test]
fn issuing_in_mexico_records_the_cfdis_parties_with_the_drafts_use() {
    let mut draft = Invoice::default();
    for event in [created(), keyed_line()] {
        draft.fold(event);
    }
    draft.fold(InvoiceEvent::CfdiTermsSet {
        terms: pue_by_transfer(),
    });
    let events = draft
        .decide(issue_in_mexico(Some(issuer()), Some(receiver())))
        .unwrap();
    let Some(InvoiceEvent::InvoiceIssued { cfdi, totals, .. }) = events.first() else {
        panic!("not issued: {events:?}");
    };
    let expected = CfdiParties {
        issuer: issuer(),
        receiver_rfc: "EKU9003173C9".into(),
        receiver: SatReceiver {
            cfdi_use: "G01".into(),
            ..receiver()
        },
        payment: SatPaymentTerms {
            cfdi_use: None,
            ..pue_by_transfer()
        },
    };
    assert_eq!(cfdi.as_deref(), Some(&expected));
    // 1,000.00 + IVA 160.00 - ISR 100.00.
    assert_eq!(totals.total, dec!(1060.00));
}

#[test]
fn issuing_in_mexico_needs_the_issuer_the_receiver_and_keyed_lines() {
    InvoiceTest::with(())
        .given(vec![created(), keyed_line()])
        .when(issue_in_mexico(None, Some(receiver())))
        .then_expect_error(InvoiceError::Sat(SatError::IssuerMissing));
    InvoiceTest::with(())
        .given(vec![created(), keyed_line()])
        .when(issue_in_mexico(Some(issuer()), None))
        .then_expect_error(InvoiceError::Sat(SatError::ReceiverMissing));
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(issue_in_mexico(Some(issuer()), Some(receiver())))
        .then_expect_error(InvoiceError::Sat(SatError::MissingLineKeys { line: 1 }));
}

#[test]
fn outside_mexico_an_invoice_records_no_cfdi() {
    let mut draft = Invoice::default();
    for event in [created(), keyed_line()] {
        draft.fold(event);
    }
    let events = draft.decide(issue_for(Jurisdiction::Other, None)).unwrap();
    assert!(matches!(
        events.first(),
        Some(InvoiceEvent::InvoiceIssued { cfdi: None, .. })
    ));
}

/// The events of an invoice issued under MX: created, one keyed line, issued
/// with its CFDI parties.
pub(super) fn issued_in_mexico() -> Vec<InvoiceEvent> {
    let mut draft = Invoice::default();
    let mut events = vec![created(), keyed_line()];
    for event in events.clone() {
        draft.fold(event);
    }
    let issued = draft
        .decide(issue_in_mexico(Some(issuer()), Some(receiver())))
        .unwrap();
    events.extend(issued);
    events
}
