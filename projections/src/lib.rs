//! # folio-projections
//!
//! Projectors turn the event feed into read models in Postgres. This crate is filled
//! by the feed/projections milestone; it exists now so the workspace has its final
//! shape and dependencies point the right way (it knows the domain, nothing else).

#![deny(missing_docs)]
