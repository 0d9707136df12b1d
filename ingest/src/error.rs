//! The ingest crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong on the write path.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// A record or line is invalid; nothing from its batch was written.
    #[error("{source_name}: {error}")]
    Invalid {
        /// File name or `<stdin>`.
        source_name: String,
        /// The first invalid line.
        error: wharf_model::ModelError,
    },
    /// The configuration is unusable.
    #[error("config: {0}")]
    Config(String),
    /// The storage root cannot be used.
    #[error("storage root {root} is not usable: {message}")]
    Storage {
        /// The root URL as configured.
        root: String,
        /// What failed, with the underlying error.
        message: String,
    },
    /// The configured storage root is malformed (a config error, unlike [`Self::Storage`]).
    #[error("storage root {root} is not usable: {message}")]
    BadRoot {
        /// The root as configured.
        root: String,
        /// What is wrong with it.
        message: String,
    },
    /// Reading or writing one object under the storage root failed.
    #[error("storage root {root}: object `{key}`: {source}")]
    Object {
        /// The root as configured.
        root: String,
        /// The object's key.
        key: String,
        /// The object store's error (boxed: it is large, and every result carries the
        /// error type).
        source: Box<object_store::Error>,
    },
    /// Another process holds the write lock.
    #[error(
        "another wharf process is writing to this store (lock {path:?} is held); stop it or wait"
    )]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// Local file I/O failed.
    #[error("{what} {path:?}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The host path being worked on.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The write-ahead log is damaged beyond its torn tail.
    #[error("write-ahead log {path:?}: {message}")]
    Wal {
        /// The segment file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Delta Lake failed.
    #[error("delta table {table}: {source}")]
    Delta {
        /// The table's name (`runs`, `events`, ...).
        table: &'static str,
        /// delta-rs error.
        source: deltalake::DeltaTableError,
    },
    /// DataFusion failed while reading committed keys.
    #[error("reading {table}: {source}")]
    DataFusion {
        /// The table's name (`runs`, `events`, ...).
        table: &'static str,
        /// DataFusion error.
        source: datafusion::error::DataFusionError,
    },
    /// Arrow encoding failed.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// Building batches failed.
    #[error(transparent)]
    Model(#[from] wharf_model::ModelError),
    /// The store was opened for reading.
    #[error("the store was opened read-only; open it for writing to change it")]
    ReadOnly,
    /// Writes stopped because a step ended in an unknown state.
    #[error(
        "writes to this store stopped: {reason}; reopen the store (its write-ahead log replays every acknowledged batch)"
    )]
    Stopped {
        /// What ended in an unknown state.
        reason: String,
    },
    /// A background task panicked or was cancelled.
    #[error("background task failed: {0}")]
    Task(String),
}

impl IngestError {
    pub(crate) fn io(what: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        IngestError::Io {
            what,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn delta(
        table: wharf_model::Table,
    ) -> impl FnOnce(deltalake::DeltaTableError) -> Self {
        move |source| IngestError::Delta {
            table: table.name(),
            source,
        }
    }

    /// What kind of failure this is: the user's input (a bad line, a bad setting), or the
    /// system (storage, a crash, another writer).
    pub fn kind(&self) -> wharf_model::ErrorKind {
        use wharf_model::ErrorKind;
        match self {
            IngestError::Invalid { .. } | IngestError::Config(_) | IngestError::BadRoot { .. } => {
                ErrorKind::InvalidInput
            }
            IngestError::Object { source, .. }
                if matches!(**source, object_store::Error::NotFound { .. }) =>
            {
                ErrorKind::NotFound
            }
            IngestError::Storage { .. }
            | IngestError::Object { .. }
            | IngestError::Locked { .. }
            | IngestError::Stopped { .. } => ErrorKind::Unavailable,
            _ => ErrorKind::Internal,
        }
    }
}
