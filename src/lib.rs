//! # folio
//!
//! The root package: the `folio` command line and the wiring of the workspace's
//! crates. This library half holds what the binary, the integration tests and the
//! benchmark share; the binary half (`main.rs` and its modules) holds the CLI.
//!
//! How the crates fit (dependencies point inward):
//!
//! ```text
//! api (GraphQL, MCP) ─┐                     ┌─► projections (read models: writes and reads)
//! src (CLI)          ─┼─► commands (use cases, access, ports) ─► domain (pure rules)
//! bench              ─┘        ▲
//!                              └── infra (Postgres, Kafka, sealing, audit) implements the ports
//! ```
//!
//! - [`config`]: the one typed configuration (defaults < environment < flags),
//!   validated at start.
//! - [`telemetry`]: log set-up.
//! - [`wiring`]: builds [`wiring::App`] (pool, use cases, audit trail) from infra's
//!   adapters and the configuration.

#![deny(missing_docs)]

pub mod config;
pub mod telemetry;
pub mod wiring;
