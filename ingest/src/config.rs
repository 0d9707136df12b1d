//! Storage and ingest settings, as the config file and environment give them.

use std::path::PathBuf;

use serde::Deserialize;

/// Where the tables live.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// `file://...`, a plain path, or `s3://bucket/prefix`.
    pub root: String,
    /// S3-compatible store settings; unset values fall back to the standard `AWS_*` variables.
    pub s3: S3Config,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            root: "./wharf-data".into(),
            s3: S3Config::default(),
        }
    }
}

/// Settings of an S3-compatible store.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct S3Config {
    /// Endpoint URL for non-AWS stores (MinIO, moto, Ceph, R2, ...).
    pub endpoint: Option<String>,
    /// Region (default `us-east-1` when an endpoint is set).
    pub region: Option<String>,
    /// Access key id.
    pub access_key_id: Option<String>,
    /// Secret access key.
    pub secret_access_key: Option<String>,
    /// Session token of temporary credentials (sets `AWS_SESSION_TOKEN`).
    pub session_token: Option<String>,
    /// Allow `http://` endpoints.
    pub allow_http: Option<bool>,
    /// Use path-style URLs (`endpoint/bucket/key`), which most self-hosted stores need.
    pub force_path_style: Option<bool>,
}

/// Write-path tuning.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct IngestConfig {
    /// Directory of the write-ahead log (local disk). Default: `<root>/wal` for local roots,
    /// `./wharf-wal` otherwise.
    pub wal_dir: Option<PathBuf>,
    /// Flush buffers to Delta once they hold this many bytes of Arrow data.
    pub flush_bytes: u64,
    /// ... or this many rows in one table.
    pub flush_rows: u64,
    /// Target size of a written Parquet file.
    pub target_file_bytes: u64,
    /// Longest accepted line of a trajectory file.
    pub max_line_bytes: usize,
    /// Lines per acknowledged batch when reading a stream.
    pub batch_lines: usize,
    /// Write a Delta checkpoint every this many commits.
    pub checkpoint_interval: u64,
    /// Collection of records that name none (and whose run header names none).
    pub default_collection: String,
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            wal_dir: None,
            flush_bytes: 128 * 1024 * 1024,
            flush_rows: 2_000_000,
            target_file_bytes: 64 * 1024 * 1024,
            max_line_bytes: wharf_model::DEFAULT_MAX_LINE_BYTES,
            batch_lines: 20_000,
            checkpoint_interval: 20,
            default_collection: "default".into(),
        }
    }
}

impl IngestConfig {
    /// Rejects values that cannot work.
    pub fn validate(&self) -> Result<(), crate::IngestError> {
        let bad = |m: &str| Err(crate::IngestError::Config(m.to_string()));
        if self.flush_rows == 0 || self.flush_bytes == 0 {
            return bad("ingest.flush_rows and ingest.flush_bytes must be > 0");
        }
        if self.batch_lines == 0 {
            return bad("ingest.batch_lines must be > 0");
        }
        if self.max_line_bytes < 1024 {
            return bad("ingest.max_line_bytes must be at least 1024");
        }
        if self.checkpoint_interval == 0 {
            return bad("ingest.checkpoint_interval must be > 0");
        }
        wharf_model::validate_collection("ingest.default_collection", &self.default_collection)
            .map_err(|e| crate::IngestError::Config(e.to_string()))?;
        if self.target_file_bytes < 1024 * 1024 {
            return bad("ingest.target_file_bytes must be at least 1 MiB");
        }
        Ok(())
    }
}
