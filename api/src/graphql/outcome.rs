//! What every mutation returns, and the one way a mutation runs a use case.

use async_graphql::{SimpleObject, ID};
use folio_commands::CommandOutcome;

/// What a mutation returns.
#[derive(Debug, Clone, SimpleObject)]
pub struct CommandResult {
    /// The raw UUID of the aggregate written (the invoice, the expense, ...).
    pub aggregate_id: ID,
    /// Its version after the command: pass it as `expectedVersion` to change it
    /// only if nobody else did meanwhile.
    pub version: i64,
    /// Pass to queries as `consistencyToken` to read this write; null when the
    /// command changed nothing, or when the database went away between the
    /// commit and reading its position (the write is done either way).
    pub consistency_token: Option<String>,
    /// True when the idempotency key was seen before: this is the first outcome,
    /// replayed, and nothing was written again.
    pub replayed: bool,
}

impl From<CommandOutcome> for CommandResult {
    fn from(outcome: CommandOutcome) -> Self {
        CommandResult {
            aggregate_id: ID(outcome.aggregate_id),
            version: i64::try_from(outcome.version).unwrap_or(i64::MAX),
            consistency_token: outcome.position.map(|p| p.to_string()),
            replayed: outcome.replayed,
        }
    }
}

/// The command type a mutation runs, as metrics name it on every edge:
/// `recordPayment` runs `RecordPayment`.
pub(crate) fn command_type(mutation: &str) -> String {
    let mut chars = mutation.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Runs a use case with the caller's command context (the use case checks the
/// role matrix), counts its outcome, and maps it to a [`CommandResult`] or a coded
/// error. `|use_cases, context| call` names the two for the call.
macro_rules! command {
    ($ctx:expr, $key:expr, $version:expr, |$use_cases:ident, $cctx:ident| $call:expr) => {{
        let request = $crate::graphql::context::request($ctx)?;
        let $cctx = request.command(&$key, $version)?;
        let $use_cases = &request.use_cases;
        let result = $call.await;
        let command = $crate::graphql::outcome::command_type($ctx.field().name());
        Ok($crate::graphql::outcome::CommandResult::from(
            $crate::request::command_answer(&command, result)?,
        ))
    }};
}
