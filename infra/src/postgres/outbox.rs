//! The outbox on Postgres (`public.outbox`, `public.outbox_attempts`): what
//! the sender claims and records, and what users read of it. Claims use
//! `FOR UPDATE SKIP LOCKED`, so senders in several processes never take the
//! same message at once.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use folio_commands::notifications::log::{
    Notification, NotificationFailure, NotificationLog, NotificationQuery, NotificationStatus,
    Redelivery,
};
use folio_commands::notifications::{AttemptOutcome, DueMessage, Outbox, OutboxError};
use folio_commands::webhooks::EndpointHealth;
use folio_domain::ids::{TenantId, WebhookEndpointId};
use folio_projections::reactors::Channel;
use sqlx::PgPool;
use uuid::Uuid;

/// [`Outbox`] on Postgres.
#[derive(Debug, Clone)]
pub struct PgOutbox {
    pool: PgPool,
}

impl PgOutbox {
    /// Reads and writes through `pool`.
    pub fn new(pool: PgPool) -> Self {
        PgOutbox { pool }
    }
}

fn unavailable(e: sqlx::Error) -> OutboxError {
    OutboxError(Box::new(e))
}

/// A claimed row.
#[derive(sqlx::FromRow)]
struct ClaimedRow {
    message_id: Uuid,
    tenant_id: Uuid,
    channel: String,
    kind: String,
    recipients: Vec<String>,
    recipient_subjects: Vec<String>,
    payload: serde_json::Value,
    attempts: i32,
    aggregate_type: String,
    aggregate_id: String,
    sequence: i64,
}

/// The stable code as stored.
fn stored_code(code: folio_domain::ErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "INTERNAL".to_owned())
}

#[async_trait]
impl Outbox for PgOutbox {
    async fn claim(
        &self,
        limit: u32,
        hold: Duration,
        channels: &[Channel],
    ) -> Result<Vec<DueMessage>, OutboxError> {
        let channels: Vec<&str> = channels.iter().map(|c| c.as_str()).collect();
        // A held message's next_attempt_at is the end of its hold, so one
        // condition finds the queued, the retried and the abandoned alike.
        let rows: Vec<ClaimedRow> = sqlx::query_as(
            "UPDATE outbox o
             SET status = 'SENDING', attempts = o.attempts + 1,
                 lease_until = now() + make_interval(secs => $2),
                 next_attempt_at = now() + make_interval(secs => $2)
             FROM (SELECT message_id FROM outbox
                   WHERE status IN ('QUEUED', 'SENDING', 'RETRYING') AND next_attempt_at <= now()
                     AND channel = ANY($3)
                   ORDER BY next_attempt_at
                   LIMIT $1
                   FOR UPDATE SKIP LOCKED) due
             WHERE o.message_id = due.message_id
             RETURNING o.message_id, o.tenant_id, o.channel, o.kind, o.recipients,
                       o.recipient_subjects, o.payload, o.attempts, o.aggregate_type,
                       o.aggregate_id, o.sequence",
        )
        .bind(i64::from(limit))
        .bind(hold.as_secs_f64())
        .bind(&channels)
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(rows
            .into_iter()
            .map(|row| DueMessage {
                message_id: row.message_id,
                tenant_id: TenantId(row.tenant_id),
                channel: Channel::from_stored(&row.channel).unwrap_or(Channel::Email),
                kind: row.kind,
                recipients: row.recipients,
                recipient_subjects: row.recipient_subjects,
                payload: row.payload,
                cause: (row.aggregate_type, row.aggregate_id, row.sequence),
                attempt: u32::try_from(row.attempts).unwrap_or(u32::MAX),
            })
            .collect())
    }

    async fn record(
        &self,
        message: &DueMessage,
        started_at: DateTime<Utc>,
        outcome: &AttemptOutcome,
    ) -> Result<(), OutboxError> {
        let (status, logged, code, reason, next) = match outcome {
            AttemptOutcome::Sent => ("SENT", "SENT", None, None, None),
            AttemptOutcome::Skipped { reason } => (
                "SKIPPED",
                "SKIPPED",
                Some(folio_domain::ErrorCode::Validation),
                Some(reason),
                None,
            ),
            AttemptOutcome::Retry { code, reason, at } => {
                ("RETRYING", "RETRY", Some(*code), Some(reason), Some(*at))
            }
            AttemptOutcome::Failed {
                code,
                reason,
                gave_up,
            } => {
                let logged = if *gave_up { "GAVE_UP" } else { "REFUSED" };
                ("FAILED", logged, Some(*code), Some(reason), None)
            }
        };
        let code = code.map(stored_code);
        let attempt = i32::try_from(message.attempt).unwrap_or(i32::MAX);
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        sqlx::query(
            "INSERT INTO outbox_attempts (message_id, attempt, started_at, outcome, error_code, detail)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (message_id, attempt) DO NOTHING",
        )
        .bind(message.message_id)
        .bind(attempt)
        .bind(started_at)
        .bind(logged)
        .bind(&code)
        .bind(reason)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        // Only the sender holding the latest claim moves the message on: one
        // whose hold expired and was taken over only adds to the log.
        sqlx::query(
            "UPDATE outbox
             SET status = $3, lease_until = NULL, error_code = $4, last_error = $5,
                 next_attempt_at = coalesce($6, next_attempt_at),
                 recipients = $7, recipient_subjects = $8,
                 sent_at = CASE WHEN $3 = 'SENT' THEN now() ELSE sent_at END
             WHERE message_id = $1 AND attempts = $2 AND status = 'SENDING'",
        )
        .bind(message.message_id)
        .bind(attempt)
        .bind(status)
        .bind(&code)
        .bind(reason)
        .bind(next)
        .bind(&message.recipients)
        .bind(&message.recipient_subjects)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        crate::telemetry::notification_attempt(message.channel.as_str(), logged);
        Ok(())
    }
}

#[async_trait]
impl EndpointHealth for PgOutbox {
    async fn failing_since(
        &self,
        tenant: TenantId,
        endpoint: WebhookEndpointId,
    ) -> Result<Option<DateTime<Utc>>, OutboxError> {
        sqlx::query_scalar(
            "WITH tried AS (
                 SELECT a.outcome, a.finished_at FROM outbox_attempts a
                 JOIN outbox o USING (message_id)
                 WHERE o.tenant_id = $1 AND o.channel = 'WEBHOOK' AND $2 = ANY(o.recipients))
             SELECT min(finished_at) FROM tried
             WHERE outcome IN ('RETRY', 'REFUSED', 'GAVE_UP')
               AND finished_at > coalesce(
                   (SELECT max(finished_at) FROM tried WHERE outcome = 'SENT'), '-infinity')",
        )
        .bind(tenant.0)
        .bind(endpoint.to_string())
        .fetch_one(&self.pool)
        .await
        .map_err(unavailable)
    }
}

/// A row as [`NotificationLog::list`] reads it.
#[derive(sqlx::FromRow)]
struct NotificationRow {
    message_id: Uuid,
    channel: String,
    kind: String,
    recipients: Vec<String>,
    aggregate_type: String,
    aggregate_id: String,
    status: String,
    attempts: i32,
    error_code: Option<String>,
    last_error: Option<String>,
    next_attempt_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

fn status_name(status: NotificationStatus) -> &'static str {
    match status {
        NotificationStatus::Queued => "QUEUED",
        NotificationStatus::Sending => "SENDING",
        NotificationStatus::Retrying => "RETRYING",
        NotificationStatus::Sent => "SENT",
        NotificationStatus::Failed => "FAILED",
        NotificationStatus::Skipped => "SKIPPED",
    }
}

impl From<NotificationRow> for Notification {
    fn from(row: NotificationRow) -> Self {
        let status = match row.status.as_str() {
            "QUEUED" => NotificationStatus::Queued,
            "SENDING" => NotificationStatus::Sending,
            "RETRYING" => NotificationStatus::Retrying,
            "SENT" => NotificationStatus::Sent,
            "SKIPPED" => NotificationStatus::Skipped,
            _ => NotificationStatus::Failed,
        };
        let waiting = matches!(
            status,
            NotificationStatus::Queued | NotificationStatus::Retrying
        );
        let failure = match (status, row.error_code, row.last_error) {
            (
                NotificationStatus::Retrying
                | NotificationStatus::Failed
                | NotificationStatus::Skipped,
                Some(code),
                Some(reason),
            ) => Some(NotificationFailure {
                code: serde_json::from_value(serde_json::Value::String(code))
                    .unwrap_or(folio_domain::ErrorCode::Internal),
                reason,
            }),
            _ => None,
        };
        Notification {
            message_id: row.message_id,
            channel: Channel::from_stored(&row.channel).unwrap_or(Channel::Email),
            kind: row.kind,
            recipients: row.recipients,
            subject: (row.aggregate_type, row.aggregate_id),
            status,
            attempts: u32::try_from(row.attempts).unwrap_or(0),
            failure,
            next_attempt_at: waiting.then_some(row.next_attempt_at),
            sent_at: row.sent_at,
            created_at: row.created_at,
        }
    }
}

#[async_trait]
impl NotificationLog for PgOutbox {
    async fn redeliver(
        &self,
        tenant: TenantId,
        message_id: Uuid,
    ) -> Result<Redelivery, OutboxError> {
        // The attempts go on counting: a failed redelivery is not retried on
        // the whole schedule again.
        let status: Option<String> = sqlx::query_scalar(
            "WITH found AS (
                 SELECT message_id, status FROM outbox
                 WHERE message_id = $1 AND tenant_id = $2 AND channel = 'WEBHOOK'
                 FOR UPDATE),
             queued AS (
                 UPDATE outbox o SET status = 'QUEUED', next_attempt_at = now(),
                        error_code = NULL, last_error = NULL
                 FROM found WHERE o.message_id = found.message_id
                   AND found.status IN ('SENT', 'FAILED', 'SKIPPED')
                 RETURNING o.message_id)
             SELECT CASE WHEN EXISTS (SELECT 1 FROM queued) THEN 'REDELIVERED' ELSE status END
             FROM found",
        )
        .bind(message_id)
        .bind(tenant.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(match status.as_deref() {
            None => Redelivery::NotFound,
            Some("REDELIVERED") => Redelivery::Queued,
            Some(_) => Redelivery::StillPending,
        })
    }

    async fn list(
        &self,
        tenant: TenantId,
        query: &NotificationQuery,
    ) -> Result<Vec<Notification>, OutboxError> {
        let rows: Vec<NotificationRow> = sqlx::query_as(
            "SELECT message_id, channel, kind, recipients, aggregate_type, aggregate_id, status,
                    attempts, error_code, last_error, next_attempt_at, sent_at, created_at
             FROM outbox
             WHERE tenant_id = $1
               AND ($2::text IS NULL OR aggregate_id = $2)
               AND ($3::text IS NULL OR status = $3)
               AND ($4::timestamptz IS NULL OR created_at < $4)
               AND ($6::text IS NULL OR $6 = ANY(recipients))
             ORDER BY created_at DESC, message_id
             LIMIT $5",
        )
        .bind(tenant.0)
        .bind(&query.subject)
        .bind(query.status.map(status_name))
        .bind(query.before)
        .bind(i64::from(query.limit))
        .bind(&query.recipient)
        .fetch_all(&self.pool)
        .await
        .map_err(unavailable)?;
        Ok(rows.into_iter().map(Notification::from).collect())
    }
}
