//! `folio events`: stored events as a table or JSON lines.

use std::io::Write;

use folio_infra::postgres::history;
use folio_projections::FeedEvent;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Format;

pub async fn print(
    pool: &PgPool,
    aggregate_id: Option<&str>,
    tenant: Option<Uuid>,
    limit: i64,
    format: Format,
) -> anyhow::Result<()> {
    if limit <= 0 {
        anyhow::bail!("--limit must be at least 1");
    }
    let events = match aggregate_id {
        Some(id) => history::aggregate_history(pool, id).await?,
        None => history::latest(pool, limit, tenant).await?,
    };
    let mut out = std::io::stdout().lock();
    match format {
        Format::Jsonl => {
            for event in &events {
                serde_json::to_writer(&mut out, event)?;
                writeln!(out)?;
            }
        }
        Format::Table => write_table(&mut out, &events)?,
    }
    Ok(())
}

fn write_table(out: &mut impl Write, events: &[FeedEvent]) -> std::io::Result<()> {
    writeln!(
        out,
        "{:>8}  {:<27}  {:<14}  {:<36}  {:>4}  {:<24}  {:<12}",
        "POSITION", "RECORDED AT", "AGGREGATE", "AGGREGATE ID", "SEQ", "EVENT", "ACTOR"
    )?;
    for e in events {
        let actor = e
            .metadata
            .get("actor")
            .and_then(|a| a.as_str())
            .unwrap_or("-");
        writeln!(
            out,
            "{:>8}  {:<27}  {:<14}  {:<36}  {:>4}  {:<24}  {:<12}",
            e.position.global_position,
            e.recorded_at.format("%Y-%m-%d %H:%M:%S%.6fZ"),
            e.aggregate_type,
            e.aggregate_id,
            e.sequence,
            format!("{} v{}", e.event_type, e.event_version),
            actor
        )?;
    }
    if events.is_empty() {
        writeln!(out, "(no events)")?;
    }
    Ok(())
}
