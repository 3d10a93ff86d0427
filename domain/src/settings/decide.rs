//! The rules a settings command is checked against.

use rust_decimal::Decimal;

use super::{parse_timezone, SettingsCommand, SettingsError, SettingsEvent, TenantSettings};
use crate::aggregate::Decide;
use crate::branding::TenantLogo;
use crate::document_number::validate_series;
use crate::dunning::DunningError;
use crate::expense::{ExpensePolicy, MAX_APPROVALS};
use crate::sat::SatError;
use crate::tax_catalogue;

impl Decide for TenantSettings {
    fn decide(&self, command: SettingsCommand) -> Result<Vec<SettingsEvent>, SettingsError> {
        match command {
            SettingsCommand::ConfigureInvoicing { tenant_id, policy } => {
                self.check_tenant(tenant_id)?;
                let series = [
                    &policy.invoice_series,
                    &policy.credit_note_series,
                    &policy.payment_complement_series,
                ];
                for name in series {
                    validate_series(name)?;
                }
                if series[0] == series[1] || series[0] == series[2] || series[1] == series[2] {
                    return Err(SettingsError::SameSeries);
                }
                if let Some(required) = self.jurisdiction.required_rounding() {
                    if policy.rounding != required {
                        return Err(SettingsError::RoundingAgainstJurisdiction {
                            jurisdiction: self.jurisdiction,
                            required,
                        });
                    }
                }
                Ok(vec![SettingsEvent::InvoicingConfigured {
                    tenant_id,
                    policy,
                }])
            }
            SettingsCommand::ConfigureJurisdiction {
                tenant_id,
                jurisdiction,
            } => {
                self.check_tenant(tenant_id)?;
                Ok(vec![SettingsEvent::JurisdictionConfigured {
                    tenant_id,
                    jurisdiction,
                    rounding: jurisdiction
                        .required_rounding()
                        .unwrap_or(self.invoicing.rounding),
                }])
            }
            SettingsCommand::ConfigureTimezone {
                tenant_id,
                timezone,
            } => {
                self.check_tenant(tenant_id)?;
                let zone = parse_timezone(&timezone)
                    .ok_or_else(|| SettingsError::UnknownTimezone(timezone.clone()))?;
                Ok(vec![SettingsEvent::TimezoneConfigured {
                    tenant_id,
                    timezone: zone.name().to_owned(),
                }])
            }
            SettingsCommand::ConfigureLegalProfile { tenant_id, profile } => {
                self.check_tenant(tenant_id)?;
                Ok(vec![SettingsEvent::LegalProfileConfigured {
                    tenant_id,
                    profile: Box::new(profile.validated()?),
                }])
            }
            SettingsCommand::ConfigureLogo { tenant_id, logo } => {
                self.check_tenant(tenant_id)?;
                let logo = logo.map(TenantLogo::validated).transpose()?;
                if logo == self.logo {
                    return Ok(vec![]);
                }
                Ok(vec![SettingsEvent::LogoConfigured { tenant_id, logo }])
            }
            SettingsCommand::ConfigureDunning { tenant_id, policy } => {
                self.check_tenant(tenant_id)?;
                let policy = policy.validated()?;
                if let Some(key) = policy
                    .steps
                    .iter()
                    .filter_map(|step| step.late_fee.as_ref())
                    .map(|rule| &rule.tax_rate_key)
                    .find(|key| !self.tax_rates.iter().any(|rate| &rate.key == *key))
                {
                    return Err(DunningError::UnknownTaxRate(key.clone()).into());
                }
                if policy == self.dunning {
                    return Ok(vec![]);
                }
                Ok(vec![SettingsEvent::DunningConfigured { tenant_id, policy }])
            }
            SettingsCommand::ConfigureMail { tenant_id, mail } => {
                self.check_tenant(tenant_id)?;
                let mail = mail.validated()?;
                if mail == self.mail {
                    return Ok(vec![]);
                }
                Ok(vec![SettingsEvent::MailConfigured { tenant_id, mail }])
            }
            SettingsCommand::ConfigureTaxRates { tenant_id, rates } => {
                self.check_tenant(tenant_id)?;
                let rates = tax_catalogue::validated(rates)?;
                Ok(vec![SettingsEvent::TaxRatesConfigured { tenant_id, rates }])
            }
            SettingsCommand::ConfigureAccountingCurrency {
                tenant_id,
                currency,
            } => {
                self.check_tenant(tenant_id)?;
                match self.accounting_currency {
                    Some(kept) if kept == currency => Ok(vec![]),
                    Some(kept) => Err(SettingsError::AccountingCurrencyFixed(kept)),
                    None => Ok(vec![SettingsEvent::AccountingCurrencyConfigured {
                        tenant_id,
                        currency,
                    }]),
                }
            }
            SettingsCommand::ConfigureSatIssuer { tenant_id, issuer } => {
                self.check_tenant(tenant_id)?;
                let issuer = issuer.validated()?;
                if self.sat_issuer.as_ref() == Some(&issuer) {
                    return Ok(vec![]);
                }
                Ok(vec![SettingsEvent::SatIssuerConfigured {
                    tenant_id,
                    issuer,
                }])
            }
            SettingsCommand::InstallCsd {
                tenant_id,
                certificate,
                installed_at,
            } => {
                self.check_tenant(tenant_id)?;
                let issuer = self.sat_issuer.as_ref().ok_or(SatError::IssuerMissing)?;
                certificate.check_for(&issuer.rfc, installed_at)?;
                if self.csd.as_ref() == Some(&certificate) {
                    return Ok(vec![]);
                }
                Ok(vec![SettingsEvent::CsdInstalled {
                    tenant_id,
                    certificate,
                }])
            }
            SettingsCommand::ConfigureExpensePolicy { tenant_id, policy } => {
                self.check_tenant(tenant_id)?;
                check_expense_policy(&policy)?;
                Ok(vec![SettingsEvent::ExpensePolicyConfigured {
                    tenant_id,
                    policy,
                }])
            }
        }
    }
}

/// Thresholds of 0 or more needing 1 to [`MAX_APPROVALS`] approvals, and
/// named categories with positive limits.
fn check_expense_policy(policy: &ExpensePolicy) -> Result<(), SettingsError> {
    for t in &policy.approval_thresholds {
        if t.from_amount < Decimal::ZERO || t.approvals == 0 || t.approvals > MAX_APPROVALS {
            return Err(SettingsError::InvalidThreshold);
        }
    }
    for limit in &policy.category_limits {
        if limit.category.trim().is_empty() || !limit.limit.is_positive() {
            return Err(SettingsError::InvalidCategoryLimit);
        }
    }
    Ok(())
}
