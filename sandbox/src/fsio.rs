//! Host-side access to a sandbox's files. Everything the sandbox wrote is untrusted: paths
//! are resolved beneath the workspace without following any symlink (a symlink planted in
//! `/app/results` pointing at `/etc/shadow` is refused, not read), and reads are bounded.

use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{Mode, OFlags, ResolveFlags, openat2};

use crate::SandboxError;

/// A file found under a sandbox directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    /// Path relative to the listed directory, `/`-separated.
    pub relative: String,
    /// Size in bytes.
    pub size: u64,
}

/// What a listing skipped and why (symlinks, devices, sockets, too deep, too many).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Path of the entry, relative to the listed directory.
    pub relative: String,
    /// `symlink`, `nested too deep`, `not a regular file` or `too many files`.
    pub reason: &'static str,
}

/// Splits a relative path into plain components, refusing `..`, absolute and empty paths.
pub(crate) fn plain_relative(path: &str) -> Result<PathBuf, SandboxError> {
    let bad = |reason| SandboxError::BadPath {
        path: path.to_owned(),
        reason,
    };
    if path.is_empty() || path.contains('\0') {
        return Err(bad("empty or contains NUL"));
    }
    let mut out = PathBuf::new();
    for c in Path::new(path).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => return Err(bad("`..` is not allowed")),
            Component::RootDir | Component::Prefix(_) => return Err(bad("must be relative")),
        }
    }
    if out.as_os_str().is_empty() {
        return Err(bad("names no file"));
    }
    Ok(out)
}

/// Reads `relative` beneath `root`, at most `limit` bytes, following no symlink.
pub(crate) fn read_beneath(
    root: &Path,
    relative: &Path,
    limit: u64,
) -> Result<Vec<u8>, SandboxError> {
    let shown = relative.display().to_string();
    let dir =
        std::fs::File::open(root).map_err(SandboxError::io("opening sandbox directory", root))?;
    let fd = openat2(
        &dir,
        relative,
        OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW,
        Mode::empty(),
        ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
    )
    .map_err(|e| match e {
        rustix::io::Errno::LOOP | rustix::io::Errno::XDEV => SandboxError::BadPath {
            path: shown.clone(),
            reason: "goes through a symlink",
        },
        other => SandboxError::Io {
            what: "reading sandbox file",
            path: root.join(relative),
            source: other.into(),
        },
    })?;
    let mut file = std::fs::File::from(fd);
    let meta = file.metadata().map_err(SandboxError::io(
        "reading sandbox file",
        root.join(relative),
    ))?;
    if !meta.is_file() {
        return Err(SandboxError::BadPath {
            path: shown,
            reason: "is not a regular file",
        });
    }
    if meta.size() > limit {
        return Err(SandboxError::TooLarge {
            path: shown,
            size: meta.size(),
            limit,
        });
    }
    let mut buf = Vec::with_capacity(usize::try_from(meta.size()).unwrap_or(0));
    file.by_ref()
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(SandboxError::io(
            "reading sandbox file",
            root.join(relative),
        ))?;
    if buf.len() as u64 > limit {
        return Err(SandboxError::TooLarge {
            path: shown,
            size: buf.len() as u64,
            limit,
        });
    }
    Ok(buf)
}

/// Lists regular files under `dir` (recursively, depth and count bounded), never following
/// symlinks; everything else is reported as skipped.
pub(crate) fn list_regular(dir: &Path, max_files: usize) -> (Vec<FoundFile>, Vec<Skipped>) {
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new(), 0usize)];
    while let Some((path, rel, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let relative = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let Ok(meta) = entry.path().symlink_metadata() else {
                continue;
            };
            if meta.file_type().is_symlink() {
                skipped.push(Skipped {
                    relative,
                    reason: "symlink",
                });
            } else if meta.is_dir() {
                if depth >= 32 {
                    skipped.push(Skipped {
                        relative,
                        reason: "nested too deep",
                    });
                } else {
                    stack.push((entry.path(), relative, depth + 1));
                }
            } else if !meta.is_file() {
                skipped.push(Skipped {
                    relative,
                    reason: "not a regular file",
                });
            } else if found.len() >= max_files {
                skipped.push(Skipped {
                    relative,
                    reason: "too many files",
                });
            } else {
                found.push(FoundFile {
                    relative,
                    size: meta.size(),
                });
            }
        }
    }
    found.sort_by(|a, b| a.relative.cmp(&b.relative));
    (found, skipped)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn relative_paths_are_checked() {
        assert_eq!(
            plain_relative("a/./b.txt").unwrap(),
            PathBuf::from("a/b.txt")
        );
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "a\0b", "."] {
            assert!(plain_relative(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn symlinks_are_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "host secret").unwrap();
        std::fs::write(dir.path().join("ok.txt"), "fine").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("leak")).unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("sub/link")).unwrap();

        assert_eq!(
            read_beneath(dir.path(), Path::new("ok.txt"), 100).unwrap(),
            b"fine"
        );
        let err = read_beneath(dir.path(), Path::new("leak"), 100)
            .unwrap_err()
            .to_string();
        assert!(err.contains("symlink"), "{err}");
        assert!(read_beneath(dir.path(), Path::new("sub/link/secret"), 100).is_err());
        let err = read_beneath(dir.path(), Path::new("ok.txt"), 2)
            .unwrap_err()
            .to_string();
        assert!(err.contains("over the 2-byte bound"), "{err}");

        let (found, skipped) = list_regular(dir.path(), 10);
        assert_eq!(
            found,
            vec![FoundFile {
                relative: "ok.txt".into(),
                size: 4
            }]
        );
        let names: Vec<_> = skipped.iter().map(|s| s.relative.as_str()).collect();
        assert_eq!(names, ["leak", "sub/link"]);
    }
}
