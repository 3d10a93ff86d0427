//! `folio serve` as a child process, as it runs in production, for the figures
//! that drive it over HTTP and watch its memory.

use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, BufReader};

/// The secret the benchmark's server verifies tokens with.
pub const SECRET: &str = "folio-bench-secret-of-at-least-32-bytes";

/// A running `folio serve`, killed when dropped.
#[derive(Debug)]
pub struct Serve {
    child: tokio::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

/// The `folio` binary the figures start, found once by
/// [`prepare_folio_binary`].
static FOLIO_BINARY: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Finds the `folio` binary of the same build profile, next to this one (build it
/// first: `cargo build --release --bin folio`). Call it before timing anything.
///
/// The benchmark does not build it: `cargo build --bin folio` run from inside
/// `cargo run` sees a different environment, which dependencies' build scripts
/// take for changed inputs, so the two builds would keep rebuilding each other.
pub fn prepare_folio_binary() -> anyhow::Result<()> {
    let me = std::env::current_exe()?;
    let path = me.with_file_name("folio");
    let profile = if cfg!(debug_assertions) {
        ""
    } else {
        " --release"
    };
    anyhow::ensure!(
        path.exists(),
        "{} is missing: run `cargo build{profile} --bin folio` first",
        path.display()
    );
    FOLIO_BINARY.get_or_init(|| path);
    Ok(())
}

impl Serve {
    /// Starts `folio serve` on a free port against `database_url` with `env`.
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> anyhow::Result<Self> {
        let binary = FOLIO_BINARY
            .get()
            .context("prepare_folio_binary was not called")?;
        let mut child = tokio::process::Command::new(binary)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("DATABASE_URL", database_url)
            .env("FOLIO_JWT_SECRET", SECRET)
            .env("FOLIO_LOG", "error")
            // The benchmark measures capacity: no rate limit or complexity
            // budget may cap it.
            .env("FOLIO_RATE_LIMIT_PER_TENANT", "0")
            .env("FOLIO_RATE_LIMIT_PER_ADDRESS", "0")
            .env("FOLIO_COMPLEXITY_PER_TENANT", "0")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start folio serve")?;
        let stdout = child.stdout.take().context("stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(120), lines.next_line())
            .await
            .context("folio serve did not start")??
            .context("folio serve exited")?;
        let base = line
            .strip_prefix("folio: serving GraphQL on ")
            .and_then(|url| url.strip_suffix("/graphql"))
            .context("unexpected first line of folio serve")?
            .to_owned();
        Ok(Serve { child, base })
    }

    /// Peak resident memory so far (`VmHWM`), in MiB.
    pub fn peak_rss_mib(&self) -> anyhow::Result<f64> {
        let pid = self.child.id().context("folio serve has exited")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .context("no VmHWM")?;
        Ok(kib / 1024.0)
    }

    /// Stops it (SIGTERM, then waits).
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(pid) = self.child.id() {
            std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()?;
        }
        tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await??;
        Ok(())
    }
}
