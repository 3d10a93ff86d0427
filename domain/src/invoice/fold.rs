//! The invoice's state folded from its events: the draft's edits, the issue,
//! and what settles it (payments, refunds, credit notes, credit moves).

use rust_decimal::Decimal;

use super::*;

impl Invoice {
    /// Folds one event into the state. Never fails: events are facts.
    pub fn fold(&mut self, event: InvoiceEvent) {
        use InvoiceEvent as E;
        match event {
            e @ (E::DraftCreated { .. }
            | E::LineAdded { .. }
            | E::LineChanged { .. }
            | E::LineRemoved { .. }
            | E::DocumentAdjustmentAdded { .. }
            | E::DocumentAdjustmentRemoved { .. }
            | E::DraftTermsUpdated { .. }
            | E::CfdiTermsSet { .. }) => self.fold_draft(e),
            E::InvoiceIssued {
                number,
                issue_date,
                due_date,
                rounding,
                lines,
                totals,
                accounting,
                cfdi,
                ..
            } => {
                self.status = DocumentStatus::Issued;
                if cfdi.is_some() {
                    self.stamp = Some(StampState::Pending { sealed: None });
                }
                if let Some(accounting) = accounting {
                    self.booked_open = accounting.total;
                    self.booked_at = Some(accounting.exchange_rate);
                }
                self.issued_nets = lines.iter().map(|l| l.priced.net_amount).collect();
                self.number = Some(number);
                self.issue_date = Some(issue_date);
                self.due_date = Some(due_date);
                self.rounding = Some(rounding);
                self.totals = totals;
            }
            E::InvoiceSent { .. } => self.status = DocumentStatus::Sent,
            E::InvoiceVoided { .. } | E::InvoiceCancelled { .. } => {
                self.status = DocumentStatus::Void;
                self.cancellation = None;
            }
            e @ (E::CfdiCancellationRequested(_)
            | E::CfdiCancellationSubmitted(_)
            | E::CfdiCancellationRefused(_)) => self.fold_cancellation(e),
            E::DocumentArchived {
                document, files, ..
            } => self.archived.push((document, files)),
            E::PaymentComplementIssued {
                payment_id,
                number,
                issue_date,
            } => self.fold_complement_issued(payment_id, number, issue_date),
            e @ (E::CfdiSealed(_)
            | E::CfdiStamped(_)
            | E::CfdiStampRejected(_)
            | E::CfdiStampRequested { .. }
            | E::PaymentComplementSealed { .. }
            | E::PaymentComplementStamped { .. }
            | E::PaymentComplementRejected { .. }
            | E::PaymentComplementRequested { .. }
            | E::CreditNoteCfdiSealed { .. }
            | E::CreditNoteCfdiStamped { .. }
            | E::CreditNoteCfdiRejected { .. }
            | E::CreditNoteCfdiRequested { .. }) => {
                if let Some((document, step)) = e.into_stamp_step() {
                    self.fold_stamp_step(document, &step);
                }
            }
            // What a payment or applied credit realised is the books'
            // concern; what is due and held does not change.
            E::ExchangeDifferenceRealised { .. } | E::CreditExchangeDifferenceRealised { .. } => {}
            e @ (E::PaymentRecorded { .. }
            | E::PaymentRefunded { .. }
            | E::CreditNoteIssued { .. }
            | E::CreditTransferred { .. }
            | E::CreditApplied { .. }
            | E::CreditReturned { .. }) => self.fold_settlement(e),
            E::PaymentReminderSent(sent) => self.reminders_sent = sent.step,
            E::InvoiceDisputed(disputed) => self.dispute = Some(disputed.reason),
            E::DisputeResolved(_) => self.dispute = None,
        }
    }

    /// A draft's edits: its creation, lines, adjustments and terms.
    fn fold_draft(&mut self, event: InvoiceEvent) {
        use InvoiceEvent as E;
        match event {
            E::DraftCreated {
                tenant_id,
                invoice_id,
                customer_id,
                currency,
                due_terms,
                notes,
                price_basis,
            } => {
                self.status = DocumentStatus::Draft;
                self.price_basis = price_basis;
                self.tenant_id = Some(tenant_id);
                self.invoice_id = Some(invoice_id);
                self.customer_id = Some(customer_id);
                self.currency = Some(currency);
                self.due_terms = Some(due_terms);
                self.notes = notes;
            }
            E::LineAdded { line_id, item } => self.lines.push(DraftLine { line_id, item }),
            E::LineChanged { line_id, item } => {
                if let Some(line) = self.lines.iter_mut().find(|l| l.line_id == line_id) {
                    line.item = item;
                }
            }
            E::LineRemoved { line_id } => self.lines.retain(|l| l.line_id != line_id),
            E::DocumentAdjustmentAdded {
                adjustment_id,
                adjustment,
            } => self.adjustments.push(DraftAdjustment {
                adjustment_id,
                adjustment,
            }),
            E::DocumentAdjustmentRemoved { adjustment_id } => self
                .adjustments
                .retain(|a| a.adjustment_id != adjustment_id),
            E::DraftTermsUpdated { due_terms, notes } => {
                self.due_terms = Some(due_terms);
                self.notes = notes;
            }
            E::CfdiTermsSet { terms } => self.cfdi_terms = Some(terms),
            // `fold` hands only the draft's events here.
            _ => {}
        }
    }

    /// What settles the invoice: payments, refunds, credit notes and credit
    /// moved between invoices, and what they move in foreign books.
    fn fold_settlement(&mut self, event: InvoiceEvent) {
        use InvoiceEvent as E;
        match event {
            E::PaymentRecorded {
                payment_id,
                amount,
                received_on,
                booking,
                ..
            } => {
                if let Some(booking) = &booking {
                    self.booked_open -= booking.booked;
                }
                self.payments.push(PaymentRecord {
                    payment_id,
                    amount: amount.amount,
                    refunded: Decimal::ZERO,
                    received_on: Some(received_on),
                    rate: booking.map(|b| b.exchange_rate),
                    complement: None,
                })
            }
            E::PaymentRefunded {
                refund_id,
                payment_id,
                amount,
                booking,
                ..
            } => {
                if let Some(booking) = &booking {
                    self.booked_open += booking.booked;
                }
                self.refund_ids.push(refund_id);
                if let Some(p) = self.payment_mut(payment_id) {
                    p.refunded += amount.amount;
                }
            }
            E::CreditNoteIssued {
                credit_note_id,
                totals,
                lines,
                accounting,
                ..
            } => {
                if let Some(accounting) = &accounting {
                    self.booked_open -= accounting.total;
                }
                self.credit_notes.push((credit_note_id, totals.total));
                if self.stamp.is_some() {
                    let owed = StampState::Pending { sealed: None };
                    self.credit_note_stamps.push((credit_note_id, owed));
                }
                let note = credit::CreditNoteAmounts { totals, lines };
                self.credited.add(&self.lines, &note);
            }
            E::CreditTransferred {
                transfer_id,
                to_invoice,
                amount,
                booked,
                ..
            } => {
                self.booked_open += booked.unwrap_or_default();
                self.transfers.moved_out.push(TransferRecord {
                    transfer_id,
                    counterpart: to_invoice,
                    amount: amount.amount,
                    booked,
                })
            }
            E::CreditApplied {
                transfer_id,
                from_invoice,
                amount,
                booking,
                ..
            } => {
                let booked = booking.map(|b| b.booked);
                self.booked_open -= booked.unwrap_or_default();
                self.transfers.applied.push(TransferRecord {
                    transfer_id,
                    counterpart: from_invoice,
                    amount: amount.amount,
                    booked,
                })
            }
            E::CreditReturned {
                transfer_id,
                booked,
                ..
            } => {
                self.booked_open -= booked.unwrap_or_default();
                self.transfers.returned.push(transfer_id)
            }
            // `fold` hands only what settles the invoice here.
            _ => {}
        }
    }
}
