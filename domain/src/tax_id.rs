//! Tax identifiers (a customer's VAT number or RFC), checked the way the
//! authority that issues them defines them.
//!
//! An invoice carries the buyer's tax id (EN 16931 BT-48, CFDI's
//! `Receptor/@Rfc`), and a wrong one makes the document worthless for input-VAT
//! recovery or refused by the PAC. So a customer's tax id is checked when it is
//! entered, and stored in one canonical form:
//!
//! - **EU member states and the United Kingdom**: the VAT number with its
//!   country prefix (`DE136695976`, `EL094259216` for Greece, `ATU13585627`),
//!   without spaces, dots or dashes. The prefix may be left out on input. For
//!   the countries [`TaxIdCheck::CheckDigits`] names, the national check digits
//!   are verified; for the others, the format.
//! - **Mexico**: the RFC (12 characters for a company, 13 for a person): letters,
//!   a valid date of registration and the three-character *homoclave*, whose
//!   last character is a check digit (see [`crate::sat::rfc`], which also names
//!   the generic RFCs that carry none).
//! - **Elsewhere**: free text of up to 40 letters, digits, spaces and `-./`.
//!
//! Every rule here is cross-checked against python-stdnum, the reference
//! library of these formats, by `tests/tax_ids.rs`.

use serde::{Deserialize, Serialize};

/// Longest tax id accepted for a country without a known format.
pub const MAX_TAX_ID: usize = 40;

/// Why a tax id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum TaxIdError {
    /// The characters or the length do not fit the country's format.
    #[error("'{tax_id}' is not a {country} tax id: expected {expected}")]
    Malformed {
        /// The country whose format was applied.
        country: String,
        /// The tax id as given.
        tax_id: String,
        /// The format, in words.
        expected: String,
    },
    /// The format fits but the check digits do not.
    #[error("'{tax_id}' is not a {country} tax id: its check digits are wrong (a typo?)")]
    CheckDigits {
        /// The country whose rule was applied.
        country: String,
        /// The tax id as given.
        tax_id: String,
    },
}

/// How much of a country's tax ids Folio verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxIdCheck {
    /// Format and national check digits.
    CheckDigits,
    /// Format only (length, digits and letters where the authority puts them).
    Format,
    /// Free text: Folio knows no format for the country.
    FreeText,
}

/// Why a number failed its country's rule.
enum Fault {
    Malformed,
    CheckDigits,
}

/// One country's tax-id rule.
struct Scheme {
    /// The country (ISO 3166-1 alpha-2).
    country: &'static str,
    /// The VAT prefix, where it differs from nothing: `EL` for Greece.
    prefix: &'static str,
    /// The format in words, for the error.
    expected: &'static str,
    /// How much the rule verifies.
    check: TaxIdCheck,
    /// Validates the compacted number without its prefix and returns its
    /// canonical national part.
    rule: fn(&str) -> Result<String, Fault>,
}

/// The countries with a known format, sorted by country.
const SCHEMES: [Scheme; 29] = [
    scheme("AT", "AT", "U and 8 digits", TaxIdCheck::CheckDigits, at),
    scheme(
        "BE",
        "BE",
        "10 digits starting with 0 or 1",
        TaxIdCheck::CheckDigits,
        be,
    ),
    scheme("BG", "BG", "9 or 10 digits", TaxIdCheck::Format, bg),
    scheme("CY", "CY", "8 digits and a letter", TaxIdCheck::Format, cy),
    scheme("CZ", "CZ", "8 to 10 digits", TaxIdCheck::Format, cz),
    scheme("DE", "DE", "9 digits", TaxIdCheck::CheckDigits, de),
    scheme("DK", "DK", "8 digits", TaxIdCheck::CheckDigits, dk),
    scheme("EE", "EE", "9 digits", TaxIdCheck::CheckDigits, ee),
    scheme(
        "ES",
        "ES",
        "9 characters: a letter or digit, 7 digits, a letter or digit",
        TaxIdCheck::Format,
        es,
    ),
    scheme("FI", "FI", "8 digits", TaxIdCheck::CheckDigits, fi),
    scheme(
        "FR",
        "FR",
        "a 2-character key and a 9-digit SIREN",
        TaxIdCheck::CheckDigits,
        fr,
    ),
    scheme(
        "GB",
        "GB",
        "9 or 12 digits (or GD/HA and 3 digits)",
        TaxIdCheck::CheckDigits,
        gb,
    ),
    scheme("GR", "EL", "9 digits", TaxIdCheck::CheckDigits, gr),
    scheme("HR", "HR", "11 digits", TaxIdCheck::CheckDigits, hr),
    scheme("HU", "HU", "8 digits", TaxIdCheck::CheckDigits, hu),
    scheme(
        "IE",
        "IE",
        "7 digits and 1 or 2 letters, or digit, letter, 5 digits, letter",
        TaxIdCheck::Format,
        ie,
    ),
    scheme("IT", "IT", "11 digits", TaxIdCheck::CheckDigits, it),
    scheme("LT", "LT", "9 or 12 digits", TaxIdCheck::Format, lt),
    scheme("LU", "LU", "8 digits", TaxIdCheck::CheckDigits, lu),
    scheme("LV", "LV", "11 digits", TaxIdCheck::Format, lv),
    scheme(
        "MT",
        "MT",
        "8 digits not starting with 0",
        TaxIdCheck::CheckDigits,
        mt,
    ),
    scheme(
        "MX",
        "",
        "an RFC: 3 letters (4 for a person), a date YYMMDD and a 3-character homoclave",
        TaxIdCheck::CheckDigits,
        mx,
    ),
    scheme(
        "NL",
        "NL",
        "9 digits, B and 2 digits",
        TaxIdCheck::CheckDigits,
        nl,
    ),
    scheme("PL", "PL", "10 digits", TaxIdCheck::CheckDigits, pl),
    scheme(
        "PT",
        "PT",
        "9 digits not starting with 0",
        TaxIdCheck::CheckDigits,
        pt,
    ),
    scheme("RO", "RO", "2 to 10 digits, or 13", TaxIdCheck::Format, ro),
    scheme(
        "SE",
        "SE",
        "12 digits ending in 01",
        TaxIdCheck::CheckDigits,
        se,
    ),
    scheme(
        "SI",
        "SI",
        "8 digits not starting with 0",
        TaxIdCheck::CheckDigits,
        si,
    ),
    scheme("SK", "SK", "10 digits", TaxIdCheck::Format, sk),
];

const fn scheme(
    country: &'static str,
    prefix: &'static str,
    expected: &'static str,
    check: TaxIdCheck,
    rule: fn(&str) -> Result<String, Fault>,
) -> Scheme {
    Scheme {
        country,
        prefix,
        expected,
        check,
        rule,
    }
}

fn scheme_of(country: &str) -> Option<&'static Scheme> {
    SCHEMES.iter().find(|s| s.country == country)
}

/// How much Folio verifies of `country`'s tax ids.
pub fn tax_id_check(country: &str) -> TaxIdCheck {
    scheme_of(country).map_or(TaxIdCheck::FreeText, |s| s.check)
}

/// Checks `tax_id` for a customer in `country` and returns its canonical form
/// (see the module docs).
///
/// For a customer in an EU member state or the United Kingdom, a VAT number
/// that starts with another of these countries' prefixes is checked by that
/// country's rule: a business may be registered for VAT elsewhere than its
/// address.
pub fn canonical_tax_id(country: &str, tax_id: &str) -> Result<String, TaxIdError> {
    let Some(home) = scheme_of(country) else {
        return free_text(country, tax_id);
    };
    let compact: String = tax_id
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '/' | ',' | ':' | '_'))
        .flat_map(char::to_uppercase)
        .collect();
    let vat_scheme = |prefix: &str| {
        SCHEMES
            .iter()
            .find(|s| !s.prefix.is_empty() && s.prefix == prefix)
    };
    let (scheme, national) = if home.prefix.is_empty() {
        (home, compact.as_str())
    } else if let Some(other) = compact.get(..2).and_then(vat_scheme) {
        (other, &compact[2..])
    } else if home.country == "GB" && compact.starts_with("XI") {
        (home, &compact[2..])
    } else {
        (home, compact.as_str())
    };
    match (scheme.rule)(national) {
        Ok(national) => Ok(format!("{}{national}", scheme.prefix)),
        Err(Fault::Malformed) => Err(TaxIdError::Malformed {
            country: scheme.country.to_owned(),
            tax_id: tax_id.to_owned(),
            expected: scheme.expected.to_owned(),
        }),
        Err(Fault::CheckDigits) => Err(TaxIdError::CheckDigits {
            country: scheme.country.to_owned(),
            tax_id: tax_id.to_owned(),
        }),
    }
}

fn free_text(country: &str, tax_id: &str) -> Result<String, TaxIdError> {
    let tax_id = tax_id.split_whitespace().collect::<Vec<_>>().join(" ");
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, ' ' | '-' | '.' | '/');
    if tax_id.is_empty() || tax_id.chars().count() > MAX_TAX_ID || !tax_id.chars().all(allowed) {
        return Err(TaxIdError::Malformed {
            country: country.to_owned(),
            tax_id,
            expected: format!("1 to {MAX_TAX_ID} letters, digits, spaces, '-', '.' or '/'"),
        });
    }
    Ok(tax_id)
}

// ---- building blocks ----

fn digits(number: &str) -> Option<Vec<u32>> {
    if number.is_empty() {
        return None;
    }
    number.chars().map(|c| c.to_digit(10)).collect()
}

/// `number` as digits when it has one of `lengths`.
fn digits_of_length(number: &str, lengths: &[usize]) -> Result<Vec<u32>, Fault> {
    match digits(number) {
        Some(d) if lengths.contains(&d.len()) => Ok(d),
        _ => Err(Fault::Malformed),
    }
}

fn weighted(digits: &[u32], weights: &[i64]) -> i64 {
    digits
        .iter()
        .zip(weights)
        .map(|(d, w)| i64::from(*d) * w)
        .sum()
}

/// Luhn's checksum: 0 for a valid number.
fn luhn(digits: &[u32]) -> u32 {
    digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                (d * 2) / 10 + (d * 2) % 10
            } else {
                *d
            }
        })
        .sum::<u32>()
        % 10
}

/// ISO 7064 MOD 11,10: 1 for a valid number.
fn mod_11_10(digits: &[u32]) -> u32 {
    digits.iter().fold(5, |check, d| {
        let check = if check == 0 { 10 } else { check };
        ((check * 2) % 11 + d) % 10
    })
}

/// `number` mod 97 after ISO 7064 letters-to-numbers (A = 10 ... Z = 35).
fn mod_97(number: &str) -> Option<u32> {
    let mut rest = 0u32;
    for c in number.chars() {
        let value = c.to_digit(36)?;
        let (scale, value) = if value >= 10 {
            (100, value)
        } else {
            (10, value)
        };
        rest = (rest * scale + value) % 97;
    }
    Some(rest)
}

fn verified(ok: bool, number: &str) -> Result<String, Fault> {
    if ok {
        Ok(number.to_owned())
    } else {
        Err(Fault::CheckDigits)
    }
}

fn format_only(ok: bool, number: &str) -> Result<String, Fault> {
    if ok {
        Ok(number.to_owned())
    } else {
        Err(Fault::Malformed)
    }
}

fn is_upper(c: char) -> bool {
    c.is_ascii_uppercase()
}

// ---- one rule per country ----

fn at(n: &str) -> Result<String, Fault> {
    let d = n
        .strip_prefix('U')
        .map(|rest| digits_of_length(rest, &[8]))
        .ok_or(Fault::Malformed)??;
    verified((6 + 10 - luhn(&d[..7])) % 10 == d[7], n)
}

fn be(n: &str) -> Result<String, Fault> {
    let n = if n.len() == 9 {
        format!("0{n}")
    } else {
        n.to_owned()
    };
    let d = digits_of_length(&n, &[10])?;
    if d.iter().all(|d| *d == 0) || d[0] > 1 {
        return Err(Fault::Malformed);
    }
    let body: u64 = n[..8].parse().map_err(|_| Fault::Malformed)?;
    let check: u64 = n[8..].parse().map_err(|_| Fault::Malformed)?;
    verified((body + check) % 97 == 0, &n)
}

fn bg(n: &str) -> Result<String, Fault> {
    digits_of_length(n, &[9, 10]).map(|_| n.to_owned())
}

fn cy(n: &str) -> Result<String, Fault> {
    let ok = n.len() == 9 && digits(&n[..8]).is_some() && n[8..].chars().all(is_upper);
    format_only(ok, n)
}

fn cz(n: &str) -> Result<String, Fault> {
    digits_of_length(n, &[8, 9, 10]).map(|_| n.to_owned())
}

fn de(n: &str) -> Result<String, Fault> {
    let d = digits_of_length(n, &[9])?;
    if d[0] == 0 {
        return Err(Fault::Malformed);
    }
    verified(mod_11_10(&d) == 1, n)
}

fn dk(n: &str) -> Result<String, Fault> {
    let d = digits_of_length(n, &[8])?;
    if d[0] == 0 {
        return Err(Fault::Malformed);
    }
    verified(weighted(&d, &[2, 7, 6, 5, 4, 3, 2, 1]) % 11 == 0, n)
}

fn ee(n: &str) -> Result<String, Fault> {
    let d = digits_of_length(n, &[9])?;
    verified(weighted(&d, &[3, 7, 1, 3, 7, 1, 3, 7, 1]) % 10 == 0, n)
}

fn es(n: &str) -> Result<String, Fault> {
    let chars: Vec<char> = n.chars().collect();
    let ok = chars.len() == 9
        && chars[1..8].iter().all(char::is_ascii_digit)
        && [chars[0], chars[8]]
            .iter()
            .all(|c| c.is_ascii_digit() || is_upper(*c));
    format_only(ok, n)
}

fn fi(n: &str) -> Result<String, Fault> {
    let d = digits_of_length(n, &[8])?;
    verified(weighted(&d, &[7, 9, 10, 5, 8, 4, 2, 1]) % 11 == 0, n)
}

fn fr(n: &str) -> Result<String, Fault> {
    const KEY: &str = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let (key, siren) = (
        n.get(..2).ok_or(Fault::Malformed)?,
        n.get(2..).unwrap_or(""),
    );
    let siren_digits = digits_of_length(siren, &[9])?;
    if !key.chars().all(|c| KEY.contains(c)) {
        return Err(Fault::Malformed);
    }
    if &siren[..3] != "000" && luhn(&siren_digits) != 0 {
        return Err(Fault::CheckDigits);
    }
    let siren_value: u64 = siren.parse().map_err(|_| Fault::Malformed)?;
    let ok = if let Ok(key) = key.parse::<u64>() {
        key == (siren_value * 100 + 12) % 97
    } else {
        let index = |c: char| KEY.find(c).map(|i| i as u64);
        let (first, second) = (
            index(key.chars().next().ok_or(Fault::Malformed)?).ok_or(Fault::Malformed)?,
            index(key.chars().nth(1).ok_or(Fault::Malformed)?).ok_or(Fault::Malformed)?,
        );
        // The alphanumeric keys of newer numbers (python-stdnum's rule).
        let check = if first < 10 {
            (first * 24 + second).checked_sub(10)
        } else {
            (first * 34 + second).checked_sub(100)
        }
        .ok_or(Fault::CheckDigits)?;
        (siren_value + 1 + check / 11) % 11 == check % 11
    };
    verified(ok, n)
}

fn gb(n: &str) -> Result<String, Fault> {
    let weights = [8, 7, 6, 5, 4, 3, 2, 10, 1];
    if n.len() == 5 && (n.starts_with("GD") || n.starts_with("HA")) {
        let unit: u32 = n[2..].parse().map_err(|_| Fault::Malformed)?;
        let ok = digits(&n[2..]).is_some() && (n.starts_with("GD") == (unit < 500));
        return format_only(ok, n);
    }
    let d = digits_of_length(n, &[9, 12])?;
    let sum = weighted(&d[..9], &weights) % 97;
    let ok = if d[0] * 100 + d[1] * 10 + d[2] >= 100 {
        matches!(sum, 0 | 42 | 55)
    } else {
        sum == 0
    };
    verified(ok, n)
}

fn gr(n: &str) -> Result<String, Fault> {
    let n = if n.len() == 8 {
        format!("0{n}")
    } else {
        n.to_owned()
    };
    let d = digits_of_length(&n, &[9])?;
    let sum = d[..8].iter().fold(0u64, |acc, d| acc * 2 + u64::from(*d));
    verified((sum * 2 % 11 % 10) as u32 == d[8], &n)
}

fn hr(n: &str) -> Result<String, Fault> {
    let d = digits_of_length(n, &[11])?;
    verified(mod_11_10(&d) == 1, n)
}

fn hu(n: &str) -> Result<String, Fault> {
    let d = digits_of_length(n, &[8])?;
    verified(weighted(&d, &[9, 7, 3, 1, 9, 7, 3, 1]) % 10 == 0, n)
}

fn ie(n: &str) -> Result<String, Fault> {
    let c: Vec<char> = n.chars().collect();
    let letter = |c: char| c.is_ascii_uppercase();
    let modern = (c.len() == 8 || c.len() == 9)
        && c[..7].iter().all(char::is_ascii_digit)
        && c[7..].iter().all(|c| letter(*c));
    let old = c.len() == 8
        && c[0].is_ascii_digit()
        && (letter(c[1]) || c[1] == '+' || c[1] == '*')
        && c[2..7].iter().all(char::is_ascii_digit)
        && letter(c[7]);
    format_only(modern || old, n)
}

fn it(n: &str) -> Result<String, Fault> {
    let d = digits_of_length(n, &[11])?;
    let office = &n[7..10];
    let office_ok =
        ("001"..="100").contains(&office) || ["120", "121", "888", "999"].contains(&office);
    if d[..7].iter().all(|d| *d == 0) || !office_ok {
        return Err(Fault::Malformed);
    }
    verified(luhn(&d) == 0, n)
}

fn lt(n: &str) -> Result<String, Fault> {
    digits_of_length(n, &[9, 12]).map(|_| n.to_owned())
}

fn lu(n: &str) -> Result<String, Fault> {
    digits_of_length(n, &[8])?;
    let body: u32 = n[..6].parse().map_err(|_| Fault::Malformed)?;
    let check: u32 = n[6..].parse().map_err(|_| Fault::Malformed)?;
    verified(body % 89 == check, n)
}

fn lv(n: &str) -> Result<String, Fault> {
    digits_of_length(n, &[11]).map(|_| n.to_owned())
}

fn mt(n: &str) -> Result<String, Fault> {
    let d = digits_of_length(n, &[8])?;
    if d[0] == 0 {
        return Err(Fault::Malformed);
    }
    verified(weighted(&d, &[3, 4, 6, 7, 8, 9, 10, 1]) % 37 == 0, n)
}

fn mx(n: &str) -> Result<String, Fault> {
    match crate::sat::rfc::check(n) {
        Ok(()) => Ok(n.to_owned()),
        Err(crate::sat::rfc::RfcFault::Malformed) => Err(Fault::Malformed),
        Err(crate::sat::rfc::RfcFault::CheckDigit) => Err(Fault::CheckDigits),
    }
}

fn nl(n: &str) -> Result<String, Fault> {
    let ok = n.len() == 12
        && digits(&n[..9]).is_some()
        && &n[9..10] == "B"
        && digits(&n[10..]).is_some();
    if !ok || n[..9].bytes().all(|b| b == b'0') || &n[10..] == "00" {
        return Err(Fault::Malformed);
    }
    let d = digits(&n[..9]).ok_or(Fault::Malformed)?;
    let bsn = weighted(&d, &[9, 8, 7, 6, 5, 4, 3, 2, -1]) % 11 == 0;
    verified(bsn || mod_97(&format!("NL{n}")) == Some(1), n)
}

fn pl(n: &str) -> Result<String, Fault> {
    let d = digits_of_length(n, &[10])?;
    verified(weighted(&d, &[6, 5, 7, 2, 3, 4, 5, 6, 7, -1]) % 11 == 0, n)
}

fn pt(n: &str) -> Result<String, Fault> {
    let d = digits_of_length(n, &[9])?;
    if d[0] == 0 {
        return Err(Fault::Malformed);
    }
    let sum = weighted(&d[..8], &[9, 8, 7, 6, 5, 4, 3, 2]);
    verified(((11 - sum % 11) % 11 % 10) as u32 == d[8], n)
}

fn ro(n: &str) -> Result<String, Fault> {
    digits_of_length(n, &[2, 3, 4, 5, 6, 7, 8, 9, 10, 13]).map(|_| n.to_owned())
}

fn se(n: &str) -> Result<String, Fault> {
    let d = digits_of_length(n, &[12])?;
    if &n[10..] != "01" {
        return Err(Fault::Malformed);
    }
    verified(luhn(&d[..10]) == 0, n)
}

fn si(n: &str) -> Result<String, Fault> {
    let d = digits_of_length(n, &[8])?;
    if d[0] == 0 {
        return Err(Fault::Malformed);
    }
    let check = 11 - weighted(&d[..7], &[8, 7, 6, 5, 4, 3, 2]) % 11;
    let check = if check == 10 { 0 } else { check };
    verified(check == i64::from(d[7]), n)
}

fn sk(n: &str) -> Result<String, Fault> {
    digits_of_length(n, &[10]).map(|_| n.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(country: &str, tax_id: &str) -> String {
        canonical_tax_id(country, tax_id).unwrap_or_else(|e| panic!("{country} {tax_id}: {e}"))
    }

    #[test]
    fn schemes_are_sorted_and_unique() {
        assert!(SCHEMES.windows(2).all(|w| w[0].country < w[1].country));
    }

    #[test]
    fn a_german_vat_number_is_stored_with_its_prefix_and_without_spaces() {
        assert_eq!(ok("DE", "136 695 976"), "DE136695976");
        assert_eq!(ok("DE", "de136695976"), "DE136695976");
    }

    #[test]
    fn a_german_vat_number_with_a_typo_is_refused_for_its_check_digit() {
        assert!(matches!(
            canonical_tax_id("DE", "DE136695978"),
            Err(TaxIdError::CheckDigits { .. })
        ));
    }

    #[test]
    fn a_greek_vat_number_takes_the_el_prefix() {
        assert_eq!(ok("GR", "094259216"), "EL094259216");
        assert_eq!(ok("GR", "EL 094259216"), "EL094259216");
    }

    #[test]
    fn a_vat_number_registered_in_another_member_state_is_checked_by_its_rule() {
        assert_eq!(ok("DE", "ATU13585627"), "ATU13585627");
        assert!(canonical_tax_id("DE", "ATU13585628").is_err());
    }

    #[test]
    fn an_rfc_needs_a_real_date_and_the_right_length() {
        assert_eq!(ok("MX", "eku9003173c9"), "EKU9003173C9");
        assert_eq!(ok("MX", "XAXX010101000"), "XAXX010101000");
        assert!(canonical_tax_id("MX", "EKU9013173C9").is_err()); // month 13
        assert!(canonical_tax_id("MX", "EKU900317").is_err());
        assert!(matches!(
            canonical_tax_id("MX", "EKU9003173C8"),
            Err(TaxIdError::CheckDigits { .. })
        ));
    }

    #[test]
    fn a_person_rfc_never_starts_with_a_word_sat_avoids() {
        assert!(canonical_tax_id("MX", "PUTO900317AB1").is_err());
    }

    #[test]
    fn elsewhere_a_tax_id_is_free_text_within_bounds() {
        assert_eq!(ok("US", "  12-3456789 "), "12-3456789");
        assert!(canonical_tax_id("US", &"9".repeat(41)).is_err());
        assert!(canonical_tax_id("US", "12<script>").is_err());
    }

    #[test]
    fn only_the_named_countries_are_checked_by_their_digits() {
        assert_eq!(tax_id_check("DE"), TaxIdCheck::CheckDigits);
        assert_eq!(tax_id_check("ES"), TaxIdCheck::Format);
        assert_eq!(tax_id_check("US"), TaxIdCheck::FreeText);
    }
}
