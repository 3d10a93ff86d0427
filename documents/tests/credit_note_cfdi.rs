//! Mexico's credit note as a CFDI of type E, related to the stamped invoice
//! by `TipoRelacion` 01, checked with the tools SAT and everyone else use:
//! the sealed XML against SAT's `cfdv40.xsd` (`xmllint`), Folio's cadena
//! original against what SAT's `cadenaoriginal_4_0.xslt` makes of that XML
//! (`xsltproc`), the seal with the certificate's public key (`openssl`);
//! and the amounts: the note's own, each concept's tax within the bounds
//! SAT's rules allow, for any split of the invoice's lines into credit notes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod scenario;
mod tools;

use std::process::Command;

use chrono::{DateTime, TimeZone, Utc};
use folio_documents::cfdi::read::{read_elements, CfdiElement};
use folio_documents::cfdi::{seal_credit_note, CfdiError, SealedCfdi};
use folio_documents::InvoiceRecord;
use folio_domain::ids::CreditNoteId;
use folio_domain::invoice::{CreditRequest, LineCredit, TaxSelector};
use folio_domain::money::{Currency, Money};
use folio_domain::sat::SatPaymentMethod;
use folio_domain::tax::TaxTreatment;
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use scenario::{keyed, mexican_customer, sat_tax, Scenario};
use tools::{openssl_verifies, run, sat_files, sat_test_csd, scratch, written};

const FOLIO: &str = "9FB6ED1A-5F37-4FEF-980A-7F8C83B51894";
const RECEIVER: &str = "ESCUELA KEMPER URGATE";

/// 2026-11-20 16:30 UTC: 10:30 in Mexico City.
fn sealed_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 16, 30, 0).unwrap()
}

/// The services of [`scenario::stamped_services`], issued PPD and stamped.
fn services() -> Scenario {
    scenario::stamped_services(FOLIO)
}

/// `hours` of the consulting and `licences` of the software taken back.
fn lines_back(invoice: &Scenario, hours: Decimal, licences: Decimal) -> CreditRequest {
    CreditRequest::Lines(vec![
        LineCredit {
            line_id: invoice.lines[0],
            quantity: hours,
        },
        LineCredit {
            line_id: invoice.lines[1],
            quantity: licences,
        },
    ])
}

fn sealed(record: &InvoiceRecord, note: CreditNoteId) -> Result<SealedCfdi, CfdiError> {
    seal_credit_note(record, (note, RECEIVER), sealed_at(), &sat_test_csd())
}

/// Four hours and one licence taken back.
fn line_note() -> (InvoiceRecord, SealedCfdi) {
    let mut invoice = services();
    let back = lines_back(&invoice, dec!(4), dec!(1));
    let note = invoice.credit(back);
    let record = invoice.record();
    let sealed = sealed(&record, note).unwrap();
    (record, sealed)
}

fn at<'a>(elements: &'a [CfdiElement], path: &str) -> &'a CfdiElement {
    elements
        .iter()
        .find(|element| element.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
}

fn all<'a>(elements: &'a [CfdiElement], path: &str) -> Vec<&'a CfdiElement> {
    elements.iter().filter(|e| e.path == path).collect()
}

fn number(element: &CfdiElement, name: &str) -> Decimal {
    element.get(name).parse().unwrap()
}

#[test]
fn the_credit_note_passes_sats_schema() {
    let dir = scratch("cfdi-egreso-xsd");
    let xml = written(&dir, "egreso.xml", &line_note().1.xml);
    run(Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(sat_files().join("4/cfdv40.xsd"))
        .arg(xml));
}

#[test]
fn the_cadena_original_is_sats_and_the_seal_verifies() {
    let (_, sealed) = line_note();
    let dir = scratch("cfdi-egreso-cadena");
    let xml = written(&dir, "egreso.xml", &sealed.xml);
    let xslt = sat_files().join("4/cadenaoriginal_4_0/cadenaoriginal_4_0.xslt");
    let sats = run(Command::new("xsltproc").arg(xslt).arg(xml));
    assert_eq!(sealed.cadena, sats);
    assert!(sats.contains(&format!("|PUE|06600|01|{FOLIO}|")), "{sats}");
    assert!(openssl_verifies(&dir, &sealed.cadena, &sealed.sello));
}

#[test]
fn a_line_credit_note_is_an_egreso_of_the_invoices_folio_with_its_lines() {
    // Given the stamped invoice, four hours and one licence taken back
    let (record, sealed) = line_note();
    let note = &record.credit_notes[0];

    // Then its CFDI is of type E, related to the invoice's folio by 01
    let elements = read_elements(&sealed.xml).unwrap();
    let comprobante = at(&elements, "Comprobante");
    assert_eq!(comprobante.get("TipoDeComprobante"), "E");
    assert_eq!(
        (comprobante.get("Serie"), comprobante.get("Folio")),
        ("CN", "1")
    );
    assert_eq!(comprobante.get("MetodoPago"), "PUE");
    // Issued PPD: the note forgives part of what is owed.
    assert_eq!(comprobante.get("FormaPago"), "15");
    assert_eq!(number(comprobante, "Total"), note.totals.total);
    assert_eq!(number(comprobante, "SubTotal"), note.totals.net_total);
    let relacionados = at(&elements, "Comprobante/CfdiRelacionados");
    assert_eq!(relacionados.get("TipoRelacion"), "01");
    let relacionado = at(&elements, "Comprobante/CfdiRelacionados/CfdiRelacionado");
    assert_eq!(relacionado.get("UUID"), FOLIO);
    assert_eq!(at(&elements, "Comprobante/Receptor").get("UsoCFDI"), "G02");

    // And it states the lines taken back with their keys and taxes
    let conceptos = all(&elements, "Comprobante/Conceptos/Concepto");
    let stated: Vec<_> = conceptos
        .iter()
        .map(|c| {
            (
                c.get("ClaveProdServ"),
                c.get("Cantidad"),
                number(c, "Importe"),
            )
        })
        .collect();
    assert_eq!(
        stated,
        [
            ("84111506", "4", dec!(6000.00)),
            ("43232408", "1", dec!(1234.57))
        ]
    );
    let isr = all(
        &elements,
        "Comprobante/Conceptos/Concepto/Impuestos/Retenciones/Retencion",
    );
    assert_eq!(number(isr[0], "Importe"), dec!(600.00));
    let impuestos = at(&elements, "Comprobante/Impuestos");
    assert_eq!(
        number(impuestos, "TotalImpuestosTrasladados"),
        dec!(1157.53)
    );
}

#[test]
fn an_amount_credit_note_is_one_concept_of_a_discount_at_the_rate_it_names() {
    // An amount credit names lines whose one tax is its rate: no withholding.
    let mut invoice = Scenario::draft("MXN", mexican_customer())
        .line(keyed(
            "Licencia de software",
            dec!(3),
            dec!(1234.57),
            vec![sat_tax("IVA", dec!(16), TaxTreatment::Standard)],
            ("43232408", "H87"),
        ))
        .issue_in_mexico()
        .stamped(FOLIO);
    let note = invoice.credit(CreditRequest::Amount {
        amount: Money::new(dec!(1160), Currency::from_code("MXN").unwrap()),
        tax: Some(TaxSelector {
            code: "IVA".into(),
            percent: dec!(16),
            category: None,
        }),
    });
    let record = invoice.record();
    let elements = read_elements(&sealed(&record, note).unwrap().xml).unwrap();
    let concepto = at(&elements, "Comprobante/Conceptos/Concepto");
    assert_eq!(
        (
            concepto.get("ClaveProdServ"),
            concepto.get("ClaveUnidad"),
            concepto.get("Descripcion"),
            concepto.get("ObjetoImp"),
        ),
        ("84111506", "ACT", "Returned goods", "02")
    );
    assert_eq!(number(concepto, "Importe"), dec!(1000.00));
    let iva = at(
        &elements,
        "Comprobante/Conceptos/Concepto/Impuestos/Traslados/Traslado",
    );
    assert_eq!(number(iva, "Importe"), dec!(160.00));
    assert_eq!(number(at(&elements, "Comprobante"), "Total"), dec!(1160));
}

#[test]
fn a_credit_note_of_an_invoice_paid_at_issue_states_how_it_was_paid() {
    let (mut record, _) = line_note();
    let issued = record.issued.as_mut().unwrap();
    let payment = &mut issued.cfdi.as_mut().unwrap().payment;
    payment.payment_method = SatPaymentMethod::Pue;
    payment.payment_form = "03".into();
    let note = record.credit_notes[0].credit_note_id;
    let elements = read_elements(&sealed(&record, note).unwrap().xml).unwrap();
    assert_eq!(at(&elements, "Comprobante").get("FormaPago"), "03");
}

#[test]
fn a_credit_note_needs_the_invoices_folio_and_to_be_its_own() {
    let (record, _) = line_note();
    let note = record.credit_notes[0].credit_note_id;
    let mut unstamped = record.clone();
    unstamped.stamp = None;
    assert_eq!(sealed(&unstamped, note).unwrap_err(), CfdiError::NotStamped);
    let other = CreditNoteId::from_uuid(uuid::Uuid::from_u128(5));
    assert_eq!(
        sealed(&record, other).unwrap_err(),
        CfdiError::UnknownCreditNote(other)
    );
}

/// Each tax of each concept: its base, rate and amount.
fn concept_taxes(elements: &[CfdiElement]) -> Vec<(Decimal, Decimal, Decimal)> {
    elements
        .iter()
        .filter(|e| {
            e.path.starts_with("Comprobante/Conceptos/")
                && (e.path.ends_with("/Traslado") || e.path.ends_with("/Retencion"))
        })
        .map(|e| {
            (
                number(e, "Base"),
                number(e, "TasaOCuota"),
                number(e, "Importe"),
            )
        })
        .collect()
}

/// `quantity` cut in the proportions of `shares`, to the hundredth, the
/// last part what the others leave.
fn parts(quantity: Decimal, shares: &[u32]) -> Vec<Decimal> {
    let weight: u32 = shares.iter().sum();
    let mut left = quantity;
    let mut cut = Vec::new();
    for (index, share) in shares.iter().enumerate() {
        let part = if index + 1 == shares.len() {
            left
        } else {
            (quantity * Decimal::from(*share) / Decimal::from(weight)).round_dp(2)
        };
        cut.push(part);
        left -= part;
    }
    cut
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// However the invoice's lines are taken back in credit notes, each
    /// note's CFDI adds up to the note, every concept's tax lies within the
    /// bounds SAT's rules give its base, and all of them together give back
    /// exactly what the invoice charged and withheld.
    #[test]
    fn any_split_into_credit_notes_adds_up_within_sats_bounds(
        shares in proptest::collection::vec(1u32..100, 1..5)
    ) {
        let mut invoice = services();
        let hours = parts(dec!(10), &shares);
        let licences = parts(dec!(3), &shares);
        prop_assume!(hours.iter().chain(&licences).all(|q| *q > Decimal::ZERO));
        let mut charged = Decimal::ZERO;
        let mut withheld = Decimal::ZERO;
        for (h, l) in hours.iter().zip(&licences) {
            let back = lines_back(&invoice, *h, *l);
            let note = invoice.credit(back);
            let record = invoice.record();
            let sealed = sealed(&record, note).unwrap();
            let elements = read_elements(&sealed.xml).unwrap();
            let total = record.credit_notes.last().unwrap().totals.total;
            prop_assert_eq!(number(at(&elements, "Comprobante"), "Total"), total);
            for (base, rate, importe) in concept_taxes(&elements) {
                let half_cent = dec!(0.005);
                let low = ((base - half_cent) * rate).trunc_with_scale(2);
                let high = ((base + half_cent) * rate)
                    .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::AwayFromZero);
                prop_assert!(low <= importe && importe <= high, "{} × {} = {}", base, rate, importe);
            }
            let impuestos = at(&elements, "Comprobante/Impuestos");
            charged += number(impuestos, "TotalImpuestosTrasladados");
            withheld += number(impuestos, "TotalImpuestosRetenidos");
        }
        let issued = invoice.record().issued.unwrap().totals;
        let tax_of = |withholding: bool| -> Decimal {
            issued
                .tax_totals
                .iter()
                .filter(|t| (t.tax.treatment == TaxTreatment::Withholding) == withholding)
                .map(|t| t.amount.abs())
                .sum()
        };
        prop_assert_eq!(charged, tax_of(false));
        prop_assert_eq!(withheld, tax_of(true));
    }
}
