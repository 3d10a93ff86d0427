//! `folio projections`: status, rebuild and run of the projectors.

use std::io::Write;

use folio_infra::projecting::{ProjectorStatus, RebuildReport};
use folio_infra::Projections;

use crate::{Format, ProjectionsAction};

pub async fn run(projections: Projections, action: ProjectionsAction) -> anyhow::Result<()> {
    match action {
        ProjectionsAction::Status { format } => {
            let statuses = projections.status().await?;
            let mut out = std::io::stdout().lock();
            match format {
                Format::Jsonl => {
                    for status in &statuses {
                        serde_json::to_writer(&mut out, status)?;
                        writeln!(out)?;
                    }
                }
                Format::Table => write_status(&mut out, &statuses)?,
            }
            Ok(())
        }
        ProjectionsAction::Rebuild { name, all } => {
            let reports = match (name, all) {
                (Some(name), false) => vec![projections.rebuild(&name).await?],
                _ => projections.rebuild_all().await?,
            };
            let mut out = std::io::stdout().lock();
            for report in &reports {
                write_rebuild(&mut out, report)?;
            }
            Ok(())
        }
        ProjectionsAction::Run { until_caught_up } => {
            if until_caught_up {
                projections.catch_up().await?;
                eprintln!("folio: projections caught up");
                return Ok(());
            }
            eprintln!("folio: projecting new events; Ctrl-C to stop");
            tokio::select! {
                result = projections.run() => match result {
                    Err(error) => Err(error.into()),
                },
                _ = tokio::signal::ctrl_c() => Ok(()),
            }
        }
    }
}

fn write_status(out: &mut impl Write, statuses: &[ProjectorStatus]) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<12}  {:<10}  {:>10}  {:>13}  {:>14}  {:>12}  LAST ERROR",
        "PROJECTOR", "STATE", "POSITION", "EVENTS BEHIND", "SECONDS BEHIND", "DEAD LETTERS"
    )?;
    for s in statuses {
        let state = match (s.installed, s.definition_current) {
            (false, _) => "missing",
            (true, false) => "outdated",
            (true, true) if s.last_error.is_some() => "failing",
            (true, true) => "ok",
        };
        writeln!(
            out,
            "{:<12}  {:<10}  {:>10}  {:>13}  {:>14.3}  {:>12}  {}",
            s.projector,
            state,
            s.position
                .map_or_else(|| "-".to_owned(), |p| p.global_position.to_string()),
            s.events_behind,
            s.seconds_behind,
            s.dead_letters,
            s.last_error.as_deref().unwrap_or("-")
        )?;
    }
    Ok(())
}

fn write_rebuild(out: &mut impl Write, report: &RebuildReport) -> std::io::Result<()> {
    writeln!(
        out,
        "rebuilt {}: {} events replayed, checkpoint {}, {} relations swapped in, {} ms",
        report.projector,
        report.events,
        report.position.global_position,
        report.relations.len(),
        report.millis
    )
}
