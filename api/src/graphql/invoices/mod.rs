//! Invoices: the `Invoice`, `Payment` and `CreditNote` nodes (`types`), their
//! queries (`queries`), and the mutations of an invoice's life (`mutations`:
//! draft, lines, issue, send, payments, refunds, credit notes, void, disputes), with a
//! draft's allowances and charges apart (`adjustments`).

mod adjustments;
mod mutations;
mod queries;
mod types;

pub use adjustments::{InvoiceAdjustment, InvoiceAdjustmentInput, InvoiceAdjustmentMutation};
pub use mutations::InvoiceMutation;
pub(crate) use queries::{credit_note_by_id, invoice_by_id, payment_by_id};
pub use queries::{InvoiceFilter, InvoiceQuery, InvoiceSort};
pub use types::{CreditNote, CreditNoteKind, CreditNoteLine, Invoice, InvoiceLine, Payment};
