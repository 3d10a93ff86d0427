//! `folio-bench`: how fast Folio is compared with the limit of the machine it runs
//! on. Every figure is measured beside a raw-Postgres baseline in the same run, with
//! the same pool size and concurrency, and printed as a ratio; nothing here is a
//! pass/fail test (the machines are shared and noisy).
//!
//! ```sh
//! cargo build --release --bin folio              # the server figures 3-5 start
//! cargo run --release -p folio-bench            # full scale
//! cargo run --release -p folio-bench -- --quick # a tenth of it, a smoke check
//! ```

mod figures;
mod measure;
mod report;
mod serve;
mod workload;

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;

use crate::report::{table, Row};

/// Benchmarks Folio against raw Postgres on this machine.
#[derive(Debug, Parser)]
#[command(name = "folio-bench")]
struct Cli {
    /// Run everything at a tenth of the scale (under two minutes).
    #[arg(long)]
    quick: bool,
    /// Postgres server (the benchmark creates and drops its own databases on it).
    #[arg(
        long,
        env = "FOLIO_BENCH_SERVER",
        default_value = "postgres://root@127.0.0.1:5432"
    )]
    server: String,
    /// Kafka brokers for the Kafka-mode lag figure; skipped when none answers.
    #[arg(long, env = "FOLIO_BENCH_KAFKA", default_value = "127.0.0.1:9092")]
    brokers: String,
    /// Where to write the results as JSON.
    #[arg(long, default_value = "target/folio-bench.json")]
    json: PathBuf,
}

/// How big each figure runs.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Seconds each closed-loop configuration runs.
    pub seconds: u64,
    /// Events projected from zero in the catch-up figure.
    pub backlog: u64,
    /// The smaller backlog of the rebuild-growth figure.
    pub small_backlog: u64,
    /// Seconds of steady load in the lag figure.
    pub lag_seconds: u64,
    /// Events of the long stream in the growth figure.
    pub long_stream: usize,
}

impl Scale {
    fn new(quick: bool) -> Self {
        if quick {
            Scale {
                seconds: 1,
                backlog: 20_000,
                small_backlog: 2_000,
                lag_seconds: 3,
                long_stream: 1_000,
            }
        } else {
            Scale {
                seconds: 5,
                backlog: 200_000,
                small_backlog: 20_000,
                lag_seconds: 15,
                long_stream: 10_000,
            }
        }
    }
}

#[allow(clippy::print_stdout)] // the table is the output
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let scale = Scale::new(cli.quick);
    serve::prepare_folio_binary()?;
    let started = std::time::Instant::now();
    let mut rows: Vec<Row> = Vec::new();
    let machine = figures::machine();
    println!(
        "folio-bench ({}) on {machine}",
        if cli.quick { "quick" } else { "full" }
    );

    let step = |name: &str| {
        eprintln!(
            "folio-bench: {name} (at {:.0} s)",
            started.elapsed().as_secs_f64()
        );
    };
    let main_db = figures::Database::fresh(&cli.server, "folio_bench").await?;
    step("figure 1: commands");
    rows.extend(
        figures::commands(&main_db, scale)
            .await
            .context("figure 1")?,
    );
    step("figure 5: stream growth");
    rows.extend(
        figures::stream_growth(&main_db, scale)
            .await
            .context("figure 5a")?,
    );
    drop(main_db);
    // A database of their own: `folio serve` starts projecting from zero, and only
    // what these figures write should be in its way.
    step("figures 3 and 4: lag and reads");
    let serving_db = figures::Database::fresh(&cli.server, "folio_bench_serving").await?;
    rows.extend(
        figures::serving(&serving_db, scale, &cli.brokers)
            .await
            .context("figures 3 and 4")?,
    );
    drop(serving_db);

    step("figure 2: catch-up and rebuild growth");
    let catch_up_db = figures::Database::fresh(&cli.server, "folio_bench_catch_up").await?;
    rows.extend(
        figures::catch_up(&catch_up_db, scale)
            .await
            .context("figure 2")?,
    );
    drop(catch_up_db);

    let output = table(&rows);
    println!("\n{output}");
    let seconds = started.elapsed().as_secs_f64();
    println!("took {seconds:.0} s");
    if let Some(parent) = cli.json.parent() {
        std::fs::create_dir_all(parent).ok();
    }
    let json = serde_json::json!({
        "mode": if cli.quick { "quick" } else { "full" },
        "machine": machine,
        "seconds": seconds,
        "rows": rows,
    });
    std::fs::write(&cli.json, serde_json::to_vec_pretty(&json)?)
        .with_context(|| format!("cannot write {}", cli.json.display()))?;
    println!("results as JSON: {}", cli.json.display());
    Ok(())
}
