//! Moving a customer's credit from the invoice that holds it to another invoice
//! of the same customer (ADR 008). Each invoice records its half under one
//! transfer id: the source [`InvoiceEvent::CreditTransferred`], the target
//! [`InvoiceEvent::CreditApplied`]. The source refuses more than it holds; the
//! target never refuses credit that arrives, beyond what is due it holds it.
//!
//! Between invoices booked in a currency foreign to the books, the credit
//! leaves the source's books at the source's rate and settles the target's at
//! the target's: the source's half records what it took out, the target's
//! what that settled, and the difference is realised on the target
//! ([`InvoiceEvent::CreditExchangeDifferenceRealised`]). A return puts back
//! into the source's books exactly what left them.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{credit_part, due_part, Invoice, InvoiceError, InvoiceEvent};
use crate::exchange::DatedRate;
use crate::ids::{CreditTransferId, CustomerId, InvoiceId};
use crate::money::Money;

/// One half of a credit move, as an invoice remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRecord {
    /// The move's id.
    pub transfer_id: CreditTransferId,
    /// The other invoice.
    pub counterpart: InvoiceId,
    /// How much moved.
    pub amount: Decimal,
    /// What it took out of the books (moved out) or off the receivable there
    /// (applied), when the invoice is booked in a foreign currency.
    #[serde(default)]
    pub booked: Option<Decimal>,
}

/// What credit leaving an invoice booked in a currency foreign to the books
/// was worth there: the invoice it settles takes it at this worth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditWorth {
    /// What the move took out of the source's books.
    pub booked: Decimal,
    /// The source's rate into the accounting currency.
    pub rate: DatedRate,
}

/// The credit moves an invoice took part in.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CreditTransfers {
    /// Credit moved from this invoice to others.
    pub moved_out: Vec<TransferRecord>,
    /// Credit moved to this invoice from others.
    pub applied: Vec<TransferRecord>,
    /// Moves out that came back (their ids; the amounts are in `moved_out`).
    #[serde(default)]
    pub returned: Vec<CreditTransferId>,
}

impl CreditTransfers {
    /// Credit applied here less credit moved away and not returned: what the
    /// moves took off the invoice's balance.
    pub fn net_applied(&self) -> Decimal {
        let applied: Decimal = self.applied.iter().map(|r| r.amount).sum();
        let out: Decimal = self.still_out().map(|r| r.amount).sum();
        applied - out
    }

    /// Moves out that did not come back.
    fn still_out(&self) -> impl Iterator<Item = &TransferRecord> {
        self.moved_out
            .iter()
            .filter(|r| !self.returned.contains(&r.transfer_id))
    }

    fn knows(&self, transfer_id: CreditTransferId) -> bool {
        self.moved_out
            .iter()
            .chain(&self.applied)
            .any(|r| r.transfer_id == transfer_id)
    }
}

/// A move as a command gives it: the other invoice and its customer, the
/// amount and the date.
pub(super) struct Move {
    pub transfer_id: CreditTransferId,
    pub counterpart: InvoiceId,
    pub counterpart_customer: CustomerId,
    pub amount: Money,
    pub on: NaiveDate,
}

impl Invoice {
    /// What the recorded move `transfer_id` out of this invoice took out of
    /// the books; none unless the invoice is booked in a foreign currency.
    pub fn credit_worth_moved(&self, transfer_id: CreditTransferId) -> Option<CreditWorth> {
        let moved = self
            .transfers
            .moved_out
            .iter()
            .find(|r| r.transfer_id == transfer_id)?;
        Some(CreditWorth {
            booked: moved.booked?,
            rate: self.booked_at.clone()?,
        })
    }
}

impl Invoice {
    /// The source's half: refuses moving more credit than the invoice holds.
    pub(super) fn decide_transfer(&self, moved: Move) -> Result<InvoiceEvent, InvoiceError> {
        let amount = self.check_move(&moved, "a credit transfer")?;
        let credit = self.customer_credit();
        if amount.amount > credit {
            return Err(InvoiceError::OverTransfer {
                available: self.money(credit)?,
                offered: amount,
            });
        }
        let balance_after = self.balance() + amount.amount;
        let booked = self.credit_worth_leaving(amount.amount).map(|w| w.booked);
        Ok(InvoiceEvent::CreditTransferred {
            transfer_id: moved.transfer_id,
            to_invoice: moved.counterpart,
            amount,
            transferred_on: moved.on,
            amount_due_after: due_part(balance_after),
            credit_after: credit_part(balance_after),
            booked,
        })
    }

    /// Undoes a move out the target never recorded: all of its amount comes
    /// back as credit, and into the books all that left them.
    pub(super) fn decide_return(
        &self,
        transfer_id: CreditTransferId,
        returned_on: NaiveDate,
    ) -> Result<InvoiceEvent, InvoiceError> {
        self.require_open()?;
        self.not_before_issue("returned credit", returned_on)?;
        let moved = self
            .transfers
            .still_out()
            .find(|r| r.transfer_id == transfer_id)
            .ok_or(InvoiceError::TransferNotOut(transfer_id))?;
        let balance_after = self.balance() - moved.amount;
        Ok(InvoiceEvent::CreditReturned {
            transfer_id,
            amount: self.money(moved.amount)?,
            returned_on,
            amount_due_after: due_part(balance_after),
            credit_after: credit_part(balance_after),
            booked: moved.booked,
        })
    }

    /// The target's half: takes any amount; beyond what is due it is credit.
    /// `worth` is what the credit was worth in the source's books (none
    /// unless the source is booked in a foreign currency); the difference to
    /// what it settles here is realised beside it.
    pub(super) fn decide_apply(
        &self,
        moved: Move,
        worth: Option<&CreditWorth>,
    ) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        let amount = self.check_move(&moved, "applied credit")?;
        let booking = self.credit_booking(amount.amount, worth)?;
        let realised = self.credit_realised(&moved, booking.as_ref());
        let balance_after = self.balance() - amount.amount;
        let applied = InvoiceEvent::CreditApplied {
            transfer_id: moved.transfer_id,
            from_invoice: moved.counterpart,
            amount,
            applied_on: moved.on,
            amount_due_after: due_part(balance_after),
            credit_after: credit_part(balance_after),
            booking,
        };
        Ok(std::iter::once(applied).chain(realised).collect())
    }

    /// What both halves check: an open invoice not dated before its issue, a
    /// new transfer id, no cancellation before SAT, another invoice of the same customer, a positive
    /// amount in the invoice's currency.
    fn check_move(&self, moved: &Move, what: &str) -> Result<Money, InvoiceError> {
        self.require_open()?;
        self.require_no_cancellation()?;
        self.not_before_issue(what, moved.on)?;
        if self.transfers.knows(moved.transfer_id) {
            return Err(InvoiceError::DuplicateCreditTransfer(moved.transfer_id));
        }
        if self.invoice_id == Some(moved.counterpart) {
            return Err(InvoiceError::CreditToItself);
        }
        if let Some(customer) = self
            .customer_id
            .filter(|c| *c != moved.counterpart_customer)
        {
            return Err(InvoiceError::CreditOfAnotherCustomer {
                customer,
                other: moved.counterpart_customer,
            });
        }
        self.check_money(moved.amount)
    }
}
