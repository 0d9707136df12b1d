//! wharf's write path: trajectory records become durable, queryable Delta Lake rows.
//!
//! `records -> WAL (fsync = ack) -> Arrow buffers (visible to queries) -> Delta append on
//! object storage (partitioned by collection and date) -> WAL truncation`. Writes are
//! idempotent: a row whose key ([`wharf_model::Table::key_columns`]) is already stored is
//! skipped, and each Delta commit records the WAL transaction it contains, so a replayed
//! WAL never duplicates rows. [`Store`] is the entry point; [`source`] reads the native
//! JSONL format as a stream, [`check`] checks a whole file first and writes it without
//! parsing it again; [`compact`] merges small files and vacuums.

mod batches;
mod block;
mod buffer;
pub mod check;
pub mod compact;
mod config;
mod dedup;
mod delta;
mod error;
mod extents;
pub mod failpoint;
mod flush;
mod frames;
mod keys;
mod objects;
pub mod source;
mod spill;
mod storage;
mod store;
mod wal;

pub use compact::{CompactOptions, CompactReport};
pub use config::{IngestConfig, S3Config, StorageConfig};
pub use delta::APP_ID;
pub use error::IngestError;
pub use objects::ObjectStorage;
pub use storage::StorageRoot;
pub use store::{FlushReport, OpenMode, Receipt, Store, TableSnapshot};
