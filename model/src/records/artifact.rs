//! `"type": "artifact"`: a file a run produced or received, one row of `artifacts`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{TypeTag, attempt_range, check_collection, non_negative};
use crate::enums::ArtifactRole;
use crate::{ModelError, ids};

/// Metadata of one file; the bytes live at `object_key` on object storage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArtifactRecord {
    #[serde(rename = "type", default, skip_serializing)]
    #[doc(hidden)]
    pub type_tag: TypeTag,
    /// Run id (UUID).
    pub run_id: String,
    /// Attempt (default 1).
    #[serde(default = "super::default_attempt")]
    pub attempt: i32,
    /// Collection; when omitted, the run header's (earlier in the input), else the ingest's
    /// default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
    /// Path relative to `/app/results` (or `/app/assets` for inputs); no leading `/`, no `..`.
    pub path: String,
    /// Role (default `output`).
    #[serde(default = "default_role")]
    pub role: ArtifactRole,
    /// Size in bytes.
    pub size: i64,
    /// sha256 of the bytes, 64 hex digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// MIME type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Object-store key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_key: Option<String>,
    /// When the file was collected (UTC).
    pub created_at: DateTime<Utc>,
}

fn default_role() -> ArtifactRole {
    ArtifactRole::Output
}

impl ArtifactRecord {
    pub(crate) fn validate(&mut self) -> Result<(), ModelError> {
        ids::normalize_uuid_in("run_id", &mut self.run_id)?;
        check_collection(&self.collection)?;
        attempt_range(self.attempt)?;
        non_negative("size", Some(self.size))?;
        let escapes = self.path.split(['/', '\\']).any(|part| part == "..");
        if self.path.is_empty() || self.path.starts_with('/') || escapes {
            return Err(ModelError::field(
                "path",
                format!(
                    "`{}` must be a non-empty relative path without `..`",
                    ids::clip(&self.path)
                ),
            ));
        }
        if let Some(sha) = &self.sha256
            && !(sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(ModelError::field("sha256", "must be 64 hex digits"));
        }
        Ok(())
    }
}
