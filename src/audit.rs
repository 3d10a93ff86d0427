//! `folio audit`: the head digest an auditor keeps, the verification of every hash
//! chain (in the store, or offline in an export), and sealed exports.

use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Subcommand, ValueEnum};
use folio_infra::audit::export::{self, ExportFormat, ExportRange};
use folio_infra::audit::{self, FeedDigest, Verification};

/// What `folio audit` does.
#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Print the head of the global chain (events, position, hash): keep it, and
    /// later `verify --since` it.
    Digest,
    /// Recompute every hash chain (of the store, or of an export with --file) and
    /// report every break; exits non-zero if there is one.
    Verify {
        /// A digest kept earlier: the history up to it must be unchanged.
        #[arg(long, conflicts_with = "file")]
        since: Option<String>,
        /// Check this export offline instead of the store (no database needed).
        #[arg(long)]
        file: Option<PathBuf>,
        /// The export's format (by default from its extension: .csv or JSON lines).
        #[arg(long, value_enum, requires = "file")]
        format: Option<FileFormat>,
    },
    /// Write one tenant's events in feed order, sealed with a digest on the last
    /// line; the digest is also printed on stderr.
    Export {
        /// The tenant whose events to export (its id).
        #[arg(long)]
        tenant: uuid::Uuid,
        /// Events recorded at or after this (RFC 3339, or a date: midnight UTC).
        #[arg(long, value_parser = parse_time)]
        from: Option<DateTime<Utc>>,
        /// Events recorded before this (RFC 3339, or a date: midnight UTC).
        #[arg(long, value_parser = parse_time)]
        to: Option<DateTime<Utc>>,
        /// File format.
        #[arg(long, value_enum, default_value_t = FileFormat::Jsonl)]
        format: FileFormat,
        /// Write to this file instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// The formats of an export file.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FileFormat {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

impl From<FileFormat> for ExportFormat {
    fn from(format: FileFormat) -> Self {
        match format {
            FileFormat::Jsonl => ExportFormat::Jsonl,
            FileFormat::Csv => ExportFormat::Csv,
        }
    }
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|day| day.and_time(chrono::NaiveTime::MIN).and_utc())
        .map_err(|_| format!("{text:?} is neither RFC 3339 nor a date (YYYY-MM-DD)"))
}

/// Runs `folio audit <action>`.
pub async fn run(config: &folio::config::Config, action: AuditAction) -> anyhow::Result<()> {
    match action {
        AuditAction::Verify {
            file: Some(file),
            format,
            ..
        } => {
            let format = format.unwrap_or(if file.extension().is_some_and(|e| e == "csv") {
                FileFormat::Csv
            } else {
                FileFormat::Jsonl
            });
            let input = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let verification = export::verify_export(BufReader::new(input), format.into())?;
            report(
                &verification,
                &format!("the export {}", file.display()),
                false,
            )
        }
        AuditAction::Verify { since, .. } => {
            let since: Option<FeedDigest> = since.as_deref().map(str::parse).transpose()?;
            let backend = folio::wiring::App::start(config).await?;
            let verification = audit::verify_store(&backend.pool, since).await?;
            report(&verification, "the store", true)
        }
        AuditAction::Digest => {
            let backend = folio::wiring::App::start(config).await?;
            let digest = audit::digest(&backend.pool).await?;
            crate::serve::print_line(&digest.to_string());
            Ok(())
        }
        AuditAction::Export {
            tenant,
            from,
            to,
            format,
            output,
        } => {
            let backend = folio::wiring::App::start(config).await?;
            let range = ExportRange { tenant, from, to };
            let seal = match &output {
                Some(path) => {
                    let file = std::fs::File::create(path)
                        .with_context(|| format!("cannot create {}", path.display()))?;
                    export::export(&backend.pool, range, format.into(), BufWriter::new(file))
                        .await?
                }
                None => {
                    let stdout = std::io::stdout();
                    export::export(&backend.pool, range, format.into(), stdout.lock()).await?
                }
            };
            let whither = output
                .as_deref()
                .map_or("stdout".into(), |p: &Path| p.display().to_string());
            eprintln!(
                "folio: exported {} events to {whither}; digest {seal}",
                seal.0.events
            );
            Ok(())
        }
    }
}

/// Prints what a verification found; an error (non-zero exit) if anything broke.
fn report(verification: &Verification, what: &str, with_head: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for broken in &verification.breaks {
        writeln!(out, "BREAK {broken}")?;
    }
    writeln!(
        out,
        "checked {} events in {} streams of {what}",
        verification.events, verification.streams
    )?;
    if with_head {
        writeln!(out, "head digest: {}", verification.head)?;
    }
    out.flush()?;
    match verification.breaks.first() {
        None => Ok(()),
        Some(first) => anyhow::bail!(
            "{what} is not what was written: {} break(s); the first: {first}",
            verification.breaks_found
        ),
    }
}
