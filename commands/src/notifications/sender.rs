//! The sender: claims the outbox's due messages, composes and delivers each,
//! and records what came of it. Any number of senders may run (each message
//! is held by one at a time); one that stops mid-send loses nothing, since
//! the message is taken over once its hold expires and sent again with the
//! same `Message-ID`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use folio_domain::directory::user_aggregate_id;
use folio_domain::ErrorCode;
use folio_projections::reactors::mail::INVOICE_SENT;

use super::compose_error::ComposeError;
use super::expense_mail::{Addressed, ExpenseMail};
use super::invoice_mail::InvoiceMail;
use super::ports::{AttemptOutcome, DueMessage, MailFailure, Mailer, Outbox, OutboxError};
use super::retries::RetrySchedule;
use crate::ports::Clock;

/// Messages one round claims.
const CLAIM: u32 = 20;

/// How long a claimed message is held, in multiples of the mail server's
/// timeout: well beyond one attempt (composing it, one SMTP exchange), so a
/// message is taken over only from a sender that stopped.
const HOLD_PER_TIMEOUT: u32 = 4;

/// Why one attempt failed, as the outbox records it.
struct Failure {
    code: ErrorCode,
    reason: String,
    nature: Nature,
}

/// Whether a failure may pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Nature {
    /// It may pass: try again on the schedule.
    Transient,
    /// It will not pass: fail for good.
    Permanent,
    /// There is nobody to write to: skip the message.
    NobodyToWrite,
}

impl From<ComposeError> for Failure {
    fn from(error: ComposeError) -> Self {
        let nature = if matches!(error, ComposeError::NobodyToWrite(_)) {
            Nature::NobodyToWrite
        } else if error.is_transient() {
            Nature::Transient
        } else {
            Nature::Permanent
        };
        Failure {
            code: error.code(),
            reason: error.reason(),
            nature,
        }
    }
}

impl From<MailFailure> for Failure {
    fn from(failure: MailFailure) -> Self {
        let transient = matches!(failure, MailFailure::Unavailable(_));
        Failure {
            code: if transient {
                ErrorCode::Unavailable
            } else {
                ErrorCode::Validation
            },
            reason: failure.to_string(),
            nature: if transient {
                Nature::Transient
            } else {
                Nature::Permanent
            },
        }
    }
}

/// Delivers the outbox's messages.
#[derive(Clone)]
pub struct NotificationSender {
    outbox: Arc<dyn Outbox>,
    mailer: Arc<dyn Mailer>,
    invoices: InvoiceMail,
    expenses: ExpenseMail,
    schedule: RetrySchedule,
    hold: Duration,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for NotificationSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotificationSender")
            .field("schedule", &self.schedule)
            .field("hold", &self.hold)
            .finish_non_exhaustive()
    }
}

impl NotificationSender {
    /// A sender over these ports, retrying e-mail on `schedule`; a message
    /// it claims is held for four times the mailer's timeout.
    pub fn new(
        outbox: Arc<dyn Outbox>,
        mailer: Arc<dyn Mailer>,
        invoices: InvoiceMail,
        expenses: ExpenseMail,
        schedule: RetrySchedule,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let hold = mailer.timeout() * HOLD_PER_TIMEOUT;
        NotificationSender {
            outbox,
            mailer,
            invoices,
            expenses,
            schedule,
            hold,
            clock,
        }
    }

    /// Delivers what is due now; returns how many messages it tried.
    pub async fn deliver_due(&self) -> Result<usize, OutboxError> {
        let due = self.outbox.claim(CLAIM, self.hold).await?;
        for message in &due {
            let started_at = self.clock.now();
            let (message, result) = match self.attempt(message).await {
                Ok(addressed) => (addressed, Ok(())),
                Err(failure) => (message.clone(), Err(failure)),
            };
            let outcome = outcome(&self.schedule, self.clock.now(), message.attempt, result);
            match &outcome {
                AttemptOutcome::Sent => {
                    tracing::info!(message_id = %message.message_id, kind = message.kind, attempt = message.attempt, "sent a notification");
                }
                AttemptOutcome::Retry { reason, at, .. } => {
                    tracing::warn!(message_id = %message.message_id, kind = message.kind, attempt = message.attempt, %reason, retry_at = %at, "a notification failed; it is retried");
                }
                AttemptOutcome::Failed { reason, .. } => {
                    tracing::warn!(message_id = %message.message_id, kind = message.kind, attempt = message.attempt, %reason, "a notification failed for good");
                }
                AttemptOutcome::Skipped { reason } => {
                    tracing::info!(message_id = %message.message_id, kind = message.kind, %reason, "skipped a notification");
                }
            }
            self.outbox.record(&message, started_at, &outcome).await?;
        }
        Ok(due.len())
    }

    /// Composes and sends `message` once; returns it as it was sent (with
    /// the recipients it was addressed to).
    async fn attempt(&self, message: &DueMessage) -> Result<DueMessage, Failure> {
        let Addressed { email, users } = match message.kind.as_str() {
            INVOICE_SENT => Addressed {
                email: self.invoices.compose(message).await?,
                users: Vec::new(),
            },
            kind if kind.starts_with("expense_") => self.expenses.compose(message).await?,
            other => {
                return Err(Failure {
                    code: ErrorCode::Internal,
                    reason: format!("this version of Folio cannot send a '{other}' message"),
                    nature: Nature::Permanent,
                })
            }
        };
        self.mailer.send(&email).await?;
        let subjects = users
            .iter()
            .map(|user| user_aggregate_id(message.tenant_id, user).to_string());
        Ok(DueMessage {
            recipients: email.to,
            recipient_subjects: message
                .recipient_subjects
                .iter()
                .cloned()
                .chain(subjects)
                .collect(),
            ..message.clone()
        })
    }
}

/// What `result` makes of attempt number `attempt` at `now`: sent, tried
/// again on `schedule`, or failed for good (refused, or out of attempts).
fn outcome(
    schedule: &RetrySchedule,
    now: DateTime<Utc>,
    attempt: u32,
    result: Result<(), Failure>,
) -> AttemptOutcome {
    let failure = match result {
        Ok(()) => return AttemptOutcome::Sent,
        Err(failure) => failure,
    };
    if failure.nature == Nature::NobodyToWrite {
        return AttemptOutcome::Skipped {
            reason: failure.reason,
        };
    }
    let transient = failure.nature == Nature::Transient;
    let wait = transient.then(|| schedule.after(attempt)).flatten();
    match wait {
        Some(wait) => AttemptOutcome::Retry {
            code: failure.code,
            reason: failure.reason,
            at: now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX),
        },
        None => AttemptOutcome::Failed {
            code: failure.code,
            reason: failure.reason,
            gave_up: transient,
        },
    }
}

/// Delivers due messages forever: at once while there are more, else every
/// `interval`. An outbox that does not answer is tried again next round.
pub async fn deliver_notifications(sender: NotificationSender, interval: Duration) -> Infallible {
    loop {
        match sender.deliver_due().await {
            Ok(tried) if tried > 0 => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "cannot read the outbox"),
        }
        tokio::time::sleep(interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-07T09:00:00Z".parse().unwrap()
    }

    fn away() -> Result<(), Failure> {
        Err(MailFailure::Unavailable("connection refused".into()).into())
    }

    #[test]
    fn a_server_that_is_away_is_tried_again_on_the_schedule_until_it_is_used_up() {
        // Given e-mail's schedule (30 s, 2 min, 10 min, 1 h, 6 h)
        let schedule = RetrySchedule::email();
        // When the first attempt finds the server away, it is tried in 30 s
        let first = outcome(&schedule, now(), 1, away());
        let AttemptOutcome::Retry { code, at, .. } = first else {
            panic!("{first:?}")
        };
        assert_eq!(code, ErrorCode::Unavailable);
        assert_eq!(at, now() + chrono::Duration::seconds(30));
        // When the sixth does too, it fails for good, having given up
        assert!(matches!(
            outcome(&schedule, now(), 6, away()),
            AttemptOutcome::Failed {
                gave_up: true,
                code: ErrorCode::Unavailable,
                ..
            }
        ));
    }

    #[test]
    fn a_refused_message_fails_at_once_and_a_delivered_one_is_sent() {
        let schedule = RetrySchedule::email();
        let refused: Result<(), Failure> =
            Err(MailFailure::Refused("550 no such mailbox".into()).into());
        let AttemptOutcome::Failed {
            code,
            reason,
            gave_up,
        } = outcome(&schedule, now(), 1, refused)
        else {
            panic!("a refusal is not retried")
        };
        assert_eq!((code, gave_up), (ErrorCode::Validation, false));
        assert!(reason.contains("550 no such mailbox"), "{reason}");
        assert_eq!(outcome(&schedule, now(), 3, Ok(())), AttemptOutcome::Sent);
    }

    #[test]
    fn an_invoice_waiting_for_its_archive_is_retried_not_failed() {
        let waiting: Result<(), Failure> = Err(ComposeError::NotArchivedYet.into());
        assert!(matches!(
            outcome(&RetrySchedule::email(), now(), 1, waiting),
            AttemptOutcome::Retry { .. }
        ));
    }

    #[test]
    fn a_message_with_nobody_to_write_to_is_skipped_not_retried() {
        let moot: Result<(), Failure> = Err(ComposeError::NobodyToWrite(
            "ana has no e-mail address in the directory".into(),
        )
        .into());
        assert_eq!(
            outcome(&RetrySchedule::email(), now(), 1, moot),
            AttemptOutcome::Skipped {
                reason: "ana has no e-mail address in the directory".into()
            }
        );
    }
}
