//! The host side of one sandbox's file system: the directories bound at `/app`,
//! `/home/agent` and `/tmp`, wharf's own run directory, the generated `/etc` files, and the
//! mapping from a sandbox path to a host path that never leaves them.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::SandboxError;
use crate::fsio;
use crate::spec::paths;

/// The host directories of one sandbox.
#[derive(Debug, Clone)]
pub(crate) struct Dirs {
    /// The sandbox's own directory.
    pub root: PathBuf,
    /// `/app`.
    pub app: PathBuf,
    /// `/home/agent`.
    pub home: PathBuf,
    /// `/tmp`.
    pub tmp: PathBuf,
    /// wharf's sockets and helpers, never bound into the sandbox writable.
    pub run: PathBuf,
    /// The generated `/etc/passwd` and `/etc/group`.
    pub etc: PathBuf,
}

impl Dirs {
    /// The layout under `root`.
    pub(crate) fn new(root: &Path) -> Dirs {
        Dirs {
            root: root.to_path_buf(),
            app: root.join("app"),
            home: root.join("home"),
            tmp: root.join("tmp"),
            run: root.join("run"),
            etc: root.join("etc"),
        }
    }

    /// Creates the directories (owned by `ids`, the sandbox's host uid and gid, when
    /// wharf runs as root) and the sandbox's `/etc/passwd` and `/etc/group`.
    pub(crate) fn prepare(&self, ids: Option<(u32, u32)>) -> Result<(), SandboxError> {
        let mk = |p: &Path| {
            std::fs::create_dir_all(p).map_err(SandboxError::io("creating sandbox directory", p))
        };
        mk(&self.root)?;
        let perm = |p: &Path, mode| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
                .map_err(SandboxError::io("setting permissions", p))
        };
        perm(&self.root, 0o711)?;
        // The directories the agent writes (owned by its uid), then wharf's own.
        let (assets, results) = (self.app.join("assets"), self.app.join("results"));
        let agent_dirs = [&self.app, &assets, &results, &self.home, &self.tmp];
        for d in agent_dirs.iter().copied().chain([&self.run, &self.etc]) {
            mk(d)?;
        }
        perm(&self.tmp, 0o1777)?;
        let inner = paths::INNER_ID;
        std::fs::write(
            self.etc.join("passwd"),
            format!("root:x:0:0:root:/root:/usr/sbin/nologin\nagent:x:{inner}:{inner}:wharf agent:{}:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", paths::HOME),
        )
        .map_err(SandboxError::io("writing sandbox passwd", &self.etc))?;
        std::fs::write(
            self.etc.join("group"),
            format!("root:x:0:\nagent:x:{inner}:\nnogroup:x:65534:\n"),
        )
        .map_err(SandboxError::io("writing sandbox group", &self.etc))?;
        if let Some((uid, gid)) = ids {
            for d in agent_dirs {
                rustix::fs::chown(
                    d.as_path(),
                    Some(rustix::fs::Uid::from_raw(uid)),
                    Some(rustix::fs::Gid::from_raw(gid)),
                )
                .map_err(|e| {
                    SandboxError::io("handing directory to the sandbox user", d.as_path())(e.into())
                })?;
            }
        }
        Ok(())
    }

    /// Host directory and relative path for an absolute sandbox path.
    pub(crate) fn map(&self, path: &str) -> Result<(PathBuf, PathBuf), SandboxError> {
        let bad = |reason| SandboxError::BadPath {
            path: path.to_owned(),
            reason,
        };
        for (prefix, dir) in [
            (paths::APP, &self.app),
            (paths::HOME, &self.home),
            (paths::TMP, &self.tmp),
        ] {
            if let Some(rest) = path.strip_prefix(prefix) {
                if rest.is_empty() {
                    return Err(bad("names a directory, not a file"));
                }
                if let Some(rest) = rest.strip_prefix('/') {
                    return Ok((dir.clone(), fsio::plain_relative(rest)?));
                }
            }
        }
        Err(bad("must be under /app, /home/agent or /tmp"))
    }
}
