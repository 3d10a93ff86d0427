//! Mexico's payment complement (CFDI of type P, Pagos 2.0) checked with the
//! tools SAT and everyone else use: the sealed XML against SAT's
//! `cfdv40.xsd` and `Pagos20.xsd` (`xmllint`), Folio's cadena original
//! against what SAT's `cadenaoriginal_4_0.xslt` (which includes
//! `Pagos20.xslt`) makes of that XML (`xsltproc`); and the amounts: the
//! payment, the balances, each tax's share within the bounds SAT's rules
//! allow, for any split of the invoice into payments.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod scenario;
mod tools;

use std::process::Command;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use folio_documents::cfdi::payment::{
    complement_of, payment_form, ComplementNumber, PaymentReceived,
};
use folio_documents::cfdi::read::{read_elements, CfdiElement};
use folio_documents::cfdi::{seal_payment, CfdiError, SealedCfdi};
use folio_documents::InvoiceRecord;
use folio_domain::ids::PaymentId;
use folio_domain::invoice::PaymentMethod;
use folio_domain::sat::SatPaymentMethod;
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use scenario::Scenario;
use tools::{run, sat_files, sat_test_csd, scratch, written};

const FOLIO: &str = "9FB6ED1A-5F37-4FEF-980A-7F8C83B51894";

/// 2026-11-20 16:30 UTC: 10:30 in Mexico City.
fn sealed_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 16, 30, 0).unwrap()
}

/// The services of [`scenario::stamped_services`], issued PPD and stamped.
fn stamped_services() -> InvoiceRecord {
    services().record()
}

/// The invoice of [`stamped_services`], to go on with.
fn services() -> Scenario {
    scenario::stamped_services(FOLIO)
}

fn total(record: &InvoiceRecord) -> Decimal {
    record.issued.as_ref().unwrap().totals.total
}

/// The `installment`-th payment of `amount`, `balance_before` owed.
fn payment(amount: Decimal, installment: u32, balance_before: Decimal) -> PaymentReceived {
    PaymentReceived {
        received_at: NaiveDate::from_ymd_opt(2026, 11, 19)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap(),
        payment_form: "03".into(),
        amount,
        installment,
        balance_before,
    }
}

fn sealed(record: &InvoiceRecord, paid: &PaymentReceived) -> Result<SealedCfdi, CfdiError> {
    let number = ComplementNumber {
        serie: "P".into(),
        folio: "7".into(),
    };
    seal_payment(
        record,
        paid,
        ("ESCUELA KEMPER URGATE", &number),
        sealed_at(),
        &sat_test_csd(),
    )
}

/// The first of two payments: 40% of the invoice.
fn first_payment() -> SealedCfdi {
    let record = stamped_services();
    let owed = total(&record);
    sealed(&record, &payment((owed * dec!(0.4)).round_dp(2), 1, owed)).unwrap()
}

#[test]
fn the_payment_complement_passes_sats_schemas() {
    let dir = scratch("cfdi-pagos-xsd");
    let xml = written(&dir, "pago.xml", &first_payment().xml);
    let sat = sat_files();
    let both = format!(
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\
         <xs:import namespace=\"http://www.sat.gob.mx/cfd/4\" schemaLocation=\"{}\"/>\
         <xs:import namespace=\"http://www.sat.gob.mx/Pagos20\" schemaLocation=\"{}\"/>\
         </xs:schema>",
        sat.join("4/cfdv40.xsd").display(),
        sat.join("Pagos/Pagos20.xsd").display()
    );
    let schema = written(&dir, "both.xsd", both.as_bytes());
    run(Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema)
        .arg(xml));
}

#[test]
fn the_cadena_original_is_the_one_sats_xslt_makes_of_the_xml() {
    let sealed = first_payment();
    let dir = scratch("cfdi-pagos-cadena");
    let xml = written(&dir, "pago.xml", &sealed.xml);
    let xslt = sat_files().join("4/cadenaoriginal_4_0/cadenaoriginal_4_0.xslt");
    let sats = run(Command::new("xsltproc").arg(xslt).arg(xml));
    assert_eq!(sealed.cadena, sats);
    assert!(
        sats.starts_with("||4.0|P|7|2026-11-20T10:30:00|30001000000300023708|0|XXX|0|P|01|06600|"),
        "{sats}"
    );
}

/// The first element at `path` of the XML.
fn at<'a>(elements: &'a [CfdiElement], path: &str) -> &'a CfdiElement {
    elements
        .iter()
        .find(|element| element.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
}

fn number(element: &CfdiElement, name: &str) -> Decimal {
    element.get(name).parse().unwrap()
}

#[test]
fn the_complement_states_the_payment_the_balances_and_each_taxs_share() {
    let record = stamped_services();
    let owed = total(&record);
    let sealed = first_payment();
    let elements = read_elements(&sealed.xml).unwrap();
    let pagos = "Comprobante/Complemento/Pagos";
    let docto = at(&elements, &format!("{pagos}/Pago/DoctoRelacionado"));
    assert_eq!(docto.get("IdDocumento"), FOLIO);
    assert_eq!((docto.get("Serie"), docto.get("Folio")), ("F", "42"));
    assert_eq!(docto.get("NumParcialidad"), "1");
    let paid = number(docto, "ImpPagado");
    assert_eq!(number(docto, "ImpSaldoAnt"), owed);
    assert_eq!(number(docto, "ImpSaldoInsoluto"), owed - paid);
    assert_eq!(docto.get("ObjetoImpDR"), "02");
    let totales = at(&elements, &format!("{pagos}/Totales"));
    assert_eq!(number(totales, "MontoTotalPagos"), paid);
    // Both lines carry IVA 16%: 15,000 + 3,703.71 of base, 40% of it paid.
    let base = number(totales, "TotalTrasladosBaseIVA16");
    assert_eq!(base, (dec!(18703.71) * paid / owed).round_dp(2));
    assert_eq!(
        number(totales, "TotalTrasladosImpuestoIVA16"),
        (base * dec!(0.16)).round_dp(2)
    );
    // The consulting's 15,000 bears the withholdings.
    let withheld_base = (dec!(15000) * paid / owed).round_dp(2);
    assert_eq!(
        number(totales, "TotalRetencionesISR"),
        (withheld_base * dec!(0.1)).round_dp(2)
    );
    assert_eq!(
        number(totales, "TotalRetencionesIVA"),
        (withheld_base * dec!(0.106667)).round_dp(2)
    );
    let receptor = at(&elements, "Comprobante/Receptor");
    assert_eq!(receptor.get("UsoCFDI"), "CP01");
}

#[test]
fn a_complement_needs_a_stamped_ppd_invoice_and_a_payment_that_fits_the_balance() {
    let record = stamped_services();
    let owed = total(&record);
    let mut unstamped = record.clone();
    unstamped.stamp = None;
    assert_eq!(
        sealed(&unstamped, &payment(dec!(100), 1, owed)).unwrap_err(),
        CfdiError::NotStamped
    );
    let mut paid_at_issue = record.clone();
    let issued = paid_at_issue.issued.as_mut().unwrap();
    issued.cfdi.as_mut().unwrap().payment.payment_method = SatPaymentMethod::Pue;
    assert_eq!(
        sealed(&paid_at_issue, &payment(dec!(100), 1, owed)).unwrap_err(),
        CfdiError::PaidAtIssue
    );
    for (amount, balance) in [(dec!(0), owed), (dec!(-5), owed), (dec!(10), dec!(0))] {
        assert!(
            matches!(
                sealed(&record, &payment(amount, 1, balance)),
                Err(CfdiError::PaymentAmount { .. })
            ),
            "{amount} of {balance}"
        );
    }
}

#[test]
fn a_payment_beyond_the_balance_pays_the_balance_and_states_all_it_was() {
    let record = stamped_services();
    let owed = total(&record);
    let left = dec!(1000);
    let sealed = sealed(&record, &payment(left + dec!(250), 3, left)).unwrap();
    let elements = read_elements(&sealed.xml).unwrap();
    let pagos = "Comprobante/Complemento/Pagos";
    let pago = at(&elements, &format!("{pagos}/Pago"));
    assert_eq!(number(pago, "Monto"), dec!(1250));
    let docto = at(&elements, &format!("{pagos}/Pago/DoctoRelacionado"));
    assert_eq!(number(docto, "ImpPagado"), left);
    assert_eq!(number(docto, "ImpSaldoInsoluto"), dec!(0));
    let totales = at(&elements, &format!("{pagos}/Totales"));
    assert_eq!(number(totales, "MontoTotalPagos"), dec!(1250));
    // The taxes paid are the balance's share of the invoice's.
    let base = number(totales, "TotalTrasladosBaseIVA16");
    assert_eq!(base, (dec!(18703.71) * left / owed).round_dp(2));
}

/// Each tax part (`TrasladoDR`, `RetencionDR`) of the XML: its base, rate
/// and amount.
fn tax_parts(elements: &[CfdiElement]) -> Vec<(Decimal, Decimal, Decimal)> {
    elements
        .iter()
        .filter(|e| e.path.ends_with("/TrasladoDR") || e.path.ends_with("/RetencionDR"))
        .map(|e| {
            (
                number(e, "BaseDR"),
                number(e, "TasaOCuotaDR"),
                number(e, "ImporteDR"),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// However the invoice is split into payments, each complement's
    /// balances run down to zero, and each tax amount lies within the
    /// bounds SAT's rules give a base in cents: (base ∓ half a cent) × rate,
    /// truncated and rounded up.
    #[test]
    fn any_split_runs_the_balance_down_within_sats_bounds(
        shares in proptest::collection::vec(1u32..100, 1..5)
    ) {
        let record = stamped_services();
        let owed = total(&record);
        let weight: u32 = shares.iter().sum();
        let mut balance = owed;
        for (index, share) in shares.iter().enumerate() {
            let last = index + 1 == shares.len();
            let amount = if last {
                balance
            } else {
                (owed * Decimal::from(*share) / Decimal::from(weight)).round_dp(2)
            };
            prop_assume!(amount > Decimal::ZERO && amount <= balance);
            let paid = payment(amount, index as u32 + 1, balance);
            let sealed = sealed(&record, &paid).unwrap();
            let elements = read_elements(&sealed.xml).unwrap();
            let docto = at(&elements, "Comprobante/Complemento/Pagos/Pago/DoctoRelacionado");
            prop_assert_eq!(number(docto, "ImpSaldoInsoluto"), balance - amount);
            for (base, rate, importe) in tax_parts(&elements) {
                let half_cent = dec!(0.005);
                let low = ((base - half_cent) * rate).trunc_with_scale(2);
                let high = ((base + half_cent) * rate)
                    .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::AwayFromZero);
                prop_assert!(low <= importe && importe <= high, "{} × {} = {}", base, rate, importe);
            }
            balance -= amount;
        }
        prop_assert_eq!(balance, Decimal::ZERO);
    }
}

#[test]
fn each_payment_is_stated_with_its_installment_its_form_and_the_balance_before_it() {
    // Given a stamped PPD invoice paid in two parts, by transfer then by card
    let mut invoice = services();
    let owed = total(&invoice.record());
    invoice.pay(dec!(10000), (PaymentMethod::BankTransfer, 5), Some(1));
    let second = invoice.pay(dec!(2500.50), (PaymentMethod::Card, 6), Some(2));
    let record = invoice.record();

    // When the second payment's complement is read from the record
    let (paid, numbered) = complement_of(&record, second).unwrap();

    // Then it is the second installment, by card, from what the first left
    let noon = NaiveDate::from_ymd_opt(2026, 11, 6)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    let expected = PaymentReceived {
        received_at: noon,
        payment_form: "04".into(),
        amount: dec!(2500.50),
        installment: 2,
        balance_before: owed - dec!(10000),
    };
    assert_eq!(paid, expected);
    let serie_folio = (numbered.serie.as_str(), numbered.folio.as_str());
    assert_eq!(serie_folio, ("P", "2"));
    // And the sealed complement says so
    let sealed = seal_payment(
        &record,
        &paid,
        ("ESCUELA KEMPER URGATE", &numbered),
        sealed_at(),
        &sat_test_csd(),
    )
    .unwrap();
    let elements = read_elements(&sealed.xml).unwrap();
    let comprobante = at(&elements, "Comprobante");
    assert_eq!(
        (comprobante.get("Serie"), comprobante.get("Folio")),
        ("P", "2")
    );
    let pago = at(&elements, "Comprobante/Complemento/Pagos/Pago");
    assert_eq!(pago.get("FormaDePagoP"), "04");
    assert_eq!(pago.get("FechaPago"), "2026-11-06T12:00:00");
    let docto = at(
        &elements,
        "Comprobante/Complemento/Pagos/Pago/DoctoRelacionado",
    );
    assert_eq!(docto.get("NumParcialidad"), "2");
    assert_eq!(number(docto, "ImpSaldoAnt"), owed - dec!(10000));
}

#[test]
fn a_payment_unknown_not_numbered_or_by_other_means_has_no_complement() {
    let mut invoice = services();
    let unnumbered = invoice.pay(dec!(100), (PaymentMethod::BankTransfer, 5), None);
    let numbered = invoice.pay(dec!(100), (PaymentMethod::Cash, 5), Some(1));
    let mut record = invoice.record();
    assert_eq!(
        complement_of(&record, unnumbered).unwrap_err(),
        CfdiError::NotNumbered(unnumbered)
    );
    let unknown = PaymentId::from_uuid(uuid::Uuid::from_u128(9));
    assert_eq!(
        complement_of(&record, unknown).unwrap_err(),
        CfdiError::UnknownPayment(unknown)
    );
    // The invoice refuses such a payment; a record that had one still
    // writes no complement with a form SAT refuses.
    record.payments[1].method = PaymentMethod::Other;
    assert_eq!(
        complement_of(&record, numbered).unwrap_err(),
        CfdiError::PaymentForm(PaymentMethod::Other)
    );
}

#[test]
fn every_way_of_paying_but_other_names_a_form_sat_accepts_in_a_complement() {
    let forms: Vec<_> = [
        PaymentMethod::Cash,
        PaymentMethod::Cheque,
        PaymentMethod::BankTransfer,
        PaymentMethod::DirectDebit,
        PaymentMethod::Card,
        PaymentMethod::Other,
    ]
    .into_iter()
    .map(payment_form)
    .collect();
    assert_eq!(
        forms,
        [
            Some("01"),
            Some("02"),
            Some("03"),
            Some("03"),
            Some("04"),
            None
        ]
    );
}
