//! # folio
//!
//! The root package: the `folio` command line and the wiring of the workspace's
//! crates. This library half holds what the binary, the integration tests and the
//! benchmark share; the binary half (`main.rs` and its modules) holds the CLI.
//!
//! How the crates fit (dependencies point inward):
//!
//! ```text
//! api (GraphQL)  ─┐                     ┌─► projections (read models: writes and reads)
//! src (CLI)      ─┼─► commands (use cases, access, ports) ─► domain (pure rules)
//! bench          ─┘        ▲
//!                          └── infra (Postgres, Kafka, sealing, audit) implements the ports
//! ```
//!
//! - [`wiring`]: builds [`wiring::App`] (pool + use cases) from infra's adapters.

#![deny(missing_docs)]

pub mod wiring;
