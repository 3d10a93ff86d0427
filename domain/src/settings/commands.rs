//! What a tenant's settings are asked to do.

use serde::{Deserialize, Serialize};

use super::{InvoicingPolicy, Jurisdiction};
use crate::branding::TenantLogo;
use crate::dunning::DunningPolicy;
use crate::expense::ExpensePolicy;
use crate::ids::TenantId;
use crate::legal_profile::LegalProfile;
use crate::mail_settings::MailSettings;
use crate::money::Currency;
use crate::sat::{InstalledCsd, SatIssuer};
use crate::tax_catalogue::CatalogueRate;

/// A command to a tenant's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SettingsCommand {
    /// Set how documents are numbered and rounded.
    ConfigureInvoicing {
        /// The caller's tenant, whose settings these are.
        tenant_id: TenantId,
        /// The new policy.
        policy: InvoicingPolicy,
    },
    /// Set the tax jurisdiction; the rounding becomes the one it prescribes.
    ConfigureJurisdiction {
        /// The caller's tenant, whose settings these are.
        tenant_id: TenantId,
        /// The jurisdiction from now on.
        jurisdiction: Jurisdiction,
    },
    /// Set the timezone the tenant's "today" is taken in.
    ConfigureTimezone {
        /// The caller's tenant, whose settings these are.
        tenant_id: TenantId,
        /// An IANA timezone name, e.g. `Europe/Berlin`, `America/Mexico_City`.
        timezone: String,
    },
    /// State who the seller is on the tenant's documents.
    ConfigureLegalProfile {
        /// The caller's tenant, whose settings these are.
        tenant_id: TenantId,
        /// The profile from now on (boxed: it is the largest settings command).
        profile: Box<LegalProfile>,
    },
    /// Set the logo printed on the tenant's documents, or remove it (none).
    ConfigureLogo {
        /// The caller's tenant, whose settings these are.
        tenant_id: TenantId,
        /// The logo from now on, already stored in the blob store.
        logo: Option<TenantLogo>,
    },
    /// Set when customers are reminded of open invoices.
    ConfigureDunning {
        /// The caller's tenant, whose settings these are.
        tenant_id: TenantId,
        /// The schedule from now on (the whole of it).
        policy: DunningPolicy,
    },
    /// Set how the tenant's e-mails to its customers go out.
    ConfigureMail {
        /// The caller's tenant, whose settings these are.
        tenant_id: TenantId,
        /// The settings from now on (the whole of them).
        mail: MailSettings,
    },
    /// Set the tax rates lines and allowances pick from, the whole list.
    ConfigureTaxRates {
        /// The caller's tenant, whose settings these are.
        tenant_id: TenantId,
        /// The catalogue from now on.
        rates: Vec<CatalogueRate>,
    },
    /// Set the currency the tenant keeps its books in, once.
    ConfigureAccountingCurrency {
        /// The caller's tenant, whose settings these are.
        tenant_id: TenantId,
        /// The ISO 4217 currency of its books.
        currency: Currency,
    },
    /// State who the tenant is on its CFDIs (Mexico): RFC, name, regime and
    /// the postal code it issues from.
    ConfigureSatIssuer {
        /// The caller's tenant, whose settings these are.
        tenant_id: TenantId,
        /// The issuer data from now on.
        issuer: SatIssuer,
    },
    /// Install the certificate (CSD) the tenant's CFDIs are sealed with; its
    /// files are already kept by the application layer's vault.
    InstallCsd {
        /// The caller's tenant, whose settings these are.
        tenant_id: TenantId,
        /// The certificate, as its files said.
        certificate: InstalledCsd,
        /// When it is installed: it must be in force then.
        installed_at: chrono::DateTime<chrono::Utc>,
    },
    /// Set approval thresholds and category limits.
    ConfigureExpensePolicy {
        /// The caller's tenant, whose settings these are.
        tenant_id: TenantId,
        /// The new policy.
        policy: ExpensePolicy,
    },
}
