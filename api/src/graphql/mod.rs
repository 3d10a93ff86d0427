//! The GraphQL schema, split by area: each file holds one area's types, queries
//! and mutations, and calls the application layer (`folio-commands`) to change
//! anything and the read models' typed queries (`folio-projections`) to read.
//! No SQL and no business rule lives here.
//!
//! - [`context`]: the per-request caller and services; [`paging`]: connections.
//! - [`customers`], [`invoices`], [`expenses`], [`settings`], [`directory`],
//!   [`reports`], [`history`]: the areas. [`node`]: Relay's `Node` and `node(id:)`.
//! - [`notifications`]: the e-mails Folio sends and where each stands.
//! - [`subscriptions`]: live status changes.
//! - [`inputs`], [`money`], [`enums`], [`scalars`], [`ids`]: the wire types.

#[macro_use]
mod outcome;
pub mod branding;
mod budget;
pub mod cfdi_cancellation;
pub mod cfdi_failure;
pub mod complements;
pub mod context;
pub mod credit_note_cfdi;
pub mod customers;
mod depth;
pub mod directory;
pub mod documents;
pub mod dunning;
pub mod enums;
pub mod exchange_rates;
pub mod expenses;
pub mod history;
pub mod ids;
pub mod inputs;
pub mod invoices;
pub mod legal_profile;
mod loaders;
pub mod mail_settings;
pub mod mexico;
pub mod money;
pub mod node;
pub mod notifications;
pub mod paging;
pub mod reports;
pub mod scalars;
pub mod settings;
pub mod socket_guard;
pub mod stamps;
pub mod subscriptions;
pub mod tax_rates;
pub mod webhooks;

use std::sync::Arc;

use async_graphql::extensions::apollo_persisted_queries::{
    ApolloPersistedQueries, LruCacheStorage,
};
use async_graphql::{MergedObject, Schema};
use folio_commands::Caller;
use folio_projections::invoicing::queries::{
    ArchivedFileRow, BalanceRow, ComplementFileRow, CreditNoteFileRow, CreditNoteLineRow,
    CreditNoteRow, InvoiceAdjustmentRow, InvoiceLineRow, PaymentComplementRow, PaymentRow,
};
use folio_projections::FeedEvent;
use tokio::sync::broadcast;

use crate::protection::RateLimits;
pub use crate::request::{Limits, RequestContext, Services};
pub use outcome::CommandResult;

/// The schema type.
pub type FolioSchema = Schema<Query, Mutation, subscriptions::Subscription>;

/// Queries: the read models by area, Relay's `node`, and the history for auditors.
#[derive(Debug, Default, MergedObject)]
pub struct Query(
    node::NodeQuery,
    customers::CustomerQuery,
    invoices::InvoiceQuery,
    expenses::ExpenseQuery,
    reports::ReportQuery,
    settings::SettingsQuery,
    exchange_rates::ExchangeRateQuery,
    directory::DirectoryQuery,
    notifications::NotificationQuery,
    webhooks::WebhookQuery,
    history::HistoryQuery,
    mexico::MexicoQuery,
);

/// Mutations: one per use case. Each takes an `idempotencyKey` (retry with the
/// same key after a network error: the first outcome is returned) and, where it
/// changes an existing aggregate, an optional `expectedVersion`.
#[derive(Debug, Default, MergedObject)]
pub struct Mutation(
    customers::CustomerMutation,
    invoices::InvoiceMutation,
    invoices::InvoiceAdjustmentMutation,
    expenses::ExpenseMutation,
    settings::SettingsMutation,
    tax_rates::TaxRatesMutation,
    exchange_rates::ExchangeRateMutation,
    branding::BrandingMutation,
    directory::DirectoryMutation,
    webhooks::WebhookMutation,
    mexico::MexicoMutation,
    stamps::StampMutation,
);

/// Most persisted queries the server remembers (least recently used go first).
const PERSISTED_QUERIES: usize = 1_024;

/// Builds the schema with its limits, the tenants' complexity budgets in
/// `rate_limits`, and automatic persisted queries (a client may send the SHA-256
/// of a query it sent before instead of its text).
pub fn build(
    limits: &Limits,
    rate_limits: &RateLimits,
    changes: broadcast::Sender<Arc<FeedEvent>>,
) -> FolioSchema {
    Schema::build(
        Query::default(),
        Mutation::default(),
        subscriptions::Subscription,
    )
    .data(changes)
    .extension(ApolloPersistedQueries::new(LruCacheStorage::new(
        PERSISTED_QUERIES,
    )))
    .extension(budget::ComplexityBudget(rate_limits.clone()))
    .extension(socket_guard::SocketGuard)
    .extension(depth::DepthLimits {
        data: limits.max_depth,
        introspection: limits.introspection,
    })
    .limit_complexity(limits.max_complexity)
    .finish()
}

/// The schema's SDL (what `schemas/schema.graphql` holds).
pub fn sdl() -> String {
    let (sender, _) = broadcast::channel(1);
    build(&Limits::default(), &RateLimits::default(), sender).sdl()
}

/// Per-request data: the caller, the services and the loaders for the tenant.
pub fn request_data(caller: Caller, services: &Services, limits: Limits) -> async_graphql::Data {
    let context = RequestContext::new(caller.clone(), services, limits);
    let reads = &context.reads;
    let mut data = async_graphql::Data::default();
    data.insert(loaders::loader::<InvoiceLineRow>(reads));
    data.insert(loaders::loader::<InvoiceAdjustmentRow>(reads));
    data.insert(loaders::loader::<PaymentRow>(reads));
    data.insert(loaders::loader::<PaymentComplementRow>(reads));
    data.insert(loaders::loader::<CreditNoteRow>(reads));
    data.insert(loaders::loader::<BalanceRow>(reads));
    data.insert(loaders::loader::<CreditNoteLineRow>(reads));
    data.insert(loaders::loader::<ArchivedFileRow>(reads));
    data.insert(loaders::loader::<CreditNoteFileRow>(reads));
    data.insert(loaders::loader::<ComplementFileRow>(reads));
    data.insert(documents::archive_state_loader(
        &services.archive,
        caller.clone(),
    ));
    data.insert(cfdi_failure::cfdi_failure_loader(
        &services.stamps,
        caller.clone(),
    ));
    data.insert(context);
    data
}
