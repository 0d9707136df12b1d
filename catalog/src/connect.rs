//! Catalog URLs: which backend, where, and how to connect.

use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::CatalogError;

/// The database behind a catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    /// A single SQLite file (the default).
    Sqlite,
    /// A Postgres server (scale-out: several `wharf serve` processes).
    Postgres,
}

impl Backend {
    /// The backend's name as reported by `Catalog::backend`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A parsed catalog URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// `sqlite:PATH` or `sqlite://PATH`.
    Sqlite(PathBuf),
    /// `postgres://...` or `postgresql://...`, passed through unchanged.
    Postgres(String),
}

/// Parses a catalog URL; anything unsupported is [`CatalogError::Url`] naming the (redacted) URL.
pub(crate) fn parse(url: &str) -> Result<Target, CatalogError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Target::Postgres(url.to_owned()));
    }
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let path = rest.strip_prefix("//").unwrap_or(rest);
        if path.is_empty() || path.contains('?') || path == ":memory:" {
            return Err(CatalogError::Url(format!(
                "`{}` does not name a database file (use sqlite:PATH without query parameters)",
                redact(url)
            )));
        }
        return Ok(Target::Sqlite(PathBuf::from(path)));
    }
    Err(CatalogError::Url(format!(
        "`{}` is not supported: use sqlite:PATH, sqlite://PATH, postgres://... or postgresql://...",
        redact(url)
    )))
}

/// The URL with any password replaced by `***`.
pub(crate) fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let authority_start = scheme_end + 3;
    let authority_end = url[authority_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| authority_start + i);
    let authority = &url[authority_start..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else {
        return url.to_owned();
    };
    format!(
        "{}{}:***{}",
        &url[..authority_start],
        &userinfo[..colon],
        &url[authority_start + at..]
    )
}

/// Creates the SQLite file with mode 0600 if absent and returns the URL sqlx should open.
pub(crate) fn prepare_sqlite(path: &Path) -> Result<String, CatalogError> {
    let shown = path.display();
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(CatalogError::io(format!(
            "creating catalog database {shown}"
        )))?;
    let absolute = std::fs::canonicalize(path).map_err(CatalogError::io(format!(
        "resolving catalog database {shown}"
    )))?;
    let text = absolute.to_str().ok_or_else(|| {
        CatalogError::Url(format!("catalog database path {shown} is not valid UTF-8"))
    })?;
    Ok(format!("sqlite://{}?mode=rwc", percent_encode(text)))
}

fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_supported_urls() {
        assert_eq!(
            parse("sqlite:a/b.db").unwrap(),
            Target::Sqlite("a/b.db".into())
        );
        assert_eq!(
            parse("sqlite:///abs.db").unwrap(),
            Target::Sqlite("/abs.db".into())
        );
        assert_eq!(
            parse("sqlite://rel.db").unwrap(),
            Target::Sqlite("rel.db".into())
        );
        assert!(matches!(
            parse("postgresql://h/db").unwrap(),
            Target::Postgres(_)
        ));
    }

    #[test]
    fn unsupported_url_is_named_with_password_redacted() {
        let err = parse("mysql://user:hunter2@host/db")
            .unwrap_err()
            .to_string();
        assert!(err.contains("mysql://user:***@host/db"), "{err}");
        assert!(!err.contains("hunter2"));
        assert!(parse("sqlite:").is_err());
        assert!(parse("/just/a/path").is_err());
    }

    #[test]
    fn redacts_only_the_password() {
        assert_eq!(
            redact("postgres://u:p@h:5/d?x=1"),
            "postgres://u:***@h:5/d?x=1"
        );
        assert_eq!(redact("postgres://u@h/d"), "postgres://u@h/d");
        assert_eq!(redact("postgres://h/d"), "postgres://h/d");
    }

    #[test]
    fn encodes_special_characters_in_paths() {
        assert_eq!(percent_encode("/a b/c?#%.db"), "/a%20b/c%3F%23%25.db");
    }
}
