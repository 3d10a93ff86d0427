//! The tenant's invoicing policy.

use async_graphql::InputObject;
use folio_domain::pricing::RoundingPolicy;
use folio_domain::settings::InvoicingPolicy;

use crate::graphql::enums::{RoundingMode, TaxRoundingScope};

/// The tenant's invoicing policy.
#[derive(Debug, Clone, InputObject)]
pub struct InvoicingPolicyInput {
    /// Rounding mode.
    pub rounding_mode: RoundingMode,
    /// Rounding scope.
    pub rounding_scope: TaxRoundingScope,
    /// Invoice number series, e.g. INV.
    pub invoice_series: String,
    /// Credit note number series, e.g. CN.
    pub credit_note_series: String,
    /// Mexico: payment complement number series; `P` when not given.
    pub payment_complement_series: Option<String>,
}

impl InvoicingPolicyInput {
    /// The domain's policy.
    pub fn into_domain(self) -> async_graphql::Result<InvoicingPolicy> {
        Ok(InvoicingPolicy {
            rounding: RoundingPolicy {
                mode: self.rounding_mode.into(),
                scope: self.rounding_scope.into(),
            },
            invoice_series: self.invoice_series,
            credit_note_series: self.credit_note_series,
            payment_complement_series: self
                .payment_complement_series
                .unwrap_or_else(|| InvoicingPolicy::default().payment_complement_series),
        })
    }
}
