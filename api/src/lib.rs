//! # folio-api
//!
//! The GraphQL API (axum + async-graphql). Filled by the API milestone; it exists now
//! so the workspace has its final shape.

#![deny(missing_docs)]
