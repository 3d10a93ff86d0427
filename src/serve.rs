//! `folio serve`: the API, the projectors (embedded, or Kafka-fed with the relay)
//! and the feed that drives subscriptions, in one process; and the token keys every command shares.

use anyhow::Context;
use folio::config::Config;
use folio::wiring::App;
use folio_api::protection::Protection;
use folio_api::server::serve_metrics_router;
use folio_api::vitals::StoreVitals;
use folio_api::{router, AppState, Authenticator, Limits, MetricsAt};
use folio_commands::archiving::{archive_issued_documents, DocumentArchiver};
use folio_commands::dunning::send_due_reminders;
use folio_commands::notifications::{deliver_notifications, Mailer};
use folio_commands::stamping::{cancel_requested_cfdis, stamp_issued_invoices};
use folio_commands::SystemClock;
use folio_commands::{finish_credit_moves, CREDIT_MOVE_GRACE};
use folio_infra::kafka::{KafkaConfig, KafkaProjections, Relay};
use folio_infra::pac_sw::SwSapienPac;
use folio_infra::postgres::credit_moves::PgCreditMoves;
use folio_infra::postgres::{feed, reachability, read_progress};
use folio_infra::sat_status::SatConsultaService;
use folio_infra::smtp::SmtpMailer;
use secrecy::ExposeSecret;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::broadcast;

/// Prints one line on stdout (the CLI's output, not a log).
#[allow(clippy::print_stdout)]
pub fn print_line(line: &str) {
    println!("{line}");
}

/// Serves until interrupted, through database and broker outages; ends early only
/// if a part cannot start. `/metrics` is served on `metrics_listen` if given,
/// else beside the API.
pub async fn run(
    config: &Config,
    (listen, metrics_listen): (&str, Option<&str>),
    authenticator: Authenticator,
    (limits, protection): (Limits, Protection),
    (kafka, dunning_every): (Option<KafkaConfig>, Option<Duration>),
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    config.require_safe_listener(listener.local_addr()?)?;
    if let Authenticator::Oidc(provider) = &authenticator {
        // Learn at start, not at the first request, that the provider is
        // unreachable or misconfigured; requests retry the fetch themselves.
        if provider.refresh().await.is_err() {
            tracing::error!(issuer = provider.issuer(), "the OpenID provider's keys cannot be fetched; tokens are refused with UNAVAILABLE until they can");
        }
    }
    let app = App::start(config).await?;
    app.require_personal_data_keys().await?;
    let archiver = DocumentArchiver::new(
        app.documents.clone(),
        app.renderer.clone(),
        app.blobs.clone(),
        app.use_cases.clone(),
    );
    let send_notifications = deliver_mail(config, &app)?;
    let remind = remind_on_schedule(&app, dunning_every);
    let mexican_cfdis = mexican_cfdis_through_pac(config, &app)?;
    let projections = app.projections();
    projections.install().await?;
    let (changes, _) = broadcast::channel(1024);
    let services = app.api_services(limits.max_waiting_reads);
    let waiting_reads = services.reads.progress().clone();
    // Readiness is known before the address is announced.
    let vitals = StoreVitals::new(config.status_interval);
    vitals.read(&app.pool).await;
    let state = AppState::new(
        services,
        authenticator,
        (limits, protection),
        changes.clone(),
        vitals.clone(),
    );
    let scrape = match metrics_listen {
        Some(address) => {
            serve_metrics_apart(address, serve_metrics_router(state.clone())).await?;
            MetricsAt::OwnListener
        }
        None => MetricsAt::Api,
    };
    // Subscriptions see every event committed once the address is announced.
    let feed_start = feed::tail(&app.pool).await?;
    let interrupt = signal(SignalKind::interrupt()).context("cannot handle Ctrl-C")?;
    let terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    print_line(&format!(
        "folio: serving GraphQL on http://{}/graphql",
        listener.local_addr()?
    ));
    let pool = app.pool.clone();
    let keep_read_models_current = async {
        let Some(config) = kafka else {
            return projections.run().await.map_err(anyhow::Error::from);
        };
        // Kafka mode: relay the feed (or stand by for another relay) and consume.
        let relay = Relay::new(pool.clone(), config.clone())?;
        let consumers = KafkaProjections::new(projections.clone(), config)?;
        tokio::select! {
            never = relay.run() => match never {},
            result = consumers.run() => result.map_err(anyhow::Error::from),
        }
    };
    // Everything below outlives a database outage: the watcher tells the API to
    // answer UNAVAILABLE meanwhile, and the loops retry until Postgres is back.
    // Only a failure to start (installing the projectors) ends the process.
    tokio::select! {
        result = keep_read_models_current => match result {
            Err(error) => Err(error.context("the projectors could not start")),
        },
        never = feed::publish(&pool, changes, (feed_start, config.projections.poll_interval)) => match never {},
        never = reachability::watch(&pool, &app.health) => match never {},
        never = read_progress::answer_waiting_reads(pool.clone(), waiting_reads, config.projections.poll_interval) => match never {},
        never = vitals.keep_reading(pool.clone()) => match never {},
        never = finish_credit_moves(app.use_cases.clone(), Arc::new(PgCreditMoves::new(pool.clone())), CREDIT_MOVE_GRACE) => match never {},
        never = archive_issued_documents(archiver, app.archive_queue.clone(), config.status_interval) => match never {},
        never = send_notifications => match never {},
        never = remind => match never {},
        never = mexican_cfdis => match never {},
        // On SIGTERM or Ctrl-C: stop accepting, finish requests in flight (each is
        // bounded by the request timeout), then stop the projectors between batches
        // or mid-batch, which rolls back cleanly.
        result = axum::serve(listener, router(state, scrape).into_make_service_with_connect_info::<std::net::SocketAddr>()).with_graceful_shutdown(shutdown_signal(interrupt, terminate)) => {
            result.context("the HTTP server stopped")
        }
    }
}

/// The loop that delivers the outbox's messages: webhooks always, e-mail
/// through the configured SMTP server (without one, e-mails wait, and it
/// says so once).
fn deliver_mail(config: &Config, app: &App) -> anyhow::Result<Background> {
    let mailer: Option<Arc<dyn Mailer>> = match &config.mail.smtp {
        Some(smtp) => Some(Arc::new(SmtpMailer::new(
            smtp.url.expose_secret(),
            &smtp.from,
            smtp.timeout,
        )?)),
        None => {
            tracing::warn!(
                "no SMTP server is configured (FOLIO_SMTP_URL): e-mails are queued, not sent"
            );
            None
        }
    };
    let sender = app.notification_sender(mailer, config.mail.retries.clone(), &config.webhooks)?;
    Ok(Box::pin(deliver_notifications(
        sender,
        config.projections.poll_interval,
    )))
}

/// The loops that stamp Mexican invoices' CFDIs and cancel stamped ones
/// through the configured PAC, asking SAT's status service what SAT decided
/// (without a PAC, they wait, and it says so once).
fn mexican_cfdis_through_pac(config: &Config, app: &App) -> anyhow::Result<Background> {
    let Some(pac) = &config.pac else {
        tracing::warn!(
            "no PAC is configured (FOLIO_PAC_URL): invoices issued under MX wait for their stamp, and stamped ones for their cancellation"
        );
        return Ok(Box::pin(std::future::pending()));
    };
    let sw: Arc<SwSapienPac> = Arc::new(
        SwSapienPac::new(
            &pac.url,
            pac.user.clone(),
            pac.password.expose_secret().to_owned(),
        )
        .context("cannot set up the PAC's HTTP client")?,
    );
    let sat = SatConsultaService::new(&pac.sat_status_url)
        .context("cannot set up the HTTP client of SAT's status service")?;
    let stamp = stamp_issued_invoices(
        app.stamper(sw.clone()),
        app.stamp_queue.clone(),
        config.status_interval,
    );
    let cancel = cancel_requested_cfdis(
        app.canceller(sw, Arc::new(sat)),
        app.cancellation_queue.clone(),
        config.status_interval,
    );
    Ok(Box::pin(async move {
        tokio::select! {
            never = stamp => never,
            never = cancel => never,
        }
    }))
}

/// The dunning process every `every`, or never (a scheduled `folio
/// reminders run` does it instead).
fn remind_on_schedule(app: &App, every: Option<Duration>) -> Background {
    match every {
        Some(every) => Box::pin(send_due_reminders(
            app.dunning(),
            Arc::new(SystemClock),
            every,
        )),
        None => Box::pin(std::future::pending()),
    }
}

/// A loop that runs as long as the server.
type Background = std::pin::Pin<Box<dyn std::future::Future<Output = Infallible> + Send>>;

/// Serves `metrics` at `address` in the background, logging if it stops.
pub async fn serve_metrics_apart(address: &str, metrics: axum::Router) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address} for metrics"))?;
    tracing::info!(address = %listener.local_addr()?, "serving metrics at /metrics");
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, metrics).await {
            tracing::error!(%error, "the metrics listener stopped");
        }
    });
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM (what container runtimes send). The handlers are
/// installed by the caller before the server announces itself, so a signal sent
/// right after the announcement is not lost to the default action.
pub async fn shutdown_signal(mut interrupt: Signal, mut terminate: Signal) {
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    tracing::info!("shutting down: finishing the work in flight");
}
