//! What a sandbox takes from the host: the `host` snapshot's system directories, the
//! in-sandbox init helper, and the check that the directories bound for sandbox users are
//! reachable by them.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::SandboxError;

/// Errors when a directory on the way to `path` is closed to other users (e.g. `/root`).
pub(crate) fn reachable_by_others(path: &Path) -> Result<(), SandboxError> {
    for dir in path.ancestors().skip(1) {
        let Ok(meta) = std::fs::metadata(dir) else {
            continue;
        };
        if meta.permissions().mode() & 0o001 == 0 {
            return Err(SandboxError::BadPath {
                path: path.display().to_string(),
                reason: "a parent directory is closed to other users (mode without o+x), and sandboxes run as their own users; choose a work_dir / tools_dir outside it",
            });
        }
    }
    Ok(())
}

/// The host's system directories, read-only, as the `host` snapshot.
pub(crate) fn host_binds() -> Vec<String> {
    let mut args: Vec<String> = vec!["--ro-bind".into(), "/usr".into(), "/usr".into()];
    args.extend(["--ro-bind".into(), "/etc".into(), "/etc".into()]);
    for top in ["/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"] {
        match std::fs::read_link(top) {
            Ok(link) => args.extend([
                "--symlink".into(),
                link.to_string_lossy().into_owned(),
                top.into(),
            ]),
            Err(_) if Path::new(top).is_dir() => {
                args.extend(["--ro-bind".into(), top.into(), top.into()])
            }
            Err(_) => {}
        }
    }
    args
}

/// `wharf-sandbox-init`: configured, else next to the running binary (or one level up,
/// for test binaries under `target/*/deps`).
pub(crate) fn find_init(configured: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = configured {
        return Some(p.to_path_buf());
    }
    init_candidates().into_iter().find(|p| p.is_file())
}

/// Where the init helper is looked for when not configured.
pub(crate) fn init_candidates() -> Vec<PathBuf> {
    let Ok(exe) = std::env::current_exe() else {
        return Vec::new();
    };
    exe.ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join("wharf-sandbox-init"))
        .collect()
}
