//! What a sandbox's first process does between fork and exec, before any sandboxed code
//! runs: join the sandbox's cgroups, lower its rlimits, drop to the sandbox's own user.
//! Doing it here (not after spawn) leaves no window in which a process could fork outside
//! the limits. This is the crate's only unsafe code.

#![allow(unsafe_code)]

use std::os::fd::OwnedFd;

use rustix::fs::{Gid, Uid};
use rustix::process::{Resource, Rlimit, setrlimit};
use rustix::thread::{set_thread_groups, set_thread_res_gid, set_thread_res_uid};

/// The child-side setup of one spawn.
#[derive(Debug, Default)]
pub(crate) struct ChildSetup {
    /// `cgroup.procs` files (opened by the parent) the child joins by writing `0`.
    pub join: Vec<OwnedFd>,
    /// (resource, soft limit, hard limit).
    pub rlimits: Vec<(Resource, u64, u64)>,
    /// Host uid/gid to run as (only when wharf runs as root).
    pub ids: Option<(u32, u32)>,
}

/// Installs `setup` to run in the child of `cmd`.
pub(crate) fn install(cmd: &mut tokio::process::Command, setup: ChildSetup) {
    let ChildSetup { join, rlimits, ids } = setup;
    let run = move || -> std::io::Result<()> {
        for fd in &join {
            rustix::io::write(fd, b"0")?;
        }
        for (resource, soft, hard) in &rlimits {
            setrlimit(
                *resource,
                Rlimit {
                    current: Some(*soft),
                    maximum: Some(*hard),
                },
            )?;
        }
        if let Some((uid, gid)) = ids {
            set_thread_groups(&[])?;
            let gid = Gid::from_raw(gid);
            set_thread_res_gid(gid, gid, gid)?;
            let uid = Uid::from_raw(uid);
            set_thread_res_uid(uid, uid, uid)?;
        }
        Ok(())
    };
    // SAFETY: the closure runs in the forked child before exec. It only issues raw system
    // calls through rustix (write, setrlimit, setgroups, setresgid, setresuid) on data
    // moved in before the fork; it takes no locks and does not allocate.
    unsafe {
        cmd.pre_exec(run);
    }
}
