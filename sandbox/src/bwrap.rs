//! The bubblewrap backend: user, pid, ipc, uts, cgroup and (per policy) network
//! namespaces; the snapshot read-only underneath; `/app`, `/home/agent` and `/tmp` bound
//! from the sandbox's host directory; all capabilities dropped; a dedicated host uid per
//! sandbox when wharf runs as root; limits applied before the first sandboxed instruction.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustix::process::Resource;
use tokio::task::JoinHandle;

use crate::cgroup::Cgroup;
use crate::config::SandboxConfig;
use crate::dirs::Dirs;
use crate::exec::{ExecRequest, Execution};
use crate::fsio::{self, FoundFile, Skipped};
use crate::host::{find_init, host_binds, init_candidates, reachable_by_others};
use crate::init::{Forward, init_args};
use crate::policy::NetworkPolicy;
use crate::proxy::{EgressDecision, EgressLog};
use crate::snapshot::{SnapshotSource, resolve_snapshot};
use crate::spawn::{ChildSetup, install};
use crate::spec::{SandboxSpec, paths};
use crate::supervise::{self, Watch};
use crate::{Backend, Limits, Sandbox, SandboxError};

/// Creates bubblewrap sandboxes.
#[derive(Debug, Clone)]
pub struct BwrapBackend {
    config: Arc<SandboxConfig>,
    work_dir: PathBuf,
    tools_dir: Option<PathBuf>,
    init: Option<PathBuf>,
    as_root: bool,
    /// The `host` snapshot's binds, read once.
    host_binds: Arc<Vec<String>>,
}

impl BwrapBackend {
    /// Checks that bubblewrap runs and prepares the work directory.
    pub async fn new(config: SandboxConfig) -> Result<BwrapBackend, SandboxError> {
        let probe = tokio::process::Command::new(&config.bwrap)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await;
        match probe {
            Ok(s) if s.success() => {}
            Ok(s) => {
                let source =
                    std::io::Error::other(format!("`{} --version` exited with {s}", config.bwrap));
                return Err(SandboxError::BwrapMissing {
                    path: config.bwrap.clone(),
                    source,
                });
            }
            Err(source) => {
                return Err(SandboxError::BwrapMissing {
                    path: config.bwrap.clone(),
                    source,
                });
            }
        }
        std::fs::create_dir_all(&config.work_dir).map_err(SandboxError::io(
            "creating sandbox work directory",
            &config.work_dir,
        ))?;
        let work_dir = std::fs::canonicalize(&config.work_dir).map_err(SandboxError::io(
            "resolving sandbox work directory",
            &config.work_dir,
        ))?;
        let tools_dir = std::fs::canonicalize(&config.tools_dir).ok();
        let mut init = find_init(config.init_path.as_deref());
        let as_root = rustix::process::geteuid().is_root();
        if as_root {
            // Sandboxes run as other host users: everything bound must be reachable by them.
            reachable_by_others(&work_dir)?;
            if let Some(tools) = &tools_dir {
                reachable_by_others(tools)?;
            }
            // The init helper usually sits in a build directory; when that is closed to
            // other users (a checkout under /root), a copy in the work directory serves.
            if let Some(path) = init.clone()
                && reachable_by_others(&path).is_err()
            {
                let copy = work_dir.join(".wharf-sandbox-init");
                std::fs::copy(&path, &copy)
                    .map_err(SandboxError::io("copying the sandbox init helper", &copy))?;
                std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755))
                    .map_err(SandboxError::io("copying the sandbox init helper", &copy))?;
                init = Some(copy);
            }
        }
        Ok(BwrapBackend {
            config: Arc::new(config),
            work_dir,
            tools_dir,
            init,
            as_root,
            host_binds: Arc::new(host_binds()),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &SandboxConfig {
        &self.config
    }

    fn snapshot_binds(&self, snapshot: &str) -> Result<Arc<Vec<String>>, SandboxError> {
        let root = match resolve_snapshot(&self.config.snapshots, snapshot)?.source {
            SnapshotSource::Host => return Ok(self.host_binds.clone()),
            SnapshotSource::Root(root) => root,
        };
        let root = root.as_path();
        let mut args = Vec::new();
        let entries =
            std::fs::read_dir(root).map_err(SandboxError::io("reading snapshot", root))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if ["proc", "dev", "tmp", "app", "home", "run", "sys"].contains(&name.as_str()) {
                continue;
            }
            let path = entry.path();
            let dest = format!("/{name}");
            match std::fs::read_link(&path) {
                Ok(link) => args.extend([
                    "--symlink".into(),
                    link.to_string_lossy().into_owned(),
                    dest,
                ]),
                Err(_) => args.extend([
                    "--ro-bind".into(),
                    path.to_string_lossy().into_owned(),
                    dest,
                ]),
            }
        }
        Ok(Arc::new(args))
    }
}

#[async_trait::async_trait]
impl Backend for BwrapBackend {
    async fn create(&self, spec: SandboxSpec) -> Result<Arc<dyn Sandbox>, SandboxError> {
        let id = spec
            .id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
        fsio::plain_relative(&id)?;
        let binds = self.snapshot_binds(&spec.snapshot)?;
        let needs_init = matches!(
            spec.network.policy,
            NetworkPolicy::Gateway | NetworkPolicy::Allowlist
        );
        if needs_init && spec.network.gateway.is_none() {
            return Err(SandboxError::NoGateway(spec.network.policy.as_str()));
        }
        let init = match (needs_init, &self.init) {
            (true, Some(p)) => Some(p.clone()),
            (true, None) => {
                let looked = init_candidates();
                return Err(SandboxError::InitMissing(looked));
            }
            (false, _) => None,
        };
        let root = self.work_dir.join(&id);
        let ids = self.as_root.then(|| {
            let uid = self
                .config
                .uid_base
                .saturating_add(uuid::Uuid::new_v4().as_u128() as u32 % 60_000);
            (uid, uid)
        });
        let dirs = Dirs::new(&root);
        let prepared = {
            let dirs = dirs.clone();
            tokio::task::spawn_blocking(move || dirs.prepare(ids)).await
        };
        match prepared {
            Ok(r) => r?,
            Err(e) => {
                return Err(SandboxError::io("preparing sandbox", &root)(
                    std::io::Error::other(e),
                ));
            }
        }
        let cgroup = {
            let (id, limits) = (id.clone(), spec.limits.clone());
            tokio::task::spawn_blocking(move || Cgroup::create(&id, &limits))
                .await
                .ok()
                .flatten()
        };
        let egress: EgressLog = Arc::default();
        let mut tasks = Vec::new();
        let mut forwards = Vec::new();
        if needs_init {
            if let Some(gw) = spec.network.gateway {
                tasks.push(crate::relay::unix_to_tcp(
                    &dirs.run.join("gateway.sock"),
                    gw,
                )?);
                forwards.push(Forward {
                    port: paths::GATEWAY_PORT,
                    socket: format!("{}/gateway.sock", paths::SOCKETS),
                });
            }
            if spec.network.policy == NetworkPolicy::Allowlist {
                let allow = Arc::new(spec.network.allow.clone());
                tasks.push(crate::proxy::serve(
                    &dirs.run.join("proxy.sock"),
                    allow,
                    egress.clone(),
                )?);
                forwards.push(Forward {
                    port: paths::PROXY_PORT,
                    socket: format!("{}/proxy.sock", paths::SOCKETS),
                });
            }
        }
        let gateway_url = match spec.network.policy {
            NetworkPolicy::None => None,
            NetworkPolicy::Open => spec.network.gateway.map(|a| format!("http://{a}")),
            _ => Some(format!("http://127.0.0.1:{}", paths::GATEWAY_PORT)),
        };
        Ok(Arc::new(BwrapSandbox {
            id,
            bwrap: self.config.bwrap.clone(),
            dirs,
            binds,
            tools: self.tools_dir.clone(),
            init,
            forwards,
            ids,
            spec,
            cgroup: cgroup.map(Arc::new),
            egress,
            tasks: Mutex::new(tasks),
            gateway_url,
        }))
    }
}

/// A bubblewrap sandbox.
#[derive(Debug)]
struct BwrapSandbox {
    id: String,
    bwrap: String,
    dirs: Dirs,
    binds: Arc<Vec<String>>,
    tools: Option<PathBuf>,
    init: Option<PathBuf>,
    forwards: Vec<Forward>,
    ids: Option<(u32, u32)>,
    spec: SandboxSpec,
    cgroup: Option<Arc<Cgroup>>,
    egress: EgressLog,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    gateway_url: Option<String>,
}

impl BwrapSandbox {
    fn args(&self, request: &ExecRequest) -> Vec<String> {
        let s = |v: &str| v.to_owned();
        let p = |v: &Path| v.to_string_lossy().into_owned();
        let mut a: Vec<String> = vec![
            s("--unshare-user"),
            s("--unshare-pid"),
            s("--unshare-ipc"),
            s("--unshare-uts"),
            s("--unshare-cgroup-try"),
        ];
        if self.spec.network.policy.isolated() {
            a.push(s("--unshare-net"));
        }
        a.extend([
            s("--die-with-parent"),
            s("--new-session"),
            s("--cap-drop"),
            s("ALL"),
        ]);
        a.extend([
            s("--uid"),
            paths::INNER_ID.to_string(),
            s("--gid"),
            paths::INNER_ID.to_string(),
        ]);
        a.extend([s("--hostname"), s("wharf")]);
        a.extend(self.binds.iter().cloned());
        a.extend([
            s("--ro-bind"),
            p(&self.dirs.etc.join("passwd")),
            s("/etc/passwd"),
        ]);
        a.extend([
            s("--ro-bind"),
            p(&self.dirs.etc.join("group")),
            s("/etc/group"),
        ]);
        a.extend([s("--proc"), s("/proc"), s("--dev"), s("/dev")]);
        a.extend([s("--bind"), p(&self.dirs.tmp), s(paths::TMP)]);
        a.extend([s("--bind"), p(&self.dirs.app), s(paths::APP)]);
        a.extend([s("--bind"), p(&self.dirs.home), s(paths::HOME)]);
        if let Some(tools) = &self.tools {
            a.extend([s("--ro-bind"), p(tools), s(paths::TOOLS)]);
        }
        if let Some(init) = &self.init {
            a.extend([s("--ro-bind"), p(&self.dirs.run), s(paths::SOCKETS)]);
            a.extend([s("--ro-bind"), p(init), s(paths::INIT)]);
        }
        a.extend([
            s("--chdir"),
            request.cwd.clone().unwrap_or_else(|| s(paths::APP)),
        ]);
        a.push(s("--"));
        if self.init.is_some() {
            a.push(s(paths::INIT));
            a.extend(init_args(&self.forwards, &request.argv));
        } else {
            a.extend(request.argv.iter().cloned());
        }
        a
    }

    fn env(&self, request: &ExecRequest) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = vec![
            (
                "PATH".into(),
                "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin".into(),
            ),
            ("HOME".into(), paths::HOME.into()),
            ("USER".into(), "agent".into()),
            ("LOGNAME".into(), "agent".into()),
            ("LANG".into(), "C.UTF-8".into()),
            ("TMPDIR".into(), paths::TMP.into()),
            ("WHARF_SANDBOX".into(), self.id.clone()),
        ];
        if let Some(url) = &self.gateway_url {
            env.push(("WHARF_GATEWAY_URL".into(), url.clone()));
        }
        if self.spec.network.policy == NetworkPolicy::Allowlist {
            let proxy = format!("http://127.0.0.1:{}", paths::PROXY_PORT);
            for k in ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"] {
                env.push((k.into(), proxy.clone()));
            }
            for k in ["NO_PROXY", "no_proxy"] {
                env.push((k.into(), "127.0.0.1,localhost".into()));
            }
        }
        env.extend(self.spec.env.iter().cloned());
        env.extend(request.env.iter().cloned());
        env
    }

    fn child_setup(&self) -> Result<ChildSetup, SandboxError> {
        let limits: &Limits = &self.spec.limits;
        let mut setup = ChildSetup {
            ids: self.ids,
            ..ChildSetup::default()
        };
        if let Some(cg) = &self.cgroup {
            setup.join = cg.join_fds().map_err(SandboxError::io(
                "joining the sandbox cgroup",
                &self.dirs.root,
            ))?;
        }
        let tree_pids = self.cgroup.as_ref().is_some_and(|c| c.limits_pids());
        let tree_memory = self.cgroup.as_ref().is_some_and(|c| c.limits_memory());
        if let Some(cpu) = limits.cpu_seconds {
            setup
                .rlimits
                .push((Resource::Cpu, cpu, cpu.saturating_add(5)));
        }
        if let Some(bytes) = limits.max_file_bytes {
            setup.rlimits.push((Resource::Fsize, bytes, bytes));
        }
        if let Some(n) = limits.max_open_files {
            setup.rlimits.push((Resource::Nofile, n, n));
        }
        // RLIMIT_NPROC counts every process of the uid: only meaningful with a uid of our own.
        if let (Some(n), false, Some(_)) = (limits.max_pids, tree_pids, self.ids) {
            setup.rlimits.push((Resource::Nproc, n, n));
        }
        if let (Some(bytes), false) = (limits.memory_bytes, tree_memory) {
            setup.rlimits.push((Resource::As, bytes, bytes));
        }
        Ok(setup)
    }
}

#[async_trait::async_trait]
impl Sandbox for BwrapSandbox {
    fn id(&self) -> &str {
        &self.id
    }

    fn workspace(&self) -> &Path {
        &self.dirs.app
    }

    fn gateway_url(&self) -> Option<String> {
        self.gateway_url.clone()
    }

    async fn upload(&self, name: &str, bytes: Vec<u8>) -> Result<String, SandboxError> {
        if name.contains('/')
            || name == "."
            || name == ".."
            || name.is_empty()
            || name.contains('\0')
        {
            return Err(SandboxError::BadPath {
                path: name.to_owned(),
                reason: "an upload name is a plain file name",
            });
        }
        let path = format!("{}/{name}", paths::ASSETS);
        self.write_file(&path, bytes).await?;
        Ok(path)
    }

    async fn write_file(&self, path: &str, bytes: Vec<u8>) -> Result<(), SandboxError> {
        let (dir, rel) = self.dirs.map(path)?;
        let ids = self.ids;
        let target = dir.join(&rel);
        let job = move || -> Result<(), SandboxError> {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(SandboxError::io("creating directory", parent))?;
                if let Some((uid, gid)) = ids {
                    let _ = rustix::fs::chown(
                        parent,
                        Some(rustix::fs::Uid::from_raw(uid)),
                        Some(rustix::fs::Gid::from_raw(gid)),
                    );
                }
            }
            // Refuse to write through anything the sandbox may have planted.
            if target.symlink_metadata().is_ok_and(|m| !m.is_file()) {
                return Err(SandboxError::BadPath {
                    path: target.display().to_string(),
                    reason: "exists and is not a regular file",
                });
            }
            std::fs::write(&target, &bytes)
                .map_err(SandboxError::io("writing sandbox file", &target))?;
            if let Some((uid, gid)) = ids {
                rustix::fs::chown(
                    target.as_path(),
                    Some(rustix::fs::Uid::from_raw(uid)),
                    Some(rustix::fs::Gid::from_raw(gid)),
                )
                .map_err(|e| {
                    SandboxError::io("handing file to the sandbox user", &target)(e.into())
                })?;
            }
            Ok(())
        };
        tokio::task::spawn_blocking(job)
            .await
            .map_err(|e| SandboxError::io("writing sandbox file", path)(std::io::Error::other(e)))?
    }

    async fn exec(&self, request: ExecRequest) -> Result<Execution, SandboxError> {
        let program = request.argv.first().cloned().unwrap_or_default();
        if program.is_empty() {
            return Err(SandboxError::BadPath {
                path: String::new(),
                reason: "no program to run",
            });
        }
        let mut cmd = tokio::process::Command::new(&self.bwrap);
        cmd.args(self.args(&request))
            .env_clear()
            .envs(self.env(&request))
            .stdin(if request.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        install(&mut cmd, self.child_setup()?);
        let started = Instant::now();
        let child = cmd.spawn().map_err(|source| SandboxError::Spawn {
            program: program.clone(),
            source,
        })?;
        Ok(supervise::start(
            child,
            request.stdin,
            Watch {
                deadline: request.timeout.or(self.spec.limits.wall_timeout),
                cpu_limit: self.spec.limits.cpu_seconds.map(Duration::from_secs),
                cgroup: self.cgroup.clone(),
            },
            started,
        ))
    }

    async fn read_file(&self, path: &str, limit: u64) -> Result<Vec<u8>, SandboxError> {
        let (dir, rel) = self.dirs.map(path)?;
        tokio::task::spawn_blocking(move || fsio::read_beneath(&dir, &rel, limit))
            .await
            .map_err(|e| SandboxError::io("reading sandbox file", path)(std::io::Error::other(e)))?
    }

    async fn list_files(&self, dir: &str) -> Result<(Vec<FoundFile>, Vec<Skipped>), SandboxError> {
        let (root, rel) = match self.dirs.map(dir) {
            Ok(v) => v,
            Err(_) if dir == paths::APP => (self.dirs.app.clone(), PathBuf::new()),
            Err(e) => return Err(e),
        };
        let base = root.join(rel);
        // The listed directory itself must not be a symlink planted by the sandbox.
        if base
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            return Err(SandboxError::BadPath {
                path: dir.to_owned(),
                reason: "is a symlink",
            });
        }
        tokio::task::spawn_blocking(move || fsio::list_regular(&base, 10_000))
            .await
            .map_err(|e| SandboxError::io("listing sandbox files", dir)(std::io::Error::other(e)))
    }

    fn egress_log(&self) -> Vec<EgressDecision> {
        self.egress.lock().map(|l| l.clone()).unwrap_or_default()
    }

    async fn destroy(&self, keep: bool) -> Result<(), SandboxError> {
        if let Ok(mut tasks) = self.tasks.lock() {
            for t in tasks.drain(..) {
                t.abort();
            }
        }
        if let Some(cg) = self.cgroup.clone() {
            let _ = tokio::task::spawn_blocking(move || cg.destroy()).await;
        }
        let _ = tokio::fs::remove_dir_all(&self.dirs.run).await;
        if !keep {
            let root = self.dirs.root.clone();
            tokio::fs::remove_dir_all(&root)
                .await
                .map_err(SandboxError::io("removing sandbox workspace", root))?;
        }
        Ok(())
    }
}

impl Drop for BwrapSandbox {
    fn drop(&mut self) {
        if let Ok(mut tasks) = self.tasks.lock() {
            for t in tasks.drain(..) {
                t.abort();
            }
        }
        if let Some(cg) = &self.cgroup {
            cg.destroy();
        }
    }
}
