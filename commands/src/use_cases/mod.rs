//! The use cases: one method of [`UseCases`] per thing a person can ask of Folio,
//! grouped by area (one file each).
//!
//! Every method first checks the caller's roles against the access matrix
//! ([`crate::access`]), then fills in what the domain must not fetch itself (ids,
//! today's date, the next number, the tenant's policies, the customer's standing)
//! and hands the command to the [`CommandRunner`]. Ids of new things are derived
//! from the tenant and the idempotency key (UUID v5) unless the caller gives one, so
//! a retried request always targets the same aggregate.

mod adjustments;
mod admins;
mod archive;
mod cancellations;
mod complements;
mod credit;
mod customers;
mod directory;
mod exchange_rates;
mod expenses;
mod identify;
mod invoices;
mod mexico;
mod reminders;
mod settings;
mod stamps;
mod webhooks;

// Each area's input types are public where they are defined; a new one needs no
// re-export.
pub use adjustments::*;
pub use credit::*;
pub use customers::*;
pub use directory::*;
pub use exchange_rates::*;
pub use expenses::*;
pub use identify::*;
pub use invoices::*;
pub use reminders::*;
pub use webhooks::*;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use folio_domain::document_number::{DocumentNumber, NumberDating};
use folio_domain::ids::{InvoiceId, TenantId};
use folio_domain::invoice::{Invoice, InvoiceError};
use folio_domain::money::Currency;
use folio_domain::settings::TenantSettings;
use folio_domain::Decide;

use uuid::Uuid;

use crate::context::CommandContext;
use crate::error::CommandError;
use crate::ports::{AggregateStore, EventStores, ExpenseLookalikes, Reservation};
use crate::runner::CommandRunner;

/// Every use case of Folio over the event stores: what each edge (GraphQL, MCP,
/// CLI, the demo) calls to change anything.
#[derive(Debug, Clone)]
pub struct UseCases {
    stores: EventStores,
    runner: CommandRunner,
    basics: Arc<BasicsCache>,
    /// The tenant's expenses like a claim, for its duplicate check.
    expense_lookalikes: Arc<dyn ExpenseLookalikes>,
}

/// What the hot path needs of a tenant's settings: a payment's default date
/// needs its "today", and a payment in a currency foreign to its books a rate.
#[derive(Debug, Clone, Copy)]
struct TenantBasics {
    zone: Tz,
    books: Option<Currency>,
}

impl TenantBasics {
    fn of(settings: &TenantSettings) -> Self {
        TenantBasics {
            zone: settings.zone(),
            books: settings.accounting_currency,
        }
    }

    /// The tenant's date at the instant `now`.
    fn today(self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.zone).date_naive()
    }
}

/// How long a tenant's basics are trusted before its settings are read again.
const BASICS_TTL: Duration = Duration::from_secs(60);

/// Tenants' basics, each kept for [`BASICS_TTL`]: both change about never (the
/// accounting currency is set once). A change made through this process
/// applies at once; other processes apply it within the TTL.
#[derive(Debug, Default)]
struct BasicsCache(Mutex<HashMap<TenantId, (TenantBasics, Instant)>>);

impl BasicsCache {
    fn get(&self, tenant: TenantId) -> Option<TenantBasics> {
        let cached = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cached
            .get(&tenant)
            .filter(|(_, read_at)| read_at.elapsed() < BASICS_TTL)
            .map(|(basics, _)| *basics)
    }

    fn put(&self, tenant: TenantId, basics: TenantBasics) {
        let mut cached = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cached.insert(tenant, (basics, Instant::now()));
    }

    fn forget(&self, tenant: TenantId) {
        let mut cached = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cached.remove(&tenant);
    }
}

/// A deterministic id for something created by the request with this key.
fn derived_id(tenant_id: TenantId, kind: &str, key: &str) -> Uuid {
    tenant_id.derive(kind, key)
}

/// The context of `step` of the request `ctx` when one request runs several
/// commands (a `process` such as the admin roster or a credit move): each step
/// gets its own key derived from the request's, so a retried request repeats
/// none of the steps that were done and finishes the rest.
fn step_context(ctx: &CommandContext, process: &str, step: &str) -> CommandContext {
    let request = derived_id(ctx.tenant_id(), step, &ctx.idempotency_key);
    let mut context =
        CommandContext::new(ctx.caller.clone(), format!("{process}/{step}/{request}"));
    context.correlation_id = ctx.correlation_id;
    context.trace_parent = ctx.trace_parent.clone();
    context
}

/// Runs `$build`'s command through the runner: use case name, target aggregate,
/// the input to fingerprint, the number series to reserve from (if any).
macro_rules! run {
    ($self:ident, $store:expr, $ctx:expr, $name:expr, $id:expr, $input:expr, $series:expr, $build:expr) => {
        $self
            .runner
            .run(
                $store,
                $ctx,
                Request {
                    command_name: $name,
                    aggregate_id: $id.to_string(),
                    input: $input,
                    series: $series,
                },
                $build,
            )
            .await
    };
}
use run;

/// The number the ledger reserved for a series. The runner refuses to decide a
/// numbered command without one, so the fallback (sequence 0, which the store's number
/// trigger would refuse) is never written.
fn reserved(series: &str, reservation: Option<&Reservation>) -> DocumentNumber {
    reservation
        .map(|r| r.number.clone())
        .unwrap_or_else(|| DocumentNumber {
            series: series.to_owned(),
            sequence: 0,
        })
}

/// What a numbered document's date is checked against: `today`, and the date of
/// the previous number the ledger read under the series' lock.
fn dating(today: NaiveDate, reservation: Option<&Reservation>) -> NumberDating {
    NumberDating {
        today,
        previous: reservation.and_then(|r| r.previous_issue_date),
    }
}

/// Loads an aggregate's current state (empty when it does not exist), reporting a
/// failure in the error type of the use case that needs it.
async fn current<A, E>(store: &dyn AggregateStore<A>, id: &str) -> Result<A, CommandError<E>>
where
    A: Decide + 'static,
    E: std::error::Error,
{
    match store.load(id).await {
        Ok(context) => Ok(context.aggregate),
        Err(cqrs_es::AggregateError::DatabaseConnectionError(e)) => {
            Err(CommandError::Unavailable(e))
        }
        Err(e) => Err(CommandError::Internal(e.to_string().into())),
    }
}

impl UseCases {
    /// The use cases over these stores, running commands with this runner.
    pub fn new(
        stores: EventStores,
        runner: CommandRunner,
        expense_lookalikes: Arc<dyn ExpenseLookalikes>,
    ) -> Self {
        UseCases {
            stores,
            runner,
            basics: Arc::default(),
            expense_lookalikes,
        }
    }

    /// The event stores (for tests and tools that load an aggregate directly).
    pub fn stores(&self) -> &EventStores {
        &self.stores
    }

    /// The invoice `invoice_id` as the store holds it now, if it is
    /// `tenant_id`'s; another tenant's, or none, is NOT_FOUND.
    async fn tenant_invoice(
        &self,
        tenant_id: TenantId,
        invoice_id: InvoiceId,
    ) -> Result<Invoice, CommandError<InvoiceError>> {
        let invoice: Invoice =
            current(self.stores.invoices.as_ref(), &invoice_id.to_string()).await?;
        if invoice.tenant_id != Some(tenant_id) {
            return Err(CommandError::Rejected(InvoiceError::NotFound));
        }
        Ok(invoice)
    }

    /// The tenant's settings (defaults until it configures any).
    async fn settings<E: std::error::Error>(
        &self,
        tenant_id: TenantId,
    ) -> Result<TenantSettings, CommandError<E>> {
        let settings: TenantSettings =
            current(self.stores.settings.as_ref(), &tenant_id.to_string()).await?;
        self.basics.put(tenant_id, TenantBasics::of(&settings));
        Ok(settings)
    }

    /// The tenant's timezone and books, from the cache when fresh.
    async fn basics<E: std::error::Error>(
        &self,
        tenant_id: TenantId,
    ) -> Result<TenantBasics, CommandError<E>> {
        match self.basics.get(tenant_id) {
            Some(basics) => Ok(basics),
            None => Ok(TenantBasics::of(&self.settings(tenant_id).await?)),
        }
    }

    /// Today's date in the tenant's timezone.
    async fn today<E: std::error::Error>(
        &self,
        tenant_id: TenantId,
    ) -> Result<NaiveDate, CommandError<E>> {
        let basics = self.basics(tenant_id).await?;
        Ok(basics.today(self.runner.clock().now()))
    }
}
