//! `folio reminders`: the dunning process run once, for a scheduled job in
//! place of `folio serve`'s own loop, or to rehearse a day ahead.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use clap::Subcommand;
use folio::wiring::App;

use crate::serve::print_line;

/// What `folio reminders` does.
#[derive(Debug, Subcommand)]
pub enum RemindersAction {
    /// Record every payment reminder due now on the tenants' schedules (the
    /// running server's e-mail reactor sends them) and print what it did.
    /// Running it again, or beside another instance, sends nothing twice.
    Run {
        /// Run as of this instant instead of now: an RFC 3339 time, or a date
        /// (taken at 12:00 UTC). A reminder recorded so is dated that day.
        #[arg(long)]
        at: Option<String>,
    },
}

/// Runs `action` against `app`.
pub async fn run(app: &App, action: RemindersAction) -> anyhow::Result<()> {
    match action {
        RemindersAction::Run { at } => {
            let now = match at.as_deref() {
                None => Utc::now(),
                Some(given) => instant(given)
                    .with_context(|| format!("--at {given}: not an RFC 3339 time or a date"))?,
            };
            let run = app
                .dunning()
                .run(now)
                .await
                .context("the invoices to remind of cannot be read")?;
            print_line(&format!(
                "reminders as of {}: {} invoices looked at, {} recorded, {} refused, {} late fees invoiced, {} not handled now",
                now.to_rfc3339(),
                run.candidates,
                run.recorded,
                run.refused,
                run.fees_invoiced,
                run.failed
            ));
            if run.failed > 0 {
                anyhow::bail!(
                    "{} invoices could not be handled now; run again",
                    run.failed
                );
            }
            Ok(())
        }
    }
}

/// `given` as an instant: RFC 3339, or a date at noon UTC.
fn instant(given: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(given) {
        return Some(at.with_timezone(&Utc));
    }
    let day: NaiveDate = given.parse().ok()?;
    Some(day.and_time(NaiveTime::from_hms_opt(12, 0, 0)?).and_utc())
}
