//! The RFC (Registro Federal de Contribuyentes), Mexico's tax id, as SAT
//! builds it: 3 letters for a company (a *persona moral*) or 4 for a person
//! (a *persona física*), the date of birth or incorporation as `YYMMDD`, and a
//! three-character *homoclave* whose last character is a check digit.
//!
//! The check digit is verified the way SAT computes it (python-stdnum's
//! `validate_check_digits=True` is the reference `tests/tax_ids.rs` checks
//! against). SAT's generic RFCs carry none: `XAXX010101000` (the general public)
//! and `XEXX010101000` (a foreign receiver), and neither does the RFC of SAT's
//! own test certificates, `AAA010101AAA`; these three are accepted by name.

/// SAT's RFC for a receiver from the general public (*público en general*).
pub const GENERAL_PUBLIC: &str = "XAXX010101000";
/// SAT's RFC for a foreign receiver without a Mexican one.
pub const FOREIGN_RECEIVER: &str = "XEXX010101000";
/// The RFC of SAT's test certificates (CSD de pruebas), whose check digit SAT
/// did not compute by its own rule.
pub const SAT_TEST_ISSUER: &str = "AAA010101AAA";

/// Four-letter starts SAT never issues to a person (they spell words).
const FORBIDDEN_WORDS: [&str; 41] = [
    "BUEI", "BUEY", "CACA", "CACO", "CAGA", "CAGO", "CAKA", "CAKO", "COGE", "COJA", "COJE", "COJI",
    "COJO", "CULO", "FETO", "GUEY", "JOTO", "KACA", "KACO", "KAGA", "KAGO", "KAKA", "KOGE", "KOJO",
    "KULO", "MAME", "MAMO", "MEAR", "MEAS", "MEON", "MION", "MOCO", "MULA", "PEDA", "PEDO", "PENE",
    "PUTA", "PUTO", "QULO", "RATA", "RUIN",
];

/// The characters of an RFC in the order SAT's check-digit weights count them.
const ALPHABET: &str = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ";

/// Who holds an RFC, which its length says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Person {
    /// A company or other legal entity: 12 characters.
    Legal,
    /// A natural person: 13 characters.
    Natural,
}

impl Person {
    /// The holder of `rfc`, by its length (12: legal, 13: natural).
    pub fn of_rfc(rfc: &str) -> Option<Person> {
        match rfc.chars().count() {
            12 => Some(Person::Legal),
            13 => Some(Person::Natural),
            _ => None,
        }
    }
}

/// Why a text is not an RFC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RfcFault {
    /// Length, letters, date or homoclave do not fit.
    Malformed,
    /// Everything fits but the check digit.
    CheckDigit,
}

/// Checks an upper-case RFC without separators.
pub fn check(rfc: &str) -> Result<(), RfcFault> {
    if [GENERAL_PUBLIC, FOREIGN_RECEIVER, SAT_TEST_ISSUER].contains(&rfc) {
        return Ok(());
    }
    let c: Vec<char> = rfc.chars().collect();
    let letters = match Person::of_rfc(rfc) {
        Some(Person::Legal) => 3,
        Some(Person::Natural) => 4,
        None => return Err(RfcFault::Malformed),
    };
    let name_ok = c[..letters]
        .iter()
        .all(|c| c.is_ascii_uppercase() || *c == '&' || *c == 'Ñ');
    let date: String = c[letters..letters + 6].iter().collect();
    let date_ok = date.chars().all(|c| c.is_ascii_digit())
        && chrono::NaiveDate::parse_from_str(&format!("20{date}"), "%Y%m%d").is_ok();
    let start: String = c[..letters].iter().collect();
    let word_ok = letters == 3 || !FORBIDDEN_WORDS.contains(&start.as_str());
    let homoclave = &c[letters + 6..];
    // SAT's homoclave: two of 1-9 and A-V / A-Z, then the check digit (0-9, A).
    let homoclave_ok = matches!(homoclave[0], '1'..='9' | 'A'..='V')
        && matches!(homoclave[1], '1'..='9' | 'A'..='Z')
        && matches!(homoclave[2], '0'..='9' | 'A');
    if !(name_ok && date_ok && word_ok && homoclave_ok) {
        return Err(RfcFault::Malformed);
    }
    if check_digit(&c[..c.len() - 1]) == Some(c[c.len() - 1]) {
        Ok(())
    } else {
        Err(RfcFault::CheckDigit)
    }
}

/// SAT's check digit of the RFC's first 11 (company) or 12 (person)
/// characters: weights 13 down to 2 over the text right-aligned in 12
/// places, modulo 11.
fn check_digit(body: &[char]) -> Option<char> {
    let padding = 12usize.checked_sub(body.len())?;
    let alphabet: Vec<char> = ALPHABET.chars().collect();
    let mut sum = 0usize;
    for (i, c) in std::iter::repeat_n(' ', padding)
        .chain(body.iter().copied())
        .enumerate()
    {
        let value = alphabet.iter().position(|a| *a == c)?;
        sum += value * (13 - i);
    }
    let digit = (11 - sum % 11) % 11;
    alphabet.get(digit).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfcs_issued_by_sat_pass_their_check_digit() {
        for rfc in [
            "EKU9003173C9",
            "IIA040805DZ4",
            "CACX7605101P8",
            "GODE561231GR8",
        ] {
            assert_eq!(check(rfc), Ok(()), "{rfc}");
        }
    }

    #[test]
    fn a_typo_in_an_rfc_breaks_its_check_digit() {
        assert_eq!(check("EKU9003173C8"), Err(RfcFault::CheckDigit));
        assert_eq!(check("GODE561231GR9"), Err(RfcFault::CheckDigit));
    }

    #[test]
    fn the_generic_and_test_rfcs_are_accepted_by_name() {
        assert_eq!(check(GENERAL_PUBLIC), Ok(()));
        assert_eq!(check(FOREIGN_RECEIVER), Ok(()));
        assert_eq!(check(SAT_TEST_ISSUER), Ok(()));
        assert_eq!(check("XAXX010101001"), Err(RfcFault::Malformed));
    }

    #[test]
    fn the_length_says_who_holds_the_rfc() {
        assert_eq!(Person::of_rfc("EKU9003173C9"), Some(Person::Legal));
        assert_eq!(Person::of_rfc("GODE561231GR8"), Some(Person::Natural));
        assert_eq!(Person::of_rfc("EKU900317"), None);
    }
}
