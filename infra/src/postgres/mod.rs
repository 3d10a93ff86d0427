//! The Postgres adapters: the connection pool and migrations, the event store
//! (postgres-es with snapshots behind the one sealing append path), the command
//! ledger, the directory lookup, the global feed, the auditors' event history, and the watcher that
//! tells the rest of the process whether the database answers. They implement the
//! application layer's ports (`folio_commands::EventStores`, `CommandLedger`,
//! `history::EventHistory`).

pub mod directory;
pub mod event_store;
pub mod events_table;
pub mod feed;
pub mod history;
pub mod ledger;
pub mod pool;
pub mod reachability;
pub mod sealing_repository;
