//! The hash chains, as pure functions: what an event's hash covers, how the chains
//! fold, and the checker that walks events and reports every break. The database
//! computes the same per-stream hash at insert (migration `..._audit_chain.sql`);
//! this is the independent recomputation an auditor runs.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use super::AuditError;

/// A SHA-256 hash, shown as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The 32 zero bytes a stream's first event (and every chain) starts from.
    pub const ZERO: Hash = Hash([0; 32]);

    /// SHA-256 over `previous` then `content`.
    pub fn chain(previous: &Hash, content: &[u8]) -> Hash {
        let mut hasher = Sha256::new();
        hasher.update(previous.0);
        hasher.update(content);
        Hash(hasher.finalize().into())
    }

    /// The hash of stored bytes, refusing anything but 32 of them.
    pub fn from_bytes(bytes: &[u8]) -> Result<Hash, AuditError> {
        <[u8; 32]>::try_from(bytes)
            .map(Hash)
            .map_err(|_| AuditError::Malformed(format!("a hash of {} bytes", bytes.len())))
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({self})")
    }
}

impl FromStr for Hash {
    type Err = AuditError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes =
            hex::decode(s).map_err(|_| AuditError::Malformed(format!("hash {s:?} is not hex")))?;
        Hash::from_bytes(&bytes)
    }
}

impl Serialize for Hash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// `recorded_at` as the hash covers it: UTC, microseconds, `Z`.
pub fn canonical_time(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// One stored event as the audit sees it: payload and metadata kept as the exact
/// text the database hashed (jsonb's canonical text form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AuditedEvent {
    /// Position in the global feed.
    pub global_position: i64,
    /// The writing transaction (the feed orders by it first).
    pub transaction_id: i64,
    /// The tenant that wrote it (from its metadata).
    pub tenant_id: Uuid,
    /// Aggregate type, e.g. `Invoice`.
    pub aggregate_type: String,
    /// Aggregate id.
    pub aggregate_id: String,
    /// Sequence within the aggregate, from 1.
    pub sequence: i64,
    /// Event type.
    pub event_type: String,
    /// Event schema version.
    pub event_version: String,
    /// When the database recorded it.
    pub recorded_at: DateTime<Utc>,
    /// The payload's canonical JSON text.
    #[serde(with = "raw_json")]
    pub payload: String,
    /// The metadata's canonical JSON text.
    #[serde(with = "raw_json")]
    pub metadata: String,
    /// The stored hash of the stream's previous event.
    #[sqlx(try_from = "Vec<u8>")]
    pub previous_hash: Hash,
    /// The stored hash of this event.
    #[sqlx(try_from = "Vec<u8>")]
    pub hash: Hash,
}

/// A hash column as stored: 32 bytes, or an error naming what it holds instead.
impl TryFrom<Vec<u8>> for Hash {
    type Error = AuditError;

    fn try_from(bytes: Vec<u8>) -> Result<Self, Self::Error> {
        Hash::from_bytes(&bytes)
    }
}

impl AuditedEvent {
    /// The bytes its hash covers besides the previous hash: each field as
    /// `<byte length>:<text>`, in the order the migration's
    /// `event_canonical_content` uses.
    pub fn canonical_content(&self) -> Vec<u8> {
        let fields = [
            self.aggregate_type.as_str(),
            self.aggregate_id.as_str(),
            &self.sequence.to_string(),
            self.event_type.as_str(),
            self.event_version.as_str(),
            self.payload.as_str(),
            self.metadata.as_str(),
            &canonical_time(&self.recorded_at),
        ];
        let mut content = Vec::with_capacity(fields.iter().map(|f| f.len() + 8).sum());
        for field in fields {
            content.extend_from_slice(field.len().to_string().as_bytes());
            content.push(b':');
            content.extend_from_slice(field.as_bytes());
        }
        content
    }

    /// What its hash must be, chained from `previous`.
    pub fn expected_hash(&self, previous: &Hash) -> Hash {
        Hash::chain(previous, &self.canonical_content())
    }

    /// `Type/id`, how reports name its stream.
    pub fn stream(&self) -> String {
        format!("{}/{}", self.aggregate_type, self.aggregate_id)
    }
}

/// Serialises a JSON text verbatim (not re-encoded as a string), and reads it back
/// byte for byte, so an exported event hashes as it did in the database.
mod raw_json {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::value::RawValue;

    pub fn serialize<S: Serializer>(text: &str, serializer: S) -> Result<S::Ok, S::Error> {
        RawValue::from_string(text.to_owned())
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(|raw| raw.get().to_owned())
    }
}

/// A fold of event hashes in order: `chain = SHA-256(chain ‖ hash)` from zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fold {
    /// Events folded in.
    pub events: u64,
    /// The chain so far.
    pub chain: Hash,
}

impl Fold {
    /// Folds one more event hash in.
    pub fn push(&mut self, hash: &Hash) {
        self.events += 1;
        self.chain = Hash::chain(&self.chain, &hash.0);
    }
}

/// The head of the global chain at one feed position: what `folio audit digest`
/// prints and an auditor keeps. Written `folio-audit-v1:<events>:<transaction
/// id>:<global position>:<chain>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedDigest {
    /// Events in the feed up to and including the position.
    pub events: u64,
    /// Transaction id of the last event covered (0 for an empty store).
    pub transaction_id: i64,
    /// Global position of the last event covered (0 for an empty store).
    pub global_position: i64,
    /// The global chain over those events' hashes, in feed order.
    pub chain: Hash,
}

impl FeedDigest {
    const PREFIX: &'static str = "folio-audit-v1";

    /// The digest of an empty store.
    pub fn empty() -> Self {
        FeedDigest {
            events: 0,
            transaction_id: 0,
            global_position: 0,
            chain: Hash::ZERO,
        }
    }

    /// The digest after `fold`, whose last event is at `transaction_id`,
    /// `global_position`.
    pub fn at(fold: &Fold, transaction_id: i64, global_position: i64) -> Self {
        FeedDigest {
            events: fold.events,
            transaction_id,
            global_position,
            chain: fold.chain,
        }
    }

    fn position(&self) -> (i64, i64) {
        (self.transaction_id, self.global_position)
    }
}

impl fmt::Display for FeedDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}:{}:{}",
            Self::PREFIX,
            self.events,
            self.transaction_id,
            self.global_position,
            self.chain
        )
    }
}

impl FromStr for FeedDigest {
    type Err = AuditError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let malformed = || {
            AuditError::Malformed(format!(
                "{s:?} is not a digest ({}:<events>:<transaction id>:<position>:<hash>)",
                Self::PREFIX
            ))
        };
        let parts: Vec<&str> = s.trim().split(':').collect();
        let [prefix, events, transaction_id, global_position, chain] = parts[..] else {
            return Err(malformed());
        };
        if prefix != Self::PREFIX {
            return Err(malformed());
        }
        Ok(FeedDigest {
            events: events.parse().map_err(|_| malformed())?,
            transaction_id: transaction_id.parse().map_err(|_| malformed())?,
            global_position: global_position.parse().map_err(|_| malformed())?,
            chain: chain.parse().map_err(|_| malformed())?,
        })
    }
}

/// Why the history is not what was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BreakReason {
    /// The event's content (or its sequence) is not what its hash covers.
    #[error("its content does not match its hash: it was changed after it was written")]
    ContentChanged,
    /// The stored link to the predecessor is not the predecessor's hash.
    #[error("its previous hash is not the hash of sequence {0}: an earlier event was changed, removed or replaced")]
    BrokenLink(i64),
    /// Sequences are missing before this event.
    #[error("sequences {from} to {to} are missing: events were deleted")]
    Missing {
        /// First missing sequence.
        from: i64,
        /// Last missing sequence.
        to: i64,
    },
    /// The event comes after a sequence at or beyond its own.
    #[error("it comes after sequence {0} of the same stream: events were reordered or duplicated")]
    OutOfOrder(i64),
    /// The event a kept digest points at is not in the store.
    #[error("the event at the digest's position ({0}) is gone")]
    DigestPositionGone(String),
    /// The history up to a kept digest's position is not what it was.
    #[error("the history up to the digest's position differs from it ({found} events now, {kept} when the digest was taken): events were removed, added or changed before it")]
    DigestMismatch {
        /// Events then.
        kept: u64,
        /// Events now.
        found: u64,
    },
    /// An export's events do not fold to the digest at its end.
    #[error("the export's events do not match the digest at its end: lines were removed, added, reordered or changed")]
    ExportDigestMismatch,
    /// An export has no digest at its end.
    #[error("the export has no digest at its end: it was cut short")]
    ExportNotSealed,
}

/// One place where the history is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The stream (`Type/id`), if the break is inside one.
    pub stream: Option<String>,
    /// Its sequence, if the break is at an event.
    pub sequence: Option<i64>,
    /// Its global position, if the break is at an event.
    pub global_position: Option<i64>,
    /// What is wrong.
    pub reason: BreakReason,
}

impl Break {
    fn at(event: &AuditedEvent, reason: BreakReason) -> Self {
        Break {
            stream: Some(event.stream()),
            sequence: Some(event.sequence),
            global_position: Some(event.global_position),
            reason,
        }
    }

    fn global(reason: BreakReason) -> Self {
        Break {
            stream: None,
            sequence: None,
            global_position: None,
            reason,
        }
    }
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.stream, self.sequence, self.global_position) {
            (Some(stream), Some(sequence), Some(position)) => write!(
                f,
                "stream {stream}, sequence {sequence} (position {position}): {}",
                self.reason
            ),
            _ => write!(f, "global chain: {}", self.reason),
        }
    }
}

/// Where the events checked begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// The whole store: every stream starts at sequence 1 from the zero hash.
    WholeStore,
    /// An export, which may begin a stream part-way (a time range): a stream's
    /// first event in it links to a predecessor it does not hold.
    Excerpt,
}

/// Breaks kept in full; more are counted.
const BREAKS_KEPT: usize = 1_000;

/// Walks events in feed order and checks every chain: each stream's sequences,
/// links and hashes, and the global fold against a kept digest.
#[derive(Debug)]
pub struct ChainChecker {
    coverage: Coverage,
    since: Option<FeedDigest>,
    since_seen: bool,
    streams: HashMap<(String, String), (i64, Hash)>,
    fold: Fold,
    head: FeedDigest,
    breaks: Vec<Break>,
    breaks_found: u64,
}

impl ChainChecker {
    /// A checker over `coverage`, also checking the global chain against `since`.
    pub fn new(coverage: Coverage, since: Option<FeedDigest>) -> Self {
        ChainChecker {
            coverage,
            since,
            since_seen: false,
            streams: HashMap::new(),
            fold: Fold::default(),
            head: FeedDigest::empty(),
            breaks: Vec::new(),
            breaks_found: 0,
        }
    }

    fn report(&mut self, broken: Break) {
        self.breaks_found += 1;
        if self.breaks.len() < BREAKS_KEPT {
            self.breaks.push(broken);
        }
    }

    /// Checks the next event in feed order.
    pub fn check(&mut self, event: &AuditedEvent) {
        let key = (event.aggregate_type.clone(), event.aggregate_id.clone());
        let known = self.streams.get(&key).copied();
        let expected_previous = match known {
            Some((last, hash)) => {
                if event.sequence <= last {
                    self.report(Break::at(event, BreakReason::OutOfOrder(last)));
                } else if event.sequence > last + 1 {
                    self.report(Break::at(
                        event,
                        BreakReason::Missing {
                            from: last + 1,
                            to: event.sequence - 1,
                        },
                    ));
                }
                Some(hash)
            }
            None if event.sequence == 1 => Some(Hash::ZERO),
            None if self.coverage == Coverage::WholeStore => {
                self.report(Break::at(
                    event,
                    BreakReason::Missing {
                        from: 1,
                        to: event.sequence - 1,
                    },
                ));
                None
            }
            None => None,
        };
        // A link is checked once the sequences around it are in order; a reported
        // gap or reordering already names the cause.
        let in_order = known.is_none_or(|(last, _)| event.sequence == last + 1);
        if let Some(previous) = expected_previous.filter(|_| in_order) {
            if event.previous_hash != previous {
                self.report(Break::at(
                    event,
                    BreakReason::BrokenLink(event.sequence - 1),
                ));
            }
        }
        // The content is checked against the link as stored, so one changed event
        // is reported once, not again at every later event of its stream.
        if event.expected_hash(&event.previous_hash) != event.hash {
            self.report(Break::at(event, BreakReason::ContentChanged));
        }
        self.streams.insert(key, (event.sequence, event.hash));

        self.fold.push(&event.hash);
        self.head = FeedDigest::at(&self.fold, event.transaction_id, event.global_position);
        if let Some(since) = self.since.filter(|_| !self.since_seen) {
            let position = (event.transaction_id, event.global_position);
            if position == since.position() {
                self.since_seen = true;
                if self.head != since {
                    self.report(Break::global(BreakReason::DigestMismatch {
                        kept: since.events,
                        found: self.fold.events,
                    }));
                }
            } else if position > since.position() {
                self.since_seen = true;
                self.report(Break::global(BreakReason::DigestPositionGone(format!(
                    "transaction {}, position {}",
                    since.transaction_id, since.global_position
                ))));
            }
        }
    }

    /// The verdict once every event has been checked.
    pub fn finish(mut self) -> Verification {
        if let Some(since) = self.since.filter(|_| !self.since_seen) {
            if since.events > 0 {
                self.report(Break::global(BreakReason::DigestPositionGone(format!(
                    "transaction {}, position {}",
                    since.transaction_id, since.global_position
                ))));
            }
        }
        Verification {
            events: self.fold.events,
            streams: self.streams.len(),
            head: self.head,
            breaks: self.breaks,
            breaks_found: self.breaks_found,
        }
    }

    /// Records a break found outside the chains (an export's seal).
    pub fn report_global(&mut self, reason: BreakReason) {
        self.report(Break::global(reason));
    }

    /// The fold so far (an export's chain).
    pub fn fold(&self) -> Fold {
        self.fold
    }
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Events checked.
    pub events: u64,
    /// Streams checked.
    pub streams: usize,
    /// The global chain's head after the last event checked.
    pub head: FeedDigest,
    /// The first breaks, in the order found (at most a thousand).
    pub breaks: Vec<Break>,
    /// How many breaks there are in all.
    pub breaks_found: u64,
}

impl Verification {
    /// Whether every chain held.
    pub fn is_clean(&self) -> bool {
        self.breaks_found == 0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn event(sequence: i64, previous_hash: Hash) -> AuditedEvent {
        let mut event = AuditedEvent {
            global_position: sequence,
            transaction_id: 700 + sequence,
            tenant_id: Uuid::nil(),
            aggregate_type: "Invoice".into(),
            aggregate_id: "a".into(),
            sequence,
            event_type: "InvoiceSent".into(),
            event_version: "1".into(),
            recorded_at: DateTime::from_timestamp(1_795_000_000, 123_456_000).unwrap(),
            payload: r#"{"InvoiceSent": {"recipient": "ü@example.com"}}"#.into(),
            metadata: "{}".into(),
            previous_hash,
            hash: Hash::ZERO,
        };
        event.hash = event.expected_hash(&previous_hash);
        event
    }

    #[test]
    fn fields_are_length_prefixed_in_bytes() {
        let content = String::from_utf8(event(1, Hash::ZERO).canonical_content()).unwrap();
        assert_eq!(
            content,
            "7:Invoice1:a1:111:InvoiceSent1:148:{\"InvoiceSent\": {\"recipient\": \"ü@example.com\"}}2:{}27:2026-11-18T11:06:40.123456Z"
        );
    }

    #[test]
    fn a_digest_reads_back_as_written_and_refuses_anything_else() {
        let digest = FeedDigest {
            events: 12,
            transaction_id: 745,
            global_position: 40,
            chain: Hash::chain(&Hash::ZERO, b"x"),
        };
        assert_eq!(digest.to_string().parse::<FeedDigest>().unwrap(), digest);
        for bad in [
            "",
            "folio-audit-v1:12:745:40",
            "folio-audit-v2:12:745:40:00",
            "folio-audit-v1:x:745:40:00",
            "folio-audit-v1:12:745:40:abc",
        ] {
            assert!(bad.parse::<FeedDigest>().is_err(), "{bad}");
        }
    }

    #[test]
    fn an_intact_chain_is_clean_and_each_kind_of_damage_is_named() {
        let first = event(1, Hash::ZERO);
        let second = event(2, first.hash);
        let third = event(3, second.hash);
        let check = |events: &[&AuditedEvent]| {
            let mut checker = ChainChecker::new(Coverage::WholeStore, None);
            for e in events {
                checker.check(e);
            }
            checker.finish()
        };
        assert!(check(&[&first, &second, &third]).is_clean());

        let mut changed = second.clone();
        changed.payload = "{}".into();
        let found = check(&[&first, &changed, &third]);
        assert_eq!(found.breaks_found, 1);
        assert_eq!(found.breaks[0].reason, BreakReason::ContentChanged);

        let found = check(&[&first, &third]);
        assert_eq!(
            found.breaks[0].reason,
            BreakReason::Missing { from: 2, to: 2 }
        );

        let found = check(&[&second, &third]);
        assert_eq!(
            found.breaks[0].reason,
            BreakReason::Missing { from: 1, to: 1 }
        );

        let relinked = event(3, Hash::chain(&Hash::ZERO, b"another second"));
        let found = check(&[&first, &second, &relinked]);
        assert_eq!(found.breaks[0].reason, BreakReason::BrokenLink(2));
    }

    #[test]
    fn a_kept_digest_must_be_reached_with_the_same_chain() {
        let first = event(1, Hash::ZERO);
        let second = event(2, first.hash);
        let mut checker = ChainChecker::new(Coverage::WholeStore, None);
        checker.check(&first);
        let kept = checker.finish().head;

        let mut later = ChainChecker::new(Coverage::WholeStore, Some(kept));
        later.check(&first);
        later.check(&second);
        assert!(later.finish().is_clean());

        let mut without_first = ChainChecker::new(Coverage::Excerpt, Some(kept));
        without_first.check(&second);
        let found = without_first.finish();
        assert!(matches!(
            found.breaks[0].reason,
            BreakReason::DigestPositionGone(_)
        ));
    }
}
