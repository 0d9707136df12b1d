//! The catalog's error type.

use wharf_model::ErrorKind;

/// Everything that can go wrong in the catalog.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The named thing does not exist (or is not visible to this collection).
    #[error("{what} not found")]
    NotFound {
        /// What was looked up, e.g. "collection `acme`".
        what: String,
    },
    /// The request conflicts with the current state, e.g. a name already taken.
    #[error("{what}")]
    Conflict {
        /// A sentence saying what conflicts.
        what: String,
    },
    /// A name, value or cursor supplied by the caller is not acceptable.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field or entry that is wrong.
        field: String,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// A stored secret could not be decrypted with the catalog key.
    #[error(
        "cannot decrypt secret `{name}`: the catalog key differs from the one it was stored with, or the value was tampered with"
    )]
    Decrypt {
        /// The secret's name.
        name: String,
    },
    /// The catalog URL is not supported (any password in it is redacted).
    #[error("catalog url: {0}")]
    Url(String),
    /// A database operation failed.
    #[error("catalog database: {op}: {source}")]
    Query {
        /// The operation, e.g. "finishing a run".
        op: String,
        /// The database's error.
        source: sqlx::Error,
    },
    /// The database is not in a state the catalog can use (a schema it does not know, a
    /// failed integrity check).
    #[error("catalog database: {0}")]
    Database(String),
    /// Reading or writing a local file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the path.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The webhook HTTP client could not be built.
    #[error("webhook client: {0}")]
    Http(#[from] reqwest::Error),
}

impl CatalogError {
    /// What kind of failure this is (the server maps kinds to HTTP statuses).
    pub fn kind(&self) -> ErrorKind {
        match self {
            CatalogError::NotFound { .. } => ErrorKind::NotFound,
            CatalogError::Conflict { .. } => ErrorKind::Conflict,
            CatalogError::Invalid { .. } | CatalogError::Url(_) => ErrorKind::InvalidInput,
            CatalogError::Decrypt { .. }
            | CatalogError::Query { .. }
            | CatalogError::Database(_)
            | CatalogError::Io { .. }
            | CatalogError::Http(_) => ErrorKind::Internal,
        }
    }

    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        CatalogError::NotFound { what: what.into() }
    }

    pub(crate) fn conflict(what: impl Into<String>) -> Self {
        CatalogError::Conflict { what: what.into() }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        CatalogError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| CatalogError::Io { context, source }
    }
}

/// Maps a sqlx error to [`CatalogError::Query`], naming the operation.
pub(crate) fn db(op: impl Into<String>) -> impl FnOnce(sqlx::Error) -> CatalogError {
    let op = op.into();
    move |source| CatalogError::Query { op, source }
}

/// True when the error is a unique or primary-key violation.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| matches!(d.kind(), sqlx::error::ErrorKind::UniqueViolation))
}
