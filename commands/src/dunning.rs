//! The dunning process: on the clock, every open invoice whose tenant's
//! schedule has a step due that was not recorded gets it recorded
//! ([`UseCases::remind_if_due`]); the e-mail reactor sends it. The process
//! reads its candidates from the invoicing read model and trusts the invoice
//! to refuse what the read model no longer knows (a payment or a dispute
//! recorded since): nothing is ever sent twice because the invoice records
//! each step once, and a run that fails halfway is finished by the next.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use folio_domain::dunning::{CATCH_UP_DAYS, EARLIEST_DAYS_BEFORE_DUE, LATEST_DAYS_AFTER_DUE};
use folio_domain::ids::{InvoiceId, TenantId};

use crate::error::CommandError;
use crate::ports::{Clock, LedgerError};
use crate::use_cases::{LateFeeDue, Reminded, ReminderCandidate, TenantSchedule, UseCases};

/// Where the process finds the invoices it may remind of.
#[async_trait]
pub trait ReminderCandidates: Send + Sync + 'static {
    /// Issued invoices of every tenant on which something is due, not
    /// disputed, due within `due` (both days included), after `after` in
    /// (tenant, invoice) order, at most `limit` of them.
    async fn open_due_within(
        &self,
        due: RangeInclusive<NaiveDate>,
        after: Option<(TenantId, InvoiceId)>,
        limit: usize,
    ) -> Result<Vec<ReminderCandidate>, LedgerError>;

    /// Late fees reminders charged whose invoice is still to issue or send,
    /// in every tenant, oldest first, at most `limit`.
    async fn late_fees_to_invoice(&self, limit: usize) -> Result<Vec<LateFeeDue>, LedgerError>;
}

/// Most candidates read at once.
const PAGE: usize = 500;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DunningRun {
    /// Invoices looked at.
    pub candidates: usize,
    /// Reminders recorded (each is e-mailed by the reactor).
    pub recorded: usize,
    /// Reminders the invoice refused: the read model was behind a payment, a
    /// credit note or a dispute.
    pub refused: usize,
    /// Late fees whose invoice was issued (and e-mailed), or found so.
    pub fees_invoiced: usize,
    /// Invoices and late fees that could not be handled now (the database
    /// is away, a fee's tax rate left the catalogue); the next run takes
    /// them again.
    pub failed: usize,
}

/// Runs the tenants' reminder schedules.
#[derive(Clone)]
pub struct Dunning {
    use_cases: Arc<UseCases>,
    candidates: Arc<dyn ReminderCandidates>,
}

impl std::fmt::Debug for Dunning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Dunning")
    }
}

impl Dunning {
    /// Records reminders through `use_cases` for what `candidates` finds.
    pub fn new(use_cases: Arc<UseCases>, candidates: Arc<dyn ReminderCandidates>) -> Self {
        Dunning {
            use_cases,
            candidates,
        }
    }

    /// One run as of the instant `now`: every step due by each tenant's date
    /// at `now` is recorded, then the late fees earlier runs recorded are
    /// invoiced. Fails only when the candidates cannot be read.
    pub async fn run(&self, now: DateTime<Utc>) -> Result<DunningRun, LedgerError> {
        let mut run = DunningRun::default();
        self.remind_due(now, &mut run).await?;
        // This run's fees are filed by the read model meanwhile, and taken by
        // the next run.
        for fee in self.candidates.late_fees_to_invoice(PAGE).await? {
            match self.use_cases.invoice_late_fee(&fee).await {
                Ok(()) => run.fees_invoiced += 1,
                Err(error) => {
                    run.failed += 1;
                    tracing::warn!(invoice = %fee.invoice_id, step = fee.step, %error, "cannot invoice a late fee now");
                }
            }
        }
        Ok(run)
    }

    /// Records the steps due at `now`, page by page of candidates.
    async fn remind_due(
        &self,
        now: DateTime<Utc>,
        run: &mut DunningRun,
    ) -> Result<(), LedgerError> {
        // Steps come from this long before the due date to this long after
        // it (and a step is sent at most CATCH_UP_DAYS late); a day more on
        // each side covers the tenants whose date is not UTC's.
        let today = now.date_naive();
        let days = |n: i64| chrono::Duration::days(n + 1);
        let due = today - days(i64::from(LATEST_DAYS_AFTER_DUE) + CATCH_UP_DAYS)
            ..=today + days(EARLIEST_DAYS_BEFORE_DUE.into());
        let mut schedules: HashMap<TenantId, Option<TenantSchedule>> = HashMap::new();
        let mut after = None;
        loop {
            let page = self
                .candidates
                .open_due_within(due.clone(), after, PAGE)
                .await?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            after = Some((last.tenant_id, last.invoice_id));
            for candidate in &page {
                run.candidates += 1;
                if let Entry::Vacant(slot) = schedules.entry(candidate.tenant_id) {
                    slot.insert(self.schedule(candidate.tenant_id, now).await);
                }
                match schedules.get(&candidate.tenant_id) {
                    Some(Some(schedule)) => self.remind(candidate, schedule, run).await,
                    _ => run.failed += 1,
                }
            }
            if page.len() < PAGE {
                return Ok(());
            }
        }
    }

    /// The tenant's schedule, or none when its settings cannot be read now.
    async fn schedule(&self, tenant_id: TenantId, now: DateTime<Utc>) -> Option<TenantSchedule> {
        match self.use_cases.reminder_schedule(tenant_id, now).await {
            Ok(schedule) => Some(schedule),
            Err(error) => {
                tracing::warn!(tenant = %tenant_id, %error, "cannot read the reminder schedule");
                None
            }
        }
    }

    async fn remind(
        &self,
        candidate: &ReminderCandidate,
        schedule: &TenantSchedule,
        run: &mut DunningRun,
    ) {
        match self.use_cases.remind_if_due(candidate, schedule).await {
            Ok(Reminded::NotDue | Reminded::RecordedBefore(_)) => {}
            Ok(Reminded::Recorded(step)) => {
                run.recorded += 1;
                tracing::info!(invoice = %candidate.invoice_id, step, "recorded a payment reminder");
            }
            Err(CommandError::Rejected(refused)) => {
                run.refused += 1;
                tracing::info!(invoice = %candidate.invoice_id, %refused, "no reminder");
            }
            Err(error) => {
                run.failed += 1;
                tracing::warn!(invoice = %candidate.invoice_id, %error, "cannot record a reminder now");
            }
        }
    }
}

/// Runs `dunning` every `interval` with `clock`'s time, forever; a run that
/// fails is taken again at the next.
pub async fn send_due_reminders(
    dunning: Dunning,
    clock: Arc<dyn Clock>,
    interval: Duration,
) -> std::convert::Infallible {
    loop {
        match dunning.run(clock.now()).await {
            Ok(run) if run.recorded + run.refused + run.failed > 0 => {
                tracing::info!(?run, "payment reminders run")
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "cannot read the invoices to remind of"),
        }
        tokio::time::sleep(interval).await;
    }
}
