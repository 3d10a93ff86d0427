//! Runs one command against one aggregate: idempotency, tenancy, expected version,
//! pure decision, commit, bounded retry on concurrent writes. Every use case goes
//! through [`CommandRunner::run`]; none writes events any other way.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use cqrs_es::AggregateError;
use folio_domain::ids::TenantId;
use folio_domain::{Decide, TenantOwned};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::context::{idempotency_key, CommandContext, CommandOutcome, MAX_IDEMPOTENCY_KEY_LEN};
use crate::error::CommandError;
use crate::ports::{
    AggregateStore, Clock, CommandLease, CommandLedger, LedgerError, PersonalDataKeys, Recorded,
    Reservation, StoredOutcome,
};

/// How often a command is re-decided after losing a race with a concurrent writer.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all (the first one included).
    pub max_attempts: u32,
    /// Upper bound of the random pause before a retry, growing with each attempt.
    pub max_backoff_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 30,
            max_backoff_ms: 50,
        }
    }
}

/// Runs commands; shared by every use case of [`crate::UseCases`].
#[derive(Clone)]
pub struct CommandRunner {
    ledger: Arc<dyn CommandLedger>,
    clock: Arc<dyn Clock>,
    personal_data: Arc<dyn PersonalDataKeys>,
    retry: RetryPolicy,
    in_flight: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for CommandRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandRunner")
            .field("retry", &self.retry)
            .field("free_slots", &self.in_flight.available_permits())
            .finish()
    }
}

/// What a use case asks the executor to run.
pub(crate) struct Request<'a, R: Serialize> {
    /// Name of the use case (stored in metadata, part of the fingerprint).
    pub command_name: &'static str,
    /// The aggregate's id as the event store keys it (a UUID's text).
    pub aggregate_id: String,
    /// The request as the caller sent it (fingerprinted for idempotency).
    pub input: &'a R,
    /// A number series to reserve the next number from.
    pub series: Option<String>,
}

fn unavailable<E: std::error::Error>(e: LedgerError) -> CommandError<E> {
    match e {
        LedgerError::Unavailable(source) => CommandError::Unavailable(source),
        LedgerError::Internal(source) => CommandError::Internal(source),
    }
}

fn from_store<E: std::error::Error>(
    error: AggregateError<E>,
    conflict: impl FnOnce() -> CommandError<E>,
) -> CommandError<E> {
    match error {
        AggregateError::UserError(e) => CommandError::Rejected(e),
        AggregateError::AggregateConflict => conflict(),
        AggregateError::DatabaseConnectionError(source) => CommandError::Unavailable(source),
        AggregateError::DeserializationError(source) | AggregateError::UnexpectedError(source) => {
            CommandError::Internal(source)
        }
    }
}

/// SHA-256 of what identifies a request: aggregate type, use case, target and input
/// (with its personal data blinded by [`CommandRunner::blind`]).
fn fingerprint<R: Serialize>(
    aggregate_type: &str,
    request: &Request<'_, R>,
) -> Result<String, serde_json::Error> {
    let body = serde_json::to_vec(&(
        aggregate_type,
        request.command_name,
        &request.aggregate_id,
        request.input,
    ))?;
    Ok(format!("{:x}", Sha256::digest(body)))
}

impl CommandRunner {
    /// An executor over a ledger, a clock and the personal-data keys.
    pub fn new(
        ledger: Arc<dyn CommandLedger>,
        clock: Arc<dyn Clock>,
        personal_data: Arc<dyn PersonalDataKeys>,
        retry: RetryPolicy,
    ) -> Self {
        CommandRunner {
            ledger,
            clock,
            personal_data,
            retry,
            in_flight: Arc::new(tokio::sync::Semaphore::new(
                tokio::sync::Semaphore::MAX_PERMITS,
            )),
        }
    }

    /// Runs at most `commands` commands at once; the others wait their turn. A
    /// command holds two database connections at its peak (the ledger's lease and
    /// the store's), so a pool of N connections admits N / 2: more would let every
    /// command hold its lease while waiting for a second connection that never
    /// frees up.
    pub fn with_max_in_flight(mut self, commands: usize) -> Self {
        self.in_flight = Arc::new(tokio::sync::Semaphore::new(commands.max(1)));
        self
    }

    /// The clock commands take their time from.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// `input` as it is fingerprinted: its personal data at `pointer` (a JSON
    /// pointer; `""` is all of it) replaced by a keyed digest under `subject`'s key,
    /// or by null when there is no subject or it was erased. A retry with the same
    /// data still matches, and once the key is destroyed no stored fingerprint
    /// (ledger row or event metadata) can confirm a guess at the data.
    pub(crate) async fn blind<R: Serialize, E: std::error::Error>(
        &self,
        tenant_id: TenantId,
        subject: Option<&str>,
        input: &R,
        pointer: &str,
    ) -> Result<Value, CommandError<E>> {
        let mut value =
            serde_json::to_value(input).map_err(|e| CommandError::Internal(Box::new(e)))?;
        if let Some(personal) = value.pointer_mut(pointer) {
            let digest = match subject {
                Some(subject) => self
                    .personal_data
                    .digest(tenant_id, subject, personal.to_string().as_bytes())
                    .await
                    .map_err(unavailable)?,
                None => None,
            };
            *personal = digest.map_or(Value::Null, Value::String);
        }
        Ok(value)
    }

    /// Runs `build`'s command against the aggregate `request.aggregate_id`:
    /// under a lease on the idempotency key (a retry gets the first outcome
    /// back), decided and committed by [`CommandRunner::decide_and_commit`],
    /// its outcome recorded in the ledger whether it was accepted or rejected.
    #[tracing::instrument(name = "command", skip_all, fields(tenant_id = %ctx.tenant_id(), aggregate_id = %request.aggregate_id, command = request.command_name, command_id = tracing::field::Empty))]
    pub(crate) async fn run<A, R>(
        &self,
        store: &dyn AggregateStore<A>,
        ctx: &CommandContext,
        request: Request<'_, R>,
        build: impl Fn(Option<&Reservation>) -> A::Command,
    ) -> Result<CommandOutcome, CommandError<A::Error>>
    where
        A: Decide + TenantOwned + 'static,
        A::Error: Serialize + DeserializeOwned,
        R: Serialize,
    {
        let Some(key) = idempotency_key(&ctx.idempotency_key) else {
            return Err(CommandError::InvalidRequest(format!(
                "an idempotency key of 1 to {MAX_IDEMPOTENCY_KEY_LEN} characters is required"
            )));
        };
        let fingerprint =
            fingerprint(A::TYPE, &request).map_err(|e| CommandError::Internal(Box::new(e)))?;
        let _slot = self
            .in_flight
            .acquire()
            .await
            .map_err(|e| CommandError::Internal(Box::new(e)))?;
        let mut lease = self
            .ledger
            .begin(ctx.tenant_id(), key, A::TYPE, request.series.as_deref())
            .await
            .map_err(unavailable)?;
        if let Some(previous) = lease.previous() {
            return replay::<A>(key, &fingerprint, previous);
        }
        let number = lease.reservation().cloned();
        if request.series.is_some() && number.is_none() {
            return Err(CommandError::Internal(
                "the ledger reserved no document number".into(),
            ));
        }
        let command_id = Uuid::now_v7();
        tracing::Span::current().record("command_id", tracing::field::display(command_id));
        let metadata = ctx.metadata(
            command_id,
            request.command_name,
            &fingerprint,
            self.clock.now(),
        );
        let aggregate_id = request.aggregate_id;
        let decided = self
            .decide_and_commit(
                store,
                ctx,
                &aggregate_id,
                || build(number.as_ref()),
                metadata,
            )
            .await;
        let (version, wrote) = match decided? {
            Ok(written) => written,
            Err(rejection) => {
                let recorded = rejected::<A>(&fingerprint, &aggregate_id, &rejection)?;
                if let Err(e) = lease.finish(A::TYPE, &recorded).await {
                    tracing::warn!(error = %e, "could not record a rejection; a retry will decide again");
                }
                return Err(CommandError::Rejected(rejection));
            }
        };
        let position = if wrote {
            committed_position(lease.as_mut(), A::TYPE, &aggregate_id, version).await
        } else {
            None
        };
        let recorded = Recorded {
            fingerprint,
            aggregate_id: aggregate_id.clone(),
            outcome: StoredOutcome::Completed { version, position },
        };
        if let Err(e) = lease.finish(A::TYPE, &recorded).await {
            // The events carry the idempotency key; a retry finds them there.
            tracing::warn!(error = %e, "committed, but could not record the outcome in the ledger");
        }
        Ok(CommandOutcome {
            aggregate_type: A::TYPE.into(),
            aggregate_id,
            version,
            position,
            replayed: false,
        })
    }

    /// Loads the aggregate, decides `command()` and commits its events with
    /// `metadata`; on losing a race with a concurrent writer, loads and
    /// decides again (bounded, with jittered backoff), unless the caller
    /// pinned an expected version.
    async fn decide_and_commit<A: Decide + TenantOwned + 'static>(
        &self,
        store: &dyn AggregateStore<A>,
        ctx: &CommandContext,
        aggregate_id: &str,
        command: impl Fn() -> A::Command,
        metadata: HashMap<String, String>,
    ) -> Result<Decision<A::Error>, CommandError<A::Error>> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let context = store.load(aggregate_id).await.map_err(|e| {
                from_store(e, || {
                    CommandError::Internal("conflict reported while loading".into())
                })
            })?;
            let actual = context.current_sequence as u64;
            check_loaded(&context.aggregate, ctx, actual)?;
            let events = match context.aggregate.decide(command()) {
                Ok(events) => events,
                Err(rejection) => return Ok(Err(rejection)),
            };
            if events.is_empty() {
                return Ok(Ok((actual, false)));
            }
            match store.commit(events, context, metadata.clone()).await {
                Ok(written) => {
                    let version = written.last().map_or(actual, |e| e.sequence as u64);
                    return Ok(Ok((version, true)));
                }
                Err(AggregateError::AggregateConflict)
                    if ctx.expected_version.is_none() && attempt < self.retry.max_attempts =>
                {
                    let ceiling = self.retry.max_backoff_ms.min(1 << attempt.min(6)).max(1);
                    tokio::time::sleep(Duration::from_millis(fastrand::u64(0..=ceiling))).await;
                    tracing::debug!(attempt, "concurrent write; deciding again");
                }
                Err(e) => {
                    return Err(from_store(e, || CommandError::Conflict {
                        aggregate_type: A::TYPE.into(),
                        expected: ctx.expected_version,
                        actual,
                    }))
                }
            }
        }
    }
}

/// What deciding a command came to: the aggregate's version after it and
/// whether anything was written, or the aggregate's refusal.
type Decision<E> = Result<(u64, bool), E>;

/// Refuses a loaded aggregate another tenant owns (as not found: it does not
/// exist as far as this caller knows), or one at another version than the
/// caller expects.
fn check_loaded<A: Decide + TenantOwned>(
    aggregate: &A,
    ctx: &CommandContext,
    actual: u64,
) -> Result<(), CommandError<A::Error>> {
    if aggregate
        .tenant()
        .is_some_and(|owner| owner != ctx.tenant_id())
    {
        return Err(CommandError::NotFound {
            aggregate_type: A::TYPE.into(),
        });
    }
    match ctx.expected_version {
        Some(expected) if expected != actual => Err(CommandError::Conflict {
            aggregate_type: A::TYPE.into(),
            expected: Some(expected),
            actual,
        }),
        _ => Ok(()),
    }
}

/// The ledger's record of a rejection, so a retry gets the same refusal.
fn rejected<A: Decide>(
    fingerprint: &str,
    aggregate_id: &str,
    rejection: &A::Error,
) -> Result<Recorded, CommandError<A::Error>>
where
    A::Error: Serialize,
{
    let error = serde_json::to_value(rejection).map_err(|e| CommandError::Internal(Box::new(e)))?;
    Ok(Recorded {
        fingerprint: fingerprint.to_owned(),
        aggregate_id: aggregate_id.to_owned(),
        outcome: StoredOutcome::Rejected { error },
    })
}

/// The feed position of the event at `version`: the consistency token. The
/// events are committed, so a failure here only leaves the token out.
async fn committed_position(
    lease: &mut dyn CommandLease,
    aggregate_type: &str,
    aggregate_id: &str,
    version: u64,
) -> Option<i64> {
    match lease
        .position_of(aggregate_type, aggregate_id, version)
        .await
    {
        Ok(position) => position,
        Err(e) => {
            tracing::warn!(error = %e, "committed, but could not read the feed position");
            None
        }
    }
}

fn replay<A>(
    key: &str,
    fingerprint: &str,
    previous: &Recorded,
) -> Result<CommandOutcome, CommandError<A::Error>>
where
    A: Decide,
    A::Error: DeserializeOwned,
{
    if previous.fingerprint != fingerprint {
        return Err(CommandError::IdempotencyKeyReused {
            key: key.to_owned(),
        });
    }
    match &previous.outcome {
        StoredOutcome::Completed { version, position } => Ok(CommandOutcome {
            aggregate_type: A::TYPE.into(),
            aggregate_id: previous.aggregate_id.clone(),
            version: *version,
            position: *position,
            replayed: true,
        }),
        StoredOutcome::Rejected { error } => {
            let rejection: A::Error = serde_json::from_value(error.clone())
                .map_err(|e| CommandError::Internal(Box::new(e)))?;
            Err(CommandError::Rejected(rejection))
        }
    }
}
