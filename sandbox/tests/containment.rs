//! Containment of the bubblewrap backend, each property against the real `bwrap`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wharf_sandbox::{
    Backend, BwrapBackend, ExecRequest, ExitReason, HostPattern, Limits, Network, NetworkPolicy,
    Sandbox, SandboxConfig, SandboxSpec, Stream,
};

struct Fixture {
    _dir: tempfile::TempDir,
    backend: BwrapBackend,
}

impl Fixture {
    /// A sandbox with no network and the default limits.
    async fn isolated(&self) -> Arc<dyn Sandbox> {
        self.backend
            .create(spec(NetworkPolicy::None, None, &[]))
            .await
            .unwrap()
    }
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let config = SandboxConfig {
        work_dir: dir.path().join("work"),
        tools_dir: dir.path().join("tools"),
        init_path: Some(PathBuf::from(env!("CARGO_BIN_EXE_wharf-sandbox-init"))),
        ..SandboxConfig::default()
    };
    let backend = BwrapBackend::new(config)
        .await
        .expect("bubblewrap must be installed (apt-get install bubblewrap)");
    Fixture { _dir: dir, backend }
}

fn spec(policy: NetworkPolicy, gateway: Option<SocketAddr>, allow: &[&str]) -> SandboxSpec {
    SandboxSpec {
        snapshot: "host".into(),
        limits: Limits {
            wall_timeout: Some(Duration::from_secs(60)),
            ..Limits::default()
        },
        network: Network {
            policy,
            gateway,
            allow: allow
                .iter()
                .map(|a| HostPattern::parse(a).unwrap())
                .collect(),
        },
        ..SandboxSpec::default()
    }
}

fn sh(script: &str) -> ExecRequest {
    ExecRequest {
        argv: vec!["/bin/sh".into(), "-c".into(), script.into()],
        ..ExecRequest::default()
    }
}

async fn run(sb: &Arc<dyn Sandbox>, req: ExecRequest) -> (String, String, wharf_sandbox::ExitInfo) {
    let (lines, info) = sb.exec(req).await.unwrap().collect().await;
    let pick = |s: Stream| {
        lines
            .iter()
            .filter(|l| l.stream == s)
            .map(|l| l.line.clone())
            .collect::<Vec<_>>()
            .join("\n")
    };
    (pick(Stream::Stdout), pick(Stream::Stderr), info)
}

/// A one-shot HTTP server on the host that answers every request with `body`.
async fn http_server(body: &'static str) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(resp.as_bytes()).await;
            });
        }
    });
    addr
}

const FETCH: &str = r#"
import sys, urllib.request
url = sys.argv[1]
try:
    print(urllib.request.urlopen(url, timeout=5).read().decode())
except Exception as e:
    print("FAILED", type(e).__name__, e)
"#;

fn fetch(url: &str) -> ExecRequest {
    ExecRequest {
        argv: vec!["python3".into(), "-c".into(), FETCH.into(), url.into()],
        ..ExecRequest::default()
    }
}

#[tokio::test]
async fn runs_commands_streams_output_and_keeps_the_workspace_on_the_host() {
    let f = fixture().await;
    let sb = f.isolated().await;
    sb.upload("data.csv", b"a,b\n1,2\n".to_vec()).await.unwrap();
    let req = ExecRequest {
        stdin: Some(b"from stdin\n".to_vec()),
        ..sh(
            "id -u; cat; wc -l < /app/assets/data.csv; echo oops >&2; echo done > /app/results/out.txt; exit 3",
        )
    };
    let (out, err, info) = run(&sb, req).await;
    assert_eq!(out, "1000\nfrom stdin\n2");
    assert_eq!(err, "oops");
    assert_eq!(info.code, Some(3));
    assert!(!info.success());
    assert_eq!(
        std::fs::read_to_string(sb.workspace().join("results/out.txt")).unwrap(),
        "done\n"
    );
    assert_eq!(
        sb.read_file("/app/results/out.txt", 100).await.unwrap(),
        b"done\n"
    );
    let (files, skipped) = sb.list_files("/app/results").await.unwrap();
    assert_eq!(files.len(), 1);
    assert!(skipped.is_empty());
    sb.destroy(false).await.unwrap();
    assert!(!sb.workspace().exists());
}

#[tokio::test]
async fn host_files_outside_the_binds_are_invisible() {
    let f = fixture().await;
    let canary_dir = tempfile::tempdir().unwrap();
    let canary = canary_dir.path().join("canary.txt");
    std::fs::write(&canary, "CANARY-7f3a").unwrap();
    let other = f.isolated().await;
    std::fs::write(other.workspace().join("neighbour.txt"), "NEIGHBOUR-SECRET").unwrap();
    let sb = f.isolated().await;
    let script = format!(
        "cat {} 2>&1; cat {} 2>&1; ls /root 2>&1; cat /etc/shadow 2>&1; grep -r CANARY /tmp /app /home 2>/dev/null; touch /usr/x 2>&1; echo end",
        canary.display(),
        other.workspace().join("neighbour.txt").display()
    );
    let (out, _, _) = run(&sb, sh(&script)).await;
    assert!(!out.contains("CANARY-7f3a"), "{out}");
    assert!(!out.contains("NEIGHBOUR-SECRET"), "{out}");
    assert!(out.contains("No such file"), "{out}");
    assert!(
        out.contains("Permission denied"),
        "/etc/shadow must be unreadable: {out}"
    );
    assert!(
        out.contains("Read-only file system"),
        "the snapshot must be read-only: {out}"
    );
    assert!(out.ends_with("end"));
}

#[tokio::test]
async fn host_environment_never_enters_the_sandbox() {
    // cargo and nextest put CARGO_* variables into this process: they must not get through.
    assert!(std::env::vars().any(|(k, _)| k.starts_with("CARGO")));
    let f = fixture().await;
    let sb = f.isolated().await;
    let (out, _, _) = run(
        &sb,
        sh("env; cat /proc/1/environ 2>/dev/null | tr '\\0' '\\n'"),
    )
    .await;
    let host_path = std::env::var("PATH").unwrap_or_default();
    assert!(out.contains("HOME=/home/agent"), "{out}");
    assert!(!out.contains("CARGO"), "host variables leaked: {out}");
    assert!(!out.contains(&format!("PATH={host_path}")) || host_path.is_empty());
}

#[tokio::test]
async fn symlinks_planted_in_results_are_not_followed() {
    let f = fixture().await;
    let sb = f.isolated().await;
    let (_, _, info) = run(&sb, sh("ln -s /etc/shadow /app/results/leak && ln -s / /app/results/root && echo ok > /app/results/fine")).await;
    assert!(info.success());
    let err = sb
        .read_file("/app/results/leak", 1 << 20)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("symlink"), "{err}");
    assert!(
        sb.read_file("/app/results/root/etc/shadow", 1 << 20)
            .await
            .is_err()
    );
    let (files, skipped) = sb.list_files("/app/results").await.unwrap();
    assert_eq!(
        files
            .iter()
            .map(|f| f.relative.as_str())
            .collect::<Vec<_>>(),
        ["fine"]
    );
    assert_eq!(skipped.len(), 2);
}

#[tokio::test]
async fn gateway_policy_reaches_only_the_gateway() {
    let f = fixture().await;
    let gateway = http_server("gateway-ok").await;
    let other = http_server("other-service").await;
    let sb = f
        .backend
        .create(spec(NetworkPolicy::Gateway, Some(gateway), &[]))
        .await
        .unwrap();
    assert_eq!(sb.gateway_url().unwrap(), "http://127.0.0.1:4000");
    let (out, err, _) = run(&sb, fetch("http://127.0.0.1:4000/v1/models")).await;
    assert_eq!(out, "gateway-ok", "{err}");
    let (out, _, _) = run(&sb, fetch(&format!("http://{other}/"))).await;
    assert!(
        out.starts_with("FAILED"),
        "a direct connect to a host port must fail: {out}"
    );
    let (out, _, _) = run(&sb, fetch("http://127.0.0.1:3128/")).await;
    assert!(
        out.starts_with("FAILED"),
        "no egress proxy under `gateway`: {out}"
    );
}

#[tokio::test]
async fn egress_proxy_lets_allowlisted_hosts_through_and_refuses_the_rest() {
    let f = fixture().await;
    let gateway = http_server("gateway-ok").await;
    let allowed = http_server("allowed-host").await;
    let refused = http_server("must-not-see").await;
    let entry = format!("127.0.0.1:{}", allowed.port());
    let sb = f
        .backend
        .create(spec(
            NetworkPolicy::Allowlist,
            Some(gateway),
            &[entry.as_str()],
        ))
        .await
        .unwrap();
    // Loopback is normally exempt from the proxy (that is how the gateway is reached);
    // these two requests must go through it.
    let via_proxy = |url: String| ExecRequest {
        env: vec![
            ("NO_PROXY".into(), String::new()),
            ("no_proxy".into(), String::new()),
        ],
        ..fetch(&url)
    };
    let (out, _, _) = run(&sb, via_proxy(format!("http://{allowed}/simple/"))).await;
    assert_eq!(out, "allowed-host");
    let (out, _, _) = run(&sb, via_proxy(format!("http://{refused}/"))).await;
    assert!(out.contains("FAILED") && out.contains("403"), "{out}");
    assert!(!out.contains("must-not-see"));
    let log = sb.egress_log();
    assert!(log.iter().any(|d| d.allowed && d.port == allowed.port()));
    let denial = log.iter().find(|d| !d.allowed).unwrap();
    assert_eq!(denial.port, refused.port());
    assert!(
        denial
            .reason
            .as_deref()
            .unwrap()
            .contains("not on this run's allowlist")
    );
    // The gateway stays reachable without the proxy.
    let (out, _, _) = run(&sb, fetch("http://127.0.0.1:4000/")).await;
    assert_eq!(out, "gateway-ok");
}

#[tokio::test]
async fn a_fork_bomb_hits_the_pids_limit_and_the_host_stays_responsive() {
    let f = fixture().await;
    let mut s = spec(NetworkPolicy::None, None, &[]);
    s.limits.max_pids = Some(64);
    s.limits.wall_timeout = Some(Duration::from_secs(4));
    let sb = f.backend.create(s).await.unwrap();
    let exec = sb
        .exec(sh("bomb() { bomb | bomb & }; bomb; sleep 30"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let t = Instant::now();
    let host = tokio::process::Command::new("true").status().await.unwrap();
    assert!(host.success());
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "host could not start a process: {:?}",
        t.elapsed()
    );
    let info = exec.wait().await;
    assert_eq!(info.reason, ExitReason::TimedOut, "{info:?}");
    assert!(info.pids_limited, "the pids limit was never hit: {info:?}");
    sb.destroy(false).await.unwrap();
}

#[tokio::test]
async fn a_memory_hog_is_killed() {
    let f = fixture().await;
    let mut s = spec(NetworkPolicy::None, None, &[]);
    s.limits.memory_bytes = Some(128 << 20);
    let sb = f.backend.create(s).await.unwrap();
    let hog = "python3 -c 'x = bytearray(1024 << 20); print(\"survived\", len(x))'";
    let (out, _, info) = run(&sb, sh(hog)).await;
    assert!(!out.contains("survived"), "{out}");
    assert!(!info.success());
    assert!(
        info.oom_killed || info.code.is_some_and(|c| c != 0),
        "{info:?}"
    );
}

#[tokio::test]
async fn a_process_ignoring_sigterm_is_killed_at_the_timeout_with_its_children() {
    let f = fixture().await;
    let mut s = spec(NetworkPolicy::None, None, &[]);
    s.limits.wall_timeout = Some(Duration::from_secs(2));
    let sb = f.backend.create(s).await.unwrap();
    let marker = format!("wharf-stubborn-{}", std::process::id());
    let script = format!(
        "trap '' TERM; python3 -c 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)' {marker} & setsid sh -c 'sleep 600' & sleep 600"
    );
    let t = Instant::now();
    let (_, _, info) = run(&sb, sh(&script)).await;
    assert_eq!(info.reason, ExitReason::TimedOut, "{info:?}");
    assert!(t.elapsed() < Duration::from_secs(20));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let survivors: Vec<_> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .filter(|c| String::from_utf8_lossy(c).contains(&marker))
        .collect();
    assert!(survivors.is_empty(), "processes outlived the timeout");
}

#[tokio::test]
async fn the_file_size_limit_stops_a_runaway_writer() {
    let f = fixture().await;
    let mut s = spec(NetworkPolicy::None, None, &[]);
    s.limits.max_file_bytes = Some(1 << 20);
    let sb = f.backend.create(s).await.unwrap();
    let (_, _, info) = run(&sb, sh("head -c 4000000 /dev/zero > /app/big")).await;
    assert!(!info.success(), "{info:?}");
    let size = std::fs::metadata(sb.workspace().join("big")).unwrap().len();
    assert!(size <= 1 << 20, "{size}");
}

#[tokio::test]
async fn bad_inputs_are_refused_with_clear_errors() {
    let f = fixture().await;
    let sb = f.isolated().await;
    for name in ["../x", "a/b", "", ".."] {
        let err = sb.upload(name, vec![1]).await.unwrap_err().to_string();
        assert!(err.contains("bad sandbox path"), "{name}: {err}");
    }
    let err = sb
        .read_file("/etc/passwd", 10)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("must be under /app"), "{err}");
    let err = f
        .backend
        .create(spec(NetworkPolicy::Gateway, None, &[]))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("needs the gateway"), "{err}");
    let mut s = spec(NetworkPolicy::None, None, &[]);
    s.snapshot = "no-such-snapshot".into();
    let err = f.backend.create(s).await.unwrap_err().to_string();
    assert!(err.contains("unknown snapshot `no-such-snapshot`"), "{err}");
    let err = BwrapBackend::new(SandboxConfig {
        bwrap: "/nonexistent/bwrap".into(),
        ..SandboxConfig::default()
    })
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("bubblewrap"), "{err}");
}
