//! Collecting `/app/results`: every regular file is copied to object storage under
//! `artifacts/<collection>/<run_id>/<attempt>/<path>` and becomes one `artifacts` row;
//! symlinks and special files the agent left are skipped and reported.

use std::sync::Arc;

use chrono::Utc;
use sha2::{Digest, Sha256};
use wharf_ingest::ObjectStorage;
use wharf_model::{ArtifactRecord, ArtifactRole, TypeTag};
use wharf_sandbox::{Sandbox, paths};

use crate::EngineError;

/// Largest single artifact copied (bigger ones are reported, not stored).
pub const MAX_ARTIFACT_BYTES: u64 = 512 << 20;

/// What collection found.
#[derive(Debug, Default)]
pub struct Collected {
    /// One record per stored file.
    pub records: Vec<ArtifactRecord>,
    /// Files skipped, with the reason.
    pub skipped: Vec<(String, String)>,
    /// Total bytes stored.
    pub bytes: u64,
}

/// Who the artifacts belong to.
#[derive(Debug, Clone)]
pub struct Owner<'a> {
    /// The run's id (a UUID).
    pub run_id: &'a str,
    /// The attempt that produced the files, from 1.
    pub attempt: i32,
    /// The collection the artifact rows and object keys go under.
    pub collection: &'a str,
    /// Paths (relative to the results dir) the runbook calls primary.
    pub primary: &'a [String],
}

/// Object key of one artifact.
pub fn object_key(owner: &Owner<'_>, relative: &str) -> String {
    format!(
        "artifacts/{}/{}/{}/{}",
        owner.collection, owner.run_id, owner.attempt, relative
    )
}

/// Copies the sandbox's results to storage.
pub async fn collect(
    sandbox: &Arc<dyn Sandbox>,
    objects: &ObjectStorage,
    owner: &Owner<'_>,
) -> Result<Collected, EngineError> {
    let mut out = Collected::default();
    let (files, skipped) = sandbox.list_files(paths::RESULTS).await?;
    out.skipped.extend(
        skipped
            .into_iter()
            .map(|s| (s.relative, s.reason.to_owned())),
    );
    for file in files {
        if file.size > MAX_ARTIFACT_BYTES {
            out.skipped.push((
                file.relative,
                format!(
                    "{} bytes, over the {MAX_ARTIFACT_BYTES}-byte bound",
                    file.size
                ),
            ));
            continue;
        }
        let path = format!("{}/{}", paths::RESULTS, file.relative);
        let bytes = match sandbox.read_file(&path, MAX_ARTIFACT_BYTES).await {
            Ok(b) => b,
            Err(e) => {
                out.skipped.push((file.relative, e.to_string()));
                continue;
            }
        };
        let key = object_key(owner, &file.relative);
        let sha = sha256_hex(&bytes);
        let size = bytes.len() as u64;
        objects
            .put(&key, bytes.into())
            .await
            .map_err(|source| EngineError::Artifact {
                path: file.relative.clone(),
                source: Box::new(source),
            })?;
        out.bytes += size;
        let role = if owner.primary.iter().any(|p| p == &file.relative) {
            ArtifactRole::Primary
        } else if file.relative == "validation_report.json" {
            ArtifactRole::Report
        } else {
            ArtifactRole::Output
        };
        out.records.push(ArtifactRecord {
            type_tag: TypeTag,
            run_id: owner.run_id.to_owned(),
            attempt: owner.attempt,
            collection: Some(owner.collection.to_owned()),
            content_type: Some(content_type(&file.relative).to_owned()),
            path: file.relative,
            role,
            size: i64::try_from(size).unwrap_or(i64::MAX),
            sha256: Some(sha),
            object_key: Some(key),
            created_at: Utc::now(),
        });
    }
    Ok(out)
}

/// Stores an input of the run (the rendered runbook) under `inputs/<collection>/<run_id>/`,
/// apart from the attempts' outputs, and returns its `artifacts` row (role `input`).
pub async fn store_input(
    objects: &ObjectStorage,
    owner: &Owner<'_>,
    name: &str,
    text: &str,
) -> Result<ArtifactRecord, EngineError> {
    let key = format!("inputs/{}/{}/{name}", owner.collection, owner.run_id);
    let bytes = text.as_bytes().to_vec();
    let sha = sha256_hex(&bytes);
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    objects
        .put(&key, bytes.into())
        .await
        .map_err(|source| EngineError::Artifact {
            path: name.to_owned(),
            source: Box::new(source),
        })?;
    Ok(ArtifactRecord {
        type_tag: TypeTag,
        run_id: owner.run_id.to_owned(),
        attempt: owner.attempt,
        collection: Some(owner.collection.to_owned()),
        content_type: Some(content_type(name).to_owned()),
        path: name.to_owned(),
        role: ArtifactRole::Input,
        size,
        sha256: Some(sha),
        object_key: Some(key),
        created_at: Utc::now(),
    })
}

/// MIME type from the extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "md" | "markdown" => "text/markdown",
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "tsv" => "text/tab-separated-values",
        "json" => "application/json",
        "jsonl" | "ndjson" => "application/x-ndjson",
        "html" | "htm" => "text/html",
        "xml" => "application/xml",
        "yaml" | "yml" => "application/yaml",
        "py" => "text/x-python",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        "parquet" => "application/vnd.apache.parquet",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Required outputs (relative paths or globs) not among `present`.
pub fn missing_outputs(required: &[String], present: &[&str]) -> Vec<String> {
    required
        .iter()
        .filter(|pattern| !present.iter().any(|p| wharf_grader::glob_match(pattern, p)))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_outputs_and_content_types() {
        let missing = missing_outputs(
            &["report.md".into(), "t/*.csv".into(), "x.json".into()],
            &["report.md", "t/a.csv"],
        );
        assert_eq!(missing, vec!["x.json".to_owned()]);
        assert_eq!(content_type("A.CSV"), "text/csv");
    }
}
