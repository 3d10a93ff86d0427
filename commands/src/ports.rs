//! The ports the application layer needs, implemented by `folio-infra`.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::persist::EventStoreAggregateContext;
use cqrs_es::{Aggregate, AggregateError, EventEnvelope, EventStore};
use folio_domain::customer::Customer;
use folio_domain::directory::{Tenant, User};
use folio_domain::document_number::DocumentNumber;
use folio_domain::expense::{Expense, ExpenseDetails};
use folio_domain::ids::{CreditTransferId, ExpenseId, InvoiceId, TenantId};
use folio_domain::invoice::Invoice;
use folio_domain::money::Money;
use folio_domain::rate_table::RateTable;
use folio_domain::settings::TenantSettings;
use folio_domain::webhook::WebhookEndpoint;
use serde::{Deserialize, Serialize};

/// Loads and commits the events of one aggregate type: the part of a cqrs-es
/// `EventStore` the use cases need, object-safe so that the application layer (and
/// every edge holding it) is not generic over the store's technology. Every cqrs-es
/// store with the persisted context implements it.
#[async_trait]
pub trait AggregateStore<A: Aggregate + 'static>: Send + Sync {
    /// The aggregate's current state and sequence (empty state and 0 when it has no
    /// events yet).
    async fn load(
        &self,
        aggregate_id: &str,
    ) -> Result<EventStoreAggregateContext<A>, AggregateError<A::Error>>;
    /// Appends `events` after the loaded `context`; `AggregateConflict` when
    /// another writer appended first.
    async fn commit(
        &self,
        events: Vec<A::Event>,
        context: EventStoreAggregateContext<A>,
        metadata: HashMap<String, String>,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>>;
}

#[async_trait]
impl<A, ES> AggregateStore<A> for ES
where
    A: Aggregate + 'static,
    ES: EventStore<A, AC = EventStoreAggregateContext<A>>,
{
    async fn load(
        &self,
        aggregate_id: &str,
    ) -> Result<EventStoreAggregateContext<A>, AggregateError<A::Error>> {
        self.load_aggregate(aggregate_id).await
    }

    async fn commit(
        &self,
        events: Vec<A::Event>,
        context: EventStoreAggregateContext<A>,
        metadata: HashMap<String, String>,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
        EventStore::commit(self, events, context, metadata).await
    }
}

/// The event store of every aggregate type (one table underneath, in Postgres).
#[derive(Clone)]
pub struct EventStores {
    /// Customers, keyed by customer id.
    pub customers: Arc<dyn AggregateStore<Customer>>,
    /// Invoices with their payments and credit notes, keyed by invoice id.
    pub invoices: Arc<dyn AggregateStore<Invoice>>,
    /// Expenses, keyed by expense id.
    pub expenses: Arc<dyn AggregateStore<Expense>>,
    /// Tenant settings, keyed by tenant id (one stream per tenant).
    pub settings: Arc<dyn AggregateStore<TenantSettings>>,
    /// Tenants with a directory, keyed by tenant id.
    pub tenants: Arc<dyn AggregateStore<Tenant>>,
    /// Directory users, keyed by [`folio_domain::directory::user_aggregate_id`].
    pub users: Arc<dyn AggregateStore<User>>,
    /// Webhook endpoints, keyed by endpoint id.
    pub webhooks: Arc<dyn AggregateStore<WebhookEndpoint>>,
    /// Exchange-rate tables, keyed by [`folio_domain::rate_table::RateTableId`]
    /// (one stream per tenant, currency pair and year).
    pub rate_tables: Arc<dyn AggregateStore<RateTable>>,
}

impl std::fmt::Debug for EventStores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventStores")
    }
}

/// A document number the ledger reserved, and the issue date of the number
/// before it (what chronological numbering checks against).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// The next number of the series.
    pub number: DocumentNumber,
    /// The previous number's issue date; `None` for the first of a series.
    pub previous_issue_date: Option<NaiveDate>,
}

/// What the ledger remembers of a finished command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StoredOutcome {
    /// Events were committed (or nothing needed to be).
    Completed {
        /// Aggregate version after the command.
        version: u64,
        /// Feed position of the last event written.
        position: Option<i64>,
    },
    /// The domain refused it; the error, serialised.
    Rejected {
        /// The domain error as JSON.
        error: serde_json::Value,
    },
}

/// A recorded outcome with what it was recorded for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// Fingerprint of the request that produced it.
    pub fingerprint: String,
    /// The aggregate it concerned.
    pub aggregate_id: String,
    /// The outcome.
    pub outcome: StoredOutcome,
}

/// Why the ledger failed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The database could not be reached.
    #[error("command ledger unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Anything else.
    #[error("command ledger failed")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Remembers command outcomes by idempotency key and hands out document numbers.
#[async_trait]
pub trait CommandLedger: Send + Sync + 'static {
    /// Opens a lease for `(tenant, key)`: until it is finished or dropped, no other
    /// request with that key runs. With `series`, also reserves the next number of
    /// that series, exclusively until the lease ends.
    async fn begin(
        &self,
        tenant_id: TenantId,
        idempotency_key: &str,
        aggregate_type: &str,
        series: Option<&str>,
    ) -> Result<Box<dyn CommandLease>, LedgerError>;
}

/// An open lease: the key (and the series, if any) is held until it ends.
#[async_trait]
pub trait CommandLease: Send {
    /// The outcome recorded earlier under this key, if any.
    fn previous(&self) -> Option<&Recorded>;
    /// The reserved next document number, if a series was asked for.
    fn reservation(&self) -> Option<&Reservation>;
    /// The feed position of an aggregate's event (to report the consistency token).
    async fn position_of(
        &mut self,
        aggregate_type: &str,
        aggregate_id: &str,
        sequence: u64,
    ) -> Result<Option<i64>, LedgerError>;
    /// Records the outcome and releases the lease.
    async fn finish(
        self: Box<Self>,
        aggregate_type: &str,
        recorded: &Recorded,
    ) -> Result<(), LedgerError>;
}

/// Keyed digests under a subject's personal-data key: how a request's personal data
/// is fingerprinted (for idempotency) without storing anything that could confirm
/// a guess once the subject is erased and the key destroyed.
#[async_trait]
pub trait PersonalDataKeys: Send + Sync + 'static {
    /// A keyed digest (hex) of `data` under `subject`'s key in `tenant`, creating the
    /// key on first use; `None` once the subject's personal data was erased.
    async fn digest(
        &self,
        tenant_id: TenantId,
        subject: &str,
        data: &[u8],
    ) -> Result<Option<String>, LedgerError>;
}

/// The wall clock, passed in so the domain stays deterministic.
pub trait Clock: Send + Sync + 'static {
    /// The current instant, in UTC; a tenant's "today" is this instant's date
    /// in the tenant's timezone.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Where a stored document is: the SHA-256 of its bytes, so its address proves
/// its content and the same bytes are stored once.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlobAddress(String);

impl BlobAddress {
    /// The address of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(bytes);
        BlobAddress(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// An address as written (64 lowercase hex digits), or `None`.
    pub fn parse(hex: &str) -> Option<Self> {
        let valid = hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        valid.then(|| BlobAddress(hex.to_owned()))
    }

    /// The SHA-256, as 64 lowercase hex digits.
    pub fn sha256(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BlobAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sha256:{}", self.0)
    }
}

/// Why the blob store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// Nothing is stored at the address.
    #[error("no document is stored at {0}")]
    NotFound(BlobAddress),
    /// What is stored there is not what the address says: the store was
    /// tampered with or damaged.
    #[error("the document at {address} does not match its address (it hashes to {found})")]
    Corrupt {
        /// The address read.
        address: BlobAddress,
        /// The address of what was found there.
        found: BlobAddress,
    },
    /// The store cannot be reached or failed; a retry may succeed.
    #[error("the document store is unavailable: {0}")]
    Unavailable(String),
    /// A recorded address is not a SHA-256: the record is damaged, and no
    /// retry will find the file.
    #[error("the recorded address {0} is not a SHA-256")]
    BadAddress(String),
}

/// Where documents (PDFs, e-invoices, logos) are kept: content-addressed and
/// written once. A write of bytes that are stored already changes nothing; no
/// write ever replaces what an address holds.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Stores `bytes` (of `content_type`, e.g. `application/pdf`) unless they
    /// are stored already; returns their address.
    async fn put(&self, bytes: Vec<u8>, content_type: &str) -> Result<BlobAddress, BlobError>;

    /// The bytes at `address`, checked against it.
    async fn get(&self, address: &BlobAddress) -> Result<Vec<u8>, BlobError>;

    /// A URL that downloads the document at `address` without credentials
    /// until `ttl` has passed, where the store can sign one (S3); `None` where
    /// the server must serve it itself (the filesystem).
    async fn download_url(
        &self,
        address: &BlobAddress,
        ttl: std::time::Duration,
    ) -> Result<Option<String>, BlobError>;
}

/// A document written in one form: its bytes and their MIME type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Its MIME type, e.g. `application/pdf`.
    pub content_type: &'static str,
}

/// Why a document could not be written in a form (a template or font
/// failure: a bug, never the data, which the document model checked).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the document could not be rendered: {0}")]
pub struct RenderError(pub String);

/// Writes a document in each archived form (the PDF and e-invoice writers).
pub trait DocumentRenderer: Send + Sync + 'static {
    /// `document` as `format`, the PDF with the seller's `logo` (the bytes
    /// of `document.seller_logo`): the same document and logo give the same
    /// bytes.
    fn render(
        &self,
        document: &folio_documents::Document,
        logo: Option<&[u8]>,
        format: folio_domain::invoice::ArchivedFormat,
    ) -> Result<Rendered, RenderError>;

    /// The printed representation of the stamped CFDI `stamped` (its XML).
    fn printed_cfdi(&self, stamped: &[u8]) -> Result<Rendered, RenderError>;

    /// What `bytes` are as a logo the PDF can print, once they decode whole.
    fn inspect_logo(&self, bytes: &[u8]) -> Result<LogoFacts, LogoRefused>;
}

/// An image the PDF can print as the seller's logo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogoFacts {
    /// `image/png` or `image/jpeg`.
    pub content_type: &'static str,
    /// Width in pixels.
    pub width_px: u32,
    /// Height in pixels.
    pub height_px: u32,
}

/// Why an image cannot be the logo; the reason names the rule (format, size).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LogoRefused(pub String);

/// A credit move whose source released the credit and whose target has not
/// recorded it (see `apply_customer_credit`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoveUnderWay {
    /// The tenant whose move it is: the finisher acts in its name.
    pub tenant_id: TenantId,
    /// The move's id.
    pub transfer_id: CreditTransferId,
    /// The invoice the credit left.
    pub from_invoice: InvoiceId,
    /// The invoice it is to settle.
    pub to_invoice: InvoiceId,
    /// How much moved.
    pub amount: Money,
}

/// Why the tenant's expenses could not be searched: the read model's
/// database did not answer.
#[derive(Debug, thiserror::Error)]
#[error("the expenses read model is unavailable")]
pub struct ReadModelUnavailable(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Where a claim's likely duplicates are found: the tenant's expenses as the
/// read model holds them (one commit behind at most, so two claims of the
/// same cost sent at the same instant may both pass unflagged).
#[async_trait]
pub trait ExpenseLookalikes: Send + Sync + std::fmt::Debug + 'static {
    /// The tenant's expenses other than `except` with `claim`'s amount and
    /// currency, incurred date and merchant (case and surrounding white
    /// space aside), a bounded number of them; none while the read model is
    /// not installed (the write side never waits for the read side).
    async fn like(
        &self,
        tenant: TenantId,
        claim: &ExpenseDetails,
        except: ExpenseId,
    ) -> Result<Vec<ExpenseId>, ReadModelUnavailable>;
}

/// Where the process that finishes credit moves finds them.
#[async_trait]
pub trait CreditMovesUnderWay: Send + Sync + 'static {
    /// Moves under way since before `grace` ago (the request that started one
    /// may still be finishing it), oldest first, a bounded number at a time.
    async fn older_than(
        &self,
        grace: std::time::Duration,
    ) -> Result<Vec<MoveUnderWay>, LedgerError>;
}

#[cfg(test)]
mod tests {
    use super::BlobAddress;

    #[test]
    fn a_blob_address_is_the_sha256_of_the_bytes_in_lowercase_hex() {
        // SHA-256 of the empty string (FIPS 180-4's test vectors).
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(BlobAddress::of(b"").sha256(), empty);
        assert_eq!(BlobAddress::parse(empty), Some(BlobAddress::of(b"")));
        for bad in [&empty[1..], &empty.to_uppercase(), "../etc/passwd", ""] {
            assert_eq!(BlobAddress::parse(bad), None, "{bad}");
        }
    }
}
