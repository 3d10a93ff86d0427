//! # folio-api
//!
//! The network edges of Folio: the GraphQL API the frontend talks to (axum +
//! async-graphql) and the MCP server assistants talk to (rmcp), with health and
//! metrics. It is thin: it authenticates the
//! caller, maps GraphQL to the application layer's use cases (`folio-commands`,
//! which check the role matrix and run the commands) and to the read models'
//! typed queries (`folio-projections`), and maps the answers back. It depends on
//! no adapter of `folio-infra`; the binary wires those in.
//!
//! - [`auth`]: bearer JWTs (a configured key or an OpenID provider) → the
//!   application layer's `Caller`; [`admission`]: that caller checked against the
//!   tenant's directory, as every edge does it.
//! - [`graphql`]: the schema, one file per area (customers, invoices, expenses,
//!   settings, directory, reports, history), Relay's `Node`, subscriptions, wire
//!   types.
//! - [`mcp`]: the same use cases and reads as Model Context Protocol tools, for
//!   assistants (streamable HTTP at `/mcp`, stdio as `folio mcp`).
//! - [`protection`]: rate limits, the complexity budget, CORS and security
//!   headers.
//! - [`request`]: what both edges hold per request (the caller's reads from
//!   `folio_commands::reads`, the use cases, command contexts).
//! - [`server`]: routes, body and time limits, health, metrics; [`vitals`]: what
//!   health and metrics say about the store, read by one task on an interval.
//! - [`socket`]: GraphQL over WebSocket, every operation admitted as a request
//!   is, and the socket closed when its token expires; [`graphiql`]: the page.
//! - [`trace`]: the W3C trace context a request continues and hands on.
//! - [`error`]: the coded GraphQL errors every resolver returns.

#![deny(missing_docs)]

pub mod admission;
pub mod auth;
pub mod downloads;
pub mod error;
pub mod graphiql;
pub mod graphql;
pub mod mcp;
pub mod metrics;
pub mod protection;
pub mod request;
pub mod server;
pub mod socket;
pub mod trace;
pub mod vitals;

pub use auth::{Authenticator, TokenKeys};
pub use folio_commands::Role;
pub use graphql::{sdl, Limits, Services};
pub use server::{router, AppState, MetricsAt};
