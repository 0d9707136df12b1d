//! Uploads: files stored once and named in later runs' `file_paths` as
//! `uploads/<id>/<name>`.

use crate::error::{ApiError, ApiResult};

/// Longest file name accepted.
const MAX_NAME: usize = 255;

/// Checks an input or upload file name: a plain name, no directories, no `..`, no control
/// characters.
pub fn check_file_name(name: &str) -> ApiResult<()> {
    let bad = |why: &str| {
        Err(ApiError::BadRequest(format!(
            "file name `{}`: {why}",
            name.escape_debug()
        )))
    };
    if name.is_empty() || name.trim().is_empty() {
        return bad("is empty");
    }
    if name.len() > MAX_NAME {
        return bad("is longer than 255 bytes");
    }
    if name == "." || name == ".." {
        return bad("is not a file name");
    }
    if name.contains(['/', '\\']) {
        return bad("contains a path separator; send a plain file name");
    }
    if name.chars().any(char::is_control) {
        return bad("contains control characters");
    }
    Ok(())
}

/// Splits `uploads/<id>/<name>` (or `<id>/<name>`) into id and name.
pub fn parse_upload_path(path: &str) -> ApiResult<(&str, &str)> {
    let rest = path.strip_prefix("uploads/").unwrap_or(path);
    let bad = || {
        ApiError::BadRequest(format!(
            "`file_paths`: `{}` is not an upload path (`uploads/<id>/<name>` as returned by POST /api/v1/uploads)",
            path.escape_debug()
        ))
    };
    let (id, name) = rest.split_once('/').ok_or_else(bad)?;
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(bad());
    }
    check_file_name(name)?;
    Ok((id, name))
}

/// The object key of an upload.
pub fn object_key(collection: &str, id: &str, name: &str) -> String {
    format!("uploads/{collection}/{id}/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths_are_checked() {
        for bad in ["", " ", "..", "a/b", "..\\x", "a\nb", &"x".repeat(256)] {
            assert!(check_file_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_file_name("data.csv").is_ok());
        let id = uuid::Uuid::new_v4().to_string();
        assert_eq!(
            parse_upload_path(&format!("uploads/{id}/data.csv")).unwrap(),
            (id.as_str(), "data.csv")
        );
        for bad in [
            "uploads/../etc/passwd".to_owned(),
            format!("uploads/{id}/../x"),
            format!("uploads/{id}"),
            "uploads/not-a-uuid/x".to_owned(),
        ] {
            assert!(parse_upload_path(&bad).is_err(), "{bad}");
        }
    }
}
