//! The tenant's tax-rate catalogue: the rates lines pick by key
//! (`LineInput.taxRateKeys`), read in `tenantSettings.taxRates` and set by
//! admins with `configureTaxRates`.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use folio_domain::tax_catalogue::CatalogueRate;

use super::enums::{TaxTreatment, VatCategory};
use super::inputs::TaxInput;
use super::outcome::CommandResult;
use super::scalars::Decimal;

/// A rate of the tenant's catalogue.
#[derive(Debug, Clone, SimpleObject)]
pub struct TaxRateEntry {
    /// The key lines pick it by, e.g. `vat-19`.
    pub key: String,
    /// What people read, e.g. `VAT 19% (standard)`.
    pub name: String,
    /// The tax's code, e.g. `VAT`.
    pub code: String,
    /// Its rate in percent.
    pub percent: Decimal,
    /// Charged, zero-rated, exempt or withheld.
    pub treatment: TaxTreatment,
    /// Its EN 16931 VAT category, if it names one.
    pub category: Option<VatCategory>,
    /// Why no VAT is charged, as a VATEX code.
    pub exemption_reason_code: Option<String>,
    /// Why no VAT is charged, in words.
    pub exemption_reason: Option<String>,
}

impl From<CatalogueRate> for TaxRateEntry {
    fn from(rate: CatalogueRate) -> Self {
        let exemption = rate.tax.exemption;
        TaxRateEntry {
            key: rate.key,
            name: rate.name,
            code: rate.tax.code,
            percent: rate.tax.percent.into(),
            treatment: rate.tax.treatment.into(),
            category: rate.tax.category.map(Into::into),
            exemption_reason_code: exemption.as_ref().and_then(|e| e.code.clone()),
            exemption_reason: exemption.and_then(|e| e.reason),
        }
    }
}

/// A rate to keep in the catalogue.
#[derive(Debug, Clone, InputObject)]
pub struct TaxRateEntryInput {
    /// The key lines pick it by: 1 to 32 of `a-z`, `0-9`, `-`.
    pub key: String,
    /// What people read.
    pub name: String,
    /// The rate itself.
    pub tax: TaxInput,
}

/// The catalogue's mutation (admins).
#[derive(Debug, Default)]
pub struct TaxRatesMutation;

#[Object]
impl TaxRatesMutation {
    /// Sets the tenant's tax-rate catalogue: the whole list, which replaces
    /// the one in force. Lines already written keep the rates they were given.
    async fn configure_tax_rates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "Every rate, each under a key unique in the list.")] rates: Vec<
            TaxRateEntryInput,
        >,
    ) -> async_graphql::Result<CommandResult> {
        let rates: Vec<CatalogueRate> = rates
            .into_iter()
            .map(|rate| CatalogueRate {
                key: rate.key,
                name: rate.name,
                tax: rate.tax.into_domain(),
            })
            .collect();
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.configure_tax_rates(&c, rates)
        })
    }
}
