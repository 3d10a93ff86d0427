//! A tenant's settings: the policies that commands need (jurisdiction, rounding,
//! number series, expense approvals). They are event-sourced like everything else,
//! so an auditor can see which policy was in force when, and who changed it.
//!
//! Where a rule differs by country, the tenant's [`Jurisdiction`] decides it: the
//! rounding an EU e-invoice or a CFDI must follow, and how an issued invoice may
//! be cancelled (see [`crate::invoice`]).
//!
//! A tenant's **timezone** (an IANA name, `UTC` until set) decides what "today"
//! is for it: the default dates of documents and payments, due dates and aging.
//! A Mexican tenant's day ends six hours after UTC's.
//!
//! Its **accounting currency** is the currency of its books, set once: a
//! document in any other currency records the rate it was booked at (see
//! [`crate::exchange`]). Until it is set no document is foreign.

mod commands;
mod decide;
mod errors;
mod events;
mod jurisdiction;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::aggregate::{cqrs_aggregate, TenantOwned};
use crate::branding::TenantLogo;
use crate::dunning::DunningPolicy;
use crate::expense::ExpensePolicy;
use crate::ids::TenantId;
use crate::legal_profile::LegalProfile;
use crate::mail_settings::MailSettings;
use crate::money::Currency;
use crate::sat::{InstalledCsd, SatIssuer};
use crate::tax_catalogue::CatalogueRate;

pub use commands::SettingsCommand;
pub use errors::SettingsError;
pub use events::SettingsEvent;
pub use jurisdiction::{InvoicingPolicy, Jurisdiction};

/// A tenant's settings (aggregate id = the tenant id).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TenantSettings {
    /// The owning tenant, once created: commands from other tenants are refused as not
    /// found.
    pub tenant_id: Option<TenantId>,
    /// Jurisdiction in force (absent in snapshots taken before it existed).
    #[serde(default)]
    pub jurisdiction: Jurisdiction,
    /// Invoicing policy in force.
    pub invoicing: InvoicingPolicy,
    /// Expense policy in force.
    pub expenses: ExpensePolicy,
    /// IANA timezone of the tenant's "today" (absent in snapshots taken
    /// before it existed, and until set: UTC).
    #[serde(default)]
    pub timezone: Option<String>,
    /// Who the seller is on documents; none until the tenant states it.
    #[serde(default)]
    pub legal_profile: Option<LegalProfile>,
    /// The logo on the tenant's documents; none until it sets one.
    #[serde(default)]
    pub logo: Option<TenantLogo>,
    /// When customers are reminded of open invoices; none until it sets a
    /// schedule.
    #[serde(default)]
    pub dunning: DunningPolicy,
    /// How its e-mails go out; the defaults until it configures them.
    #[serde(default)]
    pub mail: MailSettings,
    /// The tax rates lines pick from; empty until the tenant states them.
    #[serde(default)]
    pub tax_rates: Vec<CatalogueRate>,
    /// The currency of the books; none until set, and until then no
    /// document is foreign.
    #[serde(default)]
    pub accounting_currency: Option<Currency>,
    /// Who the tenant is on its CFDIs; none until it states it (it must
    /// before a Mexican invoice is issued).
    #[serde(default)]
    pub sat_issuer: Option<SatIssuer>,
    /// The certificate its CFDIs are sealed with; none until installed.
    #[serde(default)]
    pub csd: Option<InstalledCsd>,
}

/// The timezone named `name`, if the timezone database knows it.
pub fn parse_timezone(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

impl TenantSettings {
    /// The catalogue rates of `keys`, in their order; the first key the
    /// catalogue does not hold is the error.
    pub fn catalogue_taxes(&self, keys: &[String]) -> Result<Vec<crate::tax::TaxRate>, String> {
        keys.iter()
            .map(|key| {
                let key = key.trim();
                self.tax_rates
                    .iter()
                    .find(|rate| rate.key == key)
                    .map(|rate| rate.tax.clone())
                    .ok_or_else(|| key.to_owned())
            })
            .collect()
    }

    /// The tenant's timezone (UTC until it sets one).
    pub fn zone(&self) -> Tz {
        self.timezone
            .as_deref()
            .and_then(parse_timezone)
            .unwrap_or(Tz::UTC)
    }

    /// The tenant's date at the instant `now`.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.zone()).date_naive()
    }

    /// Folds one event into the state.
    pub fn fold(&mut self, event: SettingsEvent) {
        match event {
            SettingsEvent::InvoicingConfigured { tenant_id, policy } => {
                self.tenant_id = Some(tenant_id);
                self.invoicing = policy;
            }
            SettingsEvent::ExpensePolicyConfigured { tenant_id, policy } => {
                self.tenant_id = Some(tenant_id);
                self.expenses = policy;
            }
            SettingsEvent::JurisdictionConfigured {
                tenant_id,
                jurisdiction,
                rounding,
            } => {
                self.tenant_id = Some(tenant_id);
                self.jurisdiction = jurisdiction;
                self.invoicing.rounding = rounding;
            }
            SettingsEvent::TimezoneConfigured {
                tenant_id,
                timezone,
            } => {
                self.tenant_id = Some(tenant_id);
                self.timezone = Some(timezone);
            }
            SettingsEvent::LegalProfileConfigured { tenant_id, profile } => {
                self.tenant_id = Some(tenant_id);
                self.legal_profile = Some(*profile);
            }
            SettingsEvent::LogoConfigured { tenant_id, logo } => {
                self.tenant_id = Some(tenant_id);
                self.logo = logo;
            }
            SettingsEvent::DunningConfigured { tenant_id, policy } => {
                self.tenant_id = Some(tenant_id);
                self.dunning = policy;
            }
            SettingsEvent::MailConfigured { tenant_id, mail } => {
                self.tenant_id = Some(tenant_id);
                self.mail = mail;
            }
            SettingsEvent::TaxRatesConfigured { tenant_id, rates } => {
                self.tenant_id = Some(tenant_id);
                self.tax_rates = rates;
            }
            SettingsEvent::AccountingCurrencyConfigured {
                tenant_id,
                currency,
            } => {
                self.tenant_id = Some(tenant_id);
                self.accounting_currency = Some(currency);
            }
            SettingsEvent::SatIssuerConfigured { tenant_id, issuer } => {
                self.tenant_id = Some(tenant_id);
                self.sat_issuer = Some(issuer);
            }
            SettingsEvent::CsdInstalled {
                tenant_id,
                certificate,
            } => {
                self.tenant_id = Some(tenant_id);
                self.csd = Some(certificate);
            }
        }
    }

    fn check_tenant(&self, tenant_id: TenantId) -> Result<(), SettingsError> {
        match self.tenant_id {
            Some(owner) if owner != tenant_id => Err(SettingsError::NotFound),
            _ => Ok(()),
        }
    }
}

impl TenantOwned for TenantSettings {
    fn tenant(&self) -> Option<TenantId> {
        self.tenant_id
    }
}

cqrs_aggregate!(
    TenantSettings,
    type = "TenantSettings",
    command = SettingsCommand,
    event = SettingsEvent,
    error = SettingsError
);
