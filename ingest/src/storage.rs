//! The storage root: where the Delta tables live, how to reach it, and a fail-fast probe.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use object_store::ObjectStoreExt;
use url::Url;
use wharf_model::Table;

use crate::{IngestError, StorageConfig};

/// How long the start-up probe may take before the root counts as unreachable.
const PROBE_TIMEOUT: Duration = Duration::from_secs(20);

/// A parsed, validated storage root.
#[derive(Debug, Clone)]
pub struct StorageRoot {
    display: String,
    url: Url,
    options: HashMap<String, String>,
    local: Option<PathBuf>,
}

impl StorageRoot {
    /// Parses `storage.root`: a path, a `file://` URL, or an `s3://` URL.
    pub fn parse(config: &StorageConfig) -> Result<Self, IngestError> {
        let raw = config.root.trim();
        let bad = |message: String| IngestError::BadRoot {
            root: raw.to_string(),
            message,
        };
        if raw.is_empty() {
            return Err(bad("storage.root is empty".into()));
        }
        let (url, local) = if raw.starts_with("s3://") || raw.starts_with("s3a://") {
            let mut url = Url::parse(raw).map_err(|e| bad(format!("not a URL: {e}")))?;
            if url.host_str().is_none_or(str::is_empty) {
                return Err(bad(
                    "an s3:// root needs a bucket: s3://bucket/prefix".into()
                ));
            }
            if !url.path().ends_with('/') {
                url.set_path(&format!("{}/", url.path()));
            }
            (url, None)
        } else if raw.contains("://") && !raw.starts_with("file://") {
            return Err(bad(
                "unsupported scheme; use a path, file:// or s3://".into()
            ));
        } else {
            let path = raw.strip_prefix("file://").unwrap_or(raw);
            let path = absolute(Path::new(path)).map_err(|e| bad(e.to_string()))?;
            let url = Url::from_directory_path(&path)
                .map_err(|()| bad("cannot be turned into a file URL".into()))?;
            (url, Some(path))
        };
        Ok(StorageRoot {
            display: raw.to_string(),
            url,
            options: s3_options(config),
            local,
        })
    }

    /// The root as the user wrote it, for messages.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// The root URL (always ends in `/`).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The local directory, for `file://` roots.
    pub fn local_path(&self) -> Option<&Path> {
        self.local.as_deref()
    }

    /// Options passed to delta-rs / object_store.
    pub fn options(&self) -> &HashMap<String, String> {
        &self.options
    }

    /// URL of one table's directory.
    pub fn table_url(&self, table: Table) -> Result<Url, IngestError> {
        self.url
            .join(&format!("tables/{}/", table.name()))
            .map_err(|e| IngestError::Storage {
                root: self.display.clone(),
                message: e.to_string(),
            })
    }

    /// Default WAL directory: beside the tables for local roots, `./wharf-wal` otherwise.
    pub fn default_wal_dir(&self) -> PathBuf {
        match &self.local {
            Some(p) => p.join("wal"),
            None => PathBuf::from("./wharf-wal"),
        }
    }

    /// Checks that the root is reachable (and writable when `write` is set), within a bounded
    /// time, so a wrong root fails at start with a message that names it.
    pub async fn probe(&self, write: bool) -> Result<(), IngestError> {
        let fail = |message: String| IngestError::Storage {
            root: self.display.clone(),
            message,
        };
        if let Some(dir) = &self.local {
            if write {
                std::fs::create_dir_all(dir)
                    .map_err(|e| fail(format!("cannot create {dir:?}: {e}")))?;
            } else if !dir.exists() {
                return Ok(());
            }
        }
        // The store is rooted at the storage root (not at the bucket or filesystem root), so
        // the probe touches only what wharf owns.
        let objects = crate::ObjectStorage::open(self)?;
        let store = objects.store();
        let check = async {
            let path = deltalake::Path::from(format!(".wharf-probe-{}", uuid_like()));
            if write {
                store
                    .put(&path, bytes::Bytes::from_static(b"probe").into())
                    .await
                    .map_err(|e| fail(format!("cannot write: {}", short(&e))))?;
                store
                    .delete(&path)
                    .await
                    .map_err(|e| fail(format!("cannot delete: {}", short(&e))))?;
            } else {
                store
                    .list_with_delimiter(Some(&deltalake::Path::from("tables")))
                    .await
                    .map_err(|e| fail(format!("cannot list: {}", short(&e))))?;
            }
            Ok::<(), IngestError>(())
        };
        tokio::time::timeout(PROBE_TIMEOUT, check)
            .await
            .map_err(|_| fail(format!("no answer within {}s", PROBE_TIMEOUT.as_secs())))?
    }
}

fn short(e: &deltalake::ObjectStoreError) -> String {
    let text = e.to_string();
    text.chars().take(300).collect()
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    )
}

fn absolute(path: &Path) -> std::io::Result<PathBuf> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(path))
    }
}

fn s3_options(config: &StorageConfig) -> HashMap<String, String> {
    let s3 = &config.s3;
    let mut o = HashMap::new();
    let mut set = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            o.insert(k.to_string(), v);
        }
    };
    set("AWS_ENDPOINT_URL", s3.endpoint.clone());
    let region = s3
        .region
        .clone()
        .or_else(|| s3.endpoint.as_ref().map(|_| "us-east-1".into()));
    set("AWS_REGION", region);
    set("AWS_ACCESS_KEY_ID", s3.access_key_id.clone());
    set("AWS_SECRET_ACCESS_KEY", s3.secret_access_key.clone());
    set("AWS_SESSION_TOKEN", s3.session_token.clone());
    set("AWS_ALLOW_HTTP", s3.allow_http.map(|b| b.to_string()));
    set(
        "AWS_VIRTUAL_HOSTED_STYLE_REQUEST",
        s3.force_path_style
            .map(|path_style| (!path_style).to_string()),
    );
    if s3.endpoint.is_some() {
        set("AWS_EC2_METADATA_DISABLED", Some("true".into()));
    }
    set("timeout", Some("30s".into()));
    set("connect_timeout", Some("5s".into()));
    o
}
