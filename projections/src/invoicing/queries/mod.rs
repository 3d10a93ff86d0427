//! Typed reads of the invoicing read model: customers and their balances,
//! invoices with their lines, payments and credit notes, and the receivables,
//! revenue and tax reports. Every function runs on a connection from
//! [`crate::reading::tenant_reader`], so it only ever sees one tenant's rows.
//!
//! Rows carry statuses and codes as stored (`"ISSUED"`, `"EUR"`); edges map them
//! to their own types.

mod archive;
mod complements;
mod customers;
mod invoices;
mod processes;
mod reports;

pub use archive::*;
pub use complements::*;
pub use customers::*;
pub use invoices::*;
pub use processes::*;
pub use reports::*;
