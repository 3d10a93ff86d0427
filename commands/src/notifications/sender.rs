//! The sender: claims the outbox's due messages, delivers each through its
//! channel, and records what came of it. Any number of senders may run
//! (each message is held by one at a time); one that stops mid-send loses
//! nothing, since the message is taken over once its hold expires and sent
//! again with the same id (the e-mail's `Message-ID`, the `webhook-id`).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use folio_projections::reactors::Channel;

use super::channels::{Failure, MailChannel, Nature, WebhookChannel};
use super::ports::{AttemptOutcome, DueMessage, Outbox, OutboxError};
use super::retries::RetrySchedule;
use crate::ports::Clock;

/// Messages one round claims.
const CLAIM: u32 = 20;

/// How long a claimed message is held, in multiples of the longest a
/// channel waits for its server: well beyond one attempt, so a message is
/// taken over only from a sender that stopped.
const HOLD_PER_TIMEOUT: u32 = 4;

/// The largest share of a webhook's wait added as jitter.
const WEBHOOK_JITTER: f64 = 0.2;

/// Delivers the outbox's messages.
#[derive(Clone)]
pub struct NotificationSender {
    outbox: Arc<dyn Outbox>,
    mail: Option<MailChannel>,
    webhooks: WebhookChannel,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for NotificationSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotificationSender")
            .field("sends_mail", &self.mail.is_some())
            .finish_non_exhaustive()
    }
}

impl NotificationSender {
    /// A sender over `outbox` that posts webhooks and, when it has a mail
    /// channel, sends e-mail (without one, e-mails wait in the outbox). A
    /// message it claims is held for four times its channel's timeout.
    pub fn new(
        outbox: Arc<dyn Outbox>,
        mail: Option<MailChannel>,
        webhooks: WebhookChannel,
        clock: Arc<dyn Clock>,
    ) -> Self {
        NotificationSender {
            outbox,
            mail,
            webhooks,
            clock,
        }
    }

    /// Delivers what is due now, channel by channel; returns how many
    /// messages it tried.
    pub async fn deliver_due(&self) -> Result<usize, OutboxError> {
        let mut routes = Vec::with_capacity(2);
        if let Some(mail) = &self.mail {
            routes.push(Route::Mail(mail));
        }
        routes.push(Route::Webhooks(&self.webhooks));
        let mut tried = 0;
        for route in routes {
            tried += self.deliver(route).await?;
        }
        Ok(tried)
    }

    /// Delivers the due messages of `route`'s channel, each held for four
    /// times its timeout.
    async fn deliver(&self, route: Route<'_>) -> Result<usize, OutboxError> {
        let hold = route.timeout() * HOLD_PER_TIMEOUT;
        let due = self.outbox.claim(CLAIM, hold, &[route.channel()]).await?;
        for message in &due {
            let started_at = self.clock.now();
            let (message, result) = match route.attempt(message).await {
                Ok(sent) => (sent, Ok(())),
                Err(failure) => (message.clone(), Err(failure)),
            };
            let outcome = outcome(&route.waits(), self.clock.now(), message.attempt, result);
            log(&message, &outcome);
            self.outbox.record(&message, started_at, &outcome).await?;
        }
        Ok(due.len())
    }
}

/// One channel as the sender drives it.
#[derive(Clone, Copy)]
enum Route<'a> {
    /// E-mail, when a mail server is configured.
    Mail(&'a MailChannel),
    /// Webhooks.
    Webhooks(&'a WebhookChannel),
}

impl Route<'_> {
    fn channel(self) -> Channel {
        match self {
            Route::Mail(_) => Channel::Email,
            Route::Webhooks(_) => Channel::Webhook,
        }
    }

    /// The longest one attempt waits for the channel's server.
    fn timeout(self) -> Duration {
        match self {
            Route::Mail(mail) => mail.timeout(),
            Route::Webhooks(webhooks) => webhooks.delivery.timeout(),
        }
    }

    /// The channel's waits between attempts; webhooks' with jitter.
    fn waits(&self) -> Waits<'_> {
        match self {
            Route::Mail(mail) => Waits {
                schedule: &mail.schedule,
                jitter: 0.0,
            },
            Route::Webhooks(webhooks) => Waits {
                schedule: &webhooks.schedule,
                jitter: fastrand::f64() * WEBHOOK_JITTER,
            },
        }
    }

    /// Delivers `message` once.
    async fn attempt(self, message: &DueMessage) -> Result<DueMessage, Failure> {
        match self {
            Route::Mail(mail) => mail.attempt(message).await,
            Route::Webhooks(webhooks) => webhooks.attempt(message).await,
        }
    }
}

/// What the sender logs of an attempt.
fn log(message: &DueMessage, outcome: &AttemptOutcome) {
    match outcome {
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
}

/// The waits of a channel, and the share of a wait added as jitter.
struct Waits<'a> {
    schedule: &'a RetrySchedule,
    jitter: f64,
}

/// What `result` makes of attempt number `attempt` at `now`: sent, tried
/// again after the channel's wait (plus its jitter), skipped (nobody to write
/// to), or failed for good (refused, or out of attempts).
fn outcome(
    waits: &Waits<'_>,
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
    let wait = transient
        .then(|| waits.schedule.after(attempt))
        .flatten()
        .map(|wait| wait.mul_f64(1.0 + waits.jitter));
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
    use crate::notifications::compose_error::ComposeError;
    use crate::notifications::ports::MailFailure;
    use folio_domain::ErrorCode;

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
        let first = outcome(
            &Waits {
                schedule: &schedule,
                jitter: 0.0,
            },
            now(),
            1,
            away(),
        );
        let AttemptOutcome::Retry { code, at, .. } = first else {
            panic!("{first:?}")
        };
        assert_eq!(code, ErrorCode::Unavailable);
        assert_eq!(at, now() + chrono::Duration::seconds(30));
        // When the sixth does too, it fails for good, having given up
        assert!(matches!(
            outcome(
                &Waits {
                    schedule: &schedule,
                    jitter: 0.0
                },
                now(),
                6,
                away()
            ),
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
        } = outcome(
            &Waits {
                schedule: &schedule,
                jitter: 0.0,
            },
            now(),
            1,
            refused,
        )
        else {
            panic!("a refusal is not retried")
        };
        assert_eq!((code, gave_up), (ErrorCode::Validation, false));
        assert!(reason.contains("550 no such mailbox"), "{reason}");
        assert_eq!(
            outcome(
                &Waits {
                    schedule: &schedule,
                    jitter: 0.0
                },
                now(),
                3,
                Ok(())
            ),
            AttemptOutcome::Sent
        );
    }

    #[test]
    fn an_invoice_waiting_for_its_archive_is_retried_not_failed() {
        let waiting: Result<(), Failure> = Err(ComposeError::NotArchivedYet.into());
        assert!(matches!(
            outcome(
                &Waits {
                    schedule: &RetrySchedule::email(),
                    jitter: 0.0
                },
                now(),
                1,
                waiting
            ),
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
            outcome(
                &Waits {
                    schedule: &RetrySchedule::email(),
                    jitter: 0.0
                },
                now(),
                1,
                moot
            ),
            AttemptOutcome::Skipped {
                reason: "ana has no e-mail address in the directory".into()
            }
        );
    }

    #[test]
    fn a_webhook_waits_its_schedule_plus_at_most_a_fifth_as_jitter() {
        let schedule = RetrySchedule::webhook();
        let waits = Waits {
            schedule: &schedule,
            jitter: 0.2,
        };
        let AttemptOutcome::Retry { at, .. } = outcome(&waits, now(), 2, away()) else {
            panic!("a failed delivery is retried")
        };
        // The second wait is 5 min; with a fifth more, 6 min
        assert_eq!(at - now(), chrono::Duration::minutes(6));
        // After the eighth attempt it gives up
        assert!(matches!(
            outcome(&waits, now(), 8, away()),
            AttemptOutcome::Failed { gave_up: true, .. }
        ));
    }
}
