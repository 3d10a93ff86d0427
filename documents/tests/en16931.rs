//! The e-invoices checked by the validators outsiders use: every scenario's
//! UBL and CII must pass the XML schemas (xmllint) and the CEN's EN 16931
//! Schematron (Saxon) with zero failed asserts, and a deliberately wrong total
//! must fail with BR-CO-15. The invoices are made by the real invoice
//! aggregate (draft, lines, issue, credit notes), so the documents are written
//! from the very events Folio stores.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use chrono::NaiveDate;
use folio_documents::{
    credit_note_document, invoice_document, to_cii, to_ubl, Document, DocumentError, InvoiceRecord,
};
use folio_domain::customer::{ContactDetails, Customer, CustomerStanding, TaxDetails};
use folio_domain::document_number::{DocumentNumber, NumberDating};
use folio_domain::ids::{CreditNoteId, CustomerId, InvoiceId, LineId, TenantId};
use folio_domain::invoice::{
    CreditRequest, DueTerms, Invoice, InvoiceCommand, InvoiceEvent, LineCredit, TaxSelector,
};
use folio_domain::legal_profile::{BankAccount, LegalProfile, PostalAddress};
use folio_domain::money::{Currency, Money};
use folio_domain::pricing::{Discount, LineItem};
use folio_domain::settings::Jurisdiction;
use folio_domain::tax::{TaxRate, TaxTreatment, VatCategory, VatExemption};
use folio_domain::Decide;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::Value;
use uuid::Uuid;

const TENANT: TenantId = TenantId::from_uuid(Uuid::from_u128(1));

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn seller() -> LegalProfile {
    LegalProfile {
        legal_name: "Muster GmbH".into(),
        trading_name: Some("Muster Consulting".into()),
        address: PostalAddress {
            lines: vec!["Hauptstraße 1".into(), "Hinterhaus".into(), "3. OG".into()],
            city: "München".into(),
            postal_code: Some("80331".into()),
            subdivision: Some("Bayern".into()),
            country: "DE".into(),
        },
        vat_id: Some("DE136695976".into()),
        tax_registration_id: Some("143/123/45678".into()),
        company_id: Some("HRB 12345".into()),
        email: Some("billing@muster.example".into()),
        phone: Some("+49 89 123456".into()),
        bank_account: Some(BankAccount {
            iban: "DE89370400440532013000".into(),
            bic: Some("COBADEFFXXX".into()),
            account_name: Some("Muster GmbH".into()),
        }),
    }
}

fn customer(country: &str, vat_id: Option<&str>) -> Customer {
    Customer {
        tenant_id: Some(TENANT),
        customer_id: Some(CustomerId::from_uuid(Uuid::from_u128(2))),
        contact: ContactDetails {
            name: "Acme & Söhne <Holding>".into(),
            email: Some("ap@acme.example".into()),
            phone: None,
            address: Some("Rue de la Paix 1\n75002 Paris".into()),
        },
        tax: Some(TaxDetails {
            tax_id: vat_id.map(str::to_owned),
            country: country.into(),
            default_currency: Currency::from_code("EUR").unwrap(),
            payment_terms_days: 30,
        }),
        archived: false,
        erased: false,
    }
}

fn vat(category: VatCategory, percent: Decimal) -> TaxRate {
    let (treatment, exemption) = match category {
        VatCategory::Standard | VatCategory::CanaryIslands | VatCategory::CeutaMelilla => {
            (TaxTreatment::Standard, None)
        }
        VatCategory::ZeroRated => (TaxTreatment::ZeroRated, None),
        other => {
            let code = match other {
                VatCategory::Exempt => "VATEX-EU-132",
                VatCategory::ReverseCharge => "VATEX-EU-AE",
                VatCategory::IntraCommunity => "VATEX-EU-IC",
                VatCategory::Export => "VATEX-EU-G",
                _ => "VATEX-EU-O",
            };
            let exemption = VatExemption {
                code: Some(code.into()),
                reason: Some(format!("Exempt ({code})")),
            };
            (TaxTreatment::Exempt, Some(exemption))
        }
    };
    TaxRate {
        code: "VAT".into(),
        percent,
        treatment,
        category: Some(category),
        exemption,
    }
}

fn item(description: &str, quantity: Decimal, unit_price: Decimal, tax: TaxRate) -> LineItem {
    LineItem {
        description: description.into(),
        quantity,
        unit_price,
        discount: None,
        taxes: vec![tax],
    }
}

/// An invoice driven through the real aggregate, keeping the events it wrote.
struct Scenario {
    state: Invoice,
    events: Vec<InvoiceEvent>,
    customer: Customer,
    lines: Vec<LineId>,
}

impl Scenario {
    fn draft(currency: &str, customer: Customer) -> Self {
        let mut scenario = Scenario {
            state: Invoice::default(),
            events: Vec::new(),
            customer,
            lines: Vec::new(),
        };
        scenario.run(InvoiceCommand::CreateDraft {
            tenant_id: TENANT,
            invoice_id: InvoiceId::from_uuid(Uuid::from_u128(3)),
            customer_id: CustomerId::from_uuid(Uuid::from_u128(2)),
            customer_standing: CustomerStanding::Active,
            currency: Currency::from_code(currency).unwrap(),
            due_terms: DueTerms::NetDays { days: 30 },
            notes: Some("Thank you for your business.".into()),
        });
        scenario
    }

    fn run(&mut self, command: InvoiceCommand) {
        for event in self.state.decide(command).unwrap() {
            self.state.fold(event.clone());
            self.events.push(event);
        }
    }

    fn line(mut self, item: LineItem) -> Self {
        let line_id = LineId::from_uuid(Uuid::from_u128(100 + self.lines.len() as u128));
        self.lines.push(line_id);
        self.run(InvoiceCommand::AddLine { line_id, item });
        self
    }

    fn issue(mut self) -> Self {
        let buyer_vat_id = self.customer.tax.as_ref().unwrap().tax_id.clone();
        self.run(InvoiceCommand::Issue {
            number: DocumentNumber {
                series: "INV".into(),
                sequence: 42,
            },
            issue_date: day(2),
            rounding: Jurisdiction::Eu.required_rounding().unwrap(),
            dating: NumberDating {
                today: day(30),
                previous: None,
            },
            customer_standing: CustomerStanding::Active,
            jurisdiction: Jurisdiction::Eu,
            buyer_vat_id,
        });
        self
    }

    fn credit(&mut self, request: CreditRequest) -> CreditNoteId {
        let credit_note_id = CreditNoteId::from_uuid(Uuid::new_v4());
        let sequence = self.state.credit_notes.len() as u64 + 1;
        self.run(InvoiceCommand::IssueCreditNote {
            credit_note_id,
            number: DocumentNumber {
                series: "CN".into(),
                sequence,
            },
            request,
            issue_date: day(10),
            dating: NumberDating {
                today: day(30),
                previous: None,
            },
            reason: "Returned goods".into(),
        });
        credit_note_id
    }

    fn record(&self) -> InvoiceRecord {
        InvoiceRecord::from_events(&self.events)
    }

    fn invoice(&self) -> Result<Document, DocumentError> {
        invoice_document(&self.record(), Some(&seller()), &self.customer)
    }

    fn credit_note(&self, id: CreditNoteId) -> Document {
        credit_note_document(&self.record(), id, Some(&seller()), &self.customer).unwrap()
    }
}

/// A German invoice with every category a domestic seller uses: standard
/// rates with a discount and a deduction, zero-rated and exempt lines.
fn domestic() -> Scenario {
    let mut discounted = item(
        "Consulting, hours",
        dec!(12.5),
        dec!(120),
        vat(VatCategory::Standard, dec!(19)),
    );
    discounted.discount = Some(Discount::Percent { percent: dec!(10) });
    Scenario::draft("EUR", customer("DE", Some("DE129273398")))
        .line(discounted)
        .line(item(
            "Books",
            dec!(3),
            dec!(19.99),
            vat(VatCategory::Standard, dec!(7)),
        ))
        .line(item(
            "Deposit invoiced on INV-000041",
            dec!(-1),
            dec!(200),
            vat(VatCategory::Standard, dec!(19)),
        ))
        .line(item(
            "Medical supplies",
            dec!(2),
            dec!(49.5),
            vat(VatCategory::ZeroRated, dec!(0)),
        ))
        .line(item(
            "Training course",
            dec!(1),
            dec!(350),
            vat(VatCategory::Exempt, dec!(0)),
        ))
        .line(item(
            "Rounding trap 0.625",
            dec!(1),
            dec!(0.625),
            vat(VatCategory::Standard, dec!(19)),
        ))
        .issue()
}

/// Every scenario's documents: (name, document).
fn scenarios() -> Vec<(String, Document)> {
    let mut out = Vec::new();
    let mut home = domestic();
    out.push(("domestic".to_owned(), home.invoice().unwrap()));
    let by_lines = home.credit(CreditRequest::Lines(vec![
        LineCredit {
            line_id: home.lines[0],
            quantity: dec!(2.5),
        },
        LineCredit {
            line_id: home.lines[1],
            quantity: dec!(1),
        },
    ]));
    out.push(("credit-lines".to_owned(), home.credit_note(by_lines)));
    let by_amount = home.credit(CreditRequest::Amount {
        amount: Money::new(dec!(59.50), Currency::from_code("EUR").unwrap()),
        tax: Some(TaxSelector {
            code: "VAT".into(),
            percent: dec!(19),
            category: None,
        }),
    });
    out.push(("credit-amount".to_owned(), home.credit_note(by_amount)));
    let cross_border = [
        (
            "reverse-charge",
            "FR",
            Some("FR40303265045"),
            VatCategory::ReverseCharge,
        ),
        (
            "intra-community",
            "AT",
            Some("ATU13585627"),
            VatCategory::IntraCommunity,
        ),
        ("export", "US", None, VatCategory::Export),
        ("outside-scope", "CH", None, VatCategory::NotSubject),
    ];
    for (name, country, vat_id, category) in cross_border {
        let scenario = Scenario::draft("EUR", customer(country, vat_id))
            .line(item(
                "Machine parts",
                dec!(4),
                dec!(250),
                vat(category, dec!(0)),
            ))
            .issue();
        out.push((name.to_owned(), scenario.invoice().unwrap()));
    }
    let canary = Scenario::draft("EUR", customer("ES", Some("ESA12345674")))
        .line(item(
            "Delivery to Tenerife (IGIC)",
            dec!(1),
            dec!(100),
            vat(VatCategory::CanaryIslands, dec!(7)),
        ))
        .issue();
    out.push(("canary-islands".to_owned(), canary.invoice().unwrap()));
    let ceuta = Scenario::draft("EUR", customer("ES", Some("ESA12345674")))
        .line(item(
            "Delivery to Ceuta (IPSI)",
            dec!(1),
            dec!(100),
            vat(VatCategory::CeutaMelilla, dec!(4)),
        ))
        .issue();
    out.push(("ceuta".to_owned(), ceuta.invoice().unwrap()));
    let dollars = Scenario::draft("USD", customer("US", None))
        .line(item(
            "Licence, yearly",
            dec!(1),
            dec!(1000),
            vat(VatCategory::Standard, dec!(19)),
        ))
        .issue();
    out.push(("foreign-currency".to_owned(), dollars.invoice().unwrap()));
    out
}

/// The virtualenv's python, installed on first use (once per test binary).
fn python() -> &'static str {
    static PYTHON: OnceLock<String> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let out = Command::new(root.join("scripts/python-tools"))
            .arg("python")
            .output()
            .expect("scripts/python-tools runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    })
}

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

fn written(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("folio-en16931-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_scenario_passes_the_schemas_and_the_cen_schematron_in_ubl_and_cii() {
    let dir = scratch();
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

#[test]
fn a_wrong_grand_total_fails_br_co_15_in_both_syntaxes() {
    let dir = scratch();
    let doc = domestic().invoice().unwrap();
    let total = doc.amount(doc.totals.tax_inclusive);
    let wrong = doc.amount(doc.totals.tax_inclusive + dec!(1));
    for (syntax, bytes, element) in [
        ("ubl", to_ubl(&doc), "cbc:TaxInclusiveAmount"),
        ("cii", to_cii(&doc), "ram:GrandTotalAmount"),
    ] {
        let text = String::from_utf8(bytes).unwrap();
        let right = format!(">{total}</{element}>");
        assert_eq!(text.matches(&right).count(), 1, "{syntax}: {right}");
        let tampered = text.replace(&right, &format!(">{wrong}</{element}>"));
        let file = written(&dir, &format!("wrong.{syntax}.xml"), tampered.as_bytes());
        let verdict = &validate(syntax, &[file])[0];
        let failed: Vec<&str> = verdict["failed_asserts"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["id"].as_str())
            .collect();
        assert!(failed.contains(&"BR-CO-15"), "{syntax}: {verdict:#}");
    }
    std::fs::remove_dir_all(dir).unwrap();
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
