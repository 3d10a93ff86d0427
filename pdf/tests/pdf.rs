//! The PDFs read back with the tools outsiders use (Debian's poppler-utils):
//! `pdftotext` finds the number, every line, every VAT amount and the total in
//! each language; `pdfinfo` says PDF/A-3b; `pdfdetach` finds `factur-x.xml` in a
//! Factur-X, holding exactly the CII; PyPI factur-x, the reference library,
//! reads it back; `pdfimages` finds the seller's logo.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[path = "../../documents/tests/scenario/mod.rs"]
mod scenario;
#[path = "../../documents/tests/tools/mod.rs"]
mod tools;

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use folio_documents::model::Document;
use folio_documents::to_cii;
use folio_pdf::{factur_x, pdf, Locale, PdfRenderer};
use rust_decimal_macros::dec;
use scenario::{adjusted, domestic, gross_prices, scenarios};
use tools::{python, scratch, written};

fn renderer() -> &'static PdfRenderer {
    static RENDERER: OnceLock<PdfRenderer> = OnceLock::new();
    RENDERER.get_or_init(PdfRenderer::new)
}

/// Runs a poppler tool and returns its standard output.
fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} runs (Debian poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The page's text as `pdftotext -layout` reads it.
fn text_of(pdf: &[u8], dir: &Path, name: &str) -> String {
    let file = written(dir, name, pdf);
    poppler("pdftotext", &["-layout", file.to_str().unwrap(), "-"])
}

/// What every reader of the page must find: the number, each line, each VAT
/// amount and the totals, as the locale writes them.
fn expected_texts(doc: &Document, locale: Locale) -> Vec<String> {
    let places = doc.currency.minor_units();
    let mut texts = vec![doc.number.clone()];
    texts.extend(doc.lines.iter().map(|line| line.description.clone()));
    texts.extend(
        doc.lines
            .iter()
            .map(|line| locale.fixed(line.net_amount, places)),
    );
    texts.extend(
        doc.vat_breakdown
            .iter()
            .map(|entry| locale.fixed(entry.tax_amount, places)),
    );
    texts.push(locale.fixed(doc.totals.tax_exclusive, places));
    texts.push(locale.fixed(doc.totals.tax_inclusive, places));
    texts
}

#[test]
fn the_page_shows_the_number_every_line_every_vat_amount_and_the_total_in_each_language() {
    let dir = scratch("pdf");
    let doc = domestic().invoice().unwrap();
    for (locale, title, total) in [
        (Locale::En, "Invoice INV-000042", "1,882.42 EUR"),
        (Locale::De, "Rechnung INV-000042", "1.882,42 EUR"),
        (Locale::Es, "Factura INV-000042", "1.882,42 EUR"),
    ] {
        let bytes = pdf(renderer(), &doc, locale, None).unwrap();
        let text = text_of(&bytes, &dir, &format!("{locale:?}.pdf"));
        assert!(text.contains(title), "{locale:?}:\n{text}");
        assert!(text.contains(total), "{locale:?}:\n{text}");
        for expected in expected_texts(&doc, locale) {
            assert!(
                text.contains(&expected),
                "{locale:?} lacks {expected:?}:\n{text}"
            );
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn allowances_and_charges_are_listed_between_the_lines_and_the_net_total() {
    let dir = scratch("pdf");
    let doc = adjusted().invoice().unwrap();
    for (locale, expected) in [
        (
            Locale::En,
            [
                "Sum of lines",
                "1,559.97 EUR",
                "Allowance: Volume rebate, 3% of 1,500.00 EUR (VAT 19%)",
                "-45.00 EUR",
                "Allowance: 100 (VAT 7%)",
                "-5.00 EUR",
                "Charge: Freight (VAT 19%)",
                "25.00 EUR",
                "1,534.97 EUR",
                "1,820.02 EUR",
                "Paid in advance",
                "-500.00 EUR",
                "1,320.02 EUR",
            ],
        ),
        (
            Locale::De,
            [
                "Summe Positionen",
                "1.559,97 EUR",
                "Nachlass: Volume rebate, 3 % auf 1.500,00 EUR (USt. 19 %)",
                "-45,00 EUR",
                "Nachlass: 100 (USt. 7 %)",
                "-5,00 EUR",
                "Zuschlag: Freight (USt. 19 %)",
                "25,00 EUR",
                "1.534,97 EUR",
                "1.820,02 EUR",
                "Bereits gezahlt",
                "-500,00 EUR",
                "1.320,02 EUR",
            ],
        ),
    ] {
        let bytes = pdf(renderer(), &doc, locale, None).unwrap();
        let text =
            text_of(&bytes, &dir, &format!("adjusted-{locale:?}.pdf")).replace('\u{a0}', " ");
        for expected in expected
            .into_iter()
            .map(str::to_owned)
            .chain(expected_texts(&doc, locale))
        {
            assert!(
                text.contains(&expected),
                "{locale:?} lacks {expected:?}:\n{text}"
            );
        }
        let last_line = text.find("Books").unwrap();
        let rebate = text.find(expected[2]).unwrap();
        let net_total = text.rfind(expected[8]).unwrap();
        assert!(
            last_line < rebate && rebate < net_total,
            "the allowances and charges come after the lines, before the net total:\n{text}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_line_priced_with_its_taxes_shows_the_quoted_price_and_says_so() {
    let dir = scratch("pdf");
    let doc = gross_prices().invoice().unwrap();
    for (locale, quoted, note) in [
        (Locale::En, "9.99 *", "* Unit price including VAT"),
        (Locale::De, "9,99 *", "* Einzelpreis inklusive USt."),
    ] {
        let bytes = pdf(renderer(), &doc, locale, None).unwrap();
        let text = text_of(&bytes, &dir, &format!("gross-{locale:?}.pdf"));
        for expected in [quoted, note] {
            assert!(
                text.contains(expected),
                "{locale:?} lacks {expected:?}:\n{text}"
            );
        }
        // 3 × 9.99 quoted is 29.97 with VAT: the line's net and the totals
        // are the ones the e-invoice states.
        for expected in expected_texts(&doc, locale) {
            assert!(
                text.contains(&expected),
                "{locale:?} lacks {expected:?}:\n{text}"
            );
        }
    }
    let net_lines = domestic().invoice().unwrap();
    let bytes = pdf(renderer(), &net_lines, Locale::En, None).unwrap();
    let text = text_of(&bytes, &dir, "net.pdf");
    assert!(!text.contains("including VAT"), "{text}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_foreign_currency_invoice_states_its_vat_in_the_accounting_currency_with_the_rate() {
    let dir = scratch("pdf");
    let (_, doc) = scenarios()
        .into_iter()
        .find(|(name, _)| name == "foreign-currency")
        .unwrap();
    for (locale, expected) in [
        (
            Locale::En,
            [
                "VAT in EUR (1 USD = 0.9215 EUR, 2 November 2026)",
                "175.09 EUR",
            ],
        ),
        (
            Locale::De,
            ["USt. in EUR (1 USD = 0,9215 EUR, 02.11.2026)", "175,09 EUR"],
        ),
    ] {
        let bytes = pdf(renderer(), &doc, locale, None).unwrap();
        let text = text_of(&bytes, &dir, &format!("foreign-{locale:?}.pdf"));
        for expected in expected {
            assert!(
                text.contains(expected),
                "{locale:?} lacks {expected:?}:\n{text}"
            );
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_factur_x_is_a_pdf_a_3b_carrying_the_cii_that_the_reference_library_reads_back() {
    let dir = scratch("pdf");
    let doc = domestic().invoice().unwrap();
    let bytes = factur_x(renderer(), &doc, Locale::De, None).unwrap();
    let path = written(&dir, "factur-x.pdf", &bytes);
    let file = path.to_str().unwrap();

    let meta = poppler("pdfinfo", &["-meta", file]);
    for declared in [
        "<pdfaid:part>3</pdfaid:part>",
        "<pdfaid:conformance>B</pdfaid:conformance>",
        "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>",
        "<fx:DocumentType>INVOICE</fx:DocumentType>",
        "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>",
        "<pdfaSchema:prefix>fx</pdfaSchema:prefix>",
    ] {
        assert!(meta.contains(declared), "lacks {declared}:\n{meta}");
    }
    assert!(poppler("pdfdetach", &["-list", file]).contains("factur-x.xml"));
    let detached = dir.join("detached.xml");
    poppler(
        "pdfdetach",
        &["-save", "1", "-o", detached.to_str().unwrap(), file],
    );
    assert_eq!(
        std::fs::read(&detached).unwrap(),
        to_cii(&doc),
        "the CII, byte for byte"
    );

    let read_back = Command::new(python())
        .args([
            "-c",
            "import sys, facturx\n\
             from lxml import etree\n\
             name, xml = facturx.get_facturx_xml_from_pdf(open(sys.argv[1], 'rb').read(), check_xsd=True)\n\
             print(name)\n\
             print(facturx.get_level(etree.fromstring(xml)))",
            file,
        ])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&read_back.stdout);
    assert!(
        read_back.status.success(),
        "{}",
        String::from_utf8_lossy(&read_back.stderr)
    );
    assert_eq!(
        said.split_whitespace().collect::<Vec<_>>(),
        ["factur-x.xml", "en16931"],
        "{said}"
    );
    let text = poppler("pdftotext", &["-layout", file, "-"]);
    assert!(text.contains("Rechnung INV-000042"), "{text}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_same_document_gives_the_same_bytes() {
    let doc = domestic().invoice().unwrap();
    assert_eq!(
        pdf(renderer(), &doc, Locale::De, None).unwrap(),
        pdf(renderer(), &doc, Locale::De, None).unwrap()
    );
    assert_eq!(
        factur_x(renderer(), &doc, Locale::En, None).unwrap(),
        factur_x(renderer(), &doc, Locale::En, None).unwrap()
    );
    assert_eq!(doc.totals.tax_inclusive, dec!(1882.42));
}

/// A PNG of `width` x `height` pixels, one colour.
fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb([20, 60, 140]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

/// The images `pdfimages -list` finds, as (width, height) in pixels.
fn images_in(pdf: &[u8], dir: &Path, name: &str) -> Vec<(u32, u32)> {
    let file = written(dir, name, pdf);
    poppler("pdfimages", &["-list", file.to_str().unwrap()])
        .lines()
        .skip(2) // the header and its rule
        .map(|row| {
            let columns: Vec<&str> = row.split_whitespace().collect();
            (columns[3].parse().unwrap(), columns[4].parse().unwrap())
        })
        .collect()
}

#[test]
fn the_seller_s_logo_is_printed_once_at_its_own_size_and_the_factur_x_stays_pdf_a() {
    let dir = scratch("pdf-logo");
    let doc = domestic().invoice().unwrap();
    let logo = png(300, 100);
    let folio_pdf::logo::LogoImage {
        width_px,
        height_px,
        ..
    } = folio_pdf::logo::inspect(&logo).unwrap();

    let branded = factur_x(renderer(), &doc, Locale::En, Some(&logo)).unwrap();
    assert_eq!(
        images_in(&branded, &dir, "branded.pdf"),
        [(width_px, height_px)]
    );
    let plain = factur_x(renderer(), &doc, Locale::En, None).unwrap();
    assert_eq!(images_in(&plain, &dir, "plain.pdf"), []);
    let meta = poppler(
        "pdfinfo",
        &[
            "-meta",
            written(&dir, "meta.pdf", &branded).to_str().unwrap(),
        ],
    );
    assert!(meta.contains("<pdfaid:part>3</pdfaid:part>"), "{meta}");
    assert_eq!(
        branded,
        factur_x(renderer(), &doc, Locale::En, Some(&logo)).unwrap(),
        "the same document and logo give the same bytes"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
