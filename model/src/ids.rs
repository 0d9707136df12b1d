//! Identifiers: run ids, deterministic ids for records that omit theirs, collection names.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::ModelError;

/// A new time-ordered run id (UUIDv7), lowercase hyphenated.
pub fn new_run_id() -> String {
    Uuid::now_v7().to_string()
}

/// Parses a UUID in any accepted spelling and returns it lowercase hyphenated.
pub fn normalize_uuid(field: &str, value: &str) -> Result<String, ModelError> {
    parse_uuid(field, value).map(|u| u.hyphenated().to_string())
}

fn parse_uuid(field: &str, value: &str) -> Result<Uuid, ModelError> {
    Uuid::parse_str(value)
        .map_err(|e| ModelError::field(field, format!("`{}` is not a UUID: {e}", clip(value))))
}

/// [`normalize_uuid`] in place, allocating only when the id is not canonical already.
pub(crate) fn normalize_uuid_in(field: &str, value: &mut String) -> Result<(), ModelError> {
    let uuid = parse_uuid(field, value)?;
    let mut buf = Uuid::encode_buffer();
    let canonical = uuid.hyphenated().encode_lower(&mut buf);
    if value.as_str() != canonical {
        *value = canonical.to_string();
    }
    Ok(())
}

/// A UUID-shaped id derived from the given parts, so that the same record always gets the
/// same id and re-ingesting it is a no-op.
pub fn derived_id(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// Longest accepted collection name.
pub const MAX_COLLECTION_LEN: usize = 64;

/// Checks a collection name: 1-64 characters of `a-z 0-9 _ -`, starting with a letter or digit.
/// Names end up in object-store paths, so nothing else is allowed.
pub fn validate_collection(field: &str, name: &str) -> Result<(), ModelError> {
    let ok_start = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok_start && ok_chars && name.len() <= MAX_COLLECTION_LEN {
        Ok(())
    } else {
        Err(ModelError::field(
            field,
            format!(
                "`{}` is not a valid collection name (1-{MAX_COLLECTION_LEN} characters of a-z, 0-9, _ and -, starting with a letter or digit)",
                clip(name)
            ),
        ))
    }
}

/// Shortens a user value for an error message.
pub(crate) fn clip(value: &str) -> String {
    const MAX: usize = 80;
    if value.chars().count() <= MAX {
        value.to_string()
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        assert_eq!(derived_id(&["a", "b"]), derived_id(&["a", "b"]));
        assert_ne!(derived_id(&["a", "b"]), derived_id(&["ab", ""]));
        assert!(Uuid::parse_str(&derived_id(&["x"])).is_ok());
    }

    #[test]
    fn collection_names() {
        assert!(validate_collection("c", "acme-prod_1").is_ok());
        for bad in ["", "-x", "Acme", "a/b", "a..b", &"a".repeat(65)] {
            assert!(validate_collection("c", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn uuids_normalize() {
        let u = "0192F5E0-0000-7000-8000-000000000001";
        assert_eq!(normalize_uuid("run_id", u).unwrap(), u.to_lowercase());
        assert!(normalize_uuid("run_id", "nope").is_err());
    }
}
