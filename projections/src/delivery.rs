//! Exactly-once effect over an at-least-once, partitioned transport (Kafka).
//!
//! Messages arrive per partition, in order within an aggregate but not across
//! aggregates, and may arrive twice (after a crash or a rebalance). One transaction
//! per batch applies the events, records the transport offsets consumed and any
//! dead letters, and moves the projector's feed checkpoint to the highest position
//! below which every event it reads is applied (its *watermark*), so
//! read-your-writes, status and health mean the same in both modes.
//!
//! A message that cannot be decoded or applied is a dead letter. Later events of
//! its aggregate are parked behind it (dead-lettered too, marked `parked`), so the
//! read model never applies an aggregate's events out of order; a rebuild of the
//! projector clears them once the cause is fixed.

use std::collections::{BTreeMap, HashSet};

use sqlx::PgConnection;

use crate::checkpoint::{advance, Checkpoint};
use crate::feed::{FeedEvent, FeedPosition};
use crate::projector::{apply_events, stream_guard_table, Applied, ProjectionError, Projector};

/// One message as the transport delivered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// Topic it came from.
    pub topic: String,
    /// Partition it came from.
    pub partition: i32,
    /// Its offset in the partition.
    pub offset: i64,
    /// The message body: a [`FeedEvent`] as JSON, if the relay wrote it.
    pub payload: Vec<u8>,
    /// Its `traceparent` header: the trace of the request that wrote the event.
    pub trace_parent: Option<String>,
}

/// A message the projector did not apply, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// The message as the broker delivered it, to publish on the dead-letter topic.
    pub delivered: Delivered,
    /// The event, when its envelope could be decoded.
    pub event: Option<FeedEvent>,
    /// Why it was not applied.
    pub reason: String,
    /// Whether it is held back only because an earlier event of its aggregate is
    /// a dead letter.
    pub parked: bool,
}

/// What applying a batch of deliveries did.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryOutcome {
    /// Events applied, skipped as duplicates, or not read by the projector.
    pub applied: Applied,
    /// Messages turned into dead letters (to be published before the commit).
    pub dead_letters: Vec<DeadLetter>,
    /// The projector's feed checkpoint after the batch.
    pub watermark: FeedPosition,
}

/// Whether an error is about the event (applying it again will fail again) rather
/// than the moment (the database is down, a deadlock): only the former is
/// dead-lettered; the latter is retried.
pub fn is_poison(error: &ProjectionError) -> bool {
    match error {
        ProjectionError::Decode { .. }
        | ProjectionError::Gap { .. }
        | ProjectionError::MissingRow { .. } => true,
        ProjectionError::NotInstalled(_) => false,
        // Folio's own bug, not the event's: the projector stops and says so until
        // fixed, instead of skipping an event it should have filed.
        ProjectionError::Unfiled { .. } => false,
        // Data exceptions (22) and integrity violations (23) come from the event's
        // content; anything else (connection, serialization, deadlock) is transient.
        ProjectionError::Sql(sqlx::Error::Database(db)) => db
            .code()
            .is_some_and(|code| code.starts_with("22") || code.starts_with("23")),
        ProjectionError::Sql(_) => false,
    }
}

/// Applies `messages` with `projector`, inside the caller's transaction (which it
/// enters the live schema of), records the offsets consumed by `consumer_group`
/// (as written by `instance`) and the dead letters, and moves the watermark. The
/// caller publishes the dead letters and then commits.
///
/// Long on purpose (about 115 lines): the parking of an aggregate behind a dead
/// letter, the stream guard and the offsets must be decided message by message in
/// one pass, in the batch's order.
pub async fn apply_delivered(
    conn: &mut PgConnection,
    projector: &dyn Projector,
    consumer_group: &str,
    instance: &str,
    messages: Vec<Delivered>,
) -> Result<DeliveryOutcome, ProjectionError> {
    // The checkpoint lock serialises this batch with a rebuild's swap and with
    // other instances moving the watermark.
    let checkpoint = Checkpoint::lock(conn, projector.name())
        .await?
        .ok_or_else(|| ProjectionError::NotInstalled(projector.name().to_owned()))?;
    crate::Target::live().enter(conn).await?;
    // Each envelope is decoded once: for the parked lookup and for applying.
    let decoded: Vec<(Delivered, Result<FeedEvent, serde_json::Error>)> = messages
        .into_iter()
        .map(|message| {
            let event = serde_json::from_slice(&message.payload);
            (message, event)
        })
        .collect();
    let ids: Vec<&str> = decoded
        .iter()
        .filter_map(|(_, event)| event.as_ref().ok())
        .map(|event| event.aggregate_id.as_str())
        .collect();
    let mut parked = parked_aggregates(conn, projector, &ids).await?;
    let mut outcome = DeliveryOutcome {
        applied: Applied::default(),
        dead_letters: Vec::new(),
        watermark: checkpoint.position,
    };
    let mut next_offsets: BTreeMap<(String, i32), i64> = BTreeMap::new();
    for (message, event) in decoded {
        let next = next_offsets
            .entry((message.topic.clone(), message.partition))
            .or_insert(message.offset + 1);
        *next = (*next).max(message.offset + 1);
        let event = match event {
            Ok(event) => event,
            Err(error) => {
                outcome.dead_letters.push(DeadLetter {
                    delivered: message,
                    event: None,
                    reason: format!("not a Folio event envelope: {error}"),
                    parked: false,
                });
                continue;
            }
        };
        let stream = (event.aggregate_type.clone(), event.aggregate_id.clone());
        if parked.contains(&stream) {
            outcome.dead_letters.push(DeadLetter {
                delivered: message,
                reason: format!(
                    "parked: an earlier event of {}/{} is a dead letter; rebuild `{}` once it is fixed",
                    event.aggregate_type,
                    event.aggregate_id,
                    projector.name()
                ),
                event: Some(event),
                parked: true,
            });
            continue;
        }
        sqlx::query("SAVEPOINT delivered_event")
            .execute(&mut *conn)
            .await?;
        match apply_events(conn, projector, std::slice::from_ref(&event)).await {
            Ok(applied) => {
                outcome.applied.applied += applied.applied;
                outcome.applied.duplicates += applied.duplicates;
                outcome.applied.ignored += applied.ignored;
                sqlx::query("RELEASE SAVEPOINT delivered_event")
                    .execute(&mut *conn)
                    .await?;
            }
            Err(error) if is_poison(&error) => {
                sqlx::query("ROLLBACK TO SAVEPOINT delivered_event")
                    .execute(&mut *conn)
                    .await?;
                parked.insert(stream);
                outcome.dead_letters.push(DeadLetter {
                    delivered: message,
                    reason: poison_reason(&error),
                    event: Some(event),
                    parked: false,
                });
            }
            Err(error) => return Err(error),
        }
    }
    for letter in &outcome.dead_letters {
        record_dead_letter(conn, projector, letter).await?;
    }
    for ((topic, partition), next_offset) in next_offsets {
        sqlx::query(
            "INSERT INTO public.kafka_offsets (consumer_group, topic, partition, next_offset, written_by)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (consumer_group, topic, partition) DO UPDATE
             SET next_offset = greatest(kafka_offsets.next_offset, excluded.next_offset),
                 written_by = excluded.written_by, updated_at = now()",
        )
        .bind(consumer_group)
        .bind(&topic)
        .bind(partition)
        .bind(next_offset)
        .bind(instance)
        .execute(&mut *conn)
        .await?;
    }
    outcome.watermark = advance_watermark(conn, projector, checkpoint.position).await?;
    Ok(outcome)
}

/// The error's message with its causes (a database error's own text included).
fn poison_reason(error: &ProjectionError) -> String {
    match error {
        ProjectionError::Sql(cause) => format!("{error}: {cause}"),
        _ => error.to_string(),
    }
}

/// The streams among aggregates `ids` that already have a dead letter for
/// `projector`.
async fn parked_aggregates(
    conn: &mut PgConnection,
    projector: &dyn Projector,
    ids: &[&str],
) -> Result<HashSet<(String, String)>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT aggregate_type, aggregate_id FROM public.kafka_dead_letters
         WHERE projector = $1 AND aggregate_id = ANY($2) AND aggregate_type IS NOT NULL",
    )
    .bind(projector.name())
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().collect())
}

async fn record_dead_letter(
    conn: &mut PgConnection,
    projector: &dyn Projector,
    letter: &DeadLetter,
) -> Result<(), sqlx::Error> {
    let event = letter.event.as_ref();
    sqlx::query(
        "INSERT INTO public.kafka_dead_letters
             (projector, topic, partition, kafka_offset, aggregate_type, aggregate_id, sequence,
              global_position, event_type, reason, parked)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (projector, topic, partition, kafka_offset) DO NOTHING",
    )
    .bind(projector.name())
    .bind(&letter.delivered.topic)
    .bind(letter.delivered.partition)
    .bind(letter.delivered.offset)
    .bind(event.map(|e| &e.aggregate_type))
    .bind(event.map(|e| &e.aggregate_id))
    .bind(event.map(|e| e.sequence))
    .bind(event.map(|e| e.position.global_position))
    .bind(event.map(|e| &e.event_type))
    .bind(&letter.reason)
    .bind(letter.parked)
    .execute(conn)
    .await
    .map(drop)
}

/// Moves `projector`'s watermark over what it has applied, does not read, or
/// dead-lettered, inside the caller's transaction; for a consumer with nothing to
/// consume (events of other aggregate types, or events it applied before a
/// restart, still count towards its lag until it walks over them).
pub async fn advance_idle(
    conn: &mut PgConnection,
    projector: &dyn Projector,
) -> Result<FeedPosition, ProjectionError> {
    let checkpoint = Checkpoint::lock(conn, projector.name())
        .await?
        .ok_or_else(|| ProjectionError::NotInstalled(projector.name().to_owned()))?;
    crate::Target::live().enter(conn).await?;
    Ok(advance_watermark(conn, projector, checkpoint.position).await?)
}

/// Events examined per step of the watermark walk.
const WATERMARK_STEP: i64 = 1000;

/// Moves `projector`'s checkpoint from `from` over every following event of the
/// feed that it has applied, does not read, or dead-lettered, and stops at the
/// first one it still lacks. Returns the new checkpoint.
async fn advance_watermark(
    conn: &mut PgConnection,
    projector: &dyn Projector,
    from: FeedPosition,
) -> Result<FeedPosition, sqlx::Error> {
    let guard = stream_guard_table(projector);
    let walk = format!(
        "SELECT e.transaction_id::text::bigint, e.global_position,
                e.aggregate_type <> ALL($3)
                OR coalesce(g.version, 0) >= e.sequence
                OR EXISTS (SELECT 1 FROM public.kafka_dead_letters d
                           WHERE d.projector = $4 AND d.aggregate_type = e.aggregate_type
                             AND d.aggregate_id = e.aggregate_id AND d.sequence = e.sequence)
         FROM public.events e
         LEFT JOIN {guard} g ON g.aggregate_type = e.aggregate_type AND g.aggregate_id = e.aggregate_id
         WHERE (e.transaction_id, e.global_position) > ($1::text::xid8, $2)
           AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY e.transaction_id, e.global_position
         LIMIT {WATERMARK_STEP}"
    );
    let types: Vec<&str> = projector.aggregate_types().to_vec();
    let mut position = from;
    loop {
        let rows: Vec<(i64, i64, bool)> = sqlx::query_as(&walk)
            .bind(position.transaction_id.to_string())
            .bind(position.global_position)
            .bind(&types)
            .bind(projector.name())
            .fetch_all(&mut *conn)
            .await?;
        let complete = rows.len() as i64 == WATERMARK_STEP;
        let mut blocked = false;
        for (transaction_id, global_position, done) in rows {
            if !done {
                blocked = true;
                break;
            }
            position = FeedPosition {
                transaction_id,
                global_position,
            };
        }
        if blocked || !complete {
            break;
        }
    }
    if position != from {
        advance(conn, projector.name(), position).await?;
    }
    Ok(position)
}
