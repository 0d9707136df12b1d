//! wharf's write path: trajectory records become durable, queryable Delta Lake rows.
//!
//! `records -> WAL (fsync = ack) -> Arrow buffers (visible to queries) -> Delta append on
//! object storage (partitioned by collection and date) -> WAL truncation`. Writes are
//! idempotent: a row whose key ([`wharf_model::Table::key_columns`]) is already stored is
//! skipped, and each Delta commit records the WAL transaction it contains, so a replayed
//! WAL never duplicates rows. [`Store`] is the entry point; [`source`] reads the native
//! JSONL format as a stream of acknowledged batches; [`bulk`] loads whole files in one
//! pass on every core (checked, deduplicated, written as Parquet, then committed to every
//! table at once, no WAL entry per batch); [`compact`] merges small files and vacuums.

mod batches;
mod block;
mod buffer;
pub mod bulk;
mod collections;
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
mod ordered;
pub mod source;
mod staged;
mod storage;
mod store;
mod wal;

pub use compact::{CompactOptions, CompactReport};
pub use config::{IngestConfig, S3Config, StorageConfig};
pub use delta::APP_ID;
pub use error::IngestError;
pub use objects::ObjectStorage;
pub use staged::BULK_APP_ID;
pub use storage::StorageRoot;
pub use store::{FlushReport, OpenMode, Receipt, Store, TableSnapshot};
