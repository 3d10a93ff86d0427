//! Tenant settings: the jurisdiction, the timezone, the invoicing policy (rounding, number
//! series), the legal profile (who the seller is on documents), the tax-rate catalogue
//! the accounting currency and the expense policy (limits, approval thresholds).

use folio_domain::branding::TenantLogo;
use folio_domain::dunning::DunningPolicy;
use folio_domain::expense::ExpensePolicy;
use folio_domain::legal_profile::LegalProfile;
use folio_domain::mail_settings::MailSettings;
use folio_domain::money::Currency;
use folio_domain::settings::{
    InvoicingPolicy, Jurisdiction, SettingsCommand, SettingsError, TenantSettings,
};
use folio_domain::tax_catalogue::CatalogueRate;

use super::{run, UseCases};
use crate::access::{Action, Caller};
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::runner::Request;

impl UseCases {
    /// The caller's tenant's settings in force (the defaults until it configured
    /// any), for those who read invoicing or configure the tenant.
    pub async fn tenant_settings(
        &self,
        caller: &Caller,
    ) -> Result<TenantSettings, CommandError<SettingsError>> {
        if !caller.may(Action::ReadInvoicing) {
            caller.require(Action::ConfigureTenant)?;
        }
        self.settings(caller.tenant_id).await
    }

    /// Sets the tenant's invoicing policy.
    pub async fn configure_invoicing(
        &self,
        ctx: &CommandContext,
        policy: InvoicingPolicy,
    ) -> Result<CommandOutcome, CommandError<SettingsError>> {
        ctx.caller.require(Action::ConfigureTenant)?;
        run!(
            self,
            self.stores.settings.as_ref(),
            ctx,
            "ConfigureInvoicing",
            ctx.tenant_id(),
            &policy,
            None,
            |_| SettingsCommand::ConfigureInvoicing {
                tenant_id: ctx.tenant_id(),
                policy: policy.clone(),
            }
        )
    }

    /// Sets the tenant's tax jurisdiction (and with it the rounding it
    /// prescribes).
    pub async fn configure_jurisdiction(
        &self,
        ctx: &CommandContext,
        jurisdiction: Jurisdiction,
    ) -> Result<CommandOutcome, CommandError<SettingsError>> {
        ctx.caller.require(Action::ConfigureTenant)?;
        run!(
            self,
            self.stores.settings.as_ref(),
            ctx,
            "ConfigureJurisdiction",
            ctx.tenant_id(),
            &jurisdiction,
            None,
            |_| SettingsCommand::ConfigureJurisdiction {
                tenant_id: ctx.tenant_id(),
                jurisdiction,
            }
        )
    }

    /// Sets the timezone the tenant's "today" is taken in (an IANA name).
    pub async fn configure_timezone(
        &self,
        ctx: &CommandContext,
        timezone: String,
    ) -> Result<CommandOutcome, CommandError<SettingsError>> {
        ctx.caller.require(Action::ConfigureTenant)?;
        let outcome = run!(
            self,
            self.stores.settings.as_ref(),
            ctx,
            "ConfigureTimezone",
            ctx.tenant_id(),
            &timezone,
            None,
            |_| SettingsCommand::ConfigureTimezone {
                tenant_id: ctx.tenant_id(),
                timezone: timezone.clone(),
            }
        );
        self.basics.forget(ctx.tenant_id());
        outcome
    }

    /// States who the seller is on the tenant's documents.
    pub async fn configure_legal_profile(
        &self,
        ctx: &CommandContext,
        profile: LegalProfile,
    ) -> Result<CommandOutcome, CommandError<SettingsError>> {
        ctx.caller.require(Action::ConfigureTenant)?;
        run!(
            self,
            self.stores.settings.as_ref(),
            ctx,
            "ConfigureLegalProfile",
            ctx.tenant_id(),
            &profile,
            None,
            |_| SettingsCommand::ConfigureLegalProfile {
                tenant_id: ctx.tenant_id(),
                profile: Box::new(profile.clone()),
            }
        )
    }

    /// Sets when customers are reminded of open invoices.
    pub async fn configure_dunning(
        &self,
        ctx: &CommandContext,
        policy: DunningPolicy,
    ) -> Result<CommandOutcome, CommandError<SettingsError>> {
        ctx.caller.require(Action::ConfigureTenant)?;
        run!(
            self,
            self.stores.settings.as_ref(),
            ctx,
            "ConfigureDunning",
            ctx.tenant_id(),
            &policy,
            None,
            |_| SettingsCommand::ConfigureDunning {
                tenant_id: ctx.tenant_id(),
                policy: policy.clone(),
            }
        )
    }

    /// Sets how the tenant's invoice e-mails go out.
    pub async fn configure_mail(
        &self,
        ctx: &CommandContext,
        mail: MailSettings,
    ) -> Result<CommandOutcome, CommandError<SettingsError>> {
        ctx.caller.require(Action::ConfigureTenant)?;
        run!(
            self,
            self.stores.settings.as_ref(),
            ctx,
            "ConfigureMail",
            ctx.tenant_id(),
            &mail,
            None,
            |_| SettingsCommand::ConfigureMail {
                tenant_id: ctx.tenant_id(),
                mail: mail.clone(),
            }
        )
    }

    /// Sets the logo on the tenant's documents (already in the blob store; see
    /// `Branding::upload_logo`), or removes it.
    pub async fn configure_logo(
        &self,
        ctx: &CommandContext,
        logo: Option<TenantLogo>,
    ) -> Result<CommandOutcome, CommandError<SettingsError>> {
        ctx.caller.require(Action::ConfigureTenant)?;
        run!(
            self,
            self.stores.settings.as_ref(),
            ctx,
            "ConfigureLogo",
            ctx.tenant_id(),
            &logo,
            None,
            |_| SettingsCommand::ConfigureLogo {
                tenant_id: ctx.tenant_id(),
                logo: logo.clone(),
            }
        )
    }

    /// Sets the tax rates the tenant's lines pick from (the whole catalogue).
    pub async fn configure_tax_rates(
        &self,
        ctx: &CommandContext,
        rates: Vec<CatalogueRate>,
    ) -> Result<CommandOutcome, CommandError<SettingsError>> {
        ctx.caller.require(Action::ConfigureTenant)?;
        run!(
            self,
            self.stores.settings.as_ref(),
            ctx,
            "ConfigureTaxRates",
            ctx.tenant_id(),
            &rates,
            None,
            |_| SettingsCommand::ConfigureTaxRates {
                tenant_id: ctx.tenant_id(),
                rates: rates.clone(),
            }
        )
    }

    /// Sets the currency the tenant keeps its books in (once; the same again
    /// changes nothing).
    pub async fn configure_accounting_currency(
        &self,
        ctx: &CommandContext,
        currency: Currency,
    ) -> Result<CommandOutcome, CommandError<SettingsError>> {
        ctx.caller.require(Action::ConfigureTenant)?;
        let outcome = run!(
            self,
            self.stores.settings.as_ref(),
            ctx,
            "ConfigureAccountingCurrency",
            ctx.tenant_id(),
            &currency,
            None,
            |_| SettingsCommand::ConfigureAccountingCurrency {
                tenant_id: ctx.tenant_id(),
                currency,
            }
        );
        self.basics.forget(ctx.tenant_id());
        outcome
    }

    /// Sets the tenant's expense policy.
    pub async fn configure_expense_policy(
        &self,
        ctx: &CommandContext,
        policy: ExpensePolicy,
    ) -> Result<CommandOutcome, CommandError<SettingsError>> {
        ctx.caller.require(Action::ConfigureTenant)?;
        run!(
            self,
            self.stores.settings.as_ref(),
            ctx,
            "ConfigureExpensePolicy",
            ctx.tenant_id(),
            &policy,
            None,
            |_| SettingsCommand::ConfigureExpensePolicy {
                tenant_id: ctx.tenant_id(),
                policy: policy.clone(),
            }
        )
    }
}
