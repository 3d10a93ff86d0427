//! # folio-api
//!
//! The GraphQL API the frontend talks to (axum + async-graphql): queries over the
//! read models, a mutation per command with idempotency keys and consistency
//! tokens, subscriptions to status changes, bearer-JWT authentication with a role
//! matrix, tenant isolation (in every query and, underneath, by Postgres row-level
//! security), limits, health and metrics.
//!
//! - [`auth`]: tokens and callers. [`access`]: the role matrix.
//! - [`schema`]: queries, mutations, subscriptions. [`inputs`]: input types.
//! - [`reads`]: read-model rows and the tenant-confined transaction.
//! - [`history`]: the event history, event log and past states, for auditors.
//! - [`server`]: routes, limits, health, metrics. [`error`]: coded errors.

#![deny(missing_docs)]

pub mod access;
pub mod auth;
pub mod error;
pub mod history;
pub mod inputs;
pub mod metrics;
pub mod reads;
pub mod schema;
pub mod server;

pub use auth::{Principal, Role, TokenKeys};
pub use schema::{sdl, Limits};
pub use server::{router, AppState};
