//! `folio audit export`: one tenant's events, in feed order, as JSON lines or CSV,
//! streamed with constant memory, and sealed with a digest on the last line so the
//! file can be checked offline (`folio audit verify --file`).
//!
//! Payload and metadata are written as the exact JSON text the database hashed, and
//! each event carries its stored `previous_hash` and `hash`, so every event's hash
//! can be recomputed from the file alone, and every link between events of the same
//! stream in it checked. The seal folds the events' hashes in file order: a line
//! removed, added, reordered or changed breaks it.

use std::fmt;
use std::io::{BufRead, Write};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use sqlx::PgPool;
use uuid::Uuid;

use super::chain::{canonical_time, AuditedEvent, ChainChecker, Coverage, Fold, Hash};
use super::{await_final_feed, AuditError, BreakReason, Verification};
use crate::postgres::events_table::{AUDITED_EVENT_COLUMNS, IN_FEED};

/// The file formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object per event, then `{"export_digest": ...}`.
    Jsonl,
    /// A header row, one row per event, then a row `export_digest,<digest>`.
    Csv,
}

/// Which events an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportRange {
    /// The tenant whose events they are.
    pub tenant: Uuid,
    /// Recorded at or after this, if given.
    pub from: Option<DateTime<Utc>>,
    /// Recorded before this, if given.
    pub to: Option<DateTime<Utc>>,
}

/// The seal at the end of an export: `folio-export-v1:<events>:<chain>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportDigest(pub Fold);

impl ExportDigest {
    const PREFIX: &'static str = "folio-export-v1";
}

impl fmt::Display for ExportDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", Self::PREFIX, self.0.events, self.0.chain)
    }
}

impl FromStr for ExportDigest {
    type Err = AuditError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let malformed = || AuditError::Malformed(format!("{s:?} is not an export digest"));
        let parts: Vec<&str> = s.trim().split(':').collect();
        let [prefix, events, chain] = parts[..] else {
            return Err(malformed());
        };
        if prefix != Self::PREFIX {
            return Err(malformed());
        }
        Ok(ExportDigest(Fold {
            events: events.parse().map_err(|_| malformed())?,
            chain: chain.parse()?,
        }))
    }
}

/// The key of the seal, in both formats.
const SEAL: &str = "export_digest";

/// The CSV columns, in order.
const CSV_HEADER: [&str; 13] = [
    "global_position",
    "transaction_id",
    "tenant_id",
    "aggregate_type",
    "aggregate_id",
    "sequence",
    "event_type",
    "event_version",
    "recorded_at",
    "payload",
    "metadata",
    "previous_hash",
    "hash",
];

/// Writes the events of `range` to `out` in `format`, sealed; returns the seal.
pub async fn export(
    pool: &PgPool,
    range: ExportRange,
    format: ExportFormat,
    out: impl Write,
) -> Result<ExportDigest, AuditError> {
    await_final_feed(pool).await?;
    let sql = format!(
        "SELECT {} FROM events
          WHERE {IN_FEED} AND tenant_id = $1
            AND ($2::timestamptz IS NULL OR recorded_at >= $2)
            AND ($3::timestamptz IS NULL OR recorded_at < $3)
          ORDER BY transaction_id, global_position",
        AUDITED_EVENT_COLUMNS
    );
    let mut events = sqlx::query_as::<_, AuditedEvent>(&sql)
        .bind(range.tenant)
        .bind(range.from)
        .bind(range.to)
        .fetch(pool);
    let mut fold = Fold::default();
    let mut sink = Sink::new(format, out)?;
    while let Some(event) = events.try_next().await? {
        fold.push(&event.hash);
        sink.event(&event)?;
    }
    let seal = ExportDigest(fold);
    sink.seal(&seal)?;
    Ok(seal)
}

/// Where exported events go, in one of the formats.
enum Sink<W: Write> {
    Jsonl(W),
    Csv(Box<csv::Writer<W>>),
}

impl<W: Write> Sink<W> {
    fn new(format: ExportFormat, out: W) -> Result<Self, AuditError> {
        Ok(match format {
            ExportFormat::Jsonl => Sink::Jsonl(out),
            ExportFormat::Csv => {
                let mut csv = csv::WriterBuilder::new().flexible(true).from_writer(out);
                csv.write_record(CSV_HEADER)?;
                Sink::Csv(Box::new(csv))
            }
        })
    }

    fn event(&mut self, event: &AuditedEvent) -> Result<(), AuditError> {
        match self {
            Sink::Jsonl(out) => {
                serde_json::to_writer(&mut *out, event).map_err(std::io::Error::from)?;
                out.write_all(b"\n")?;
            }
            Sink::Csv(csv) => csv.write_record([
                event.global_position.to_string().as_str(),
                &event.transaction_id.to_string(),
                &event.tenant_id.to_string(),
                &event.aggregate_type,
                &event.aggregate_id,
                &event.sequence.to_string(),
                &event.event_type,
                &event.event_version,
                &canonical_time(&event.recorded_at),
                &event.payload,
                &event.metadata,
                &event.previous_hash.to_string(),
                &event.hash.to_string(),
            ])?,
        }
        Ok(())
    }

    fn seal(self, seal: &ExportDigest) -> Result<(), AuditError> {
        match self {
            Sink::Jsonl(mut out) => {
                writeln!(out, "{}", serde_json::json!({ SEAL: seal.to_string() }))?;
                out.flush()?;
            }
            Sink::Csv(mut csv) => {
                csv.write_record([SEAL, &seal.to_string()])?;
                csv.flush()?;
            }
        }
        Ok(())
    }
}

/// Checks an export offline: every event's hash, every link between events of a
/// stream, and the seal. Reads line by line (constant memory, one entry per
/// stream).
///
/// Long on purpose (about 100 lines): it streams a file line by line, and the
/// parse, the chain check and the seal check of a line share the running state.
pub fn verify_export(
    input: impl BufRead,
    format: ExportFormat,
) -> Result<Verification, AuditError> {
    let mut checker = ChainChecker::new(Coverage::Excerpt, None);
    let mut seal: Option<ExportDigest> = None;
    let mut after_seal = false;
    match format {
        ExportFormat::Jsonl => {
            for (number, line) in input.lines().enumerate() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                let number = number as u64 + 1;
                if line.starts_with(&format!("{{\"{SEAL}\"")) {
                    let value: serde_json::Value =
                        serde_json::from_str(&line).map_err(|source| AuditError::Json {
                            line: number,
                            source,
                        })?;
                    let text = value[SEAL].as_str().unwrap_or_default();
                    seal = Some(text.parse()?);
                    continue;
                }
                let event: AuditedEvent =
                    serde_json::from_str(&line).map_err(|source| AuditError::Json {
                        line: number,
                        source,
                    })?;
                after_seal |= seal.is_some();
                checker.check(&event);
            }
        }
        ExportFormat::Csv => {
            let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(input);
            if csv.headers()?.iter().collect::<Vec<_>>() != CSV_HEADER {
                return Err(AuditError::Malformed(
                    "the CSV header is not an export's".into(),
                ));
            }
            for record in csv.records() {
                let record = record?;
                if record.get(0) == Some(SEAL) {
                    seal = Some(record.get(1).unwrap_or_default().parse()?);
                    continue;
                }
                after_seal |= seal.is_some();
                checker.check(&event_from_csv(&record)?);
            }
        }
    }
    let fold = checker.fold();
    match seal {
        None => checker.report_global(BreakReason::ExportNotSealed),
        Some(_) if after_seal => checker.report_global(BreakReason::ExportDigestMismatch),
        Some(ExportDigest(sealed)) if sealed != fold => {
            checker.report_global(BreakReason::ExportDigestMismatch)
        }
        Some(_) => {}
    }
    Ok(checker.finish())
}

fn event_from_csv(record: &csv::StringRecord) -> Result<AuditedEvent, AuditError> {
    let field = |n: usize| {
        record.get(n).ok_or_else(|| {
            AuditError::Malformed(format!(
                "CSV line {} has no {}",
                record.position().map_or(0, csv::Position::line),
                CSV_HEADER[n]
            ))
        })
    };
    let number = |n: usize| {
        field(n)?
            .parse::<i64>()
            .map_err(|_| AuditError::Malformed(format!("{} is not a number", CSV_HEADER[n])))
    };
    Ok(AuditedEvent {
        global_position: number(0)?,
        transaction_id: number(1)?,
        tenant_id: field(2)?
            .parse()
            .map_err(|_| AuditError::Malformed("tenant_id is not a UUID".into()))?,
        aggregate_type: field(3)?.to_owned(),
        aggregate_id: field(4)?.to_owned(),
        sequence: number(5)?,
        event_type: field(6)?.to_owned(),
        event_version: field(7)?.to_owned(),
        recorded_at: DateTime::parse_from_rfc3339(field(8)?)
            .map_err(|_| AuditError::Malformed("recorded_at is not RFC 3339".into()))?
            .with_timezone(&Utc),
        payload: field(9)?.to_owned(),
        metadata: field(10)?.to_owned(),
        previous_hash: field(11)?.parse::<Hash>()?,
        hash: field(12)?.parse::<Hash>()?,
    })
}
