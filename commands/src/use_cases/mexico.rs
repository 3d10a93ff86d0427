//! Mexico: who the tenant is on its CFDIs, and how a draft is paid and used.
//! The customer's receiver data travels with its tax details
//! ([`super::customers`]); issuing checks it all (see `folio_domain::sat`).

use folio_domain::ids::InvoiceId;
use folio_domain::invoice::{InvoiceCommand, InvoiceError};
use folio_domain::sat::{InstalledCsd, SatIssuer, SatPaymentTerms};
use folio_domain::settings::{SettingsCommand, SettingsError};

use super::{run, UseCases};
use crate::access::Action;
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::runner::Request;

impl UseCases {
    /// States who the tenant is on its CFDIs (the same again changes
    /// nothing).
    pub async fn configure_sat_issuer(
        &self,
        ctx: &CommandContext,
        issuer: SatIssuer,
    ) -> Result<CommandOutcome, CommandError<SettingsError>> {
        ctx.caller.require(Action::ConfigureTenant)?;
        run!(
            self,
            self.stores.settings.as_ref(),
            ctx,
            "ConfigureSatIssuer",
            ctx.tenant_id(),
            &issuer,
            None,
            |_| SettingsCommand::ConfigureSatIssuer {
                tenant_id: ctx.tenant_id(),
                issuer: issuer.clone(),
            }
        )
    }

    /// Records `certificate` as the CSD the tenant's CFDIs are sealed with
    /// (its files are kept by [`crate::csd::CsdInstaller`], which calls
    /// this): in force now, and issued to the tenant's SAT issuer.
    pub async fn install_csd(
        &self,
        ctx: &CommandContext,
        certificate: InstalledCsd,
    ) -> Result<CommandOutcome, CommandError<SettingsError>> {
        ctx.caller.require(Action::ConfigureTenant)?;
        let installed_at = self.runner.clock().now();
        run!(
            self,
            self.stores.settings.as_ref(),
            ctx,
            "InstallCsd",
            ctx.tenant_id(),
            &certificate,
            None,
            |_| SettingsCommand::InstallCsd {
                tenant_id: ctx.tenant_id(),
                certificate: certificate.clone(),
                installed_at,
            }
        )
    }

    /// Sets how a Mexican draft is paid and what the receiver uses it for.
    pub async fn set_invoice_cfdi_terms(
        &self,
        ctx: &CommandContext,
        invoice_id: InvoiceId,
        terms: SatPaymentTerms,
    ) -> Result<CommandOutcome, CommandError<InvoiceError>> {
        ctx.caller.require(Action::ManageInvoices)?;
        run!(
            self,
            self.stores.invoices.as_ref(),
            ctx,
            "SetInvoiceCfdiTerms",
            invoice_id,
            &terms,
            None,
            |_| InvoiceCommand::SetCfdiTerms {
                terms: terms.clone(),
            }
        )
    }
}
