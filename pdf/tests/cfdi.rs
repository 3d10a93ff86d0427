//! The printed representation of a stamped CFDI read back with the tools
//! outsiders use: `pdftotext` finds the parties, the concepts, the totals,
//! the fiscal folio, the certificates and both seals; `pdfinfo` finds the
//! PDF/A-3b declaration; `zbarimg` (ZBar) reads the QR code off the rendered page and
//! finds SAT's verification URL with the folio, both RFCs, the total and the
//! seal's last eight characters. The CFDI is sealed by Folio's writer and
//! stamped by the PAC simulator over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[path = "../../documents/tests/scenario/mod.rs"]
mod scenario;
#[path = "../../documents/tests/tools/mod.rs"]
mod tools;

use std::process::Command;

use folio_documents::cfdi::payment::complement_of;
use folio_documents::cfdi::{seal_invoice, seal_payment};
use folio_domain::invoice::PaymentMethod;
use folio_domain::tax::TaxTreatment;
use folio_pac_simulator::SimulatorConfig;
use folio_pdf::{printed_cfdi, PdfError, PdfRenderer};
use rust_decimal_macros::dec;
use scenario::{keyed, mexican_customer, sat_tax, Scenario};
use serde_json::Value;
use tools::{sat_files, sat_test_csd, scratch, written};

/// A professional-services invoice (IVA, ISR and IVA withheld) sealed now
/// with SAT's test CSD.
fn sealed() -> String {
    let csd = sat_test_csd();
    let taxes = vec![
        sat_tax("IVA", dec!(16), TaxTreatment::Standard),
        sat_tax("ISR", dec!(10), TaxTreatment::Withholding),
        sat_tax("IVA", dec!(10.6667), TaxTreatment::Withholding),
    ];
    let record = Scenario::draft("MXN", mexican_customer())
        .line(keyed(
            "Consultoría fiscal",
            dec!(10),
            dec!(1500),
            taxes,
            ("84111506", "E48"),
        ))
        .issue_in_mexico()
        .record();
    let sealed = seal_invoice(&record, "ESCUELA KEMPER URGATE", chrono::Utc::now(), &csd).unwrap();
    String::from_utf8(sealed.xml).unwrap()
}

/// The complement of the second of two payments (by card) of a stamped
/// invoice issued PPD, sealed now with SAT's test CSD.
fn sealed_complement() -> String {
    let mut invoice = Scenario::draft("MXN", mexican_customer())
        .line(keyed(
            "Consultoría fiscal",
            dec!(10),
            dec!(1500),
            vec![sat_tax("IVA", dec!(16), TaxTreatment::Standard)],
            ("84111506", "E48"),
        ))
        .issue_in_mexico()
        .stamped(INVOICE_FOLIO);
    invoice.pay(dec!(10000), (PaymentMethod::BankTransfer, 5), Some(1));
    let second = invoice.pay(dec!(2000), (PaymentMethod::Card, 6), Some(2));
    let record = invoice.record();
    let (paid, number) = complement_of(&record, second).unwrap();
    let to = ("ESCUELA KEMPER URGATE", &number);
    let sealed = seal_payment(&record, &paid, to, chrono::Utc::now(), &sat_test_csd()).unwrap();
    String::from_utf8(sealed.xml).unwrap()
}

/// The fiscal folio of the invoice [`sealed_complement`] pays.
const INVOICE_FOLIO: &str = "9FB6ED1A-5F37-4FEF-980A-7F8C83B51894";

/// `xml` stamped by a PAC simulator of its own, over SW's REST API.
async fn stamped(xml: &str) -> String {
    let config = SimulatorConfig::new("folio".into(), "pdf".into(), sat_files(), 0).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(folio_pac_simulator::serve(listener, config));
    let client = reqwest::Client::new();
    let auth: Value = client
        .post(format!("{url}/security/authenticate"))
        .header("user", "folio")
        .header("password", "pdf")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = auth["data"]["token"].as_str().unwrap();
    let boundary = "folio-pdf-test";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"xml\"; filename=\"xml\"\r\n\
         Content-Type: text/xml\r\n\r\n{xml}\r\n--{boundary}--\r\n"
    );
    let answer: Value = client
        .post(format!("{url}/v4/cfdi33/stamp/v4"))
        .header("authorization", format!("bearer {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["data"]["cfdi"].as_str().expect("stamped").to_owned()
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    assert!(
        out.status.success(),
        "{program}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The value of attribute `name` of the first element that has it.
fn attribute(xml: &str, name: &str) -> String {
    let start = xml.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    xml[start..start + xml[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn a_stamped_cfdi_prints_its_folio_seals_and_sats_qr_code() {
    let cfdi = stamped(&sealed()).await;
    let pdf = printed_cfdi(&PdfRenderer::new(), cfdi.as_bytes()).unwrap();
    let dir = scratch("printed-cfdi");
    let file = written(&dir, "cfdi.pdf", &pdf);
    let path = file.to_str().unwrap();

    let text = run("pdftotext", &["-layout", path, "-"]);
    let uuid = attribute(&cfdi, "UUID");
    let total = attribute(&cfdi, "Total");
    for expected in [
        uuid.as_str(),
        "ACCEM SERVICIOS EMPRESARIALES",
        "ESCUELA KEMPER URGATE",
        "RFC AAA010101AAA",
        "RFC EKU9003173C9",
        "Consultoría fiscal",
        "84111506 / E48",
        "ISR retenido Tasa 0.100000: 1500.00",
        "30001000000300023708",
        "99999000000000000001",
        "SIM201207PA1",
        &attribute(&cfdi, "Sello")[..40],
        &attribute(&cfdi, "SelloSAT")[..40],
        &format!("{total} MXN"),
        "Este documento es una representación impresa de un CFDI.",
    ] {
        assert!(text.contains(expected), "{expected} not in:\n{text}");
    }
    let meta = run("pdfinfo", &["-meta", path]);
    for declared in [
        "<pdfaid:part>3</pdfaid:part>",
        "<pdfaid:conformance>B</pdfaid:conformance>",
    ] {
        assert!(meta.contains(declared), "{declared} not in:\n{meta}");
    }

    // The QR code, read off the page as a phone reads it.
    let page = dir.join("page");
    run(
        "pdftoppm",
        &[
            "-r",
            "200",
            "-png",
            "-singlefile",
            path,
            page.to_str().unwrap(),
        ],
    );
    let decoded = run(
        "zbarimg",
        &["--quiet", "--raw", &format!("{}.png", page.display())],
    );
    let sello = attribute(&cfdi, "Sello");
    let expected = format!(
        "https://verificacfdi.facturaelectronica.sat.gob.mx/default.aspx?id={uuid}\
         &re=AAA010101AAA&rr=EKU9003173C9&tt={total}&fe={}",
        &sello[sello.len() - 8..]
    );
    assert_eq!(decoded.trim(), expected);
}

#[tokio::test]
async fn a_stamped_payment_complement_prints_the_payment_and_the_invoice_it_pays() {
    let cfdi = stamped(&sealed_complement()).await;
    let pdf = printed_cfdi(&PdfRenderer::new(), cfdi.as_bytes()).unwrap();
    let dir = scratch("printed-complement");
    let path = written(&dir, "complement.pdf", &pdf);
    let text = run("pdftotext", &["-layout", path.to_str().unwrap(), "-"]);
    for expected in [
        "Complemento de pago P2",
        "P Pago",
        "Recepción de pagos",
        "04 Tarjeta de crédito",
        "2000.00 MXN",
        INVOICE_FOLIO,
        "Serie y folio",
        "Parcialidad",
        "Saldo insoluto",
        &attribute(&cfdi, "UUID"),
    ] {
        assert!(text.contains(expected), "{expected} not in:\n{text}");
    }
    // A complement states no method or form of payment of its own.
    assert!(!text.contains("Método de pago"), "{text}");
    assert!(!text.contains("Factura"), "{text}");
}

#[test]
fn a_cfdi_that_is_not_stamped_has_no_printed_representation() {
    let refused = printed_cfdi(&PdfRenderer::new(), sealed().as_bytes());
    assert!(matches!(refused, Err(PdfError::Cfdi(_))), "{refused:?}");
}
