//! # folio-documents
//!
//! The documents that leave Folio. An issued invoice or credit note becomes
//! one [`Document`] (the model, in EN 16931's business terms), and every
//! outgoing form is written from that one model, so they can never disagree:
//!
//! - [`record`]: what an invoice's events say that its documents need.
//! - [`build`]: the [`Document`] of an invoice or of one of its credit notes,
//!   from the record, the seller's legal profile and the customer; the
//!   EN 16931 rules that depend on the data are checked here ([`DocumentError`]).
//! - [`ubl`]: the OASIS UBL 2.1 `Invoice` / `CreditNote` (Peppol BIS Billing 3.0).
//! - [`cii`]: the UN/CEFACT Cross Industry Invoice (XRechnung's CII, Factur-X's
//!   EN 16931 profile).
//! - [`cfdi`]: Mexico's CFDI 4.0 of an invoice issued under the MX
//!   jurisdiction, its cadena original and its seal with the issuer's CSD.
//! - [`locale`]: the languages the PDF and the e-mails are written in, and
//!   how each writes dates and amounts.
//!
//! Writers only format: every amount was decided when the invoice was issued
//! and is read from its events. The same events give the same bytes.
//! `tests/en16931.rs` checks the output with the validators outsiders use:
//! the UBL and CII XML schemas (`xmllint`) and the CEN's EN 16931 Schematron.

#![deny(missing_docs)]

pub mod build;
pub mod cfdi;
pub mod cii;
mod error;
pub mod letter;
pub mod locale;
pub mod model;
pub mod record;
pub mod ubl;
mod xml;

pub use build::{credit_note_document, invoice_document};
pub use cii::to_cii;
pub use error::DocumentError;
pub use model::Document;
pub use record::InvoiceRecord;
pub use ubl::to_ubl;
