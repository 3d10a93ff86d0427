//! A tenant's tax-rate catalogue: the rates it charges, kept once under stable
//! keys (`vat-19`, `reverse-charge`), so that lines and allowances pick a rate
//! instead of stating code, percent, treatment, category and exemption each time.
//!
//! The catalogue only names rates. What a line or an adjustment records is the
//! full [`TaxRate`] the key stood for when it was added (the application layer
//! resolves keys), so changing the catalogue never changes a draft or an issued
//! invoice.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::tax::{TaxError, TaxRate};

/// Most rates a catalogue holds.
pub const MAX_RATES: usize = 100;
/// Longest key.
pub const MAX_KEY: usize = 32;
/// Longest name.
pub const MAX_NAME: usize = 100;

/// One rate of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CatalogueRate {
    /// The stable handle lines pick the rate by: 1 to 32 of `a-z`, `0-9`, `-`.
    pub key: String,
    /// What people read, e.g. `VAT 19% (standard)`.
    pub name: String,
    /// The rate itself, checked as a line's tax is.
    pub tax: TaxRate,
}

/// Why a catalogue was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum CatalogueError {
    /// A key is empty, too long, or has other characters than `a-z0-9-`.
    #[error("a tax rate key is 1 to {MAX_KEY} of a-z, 0-9 and '-', got '{0}'")]
    InvalidKey(String),
    /// Two rates share a key.
    #[error("the tax rate key '{0}' is used twice")]
    DuplicateKey(String),
    /// A name is empty or too long.
    #[error("tax rate '{key}' needs a name of 1 to {MAX_NAME} characters")]
    InvalidName {
        /// The rate's key.
        key: String,
    },
    /// Too many rates.
    #[error("a tax-rate catalogue holds at most {MAX_RATES} rates")]
    TooManyRates,
    /// A rate is invalid.
    #[error("tax rate '{key}': {error}")]
    Tax {
        /// The rate's key.
        key: String,
        /// What is wrong with it.
        error: TaxError,
    },
}

/// Checks a catalogue and returns it with keys and names trimmed.
pub fn validated(rates: Vec<CatalogueRate>) -> Result<Vec<CatalogueRate>, CatalogueError> {
    if rates.len() > MAX_RATES {
        return Err(CatalogueError::TooManyRates);
    }
    let mut checked: Vec<CatalogueRate> = Vec::with_capacity(rates.len());
    for rate in rates {
        let key = rate.key.trim().to_owned();
        let key_ok = !key.is_empty()
            && key.len() <= MAX_KEY
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !key_ok {
            return Err(CatalogueError::InvalidKey(key));
        }
        if checked.iter().any(|c| c.key == key) {
            return Err(CatalogueError::DuplicateKey(key));
        }
        let name = rate.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > MAX_NAME {
            return Err(CatalogueError::InvalidName { key });
        }
        if let Err(error) = rate.tax.validate() {
            return Err(CatalogueError::Tax { key, error });
        }
        checked.push(CatalogueRate {
            key,
            name,
            tax: rate.tax,
        });
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tax::{TaxTreatment, VatCategory};
    use rust_decimal_macros::dec;

    fn vat(key: &str, percent: rust_decimal::Decimal) -> CatalogueRate {
        CatalogueRate {
            key: key.into(),
            name: format!("VAT {percent}%"),
            tax: TaxRate {
                code: "VAT".into(),
                percent,
                treatment: TaxTreatment::Standard,
                category: Some(VatCategory::Standard),
                exemption: None,
            },
        }
    }

    #[test]
    fn a_catalogue_of_distinct_keys_and_valid_rates_is_kept_trimmed() {
        let mut padded = vat("vat-19", dec!(19));
        padded.key = " vat-19 ".into();
        let kept = validated(vec![padded, vat("vat-7", dec!(7))]).unwrap();
        assert_eq!(kept[0].key, "vat-19");
        assert_eq!(kept.len(), 2);
    }

    #[test]
    fn the_settings_record_the_whole_catalogue_and_resolve_its_keys() {
        use crate::ids::TenantId;
        use crate::settings::{SettingsCommand, SettingsEvent, TenantSettings};
        use cqrs_es::test::TestFramework;
        let tenant = TenantId::from_uuid(uuid::Uuid::from_u128(7));
        let rates = vec![vat("vat-19", dec!(19)), vat("vat-7", dec!(7))];
        TestFramework::<TenantSettings>::with(())
            .given_no_previous_events()
            .when(SettingsCommand::ConfigureTaxRates {
                tenant_id: tenant,
                rates: rates.clone(),
            })
            .then_expect_events(vec![SettingsEvent::TaxRatesConfigured {
                tenant_id: tenant,
                rates: rates.clone(),
            }]);
        let mut settings = TenantSettings::default();
        settings.fold(SettingsEvent::TaxRatesConfigured {
            tenant_id: tenant,
            rates: rates.clone(),
        });
        let picked = settings.catalogue_taxes(&["vat-7".into(), " vat-19 ".into()]);
        assert_eq!(picked, Ok(vec![rates[1].tax.clone(), rates[0].tax.clone()]));
        assert_eq!(
            settings.catalogue_taxes(&["vat-21".into()]),
            Err("vat-21".to_owned())
        );
    }

    #[test]
    fn keys_are_lowercase_handles_used_once() {
        assert_eq!(
            validated(vec![vat("VAT 19", dec!(19))]),
            Err(CatalogueError::InvalidKey("VAT 19".into()))
        );
        assert_eq!(
            validated(vec![vat("vat", dec!(19)), vat("vat", dec!(7))]),
            Err(CatalogueError::DuplicateKey("vat".into()))
        );
    }

    #[test]
    fn each_rate_is_checked_as_a_line_s_tax_is() {
        // Category S needs a rate above 0% (BR-S-05).
        assert!(matches!(
            validated(vec![vat("vat-0", dec!(0))]),
            Err(CatalogueError::Tax { key, .. }) if key == "vat-0"
        ));
        let too_many: Vec<_> = (0..=MAX_RATES)
            .map(|n| vat(&format!("r{n}"), dec!(19)))
            .collect();
        assert_eq!(validated(too_many), Err(CatalogueError::TooManyRates));
    }
}
