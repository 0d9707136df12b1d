//! wharf's SQL layer: a DataFusion session over the six Delta tables of a store, with the
//! rows still in the ingest buffers unioned in so fresh events are visible at once.
//!
//! Two guards every caller relies on: [`Scope`] (a session bound to a collection sees only
//! that collection's rows, whatever the SQL says: the tables it can name are views with the
//! filter built in) and [`safety`] (only read-only statements are planned). [`output`]
//! encodes results for the CLI and the HTTP API.

mod config;
mod conform;
mod error;
pub mod evaluation;
mod files;
pub mod output;
mod rollups;
pub mod safety;
mod scope;
mod session;
mod tables;
mod views;

pub use config::QueryConfig;
pub use error::QueryError;
pub use output::{OutputFormat, write_result};
pub use rollups::{ROLLUPS, Rollup};
pub use scope::Scope;
pub use session::{QueryResult, Session};
pub use views::{
    VIEWS, kept_attempts_of_runs, kept_scores_via_runs, kept_scores_via_runs_read_once,
};
