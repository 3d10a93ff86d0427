//! Who asks, on whose behalf, and what they got back.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use folio_domain::ids::{TenantId, UserId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::Caller;

/// Longest accepted idempotency key, in bytes.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 200;

/// `raw` as an idempotency key: trimmed, 1 to [`MAX_IDEMPOTENCY_KEY_LEN`] bytes;
/// `None` if it is not one. The one rule the runner and every edge apply.
pub fn idempotency_key(raw: &str) -> Option<&str> {
    let key = raw.trim();
    (!key.is_empty() && key.len() <= MAX_IDEMPOTENCY_KEY_LEN).then_some(key)
}

/// Everything about a request that is not the command itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandContext {
    /// Who asks, in which tenant, with which roles; the use case checks the roles.
    pub caller: Caller,
    /// Client-chosen key (1 to 200 characters): the same key in the same tenant
    /// gives the same outcome, however often the request is retried.
    pub idempotency_key: String,
    /// If set, the command fails with a conflict unless the aggregate is at this version.
    pub expected_version: Option<u64>,
    /// Groups the commands of one user action (defaults to the command id).
    pub correlation_id: Option<Uuid>,
    /// The command or event that caused this one, if any.
    pub causation_id: Option<Uuid>,
    /// The W3C `traceparent` of the request that runs the command, if traced:
    /// stored with the events, so the relay, the projectors and later side
    /// effects continue the same trace.
    pub trace_parent: Option<String>,
}

impl CommandContext {
    /// A context for `caller` with no expected version, correlation or causation.
    pub fn new(caller: Caller, idempotency_key: impl Into<String>) -> Self {
        CommandContext {
            caller,
            idempotency_key: idempotency_key.into(),
            expected_version: None,
            correlation_id: None,
            causation_id: None,
            trace_parent: None,
        }
    }

    /// The tenant the command acts in.
    pub fn tenant_id(&self) -> TenantId {
        self.caller.tenant_id
    }

    /// The user the command runs as (recorded as the events' actor).
    pub fn actor(&self) -> &UserId {
        &self.caller.user
    }

    /// The same context within the trace `trace_parent` (a W3C `traceparent`).
    pub fn traced(mut self, trace_parent: Option<String>) -> Self {
        self.trace_parent = trace_parent;
        self
    }

    /// The same context pinned to an expected aggregate version.
    pub fn expecting_version(mut self, version: u64) -> Self {
        self.expected_version = Some(version);
        self
    }

    /// The metadata stored with every event the command writes.
    pub(crate) fn metadata(
        &self,
        command_id: Uuid,
        command_name: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> HashMap<String, String> {
        let mut metadata = HashMap::from([
            ("tenant_id".to_owned(), self.caller.tenant_id.to_string()),
            ("actor".to_owned(), self.caller.user.to_string()),
            ("command_id".to_owned(), command_id.to_string()),
            ("command".to_owned(), command_name.to_owned()),
            ("idempotency_key".to_owned(), self.idempotency_key.clone()),
            ("request_fingerprint".to_owned(), fingerprint.to_owned()),
            (
                "correlation_id".to_owned(),
                self.correlation_id.unwrap_or(command_id).to_string(),
            ),
            (
                "recorded_at".to_owned(),
                now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            ),
        ]);
        if let Some(causation) = self.causation_id {
            metadata.insert("causation_id".to_owned(), causation.to_string());
        }
        if let Some(trace_parent) = &self.trace_parent {
            metadata.insert("trace_parent".to_owned(), trace_parent.clone());
        }
        metadata
    }
}

/// What a successful command produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandOutcome {
    /// The aggregate's type (`Invoice`, `Expense`, ...).
    pub aggregate_type: String,
    /// The aggregate's id as the event store keys it (a UUID's text).
    pub aggregate_id: String,
    /// The aggregate's version after the command (its last event's sequence).
    pub version: u64,
    /// Global feed position of the last event the command wrote (the consistency
    /// token): read models that reached it show this command's effect. `None` when
    /// the command wrote nothing.
    pub position: Option<i64>,
    /// True when this outcome is the replay of an earlier request with the same key.
    pub replayed: bool,
}
