//! The Postgres adapters: the connection pool and migrations, the event store
//! (postgres-es with snapshots behind the one sealing append path), the command
//! ledger, the global feed, the auditors' event history, the watcher that
//! tells the rest of the process whether the database answers, and the one that
//! answers reads waiting for a consistency token. They implement the
//! application layer's ports (`folio_commands::EventStores`, `CommandLedger`,
//! `history::EventHistory`).

pub mod archive_queue;
pub mod cancellation_queue;
pub mod credit_moves;
pub mod csd_vault;
pub mod event_store;
pub mod events_table;
pub mod expense_lookalikes;
pub mod feed;
pub mod history;
pub mod ledger;
pub mod outbox;
pub mod pool;
mod process_attempts;
pub mod reachability;
pub mod read_progress;
pub mod reminder_candidates;
pub mod sealing_repository;
pub mod stamp_queue;
pub mod transaction_counter;
pub mod webhook_secrets;
