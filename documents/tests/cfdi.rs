//! Mexico's CFDI 4.0 checked with the tools SAT and everyone else use: the
//! sealed XML against SAT's `cfdv40.xsd` (`xmllint`), Folio's cadena original
//! against what SAT's `cadenaoriginal_4_0.xslt` makes of that XML
//! (`xsltproc`), and the seal against the certificate's public key
//! (`openssl dgst -verify`). SAT's files ship in the PyPI package `satcfdi`,
//! installed by `scripts/python-tools`; the certificate is SAT's test CSD.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod scenario;
mod tools;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, TimeZone, Utc};
use folio_documents::cfdi::{seal_invoice, CfdiError, Csd, CsdError, SealedCfdi};
use folio_documents::InvoiceRecord;
use folio_domain::pricing::Discount;
use folio_domain::sat::SatError;
use folio_domain::tax::TaxTreatment;
use rust_decimal_macros::dec;
use scenario::{keyed, mexican_customer, sat_tax, Scenario};
use tools::{openssl_verifies, run, sat_files, scratch, written};

const PASSWORD: &str = "12345678a";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/sat-test-csd")
        .join(name)
}

fn csd() -> Csd {
    let cer = std::fs::read(fixture("emisor2021.cer")).unwrap();
    let key = std::fs::read(fixture("emisor2021.key")).unwrap();
    Csd::open(&cer, &key, PASSWORD).unwrap()
}

/// 2026-11-02 16:30 UTC: 10:30 in Mexico City.
fn sealed_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 16, 30, 0).unwrap()
}

/// Consulting with IVA 16% and, withheld, ISR 10% and two thirds of the IVA
/// (a company paying a professional), and a discounted licence at IVA 16%.
fn professional_services() -> InvoiceRecord {
    let withheld = vec![
        sat_tax("IVA", dec!(16), TaxTreatment::Standard),
        sat_tax("ISR", dec!(10), TaxTreatment::Withholding),
        sat_tax("IVA", dec!(10.6667), TaxTreatment::Withholding),
    ];
    let mut licence = keyed(
        "Licencia de software (anual)",
        dec!(3),
        dec!(1234.5678),
        vec![sat_tax("IVA", dec!(16), TaxTreatment::Standard)],
        ("43232408", "H87"),
    );
    licence.discount = Some(Discount::Percent { percent: dec!(10) });
    Scenario::draft("MXN", mexican_customer())
        .line(keyed(
            "Consultoría  fiscal",
            dec!(10),
            dec!(1500),
            withheld,
            ("84111506", "E48"),
        ))
        .line(licence)
        .issue_in_mexico()
        .record()
}

fn sealed() -> SealedCfdi {
    seal_invoice(
        &professional_services(),
        "ESCUELA KEMPER URGATE",
        sealed_at(),
        &csd(),
    )
    .unwrap()
}

#[test]
fn the_sealed_cfdi_passes_sats_schema() {
    let dir = scratch("cfdi-xsd");
    let xml = written(&dir, "cfdi.xml", &sealed().xml);
    let schema = sat_files().join("4/cfdv40.xsd");
    run(Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema)
        .arg(xml));
}

#[test]
fn the_cadena_original_is_the_one_sats_xslt_makes_of_the_xml() {
    let sealed = sealed();
    let dir = scratch("cfdi-cadena");
    let xml = written(&dir, "cfdi.xml", &sealed.xml);
    let xslt = sat_files().join("4/cadenaoriginal_4_0/cadenaoriginal_4_0.xslt");
    let sats = run(Command::new("xsltproc").arg(xslt).arg(xml));
    assert_eq!(sealed.cadena, sats);
    // The values a reader checks first, as SAT's XSLT wrote them.
    assert!(
        sats.starts_with("||4.0|F|42|2026-11-02T10:30:00|99|30001000000300023708|"),
        "{sats}"
    );
    assert!(
        sats.contains("|Consultoría fiscal|"),
        "white space collapsed: {sats}"
    );
}

#[test]
fn openssl_verifies_the_seal_with_the_certificates_public_key() {
    let sealed = sealed();
    let dir = scratch("cfdi-seal");
    assert!(openssl_verifies(&dir, &sealed.cadena, &sealed.sello));
    // One changed character of the cadena and the seal no longer verifies.
    let tampered = sealed.cadena.replacen("|42|", "|43|", 1);
    assert!(
        !openssl_verifies(&dir, &tampered, &sealed.sello),
        "a tampered cadena verified"
    );
}

#[test]
fn the_cfdi_states_the_invoices_own_amounts() {
    let record = professional_services();
    let issued = record.issued.as_ref().unwrap();
    let c = sealed().comprobante;
    // 10 × 1,500.00 and 3 × 1,234.5678 = 3,703.70 less 10% (370.37).
    assert_eq!(c.subtotal, "18703.70");
    assert_eq!(c.descuento.as_deref(), Some("370.37"));
    assert_eq!(c.total, issued.totals.total.to_string());
    let impuestos = c.impuestos.unwrap();
    // IVA 16% on 15,000.00 and on 3,333.33 (533.33): 2,933.33.
    assert_eq!(impuestos.total_trasladados.as_deref(), Some("2933.33"));
    // ISR 1,500.00 and IVA 1,600.01 (10.6667% of 15,000.00) withheld.
    assert_eq!(impuestos.total_retenidos.as_deref(), Some("3100.01"));
    assert_eq!(
        c.conceptos[0].retenciones[1].tasa_o_cuota.as_deref(),
        Some("0.106667")
    );
    assert_eq!(c.emisor.rfc, "AAA010101AAA");
    assert_eq!(c.receptor.uso_cfdi, "G03");
    assert_eq!(c.metodo_pago.as_deref(), Some("PPD"));
    assert_eq!(c.forma_pago.as_deref(), Some("99"));
}

#[test]
fn a_wrong_password_another_key_an_expired_or_foreign_certificate_are_refused() {
    let cer = std::fs::read(fixture("emisor2021.cer")).unwrap();
    let key = std::fs::read(fixture("emisor2021.key")).unwrap();
    assert_eq!(
        Csd::open(&cer, &key, "12345678b").unwrap_err(),
        CsdError::KeyPassword
    );
    // A key of its own, encrypted as SAT's are: not the certificate's.
    let dir = scratch("cfdi-other-key");
    let pem = dir.join("other.pem");
    run(Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&pem));
    let other = dir.join("other.key");
    run(Command::new("openssl")
        .args([
            "pkcs8",
            "-topk8",
            "-v2",
            "des3",
            "-v2prf",
            "hmacWithSHA1",
            "-outform",
            "DER",
        ])
        .args(["-passout", "pass:secret", "-in"])
        .arg(&pem)
        .arg("-out")
        .arg(&other));
    let other = std::fs::read(other).unwrap();
    assert_eq!(
        Csd::open(&cer, &other, "secret").unwrap_err(),
        CsdError::KeyMismatch
    );
    let csd = csd();
    let expired = Utc.with_ymd_and_hms(2029, 1, 1, 0, 0, 0).unwrap();
    let refused = seal_invoice(
        &professional_services(),
        "ESCUELA KEMPER URGATE",
        expired,
        &csd,
    );
    assert!(
        matches!(
            refused,
            Err(CfdiError::Certificate(
                SatError::CertificateNotInForce { .. }
            ))
        ),
        "{refused:?}"
    );
    assert!(matches!(
        csd.installed().check_for("EKU9003173C9", sealed_at()),
        Err(SatError::CertificateOfAnotherTaxpayer { .. })
    ));
}

/// The taxes a Mexican line may carry, as the property below draws them.
fn tax_sets() -> Vec<Vec<folio_domain::tax::TaxRate>> {
    let iva = |percent| sat_tax("IVA", percent, TaxTreatment::Standard);
    vec![
        vec![],
        vec![iva(dec!(16))],
        vec![iva(dec!(0))],
        vec![sat_tax("IVA", dec!(0), TaxTreatment::Exempt)],
        vec![sat_tax("IEPS", dec!(8), TaxTreatment::Standard)],
        vec![
            iva(dec!(16)),
            sat_tax("ISR", dec!(10), TaxTreatment::Withholding),
            sat_tax("IVA", dec!(10.6667), TaxTreatment::Withholding),
        ],
        vec![
            iva(dec!(16)),
            sat_tax("ISR", dec!(1.25), TaxTreatment::Withholding),
        ],
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Whatever the lines, the CFDI adds up to the invoice: SubTotal less
    /// Descuento is its net, taxes charged less withheld its tax, and each
    /// document tax the sum of its concepts'.
    #[test]
    fn the_cfdi_adds_up_to_the_invoice_whatever_its_lines(
        lines in proptest::collection::vec(
            (1i64..100_000, 0u32..=2, 1i64..10_000_000, 0u32..=4, 0usize..7, proptest::option::of(1i64..=50)),
            1..6,
        )
    ) {
        let sets = tax_sets();
        let mut scenario = Scenario::draft("MXN", mexican_customer());
        for (quantity, q_scale, price, p_scale, taxes, discount) in lines {
            let mut line = keyed(
                "Servicio",
                rust_decimal::Decimal::new(quantity, q_scale),
                rust_decimal::Decimal::new(price, p_scale),
                sets[taxes].clone(),
                ("84111506", "E48"),
            );
            line.discount = discount.map(|percent| Discount::Percent { percent: percent.into() });
            scenario = scenario.line(line);
        }
        let record = scenario.issue_in_mexico().record();
        let totals = record.issued.as_ref().unwrap().totals.clone();
        let c = seal_invoice(&record, "ESCUELA KEMPER URGATE", sealed_at(), &csd()).unwrap().comprobante;
        let amount = |text: &Option<String>| -> rust_decimal::Decimal {
            text.as_deref().map_or(rust_decimal::Decimal::ZERO, |t| t.parse().unwrap())
        };
        let subtotal: rust_decimal::Decimal = c.subtotal.parse().unwrap();
        proptest::prop_assert_eq!(subtotal - amount(&c.descuento), totals.net_total);
        let total: rust_decimal::Decimal = c.total.parse().unwrap();
        proptest::prop_assert_eq!(total, totals.total);
        let (charged, withheld) = c.impuestos.as_ref().map_or(
            (rust_decimal::Decimal::ZERO, rust_decimal::Decimal::ZERO),
            |i| (amount(&i.total_trasladados), amount(&i.total_retenidos)),
        );
        proptest::prop_assert_eq!(charged - withheld, totals.tax_total);
        if let Some(impuestos) = &c.impuestos {
            for traslado in &impuestos.traslados {
                let of_concepts: rust_decimal::Decimal = c
                    .conceptos
                    .iter()
                    .flat_map(|concepto| &concepto.traslados)
                    .filter(|t| (t.impuesto, &t.tasa_o_cuota) == (traslado.impuesto, &traslado.tasa_o_cuota))
                    .map(|t| amount(&t.importe))
                    .sum();
                proptest::prop_assert_eq!(amount(&traslado.importe), of_concepts);
            }
        }
    }
}
