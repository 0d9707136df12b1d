//! What a runbook's `snapshot:` names: the root filesystem a sandbox starts from.
//!
//! A name resolves, in order, through the configured aliases (`[sandbox.snapshots]`:
//! `host` or a root filesystem directory), then Jetty's public snapshot names, then an
//! absolute path to a root filesystem. Jetty's names run on `host` until real snapshot
//! images exist, with a warning that says what the snapshot would have had, so the
//! runbooks written for Jetty run unchanged. Any other name is an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::SandboxError;

/// Jetty's public snapshots: (name, what it provides).
pub const JETTY_SNAPSHOTS: &[(&str, &str)] = &[
    (
        "python312-uv",
        "Python 3.12 and uv on Debian, with ffmpeg and common build tools",
    ),
    (
        "python312-uv-office",
        "Python 3.12 and uv with LibreOffice and the office document libraries (openpyxl, python-docx, python-pptx)",
    ),
    (
        "prism-playwright",
        "Python 3.12 and uv with Playwright and its Chromium browser",
    ),
];

/// Where a sandbox's root filesystem comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotSource {
    /// The host's system directories, read-only.
    Host,
    /// A root filesystem directory (it has a `usr/`).
    Root(PathBuf),
}

/// A resolved snapshot name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedSnapshot {
    /// The root filesystem.
    pub source: SnapshotSource,
    /// What the run should know (a Jetty snapshot stood in for by `host`).
    pub warning: Option<String>,
}

/// Resolves `name` (empty: `host`) with the configured `aliases`.
pub fn resolve_snapshot(
    aliases: &BTreeMap<String, String>,
    name: &str,
) -> Result<ResolvedSnapshot, SandboxError> {
    let name = if name.trim().is_empty() {
        "host"
    } else {
        name.trim()
    };
    let found = |source| {
        Ok(ResolvedSnapshot {
            source,
            warning: None,
        })
    };
    if let Some(target) = aliases.get(name) {
        return match target.as_str() {
            "host" => found(SnapshotSource::Host),
            dir => match root_dir(dir) {
                Some(root) => found(SnapshotSource::Root(root)),
                None => Err(SandboxError::UnknownSnapshot {
                    name: name.to_owned(),
                    reason: format!(
                        "its alias in [sandbox.snapshots] points at `{dir}`, which is not an absolute path to a root filesystem (a directory with usr/)"
                    ),
                }),
            },
        };
    }
    if name == "host" {
        return found(SnapshotSource::Host);
    }
    if let Some((_, has)) = JETTY_SNAPSHOTS.iter().find(|(n, _)| *n == name) {
        return Ok(ResolvedSnapshot {
            source: SnapshotSource::Host,
            warning: Some(format!(
                "snapshot `{name}` (Jetty's: {has}) is not built on this server; the run uses the host's system directories (`host`), so the agent has only what this machine has installed; map `{name}` to a root filesystem in [sandbox.snapshots] to change that"
            )),
        });
    }
    if let Some(root) = root_dir(name) {
        return found(SnapshotSource::Root(root));
    }
    let mut known: Vec<&str> = std::iter::once("host")
        .chain(aliases.keys().map(String::as_str))
        .chain(JETTY_SNAPSHOTS.iter().map(|(n, _)| *n))
        .collect();
    known.sort_unstable();
    known.dedup();
    Err(SandboxError::UnknownSnapshot {
        name: name.to_owned(),
        reason: format!(
            "not `host`, a configured alias, a Jetty snapshot or an absolute path to a root filesystem; known names: {}",
            known.join(", ")
        ),
    })
}

/// An absolute path to a directory with a `usr/`.
fn root_dir(path: &str) -> Option<PathBuf> {
    let root = Path::new(path);
    (root.is_absolute() && root.join("usr").is_dir()).then(|| root.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aliases() -> BTreeMap<String, String> {
        [("python311".to_owned(), "host".to_owned())].into()
    }

    #[test]
    fn jetty_names_run_on_host_with_a_warning_naming_what_they_had() {
        for (name, has) in JETTY_SNAPSHOTS {
            let r = resolve_snapshot(&aliases(), name).unwrap();
            assert_eq!(r.source, SnapshotSource::Host, "{name}");
            let warning = r.warning.unwrap();
            assert!(warning.contains(name) && warning.contains(has), "{warning}");
        }
    }

    #[test]
    fn a_configured_alias_wins_over_a_jetty_name_and_says_nothing() {
        let mut aliases = aliases();
        aliases.insert("prism-playwright".into(), "host".into());
        let r = resolve_snapshot(&aliases, "prism-playwright").unwrap();
        assert_eq!(r.warning, None);
    }

    #[test]
    fn host_aliases_and_root_directories_resolve_silently() {
        for name in ["", "host", "python311"] {
            let r = resolve_snapshot(&aliases(), name).unwrap();
            assert_eq!(
                (r.source, r.warning),
                (SnapshotSource::Host, None),
                "{name}"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("usr")).unwrap();
        let path = dir.path().to_str().unwrap();
        let r = resolve_snapshot(&aliases(), path).unwrap();
        assert_eq!(r.source, SnapshotSource::Root(dir.path().to_path_buf()));
    }

    #[test]
    fn an_unknown_name_is_an_error_listing_the_known_ones() {
        let e = resolve_snapshot(&aliases(), "python312-uv-offfice")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown snapshot `python312-uv-offfice`"), "{e}");
        assert!(
            e.contains("python312-uv-office") && e.contains("python311"),
            "{e}"
        );
        let mut bad = aliases();
        bad.insert("mine".into(), "relative/dir".into());
        let e = resolve_snapshot(&bad, "mine").unwrap_err().to_string();
        assert!(e.contains("relative/dir"), "{e}");
    }
}
