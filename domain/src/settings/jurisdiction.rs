//! Where a tenant invoices, and how: the rules that differ by country.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::money::RoundingMode;
use crate::pricing::{RoundingPolicy, TaxRoundingScope};

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
    /// Mexico: series for payment complements (CFDI of type P); left out
    /// when `P`, which a policy configured before complements existed reads as.
    #[serde(
        default = "InvoicingPolicy::default_complement_series",
        skip_serializing_if = "InvoicingPolicy::is_default_complement_series"
    )]
    pub payment_complement_series: String,
}

impl InvoicingPolicy {
    fn default_complement_series() -> String {
        "P".into()
    }

    fn is_default_complement_series(series: &str) -> bool {
        series == "P"
    }
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
            payment_complement_series: InvoicingPolicy::default_complement_series(),
        }
    }
}
