//! The query crate's error type.

/// Why a query did not run.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The statement is not allowed (DDL, DML, COPY, ...). The message says what is allowed.
    #[error("{0}")]
    Refused(String),
    /// The SQL does not parse or plan, or execution failed.
    #[error("{0}")]
    Sql(#[from] datafusion::error::DataFusionError),
    /// Opening the store or a table failed.
    #[error(transparent)]
    Store(#[from] wharf_ingest::IngestError),
    /// Arrow failed (casting, encoding).
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// Encoding results failed.
    #[error("writing results: {0}")]
    Output(String),
}

impl QueryError {
    /// Whether the caller's SQL is at fault (HTTP 400, CLI exit 2).
    pub fn is_user_error(&self) -> bool {
        use datafusion::error::DataFusionError as D;
        match self {
            QueryError::Refused(_) => true,
            QueryError::Sql(e) => matches!(
                e.find_root(),
                D::SQL(..) | D::Plan(_) | D::SchemaError(..) | D::NotImplemented(_)
            ),
            _ => false,
        }
    }
}
