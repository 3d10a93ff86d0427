//! Invoices in a currency foreign to the tenant's books: the rate they are
//! booked at, and their totals converted once.

use cqrs_es::test::TestFramework;
use rust_decimal_macros::dec;

use super::tests::{created, credit, date, issue_for, line_added, state};
use super::*;
use crate::exchange::{AccountingTotals, Books, DatedRate, ExchangeRate, ExchangeRateError};
use crate::settings::Jurisdiction;

type InvoiceTest = TestFramework<Invoice>;

fn usd() -> Currency {
    Currency::from_code("USD").unwrap()
}

/// The draft (in EUR) issued for books kept in dollars, with `rate`.
fn issue_in_dollar_books(rate: Option<DatedRate>) -> InvoiceCommand {
    let mut issue = issue_for(Jurisdiction::Other, None);
    if let InvoiceCommand::Issue { books, .. } = &mut issue {
        *books = Books {
            currency: Some(usd()),
            rate,
        };
    }
    issue
}

fn eur_usd(rate: rust_decimal::Decimal) -> DatedRate {
    DatedRate {
        rate: ExchangeRate {
            to: usd(),
            rate,
            source: Some("ECB reference rate".into()),
        },
        date: date(1),
    }
}

#[test]
fn a_foreign_invoice_records_its_totals_in_the_books_currency() {
    // Given a draft of 1,000.00 EUR + 19% VAT, books in USD
    let draft = state(vec![created(), line_added()]);
    // When it is issued at 1.0842 USD per EUR
    let events = draft
        .decide(issue_in_dollar_books(Some(eur_usd(dec!(1.0842)))))
        .unwrap();
    // Then the event records the rate and each total converted once
    let InvoiceEvent::InvoiceIssued { accounting, .. } = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(
        accounting.as_ref(),
        Some(&AccountingTotals {
            exchange_rate: eur_usd(dec!(1.0842)),
            net_total: dec!(1084.20),
            tax_total: dec!(206.00), // 205.998
            total: dec!(1290.20),    // 1290.198
        })
    );
}

#[test]
fn a_foreign_invoice_without_a_rate_is_refused() {
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(issue_in_dollar_books(None))
        .then_expect_error(InvoiceError::ExchangeRate(ExchangeRateError::Required {
            from: Currency::from_code("EUR").unwrap(),
            to: usd(),
            date: date(1),
        }));
}

#[test]
fn an_invoice_in_the_books_currency_records_no_rate() {
    let mut in_euro_books = issue_for(Jurisdiction::Other, None);
    if let InvoiceCommand::Issue { books, .. } = &mut in_euro_books {
        books.currency = Some(Currency::from_code("EUR").unwrap());
    }
    let events = state(vec![created(), line_added()])
        .decide(in_euro_books)
        .unwrap();
    assert!(
        matches!(
            &events[0],
            InvoiceEvent::InvoiceIssued {
                accounting: None,
                ..
            }
        ),
        "{events:?}"
    );
}

#[test]
fn a_rate_stated_for_an_invoice_in_the_books_currency_is_refused() {
    let mut stated = issue_for(Jurisdiction::Other, None);
    if let InvoiceCommand::Issue { books, .. } = &mut stated {
        *books = Books {
            currency: Some(Currency::from_code("EUR").unwrap()),
            rate: Some(eur_usd(dec!(1.0842))),
        };
    }
    InvoiceTest::with(())
        .given(vec![created(), line_added()])
        .when(stated)
        .then_expect_error(InvoiceError::ExchangeRate(ExchangeRateError::NotForeign(
            Currency::from_code("EUR").unwrap(),
        )));
}

#[test]
fn a_credit_note_of_a_foreign_invoice_is_converted_at_the_invoice_s_rate() {
    // Given the invoice issued at 1.0842 USD per EUR
    let mut invoice = state(vec![created(), line_added()]);
    for event in invoice
        .decide(issue_in_dollar_books(Some(eur_usd(dec!(1.0842)))))
        .unwrap()
    {
        invoice.fold(event);
    }
    // When 119.00 EUR is credited (100.00 + 19.00 VAT)
    let events = invoice.decide(credit(dec!(119))).unwrap();
    // Then its totals are converted at the invoice's rate, each once
    let InvoiceEvent::CreditNoteIssued { accounting, .. } = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(
        accounting.as_ref(),
        Some(&AccountingTotals {
            exchange_rate: eur_usd(dec!(1.0842)),
            net_total: dec!(108.42),
            tax_total: dec!(20.60), // 20.5998
            total: dec!(129.02),    // 129.0198
        })
    );
}
