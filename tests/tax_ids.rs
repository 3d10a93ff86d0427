//! Folio's tax-id rules against python-stdnum, the reference library of VAT
//! number and RFC formats: thousands of candidates per country, each with every
//! possible check character, so that both verdicts occur.
//!
//! - Where Folio verifies check digits, its verdict equals stdnum's for every
//!   candidate, and a valid id's canonical form is stdnum's compact form.
//! - Where Folio checks the format only, every id stdnum accepts is accepted
//!   (Folio never refuses a real customer's number).
//! - For Mexico, 12- and 13-character RFCs get stdnum's verdict with their
//!   check digit verified (Folio refuses the 10-character RFC without
//!   *homoclave*, which a CFDI cannot carry).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[path = "support/python.rs"]
mod python;

use folio_domain::tax_id::{canonical_tax_id, tax_id_check, TaxIdCheck};

/// A small deterministic generator, so a failure can be replayed.
struct Draws(u64);

impl Draws {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }

    /// `n` random digits, where `n` is drawn from `lengths`.
    fn digits_of(&mut self, lengths: &[usize]) -> String {
        let n = lengths[self.next(lengths.len() as u64) as usize];
        self.digits(n)
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.next(10) as u8))
            .collect()
    }

    fn letters(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'A' + self.next(26) as u8))
            .collect()
    }
}

/// One candidate: the customer's country, the id as given, and the scheme and
/// text stdnum is asked about.
struct Candidate {
    country: &'static str,
    tax_id: String,
    scheme: &'static str,
    reference: String,
}

const DIGITS: &str = "0123456789";
const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Every candidate: random bodies in each country's shape, each followed by
/// every character of `tails`.
fn candidates() -> Vec<Candidate> {
    let mut draws = Draws(0x5eed_f011_0000_0017);
    let mut out = Vec::new();
    let mut eu = |country: &'static str, prefix: &str, body: String, tails: &[String]| {
        for tail in tails {
            let number = format!("{body}{tail}");
            out.push(Candidate {
                country,
                tax_id: number.clone(),
                scheme: if country == "GB" { "gb" } else { "eu" },
                reference: format!("{prefix}{number}"),
            });
        }
    };
    let one = |set: &str| set.chars().map(String::from).collect::<Vec<_>>();
    let two: Vec<String> = (0..100).map(|n| format!("{n:02}")).collect();
    for _ in 0..30 {
        eu("AT", "AT", format!("U{}", draws.digits(7)), &one(DIGITS));
        eu("BE", "BE", format!("0{}", draws.digits(7)), &two);
        eu("BG", "BG", draws.digits_of(&[8, 9]), &one(DIGITS));
        eu("CY", "CY", draws.digits(8), &one(LETTERS));
        eu("CZ", "CZ", draws.digits_of(&[7, 8, 9]), &one(DIGITS));
        eu(
            "DE",
            "DE",
            format!("{}{}", 1 + draws.next(9), draws.digits(7)),
            &one(DIGITS),
        );
        eu(
            "DK",
            "DK",
            format!("{}{}", 1 + draws.next(9), draws.digits(6)),
            &one(DIGITS),
        );
        eu("EE", "EE", format!("10{}", draws.digits(6)), &one(DIGITS));
        let first = if draws.next(2) == 0 {
            draws.letters(1)
        } else {
            draws.digits(1)
        };
        eu(
            "ES",
            "ES",
            format!("{first}{}", draws.digits(7)),
            &one(&format!("{DIGITS}{LETTERS}")),
        );
        eu("FI", "FI", draws.digits(7), &one(DIGITS));
        eu("GB", "GB", draws.digits(7), &two);
        eu("GR", "EL", draws.digits(8), &one(DIGITS));
        eu("HR", "HR", draws.digits(10), &one(DIGITS));
        eu("HU", "HU", draws.digits(7), &one(DIGITS));
        eu("IE", "IE", draws.digits(7), &one(LETTERS));
        eu(
            "IT",
            "IT",
            format!("{}{:03}", draws.digits(7), 1 + draws.next(100)),
            &one(DIGITS),
        );
        // A Lithuanian legal entity has a 1 before its check digit.
        eu(
            "LT",
            "LT",
            format!("{}1", draws.digits_of(&[7, 10])),
            &one(DIGITS),
        );
        eu("LU", "LU", draws.digits(6), &two);
        eu("LV", "LV", draws.digits(10), &one(DIGITS));
        eu(
            "MT",
            "MT",
            format!("{}{}", 1 + draws.next(9), draws.digits(6)),
            &one(DIGITS),
        );
        eu(
            "NL",
            "NL",
            draws.digits(8),
            &one(DIGITS)
                .iter()
                .map(|d| format!("{d}B01"))
                .collect::<Vec<_>>(),
        );
        eu("PL", "PL", draws.digits(9), &one(DIGITS));
        eu(
            "PT",
            "PT",
            format!("{}{}", 1 + draws.next(9), draws.digits(7)),
            &one(DIGITS),
        );
        eu(
            "RO",
            "RO",
            draws.digits_of(&[1, 2, 3, 4, 5, 6, 7, 8, 9]),
            &one(DIGITS),
        );
        eu(
            "SE",
            "SE",
            draws.digits(9),
            &one(DIGITS)
                .iter()
                .map(|d| format!("{d}01"))
                .collect::<Vec<_>>(),
        );
        eu(
            "SI",
            "SI",
            format!("{}{}", 1 + draws.next(9), draws.digits(6)),
            &one(DIGITS),
        );
        eu("SK", "SK", draws.digits(9), &one(DIGITS));
        let siren = draws.digits(8);
        for last in 0..10 {
            let keys: Vec<String> = (0..97).map(|k| format!("{k:02}")).collect();
            for key in keys {
                eu("FR", "FR", format!("{key}{siren}"), &[last.to_string()]);
            }
        }
    }
    for _ in 0..150 {
        let person = draws.next(2) == 0;
        let name = draws.letters(if person { 4 } else { 3 });
        // Months and days up to 39 make invalid dates too.
        let date = format!(
            "{:02}{:02}{:02}",
            draws.next(100),
            draws.next(14),
            draws.next(32)
        );
        // A letter or digit twice (0 is not a homoclave's), then every
        // possible check character.
        let homoclave = format!("{}{}", draws.letters(1), draws.digits(1));
        for check in "0123456789A".chars() {
            let rfc = format!("{name}{date}{homoclave}{check}");
            out.push(Candidate {
                country: "MX",
                tax_id: rfc.clone(),
                scheme: "mx",
                reference: rfc,
            });
        }
    }
    out
}

#[tokio::test]
async fn tax_id_rules_agree_with_python_stdnum() {
    let candidates = candidates();
    let questions: Vec<(&str, &str)> = candidates
        .iter()
        .map(|c| (c.scheme, c.reference.as_str()))
        .collect();
    let verdicts = python::run(
        "stdnum_verdicts.py",
        &[],
        &[],
        &serde_json::to_string(&questions).unwrap(),
    )
    .await;
    let verdicts: Vec<bool> = serde_json::from_value(verdicts).unwrap();
    assert_eq!(verdicts.len(), candidates.len());

    let mut disagreements = Vec::new();
    let mut accepted_by_stdnum = std::collections::BTreeMap::<&str, usize>::new();
    for (candidate, stdnum_valid) in candidates.iter().zip(verdicts) {
        let folio = canonical_tax_id(candidate.country, &candidate.tax_id);
        if stdnum_valid {
            *accepted_by_stdnum.entry(candidate.country).or_default() += 1;
        }
        let exact = candidate.country == "MX"
            || match tax_id_check(candidate.country) {
                TaxIdCheck::CheckDigits => true,
                TaxIdCheck::Format => false,
                TaxIdCheck::FreeText => unreachable!("every candidate's country has a format"),
            };
        let agrees = match &folio {
            Ok(canonical) => !exact || (stdnum_valid && canonical == &candidate.reference),
            Err(_) => !stdnum_valid,
        };
        if !agrees {
            disagreements.push(format!(
                "{} {}: Folio {:?}, stdnum {}",
                candidate.country, candidate.tax_id, folio, stdnum_valid
            ));
        }
        // The same id given with its prefix reads the same.
        if let Ok(canonical) = &folio {
            assert_eq!(
                canonical_tax_id(candidate.country, canonical).as_ref(),
                Ok(canonical),
                "{} is not a fixed point",
                canonical
            );
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} candidates disagree, e.g.:\n{}",
        disagreements.len(),
        candidates.len(),
        disagreements[..disagreements.len().min(20)].join("\n")
    );
    // Every country saw valid ids, so every rule was exercised both ways.
    for country in [
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "MX", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    ] {
        assert!(
            accepted_by_stdnum.get(country).copied().unwrap_or(0) > 0,
            "no candidate of {country} was valid: {accepted_by_stdnum:?}"
        );
    }
}
