//! A tenant's settings: the policies that commands need (rounding, number series,
//! expense approvals). They are event-sourced like everything else, so an auditor can
//! see which policy was in force when, and who changed it.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::aggregate::{cqrs_aggregate, domain_event, Decide, TenantOwned};
use crate::document_number::{validate_series, InvalidSeries};
use crate::error_code::{Coded, ErrorCode};
use crate::expense::{ExpensePolicy, MAX_APPROVALS};
use crate::ids::TenantId;
use crate::pricing::RoundingPolicy;

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
    fn default() -> Self {
        InvoicingPolicy {
            rounding: RoundingPolicy::default(),
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
        /// The tenant.
        tenant_id: TenantId,
        /// The new policy.
        policy: InvoicingPolicy,
    },
    /// Set approval thresholds and category limits.
    ConfigureExpensePolicy {
        /// The tenant.
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
        /// The tenant.
        tenant_id: TenantId,
        /// The policy now in force.
        policy: InvoicingPolicy,
    },
    /// The expense policy changed.
    ExpensePolicyConfigured {
        /// The tenant.
        tenant_id: TenantId,
        /// The policy now in force.
        policy: ExpensePolicy,
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
    /// The tenant.
    pub tenant_id: Option<TenantId>,
    /// Invoicing policy in force.
    pub invoicing: InvoicingPolicy,
    /// Expense policy in force.
    pub expenses: ExpensePolicy,
}

impl TenantSettings {
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
                Ok(vec![SettingsEvent::InvoicingConfigured {
                    tenant_id,
                    policy,
                }])
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
}
