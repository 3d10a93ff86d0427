//! # folio-domain
//!
//! Folio's business rules, with no I/O, no clock and no database. Everything else in
//! Folio (commands, projections, the API) depends on this crate; it depends on none
//! of them.
//!
//! ## Map
//! - [`money`]: `Money` and `Currency` (ISO 4217), and the one rounding function.
//! - [`tax`] and [`pricing`]: tax rates and withholdings, and the pricing rule that
//!   turns lines into totals (written down once, in `pricing`'s docs);
//!   [`adjustment`]: allowances and charges on the whole document, by VAT rate;
//!   [`tax_catalogue`]: the rates a tenant keeps under keys, for lines to pick.
//! - [`exchange`]: exchange rates, stated explicitly and applied once;
//!   [`rate_table`]: the rates a tenant books foreign documents at, by day.
//! - [`tax_id`]: customers' VAT numbers and RFCs, checked as their authorities define them.
//! - [`sat`]: Mexico's tax data for CFDI 4.0 (issuer, receiver, line keys, payment
//!   terms), checked against SAT's catalogues kept in `domain/data/sat/`.
//! - [`document_number`]: the shape of gap-free numbers such as `A-000123`.
//! - [`legal_profile`]: who the seller is on the tenant's documents (name,
//!   address, VAT number, bank account), kept in its [`settings`].
//! - Aggregates, each with its commands, events and one error enum:
//!   [`customer`], [`invoice`], [`expense`], [`settings`] (a tenant's policies),
//!   [`directory`] (the tenant and its users: roles, managers, deactivation).
//! - [`aggregate`]: how a pure `decide` plugs into cqrs-es.
//! - [`error_code`]: the stable codes every rejection maps to.
//! - [`versions`]: each event type's current version, and the upcasters that read
//!   older ones.
//! - [`personal_data`]: which fields are personal data (sealed in the store, erasable)
//!   and what they read as once erased.
//!
//! Every event enum derives `JsonSchema`; its stored shape is published under
//! `schemas/events/` and checked by tests.

#![deny(missing_docs)]

pub mod adjustment;
pub mod aggregate;
pub mod branding;
pub mod customer;
pub mod directory;
pub mod document_number;
pub mod dunning;
pub mod email;
pub mod error_code;
pub mod exchange;
pub mod expense;
pub mod ids;
pub mod invoice;
pub mod legal_profile;
pub mod mail_settings;
pub mod money;
pub mod personal_data;
pub mod pricing;
pub mod rate_table;
pub mod sat;
pub mod settings;
pub mod tax;
pub mod tax_catalogue;
pub mod tax_id;
pub mod versions;
pub mod webhook;

pub use aggregate::{Decide, TenantOwned};
pub use error_code::{Coded, ErrorCode};
