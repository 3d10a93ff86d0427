//! The tenant's legal profile: who the seller is on every document it issues.
//!
//! An invoice names its seller (EN 16931 BG-4: name, postal address, VAT
//! identifier, legal registration, contact) and says how to pay it (BG-16, the
//! bank account). None of it belongs to one invoice: the tenant states it once,
//! in its settings, and every document takes the profile in force when it is
//! rendered. Each field is checked here the way its authority defines it: the
//! VAT number by [`crate::tax_id`], the IBAN by its ISO 13616 check digits, the
//! BIC by ISO 9362's shape.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::customer::is_country;
use crate::tax_id::{canonical_tax_id, TaxIdError};

/// Most characters of a name or an address line.
pub const MAX_FIELD: usize = 200;
/// Most street lines an address has (EN 16931 BT-35, BT-36 and BT-162).
pub const MAX_ADDRESS_LINES: usize = 3;

/// A postal address as EN 16931 structures it (BG-5 for the seller).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PostalAddress {
    /// Street and number, then further lines (1 to 3).
    pub lines: Vec<String>,
    /// The city or town.
    pub city: String,
    /// The postal code; none in countries that have none.
    pub postal_code: Option<String>,
    /// The region, state or province, where addresses name one.
    pub subdivision: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

/// Where customers pay the seller (EN 16931 BG-17).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BankAccount {
    /// The IBAN, upper case without spaces (ISO 13616).
    pub iban: String,
    /// The bank's BIC (8 or 11 characters), where the payer needs it.
    pub bic: Option<String>,
    /// The account holder's name, when it is not the seller's legal name.
    pub account_name: Option<String>,
}

/// The seller on every document the tenant issues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LegalProfile {
    /// The registered name (BT-27), e.g. `Muster GmbH`.
    pub legal_name: String,
    /// The name the seller trades under (BT-28), when it differs.
    pub trading_name: Option<String>,
    /// The registered address (BG-5).
    pub address: PostalAddress,
    /// The VAT number with its country prefix (BT-31), e.g. `DE136695976`; or
    /// for a Mexican tenant its RFC.
    pub vat_id: Option<String>,
    /// A national tax number other than the VAT number (BT-32), e.g. a German
    /// Steuernummer.
    pub tax_registration_id: Option<String>,
    /// The company register's number (BT-30), e.g. `HRB 12345, Amtsgericht
    /// München`.
    pub company_id: Option<String>,
    /// Where customers write about invoices (BT-43).
    pub email: Option<String>,
    /// Where customers call about invoices (BT-42).
    pub phone: Option<String>,
    /// Where customers pay; none if the tenant takes no transfers.
    pub bank_account: Option<BankAccount>,
}

/// Why a legal profile was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum LegalProfileError {
    /// A required text is empty, or a text is too long.
    #[error("{field} needs 1 to {MAX_FIELD} characters")]
    InvalidText {
        /// The field, as the API names it.
        field: String,
    },
    /// The address has no street line, or more than three.
    #[error("an address needs 1 to {MAX_ADDRESS_LINES} street lines")]
    AddressLines,
    /// The country is not an ISO 3166-1 alpha-2 code.
    #[error("'{0}' is not an ISO 3166-1 alpha-2 country code (e.g. DE, MX)")]
    InvalidCountry(String),
    /// The VAT number does not fit its country's rules.
    #[error(transparent)]
    VatId(#[from] TaxIdError),
    /// The IBAN's shape or check digits are wrong.
    #[error("'{0}' is not an IBAN: its length, characters or check digits are wrong (a typo?)")]
    InvalidIban(String),
    /// The BIC is not 8 or 11 letters and digits in ISO 9362's shape.
    #[error("'{0}' is not a BIC: expected 8 or 11 characters, e.g. DEUTDEFF or DEUTDEFF500")]
    InvalidBic(String),
    /// The e-mail address has no `@` between two non-empty parts.
    #[error("'{0}' is not an e-mail address")]
    InvalidEmail(String),
}

impl LegalProfile {
    /// The profile with its texts trimmed and its identifiers in canonical
    /// form, or why it cannot be a seller's.
    pub fn validated(self) -> Result<LegalProfile, LegalProfileError> {
        let address = self.address.validated()?;
        let vat_id = optional("vatId", self.vat_id)?
            .map(|id| canonical_tax_id(&address.country, &id))
            .transpose()?;
        let email = optional("email", self.email)?;
        if let Some(email) = &email {
            if !crate::email::is_email_address(email) {
                return Err(LegalProfileError::InvalidEmail(email.clone()));
            }
        }
        Ok(LegalProfile {
            legal_name: required("legalName", &self.legal_name)?,
            trading_name: optional("tradingName", self.trading_name)?,
            address,
            vat_id,
            tax_registration_id: optional("taxRegistrationId", self.tax_registration_id)?,
            company_id: optional("companyId", self.company_id)?,
            email,
            phone: optional("phone", self.phone)?,
            bank_account: self.bank_account.map(BankAccount::validated).transpose()?,
        })
    }
}

impl PostalAddress {
    fn validated(self) -> Result<PostalAddress, LegalProfileError> {
        let lines = self
            .lines
            .iter()
            .map(|line| line.trim())
            .filter(|line| !line.is_empty())
            .map(|line| required("address.lines", line))
            .collect::<Result<Vec<_>, _>>()?;
        if lines.is_empty() || lines.len() > MAX_ADDRESS_LINES {
            return Err(LegalProfileError::AddressLines);
        }
        let country = self.country.trim().to_uppercase();
        if !is_country(&country) {
            return Err(LegalProfileError::InvalidCountry(country));
        }
        Ok(PostalAddress {
            lines,
            city: required("address.city", &self.city)?,
            postal_code: optional("address.postalCode", self.postal_code)?,
            subdivision: optional("address.subdivision", self.subdivision)?,
            country,
        })
    }
}

impl BankAccount {
    fn validated(self) -> Result<BankAccount, LegalProfileError> {
        let iban = compact_upper(&self.iban);
        if !is_iban(&iban) {
            return Err(LegalProfileError::InvalidIban(self.iban));
        }
        let bic = optional("bankAccount.bic", self.bic)?.map(|bic| compact_upper(&bic));
        if let Some(bic) = &bic {
            if !is_bic(bic) {
                return Err(LegalProfileError::InvalidBic(bic.clone()));
            }
        }
        Ok(BankAccount {
            iban,
            bic,
            account_name: optional("bankAccount.accountName", self.account_name)?,
        })
    }
}

fn required(field: &'static str, text: &str) -> Result<String, LegalProfileError> {
    let text = text.trim();
    let chars = text.chars().count();
    if chars == 0 || chars > MAX_FIELD {
        return Err(LegalProfileError::InvalidText {
            field: field.to_owned(),
        });
    }
    Ok(text.to_owned())
}

/// An optional text: blank reads as absent.
fn optional(
    field: &'static str,
    text: Option<String>,
) -> Result<Option<String>, LegalProfileError> {
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => required(field, text).map(Some),
    }
}

fn compact_upper(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// ISO 13616: two letters, two check digits, up to 30 letters and digits; the
/// number formed by moving the first four characters to the end (letters as
/// 10 to 35) is 1 modulo 97.
pub fn is_iban(iban: &str) -> bool {
    let bytes = iban.as_bytes();
    if !(15..=34).contains(&bytes.len())
        || !bytes[..2].iter().all(u8::is_ascii_uppercase)
        || !bytes[2..4].iter().all(u8::is_ascii_digit)
        || !bytes.iter().all(u8::is_ascii_alphanumeric)
        || !is_country(&iban[..2])
    {
        return false;
    }
    let rearranged = bytes[4..].iter().chain(&bytes[..4]);
    let remainder = rearranged.fold(0u32, |remainder, &b| {
        if b.is_ascii_digit() {
            (remainder * 10 + u32::from(b - b'0')) % 97
        } else {
            (remainder * 100 + u32::from(b - b'A' + 10)) % 97
        }
    });
    remainder == 1
}

/// ISO 9362: four letters (the bank), a country, two letters or digits (the
/// location), and optionally three more (the branch).
fn is_bic(bic: &str) -> bool {
    let bytes = bic.as_bytes();
    (bytes.len() == 8 || bytes.len() == 11)
        && bytes[..4].iter().all(u8::is_ascii_uppercase)
        && is_country(&bic[4..6])
        && bytes[6..].iter().all(u8::is_ascii_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn muster_gmbh() -> LegalProfile {
        LegalProfile {
            legal_name: " Muster GmbH ".into(),
            trading_name: Some("".into()),
            address: PostalAddress {
                lines: vec!["Hauptstraße 1".into(), " ".into()],
                city: "München".into(),
                postal_code: Some("80331".into()),
                subdivision: None,
                country: "de".into(),
            },
            vat_id: Some("DE 136 695 976".into()),
            tax_registration_id: None,
            company_id: Some("HRB 12345".into()),
            email: Some("billing@muster.example".into()),
            phone: None,
            bank_account: Some(BankAccount {
                iban: "de89 3704 0044 0532 0130 00".into(),
                bic: Some("cobadeffxxx".into()),
                account_name: None,
            }),
        }
    }

    #[test]
    fn a_profile_is_kept_trimmed_with_its_identifiers_in_canonical_form() {
        let profile = muster_gmbh().validated().unwrap();
        assert_eq!(profile.legal_name, "Muster GmbH");
        assert_eq!(profile.trading_name, None, "a blank text reads as absent");
        assert_eq!(profile.address.lines, vec!["Hauptstraße 1".to_owned()]);
        assert_eq!(profile.address.country, "DE");
        assert_eq!(profile.vat_id.as_deref(), Some("DE136695976"));
        let account = profile.bank_account.unwrap();
        assert_eq!(account.iban, "DE89370400440532013000");
        assert_eq!(account.bic.as_deref(), Some("COBADEFFXXX"));
    }

    #[test]
    fn an_iban_with_a_typo_is_refused() {
        let mut profile = muster_gmbh();
        profile.bank_account.as_mut().unwrap().iban = "DE89370400440532013001".into();
        assert_eq!(
            profile.validated(),
            Err(LegalProfileError::InvalidIban(
                "DE89370400440532013001".into()
            ))
        );
    }

    #[test]
    fn ibans_of_several_countries_pass_their_check_digits() {
        for iban in [
            "GB82WEST12345698765432",
            "FR1420041010050500013M02606",
            "ES9121000418450200051332",
            "NL91ABNA0417164300",
            "BE68539007547034",
        ] {
            assert!(is_iban(iban), "{iban}");
        }
        assert!(!is_iban("XX82WEST12345698765432"), "no such country");
        assert!(!is_iban("GB82WEST1234569876543"), "one digit short");
    }

    #[test]
    fn a_vat_number_that_fails_its_check_digits_is_refused() {
        let mut profile = muster_gmbh();
        profile.vat_id = Some("DE136695977".into());
        assert!(matches!(
            profile.validated(),
            Err(LegalProfileError::VatId(TaxIdError::CheckDigits { .. }))
        ));
    }

    #[test]
    fn an_address_needs_a_street_a_city_and_a_country() {
        let mut profile = muster_gmbh();
        profile.address.lines = vec![" ".into()];
        assert_eq!(
            profile.clone().validated(),
            Err(LegalProfileError::AddressLines)
        );
        profile = muster_gmbh();
        profile.address.city = "".into();
        assert_eq!(
            profile.clone().validated(),
            Err(LegalProfileError::InvalidText {
                field: "address.city".into()
            })
        );
        profile = muster_gmbh();
        profile.address.country = "Germany".into();
        assert_eq!(
            profile.validated(),
            Err(LegalProfileError::InvalidCountry("GERMANY".into()))
        );
    }

    #[test]
    fn a_malformed_bic_or_e_mail_is_refused() {
        let mut profile = muster_gmbh();
        profile.bank_account.as_mut().unwrap().bic = Some("COBA".into());
        assert_eq!(
            profile.validated(),
            Err(LegalProfileError::InvalidBic("COBA".into()))
        );
        let mut profile = muster_gmbh();
        profile.email = Some("billing".into());
        assert_eq!(
            profile.validated(),
            Err(LegalProfileError::InvalidEmail("billing".into()))
        );
    }
}
