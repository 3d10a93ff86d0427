//! The figures: each runs Folio and its raw-Postgres baseline with the same pool
//! size and concurrency, and returns table rows.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use folio::wiring::App;
use folio_api::{Role, TokenKeys};
use folio_domain::ids::{CustomerId, InvoiceId, TenantId};
use folio_projections::checkpoint::applied_through;
use folio_projections::invoicing::queries::{self as invoice_queries, InvoiceFilter, InvoiceOrder};
use folio_projections::reading::{tenant_reader, Page};
use serde_json::{json, Value};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgPool};
use tokio::sync::Mutex;

use crate::measure::{closed_loop, timed, Samples};
use crate::report::{Better, Row};
use crate::serve::{Serve, SECRET};
use crate::workload::{self, Books};
use crate::Scale;

/// Connections per pool, Folio's and the baselines' alike.
const POOL: u32 = 32;

/// A database of its own for a group of figures, dropped when done.
pub struct Database {
    server: String,
    name: String,
    /// Its URL.
    pub url: String,
    /// Folio over it.
    pub app: Arc<App>,
    /// A second pool for the baselines.
    pub raw: PgPool,
}

impl Database {
    /// Drops `name` if it exists and creates it afresh, migrated.
    pub async fn fresh(server: &str, name: &str) -> anyhow::Result<Self> {
        drop_database(server, name).await?;
        let url = format!("{server}/{name}");
        let pool = folio_infra::postgres::pool::connect_with(
            &url,
            POOL,
            std::time::Duration::from_secs(10),
        )
        .await?;
        folio_infra::postgres::pool::migrate(&pool).await?;
        let raw = folio_infra::postgres::pool::connect_with(
            &url,
            POOL,
            std::time::Duration::from_secs(10),
        )
        .await?;
        for ddl in [
            "CREATE TABLE bench_raw (id bigserial PRIMARY KEY, payload jsonb NOT NULL)",
            "CREATE TABLE bench_bulk (global_position bigint, aggregate_id text, payload jsonb, metadata jsonb)",
        ] {
            sqlx::query(ddl).execute(&raw).await?;
        }
        let app = App::over(pool, &folio::config::Config::for_database(&url))?;
        Ok(Database {
            server: server.to_owned(),
            name: name.to_owned(),
            url,
            app: Arc::new(app),
            raw,
        })
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(drop_database(&server, &name))
        })
        .join();
    }
}

async fn drop_database(server: &str, name: &str) -> anyhow::Result<()> {
    let mut conn = PgConnectOptions::from_str(&format!("{server}/postgres"))?
        .connect()
        .await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// What the machine is, for the report.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    format!("{cores} cores of {cpu}, {memory:.0} GiB RAM, Postgres on 127.0.0.1")
}

/// One line of a hundred million euros: room for any number of small payments.
const LARGE_UNIT_CENTS: i64 = 10_000_000_000;

/// An issued invoice large enough to take any number of small payments.
async fn payable_invoice(backend: &App, books: &Books, n: usize) -> anyhow::Result<InvoiceId> {
    let customer = books.customers[n % books.customers.len()];
    workload::issued_invoice(backend, books.tenant, customer, 1, LARGE_UNIT_CENTS).await
}

/// Figure 1: command throughput and latency against single-row INSERTs.
pub async fn commands(db: &Database, scale: Scale) -> anyhow::Result<Vec<Row>> {
    let backend = db.app.clone();
    let books = Books::open(&backend, 8).await?;
    let mut invoices = Vec::new();
    for n in 0..64 {
        invoices.push(payable_invoice(&backend, &books, n).await?);
    }
    let invoices = Arc::new(invoices);
    // The baseline writes a row the size of the event a payment stores.
    let sample = workload::pay(&backend, books.tenant, invoices[0], 1).await?;
    let event: Value = sqlx::query_scalar(
        "SELECT jsonb_build_object('payload', payload, 'metadata', metadata) FROM events
         WHERE global_position = $1",
    )
    .bind(sample)
    .fetch_one(&db.raw)
    .await?;
    let mut rows = Vec::new();
    let seconds = Duration::from_secs(scale.seconds);
    for clients in [1usize, 8, 32] {
        let raw = db.raw.clone();
        let row = event.clone();
        let baseline = closed_loop(clients, seconds, move |_, _| {
            let (raw, row) = (raw.clone(), row.clone());
            async move {
                sqlx::query("INSERT INTO bench_raw (payload) VALUES ($1)")
                    .bind(row)
                    .execute(&raw)
                    .await?;
                anyhow::Ok(())
            }
        })
        .await?;
        let (b, t, i) = (backend.clone(), books.tenant, invoices.clone());
        let payments = closed_loop(clients, seconds, move |client, call| {
            let (b, i) = (b.clone(), i.clone());
            async move {
                let invoice = i[(client * 7 + call as usize) % i.len()];
                workload::pay(&b, t, invoice, 1).await.map(drop)
            }
        })
        .await?;
        let b = backend.clone();
        let expenses = closed_loop(clients, seconds, move |client, _| {
            let b = b.clone();
            async move {
                let employee = format!("employee-{client}");
                workload::submit_expense(&b, t, &employee, 4_200)
                    .await
                    .map(drop)
            }
        })
        .await?;
        let target = (clients == 8).then_some(0.5);
        for (name, samples) in [("RecordPayment", &payments), ("SubmitExpense", &expenses)] {
            rows.extend(latency_rows(
                &format!("1 {name}, {clients} clients"),
                "commands/s",
                samples,
                &baseline,
                "1-row INSERT tx, same size jsonb",
                target,
            ));
        }
    }
    Ok(rows)
}

/// Rate, p50 and p99 rows of one closed-loop comparison.
fn latency_rows(
    figure: &str,
    unit: &str,
    folio: &Samples,
    baseline: &Samples,
    baseline_is: &str,
    target: Option<f64>,
) -> Vec<Row> {
    vec![
        Row::compared(
            figure,
            unit,
            folio.rate(),
            baseline.rate(),
            baseline_is,
            Better::Higher,
            target,
        ),
        Row::compared(
            figure,
            "p50 ms",
            folio.percentile_ms(50.0),
            baseline.percentile_ms(50.0),
            baseline_is,
            Better::Lower,
            None,
        ),
        Row::compared(
            figure,
            "p99 ms",
            folio.percentile_ms(99.0),
            baseline.percentile_ms(99.0),
            baseline_is,
            Better::Lower,
            None,
        ),
    ]
}

/// Figure 5a: command latency on a long stream against a short one, twice.
///
/// A customer's contact updates leave its state the same size however long the
/// stream grows, so they show what the snapshots do (the target). An invoice's
/// payments grow its state, which keeps every payment for refunds and duplicate
/// checks, so the same comparison on them is reported beside it, without target.
pub async fn stream_growth(db: &Database, scale: Scale) -> anyhow::Result<Vec<Row>> {
    let backend = &db.app;
    let books = Books::open(backend, 1).await?;
    let probes = if scale.long_stream > 1_000 { 200 } else { 50 };
    let mut rows = Vec::new();

    let update = |customer: CustomerId, n: usize| {
        let backend = backend.clone();
        async move { workload::update_contact(&backend, books.tenant, customer, n).await }
    };
    let long = books.customers[0];
    // Registration is the first event; updates make up the rest.
    for n in 1..scale.long_stream {
        update(long, n).await?;
    }
    let mut on_long = Vec::new();
    for n in 0..probes {
        on_long.push(timed(update(long, scale.long_stream + n)).await?);
    }
    let mut on_short = Vec::new();
    for n in 0..probes {
        let short = workload::customer(backend, books.tenant, &format!("Short {n}")).await?;
        for k in 1..9 {
            update(short, k).await?;
        }
        on_short.push(timed(update(short, 9)).await?);
    }
    rows.extend(growth_rows(
        "UpdateCustomerContact",
        scale.long_stream,
        &on_long,
        &on_short,
        Some(1.5),
    ));

    let long = payable_invoice(backend, &books, 0).await?;
    // Draft + line + issue = 3 events; payments make up the rest.
    for _ in 3..scale.long_stream {
        workload::pay(backend, books.tenant, long, 1).await?;
    }
    let mut on_long = Vec::new();
    for _ in 0..probes {
        on_long.push(timed(workload::pay(backend, books.tenant, long, 1)).await?);
    }
    let mut on_short = Vec::new();
    for n in 0..probes {
        let short = payable_invoice(backend, &books, n).await?;
        for _ in 3..9 {
            workload::pay(backend, books.tenant, short, 1).await?;
        }
        on_short.push(timed(workload::pay(backend, books.tenant, short, 1)).await?);
    }
    rows.extend(growth_rows(
        "RecordPayment",
        scale.long_stream,
        &on_long,
        &on_short,
        None,
    ));
    Ok(rows)
}

/// The p50 on a long and a short stream, and their ratio against `target`.
fn growth_rows(
    command: &str,
    long_stream: usize,
    on_long: &[Duration],
    on_short: &[Duration],
    target: Option<f64>,
) -> Vec<Row> {
    let p50 = |samples: &[Duration]| {
        Samples::new(samples.to_vec(), Duration::from_secs(1)).percentile_ms(50.0)
    };
    let (long_p50, short_p50) = (p50(on_long), p50(on_short));
    let figure = format!("5 {command} latency growth, {long_stream} vs 10 events");
    vec![
        Row::reported(
            format!("5 {command} on a {long_stream}-event stream"),
            "p50 ms",
            long_p50,
        ),
        Row::reported(
            format!("5 {command} on a 10-event stream"),
            "p50 ms",
            short_p50,
        ),
        match target {
            Some(bound) => Row::bounded(figure, "p50 ratio", long_p50 / short_p50, bound),
            None => Row::reported(figure, "p50 ratio", long_p50 / short_p50),
        },
    ]
}

/// Figures 2 and 5b: projecting a backlog from zero against a bulk copy of its
/// rows, and how rebuild time grows with the backlog.
pub async fn catch_up(db: &Database, scale: Scale) -> anyhow::Result<Vec<Row>> {
    let backend = &db.app;
    workload::backlog(backend, scale.small_backlog, 16).await?;
    let (small_events, small_seconds) = timed_rebuild(db).await?;
    workload::backlog(backend, scale.backlog - small_events.min(scale.backlog), 16).await?;
    let (events, seconds) = timed_rebuild(db).await?;
    let begun = Instant::now();
    let copied = sqlx::query(
        "INSERT INTO bench_bulk SELECT global_position, aggregate_id, payload, metadata FROM events",
    )
    .execute(&db.raw)
    .await?
    .rows_affected();
    let bulk_seconds = begun.elapsed().as_secs_f64();
    Ok(vec![
        Row::compared(
            format!("2 catch-up from zero, {events} events"),
            "events/s",
            events as f64 / seconds,
            copied as f64 / bulk_seconds,
            "INSERT ... SELECT of the event rows",
            Better::Higher,
            Some(0.3),
        ),
        Row::reported(
            format!("5 rebuild of {small_events} events"),
            "seconds",
            small_seconds,
        ),
        Row::reported(format!("5 rebuild of {events} events"), "seconds", seconds),
        Row::bounded(
            format!("5 rebuild growth, {events} vs {small_events} events"),
            "time ratio / size ratio",
            (seconds / small_seconds) / (events as f64 / small_events as f64),
            1.25,
        ),
    ])
}

/// Rebuilds every projector from zero; returns the events in the store and the
/// seconds it took.
async fn timed_rebuild(db: &Database) -> anyhow::Result<(u64, f64)> {
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&db.raw)
        .await?;
    let took = timed(db.app.projections().rebuild_all()).await?;
    Ok((events as u64, took.as_secs_f64()))
}

/// Figures 3, 4 and 5c: lag and reads against `folio serve` in embedded mode, then
/// lag in Kafka mode, with the server's peak memory.
pub async fn serving(db: &Database, scale: Scale, brokers: &str) -> anyhow::Result<Vec<Row>> {
    let begun = Instant::now();
    let step = |what: &str| {
        eprintln!(
            "folio-bench:   {what} (at {:.1} s of figures 3-4)",
            begun.elapsed().as_secs_f64()
        );
    };
    let mut rows = Vec::new();
    let books = Books::open(&db.app, 10).await?;
    for n in 0..60 {
        let customer = books.customers[n % books.customers.len()];
        workload::issued_invoice(&db.app, books.tenant, customer, 5, 9_900).await?;
    }
    step("serve, embedded");
    let server = Serve::start(&db.url, &[]).await?;
    step("lag baseline");
    let baseline_lag = notify_lag(db, scale).await?;
    step("lag, embedded");
    let lag = commit_to_visible(db, &books, scale).await?;
    rows.extend(lag_rows("3 lag, embedded", &lag, &baseline_lag));
    step("GraphQL reads");
    rows.extend(graphql_reads(db, &server, books.tenant, scale).await?);
    rows.push(Row::reported(
        "5 peak RSS of folio serve, embedded (figures 3-4)",
        "MiB",
        server.peak_rss_mib()?,
    ));
    server.stop().await?;

    if std::net::TcpStream::connect(brokers).is_err() {
        eprintln!("folio-bench: no Kafka broker at {brokers}; Kafka-mode lag skipped");
        return Ok(rows);
    }
    let prefix = format!("bench{}", uuid::Uuid::new_v4().simple());
    step("serve, Kafka mode");
    let server = Serve::start(
        &db.url,
        &[
            ("KAFKA_BROKERS", brokers),
            ("FOLIO_KAFKA_TOPIC_PREFIX", &prefix),
        ],
    )
    .await?;
    // Warm up: the consumers first read what the relay copies of the existing
    // store (all no-ops); measure once fresh commands come through quickly.
    step("Kafka warm-up");
    commit_to_visible(
        db,
        &books,
        Scale {
            lag_seconds: 2,
            ..scale
        },
    )
    .await?;
    step("lag, Kafka mode");
    let lag = commit_to_visible(db, &books, scale).await?;
    rows.extend(lag_rows("3 lag, Kafka mode", &lag, &baseline_lag));
    rows.push(Row::reported(
        "5 peak RSS of folio serve, Kafka mode (figure 3)",
        "MiB",
        server.peak_rss_mib()?,
    ));
    server.stop().await?;
    Ok(rows)
}

fn lag_rows(figure: &str, folio: &Samples, baseline: &Samples) -> Vec<Row> {
    let baseline_is = "INSERT + NOTIFY, seen by a LISTENer";
    ["p50 ms", "p99 ms"]
        .into_iter()
        .zip([50.0, 99.0])
        .map(|(metric, p)| {
            Row::compared(
                figure,
                metric,
                folio.percentile_ms(p),
                baseline.percentile_ms(p),
                baseline_is,
                Better::Lower,
                None,
            )
        })
        .collect()
}

/// Commands per second of the lag figures.
const STEADY_RATE: u64 = 200;

/// How often the lag observer asks whether the read models caught up: the lag
/// figures are accurate to this much.
const OBSERVER_TICK: Duration = Duration::from_millis(5);

/// Whether every projector has applied the feed through `position`.
async fn every_projector_through(pool: &PgPool, position: i64) -> Result<bool, sqlx::Error> {
    let wanted: Vec<(&str, i64)> = folio_projections::all()
        .iter()
        .map(|projector| (projector.name(), position))
        .collect();
    let through = applied_through(pool, &wanted).await?;
    Ok(through.iter().all(|applied| *applied == Some(position)))
}

/// Submits expenses at a steady 200/s and measures, for each, the time from its
/// command returning to the read models covering its event.
async fn commit_to_visible(db: &Database, books: &Books, scale: Scale) -> anyhow::Result<Samples> {
    let pending: Arc<Mutex<BTreeMap<i64, Instant>>> = Arc::default();
    let lags: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let total = STEADY_RATE * scale.lag_seconds;
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let observer = {
        let (pending, lags, done, pool) =
            (pending.clone(), lags.clone(), done.clone(), db.raw.clone());
        tokio::spawn(async move {
            loop {
                let oldest = pending.lock().await.keys().next().copied();
                match oldest {
                    Some(position) if every_projector_through(&pool, position).await? => {
                        let seen = Instant::now();
                        let mut pending = pending.lock().await;
                        let covered: Vec<i64> =
                            pending.range(..=position).map(|(p, _)| *p).collect();
                        let mut lags = lags.lock().await;
                        for p in covered {
                            if let Some(committed) = pending.remove(&p) {
                                lags.push(seen.saturating_duration_since(committed));
                            }
                        }
                    }
                    Some(_) => tokio::time::sleep(OBSERVER_TICK).await,
                    None if done.load(std::sync::atomic::Ordering::Relaxed) => {
                        return anyhow::Ok(())
                    }
                    None => tokio::time::sleep(OBSERVER_TICK).await,
                }
            }
        })
    };
    let mut ticks = tokio::time::interval(Duration::from_micros(1_000_000 / STEADY_RATE));
    let mut writers = tokio::task::JoinSet::new();
    let started = Instant::now();
    for n in 0..total {
        ticks.tick().await;
        let (backend, pending, tenant) = (db.app.clone(), pending.clone(), books.tenant);
        writers.spawn(async move {
            let employee = format!("employee-{}", n % 20);
            let (_, position) =
                workload::submit_expense(&backend, tenant, &employee, 1_500).await?;
            pending.lock().await.insert(position, Instant::now());
            anyhow::Ok(())
        });
    }
    while let Some(joined) = writers.join_next().await {
        joined??;
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    tokio::time::timeout(Duration::from_secs(120), observer)
        .await
        .context("the read models did not catch up within 2 minutes")???;
    let lags = std::mem::take(&mut *lags.lock().await);
    Ok(Samples::new(lags, started.elapsed()))
}

/// The baseline of the lag figures: rows inserted at the same steady rate, each
/// announced with NOTIFY in its transaction; the time from the commit returning to
/// a LISTENing connection receiving it.
async fn notify_lag(db: &Database, scale: Scale) -> anyhow::Result<Samples> {
    let mut listener = sqlx::postgres::PgListener::connect_with(&db.raw).await?;
    listener.listen("folio_bench").await?;
    let committed: Arc<Mutex<BTreeMap<i64, Instant>>> = Arc::default();
    let total = STEADY_RATE * scale.lag_seconds;
    let started = Instant::now();
    let writer = {
        let (pool, committed) = (db.raw.clone(), committed.clone());
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_micros(1_000_000 / STEADY_RATE));
            for _ in 0..total {
                ticks.tick().await;
                let mut tx = pool.begin().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO bench_raw (payload) VALUES ('{}') RETURNING id",
                )
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("SELECT pg_notify('folio_bench', $1)")
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                committed.lock().await.insert(id, Instant::now());
            }
            anyhow::Ok(())
        })
    };
    let mut received = BTreeMap::new();
    while (received.len() as u64) < total {
        let notification = tokio::time::timeout(Duration::from_secs(30), listener.recv())
            .await
            .context("no notification within 30 s")??;
        received.insert(notification.payload().parse::<i64>()?, Instant::now());
    }
    writer.await??;
    let committed = committed.lock().await;
    let lags = received
        .iter()
        .filter_map(|(id, seen)| {
            committed
                .get(id)
                .map(|c| seen.saturating_duration_since(*c))
        })
        .collect();
    Ok(Samples::new(lags, started.elapsed()))
}

/// Concurrent clients of the read figure.
const READERS: usize = 16;

const INVOICES_QUERY: &str = "{ invoices(first: 50) { edges { node {
    number status total amountDue lines { description quantity unitPrice totalAmount } } } } }";

/// Figure 4: `invoices(first: 50)` with lines over HTTP, against a plain axum
/// handler that runs the same SQL in the same tenant transaction.
async fn graphql_reads(
    db: &Database,
    server: &Serve,
    tenant: TenantId,
    scale: Scale,
) -> anyhow::Result<Vec<Row>> {
    let token = TokenKeys::hs256(SECRET.as_bytes())?.mint(
        tenant,
        "bench",
        &[Role::Accountant],
        chrono::Duration::hours(1),
    )?;
    let http = reqwest::Client::new();
    let graphql = format!("{}/graphql", server.base);
    let body = json!({ "query": INVOICES_QUERY }).to_string();
    // Wait for the read models, and check the answer is what is measured.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let answer: Value = http
            .post(&graphql)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await?
            .json()
            .await?;
        let edges = answer["data"]["invoices"]["edges"]
            .as_array()
            .map_or(0, Vec::len);
        if edges == 50 {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "GraphQL answered {answer}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seconds = Duration::from_secs(scale.seconds * 2);
    let (h, g, t, b) = (http.clone(), graphql.clone(), token.clone(), body.clone());
    let folio = closed_loop(READERS, seconds, move |_, _| {
        let request = h
            .post(&g)
            .bearer_auth(&t)
            .header("content-type", "application/json")
            .body(b.clone());
        async move {
            let response = request.send().await?.error_for_status()?;
            anyhow::ensure!(response.bytes().await?.len() > 1_000, "a short answer");
            anyhow::Ok(())
        }
    })
    .await?;

    let plain = plain_handler(db.raw.clone(), tenant).await?;
    let h = http.clone();
    let baseline = closed_loop(READERS, seconds, move |_, _| {
        let request = h.get(&plain);
        async move {
            let response = request.send().await?.error_for_status()?;
            anyhow::ensure!(response.bytes().await?.len() > 1_000, "a short answer");
            anyhow::Ok(())
        }
    })
    .await?;
    Ok(latency_rows(
        "4 GraphQL invoices(first: 50) with lines, 16 clients",
        "requests/s",
        &folio,
        &baseline,
        "plain axum handler, same SQL",
        Some(0.5),
    )
    .into_iter()
    .filter(|row| row.metric != "p50 ms")
    .collect())
}

/// Serves `GET /invoices` on a free port: the API's two statements in a
/// tenant transaction, rows to JSON; returns its URL.
async fn plain_handler(pool: PgPool, tenant: TenantId) -> anyhow::Result<String> {
    async fn invoices(State((pool, tenant)): State<(PgPool, TenantId)>) -> Json<Value> {
        let answer = async {
            let mut tx = tenant_reader(&pool, tenant).await?;
            let page = Page {
                offset: 0,
                limit: 50,
            };
            let invoices = invoice_queries::invoices(
                &mut tx,
                &InvoiceFilter::default(),
                InvoiceOrder::default(),
                page,
            )
            .await?
            .items;
            let ids: Vec<uuid::Uuid> = invoices.iter().map(|i| i.invoice_id).collect();
            let lines = invoice_queries::lines_of(&mut tx, &ids).await?;
            tx.commit().await?;
            let mut by_invoice: BTreeMap<uuid::Uuid, Vec<Value>> = BTreeMap::new();
            for line in lines {
                by_invoice.entry(line.invoice_id).or_default().push(json!({
                    "description": line.description, "quantity": line.quantity,
                    "unitPrice": line.unit_price, "totalAmount": line.total_amount,
                }));
            }
            let edges: Vec<Value> = invoices
                .iter()
                .take(50)
                .map(|i| {
                    json!({"node": {"number": i.number, "status": i.status, "total": i.total,
                        "amountDue": i.amount_due,
                        "lines": by_invoice.remove(&i.invoice_id).unwrap_or_default()}})
                })
                .collect();
            anyhow::Ok(json!({"data": {"invoices": {"edges": edges}}}))
        }
        .await;
        Json(answer.unwrap_or_else(|error| json!({"error": error.to_string()})))
    }
    let app = Router::new()
        .route("/invoices", get(invoices))
        .with_state((pool, tenant));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/invoices", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}
