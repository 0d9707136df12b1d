//! Control groups for the whole process tree of a sandbox: pids, memory and CPU limits
//! that fork bombs and children cannot escape, and an atomic kill (freeze, kill, thaw).
//! cgroup v1 (separate hierarchies) and v2 (unified) are both handled; where neither is
//! writable the sandbox falls back to per-process rlimits and says so once.

use std::fs;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Duration;

use crate::limits::Limits;

const ROOT: &str = "/sys/fs/cgroup";
const PARENT: &str = "wharf";

/// The cgroup(s) of one sandbox.
#[derive(Debug)]
pub(crate) struct Cgroup {
    layout: Layout,
}

#[derive(Debug)]
enum Layout {
    /// One directory per controller hierarchy.
    V1 {
        pids: Option<PathBuf>,
        memory: Option<PathBuf>,
        cpuacct: Option<PathBuf>,
        freezer: Option<PathBuf>,
    },
    /// One directory in the unified hierarchy.
    V2 { dir: PathBuf },
}

static FALLBACK_WARNING: Once = Once::new();

impl Cgroup {
    /// Creates the sandbox's cgroups with `limits`, or `None` where cgroups are not writable.
    pub(crate) fn create(name: &str, limits: &Limits) -> Option<Cgroup> {
        let made = if Path::new(ROOT).join("cgroup.controllers").exists() {
            create_v2(name, limits)
        } else {
            create_v1(name, limits)
        };
        if made.is_none() {
            FALLBACK_WARNING.call_once(|| {
                tracing::warn!(
                    "cgroups are not writable here: sandbox limits fall back to per-process rlimits \
                     (no whole-tree memory or pids limit)"
                );
            });
        }
        made
    }

    /// Files a child writes `0` into to join these cgroups, opened now (before fork).
    pub(crate) fn join_fds(&self) -> std::io::Result<Vec<OwnedFd>> {
        self.dirs()
            .into_iter()
            .map(|d| {
                fs::OpenOptions::new()
                    .write(true)
                    .open(d.join("cgroup.procs"))
                    .map(OwnedFd::from)
            })
            .collect()
    }

    /// Whether the tree has a whole-tree pids limit (then RLIMIT_NPROC is not needed).
    pub(crate) fn limits_pids(&self) -> bool {
        match &self.layout {
            Layout::V1 { pids, .. } => pids.is_some(),
            Layout::V2 { dir } => dir.join("pids.max").exists(),
        }
    }

    /// Whether the tree has a whole-tree memory limit.
    pub(crate) fn limits_memory(&self) -> bool {
        match &self.layout {
            Layout::V1 { memory, .. } => memory.is_some(),
            Layout::V2 { dir } => dir.join("memory.max").exists(),
        }
    }

    /// CPU time used by the whole tree so far.
    pub(crate) fn cpu_used(&self) -> Option<Duration> {
        match &self.layout {
            Layout::V1 { cpuacct, .. } => {
                let ns: u64 = read_trim(&cpuacct.as_ref()?.join("cpuacct.usage"))?
                    .parse()
                    .ok()?;
                Some(Duration::from_nanos(ns))
            }
            Layout::V2 { dir } => {
                let stat = fs::read_to_string(dir.join("cpu.stat")).ok()?;
                let usec = keyed(&stat, "usage_usec")?;
                Some(Duration::from_micros(usec))
            }
        }
    }

    /// How often the memory limit killed a process (or was hit, where the kernel does not count kills).
    pub(crate) fn oom_kills(&self) -> u64 {
        match &self.layout {
            Layout::V1 {
                memory: Some(m), ..
            } => fs::read_to_string(m.join("memory.oom_control"))
                .ok()
                .and_then(|s| keyed(&s, "oom_kill"))
                .unwrap_or(0),
            Layout::V1 { .. } => 0,
            Layout::V2 { dir } => fs::read_to_string(dir.join("memory.events"))
                .ok()
                .and_then(|s| keyed(&s, "oom_kill"))
                .unwrap_or(0),
        }
    }

    /// How often a fork was refused by the pids limit.
    pub(crate) fn pids_refusals(&self) -> u64 {
        let file = match &self.layout {
            Layout::V1 { pids: Some(p), .. } => p.join("pids.events"),
            Layout::V1 { .. } => return 0,
            Layout::V2 { dir } => dir.join("pids.events"),
        };
        fs::read_to_string(file)
            .ok()
            .and_then(|s| keyed(&s, "max"))
            .unwrap_or(0)
    }

    /// Kills every process in the tree: freeze (so nothing forks meanwhile), SIGKILL all, thaw.
    /// Blocking; call from a blocking context.
    pub(crate) fn kill_all(&self) {
        let freezer = match &self.layout {
            Layout::V1 { freezer, .. } => freezer
                .as_ref()
                .map(|d| (d.join("freezer.state"), "FROZEN", "THAWED")),
            Layout::V2 { dir } => {
                if write(&dir.join("cgroup.kill"), "1").is_ok() {
                    wait_empty(&self.procs_file(), 100);
                    return;
                }
                Some((dir.join("cgroup.freeze"), "1", "0"))
            }
        };
        if let Some((state, frozen, _)) = &freezer {
            let _ = write(state, frozen);
        }
        let procs = self.procs_file();
        for _ in 0..200 {
            let pids = read_pids(&procs);
            if pids.is_empty() {
                break;
            }
            for pid in pids {
                if let Some(pid) = rustix::process::Pid::from_raw(pid) {
                    let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
                }
            }
            if let Some((state, _, thawed)) = &freezer {
                // SIGKILL is delivered to frozen tasks only once they thaw.
                let _ = write(state, thawed);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Kills what is left and removes the directories.
    pub(crate) fn destroy(&self) {
        self.kill_all();
        for dir in self.dirs() {
            for _ in 0..50 {
                if fs::remove_dir(dir).is_ok() || !dir.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    /// Every directory of this cgroup (one per v1 hierarchy, or the v2 one).
    fn dirs(&self) -> Vec<&PathBuf> {
        match &self.layout {
            Layout::V1 {
                pids,
                memory,
                cpuacct,
                freezer,
            } => [pids, memory, cpuacct, freezer]
                .into_iter()
                .flatten()
                .collect(),
            Layout::V2 { dir } => vec![dir],
        }
    }

    /// The member list (the same processes in every hierarchy).
    fn procs_file(&self) -> PathBuf {
        self.dirs()
            .first()
            .map(|d| d.join("cgroup.procs"))
            .unwrap_or_default()
    }
}

fn create_v1(name: &str, limits: &Limits) -> Option<Cgroup> {
    let make = |controller: &str| -> Option<PathBuf> {
        let base = Path::new(ROOT).join(controller);
        if !base.join("cgroup.procs").exists() {
            return None;
        }
        let dir = base.join(PARENT).join(name);
        fs::create_dir_all(&dir).ok()?;
        Some(dir)
    };
    let pids = make("pids");
    let memory = make("memory");
    let cpuacct = make("cpuacct");
    let freezer = make("freezer");
    if pids.is_none() && memory.is_none() {
        return None;
    }
    if let (Some(dir), Some(max)) = (&pids, limits.max_pids) {
        write(&dir.join("pids.max"), &max.to_string()).ok()?;
    }
    if let (Some(dir), Some(bytes)) = (&memory, limits.memory_bytes) {
        write(&dir.join("memory.limit_in_bytes"), &bytes.to_string()).ok()?;
        // Swap counts too where the kernel accounts it, so the limit cannot be dodged by swapping.
        let _ = write(&dir.join("memory.memsw.limit_in_bytes"), &bytes.to_string());
    }
    Some(Cgroup {
        layout: Layout::V1 {
            pids,
            memory,
            cpuacct,
            freezer,
        },
    })
}

fn create_v2(name: &str, limits: &Limits) -> Option<Cgroup> {
    let parent = Path::new(ROOT).join(PARENT);
    fs::create_dir_all(&parent).ok()?;
    let _ = write(
        &Path::new(ROOT).join("cgroup.subtree_control"),
        "+pids +memory +cpu",
    );
    let _ = write(&parent.join("cgroup.subtree_control"), "+pids +memory +cpu");
    let dir = parent.join(name);
    fs::create_dir_all(&dir).ok()?;
    if let Some(max) = limits.max_pids {
        write(&dir.join("pids.max"), &max.to_string()).ok()?;
    }
    if let Some(bytes) = limits.memory_bytes {
        write(&dir.join("memory.max"), &bytes.to_string()).ok()?;
        let _ = write(&dir.join("memory.swap.max"), "0");
    }
    Some(Cgroup {
        layout: Layout::V2 { dir },
    })
}

fn write(path: &Path, value: &str) -> std::io::Result<()> {
    let mut f = fs::OpenOptions::new().write(true).open(path)?;
    f.write_all(value.as_bytes())
}

fn read_trim(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok().map(|s| s.trim().to_owned())
}

fn read_pids(path: &Path) -> Vec<i32> {
    fs::read_to_string(path)
        .map(|s| s.lines().filter_map(|l| l.trim().parse().ok()).collect())
        .unwrap_or_default()
}

fn wait_empty(procs: &Path, tries: u32) {
    for _ in 0..tries {
        if read_pids(procs).is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The number after `key ` in a `key value` lines file.
fn keyed(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::keyed;

    #[test]
    fn keyed_reads_the_named_counter() {
        let text = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
        assert_eq!(keyed(text, "oom_kill"), Some(3));
        assert_eq!(keyed(text, "under_oom"), Some(0));
        assert_eq!(keyed(text, "missing"), None);
    }
}
