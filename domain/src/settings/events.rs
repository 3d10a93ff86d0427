//! What happened to a tenant's settings.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{InvoicingPolicy, Jurisdiction};
use crate::aggregate::domain_event;
use crate::branding::TenantLogo;
use crate::dunning::DunningPolicy;
use crate::expense::ExpensePolicy;
use crate::ids::TenantId;
use crate::legal_profile::LegalProfile;
use crate::mail_settings::MailSettings;
use crate::money::Currency;
use crate::pricing::RoundingPolicy;
use crate::sat::{InstalledCsd, SatIssuer};
use crate::tax_catalogue::CatalogueRate;

/// An event of a tenant's settings.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
pub enum SettingsEvent {
    /// The invoicing policy changed.
    InvoicingConfigured {
        /// The tenant these settings belong to; every settings event repeats it.
        tenant_id: TenantId,
        /// The policy now in force.
        policy: InvoicingPolicy,
    },
    /// The expense policy changed.
    ExpensePolicyConfigured {
        /// The tenant these settings belong to; every settings event repeats it.
        tenant_id: TenantId,
        /// The policy now in force.
        policy: ExpensePolicy,
    },
    /// The tax jurisdiction changed, and with it the rounding in force.
    JurisdictionConfigured {
        /// The tenant these settings belong to; every settings event repeats it.
        tenant_id: TenantId,
        /// The jurisdiction now in force.
        jurisdiction: Jurisdiction,
        /// The rounding now in force: the jurisdiction's, or for `OTHER` the
        /// one in force before.
        rounding: RoundingPolicy,
    },
    /// The timezone the tenant's "today" is taken in changed.
    TimezoneConfigured {
        /// The tenant these settings belong to; every settings event repeats it.
        tenant_id: TenantId,
        /// The IANA name, as the timezone database spells it.
        timezone: String,
    },
    /// Who the seller is on the tenant's documents changed.
    LegalProfileConfigured {
        /// The tenant these settings belong to; every settings event repeats it.
        tenant_id: TenantId,
        /// The profile now in force, trimmed and with its identifiers in
        /// canonical form (boxed: it is the largest settings event).
        profile: Box<LegalProfile>,
    },
    /// The logo on the tenant's documents changed (none: removed).
    LogoConfigured {
        /// The tenant these settings belong to; every settings event repeats it.
        tenant_id: TenantId,
        /// The logo now in force.
        logo: Option<TenantLogo>,
    },
    /// When customers are reminded of open invoices changed.
    DunningConfigured {
        /// The tenant these settings belong to; every settings event repeats it.
        tenant_id: TenantId,
        /// The schedule now in force, its steps in order.
        policy: DunningPolicy,
    },
    /// How the tenant's e-mails go out changed.
    MailConfigured {
        /// The tenant these settings belong to; every settings event repeats it.
        tenant_id: TenantId,
        /// The settings now in force, trimmed.
        mail: MailSettings,
    },
    /// The tax-rate catalogue changed.
    TaxRatesConfigured {
        /// The tenant these settings belong to; every settings event repeats it.
        tenant_id: TenantId,
        /// The whole catalogue now in force, keys and names trimmed.
        rates: Vec<CatalogueRate>,
    },
    /// Who the tenant is on its CFDIs changed.
    SatIssuerConfigured {
        /// The tenant these settings belong to; every settings event repeats it.
        tenant_id: TenantId,
        /// The issuer data now in force, trimmed, its RFC canonical.
        issuer: SatIssuer,
    },
    /// The certificate the tenant's CFDIs are sealed with was installed.
    CsdInstalled {
        /// The tenant these settings belong to; every settings event repeats it.
        tenant_id: TenantId,
        /// The certificate now in force (its files are not in the events).
        certificate: InstalledCsd,
    },
    /// The currency the tenant keeps its books in was set: from now on a
    /// document in another currency records its rate into this one.
    AccountingCurrencyConfigured {
        /// The tenant these settings belong to; every settings event repeats it.
        tenant_id: TenantId,
        /// The ISO 4217 currency of its books.
        currency: Currency,
    },
}

domain_event!(SettingsEvent);
