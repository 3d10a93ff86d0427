//! Money on an invoice: payments with their rate into the books, refunds,
//! and credit applied or prepaid.

use async_graphql::{InputObject, ID};
use folio_commands::{
    ApplyCustomerCredit, PrepaidFromCredit, RecordPayment, RefundPayment, StatedRate,
};

use crate::graphql::enums::PaymentMethod;
use crate::graphql::ids::uuid_arg;
use crate::graphql::scalars::{Date, Decimal};

use super::MoneyInput;

/// A payment received.
#[derive(Debug, Clone, InputObject)]
pub struct PaymentInput {
    /// Amount received.
    pub amount: MoneyInput,
    /// Value date; today when absent.
    pub received_on: Option<Date>,
    /// How the payment was made.
    pub method: PaymentMethod,
    /// The payer's reference (a bank transfer's, a card slip's), if any.
    pub reference: Option<String>,
    /// For an invoice booked in another currency than the tenant's
    /// accounting currency: the rate of the value date. The tenant's
    /// exchange-rate table gives it when absent.
    pub exchange_rate: Option<AccountingRateInput>,
}

impl PaymentInput {
    /// The payment request.
    pub fn into_command(self) -> async_graphql::Result<RecordPayment> {
        Ok(RecordPayment {
            payment_id: None,
            amount: self.amount.into_domain()?,
            received_on: self.received_on.map(|d| d.0),
            method: self.method.into(),
            reference: self.reference,
            exchange_rate: self.exchange_rate.map(AccountingRateInput::into_command),
        })
    }
}

/// A rate into the tenant's accounting currency, stated for one document and
/// of its date.
#[derive(Debug, Clone, InputObject)]
pub struct AccountingRateInput {
    /// Units of the accounting currency for one unit of the document's, up to
    /// 10 decimals, e.g. `0.9215` from USD into EUR.
    pub rate: Decimal,
    /// Where the rate comes from, e.g. `ECB reference rate`.
    pub source: Option<String>,
}

impl AccountingRateInput {
    /// The use cases' stated rate.
    pub fn into_command(self) -> StatedRate {
        StatedRate {
            rate: self.rate.0,
            source: self.source,
        }
    }
}

/// Credit another invoice of the same customer holds, to settle this one.
#[derive(Debug, Clone, InputObject)]
pub struct AppliedCreditInput {
    /// The invoice holding the credit.
    pub from_invoice_id: ID,
    /// How much: at most what it holds and what this invoice still owes.
    pub amount: MoneyInput,
    /// The date it takes effect; today when absent.
    pub applied_on: Option<Date>,
}

impl AppliedCreditInput {
    /// The request.
    pub fn into_command(self) -> async_graphql::Result<ApplyCustomerCredit> {
        Ok(ApplyCustomerCredit {
            from_invoice: uuid_arg(&self.from_invoice_id, "fromInvoiceId")?,
            amount: self.amount.into_domain()?,
            applied_on: self.applied_on.map(|d| d.0),
        })
    }
}

/// Credit another invoice of the same customer holds (a deposit, an
/// overpayment), applied as an invoice is issued.
#[derive(Debug, Clone, InputObject)]
pub struct PrepaidCreditInput {
    /// The invoice holding the credit.
    pub from_invoice_id: ID,
    /// How much: at most what it holds and the issued invoice's total.
    pub amount: MoneyInput,
}

impl PrepaidCreditInput {
    /// The request.
    pub fn into_command(self) -> async_graphql::Result<PrepaidFromCredit> {
        Ok(PrepaidFromCredit {
            from_invoice: uuid_arg(&self.from_invoice_id, "fromInvoiceId")?,
            amount: self.amount.into_domain()?,
        })
    }
}

/// A refund of (part of) a payment.
#[derive(Debug, Clone, InputObject)]
pub struct RefundInput {
    /// The payment.
    pub payment_id: ID,
    /// Amount given back.
    pub amount: MoneyInput,
    /// Date; today when absent.
    pub refunded_on: Option<Date>,
    /// Why, in words kept with the record and shown in the history.
    pub reason: String,
}

impl RefundInput {
    /// The refund request.
    pub fn into_command(self) -> async_graphql::Result<RefundPayment> {
        Ok(RefundPayment {
            payment_id: uuid_arg(&self.payment_id, "paymentId")?,
            amount: self.amount.into_domain()?,
            refunded_on: self.refunded_on.map(|d| d.0),
            reason: self.reason,
        })
    }
}
