//! Tenant settings: the invoicing and expense policies in force, and the
//! mutations that change them (admins).

use async_graphql::{Context, Object, SimpleObject};
use folio_domain::settings::TenantSettings as DomainSettings;

use super::branding::TenantLogo;
use super::context::request;
use super::dunning::{DunningPolicy, DunningPolicyInput};
use super::enums::{Jurisdiction, RoundingMode, TaxRoundingScope};
use super::inputs::{ExpensePolicyInput, InvoicingPolicyInput};
use super::legal_profile::LegalProfile;
use super::mail_settings::MailSettings;
use super::mexico::{InstalledCsd, SatIssuer};
use super::money::Money;
use super::outcome::CommandResult;
use super::scalars::Decimal;
use super::tax_rates::TaxRateEntry;
use crate::error::read;

/// How the tenant issues invoices.
#[derive(Debug, Clone, SimpleObject)]
pub struct InvoicingSettings {
    /// How amounts are rounded to the currency's minor unit.
    pub rounding_mode: RoundingMode,
    /// Where tax is rounded.
    pub rounding_scope: TaxRoundingScope,
    /// The series invoices are numbered in, e.g. `INV`.
    pub invoice_series: String,
    /// The series credit notes are numbered in, e.g. `CN`.
    pub credit_note_series: String,
    /// Mexico: the series payment complements are numbered in, e.g. `P`.
    pub payment_complement_series: String,
}

/// How many distinct approvals expenses need from an amount on.
#[derive(Debug, Clone, SimpleObject)]
pub struct ApprovalThreshold {
    /// ISO 4217 code the threshold is expressed in.
    pub currency: String,
    /// From this amount on (inclusive).
    pub from_amount: Decimal,
    /// Distinct approvers needed.
    pub approvals: i32,
}

/// A per-expense limit of one category.
#[derive(Debug, Clone, SimpleObject)]
pub struct CategoryLimit {
    /// The category, e.g. `meals`.
    pub category: String,
    /// The most one expense of it may claim without a policy violation.
    pub limit: Money,
}

/// How the tenant's expenses are approved.
#[derive(Debug, Clone, SimpleObject)]
pub struct ExpenseSettings {
    /// Approvals needed by amount; an expense needs the largest threshold it reaches.
    pub approval_thresholds: Vec<ApprovalThreshold>,
    /// Per-category limits.
    pub category_limits: Vec<CategoryLimit>,
    /// Above this amount a receipt is expected; null if never.
    pub receipt_required_above: Option<Money>,
}

/// The policies in force in the caller's tenant (defaults until it sets any).
#[derive(Debug, Clone, SimpleObject)]
pub struct TenantSettings {
    /// The tax jurisdiction: it decides the rounding invoices must follow and
    /// whether and how an issued invoice may be voided.
    pub jurisdiction: Jurisdiction,
    /// The IANA timezone the tenant's "today" is taken in (default dates, due
    /// dates, payment status and aging); `UTC` until set.
    pub timezone: String,
    /// Invoicing: rounding and number series.
    pub invoicing: InvoicingSettings,
    /// Expenses: approvals, limits, receipts.
    pub expenses: ExpenseSettings,
    /// Who the seller is on the tenant's documents; null until stated with
    /// `configureLegalProfile`.
    pub legal_profile: Option<LegalProfile>,
    /// How its invoice e-mails go out (sender name, reply-to, a copy, the
    /// e-invoice XML); set with `configureMail`.
    pub mail: MailSettings,
    /// When customers are reminded of open invoices; no steps until set with
    /// `configureDunning`.
    pub dunning: DunningPolicy,
    /// The logo at the top of the tenant's PDFs; null until set with
    /// `setTenantLogo`.
    pub logo: Option<TenantLogo>,
    /// The tax rates lines pick by key; empty until set with `configureTaxRates`.
    pub tax_rates: Vec<TaxRateEntry>,
    /// The ISO 4217 currency the tenant keeps its books in; null until set
    /// with `configureAccountingCurrency`, and until then no invoice is
    /// foreign.
    pub accounting_currency: Option<String>,
    /// Who the tenant is on its CFDIs (Mexico); null until stated with
    /// `configureSatIssuer`.
    pub sat_issuer: Option<SatIssuer>,
    /// The certificate (CSD) its CFDIs are sealed with; null until installed
    /// with `installCsd`.
    pub csd: Option<InstalledCsd>,
}

impl From<DomainSettings> for TenantSettings {
    fn from(settings: DomainSettings) -> Self {
        let timezone = settings.zone().name().to_owned();
        let invoicing = settings.invoicing;
        let expenses = settings.expenses;
        TenantSettings {
            legal_profile: settings.legal_profile.map(LegalProfile::from),
            logo: settings.logo.map(TenantLogo::from),
            mail: settings.mail.into(),
            dunning: settings.dunning.into(),
            tax_rates: settings
                .tax_rates
                .into_iter()
                .map(TaxRateEntry::from)
                .collect(),
            jurisdiction: settings.jurisdiction.into(),
            accounting_currency: settings.accounting_currency.map(|c| c.code().to_owned()),
            sat_issuer: settings.sat_issuer.map(SatIssuer::from),
            csd: settings.csd.map(InstalledCsd::from),
            timezone,
            invoicing: InvoicingSettings {
                rounding_mode: invoicing.rounding.mode.into(),
                rounding_scope: invoicing.rounding.scope.into(),
                invoice_series: invoicing.invoice_series,
                credit_note_series: invoicing.credit_note_series,
                payment_complement_series: invoicing.payment_complement_series,
            },
            expenses: ExpenseSettings {
                approval_thresholds: expenses
                    .approval_thresholds
                    .iter()
                    .map(|t| ApprovalThreshold {
                        currency: t.currency.code().to_owned(),
                        from_amount: t.from_amount.into(),
                        approvals: i32::from(t.approvals),
                    })
                    .collect(),
                category_limits: expenses
                    .category_limits
                    .iter()
                    .map(|l| CategoryLimit {
                        category: l.category.clone(),
                        limit: (&l.limit).into(),
                    })
                    .collect(),
                receipt_required_above: expenses.receipt_required_above.as_ref().map(Money::from),
            },
        }
    }
}

/// The settings query.
#[derive(Debug, Default)]
pub struct SettingsQuery;

#[Object]
impl SettingsQuery {
    /// The policies in force in the caller's tenant (accountants, auditors, admins).
    /// They are read from the settings' own event stream, so they include every
    /// acknowledged write; a `consistencyToken` is taken as on every other query.
    async fn tenant_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A mutation's consistencyToken: wait until this read shows it.")]
        consistency_token: Option<String>,
    ) -> async_graphql::Result<TenantSettings> {
        let request = request(ctx)?;
        let settings = request
            .use_cases
            .tenant_settings(&request.caller)
            .await
            .map_err(crate::error::command)?;
        // The settings are read from their aggregate, which every committed
        // write is in already: the token is only checked.
        request
            .reads
            .await_token(consistency_token.as_deref(), &[])
            .await
            .map_err(read)?;
        Ok(settings.into())
    }
}

/// The settings mutations (admins).
#[derive(Debug, Default)]
pub struct SettingsMutation;

#[Object]
impl SettingsMutation {
    /// Sets the tenant's invoicing policy (rounding, number series); invoices
    /// issued before keep the policy recorded in them.
    async fn configure_invoicing(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "Rounding and number series; they apply to invoices issued from now on.")]
        policy: InvoicingPolicyInput,
    ) -> async_graphql::Result<CommandResult> {
        let policy = policy.into_domain()?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.configure_invoicing(&c, policy)
        })
    }

    /// Sets the tenant's tax jurisdiction; under `EU` and `MX` the rounding
    /// becomes the one the jurisdiction prescribes, and `configureInvoicing`
    /// refuses any other.
    async fn configure_jurisdiction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(
            desc = "The jurisdiction from now on; documents issued before keep their rules."
        )]
        jurisdiction: Jurisdiction,
    ) -> async_graphql::Result<CommandResult> {
        let jurisdiction = jurisdiction.into();
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.configure_jurisdiction(&c, jurisdiction)
        })
    }

    /// Sets the timezone the tenant's "today" is taken in: the default date of
    /// documents and payments, and what is overdue.
    async fn configure_timezone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "An IANA timezone name, e.g. `Europe/Berlin` or `America/Mexico_City`.")]
        timezone: String,
    ) -> async_graphql::Result<CommandResult> {
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.configure_timezone(&c, timezone.clone())
        })
    }

    /// States who the seller is on the tenant's documents: name, address, VAT
    /// number, bank account. Documents rendered from now on carry it.
    async fn configure_legal_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(
            desc = "The whole profile: it replaces the one in force. The VAT number and IBAN are checked and kept in canonical form."
        )]
        profile: LegalProfile,
    ) -> async_graphql::Result<CommandResult> {
        let profile: folio_domain::legal_profile::LegalProfile = profile.into();
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.configure_legal_profile(&c, profile)
        })
    }

    /// Sets when customers are reminded of open invoices (days from the due
    /// date) and the fee a reminder charges: `folio serve` records and
    /// e-mails each step on its day.
    async fn configure_dunning(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The whole schedule: it replaces the one in force.")]
        policy: DunningPolicyInput,
    ) -> async_graphql::Result<CommandResult> {
        let policy = policy.into_domain()?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.configure_dunning(&c, policy)
        })
    }

    /// Sets how the tenant's invoice e-mails go out: the sender's name,
    /// where replies go, a blind copy, and whether the e-invoice XML is
    /// attached. E-mails sent from now on follow it.
    async fn configure_mail(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "1-200 characters; a retry with the same key returns the first outcome.")]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(desc = "The whole of the settings: they replace those in force.")]
        mail: MailSettings,
    ) -> async_graphql::Result<CommandResult> {
        let mail = mail.into();
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.configure_mail(&c, mail)
        })
    }

    /// Sets the tenant's expense policy; expenses submitted before keep theirs.
    async fn configure_expense_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "1-200 characters chosen by the client; a retry with the same key returns the first outcome and writes nothing again."
        )]
        idempotency_key: String,
        #[graphql(
            desc = "The version the caller last read: refused with CONFLICT if the aggregate changed since. Omit to apply on top of any change."
        )]
        expected_version: Option<i64>,
        #[graphql(
            desc = "Approval thresholds, category limits and the receipt rule; they apply to expenses submitted from now on."
        )]
        policy: ExpensePolicyInput,
    ) -> async_graphql::Result<CommandResult> {
        let policy = policy.into_domain()?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.configure_expense_policy(&c, policy)
        })
    }
}
