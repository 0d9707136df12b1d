//! What can go wrong while loading a page's data.

use wharf_ingest::IngestError;
use wharf_query::QueryError;

/// Errors of the dashboards.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// A query failed (or was refused).
    #[error(transparent)]
    Query(#[from] QueryError),
    /// Reading an artifact failed.
    #[error(transparent)]
    Storage(#[from] IngestError),
    /// A filter, page number or selection in the URL is invalid.
    #[error("{0}")]
    BadRequest(String),
    /// The run (or event) is not there.
    #[error("{0} not found")]
    NotFound(String),
}

impl DashboardError {
    /// What kind of failure this is.
    pub fn kind(&self) -> wharf_model::ErrorKind {
        match self {
            DashboardError::Query(q) => q.kind(),
            DashboardError::Storage(e) => e.kind(),
            DashboardError::BadRequest(_) => wharf_model::ErrorKind::InvalidInput,
            DashboardError::NotFound(_) => wharf_model::ErrorKind::NotFound,
        }
    }
}

/// Results of loading page data.
pub type DashResult<T> = Result<T, DashboardError>;
