//! # folio-commands
//!
//! The application layer: how a request from a person or a system becomes events.
//!
//! A request arrives with a [`CommandContext`]: the [`Caller`] (tenant, user,
//! roles), an idempotency key, optionally an expected version. A method of
//! [`UseCases`] checks the caller's roles against the one access matrix
//! ([`access`]), turns the request into a domain command (filling in what the
//! domain must not fetch itself: today's date, the next document number, the
//! tenant's policies, the customer's standing) and runs it through the
//! [`CommandRunner`]:
//!
//! 1. open a lease on the [`CommandLedger`] for the idempotency key: a retried request
//!    gets the first outcome back and appends nothing;
//! 2. load the aggregate through a cqrs-es `EventStore`, refuse another tenant's
//!    aggregate as not found, check the expected version;
//! 3. decide (pure, in `folio-domain`) and commit the events with their metadata;
//! 4. on an optimistic-concurrency conflict, reload and decide again (bounded), unless
//!    the caller pinned an expected version;
//! 5. record the outcome in the ledger.
//!
//! The ports ([`EventStores`], [`CommandLedger`], [`Clock`], [`PersonalDataKeys`])
//! are implemented by `folio-infra` on Postgres. Every failure is a
//! [`CommandError`], whose stable code is decided once, in [`CommandError::code`].
//!
//! Map of the crate:
//! - [`access`]: roles, actions, the matrix, the [`Caller`].
//! - `use_cases/`: [`UseCases`], one file per area (customers, invoices, expenses,
//!   settings, directory), each use case's input type beside it.
//! - `runner`: the [`CommandRunner`] every use case goes through.
//! - [`health`]: whether the database answers now ([`health::DatabaseHealth`]),
//!   so edges refuse work at once during an outage instead of waiting on the pool.
//! - [`consistency`]: reads waiting for a consistency token, answered by one
//!   watcher per process ([`consistency::ReadModelProgress`]).
//! - [`documents`]: the document of an issued invoice or credit note
//!   ([`documents::InvoiceDocuments`]), from its events, the customer and the
//!   tenant's legal profile.
//! - [`csd`]: installing the tenant's CSD for Mexico's CFDIs: the certificate
//!   recorded in its settings, its files kept apart by a [`csd::CsdVault`].
//! - [`archiving`]: the archive at issue time ([`archiving::DocumentArchiver`]):
//!   each document rendered once, stored by hash, the hashes recorded.
//! - [`branding`]: the tenant's logo, checked by the renderer and stored.
//! - [`archive_reads`]: where each document's archive stands, and links that
//!   download its files ([`download_links`] signs those the store cannot).
//! - [`reads`]: every list, item and report the edges serve
//!   ([`reads::Reads`]): the caller's right, the input, the consistency token,
//!   then the read model's typed query in a tenant-confined transaction.
//! - [`notifications`]: the messages reactors queued (e-mails), delivered
//!   with retries by the [`notifications::NotificationSender`].
//! - [`dunning`]: payment reminders on the tenants' schedules, run on the
//!   clock ([`dunning::Dunning`]).
//! - [`history`]: the auditors' use cases ([`history::AuditTrail`]) over the
//!   [`history::EventHistory`] port.
//! - `ports`: what the layer needs from the outside world.

#![deny(missing_docs)]

pub mod access;
pub mod archive_reads;
pub mod archiving;
pub mod attempts;
pub mod branding;
pub mod consistency;
mod context;
pub mod csd;
pub mod documents;
pub mod download_links;
pub mod dunning;
mod error;
pub mod health;
pub mod history;
pub mod notifications;
mod ports;
pub mod reads;
mod runner;
pub mod stamping;
mod use_cases;
pub mod webhooks;

pub use access::{Action, Caller, Forbidden, Role};
pub use context::{idempotency_key, CommandContext, CommandOutcome, MAX_IDEMPOTENCY_KEY_LEN};
pub use error::CommandError;
pub use ports::{
    AggregateStore, BlobAddress, BlobError, BlobStore, Clock, CommandLease, CommandLedger,
    CreditMovesUnderWay, DocumentRenderer, EventStores, ExpenseLookalikes, LedgerError, LogoFacts,
    LogoRefused, MoveUnderWay, PersonalDataKeys, ReadModelUnavailable, Recorded, RenderError,
    Rendered, Reservation, StoredOutcome, SystemClock,
};
pub use runner::{CommandRunner, RetryPolicy};
pub use use_cases::*;
