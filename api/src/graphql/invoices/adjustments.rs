//! Allowances and charges on an invoice's whole document (EN 16931 BG-20,
//! BG-21): the input a draft takes, the rows an invoice shows, and the two
//! mutations, each a call of its use case.

use async_graphql::{ComplexObject, Context, InputObject, Object, SimpleObject, ID};
use folio_commands::AddInvoiceAdjustment;
use folio_domain::adjustment::AdjustmentSize;
use folio_projections::invoicing::queries::InvoiceAdjustmentRow;
use uuid::Uuid;

use crate::error::validation;
use crate::graphql::enums::{from_stored, vat_category, AdjustmentKind, VatCategory};
use crate::graphql::ids::uuid_arg;
use crate::graphql::inputs::TaxInput;
use crate::graphql::outcome::CommandResult;
use crate::graphql::scalars::Decimal;

/// An allowance or a charge on a whole draft: give exactly one of `amount`
/// and `percent`, and a `reason`, a `reasonCode` or both.
#[derive(Debug, Clone, InputObject)]
pub struct InvoiceAdjustmentInput {
    /// Allowance (off) or charge (on).
    pub kind: AdjustmentKind,
    /// A fixed amount in the invoice's currency, positive.
    pub amount: Option<Decimal>,
    /// A percentage (above 0, at most 100) of the nets of the lines that carry
    /// `tax`, turned into an amount when the invoice is issued.
    pub percent: Option<Decimal>,
    /// Why, in words (BT-97 / BT-104), e.g. `Volume rebate`.
    pub reason: Option<String>,
    /// Why, as a code: UNCL 5189 for an allowance (`95` discount), UNCL 7161
    /// for a charge (`FC` freight).
    pub reason_code: Option<String>,
    /// The one VAT rate whose taxable base it changes, with its EN 16931
    /// category; never a withholding. This or `taxRateKey`.
    pub tax: Option<TaxInput>,
    /// That rate picked from the tenant's catalogue (`tenantSettings.taxRates`)
    /// by key. This or `tax`.
    pub tax_rate_key: Option<String>,
}

impl InvoiceAdjustmentInput {
    /// The use case's input; refused when both or neither size is given.
    pub fn into_command(self) -> async_graphql::Result<AddInvoiceAdjustment> {
        let size = match (self.amount, self.percent) {
            (Some(amount), None) => AdjustmentSize::Amount { amount: amount.0 },
            (None, Some(percent)) => AdjustmentSize::Percent { percent: percent.0 },
            _ => {
                let why = "an allowance or charge needs exactly one of amount and percent";
                return Err(validation(why).into());
            }
        };
        Ok(AddInvoiceAdjustment {
            adjustment_id: None,
            kind: self.kind.into(),
            size,
            reason: self.reason,
            reason_code: self.reason_code,
            tax: self.tax.map(TaxInput::into_domain),
            tax_rate_key: self.tax_rate_key,
        })
    }
}

/// An allowance or a charge on an invoice's whole document.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(complex)]
pub struct InvoiceAdjustment {
    /// The adjustment's UUID, as `removeInvoiceAdjustment` takes it.
    pub adjustment_id: Uuid,
    /// Order on the invoice, from 1.
    pub position: i32,
    /// The kind label as stored (read through `kind`).
    #[graphql(skip)]
    pub stored_kind: String,
    /// The VAT category's UNCL 5305 code as stored (read through `vatCategory`).
    #[graphql(skip)]
    pub stored_category: Option<String>,
    /// The fixed amount as stated; null for a percentage.
    pub fixed_amount: Option<Decimal>,
    /// The percentage as stated; null for a fixed amount.
    pub percent: Option<Decimal>,
    /// Why, in words; null when only a code was given.
    pub reason: Option<String>,
    /// Why, as a UNCL 5189 or 7161 code; null when not given.
    pub reason_code: Option<String>,
    /// The code of its VAT, e.g. `VAT`.
    pub tax_code: String,
    /// The rate of its VAT, in percent.
    pub tax_percent: Decimal,
    /// For a percentage, the nets of the lines at its VAT it was taken of;
    /// null for a fixed amount and while a draft.
    pub base_amount: Option<Decimal>,
    /// The amount taken off or added, positive and rounded; null while a draft.
    pub amount: Option<Decimal>,
}

impl From<InvoiceAdjustmentRow> for InvoiceAdjustment {
    fn from(row: InvoiceAdjustmentRow) -> Self {
        InvoiceAdjustment {
            adjustment_id: row.adjustment_id,
            position: row.position,
            stored_kind: row.kind,
            stored_category: row.vat_category,
            fixed_amount: row.fixed_amount.map(Decimal),
            percent: row.percent.map(Decimal),
            reason: row.reason,
            reason_code: row.reason_code,
            tax_code: row.tax_code,
            tax_percent: Decimal(row.tax_percent),
            base_amount: row.base_amount.map(Decimal),
            amount: row.amount.map(Decimal),
        }
    }
}

#[ComplexObject]
impl InvoiceAdjustment {
    /// Allowance (taken off) or charge (added).
    async fn kind(&self) -> async_graphql::Result<AdjustmentKind> {
        from_stored(&self.stored_kind)
    }

    /// The EN 16931 category of its VAT.
    async fn vat_category(&self) -> async_graphql::Result<Option<VatCategory>> {
        vat_category(self.stored_category.as_deref())
    }
}

/// The mutations of a draft's allowances and charges (accountants and admins).
#[derive(Debug, Default)]
pub struct InvoiceAdjustmentMutation;

#[Object]
impl InvoiceAdjustmentMutation {
    /// Adds an allowance or a charge on a whole draft, at one VAT rate.
    async fn add_invoice_adjustment(
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
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "Its kind, size, reason and VAT rate.")]
        adjustment: InvoiceAdjustmentInput,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let input = adjustment.into_command()?;
        command!(
            ctx,
            idempotency_key,
            expected_version,
            |use_cases, c| async {
                use_cases
                    .add_invoice_adjustment(&c, id, input)
                    .await
                    .map(|(outcome, _)| outcome)
            }
        )
    }

    /// Removes an allowance or a charge from a draft.
    async fn remove_invoice_adjustment(
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
        #[graphql(desc = "The invoice's UUID (`invoiceId`).")] invoice_id: ID,
        #[graphql(desc = "The adjustment's UUID (`adjustmentId`).")] adjustment_id: ID,
    ) -> async_graphql::Result<CommandResult> {
        let id = uuid_arg(&invoice_id, "invoiceId")?;
        let adjustment_id = uuid_arg(&adjustment_id, "adjustmentId")?;
        command!(ctx, idempotency_key, expected_version, |use_cases, c| {
            use_cases.remove_invoice_adjustment(&c, id, adjustment_id)
        })
    }
}
