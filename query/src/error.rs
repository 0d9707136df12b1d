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
    /// A value the caller gave (a collection, a run id) is not valid.
    #[error(transparent)]
    Invalid(#[from] wharf_model::ModelError),
    /// Query results could not be decoded into their rows.
    #[error("decoding query results: {0}")]
    Decode(#[from] serde_json::Error),
}

impl QueryError {
    /// What kind of failure this is: the caller's SQL (refused, or it does not parse or
    /// plan), or the system.
    pub fn kind(&self) -> wharf_model::ErrorKind {
        use datafusion::error::DataFusionError as D;
        use wharf_model::ErrorKind;
        match self {
            QueryError::Refused(_) | QueryError::Invalid(_) => ErrorKind::InvalidInput,
            QueryError::Sql(e) => match e.find_root() {
                D::SQL(..) | D::Plan(_) | D::SchemaError(..) | D::NotImplemented(_) => {
                    ErrorKind::InvalidInput
                }
                _ => ErrorKind::Internal,
            },
            QueryError::Store(e) => e.kind(),
            QueryError::Arrow(_) | QueryError::Output(_) | QueryError::Decode(_) => {
                ErrorKind::Internal
            }
        }
    }
}
