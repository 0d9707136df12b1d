//! Metadata store behind `wharf serve`, the multi-tenant HTTP service.
//!
//! A [`Catalog`] holds collections (tenants) and, per collection, API tokens (hashed),
//! secrets (encrypted with a [`SecretKey`]), versioned tasks, run state (a durable queue),
//! upload records and a webhook outbox drained by [`webhook::Deliverer`].
//!
//! One set of portable SQL runs through `sqlx::Any` on SQLite (the default: one file) or
//! Postgres (several server processes). Times are stored as epoch milliseconds, JSON as
//! text, booleans as 0/1; the schema is versioned (`catalog_migrations`) and migrated on open.
//! The HTTP layer maps [`CatalogError`] to statuses by its [`CatalogError::kind`].

mod catalog;
mod collections;
mod connect;
mod error;
mod key;
mod migrate;
mod outbox;
mod random;
mod row;
mod run_counts;
mod run_query;
mod runs;
mod secrets;
mod tasks;
mod time;
mod tokens;
mod uploads;
pub mod webhook;

pub use catalog::Catalog;
pub use collections::Collection;
pub use error::CatalogError;
pub use key::SecretKey;
pub use outbox::{AttemptRecord, Delivery, NewDelivery};
pub use run_query::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, RunFilter};
pub use runs::{CancelOutcome, NewRun, RunState, parse_status};
pub use secrets::{MAX_SECRET_BYTES, SecretCheck, SecretInfo, validate_secret_name};
pub use tasks::{MAX_RUNBOOK_BYTES, Task, TaskInfo, validate_task_name};
pub use tokens::{Principal, TokenInfo};
pub use uploads::Upload;
