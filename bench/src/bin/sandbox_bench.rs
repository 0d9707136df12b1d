//! Sandbox start-up: create -> first command done, p50/p95 over N runs, interleaved in one
//! run with its peers on this machine: bare `bwrap ... true` and `unshare ... true`.
//!
//! `sandbox_bench [--runs 200]` prints a markdown table.

#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use wharf_sandbox::{
    Backend, BwrapBackend, ExecRequest, Limits, Network, NetworkPolicy, SandboxConfig, SandboxSpec,
};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn time_cmd(argv: &[&str]) -> Duration {
    let t = Instant::now();
    let status = tokio::process::Command::new(argv[0])
        .args(&argv[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .expect("spawn");
    assert!(status.success(), "{argv:?} failed");
    t.elapsed()
}

fn stats(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p = |q: f64| ms(v[((v.len() as f64 - 1.0) * q).round() as usize]);
    let mean = v.iter().map(|d| ms(*d)).sum::<f64>() / v.len() as f64;
    (p(0.5), p(0.95), mean)
}

#[tokio::main]
async fn main() {
    let runs = arg("--runs", 200);
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let init: PathBuf = exe.parent().unwrap().join("wharf-sandbox-init");
    let config = SandboxConfig {
        work_dir: dir.path().join("work"),
        tools_dir: dir.path().join("tools"),
        init_path: Some(init),
        ..SandboxConfig::default()
    };
    let backend = BwrapBackend::new(config).await.expect("bwrap");
    let gateway = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gateway_addr = gateway.local_addr().unwrap();

    let bare = [
        "bwrap",
        "--unshare-user",
        "--unshare-pid",
        "--unshare-net",
        "--ro-bind",
        "/",
        "/",
        "--",
        "/bin/true",
    ];
    let unshare = ["unshare", "-U", "-p", "-n", "-f", "/bin/true"];
    let mut series: Vec<(&str, Vec<Duration>)> = vec![
        ("unshare -U -p -n -f true", Vec::new()),
        (
            "bwrap --unshare-user/pid/net --ro-bind / / true",
            Vec::new(),
        ),
        (
            "wharf sandbox, policy none (create + exec true)",
            Vec::new(),
        ),
        ("wharf sandbox, policy gateway (+ init, relay)", Vec::new()),
        (
            "wharf sandbox destroy (workspace + cgroup removal)",
            Vec::new(),
        ),
    ];
    for i in 0..runs + 5 {
        let a = time_cmd(&unshare).await;
        let b = time_cmd(&bare).await;
        let mut w = [Duration::ZERO; 3];
        for (k, policy) in [NetworkPolicy::None, NetworkPolicy::Gateway]
            .into_iter()
            .enumerate()
        {
            let spec = SandboxSpec {
                snapshot: "host".into(),
                limits: Limits::default(),
                network: Network {
                    policy,
                    gateway: Some(gateway_addr),
                    allow: Vec::new(),
                },
                ..SandboxSpec::default()
            };
            let t = Instant::now();
            let sb = backend.create(spec).await.unwrap();
            let info = sb
                .exec(ExecRequest {
                    argv: vec!["/bin/true".into()],
                    ..ExecRequest::default()
                })
                .await
                .unwrap()
                .wait()
                .await;
            w[k] = t.elapsed();
            assert!(info.success(), "{info:?}");
            let t = Instant::now();
            sb.destroy(false).await.unwrap();
            w[2] = t.elapsed();
        }
        if i >= 5 {
            // The first five are warm-up.
            series[0].1.push(a);
            series[1].1.push(b);
            series[2].1.push(w[0]);
            series[3].1.push(w[1]);
            series[4].1.push(w[2]);
        }
    }
    let (bare_p50, _, _) = stats(series[1].1.clone());
    println!("runs per series: {runs} (interleaved, after 5 warm-up rounds)\n");
    println!("| series | p50 ms | p95 ms | mean ms | p50 vs bare bwrap |");
    println!("|---|---|---|---|---|");
    for (name, v) in series {
        let (p50, p95, mean) = stats(v);
        println!(
            "| {name} | {p50:.2} | {p95:.2} | {mean:.2} | {:.2}x |",
            p50 / bare_p50
        );
    }
}
