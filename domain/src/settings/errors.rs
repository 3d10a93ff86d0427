//! Why a settings command was refused.

use serde::{Deserialize, Serialize};

use super::Jurisdiction;
use crate::branding::LogoError;
use crate::document_number::InvalidSeries;
use crate::dunning::DunningError;
use crate::error_code::{Coded, ErrorCode};
use crate::expense::MAX_APPROVALS;
use crate::legal_profile::LegalProfileError;
use crate::mail_settings::MailSettingsError;
use crate::money::Currency;
use crate::pricing::RoundingPolicy;
use crate::sat::SatError;
use crate::tax_catalogue::CatalogueError;

/// A refused settings command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum SettingsError {
    /// A series name is malformed.
    #[error(transparent)]
    Series(#[from] InvalidSeries),
    /// Invoices, credit notes and payment complements need different series.
    #[error("invoices, credit notes and payment complements need different series")]
    SameSeries,
    /// A threshold is malformed.
    #[error("approval thresholds need an amount of 0 or more and 1 to {MAX_APPROVALS} approvals")]
    InvalidThreshold,
    /// A category limit is malformed.
    #[error("category limits need a category name and a positive limit")]
    InvalidCategoryLimit,
    /// The rounding is not the one the tenant's jurisdiction prescribes.
    #[error("under the {jurisdiction} jurisdiction invoices round {required:?}")]
    RoundingAgainstJurisdiction {
        /// The jurisdiction in force.
        jurisdiction: Jurisdiction,
        /// The rounding it prescribes.
        required: RoundingPolicy,
    },
    /// A field of the legal profile is malformed.
    #[error(transparent)]
    LegalProfile(#[from] LegalProfileError),
    /// The logo is not an image the documents can print.
    #[error(transparent)]
    Logo(#[from] LogoError),
    /// The reminder schedule is malformed.
    #[error(transparent)]
    Dunning(#[from] DunningError),
    /// The mail settings are malformed.
    #[error(transparent)]
    Mail(#[from] MailSettingsError),
    /// The tax-rate catalogue is malformed.
    #[error(transparent)]
    TaxRates(#[from] CatalogueError),
    /// The Mexican issuer data is malformed.
    #[error(transparent)]
    Sat(#[from] SatError),
    /// The timezone is not an IANA timezone name.
    #[error("'{0}' is not an IANA timezone name (e.g. Europe/Berlin, America/Mexico_City, UTC)")]
    UnknownTimezone(String),
    /// The books already have a currency: a document's accounting amounts
    /// would otherwise be in two.
    #[error("the books are kept in {0}; the accounting currency is set once")]
    AccountingCurrencyFixed(Currency),
    /// The settings belong to another tenant.
    #[error("settings not found")]
    NotFound,
}

impl Coded for SettingsError {
    fn code(&self) -> ErrorCode {
        match self {
            SettingsError::NotFound => ErrorCode::NotFound,
            _ => ErrorCode::Validation,
        }
    }
}
