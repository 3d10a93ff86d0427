//! Given-when-then tests for every invoice rule.

use chrono::{NaiveDate, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use uuid::Uuid;

use super::*;
use crate::customer::CustomerStanding;
use crate::document_number::{DatingError, NumberDating};
use crate::exchange::Books;
use crate::money::RoundingMode;
use crate::pricing::{Discount, LineError, PriceBasis, PricedLine, TaxRoundingScope};
use crate::settings::Jurisdiction;
use crate::tax::{TaxRate, TaxTreatment, VatCategory, VatExemption};

type InvoiceTest = TestFramework<Invoice>;

pub(super) const TENANT: TenantId = TenantId::from_uuid(Uuid::from_u128(1));
pub(super) const INVOICE: InvoiceId = InvoiceId::from_uuid(Uuid::from_u128(2));
pub(super) const CUSTOMER: CustomerId = CustomerId::from_uuid(Uuid::from_u128(3));
pub(super) const LINE: LineId = LineId::from_uuid(Uuid::from_u128(10));
pub(super) const PAYMENT: PaymentId = PaymentId::from_uuid(Uuid::from_u128(20));

fn eur() -> Currency {
    Currency::from_code("EUR").unwrap()
}

pub(super) fn eur_amount(amount: Decimal) -> Money {
    Money::new(amount, eur())
}

pub(super) fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, day).unwrap()
}

/// Numbered documents dated in March 2026, checked on the 20th with no number
/// before them.
pub(super) fn dating() -> NumberDating {
    NumberDating {
        today: date(20),
        previous: None,
    }
}

pub(super) fn consulting() -> LineItem {
    LineItem {
        description: "Consulting".into(),
        quantity: dec!(10),
        unit_price: dec!(100),
        discount: None,
        taxes: vec![TaxRate {
            code: "VAT".into(),
            percent: dec!(19),
            treatment: TaxTreatment::Standard,
            category: None,
            exemption: None,
        }],
        price_basis: Default::default(),
        sat: None,
    }
}

pub(super) fn created() -> InvoiceEvent {
    InvoiceEvent::DraftCreated {
        tenant_id: TENANT,
        invoice_id: INVOICE,
        customer_id: CUSTOMER,
        currency: eur(),
        due_terms: DueTerms::NetDays { days: 30 },
        notes: None,
        price_basis: PriceBasis::Net,
    }
}

pub(super) fn line_added() -> InvoiceEvent {
    InvoiceEvent::LineAdded {
        line_id: LINE,
        item: consulting(),
    }
}

pub(super) fn number(sequence: u64) -> DocumentNumber {
    DocumentNumber {
        series: "A".into(),
        sequence,
    }
}

pub(super) fn issued() -> InvoiceEvent {
    let mut draft = Invoice::default();
    draft.fold(created());
    draft.fold(line_added());
    draft
        .decide(InvoiceCommand::Issue {
            number: number(1),
            issue_date: date(1),
            rounding: RoundingPolicy::default(),
            dating: dating(),
            customer_standing: CustomerStanding::Active,
            jurisdiction: Jurisdiction::Other,
            buyer_vat_id: None,
            cfdi: Default::default(),
            prepaid: None,
            books: Books::default(),
        })
        .unwrap()
        .remove(0)
}

pub(super) fn paid(amount: Decimal, due_after: Decimal) -> InvoiceEvent {
    InvoiceEvent::PaymentRecorded {
        payment_id: PAYMENT,
        amount: eur_amount(amount),
        received_on: date(5),
        method: PaymentMethod::BankTransfer,
        reference: None,
        amount_due_after: due_after,
        credit_after: Decimal::ZERO,
        booking: None,
    }
}

pub(super) fn pay(amount: Decimal) -> InvoiceCommand {
    InvoiceCommand::RecordPayment {
        payment_id: PaymentId(Uuid::from_u128(21)),
        amount: eur_amount(amount),
        received_on: date(6),
        method: PaymentMethod::Card,
        reference: Some("  ".into()),
        books: Books::default(),
    }
}

pub(super) fn state(events: Vec<InvoiceEvent>) -> Invoice {
    let mut invoice = Invoice::default();
    for e in events {
        invoice.fold(e);
    }
    invoice
}

#[test]
fn a_draft_is_created_for_a_customer_in_one_currency() {
    InvoiceTest::with(())
        .given_no_previous_events()
        .when(InvoiceCommand::CreateDraft {
            tenant_id: TENANT,
            invoice_id: INVOICE,
            customer_id: CUSTOMER,
            customer_standing: CustomerStanding::Active,
            currency: eur(),
            due_terms: DueTerms::NetDays { days: 30 },
            notes: Some("  ".into()),
            price_basis: PriceBasis::Net,
        })
        .then_expect_events(vec![created()]);
}

#[test]
fn creating_the_same_invoice_twice_is_a_conflict() {
    InvoiceTest::with(())
        .given(vec![created()])
        .when(InvoiceCommand::CreateDraft {
            tenant_id: TENANT,
            invoice_id: INVOICE,
            customer_id: CUSTOMER,
            customer_standing: CustomerStanding::Active,
            currency: eur(),
            due_terms: DueTerms::NetDays { days: 30 },
            notes: None,
            price_basis: PriceBasis::Net,
        })
        .then_expect_error(InvoiceError::AlreadyCreated);
}

fn create_for(customer_standing: CustomerStanding) -> InvoiceCommand {
    InvoiceCommand::CreateDraft {
        tenant_id: TENANT,
        invoice_id: INVOICE,
        customer_id: CUSTOMER,
        customer_standing,
        currency: eur(),
        due_terms: DueTerms::NetDays { days: 30 },
        notes: None,
        price_basis: PriceBasis::Net,
    }
}

#[test]
fn an_unknown_or_archived_customer_cannot_be_invoiced() {
    InvoiceTest::with(())
        .given_no_previous_events()
        .when(create_for(CustomerStanding::Unknown))
        .then_expect_error(InvoiceError::CustomerNotFound(CUSTOMER));
    InvoiceTest::with(())
        .given_no_previous_events()
        .when(create_for(CustomerStanding::Archived))
        .then_expect_error(InvoiceError::CustomerArchived(CUSTOMER));
}

#[test]
fn payment_terms_over_a_year_are_refused() {
    InvoiceTest::with(())
        .given(vec![created()])
        .when(InvoiceCommand::UpdateDraftTerms {
            due_terms: DueTerms::NetDays { days: 366 },
            notes: None,
        })
        .then_expect_error(InvoiceError::InvalidNetDays(366));
}

#[test]
fn draft_terms_and_notes_can_change() {
    InvoiceTest::with(())
        .given(vec![created()])
        .when(InvoiceCommand::UpdateDraftTerms {
            due_terms: DueTerms::OnDate { date: date(20) },
            notes: Some(" PO 7 ".into()),
        })
        .then_expect_events(vec![InvoiceEvent::DraftTermsUpdated {
            due_terms: DueTerms::OnDate { date: date(20) },
            notes: Some("PO 7".into()),
        }]);
}

#[test]
fn commands_on_an_unknown_invoice_are_not_found() {
    InvoiceTest::with(())
        .given_no_previous_events()
        .when(InvoiceCommand::AddLine {
            line_id: LINE,
            line: consulting().into(),
        })
        .then_expect_error(InvoiceError::NotFound);
    InvoiceTest::with(())
        .given_no_previous_events()
        .when(pay(dec!(1)))
        .then_expect_error(InvoiceError::NotFound);
}

#[test]
fn lines_are_added_changed_and_removed_on_a_draft() {
    InvoiceTest::with(())
        .given(vec![created()])
        .when(InvoiceCommand::AddLine {
            line_id: LINE,
            line: consulting().into(),
        })
        .then_expect_events(vec![line_added()]);
    let changed = LineItem {
        discount: Some(Discount::Percent { percent: dec!(5) }),
        ..consulting()
    };
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(InvoiceCommand::ChangeLine {
            line_id: LINE,
            line: changed.clone().into(),
        })
        .then_expect_events(vec![InvoiceEvent::LineChanged {
            line_id: LINE,
            item: changed,
        }]);
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(InvoiceCommand::RemoveLine { line_id: LINE })
        .then_expect_events(vec![InvoiceEvent::LineRemoved { line_id: LINE }]);
}

#[test]
fn a_line_id_cannot_be_used_twice() {
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(InvoiceCommand::AddLine {
            line_id: LINE,
            line: consulting().into(),
        })
        .then_expect_error(InvoiceError::DuplicateLine(LINE));
}

#[test]
fn changing_or_removing_a_missing_line_is_not_found() {
    InvoiceTest::with(())
        .given(vec![created()])
        .when(InvoiceCommand::ChangeLine {
            line_id: LINE,
            line: consulting().into(),
        })
        .then_expect_error(InvoiceError::LineNotFound(LINE));
    InvoiceTest::with(())
        .given(vec![created()])
        .when(InvoiceCommand::RemoveLine { line_id: LINE })
        .then_expect_error(InvoiceError::LineNotFound(LINE));
}

#[test]
fn an_invalid_line_is_refused() {
    let bad = LineItem {
        quantity: dec!(0),
        ..consulting()
    };
    InvoiceTest::with(())
        .given(vec![created()])
        .when(InvoiceCommand::AddLine {
            line_id: LINE,
            line: bad.into(),
        })
        .then_expect_error(InvoiceError::Line(LineError::InvalidQuantity(dec!(0))));
}

#[test]
fn a_draft_holds_at_most_500_lines() {
    let mut events = vec![created()];
    for i in 0..MAX_LINES {
        events.push(InvoiceEvent::LineAdded {
            line_id: LineId(Uuid::from_u128(1000 + i as u128)),
            item: consulting(),
        });
    }
    InvoiceTest::with(())
        .given(events)
        .when(InvoiceCommand::AddLine {
            line_id: LINE,
            line: consulting().into(),
        })
        .then_expect_error(InvoiceError::TooManyLines { max: MAX_LINES });
}

#[test]
fn issuing_freezes_the_totals_and_records_the_rounding_policy() {
    let expected = InvoiceEvent::InvoiceIssued {
        number: number(1),
        issue_date: date(1),
        due_date: date(31),
        rounding: RoundingPolicy::default(),
        lines: vec![IssuedLine {
            line_id: LINE,
            item: consulting(),
            priced: PricedLine {
                discount_amount: dec!(0.00),
                net_amount: dec!(1000.00),
                tax_amount: dec!(190.00),
                total_amount: dec!(1190.00),
            },
        }],
        adjustments: Vec::new(),
        prepaid: None,
        accounting: None,
        cfdi: None,
        totals: DocumentTotals {
            net_total: dec!(1000.00),
            tax_total: dec!(190.00),
            total: dec!(1190.00),
            tax_totals: vec![crate::pricing::TaxTotal {
                tax: consulting().taxes[0].clone(),
                taxable_base: dec!(1000.00),
                amount: dec!(190.00),
            }],
        },
    };
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(InvoiceCommand::Issue {
            number: number(1),
            issue_date: date(1),
            rounding: RoundingPolicy::default(),
            dating: dating(),
            customer_standing: CustomerStanding::Active,
            jurisdiction: Jurisdiction::Other,
            buyer_vat_id: None,
            cfdi: Default::default(),
            prepaid: None,
            books: Books::default(),
        })
        .then_expect_events(vec![expected]);
}

#[test]
fn an_invoice_without_lines_cannot_be_issued() {
    InvoiceTest::with(())
        .given(vec![created()])
        .when(InvoiceCommand::Issue {
            number: number(1),
            issue_date: date(1),
            rounding: RoundingPolicy::default(),
            dating: dating(),
            customer_standing: CustomerStanding::Active,
            jurisdiction: Jurisdiction::Other,
            buyer_vat_id: None,
            cfdi: Default::default(),
            prepaid: None,
            books: Books::default(),
        })
        .then_expect_error(InvoiceError::NoLines);
}

#[test]
fn a_due_date_before_the_issue_date_is_refused() {
    InvoiceTest::with(())
        .given(vec![
            created(),
            line_added(),
            InvoiceEvent::DraftTermsUpdated {
                due_terms: DueTerms::OnDate { date: date(1) },
                notes: None,
            },
        ])
        .when(InvoiceCommand::Issue {
            number: number(1),
            issue_date: date(2),
            rounding: RoundingPolicy::default(),
            dating: dating(),
            customer_standing: CustomerStanding::Active,
            jurisdiction: Jurisdiction::Other,
            buyer_vat_id: None,
            cfdi: Default::default(),
            prepaid: None,
            books: Books::default(),
        })
        .then_expect_error(InvoiceError::DueBeforeIssue {
            issue_date: date(2),
            due_date: date(1),
        });
}

#[test]
fn an_invoice_whose_withholdings_exceed_its_value_cannot_be_issued() {
    let item = LineItem {
        taxes: vec![
            TaxRate {
                code: "ISR".into(),
                percent: dec!(100),
                treatment: TaxTreatment::Withholding,
                category: None,
                exemption: None,
            },
            TaxRate {
                code: "IVA-RET".into(),
                percent: dec!(50),
                treatment: TaxTreatment::Withholding,
                category: None,
                exemption: None,
            },
        ],
        ..consulting()
    };
    InvoiceTest::with(())
        .given(vec![
            created(),
            InvoiceEvent::LineAdded {
                line_id: LINE,
                item,
            },
        ])
        .when(InvoiceCommand::Issue {
            number: number(1),
            issue_date: date(1),
            rounding: RoundingPolicy::default(),
            dating: dating(),
            customer_standing: CustomerStanding::Active,
            jurisdiction: Jurisdiction::Other,
            buyer_vat_id: None,
            cfdi: Default::default(),
            prepaid: None,
            books: Books::default(),
        })
        .then_expect_error(InvoiceError::NegativeTotal(eur_amount(dec!(-500.00))));
}

#[test]
fn numbering_is_chronological_and_never_dated_in_the_future() {
    let issue = |issue_date: NaiveDate, previous: Option<NaiveDate>| InvoiceCommand::Issue {
        number: number(2),
        issue_date,
        rounding: RoundingPolicy::default(),
        dating: NumberDating {
            today: date(20),
            previous,
        },
        customer_standing: CustomerStanding::Active,
        jurisdiction: Jurisdiction::Other,
        buyer_vat_id: None,
        cfdi: Default::default(),
        prepaid: None,
        books: Books::default(),
    };
    // Given number A-1 dated the 10th, When A-2 is dated the 9th, Then refused
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(issue(date(9), Some(date(10))))
        .then_expect_error(InvoiceError::Dating(DatingError::NotChronological {
            date: date(9),
            previous: date(10),
        }));
    // When it is dated after today, Then refused
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(issue(date(21), Some(date(10))))
        .then_expect_error(InvoiceError::Dating(DatingError::InTheFuture {
            date: date(21),
            today: date(20),
        }));
    // When it is dated the same day as A-1, or today, Then it is issued
    for fine in [date(10), date(20)] {
        let mut draft = Invoice::default();
        draft.fold(created());
        draft.fold(line_added());
        assert!(draft.decide(issue(fine, Some(date(10)))).is_ok(), "{fine}");
    }
}

#[test]
fn payments_refunds_credit_notes_and_voiding_are_not_dated_before_what_they_follow() {
    // Given an invoice issued on the 1st... (a draft with a payment is impossible,
    // so every check below is against issued(), dated the 1st)
    let before = NaiveDate::from_ymd_opt(2026, 2, 28).unwrap();
    let refused = |what: &str, since: NaiveDate| InvoiceError::DatedBefore {
        what: what.into(),
        date: before,
        since,
    };
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(InvoiceCommand::RecordPayment {
            payment_id: PAYMENT,
            amount: eur_amount(dec!(100)),
            received_on: before,
            method: PaymentMethod::Card,
            reference: None,
            books: Books::default(),
        })
        .then_expect_error(refused("a payment", date(1)));
    let mut credit_before = credit(dec!(10));
    if let InvoiceCommand::IssueCreditNote { issue_date, .. } = &mut credit_before {
        *issue_date = before;
    }
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(credit_before)
        .then_expect_error(refused("a credit note", date(1)));
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(InvoiceCommand::Void {
            reason: "wrong customer".into(),
            voided_on: before,
            jurisdiction: Jurisdiction::Other,
            sat: None,
        })
        .then_expect_error(refused("voiding", date(1)));
    // And a refund is not dated before the payment it gives back (the 5th)
    InvoiceTest::with(())
        .given(vec![
            created(),
            line_added(),
            issued(),
            paid(dec!(100), dec!(1090)),
        ])
        .when(InvoiceCommand::RefundPayment {
            refund_id: RefundId(Uuid::from_u128(31)),
            payment_id: PAYMENT,
            amount: eur_amount(dec!(10)),
            refunded_on: date(4),
            reason: "goodwill".into(),
        })
        .then_expect_error(InvoiceError::DatedBefore {
            what: "a refund".into(),
            date: date(4),
            since: date(5),
        });
}

#[test]
fn a_customer_archived_after_the_draft_was_created_is_not_invoiced() {
    let issue = |customer_standing| InvoiceCommand::Issue {
        number: number(1),
        issue_date: date(1),
        rounding: RoundingPolicy::default(),
        dating: dating(),
        customer_standing,
        jurisdiction: Jurisdiction::Other,
        buyer_vat_id: None,
        cfdi: Default::default(),
        prepaid: None,
        books: Books::default(),
    };
    // Given a draft for a customer archived since, When it is issued, Then refused
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(issue(CustomerStanding::Archived))
        .then_expect_error(InvoiceError::CustomerArchived(CUSTOMER));
    // And a customer that vanished (another tenant's, erased) is not found
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(issue(CustomerStanding::Unknown))
        .then_expect_error(InvoiceError::CustomerNotFound(CUSTOMER));
}

#[test]
fn a_malformed_series_is_refused_at_issue() {
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(InvoiceCommand::Issue {
            number: DocumentNumber {
                series: "a".into(),
                sequence: 1,
            },
            issue_date: date(1),
            rounding: RoundingPolicy::default(),
            dating: dating(),
            customer_standing: CustomerStanding::Active,
            jurisdiction: Jurisdiction::Other,
            buyer_vat_id: None,
            cfdi: Default::default(),
            prepaid: None,
            books: Books::default(),
        })
        .then_expect_error(InvoiceError::Series(crate::document_number::InvalidSeries(
            "a".into(),
        )));
}

#[test]
fn an_issued_invoice_can_no_longer_be_edited_or_issued_again() {
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(InvoiceCommand::AddLine {
            line_id: LineId(Uuid::from_u128(11)),
            line: consulting().into(),
        })
        .then_expect_error(InvoiceError::NotADraft {
            status: DocumentStatus::Issued,
        });
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(InvoiceCommand::Issue {
            number: number(2),
            issue_date: date(1),
            rounding: RoundingPolicy::default(),
            dating: dating(),
            customer_standing: CustomerStanding::Active,
            jurisdiction: Jurisdiction::Other,
            buyer_vat_id: None,
            cfdi: Default::default(),
            prepaid: None,
            books: Books::default(),
        })
        .then_expect_error(InvoiceError::NotADraft {
            status: DocumentStatus::Issued,
        });
}

#[test]
fn sending_needs_an_issued_invoice_and_a_recipient() {
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(InvoiceCommand::MarkSent {
            sent_at: at,
            recipients: vec!["ap@acme.example".into()],
            delivery: Delivery::Recorded,
        })
        .then_expect_error(InvoiceError::NotIssued {
            status: DocumentStatus::Draft,
        });
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(InvoiceCommand::MarkSent {
            sent_at: at,
            recipients: vec!["ap@acme.example".into(), " ".into()],
            delivery: Delivery::Recorded,
        })
        .then_expect_error(InvoiceError::RecipientRequired);
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(InvoiceCommand::MarkSent {
            sent_at: at,
            recipients: vec![],
            delivery: Delivery::Recorded,
        })
        .then_expect_error(InvoiceError::RecipientRequired);
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(InvoiceCommand::MarkSent {
            sent_at: at,
            recipients: (0..11).map(|n| format!("ap{n}@acme.example")).collect(),
            delivery: Delivery::Recorded,
        })
        .then_expect_error(InvoiceError::TooManyRecipients { max: 10 });
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(InvoiceCommand::MarkSent {
            sent_at: at,
            recipients: vec![
                " ap@acme.example ".into(),
                "cfo@acme.example".into(),
                "AP@acme.example".into(),
            ],
            delivery: Delivery::Recorded,
        })
        .then_expect_events(vec![InvoiceEvent::InvoiceSent {
            sent_at: at,
            recipients: vec!["ap@acme.example".into(), "cfo@acme.example".into()],
            delivery: Delivery::Recorded,
        }]);
}

#[test]
fn an_invoice_folio_e_mails_goes_to_e_mail_addresses_only() {
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    // Given an issued invoice
    // When Folio is to e-mail it to a Peppol participant id
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(InvoiceCommand::MarkSent {
            sent_at: at,
            recipients: vec!["ap@acme.example".into(), "0088:4035811991021".into()],
            delivery: Delivery::Email,
        })
        // Then it is refused, naming the recipient
        .then_expect_error(InvoiceError::NotAnEmailAddress {
            recipient: "0088:4035811991021".into(),
        });
    // When it is only recorded as sent there, it is taken
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(InvoiceCommand::MarkSent {
            sent_at: at,
            recipients: vec!["0088:4035811991021".into()],
            delivery: Delivery::Recorded,
        })
        .then_expect_events(vec![InvoiceEvent::InvoiceSent {
            sent_at: at,
            recipients: vec!["0088:4035811991021".into()],
            delivery: Delivery::Recorded,
        }]);
    // When Folio is to e-mail it to addresses, the event says so
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(InvoiceCommand::MarkSent {
            sent_at: at,
            recipients: vec![" ap@acme.example".into()],
            delivery: Delivery::Email,
        })
        .then_expect_events(vec![InvoiceEvent::InvoiceSent {
            sent_at: at,
            recipients: vec!["ap@acme.example".into()],
            delivery: Delivery::Email,
        }]);
}

#[test]
fn a_payment_reduces_the_amount_due() {
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(pay(dec!(190)))
        .then_expect_events(vec![InvoiceEvent::PaymentRecorded {
            payment_id: PaymentId(Uuid::from_u128(21)),
            amount: eur_amount(dec!(190.00)),
            received_on: date(6),
            method: PaymentMethod::Card,
            reference: None,
            amount_due_after: dec!(1000.00),
            credit_after: Decimal::ZERO,
            booking: None,
        }]);
}

#[test]
fn an_overpayment_becomes_the_customer_s_credit_on_the_invoice() {
    InvoiceTest::with(())
        .given(vec![
            created(),
            line_added(),
            issued(),
            paid(dec!(1000.00), dec!(190.00)),
        ])
        .when(pay(dec!(200)))
        .then_expect_events(vec![InvoiceEvent::PaymentRecorded {
            payment_id: PaymentId(Uuid::from_u128(21)),
            amount: eur_amount(dec!(200.00)),
            received_on: date(6),
            method: PaymentMethod::Card,
            reference: None,
            amount_due_after: dec!(0),
            credit_after: dec!(10.00),
            booking: None,
        }]);
}

#[test]
fn refunding_an_overpayment_gives_the_customer_s_credit_back() {
    let overpaid = state(vec![
        created(),
        line_added(),
        issued(),
        paid(dec!(1200.00), dec!(0)),
    ]);
    assert_eq!(overpaid.customer_credit(), dec!(10.00));
    assert_eq!(overpaid.amount_due(), dec!(0));
    InvoiceTest::with(())
        .given(vec![
            created(),
            line_added(),
            issued(),
            paid(dec!(1200.00), dec!(0)),
        ])
        .when(refund(dec!(10), "overpaid"))
        .then_expect_events(vec![InvoiceEvent::PaymentRefunded {
            refund_id: RefundId(Uuid::from_u128(30)),
            payment_id: PAYMENT,
            amount: eur_amount(dec!(10.00)),
            refunded_on: date(7),
            reason: "overpaid".into(),
            amount_due_after: dec!(0),
            credit_after: dec!(0),
            booking: None,
        }]);
}

#[test]
fn a_payment_in_another_currency_is_refused() {
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(InvoiceCommand::RecordPayment {
            payment_id: PAYMENT,
            amount: Money::new(dec!(10), Currency::from_code("USD").unwrap()),
            received_on: date(6),
            method: PaymentMethod::Cash,
            reference: None,
            books: Books::default(),
        })
        .then_expect_error(InvoiceError::CurrencyMismatch {
            invoice: eur(),
            offered: Currency::from_code("USD").unwrap(),
        });
}

#[test]
fn zero_negative_and_over_precise_payments_are_refused() {
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(pay(dec!(0)))
        .then_expect_error(InvoiceError::AmountNotPositive(eur_amount(dec!(0.00))));
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(pay(dec!(-5)))
        .then_expect_error(InvoiceError::AmountNotPositive(eur_amount(dec!(-5.00))));
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(pay(dec!(1.001)))
        .then_expect_error(InvoiceError::Money(MoneyErrorFixture::too_precise(dec!(
            1.001
        ))));
}

struct MoneyErrorFixture;
impl MoneyErrorFixture {
    fn too_precise(amount: Decimal) -> crate::money::MoneyError {
        crate::money::MoneyError::TooPrecise {
            amount,
            currency: eur(),
            minor_units: 2,
        }
    }
}

#[test]
fn a_draft_cannot_be_paid() {
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(pay(dec!(1)))
        .then_expect_error(InvoiceError::NotIssued {
            status: DocumentStatus::Draft,
        });
}

#[test]
fn the_same_payment_cannot_be_recorded_twice() {
    InvoiceTest::with(())
        .given(vec![
            created(),
            line_added(),
            issued(),
            paid(dec!(10.00), dec!(1180.00)),
        ])
        .when(InvoiceCommand::RecordPayment {
            payment_id: PAYMENT,
            amount: eur_amount(dec!(10)),
            received_on: date(6),
            method: PaymentMethod::Cash,
            reference: None,
            books: Books::default(),
        })
        .then_expect_error(InvoiceError::DuplicatePayment(PAYMENT));
}

fn refund(amount: Decimal, reason: &str) -> InvoiceCommand {
    InvoiceCommand::RefundPayment {
        refund_id: RefundId(Uuid::from_u128(30)),
        payment_id: PAYMENT,
        amount: eur_amount(amount),
        refunded_on: date(7),
        reason: reason.into(),
    }
}

#[test]
fn a_refund_gives_back_part_of_a_payment_and_raises_the_amount_due() {
    InvoiceTest::with(())
        .given(vec![
            created(),
            line_added(),
            issued(),
            paid(dec!(1190.00), dec!(0.00)),
        ])
        .when(refund(dec!(100), "damaged goods"))
        .then_expect_events(vec![InvoiceEvent::PaymentRefunded {
            refund_id: RefundId(Uuid::from_u128(30)),
            payment_id: PAYMENT,
            amount: eur_amount(dec!(100.00)),
            refunded_on: date(7),
            reason: "damaged goods".into(),
            amount_due_after: dec!(100.00),
            credit_after: Decimal::ZERO,
            booking: None,
        }]);
}

#[test]
fn a_refund_cannot_exceed_the_payment_or_lack_a_reason() {
    InvoiceTest::with(())
        .given(vec![
            created(),
            line_added(),
            issued(),
            paid(dec!(100.00), dec!(1090.00)),
        ])
        .when(refund(dec!(100.01), "x"))
        .then_expect_error(InvoiceError::OverRefund {
            refundable: eur_amount(dec!(100.00)),
            offered: eur_amount(dec!(100.01)),
        });
    InvoiceTest::with(())
        .given(vec![
            created(),
            line_added(),
            issued(),
            paid(dec!(100.00), dec!(1090.00)),
        ])
        .when(refund(dec!(1), " "))
        .then_expect_error(InvoiceError::ReasonRequired);
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(refund(dec!(1), "x"))
        .then_expect_error(InvoiceError::PaymentNotFound(PAYMENT));
}

#[test]
fn a_refund_id_cannot_be_reused() {
    let refunded = InvoiceEvent::PaymentRefunded {
        refund_id: RefundId(Uuid::from_u128(30)),
        payment_id: PAYMENT,
        amount: eur_amount(dec!(1.00)),
        refunded_on: date(7),
        reason: "x".into(),
        amount_due_after: dec!(1091.00),
        credit_after: Decimal::ZERO,
        booking: None,
    };
    InvoiceTest::with(())
        .given(vec![
            created(),
            line_added(),
            issued(),
            paid(dec!(100.00), dec!(1090.00)),
            refunded,
        ])
        .when(refund(dec!(1), "x"))
        .then_expect_error(InvoiceError::DuplicateRefund(RefundId(Uuid::from_u128(30))));
}

/// A credit note asking for `request`, numbered CN-1.
pub(super) fn credit_note(request: CreditRequest) -> InvoiceCommand {
    InvoiceCommand::IssueCreditNote {
        credit_note_id: CreditNoteId(Uuid::from_u128(40)),
        number: DocumentNumber {
            series: "CN".into(),
            sequence: 1,
        },
        request,
        issue_date: date(8),
        dating: dating(),
        reason: "discount agreed".into(),
    }
}

/// Names the VAT at `percent`.
fn vat_at(percent: Decimal) -> Option<TaxSelector> {
    Some(TaxSelector {
        code: "VAT".into(),
        percent,
        category: None,
    })
}

/// An amount-only credit note of `amount` off the 19% VAT lines.
pub(super) fn credit(amount: Decimal) -> InvoiceCommand {
    credit_note(CreditRequest::Amount {
        amount: eur_amount(amount),
        tax: vat_at(dec!(19)),
    })
}

#[test]
fn an_amount_only_credit_note_reduces_the_rate_it_names() {
    let events = Invoice::decide(
        &state(vec![created(), line_added(), issued()]),
        credit(dec!(119)),
    )
    .unwrap();
    match &events[..] {
        [InvoiceEvent::CreditNoteIssued {
            totals,
            amount_due_after,
            ..
        }] => {
            assert_eq!(totals.total, dec!(119.00));
            assert_eq!(totals.net_total, dec!(100.00));
            assert_eq!(totals.tax_total, dec!(19.00));
            assert_eq!(*amount_due_after, dec!(1071.00));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_credit_note_never_exceeds_what_the_invoice_still_asks_for() {
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(credit(dec!(1190.01)))
        .then_expect_error(InvoiceError::OverCredit {
            creditable: eur_amount(dec!(1190.00)),
            offered: eur_amount(dec!(1190.01)),
        });
}

#[test]
fn a_paid_invoice_can_be_credited_and_the_excess_becomes_the_customer_s_credit() {
    let events = Invoice::decide(
        &state(vec![
            created(),
            line_added(),
            issued(),
            paid(dec!(1000.00), dec!(190.00)),
        ]),
        credit(dec!(238)),
    )
    .unwrap();
    match &events[..] {
        [InvoiceEvent::CreditNoteIssued {
            totals,
            amount_due_after,
            credit_after,
            ..
        }] => {
            assert_eq!(totals.total, dec!(238.00));
            assert_eq!(*amount_due_after, dec!(0));
            assert_eq!(*credit_after, dec!(48.00));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_paid_invoice_cannot_be_voided() {
    InvoiceTest::with(())
        .given(vec![
            created(),
            line_added(),
            issued(),
            paid(dec!(10.00), dec!(1180.00)),
        ])
        .when(InvoiceCommand::Void {
            reason: "wrong customer".into(),
            voided_on: date(9),
            jurisdiction: Jurisdiction::Other,
            sat: None,
        })
        .then_expect_error(InvoiceError::VoidWithPayments {
            paid: eur_amount(dec!(10.00)),
        });
}

#[test]
fn voiding_needs_a_reason_and_happens_once() {
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(InvoiceCommand::Void {
            reason: "".into(),
            voided_on: date(9),
            jurisdiction: Jurisdiction::Other,
            sat: None,
        })
        .then_expect_error(InvoiceError::ReasonRequired);
    let voided = InvoiceEvent::InvoiceVoided {
        reason: "wrong customer".into(),
        voided_on: date(9),
    };
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(InvoiceCommand::Void {
            reason: " wrong customer ".into(),
            voided_on: date(9),
            jurisdiction: Jurisdiction::Other,
            sat: None,
        })
        .then_expect_events(vec![voided.clone()]);
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued(), voided])
        .when(InvoiceCommand::Void {
            reason: "again".into(),
            voided_on: date(9),
            jurisdiction: Jurisdiction::Other,
            sat: None,
        })
        .then_expect_error(InvoiceError::AlreadyVoid);
}

#[test]
fn a_draft_cannot_be_voided_and_a_void_invoice_takes_no_payment() {
    InvoiceTest::with(())
        .given(vec![created()])
        .when(InvoiceCommand::Void {
            reason: "x".into(),
            voided_on: date(9),
            jurisdiction: Jurisdiction::Other,
            sat: None,
        })
        .then_expect_error(InvoiceError::NotIssued {
            status: DocumentStatus::Draft,
        });
    InvoiceTest::with(())
        .given(vec![
            created(),
            line_added(),
            issued(),
            InvoiceEvent::InvoiceVoided {
                reason: "x".into(),
                voided_on: date(9),
            },
        ])
        .when(pay(dec!(1)))
        .then_expect_error(InvoiceError::NotIssued {
            status: DocumentStatus::Void,
        });
}

/// Voids the issued invoice on the 9th under `jurisdiction`, with `sat`.
fn void_under(jurisdiction: Jurisdiction, sat: Option<SatCancellation>) -> InvoiceCommand {
    InvoiceCommand::Void {
        reason: "issued to the wrong entity".into(),
        voided_on: date(9),
        jurisdiction,
        sat,
    }
}

const REPLACEMENT: InvoiceId = InvoiceId::from_uuid(Uuid::from_u128(4));

fn replacement(customer_id: CustomerId, status: DocumentStatus) -> Option<ReplacementInvoice> {
    Some(ReplacementInvoice {
        invoice_id: REPLACEMENT,
        customer_id: Some(customer_id),
        status,
        cfdi_uuid: None,
    })
}

#[test]
fn in_the_eu_an_issued_invoice_is_corrected_by_a_credit_note_not_voided() {
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(void_under(Jurisdiction::Eu, None))
        .then_expect_error(InvoiceError::VoidOfIssuedInvoice);
}

#[test]
fn in_mexico_a_cancellation_needs_sat_s_reason_code() {
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(void_under(Jurisdiction::Mx, None))
        .then_expect_error(InvoiceError::SatReasonRequired);
}

#[test]
fn sat_s_reason_codes_are_refused_outside_mexico() {
    let sat = SatCancellation {
        reason: SatCancellationReason::OperationNotCarriedOut,
        replacement: None,
    };
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(void_under(Jurisdiction::Other, Some(sat)))
        .then_expect_error(InvoiceError::SatReasonOutsideMexico);
}

#[test]
fn in_mexico_reason_03_cancels_without_a_replacement() {
    let sat = SatCancellation {
        reason: SatCancellationReason::OperationNotCarriedOut,
        replacement: None,
    };
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(void_under(Jurisdiction::Mx, Some(sat)))
        .then_expect_events(vec![InvoiceEvent::InvoiceCancelled {
            reason: "issued to the wrong entity".into(),
            cancelled_on: date(9),
            sat_reason: SatCancellationReason::OperationNotCarriedOut,
            replaced_by: None,
        }]);
}

#[test]
fn in_mexico_reason_01_names_an_issued_invoice_of_the_same_customer() {
    let with = |replacement| {
        void_under(
            Jurisdiction::Mx,
            Some(SatCancellation {
                reason: SatCancellationReason::ErrorsWithReplacement,
                replacement,
            }),
        )
    };
    let given = || vec![created(), line_added(), issued()];
    InvoiceTest::with(())
        .given(given())
        .when(with(None))
        .then_expect_error(InvoiceError::ReplacementRequired);
    InvoiceTest::with(())
        .given(given())
        .when(with(replacement(CUSTOMER, DocumentStatus::Draft)))
        .then_expect_error(InvoiceError::InvalidReplacement {
            invoice_id: REPLACEMENT,
            why: "it is not issued (a replacement is issued first)".into(),
        });
    let stranger = CustomerId::from_uuid(Uuid::from_u128(99));
    InvoiceTest::with(())
        .given(given())
        .when(with(replacement(stranger, DocumentStatus::Issued)))
        .then_expect_error(InvoiceError::InvalidReplacement {
            invoice_id: REPLACEMENT,
            why: "it is another customer's invoice".into(),
        });
    InvoiceTest::with(())
        .given(given())
        .when(with(Some(ReplacementInvoice {
            invoice_id: INVOICE,
            customer_id: Some(CUSTOMER),
            status: DocumentStatus::Issued,
            cfdi_uuid: None,
        })))
        .then_expect_error(InvoiceError::InvalidReplacement {
            invoice_id: INVOICE,
            why: "an invoice cannot replace itself".into(),
        });
    InvoiceTest::with(())
        .given(given())
        .when(with(replacement(CUSTOMER, DocumentStatus::Sent)))
        .then_expect_events(vec![InvoiceEvent::InvoiceCancelled {
            reason: "issued to the wrong entity".into(),
            cancelled_on: date(9),
            sat_reason: SatCancellationReason::ErrorsWithReplacement,
            replaced_by: Some(REPLACEMENT),
        }]);
}

#[test]
fn in_mexico_only_reason_01_names_a_replacement() {
    let sat = SatCancellation {
        reason: SatCancellationReason::ErrorsWithoutReplacement,
        replacement: replacement(CUSTOMER, DocumentStatus::Issued),
    };
    InvoiceTest::with(())
        .given(vec![created(), line_added(), issued()])
        .when(void_under(Jurisdiction::Mx, Some(sat)))
        .then_expect_error(InvoiceError::ReplacementWithoutReason01);
}

#[test]
fn a_credited_invoice_cannot_be_voided() {
    let credited = Invoice::decide(
        &state(vec![created(), line_added(), issued()]),
        credit(dec!(10)),
    )
    .unwrap();
    let mut given = vec![created(), line_added(), issued()];
    given.extend(credited);
    InvoiceTest::with(())
        .given(given)
        .when(InvoiceCommand::Void {
            reason: "x".into(),
            voided_on: date(9),
            jurisdiction: Jurisdiction::Other,
            sat: None,
        })
        .then_expect_error(InvoiceError::VoidWithCreditNotes);
}

#[test]
fn the_rounding_policy_recorded_at_issue_is_the_one_replay_uses() {
    let half_up = RoundingPolicy {
        mode: RoundingMode::HalfUp,
        scope: TaxRoundingScope::PerTaxCategory,
    };
    let mut draft = state(vec![created(), line_added()]);
    let events = draft
        .decide(InvoiceCommand::Issue {
            number: number(1),
            issue_date: date(1),
            rounding: half_up,
            dating: dating(),
            customer_standing: CustomerStanding::Active,
            jurisdiction: Jurisdiction::Other,
            buyer_vat_id: None,
            cfdi: Default::default(),
            prepaid: None,
            books: Books::default(),
        })
        .unwrap();
    for e in events {
        draft.fold(e);
    }
    assert_eq!(draft.rounding, Some(half_up));
}

proptest! {
    /// Whatever mix of payments, refunds and credit notes is attempted, what is
    /// due and what is held for the customer always equal the documents less
    /// the money, and nothing is credited beyond the invoice.
    #[test]
    fn the_customer_balance_is_always_the_documents_less_the_money(ops in prop::collection::vec((0u8..3, 1i64..80_000), 1..30)) {
        let mut invoice = state(vec![created(), line_added(), issued()]);
        for (i, (kind, cents)) in ops.into_iter().enumerate() {
            let amount = eur_amount(Decimal::new(cents, 2));
            let n = 1000 + i as u128;
            let command = match kind {
                0 => InvoiceCommand::RecordPayment { payment_id: PaymentId(Uuid::from_u128(n)), amount, received_on: date(3), method: PaymentMethod::Cash, reference: None, books: Books::default() },
                1 => match invoice.payments.first() {
                    Some(p) => InvoiceCommand::RefundPayment { refund_id: RefundId(Uuid::from_u128(n)), payment_id: p.payment_id, amount, refunded_on: date(3), reason: "r".into() },
                    None => continue,
                },
                _ => InvoiceCommand::IssueCreditNote { credit_note_id: CreditNoteId(Uuid::from_u128(n)), number: DocumentNumber { series: "CN".into(), sequence: n as u64 }, request: CreditRequest::Amount { amount, tax: vat_at(dec!(19)) }, issue_date: date(3), dating: dating(), reason: "r".into() },
            };
            if let Ok(events) = invoice.decide(command) {
                for e in events {
                    if let InvoiceEvent::PaymentRecorded { amount_due_after, credit_after, .. }
                        | InvoiceEvent::PaymentRefunded { amount_due_after, credit_after, .. }
                        | InvoiceEvent::CreditNoteIssued { amount_due_after, credit_after, .. } = &e {
                        invoice.fold(e.clone());
                        prop_assert_eq!(*amount_due_after, invoice.amount_due());
                        prop_assert_eq!(*credit_after, invoice.customer_credit());
                    }
                }
            }
            prop_assert!(invoice.amount_due() >= Decimal::ZERO && invoice.customer_credit() >= Decimal::ZERO);
            prop_assert!(invoice.amount_due().is_zero() || invoice.customer_credit().is_zero());
            prop_assert!(invoice.amount_credited() <= dec!(1190.00));
            // The customer's balance is the documents less the money: what is due
            // less what is held for the customer.
            prop_assert_eq!(invoice.amount_due() - invoice.customer_credit(), dec!(1190.00) - invoice.amount_credited() - invoice.amount_paid());
        }
    }
}

/// A deduction line: `quantity` (negative) of `unit_price` at 19% VAT.
fn deduction(quantity: Decimal, unit_price: Decimal) -> InvoiceEvent {
    InvoiceEvent::LineAdded {
        line_id: LineId(Uuid::from_u128(11)),
        item: LineItem {
            description: "Deposit invoiced on A-000001".into(),
            quantity,
            unit_price,
            ..consulting()
        },
    }
}

#[test]
fn a_deposit_invoiced_before_is_deducted_by_a_negative_line() {
    let events = state(vec![
        created(),
        line_added(),
        deduction(dec!(-1), dec!(300)),
    ])
    .decide(issue_for(Jurisdiction::Other, None))
    .unwrap();
    let InvoiceEvent::InvoiceIssued { totals, lines, .. } = &events[0] else {
        panic!("not issued: {events:?}");
    };
    // 1,000 − 300 = 700 net, 133 VAT: the deduction reduces the VAT too.
    assert_eq!(
        (totals.net_total, totals.tax_total, totals.total),
        (dec!(700.00), dec!(133.00), dec!(833.00))
    );
    assert_eq!(lines[1].priced.total_amount, dec!(-357.00));
}

#[test]
fn deductions_beyond_what_a_rate_sells_are_refused() {
    InvoiceTest::with(())
        .given(vec![
            created(),
            line_added(),
            deduction(dec!(-2), dec!(600)),
        ])
        .when(issue_for(Jurisdiction::Other, None))
        .then_expect_error(InvoiceError::NegativeTotal(eur_amount(dec!(-238.00))));
    let seven_percent_sale = InvoiceEvent::LineAdded {
        line_id: LineId(Uuid::from_u128(12)),
        item: LineItem {
            description: "Books".into(),
            quantity: dec!(1),
            unit_price: dec!(500),
            discount: None,
            taxes: vec![TaxRate {
                code: "VAT".into(),
                percent: dec!(7),
                treatment: TaxTreatment::Standard,
                category: None,
                exemption: None,
            }],
            price_basis: Default::default(),
            sat: None,
        },
    };
    // Overall positive, but the 19% rate would carry a negative base.
    InvoiceTest::with(())
        .given(vec![
            created(),
            seven_percent_sale,
            deduction(dec!(-1), dec!(100)),
        ])
        .when(issue_for(Jurisdiction::Other, None))
        .then_expect_error(InvoiceError::NegativeTaxBase {
            tax: "VAT 19%".into(),
            base: eur_amount(dec!(-100.00)),
        });
}

#[test]
fn a_deduction_takes_no_discount_and_a_line_never_has_zero_quantity() {
    let discounted = LineItem {
        quantity: dec!(-1),
        discount: Some(Discount::Percent { percent: dec!(10) }),
        ..consulting()
    };
    InvoiceTest::with(())
        .given(vec![created()])
        .when(InvoiceCommand::AddLine {
            line_id: LINE,
            line: discounted.into(),
        })
        .then_expect_error(InvoiceError::Line(LineError::DiscountOnDeduction));
    let nothing = LineItem {
        quantity: dec!(0),
        ..consulting()
    };
    InvoiceTest::with(())
        .given(vec![created()])
        .when(InvoiceCommand::AddLine {
            line_id: LINE,
            line: nothing.into(),
        })
        .then_expect_error(InvoiceError::Line(LineError::InvalidQuantity(dec!(0))));
}

/// A line of 1,000 under `tax`.
pub(super) fn line_taxed(id: u128, tax: TaxRate) -> InvoiceEvent {
    InvoiceEvent::LineAdded {
        line_id: LineId(Uuid::from_u128(id)),
        item: LineItem {
            taxes: vec![tax],
            ..consulting()
        },
    }
}

pub(super) fn vat_in(category: VatCategory, percent: Decimal, reason: Option<&str>) -> TaxRate {
    TaxRate {
        code: "VAT".into(),
        percent,
        treatment: if percent.is_zero() {
            TaxTreatment::Exempt
        } else {
            TaxTreatment::Standard
        },
        category: Some(category),
        exemption: reason.map(|r| VatExemption {
            code: None,
            reason: Some(r.into()),
        }),
    }
}

pub(super) fn issue_for(jurisdiction: Jurisdiction, buyer_vat_id: Option<&str>) -> InvoiceCommand {
    InvoiceCommand::Issue {
        number: number(2),
        issue_date: date(1),
        rounding: RoundingPolicy::default(),
        dating: dating(),
        customer_standing: CustomerStanding::Active,
        jurisdiction,
        buyer_vat_id: buyer_vat_id.map(str::to_owned),
        cfdi: Default::default(),
        prepaid: None,
        books: Books::default(),
    }
}

#[test]
fn under_the_eu_jurisdiction_every_vat_names_its_category() {
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(issue_for(Jurisdiction::Eu, None))
        .then_expect_error(InvoiceError::VatCategoryRequired {
            tax: "VAT 19%".into(),
        });
    let events = state(vec![
        created(),
        line_taxed(30, vat_in(VatCategory::Standard, dec!(19), None)),
    ])
    .decide(issue_for(Jurisdiction::Eu, None));
    assert!(events.is_ok(), "{events:?}");
}

#[test]
fn reverse_charge_needs_the_customer_s_vat_number() {
    let given = || {
        vec![
            created(),
            line_taxed(
                31,
                vat_in(VatCategory::ReverseCharge, dec!(0), Some("Reverse charge")),
            ),
        ]
    };
    InvoiceTest::with(())
        .given(given())
        .when(issue_for(Jurisdiction::Eu, None))
        .then_expect_error(InvoiceError::BuyerVatIdRequired {
            category: "AE".into(),
        });
    let events = state(given())
        .decide(issue_for(Jurisdiction::Eu, Some("ATU13585627")))
        .unwrap();
    let InvoiceEvent::InvoiceIssued { totals, .. } = &events[0] else {
        panic!("not issued: {events:?}");
    };
    // Nothing charged: the buyer accounts for the VAT.
    assert_eq!(
        (totals.tax_total, totals.total),
        (dec!(0.00), dec!(1000.00))
    );
}

#[test]
fn an_invoice_outside_the_scope_of_vat_carries_no_other_category() {
    InvoiceTest::with(())
        .given(vec![
            created(),
            line_taxed(
                32,
                vat_in(VatCategory::NotSubject, dec!(0), Some("Outside the scope")),
            ),
            line_taxed(33, vat_in(VatCategory::Standard, dec!(19), None)),
        ])
        .when(issue_for(Jurisdiction::Eu, Some("ATU13585627")))
        .then_expect_error(InvoiceError::NotSubjectMixed);
}

fn item(quantity: Decimal, unit_price: Decimal, taxes: Vec<TaxRate>) -> LineItem {
    LineItem {
        description: "Goods".into(),
        quantity,
        unit_price,
        discount: None,
        taxes,
        price_basis: Default::default(),
        sat: None,
    }
}

fn vat(percent: Decimal) -> TaxRate {
    TaxRate {
        code: "VAT".into(),
        percent,
        treatment: TaxTreatment::Standard,
        category: None,
        exemption: None,
    }
}

fn line_id(n: u128) -> LineId {
    LineId(Uuid::from_u128(n))
}

/// An issued invoice of the given lines (ids 100, 101, ...) under `rounding`.
fn issued_with(items: Vec<LineItem>, rounding: RoundingPolicy) -> Invoice {
    let mut invoice = state(vec![created()]);
    for (n, item) in items.into_iter().enumerate() {
        invoice.fold(InvoiceEvent::LineAdded {
            line_id: line_id(100 + n as u128),
            item,
        });
    }
    let issue = InvoiceCommand::Issue {
        number: number(1),
        issue_date: date(1),
        rounding,
        dating: dating(),
        customer_standing: CustomerStanding::Active,
        jurisdiction: Jurisdiction::Other,
        buyer_vat_id: None,
        cfdi: Default::default(),
        prepaid: None,
        books: Books::default(),
    };
    for e in invoice.decide(issue).unwrap() {
        invoice.fold(e);
    }
    invoice
}

fn by_lines(lines: &[(u128, Decimal)]) -> InvoiceCommand {
    credit_note(CreditRequest::Lines(
        lines
            .iter()
            .map(|(n, quantity)| LineCredit {
                line_id: line_id(*n),
                quantity: *quantity,
            })
            .collect(),
    ))
}

/// Decides and folds a command, returning the credit note's totals.
fn credited(invoice: &mut Invoice, command: InvoiceCommand) -> DocumentTotals {
    let events = invoice.decide(command).unwrap();
    let totals = match &events[..] {
        [InvoiceEvent::CreditNoteIssued { totals, .. }] => totals.clone(),
        other => panic!("unexpected {other:?}"),
    };
    for e in events {
        invoice.fold(e);
    }
    totals
}

fn nineteen_and_seven() -> Invoice {
    issued_with(
        vec![
            item(dec!(2), dec!(100), vec![vat(dec!(19))]),
            item(dec!(4), dec!(25), vec![vat(dec!(7))]),
        ],
        RoundingPolicy::default(),
    )
}

#[test]
fn a_line_based_credit_note_reduces_only_the_returned_line_s_rate() {
    let mut invoice = nineteen_and_seven();
    let totals = credited(&mut invoice, by_lines(&[(101, dec!(1))]));
    assert_eq!(totals.net_total, dec!(25.00));
    assert_eq!(totals.tax_total, dec!(1.75));
    assert_eq!(totals.total, dec!(26.75));
    assert_eq!(totals.tax_totals.len(), 1);
    assert_eq!(totals.tax_totals[0].tax, vat(dec!(7)));
    assert_eq!(totals.tax_totals[0].taxable_base, dec!(25.00));
}

#[test]
fn crediting_a_line_in_parts_takes_back_exactly_what_it_was_invoiced() {
    // 3 × 33.33 at 19% under per-category rounding: thirds do not divide evenly.
    let mut invoice = issued_with(
        vec![item(dec!(3), dec!(33.33), vec![vat(dec!(19))])],
        RoundingPolicy {
            mode: RoundingMode::HalfUp,
            scope: TaxRoundingScope::PerTaxCategory,
        },
    );
    let issued = invoice.totals.clone();
    let mut sum = Decimal::ZERO;
    for _ in 0..3 {
        let mut next = by_lines(&[(100, dec!(1))]);
        if let InvoiceCommand::IssueCreditNote { credit_note_id, .. } = &mut next {
            *credit_note_id = CreditNoteId(Uuid::new_v4());
        }
        sum += credited(&mut invoice, next).total;
    }
    assert_eq!(sum, issued.total);
    assert_eq!(
        invoice.credited.taxes[0].amount,
        issued.tax_totals[0].amount
    );
    assert_eq!(invoice.balance(), Decimal::ZERO);
}

#[test]
fn no_line_is_credited_beyond_its_quantity_twice_or_as_a_deduction() {
    let invoice = nineteen_and_seven();
    assert_eq!(
        invoice.decide(by_lines(&[(101, dec!(4.5))])),
        Err(InvoiceError::OverCreditLine {
            line_id: line_id(101),
            creditable: dec!(4),
            offered: dec!(4.5),
        })
    );
    assert_eq!(
        invoice.decide(by_lines(&[(101, dec!(1)), (101, dec!(1))])),
        Err(InvoiceError::CreditLineRepeated(line_id(101)))
    );
    assert_eq!(
        invoice.decide(by_lines(&[(101, dec!(0))])),
        Err(InvoiceError::InvalidCreditQuantity {
            line_id: line_id(101),
            quantity: dec!(0),
        })
    );
    assert_eq!(
        invoice.decide(by_lines(&[(999, dec!(1))])),
        Err(InvoiceError::LineNotFound(line_id(999)))
    );
    assert_eq!(
        invoice.decide(by_lines(&[])),
        Err(InvoiceError::CreditLinesRequired)
    );
    let with_deposit = issued_with(
        vec![
            item(dec!(1), dec!(100), vec![vat(dec!(19))]),
            item(dec!(-1), dec!(30), vec![vat(dec!(19))]),
        ],
        RoundingPolicy::default(),
    );
    assert_eq!(
        with_deposit.decide(by_lines(&[(101, dec!(1))])),
        Err(InvoiceError::CreditOfDeduction(line_id(101)))
    );
    // The deposit left 70 of the 19% base: the whole sold line is more than that.
    assert_eq!(
        with_deposit.decide(by_lines(&[(100, dec!(1))])),
        Err(InvoiceError::OverCreditTax {
            tax: "VAT 19%".into(),
            creditable: eur_amount(dec!(70.00)),
        })
    );
}

#[test]
fn an_amount_only_credit_note_names_a_rate_the_invoice_has_and_only_unshared() {
    let invoice = nineteen_and_seven();
    let amount = |tax| {
        credit_note(CreditRequest::Amount {
            amount: eur_amount(dec!(10)),
            tax,
        })
    };
    assert_eq!(
        invoice.decide(amount(vat_at(dec!(16)))),
        Err(InvoiceError::CreditTaxNotOnInvoice {
            tax: "VAT 16%".into()
        })
    );
    assert_eq!(
        invoice.decide(amount(None)),
        Err(InvoiceError::CreditTaxRequired)
    );
    // 107.00 is what is left of the 7% lines (100 + 7); a cent more is refused.
    assert_eq!(
        invoice.decide(credit_note(CreditRequest::Amount {
            amount: eur_amount(dec!(107.01)),
            tax: vat_at(dec!(7)),
        })),
        Err(InvoiceError::OverCredit {
            creditable: eur_amount(dec!(107.00)),
            offered: eur_amount(dec!(107.01)),
        })
    );
    let withheld = issued_with(
        vec![item(
            dec!(1),
            dec!(1000),
            vec![
                TaxRate {
                    code: "IVA".into(),
                    percent: dec!(16),
                    treatment: TaxTreatment::Standard,
                    category: None,
                    exemption: None,
                },
                TaxRate {
                    code: "ISR".into(),
                    percent: dec!(10),
                    treatment: TaxTreatment::Withholding,
                    category: None,
                    exemption: None,
                },
            ],
        )],
        RoundingPolicy::default(),
    );
    assert_eq!(
        withheld.decide(amount(Some(TaxSelector {
            code: "IVA".into(),
            percent: dec!(16),
            category: None,
        }))),
        Err(InvoiceError::AmountCreditNeedsLines {
            tax: "IVA 16%".into()
        })
    );
}

#[test]
fn a_line_based_credit_takes_back_the_line_s_withholding_too() {
    let mut invoice = issued_with(
        vec![item(
            dec!(2),
            dec!(1000),
            vec![
                TaxRate {
                    code: "IVA".into(),
                    percent: dec!(16),
                    treatment: TaxTreatment::Standard,
                    category: None,
                    exemption: None,
                },
                TaxRate {
                    code: "ISR".into(),
                    percent: dec!(10),
                    treatment: TaxTreatment::Withholding,
                    category: None,
                    exemption: None,
                },
            ],
        )],
        RoundingPolicy::default(),
    );
    let totals = credited(&mut invoice, by_lines(&[(100, dec!(1))]));
    assert_eq!(totals.net_total, dec!(1000.00));
    assert_eq!(totals.tax_total, dec!(60.00));
    assert_eq!(totals.total, dec!(1060.00));
}

fn arb_item() -> impl Strategy<Value = LineItem> {
    (1i64..50, 1_000i64..100_000, 0usize..3).prop_map(|(quantity, cents, rate)| {
        item(
            Decimal::from(quantity),
            Decimal::new(cents, 3),
            vec![vat([dec!(19), dec!(7), dec!(5.5)][rate])],
        )
    })
}

proptest! {
    /// However the lines are credited, in whatever parts and under either
    /// rounding scope, no rate is ever credited beyond what was invoiced, and
    /// crediting everything takes back every figure exactly.
    #[test]
    fn crediting_every_line_in_parts_reverses_the_invoice_exactly(
        items in prop::collection::vec(arb_item(), 1..6),
        per_category in any::<bool>(),
        cuts in prop::collection::vec((0usize..6, 1i64..20), 0..12),
    ) {
        let rounding = RoundingPolicy {
            mode: RoundingMode::HalfUp,
            scope: if per_category { TaxRoundingScope::PerTaxCategory } else { TaxRoundingScope::PerLine },
        };
        let mut invoice = issued_with(items.clone(), rounding);
        let issued = invoice.totals.clone();
        let mut notes = 0u128;
        let mut credit = |invoice: &mut Invoice, lines: Vec<LineCredit>| {
            notes += 1;
            let command = InvoiceCommand::IssueCreditNote {
                credit_note_id: CreditNoteId(Uuid::from_u128(500 + notes)),
                number: DocumentNumber { series: "CN".into(), sequence: notes as u64 },
                request: CreditRequest::Lines(lines),
                issue_date: date(8),
                dating: dating(),
                reason: "returned".into(),
            };
            if let Ok(events) = invoice.decide(command) {
                for e in events { invoice.fold(e); }
            }
        };
        for (index, quantity) in cuts {
            if index < items.len() {
                credit(&mut invoice, vec![LineCredit { line_id: line_id(100 + index as u128), quantity: Decimal::from(quantity) }]);
            }
            for t in &invoice.credited.taxes {
                let of = issued.tax_totals.iter().find(|i| i.tax == t.tax).unwrap();
                prop_assert!(t.taxable_base <= of.taxable_base && t.amount <= of.amount);
            }
        }
        let rest: Vec<LineCredit> = items.iter().enumerate().filter_map(|(i, item)| {
            let done: Decimal = invoice.credited.lines.iter().filter(|l| l.line_id == line_id(100 + i as u128)).map(|l| l.quantity).sum();
            (done < item.quantity).then(|| LineCredit { line_id: line_id(100 + i as u128), quantity: item.quantity - done })
        }).collect();
        if !rest.is_empty() {
            credit(&mut invoice, rest);
        }
        prop_assert_eq!(invoice.amount_credited(), issued.total);
        for t in &issued.tax_totals {
            let c = invoice.credited.taxes.iter().find(|c| c.tax == t.tax).unwrap();
            prop_assert_eq!((c.taxable_base, c.amount), (t.taxable_base, t.amount));
        }
    }
}

#[test]
fn a_gross_line_with_two_charged_rates_is_issued_per_line_only() {
    let ieps = TaxRate {
        code: "IEPS".into(),
        ..vat(dec!(8))
    };
    let two_rates = LineItem {
        price_basis: crate::pricing::PriceBasis::Gross,
        ..item(dec!(1), dec!(124), vec![vat(dec!(16)), ieps])
    };
    let given = vec![
        created(),
        InvoiceEvent::LineAdded {
            line_id: line_id(100),
            item: two_rates,
        },
    ];
    let per_category = RoundingPolicy {
        mode: RoundingMode::HalfUp,
        scope: TaxRoundingScope::PerTaxCategory,
    };
    let issue = |rounding| {
        let mut issue = issue_for(Jurisdiction::Other, None);
        if let InvoiceCommand::Issue { rounding: r, .. } = &mut issue {
            *r = rounding;
        }
        issue
    };
    InvoiceTest::with(())
        .given(given.clone())
        .when(issue(per_category))
        .then_expect_error(InvoiceError::GrossMultiTaxPerCategory(line_id(100)));
    let events = state(given)
        .decide(issue(RoundingPolicy::default()))
        .unwrap();
    let InvoiceEvent::InvoiceIssued { totals, .. } = &events[0] else {
        panic!("not issued: {events:?}");
    };
    assert_eq!(
        (totals.net_total, totals.total),
        (dec!(100.00), dec!(124.00))
    );
}
