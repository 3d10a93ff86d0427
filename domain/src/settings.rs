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

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aggregate::{cqrs_aggregate, domain_event, Decide, TenantOwned};
use crate::branding::{LogoError, TenantLogo};
use crate::document_number::{validate_series, InvalidSeries};
use crate::error_code::{Coded, ErrorCode};
use crate::expense::{ExpensePolicy, MAX_APPROVALS};
use crate::ids::TenantId;
use crate::legal_profile::{LegalProfile, LegalProfileError};
use crate::money::RoundingMode;
use crate::pricing::{RoundingPolicy, TaxRoundingScope};
use crate::tax_catalogue::{self, CatalogueError, CatalogueRate};

/// The tax jurisdiction a tenant invoices under: it decides the rules that
/// differ by country.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema, strum::Display,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Jurisdiction {
    /// An EU member state: EN 16931 rounding (half-up, VAT per category,
    /// BR-CO-17), and an issued invoice is corrected by a credit note, never
    /// voided.
    Eu,
    /// Mexico: CFDI 4.0 rounding (half-up, taxes per line), and an issued
    /// invoice is cancelled only with one of SAT's reason codes.
    Mx,
    /// Anywhere else: rounding as the tenant chooses, and an invoice may be
    /// voided while nothing is paid or credited. Tenants configured before
    /// jurisdictions existed are here.
    #[default]
    Other,
}

impl Jurisdiction {
    /// The rounding the jurisdiction's documents must follow, if it prescribes
    /// one.
    pub fn required_rounding(self) -> Option<RoundingPolicy> {
        let half_up = |scope| RoundingPolicy {
            mode: RoundingMode::HalfUp,
            scope,
        };
        match self {
            Jurisdiction::Eu => Some(half_up(TaxRoundingScope::PerTaxCategory)),
            Jurisdiction::Mx => Some(half_up(TaxRoundingScope::PerLine)),
            Jurisdiction::Other => None,
        }
    }
}

/// How a tenant issues documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InvoicingPolicy {
    /// Rounding mode and scope used when invoices are issued.
    pub rounding: RoundingPolicy,
    /// Series for invoices (e.g. `A`).
    pub invoice_series: String,
    /// Series for credit notes (e.g. `CN`).
    pub credit_note_series: String,
}

impl Default for InvoicingPolicy {
    /// Commercial rounding (half-up) per line, the rule of most countries, until
    /// the tenant sets a jurisdiction or a policy.
    fn default() -> Self {
        InvoicingPolicy {
            rounding: RoundingPolicy {
                mode: RoundingMode::HalfUp,
                scope: TaxRoundingScope::PerLine,
            },
            invoice_series: "INV".into(),
            credit_note_series: "CN".into(),
        }
    }
}

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
    /// Set the tax rates lines and allowances pick from, the whole list.
    ConfigureTaxRates {
        /// The caller's tenant, whose settings these are.
        tenant_id: TenantId,
        /// The catalogue from now on.
        rates: Vec<CatalogueRate>,
    },
    /// Set approval thresholds and category limits.
    ConfigureExpensePolicy {
        /// The caller's tenant, whose settings these are.
        tenant_id: TenantId,
        /// The new policy.
        policy: ExpensePolicy,
    },
}

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
    /// The tax-rate catalogue changed.
    TaxRatesConfigured {
        /// The tenant these settings belong to; every settings event repeats it.
        tenant_id: TenantId,
        /// The whole catalogue now in force, keys and names trimmed.
        rates: Vec<CatalogueRate>,
    },
}

domain_event!(SettingsEvent);

/// A refused settings command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum SettingsError {
    /// A series name is malformed.
    #[error(transparent)]
    Series(#[from] InvalidSeries),
    /// Invoices and credit notes need different series.
    #[error("invoices and credit notes need different series")]
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
    /// The tax-rate catalogue is malformed.
    #[error(transparent)]
    TaxRates(#[from] CatalogueError),
    /// The timezone is not an IANA timezone name.
    #[error("'{0}' is not an IANA timezone name (e.g. Europe/Berlin, America/Mexico_City, UTC)")]
    UnknownTimezone(String),
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
    /// The tax rates lines pick from; empty until the tenant states them.
    #[serde(default)]
    pub tax_rates: Vec<CatalogueRate>,
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
            SettingsEvent::TaxRatesConfigured { tenant_id, rates } => {
                self.tenant_id = Some(tenant_id);
                self.tax_rates = rates;
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

impl Decide for TenantSettings {
    fn decide(&self, command: SettingsCommand) -> Result<Vec<SettingsEvent>, SettingsError> {
        match command {
            SettingsCommand::ConfigureInvoicing { tenant_id, policy } => {
                self.check_tenant(tenant_id)?;
                validate_series(&policy.invoice_series)?;
                validate_series(&policy.credit_note_series)?;
                if policy.invoice_series == policy.credit_note_series {
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
            SettingsCommand::ConfigureTaxRates { tenant_id, rates } => {
                self.check_tenant(tenant_id)?;
                let rates = tax_catalogue::validated(rates)?;
                Ok(vec![SettingsEvent::TaxRatesConfigured { tenant_id, rates }])
            }
            SettingsCommand::ConfigureExpensePolicy { tenant_id, policy } => {
                self.check_tenant(tenant_id)?;
                for t in &policy.approval_thresholds {
                    if t.from_amount < Decimal::ZERO
                        || t.approvals == 0
                        || t.approvals > MAX_APPROVALS
                    {
                        return Err(SettingsError::InvalidThreshold);
                    }
                }
                for limit in &policy.category_limits {
                    if limit.category.trim().is_empty() || !limit.limit.is_positive() {
                        return Err(SettingsError::InvalidCategoryLimit);
                    }
                }
                Ok(vec![SettingsEvent::ExpensePolicyConfigured {
                    tenant_id,
                    policy,
                }])
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expense::{ApprovalThreshold, CategoryLimit};
    use crate::money::{Currency, Money};
    use cqrs_es::test::TestFramework;
    use rust_decimal_macros::dec;
    use uuid::Uuid;

    type SettingsTest = TestFramework<TenantSettings>;
    const TENANT: TenantId = TenantId::from_uuid(Uuid::from_u128(7));

    #[test]
    fn invoicing_can_be_configured_with_two_distinct_series() {
        let policy = InvoicingPolicy {
            invoice_series: "A".into(),
            ..InvoicingPolicy::default()
        };
        SettingsTest::with(())
            .given_no_previous_events()
            .when(SettingsCommand::ConfigureInvoicing {
                tenant_id: TENANT,
                policy: policy.clone(),
            })
            .then_expect_events(vec![SettingsEvent::InvoicingConfigured {
                tenant_id: TENANT,
                policy,
            }]);
    }

    #[test]
    fn one_series_for_invoices_and_credit_notes_is_refused() {
        let policy = InvoicingPolicy {
            invoice_series: "A".into(),
            credit_note_series: "A".into(),
            ..InvoicingPolicy::default()
        };
        SettingsTest::with(())
            .given_no_previous_events()
            .when(SettingsCommand::ConfigureInvoicing {
                tenant_id: TENANT,
                policy,
            })
            .then_expect_error(SettingsError::SameSeries);
    }

    #[test]
    fn a_malformed_series_is_refused() {
        let policy = InvoicingPolicy {
            invoice_series: "a b".into(),
            ..InvoicingPolicy::default()
        };
        SettingsTest::with(())
            .given_no_previous_events()
            .when(SettingsCommand::ConfigureInvoicing {
                tenant_id: TENANT,
                policy,
            })
            .then_expect_error(SettingsError::Series(InvalidSeries("a b".into())));
    }

    #[test]
    fn thresholds_need_one_to_five_approvals() {
        let eur = Currency::from_code("EUR").unwrap();
        let policy = ExpensePolicy {
            approval_thresholds: vec![ApprovalThreshold {
                currency: eur,
                from_amount: dec!(0),
                approvals: 9,
            }],
            ..ExpensePolicy::default()
        };
        SettingsTest::with(())
            .given_no_previous_events()
            .when(SettingsCommand::ConfigureExpensePolicy {
                tenant_id: TENANT,
                policy,
            })
            .then_expect_error(SettingsError::InvalidThreshold);
    }

    #[test]
    fn category_limits_must_be_positive() {
        let eur = Currency::from_code("EUR").unwrap();
        let policy = ExpensePolicy {
            category_limits: vec![CategoryLimit {
                category: "meals".into(),
                limit: Money::new(dec!(0), eur),
            }],
            ..ExpensePolicy::default()
        };
        SettingsTest::with(())
            .given_no_previous_events()
            .when(SettingsCommand::ConfigureExpensePolicy {
                tenant_id: TENANT,
                policy,
            })
            .then_expect_error(SettingsError::InvalidCategoryLimit);
    }

    #[test]
    fn an_eu_tenant_rounds_half_up_per_vat_category() {
        SettingsTest::with(())
            .given_no_previous_events()
            .when(SettingsCommand::ConfigureJurisdiction {
                tenant_id: TENANT,
                jurisdiction: Jurisdiction::Eu,
            })
            .then_expect_events(vec![SettingsEvent::JurisdictionConfigured {
                tenant_id: TENANT,
                jurisdiction: Jurisdiction::Eu,
                rounding: RoundingPolicy {
                    mode: RoundingMode::HalfUp,
                    scope: TaxRoundingScope::PerTaxCategory,
                },
            }]);
    }

    #[test]
    fn an_eu_tenant_cannot_round_against_en_16931() {
        let policy = InvoicingPolicy {
            rounding: RoundingPolicy {
                mode: RoundingMode::HalfEven,
                scope: TaxRoundingScope::PerLine,
            },
            ..InvoicingPolicy::default()
        };
        SettingsTest::with(())
            .given(vec![SettingsEvent::JurisdictionConfigured {
                tenant_id: TENANT,
                jurisdiction: Jurisdiction::Eu,
                rounding: Jurisdiction::Eu.required_rounding().unwrap(),
            }])
            .when(SettingsCommand::ConfigureInvoicing {
                tenant_id: TENANT,
                policy,
            })
            .then_expect_error(SettingsError::RoundingAgainstJurisdiction {
                jurisdiction: Jurisdiction::Eu,
                required: Jurisdiction::Eu.required_rounding().unwrap(),
            });
    }

    #[test]
    fn a_tenant_elsewhere_keeps_its_rounding_when_it_sets_its_jurisdiction() {
        let half_even = RoundingPolicy {
            mode: RoundingMode::HalfEven,
            scope: TaxRoundingScope::PerLine,
        };
        SettingsTest::with(())
            .given(vec![SettingsEvent::InvoicingConfigured {
                tenant_id: TENANT,
                policy: InvoicingPolicy {
                    rounding: half_even,
                    ..InvoicingPolicy::default()
                },
            }])
            .when(SettingsCommand::ConfigureJurisdiction {
                tenant_id: TENANT,
                jurisdiction: Jurisdiction::Other,
            })
            .then_expect_events(vec![SettingsEvent::JurisdictionConfigured {
                tenant_id: TENANT,
                jurisdiction: Jurisdiction::Other,
                rounding: half_even,
            }]);
    }

    #[test]
    fn a_tenant_that_set_nothing_rounds_half_up() {
        assert_eq!(
            TenantSettings::default().invoicing.rounding.mode,
            RoundingMode::HalfUp
        );
    }

    #[test]
    fn another_tenant_cannot_change_these_settings() {
        let other = TenantId::from_uuid(Uuid::from_u128(8));
        SettingsTest::with(())
            .given(vec![SettingsEvent::ExpensePolicyConfigured {
                tenant_id: TENANT,
                policy: ExpensePolicy::default(),
            }])
            .when(SettingsCommand::ConfigureExpensePolicy {
                tenant_id: other,
                policy: ExpensePolicy::default(),
            })
            .then_expect_error(SettingsError::NotFound);
    }

    #[test]
    fn a_tenant_s_today_is_the_date_in_its_timezone() {
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 4, 3, 30, 0).unwrap();
        assert_eq!(
            TenantSettings::default().today(now),
            NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
            "UTC until set"
        );
        let mut mexico = TenantSettings::default();
        mexico.fold(SettingsEvent::TimezoneConfigured {
            tenant_id: TENANT,
            timezone: "America/Mexico_City".into(),
        });
        assert_eq!(
            mexico.today(now),
            NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
            "03:30 UTC is still the evening before in Mexico City"
        );
    }

    fn profile(vat_id: &str) -> LegalProfile {
        LegalProfile {
            legal_name: "Muster GmbH".into(),
            trading_name: None,
            address: crate::legal_profile::PostalAddress {
                lines: vec!["Hauptstraße 1".into()],
                city: "München".into(),
                postal_code: Some("80331".into()),
                subdivision: None,
                country: "DE".into(),
            },
            vat_id: Some(vat_id.into()),
            tax_registration_id: None,
            company_id: None,
            email: None,
            phone: None,
            bank_account: None,
        }
    }

    fn logo(sha256: &str) -> TenantLogo {
        TenantLogo {
            sha256: sha256.into(),
            content_type: "image/png".into(),
            width_px: 300,
            height_px: 100,
        }
    }

    #[test]
    fn a_logo_is_set_replaced_and_removed_and_the_same_logo_again_changes_nothing() {
        let (first, second) = (logo(&"a".repeat(64)), logo(&"b".repeat(64)));
        let set = |logo: Option<TenantLogo>| SettingsEvent::LogoConfigured {
            tenant_id: TENANT,
            logo,
        };
        let configure = |logo: Option<TenantLogo>| SettingsCommand::ConfigureLogo {
            tenant_id: TENANT,
            logo,
        };
        SettingsTest::with(())
            .given_no_previous_events()
            .when(configure(Some(first.clone())))
            .then_expect_events(vec![set(Some(first.clone()))]);
        SettingsTest::with(())
            .given(vec![set(Some(first.clone()))])
            .when(configure(Some(second.clone())))
            .then_expect_events(vec![set(Some(second))]);
        SettingsTest::with(())
            .given(vec![set(Some(first.clone()))])
            .when(configure(Some(first.clone())))
            .then_expect_events(vec![]);
        SettingsTest::with(())
            .given(vec![set(Some(first))])
            .when(configure(None))
            .then_expect_events(vec![set(None)]);
        SettingsTest::with(())
            .given_no_previous_events()
            .when(configure(None))
            .then_expect_events(vec![]);
    }

    #[test]
    fn a_logo_that_is_not_a_hashed_png_or_jpeg_of_sensible_size_is_refused() {
        let refused = |logo: TenantLogo, error: LogoError| {
            SettingsTest::with(())
                .given_no_previous_events()
                .when(SettingsCommand::ConfigureLogo {
                    tenant_id: TENANT,
                    logo: Some(logo),
                })
                .then_expect_error(SettingsError::Logo(error));
        };
        refused(logo("ABC"), LogoError::Address);
        refused(logo(&"A".repeat(64)), LogoError::Address);
        let svg = TenantLogo {
            content_type: "image/svg+xml".into(),
            ..logo(&"a".repeat(64))
        };
        refused(svg, LogoError::ContentType("image/svg+xml".into()));
        let huge = TenantLogo {
            width_px: 5000,
            ..logo(&"a".repeat(64))
        };
        refused(huge, LogoError::Size(5000, 100));
    }

    #[test]
    fn a_legal_profile_is_recorded_with_its_vat_number_in_canonical_form() {
        SettingsTest::with(())
            .given_no_previous_events()
            .when(SettingsCommand::ConfigureLegalProfile {
                tenant_id: TENANT,
                profile: Box::new(profile("136 695 976")),
            })
            .then_expect_events(vec![SettingsEvent::LegalProfileConfigured {
                tenant_id: TENANT,
                profile: Box::new(profile("DE136695976")),
            }]);
    }

    #[test]
    fn a_legal_profile_with_a_wrong_vat_number_is_refused() {
        SettingsTest::with(())
            .given_no_previous_events()
            .when(SettingsCommand::ConfigureLegalProfile {
                tenant_id: TENANT,
                profile: Box::new(profile("DE136695977")),
            })
            .then_expect_error(SettingsError::LegalProfile(LegalProfileError::VatId(
                crate::tax_id::TaxIdError::CheckDigits {
                    country: "DE".into(),
                    tax_id: "DE136695977".into(),
                },
            )));
    }

    #[test]
    fn only_iana_timezone_names_are_taken() {
        SettingsTest::with(())
            .given(vec![])
            .when(SettingsCommand::ConfigureTimezone {
                tenant_id: TENANT,
                timezone: " Europe/Berlin ".into(),
            })
            .then_expect_events(vec![SettingsEvent::TimezoneConfigured {
                tenant_id: TENANT,
                timezone: "Europe/Berlin".into(),
            }]);
        SettingsTest::with(())
            .given(vec![])
            .when(SettingsCommand::ConfigureTimezone {
                tenant_id: TENANT,
                timezone: "CEST+2".into(),
            })
            .then_expect_error(SettingsError::UnknownTimezone("CEST+2".into()));
    }
}
