//! # folio-commands
//!
//! The application layer: how a request from a person or a system becomes events.
//!
//! A request arrives with a [`CommandContext`] (tenant, actor, idempotency key,
//! optional expected version). [`Folio`] turns it into a domain command (filling in
//! what the domain must not fetch itself: today's date, the next document number, the
//! tenant's policies, the customer's standing) and runs it through an
//! [`Executor`]:
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
//! The ports ([`EventStores`], [`CommandLedger`], [`Clock`]) are implemented by
//! `folio-infra` on Postgres.

#![deny(missing_docs)]

mod context;
mod error;
mod executor;
mod folio;
mod ports;

pub use context::{CommandContext, CommandOutcome};
pub use error::CommandError;
pub use executor::{Executor, RetryPolicy};
pub use folio::{
    AddInvoiceLine, ApproveExpense, CreateInvoiceDraft, Folio, IssueCreditNote, IssueInvoice,
    RecordPayment, RefundPayment, RegisterCustomer, SubmitExpense,
};
pub use ports::{
    Clock, CommandLease, CommandLedger, EventStores, LedgerError, PersonalDataKeys, Recorded,
    StoredOutcome, SystemClock,
};
