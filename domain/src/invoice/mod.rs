//! The invoice: drafted, issued with a gap-free number, sent, paid, refunded,
//! credited or voided; reminded of on the tenant's schedule while due, unless
//! disputed.
//!
//! Two dimensions describe an invoice. The **document status** ([`DocumentStatus`]) is
//! stored: draft → issued → sent, or void. The **payment status** (unpaid,
//! partially paid, paid, overdue) is derived from the amounts and, for overdue,
//! from the reader's today; it is never a stored flag, and it is decided in one
//! place, the read model's `payment_status` function, which every edge and BI
//! read (the aggregate decides nothing by it).
//!
//! Issued documents are immutable: what was issued is only ever corrected by new
//! events (a credit note, a void), never edited. Whether an issued invoice may be
//! voided at all depends on the tenant's jurisdiction: never in the EU (a credit
//! note corrects it), in Mexico only with SAT's cancellation reason, elsewhere
//! while nothing is paid or credited.

#[cfg(test)]
mod adjustment_tests;
mod archive;
#[cfg(test)]
mod basis_tests;
mod cancellation;
#[cfg(test)]
mod cancellation_tests;
#[cfg(test)]
mod cfdi_tests;
mod commands;
mod complement;
#[cfg(test)]
mod complement_tests;
mod credit;
mod credit_cfdi;
#[cfg(test)]
mod credit_cfdi_tests;
#[cfg(test)]
mod credit_fx_tests;
mod decide;
mod errors;
mod events;
#[cfg(test)]
mod exchange_tests;
mod fold;
mod fx;
mod issue;
mod reminder;
#[cfg(test)]
mod reminder_tests;
mod stamp;
mod stamp_steps;
#[cfg(test)]
mod stamp_tests;
#[cfg(test)]
mod tests;
mod transfer;
#[cfg(test)]
mod transfer_tests;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use archive::{ArchivedFile, ArchivedFormat, DocumentOfInvoice};
pub use cancellation::{
    CfdiCancellationReceipt, CfdiCancellationRefusal, CfdiCancellationRequest, PendingCancellation,
};
pub use commands::{
    CfdiContext, InvoiceCommand, PrepaidCredit, ReplacementInvoice, SatCancellation,
};
pub use complement::PaymentComplement;
pub use credit::{CreditRequest, Credited, CreditedLine, LineCredit, TaxSelector};
pub use errors::InvoiceError;
pub use events::{
    Delivery, DueTerms, InvoiceEvent, IssuedLine, PaymentMethod, SatCancellationReason, Settlement,
};
pub use reminder::{DisputeResolved, Disputed, ReminderError, ReminderRequest, ReminderSent};
pub use stamp::{CfdiFile, CfdiRejection, CfdiSeal, CfdiStamp, StampState, StampStep};
pub use transfer::{CreditTransfers, CreditWorth, TransferRecord};

use crate::adjustment::{DraftAdjustment, IssuedAdjustment};
use crate::aggregate::{cqrs_aggregate, Decide, TenantOwned};
use crate::customer::CustomerStanding;
use crate::document_number::{validate_series, DocumentNumber};
use crate::exchange::DatedRate;
use crate::ids::{
    AdjustmentId, CreditNoteId, CustomerId, InvoiceId, LineId, PaymentId, RefundId, TenantId,
};
use crate::money::{Currency, Money};
use crate::pricing::{
    price_document, validate_line, DocumentTotals, LineItem, PriceBasis, RoundingPolicy,
};
use crate::settings::Jurisdiction;
use crate::tax::VatCategory;

/// Most lines a draft may hold.
pub const MAX_LINES: usize = 500;
/// Most allowances and charges a draft may hold.
pub const MAX_ADJUSTMENTS: usize = 50;
/// Most characters of free text (notes, reasons, references).
pub const MAX_TEXT: usize = 2000;
/// Longest payment term in days.
pub const MAX_NET_DAYS: u16 = 365;
/// The most recipients one sending may have.
pub const MAX_RECIPIENTS: usize = 10;

/// Where the document is in its life.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DocumentStatus {
    /// Not created yet (no events).
    #[default]
    New,
    /// Being prepared: lines and terms may change.
    Draft,
    /// Numbered and frozen.
    Issued,
    /// Issued and sent to the customer at least once.
    Sent,
    /// Cancelled (only while nothing was paid); kept for the record.
    Void,
}

/// A draft line: its id and what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftLine {
    /// The line's id: it stays through edits, and a line credit note names it.
    pub line_id: LineId,
    /// Its content.
    pub item: LineItem,
}

/// A payment as the invoice remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRecord {
    /// The payment's id, which a refund names.
    pub payment_id: PaymentId,
    /// Amount received.
    pub amount: Decimal,
    /// Amount refunded from it so far.
    pub refunded: Decimal,
    /// Its value date (absent in snapshots taken before it was kept).
    #[serde(default)]
    pub received_on: Option<NaiveDate>,
    /// Its rate into the books, when the invoice is foreign to them.
    #[serde(default)]
    pub rate: Option<DatedRate>,
    /// Mexico: its payment complement, once numbered.
    #[serde(default)]
    pub complement: Option<PaymentComplement>,
}

/// The invoice aggregate's state (folded from its events).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Invoice {
    /// Document status.
    pub status: DocumentStatus,
    /// The invoice's id.
    pub invoice_id: Option<InvoiceId>,
    /// The owning tenant, once created: commands from other tenants are refused as not
    /// found.
    pub tenant_id: Option<TenantId>,
    /// The customer invoiced; the invoice keeps them for life.
    pub customer_id: Option<CustomerId>,
    /// The one currency of the whole document.
    pub currency: Option<Currency>,
    /// Due date or payment terms, while a draft.
    pub due_terms: Option<DueTerms>,
    /// Free-text notes printed on the invoice.
    pub notes: Option<String>,
    /// The basis of lines added without one.
    pub price_basis: PriceBasis,
    /// Lines, in order.
    pub lines: Vec<DraftLine>,
    /// Allowances and charges on the whole document, in order.
    #[serde(default)]
    pub adjustments: Vec<DraftAdjustment>,
    /// How a Mexican draft is paid and used, once set.
    #[serde(default)]
    pub cfdi_terms: Option<crate::sat::SatPaymentTerms>,
    /// Number, once issued.
    pub number: Option<DocumentNumber>,
    /// Issue date, once issued.
    pub issue_date: Option<NaiveDate>,
    /// Due date, once issued.
    pub due_date: Option<NaiveDate>,
    /// The rounding policy the totals were computed under.
    pub rounding: Option<RoundingPolicy>,
    /// Totals, once issued.
    pub totals: DocumentTotals,
    /// Payments received.
    pub payments: Vec<PaymentRecord>,
    /// Ids of refunds recorded (to refuse duplicates).
    pub refund_ids: Vec<RefundId>,
    /// Credit notes issued against this invoice, with their totals.
    pub credit_notes: Vec<(CreditNoteId, Decimal)>,
    /// Mexico: where each credit note's CFDI (type E) stands; a credit note
    /// of an invoice issued under MX is owed one.
    #[serde(default)]
    pub credit_note_stamps: Vec<(CreditNoteId, StampState)>,
    /// The net amount of each issued line, in line order.
    #[serde(default)]
    pub issued_nets: Vec<Decimal>,
    /// What credit notes took back, per line, per rate and off untaxed lines.
    #[serde(default)]
    pub credited: Credited,
    /// Credit moved to other invoices of the customer and from them.
    #[serde(default)]
    pub transfers: CreditTransfers,
    /// The documents archived, with the files recorded for each.
    #[serde(default)]
    pub archived: Vec<(DocumentOfInvoice, Vec<ArchivedFile>)>,
    /// The rate an invoice in a currency foreign to the books was issued at;
    /// its credit notes are converted at it too.
    #[serde(default)]
    pub booked_at: Option<DatedRate>,
    /// What is still open of it in the books, in the accounting currency:
    /// its total there less its credit notes' and what payments settled.
    #[serde(default)]
    pub booked_open: Decimal,
    /// The last step of the payment reminders recorded (0: none).
    #[serde(default)]
    pub reminders_sent: u8,
    /// What the customer contests, while a dispute is open.
    #[serde(default)]
    pub dispute: Option<String>,
    /// Where the fiscal stamp stands, for an invoice issued under MX.
    #[serde(default)]
    pub stamp: Option<StampState>,
    /// A cancellation of its CFDI that SAT has not decided yet.
    #[serde(default)]
    pub cancellation: Option<PendingCancellation>,
}

impl Invoice {
    /// Refuses `date` for `what` (a payment, a refund, ...) when it is before the
    /// invoice's issue date.
    fn not_before_issue(&self, what: &str, date: NaiveDate) -> Result<(), InvoiceError> {
        match self.issue_date {
            Some(issued) if date < issued => Err(InvoiceError::DatedBefore {
                what: what.to_owned(),
                date,
                since: issued,
            }),
            _ => Ok(()),
        }
    }

    /// The document's currency; only an invoice that does not exist has none.
    fn currency(&self) -> Result<Currency, InvoiceError> {
        self.currency.ok_or(InvoiceError::NotFound)
    }

    /// Money received, net of refunds.
    pub fn amount_paid(&self) -> Decimal {
        self.payments.iter().map(|p| p.amount - p.refunded).sum()
    }

    /// Total of the credit notes issued.
    pub fn amount_credited(&self) -> Decimal {
        self.credit_notes.iter().map(|(_, total)| *total).sum()
    }

    /// Total − credited − paid − credit applied from other invoices + credit
    /// moved to them: positive while the customer owes, negative when the
    /// invoice holds credit for the customer (paid beyond what was due, or
    /// credited after it was paid).
    pub fn balance(&self) -> Decimal {
        self.totals.total
            - self.amount_credited()
            - self.amount_paid()
            - self.transfers.net_applied()
    }

    /// What the customer still owes (never negative).
    pub fn amount_due(&self) -> Decimal {
        due_part(self.balance())
    }

    /// What the invoice holds for the customer: paid or credited beyond its
    /// total, until refunded (never negative).
    pub fn customer_credit(&self) -> Decimal {
        credit_part(self.balance())
    }

    fn money(&self, amount: Decimal) -> Result<Money, InvoiceError> {
        Ok(Money::new(amount, self.currency()?))
    }

    fn require_exists(&self) -> Result<(), InvoiceError> {
        if self.status == DocumentStatus::New {
            Err(InvoiceError::NotFound)
        } else {
            Ok(())
        }
    }

    fn require_draft(&self) -> Result<(), InvoiceError> {
        self.require_exists()?;
        if self.status == DocumentStatus::Draft {
            Ok(())
        } else {
            Err(InvoiceError::NotADraft {
                status: self.status,
            })
        }
    }

    fn require_open(&self) -> Result<(), InvoiceError> {
        self.require_exists()?;
        match self.status {
            DocumentStatus::Issued | DocumentStatus::Sent => Ok(()),
            status => Err(InvoiceError::NotIssued { status }),
        }
    }

    fn check_money(&self, amount: Money) -> Result<Money, InvoiceError> {
        let currency = self.currency()?;
        if amount.currency != currency {
            return Err(InvoiceError::CurrencyMismatch {
                invoice: currency,
                offered: amount.currency,
            });
        }
        let exact = Money::exact(amount.amount, currency)?;
        if !exact.is_positive() {
            return Err(InvoiceError::AmountNotPositive(exact));
        }
        Ok(exact)
    }
}

impl Invoice {
    /// Checks a cancellation against the jurisdiction's rule and returns SAT's
    /// reason and the replacing invoice for a Mexican one.
    fn check_cancellation(
        &self,
        jurisdiction: Jurisdiction,
        sat: Option<SatCancellation>,
    ) -> Result<Option<(SatCancellationReason, Option<ReplacementInvoice>)>, InvoiceError> {
        match (jurisdiction, sat) {
            (Jurisdiction::Eu, _) => Err(InvoiceError::VoidOfIssuedInvoice),
            (Jurisdiction::Other, None) => Ok(None),
            (Jurisdiction::Other, Some(_)) => Err(InvoiceError::SatReasonOutsideMexico),
            (Jurisdiction::Mx, None) => Err(InvoiceError::SatReasonRequired),
            (Jurisdiction::Mx, Some(sat)) => {
                let replaces = sat.reason == SatCancellationReason::ErrorsWithReplacement;
                match (replaces, sat.replacement) {
                    (true, None) => Err(InvoiceError::ReplacementRequired),
                    (false, Some(_)) => Err(InvoiceError::ReplacementWithoutReason01),
                    (false, None) => Ok(Some((sat.reason, None))),
                    (true, Some(replacement)) => {
                        self.check_replacement(replacement)?;
                        Ok(Some((sat.reason, Some(replacement))))
                    }
                }
            }
        }
    }

    /// The VAT category rules that need the whole invoice or the buyer: under
    /// the EU jurisdiction every VAT names its category; reverse charge and
    /// intra-community supplies need the buyer's VAT number (BR-AE-02,
    /// BR-IC-02); "not subject" shares the invoice with no other category
    /// (BR-O-11).
    fn check_vat_categories(
        &self,
        jurisdiction: Jurisdiction,
        buyer_vat_id: Option<&str>,
    ) -> Result<(), InvoiceError> {
        let vats = || {
            self.lines
                .iter()
                .flat_map(|l| &l.item.taxes)
                .chain(self.adjustments.iter().map(|a| &a.adjustment.tax))
                .filter(|t| t.treatment != crate::tax::TaxTreatment::Withholding)
        };
        if jurisdiction == Jurisdiction::Eu {
            if let Some(tax) = vats().find(|t| t.category.is_none()) {
                return Err(InvoiceError::VatCategoryRequired { tax: tax.label() });
            }
        }
        let categories: Vec<VatCategory> = vats().filter_map(|t| t.category).collect();
        if let Some(category) = categories.iter().find(|c| c.needs_buyer_vat_id()) {
            if buyer_vat_id.is_none_or(|id| id.trim().is_empty()) {
                return Err(InvoiceError::BuyerVatIdRequired {
                    category: category.code().to_owned(),
                });
            }
        }
        if categories.contains(&VatCategory::NotSubject)
            && categories.iter().any(|c| *c != VatCategory::NotSubject)
        {
            return Err(InvoiceError::NotSubjectMixed);
        }
        Ok(())
    }

    /// A replacement is another issued invoice of the same customer.
    fn check_replacement(&self, replacement: ReplacementInvoice) -> Result<(), InvoiceError> {
        let refuse = |why: &str| {
            Err(InvoiceError::InvalidReplacement {
                invoice_id: replacement.invoice_id,
                why: why.to_owned(),
            })
        };
        if Some(replacement.invoice_id) == self.invoice_id {
            return refuse("an invoice cannot replace itself");
        }
        match replacement.status {
            DocumentStatus::New => return refuse("no such invoice"),
            DocumentStatus::Issued | DocumentStatus::Sent => {}
            DocumentStatus::Draft | DocumentStatus::Void => {
                return refuse("it is not issued (a replacement is issued first)")
            }
        }
        if replacement.customer_id != self.customer_id {
            return refuse("it is another customer's invoice");
        }
        Ok(())
    }
}

/// The part of a balance the customer owes (zero when settled or in credit).
fn due_part(balance: Decimal) -> Decimal {
    if balance > Decimal::ZERO {
        balance
    } else {
        zero_as(balance)
    }
}

/// Zero with `amount`'s scale: a settled amount in euros reads `0.00`, as every
/// other amount of the invoice does.
fn zero_as(amount: Decimal) -> Decimal {
    let mut zero = Decimal::ZERO;
    zero.rescale(amount.scale());
    zero
}

/// The part of a balance held for the customer (zero unless paid or credited
/// beyond the total).
fn credit_part(balance: Decimal) -> Decimal {
    if balance < Decimal::ZERO {
        -balance
    } else {
        zero_as(balance)
    }
}

/// Refuses to invoice a customer that is archived or not in the tenant.
fn invoiceable(customer_id: CustomerId, standing: CustomerStanding) -> Result<(), InvoiceError> {
    match standing {
        CustomerStanding::Active => Ok(()),
        CustomerStanding::Archived => Err(InvoiceError::CustomerArchived(customer_id)),
        CustomerStanding::Unknown => Err(InvoiceError::CustomerNotFound(customer_id)),
    }
}

fn require_reason(reason: &str) -> Result<String, InvoiceError> {
    let trimmed = reason.trim();
    if trimmed.is_empty() {
        Err(InvoiceError::ReasonRequired)
    } else if trimmed.chars().count() > MAX_TEXT {
        Err(InvoiceError::TextTooLong { max: MAX_TEXT })
    } else {
        Ok(trimmed.to_owned())
    }
}

fn check_optional_text(text: Option<String>) -> Result<Option<String>, InvoiceError> {
    match text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) {
        Some(t) if t.chars().count() > MAX_TEXT => Err(InvoiceError::TextTooLong { max: MAX_TEXT }),
        other => Ok(other),
    }
}

fn check_terms(terms: &DueTerms) -> Result<(), InvoiceError> {
    match terms {
        DueTerms::NetDays { days } if *days > MAX_NET_DAYS => {
            Err(InvoiceError::InvalidNetDays(*days))
        }
        _ => Ok(()),
    }
}

impl TenantOwned for Invoice {
    fn tenant(&self) -> Option<TenantId> {
        self.tenant_id
    }
}

cqrs_aggregate!(Invoice, type = "Invoice", command = InvoiceCommand, event = InvoiceEvent, error = InvoiceError);
