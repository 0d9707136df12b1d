//! The judge cache: validated answers keyed by (model, prompt sha256, inputs
//! sha256, sample), so re-grading the same thing makes no model request.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::answer::JudgeAnswer;
use crate::error::GraderError;
use crate::prompt::hex;

/// What a cached answer is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CacheKey {
    /// The judge model's slug; another model misses the cache.
    pub model: String,
    /// [`crate::prompt_sha256`] of the prompt version.
    pub prompt_sha256: String,
    /// sha256 of the rendered inputs.
    pub inputs_sha256: String,
    /// Sample number (0-based) for N-sample judging.
    pub sample: u32,
}

impl CacheKey {
    /// sha256 over all fields: the on-disk file name.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        for part in [&self.model, &self.prompt_sha256, &self.inputs_sha256] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.update(self.sample.to_le_bytes());
        hex(&h.finalize())
    }
}

/// Where judge answers are kept between gradings.
#[async_trait::async_trait]
pub trait JudgeCache: Send + Sync + std::fmt::Debug {
    /// The answer stored for `key`, if any.
    async fn get(&self, key: &CacheKey) -> Result<Option<JudgeAnswer>, GraderError>;
    /// Stores `answer` for `key` (replacing any).
    async fn put(&self, key: &CacheKey, answer: &JudgeAnswer) -> Result<(), GraderError>;
}

/// A process-local cache.
#[derive(Debug, Default)]
pub struct MemoryCache {
    entries: Mutex<HashMap<CacheKey, JudgeAnswer>>,
}

impl MemoryCache {
    /// An empty cache.
    pub fn new() -> MemoryCache {
        MemoryCache::default()
    }

    /// Number of answers cached.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<CacheKey, JudgeAnswer>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait::async_trait]
impl JudgeCache for MemoryCache {
    async fn get(&self, key: &CacheKey) -> Result<Option<JudgeAnswer>, GraderError> {
        Ok(self.lock().get(key).cloned())
    }

    async fn put(&self, key: &CacheKey, answer: &JudgeAnswer) -> Result<(), GraderError> {
        self.lock().insert(key.clone(), answer.clone());
        Ok(())
    }
}

/// One JSON file per key (`<digest>.json`) under a directory, written
/// atomically (temporary file + rename). Unreadable entries are misses.
#[derive(Debug, Clone)]
pub struct DiskCache {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    key: CacheKey,
    answer: JudgeAnswer,
}

impl DiskCache {
    /// A cache in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> DiskCache {
        DiskCache { dir: dir.into() }
    }

    /// The directory holding one `<digest>.json` per key.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file holding `key`.
    pub fn path_of(&self, key: &CacheKey) -> PathBuf {
        self.dir.join(format!("{}.json", key.digest()))
    }
}

#[async_trait::async_trait]
impl JudgeCache for DiskCache {
    async fn get(&self, key: &CacheKey) -> Result<Option<JudgeAnswer>, GraderError> {
        let path = self.path_of(key);
        let bytes = match tokio::fs::read(&path).await {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(cache_error(&path, &e)),
        };
        match serde_json::from_slice::<Entry>(&bytes) {
            Ok(entry) if entry.key == *key => Ok(Some(entry.answer)),
            Ok(_) => Ok(None),
            Err(e) => {
                tracing::warn!(path = %path.display(), "ignoring an unreadable judge cache entry: {e}");
                Ok(None)
            }
        }
    }

    async fn put(&self, key: &CacheKey, answer: &JudgeAnswer) -> Result<(), GraderError> {
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| cache_error(&self.dir, &e))?;
        let path = self.path_of(key);
        let entry = Entry {
            key: key.clone(),
            answer: answer.clone(),
        };
        let bytes = serde_json::to_vec_pretty(&entry).map_err(|e| GraderError::Cache {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let tmp = self.dir.join(format!(
            ".{}.{}-{nanos}.tmp",
            key.digest(),
            std::process::id()
        ));
        tokio::fs::write(&tmp, &bytes)
            .await
            .map_err(|e| cache_error(&tmp, &e))?;
        if let Err(e) = tokio::fs::rename(&tmp, &path).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(cache_error(&path, &e));
        }
        Ok(())
    }
}

fn cache_error(path: &Path, e: &std::io::Error) -> GraderError {
    GraderError::Cache {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}
