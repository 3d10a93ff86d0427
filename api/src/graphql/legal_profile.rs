//! The tenant's legal profile as GraphQL reads and writes it: one shape for the
//! `tenantSettings.legalProfile` output and the `configureLegalProfile` input
//! (named `...Input` on the input side), mapped field by field to the domain's.

use async_graphql::{InputObject, SimpleObject};
use folio_domain::legal_profile as domain;

/// A postal address as EN 16931 structures it.
#[derive(Debug, Clone, SimpleObject, InputObject)]
#[graphql(input_name = "PostalAddressInput")]
pub struct PostalAddress {
    /// Street and number, then further lines (1 to 3; blank lines are dropped).
    pub lines: Vec<String>,
    /// The city or town.
    pub city: String,
    /// The postal code; null in countries that have none.
    pub postal_code: Option<String>,
    /// The region, state or province, where addresses name one.
    pub subdivision: Option<String>,
    /// ISO 3166-1 alpha-2 country code, e.g. `DE`.
    pub country: String,
}

/// Where customers pay the seller.
#[derive(Debug, Clone, SimpleObject, InputObject)]
#[graphql(input_name = "BankAccountInput")]
pub struct BankAccount {
    /// The IBAN; spaces are dropped and its check digits are verified.
    pub iban: String,
    /// The bank's BIC (8 or 11 characters), where payers need it.
    pub bic: Option<String>,
    /// The account holder, when it is not the seller's legal name.
    pub account_name: Option<String>,
}

/// Who the seller is on every document the tenant issues (EN 16931 BG-4).
#[derive(Debug, Clone, SimpleObject, InputObject)]
#[graphql(input_name = "LegalProfileInput")]
pub struct LegalProfile {
    /// The registered name, e.g. `Muster GmbH`.
    pub legal_name: String,
    /// The name the seller trades under, when it differs.
    pub trading_name: Option<String>,
    /// The registered address.
    pub address: PostalAddress,
    /// The VAT number with its country prefix, e.g. `DE136695976` (the prefix
    /// may be left out on input); for a Mexican tenant its RFC.
    pub vat_id: Option<String>,
    /// A national tax number other than the VAT number, e.g. a German Steuernummer.
    pub tax_registration_id: Option<String>,
    /// The company register's number, e.g. `HRB 12345, Amtsgericht München`.
    pub company_id: Option<String>,
    /// Where customers write about invoices.
    pub email: Option<String>,
    /// Where customers call about invoices.
    pub phone: Option<String>,
    /// Where customers pay; null if the tenant takes no transfers.
    pub bank_account: Option<BankAccount>,
}

impl From<domain::LegalProfile> for LegalProfile {
    fn from(profile: domain::LegalProfile) -> Self {
        LegalProfile {
            legal_name: profile.legal_name,
            trading_name: profile.trading_name,
            address: PostalAddress {
                lines: profile.address.lines,
                city: profile.address.city,
                postal_code: profile.address.postal_code,
                subdivision: profile.address.subdivision,
                country: profile.address.country,
            },
            vat_id: profile.vat_id,
            tax_registration_id: profile.tax_registration_id,
            company_id: profile.company_id,
            email: profile.email,
            phone: profile.phone,
            bank_account: profile.bank_account.map(|account| BankAccount {
                iban: account.iban,
                bic: account.bic,
                account_name: account.account_name,
            }),
        }
    }
}

impl From<LegalProfile> for domain::LegalProfile {
    fn from(profile: LegalProfile) -> Self {
        domain::LegalProfile {
            legal_name: profile.legal_name,
            trading_name: profile.trading_name,
            address: domain::PostalAddress {
                lines: profile.address.lines,
                city: profile.address.city,
                postal_code: profile.address.postal_code,
                subdivision: profile.address.subdivision,
                country: profile.address.country,
            },
            vat_id: profile.vat_id,
            tax_registration_id: profile.tax_registration_id,
            company_id: profile.company_id,
            email: profile.email,
            phone: profile.phone,
            bank_account: profile.bank_account.map(|account| domain::BankAccount {
                iban: account.iban,
                bic: account.bic,
                account_name: account.account_name,
            }),
        }
    }
}
