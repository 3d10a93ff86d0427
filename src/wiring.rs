//! Wiring: the one place that builds the application layer from its adapters.
//! Every `folio` command, the tests and the benchmark start here, so a port gets
//! its implementation in exactly one place.

use secrecy::ExposeSecret;
use std::sync::Arc;

use folio_commands::archive_reads::ArchiveReads;
use folio_commands::archiving::ArchiveQueue;
use folio_commands::branding::Branding;
use folio_commands::consistency::ReadModelProgress;
use folio_commands::csd::{CsdInstaller, CsdVault};
use folio_commands::documents::InvoiceDocuments;
use folio_commands::download_links::DownloadLinks;
use folio_commands::dunning::Dunning;
use folio_commands::health::DatabaseHealth;
use folio_commands::history::AuditTrail;
use folio_commands::history::EventHistory;
use folio_commands::notifications::expense_mail::ExpenseMail;
use folio_commands::notifications::invoice_mail::InvoiceMail;
use folio_commands::notifications::log::NotificationReads;
use folio_commands::notifications::webhook_mail::WebhookMail;
use folio_commands::notifications::{
    MailChannel, Mailer, NotificationSender, RetrySchedule, WebhookChannel,
};
use folio_commands::reads::ReadModels;
use folio_commands::stamping::{
    CancellationQueue, CancellerPorts, CfdiCanceller, CfdiStamper, Pac, SatStatusService,
    StampQueue, StampReads,
};
use folio_commands::webhooks::{DeliveryPorts, WebhookDelivery, WebhookEndpoints, WebhookSecrets};
use folio_commands::{
    BlobError, BlobStore, CommandRunner, DocumentRenderer, RetryPolicy, SystemClock, UseCases,
};
use folio_infra::blob_store::{BlobLocation, ObjectBlobStore};
use folio_infra::personal_data::{self, KeyWrapping, PersonalDataError};
use folio_infra::postgres::archive_queue::PgArchiveQueue;
use folio_infra::postgres::cancellation_queue::PgCancellationQueue;
use folio_infra::postgres::csd_vault::PgCsdVault;
use folio_infra::postgres::expense_lookalikes::PgExpenseLookalikes;
use folio_infra::postgres::history::PgEventHistory;
use folio_infra::postgres::outbox::PgOutbox;
use folio_infra::postgres::pool::{self as database, DatabaseError};
use folio_infra::postgres::reminder_candidates::PgReminderCandidates;
use folio_infra::postgres::stamp_queue::PgStampQueue;
use folio_infra::postgres::webhook_secrets::PgWebhookSecrets;
use folio_infra::postgres::{event_store, ledger};
use folio_infra::rendering::WorkspaceRenderer;
use folio_infra::webhook_http::HttpWebhookPoster;
use folio_infra::{ProjectionConfig, Projections};
use sqlx::PgPool;

use crate::config::{Config, WebhookSettings};

/// Events between two snapshots of an aggregate.
pub const SNAPSHOT_EVERY: usize = 50;

/// Why the application layer could not be built; nothing was started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database cannot be reached or migrated.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// The configured blob store cannot be opened.
    #[error("cannot open the blob store {location:?}: {source}")]
    BlobStore {
        /// Where it was configured.
        location: Box<BlobLocation>,
        /// Why it cannot be opened.
        #[source]
        source: BlobError,
    },
    /// The system's random numbers, for the download links' key, failed.
    #[error("cannot draw a random key for download links")]
    Random,
    /// The HTTP client webhooks are posted with cannot be built.
    #[error("cannot build the webhook HTTP client: {0}")]
    Http(String),
}

/// A connected, migrated database and the application layer over it.
#[derive(Clone)]
pub struct App {
    /// The connection pool every adapter shares.
    pub pool: PgPool,
    /// The use cases, over the Postgres event store, ledger and keys.
    pub use_cases: Arc<UseCases>,
    /// The auditors' use cases, over the Postgres event history.
    pub audit_trail: AuditTrail,
    /// The event history itself, as webhook deliveries read events.
    pub history: Arc<dyn EventHistory>,
    /// The documents of issued invoices and credit notes, over the event
    /// history and the stores.
    pub documents: InvoiceDocuments,
    /// The issued documents awaiting their archive and the archiver's failed
    /// attempts.
    pub archive_queue: Arc<dyn ArchiveQueue>,
    /// The invoices issued under MX awaiting their stamp, and the
    /// stamper's failed attempts.
    pub stamp_queue: Arc<dyn StampQueue>,
    /// The stamped invoices whose cancellation SAT has not decided.
    pub cancellation_queue: Arc<dyn CancellationQueue>,
    /// Where documents are archived (the configured blob store).
    pub blobs: Arc<dyn BlobStore>,
    /// How this process signs the download links the blob store cannot.
    pub download_links: Arc<DownloadLinks>,
    /// The PDF and e-invoice writers (Typst loads at the first PDF).
    pub renderer: Arc<dyn DocumentRenderer>,
    /// How subject keys are stored and opened (the configured master key, if any).
    pub wrapping: KeyWrapping,
    /// Whether the database answers; kept current by a long-running process's
    /// watcher (`folio serve`), always reachable for one-shot commands.
    pub health: DatabaseHealth,
    projections: ProjectionConfig,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("pool", &self.pool)
            .field("projections", &self.projections)
            .finish_non_exhaustive()
    }
}

impl App {
    /// Connects to the configured database (creating it if missing), migrates it
    /// and wires the use cases with the system clock.
    pub async fn start(config: &Config) -> Result<Self, StartError> {
        let database = &config.database;
        let pool = database::connect_with(
            database.url.expose_secret(),
            database.max_connections,
            database.acquire_timeout,
        )
        .await?;
        database::migrate(&pool).await?;
        Self::over(pool, config)
    }

    /// [`App::start`] with the defaults for `database_url` (tests, tools).
    pub async fn start_at(database_url: &str) -> Result<Self, StartError> {
        Self::start(&Config::for_database(database_url)).await
    }

    /// Wires the use cases over an already migrated pool and opens the blob
    /// store. A command holds two connections at its peak, so at most half the
    /// pool runs commands at once.
    pub fn over(pool: PgPool, config: &Config) -> Result<Self, StartError> {
        let wrapping = config.key_wrapping.clone();
        let connections = pool.options().get_max_connections() as usize;
        let runner = CommandRunner::new(
            Arc::new(ledger::PgCommandLedger::new(pool.clone())),
            Arc::new(SystemClock),
            Arc::new(personal_data::FingerprintKeys::new(
                pool.clone(),
                wrapping.clone(),
            )),
            RetryPolicy::default(),
        )
        .with_max_in_flight(connections / 2);
        let stores = event_store::event_stores(&pool, &wrapping, SNAPSHOT_EVERY);
        let history: Arc<PgEventHistory> =
            Arc::new(PgEventHistory::new(pool.clone(), wrapping.clone()));
        let blobs =
            ObjectBlobStore::open(&config.blob_store).map_err(|source| StartError::BlobStore {
                location: Box::new(config.blob_store.clone()),
                source,
            })?;
        let links = &config.download_links;
        let download_links = match &links.key {
            Some(key) => DownloadLinks::new(key.expose_secret().as_bytes(), &links.base_url),
            None => {
                DownloadLinks::with_random_key(&links.base_url).map_err(|_| StartError::Random)?
            }
        };
        Ok(App {
            audit_trail: AuditTrail::new(history.clone()),
            history: history.clone(),
            documents: InvoiceDocuments::new(history, stores.clone()),
            archive_queue: Arc::new(PgArchiveQueue::new(pool.clone())),
            stamp_queue: Arc::new(PgStampQueue::new(pool.clone())),
            cancellation_queue: Arc::new(PgCancellationQueue::new(pool.clone())),
            blobs: Arc::new(blobs),
            download_links: Arc::new(download_links),
            renderer: Arc::new(WorkspaceRenderer::default()),
            use_cases: Arc::new(UseCases::new(
                stores,
                runner,
                Arc::new(PgExpenseLookalikes::new(pool.clone())),
            )),
            projections: config.projections,
            wrapping,
            health: DatabaseHealth::default(),
            pool,
        })
    }

    /// Refuses to go on when this process could not open stored personal data
    /// (its keys are wrapped by a master key it was not given): processes that
    /// serve requests or project call it at start, so an operator reads the
    /// setting to fix in one line instead of an error on every request.
    pub async fn require_personal_data_keys(&self) -> Result<(), PersonalDataError> {
        personal_data::require_wrapping_keys(&self.pool, &self.wrapping).await
    }

    /// What the GraphQL and MCP edges need of this process, with at most
    /// `max_waiting_reads` reads waiting for consistency tokens. The caller runs
    /// `folio_infra::postgres::read_progress::answer_waiting_reads` over its `reads.progress()`.
    pub fn api_services(&self, max_waiting_reads: usize) -> folio_api::Services {
        folio_api::Services {
            use_cases: self.use_cases.clone(),
            audit_trail: self.audit_trail.clone(),
            branding: Branding::new(
                self.use_cases.clone(),
                self.renderer.clone(),
                self.blobs.clone(),
            ),
            archive: ArchiveReads::new(
                self.archive_queue.clone(),
                self.blobs.clone(),
                self.download_links.clone(),
                Arc::new(SystemClock),
            ),
            notifications: NotificationReads::new(Arc::new(PgOutbox::new(self.pool.clone()))),
            webhooks: WebhookEndpoints::new(self.use_cases.clone(), self.webhook_secrets()),
            csd: CsdInstaller::new(self.use_cases.clone(), self.csd_vault()),
            stamps: StampReads::new(self.stamp_queue.clone(), self.cancellation_queue.clone()),
            reads: ReadModels::new(self.pool.clone(), ReadModelProgress::new(max_waiting_reads)),
            pool: self.pool.clone(),
            health: self.health.clone(),
        }
    }

    /// The sender that delivers the outbox's messages: e-mail through
    /// `mailer` (retried on `mail_retries`) when there is one, webhooks as
    /// `webhooks` says.
    pub fn notification_sender(
        &self,
        mailer: Option<Arc<dyn Mailer>>,
        mail_retries: RetrySchedule,
        webhooks: &WebhookSettings,
    ) -> Result<NotificationSender, StartError> {
        let mail = mailer.map(|mailer| MailChannel {
            mailer,
            invoices: InvoiceMail::new(
                self.documents.clone(),
                self.blobs.clone(),
                self.use_cases.clone(),
            ),
            expenses: ExpenseMail::new(
                self.use_cases.clone(),
                ReadModels::new(self.pool.clone(), ReadModelProgress::new(1)),
            ),
            webhooks: WebhookMail::new(
                self.use_cases.clone(),
                ReadModels::new(self.pool.clone(), ReadModelProgress::new(1)),
            ),
            schedule: mail_retries,
        });
        let poster = HttpWebhookPoster::new(webhooks.policy)
            .map_err(|error| StartError::Http(error.to_string()))?;
        let ports = DeliveryPorts {
            use_cases: self.use_cases.clone(),
            history: self.history.clone(),
            secrets: self.webhook_secrets(),
            poster: Arc::new(poster),
            health: Arc::new(PgOutbox::new(self.pool.clone())),
            clock: Arc::new(SystemClock),
        };
        let delivery = WebhookDelivery::new(ports, webhooks.disable_after);
        Ok(NotificationSender::new(
            Arc::new(PgOutbox::new(self.pool.clone())),
            mail,
            WebhookChannel {
                delivery,
                schedule: webhooks.retries.clone(),
            },
            Arc::new(SystemClock),
        ))
    }

    /// Where the files of tenants' CSDs are kept.
    pub fn csd_vault(&self) -> Arc<dyn CsdVault> {
        Arc::new(PgCsdVault::new(self.pool.clone(), self.wrapping.clone()))
    }

    /// The stamper of Mexican invoices' CFDIs, through `pac`.
    pub fn stamper(&self, pac: Arc<dyn Pac>) -> CfdiStamper {
        CfdiStamper::new(
            self.documents.clone(),
            self.csd_vault(),
            self.blobs.clone(),
            pac,
            self.use_cases.clone(),
            Arc::new(SystemClock),
        )
    }

    /// The canceller of stamped CFDIs through `pac`, asking `sat` what SAT
    /// decided.
    pub fn canceller(&self, pac: Arc<dyn Pac>, sat: Arc<dyn SatStatusService>) -> CfdiCanceller {
        CfdiCanceller::new(CancellerPorts {
            documents: self.documents.clone(),
            vault: self.csd_vault(),
            blobs: self.blobs.clone(),
            pac,
            sat,
            use_cases: self.use_cases.clone(),
            clock: Arc::new(SystemClock),
        })
    }

    /// Where webhook secrets are kept.
    pub fn webhook_secrets(&self) -> Arc<dyn WebhookSecrets> {
        Arc::new(PgWebhookSecrets::new(
            self.pool.clone(),
            self.wrapping.clone(),
        ))
    }

    /// The dunning process over this database's invoices.
    pub fn dunning(&self) -> Dunning {
        let candidates = PgReminderCandidates::new(self.pool.clone());
        Dunning::new(self.use_cases.clone(), Arc::new(candidates))
    }

    /// The projectors over this database.
    pub fn projections(&self) -> Projections {
        Projections::new(self.pool.clone(), self.wrapping.clone()).with_config(self.projections)
    }
}
