//! # folio-infra
//!
//! The adapters that implement the application layer's ports, grouped by
//! technology:
//!
//! - [`postgres`]: the pool and migrations, the event store (postgres-es with
//!   snapshots behind the one sealing append path), the command ledger
//!   (idempotency outcomes and gap-free document numbers), the global feed (gap-free,
//!   in commit order), the auditors' event history, and the stored event row's
//!   columns, defined once.
//! - [`kafka`]: the Kafka transport: the relay from the feed to topics, and the
//!   projectors fed from them (Kafka mode).
//! - [`personal_data`]: personal data sealed with a key per subject, opened for
//!   readers, and erased by destroying the key.
//! - [`audit`]: the tamper-evident hash chains, their verification and sealed
//!   exports, for auditors.
//! - [`projecting`]: the projectors run over the feed (embedded mode): install,
//!   rebuild, catch up, follow.
//! - `retrying`: how background loops back off and log while something they
//!   need is away (one line when it fails, one when it works again).
//! - [`upcasting`]: the domain's event upcasters, plugged into the stores.
//! - [`blob_store`]: documents kept content-addressed and written once, in S3
//!   (or a server speaking its API) or a local directory.
//! - [`rendering`]: the archived forms of a document (Factur-X with Typst, UBL).
//! - [`smtp`]: the mailer the notification sender delivers e-mail with.
//!
//! The binary's `wiring` module builds the use cases from these adapters.

#![deny(missing_docs)]

pub mod audit;
pub mod blob_store;
pub mod kafka;
pub mod pac_sw;
pub mod personal_data;
pub mod postgres;
pub mod presign;
pub mod projecting;
pub mod rendering;
mod retrying;
pub mod sat_status;
pub mod smtp;
pub mod telemetry;
pub mod upcasting;
pub mod webhook_http;

pub use postgres::pool::DatabaseError;
pub use projecting::{ProjectionConfig, ProjectionRunError, Projections};
