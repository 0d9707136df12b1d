//! Gateway overhead: mock-llm called directly vs through `wharf serve` (the OpenAI
//! passthrough: token check, provider resolution, relay, `llm_calls` recording), at fixed
//! request rates with an open-loop generator. Each request has a scheduled send time;
//! latency is measured from that time, so a slow server cannot hide its queueing
//! (no coordinated omission). Streaming requests also report the time to the first byte.
//!
//! `cargo build --release --bins && target/release/gateway_bench [--rates 500,1000,2000]
//! [--secs 10] [--wharf target/release/wharf] [--mock target/release/mock-llm]`

#![allow(clippy::print_stdout)] // a benchmark prints its figures

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

const SCRIPT: &str = "options:\n  default_text: \"OK.\"\nturns: []\n";

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn wait_for(url: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let addr = url.trim_start_matches("http://");
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(addr).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("{url} did not come up")
}

struct Sample {
    total: Duration,
    first_byte: Duration,
    ok: bool,
}

/// One open-loop run: `rate` requests per second for `secs` seconds.
async fn open_loop(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    rate: u32,
    secs: f64,
    stream: bool,
) -> Vec<Sample> {
    let n = (f64::from(rate) * secs) as usize;
    let body = serde_json::json!({
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Say OK."}],
        "stream": stream,
    })
    .to_string();
    let body = Arc::new(body);
    let t0 = tokio::time::Instant::now() + Duration::from_millis(50);
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let at = t0 + Duration::from_secs_f64(i as f64 / f64::from(rate));
        let client = client.clone();
        let url = url.to_owned();
        let token = token.to_owned();
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(at).await;
            let resp = client
                .post(&url)
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(body.as_str().to_owned())
                .send()
                .await;
            let mut first_byte = at.elapsed();
            let ok = match resp {
                Ok(mut r) => {
                    let status_ok = r.status().is_success();
                    let mut first = true;
                    let mut ok = status_ok;
                    loop {
                        match r.chunk().await {
                            Ok(Some(_)) => {
                                if first {
                                    first_byte = at.elapsed();
                                    first = false;
                                }
                            }
                            Ok(None) => break,
                            Err(_) => {
                                ok = false;
                                break;
                            }
                        }
                    }
                    ok
                }
                Err(_) => false,
            };
            Sample {
                total: at.elapsed(),
                first_byte,
                ok,
            }
        }));
    }
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        if let Ok(s) = t.await {
            out.push(s);
        }
    }
    out
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

struct Stats {
    p50: f64,
    p99: f64,
    ttfb50: f64,
    ttfb99: f64,
    errors: usize,
    n: usize,
}

fn stats(samples: &[Sample]) -> Stats {
    let mut total: Vec<Duration> = samples.iter().filter(|s| s.ok).map(|s| s.total).collect();
    let mut first: Vec<Duration> = samples
        .iter()
        .filter(|s| s.ok)
        .map(|s| s.first_byte)
        .collect();
    total.sort();
    first.sort();
    Stats {
        p50: pct(&total, 0.5),
        p99: pct(&total, 0.99),
        ttfb50: pct(&first, 0.5),
        ttfb99: pct(&first, 0.99),
        errors: samples.iter().filter(|s| !s.ok).count(),
        n: samples.len(),
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let rates: Vec<u32> = arg(&args, "--rates")
        .unwrap_or_else(|| "500,1000,2000".into())
        .split(',')
        .map(|r| r.trim().parse())
        .collect::<Result<_, _>>()
        .context("--rates")?;
    let secs: f64 = arg(&args, "--secs")
        .unwrap_or_else(|| "10".into())
        .parse()?;
    let wharf =
        PathBuf::from(arg(&args, "--wharf").unwrap_or_else(|| "target/release/wharf".into()));
    let mock =
        PathBuf::from(arg(&args, "--mock").unwrap_or_else(|| "target/release/mock-llm".into()));
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("script.yaml"), SCRIPT)?;

    let mock_port = free_port()?;
    let mock_url = format!("http://127.0.0.1:{mock_port}");
    let _mock = Proc(
        Command::new(&mock)
            .arg("--script")
            .arg(dir.path().join("script.yaml"))
            .args(["--listen", &format!("127.0.0.1:{mock_port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", mock.display()))?,
    );
    wait_for(&mock_url)?;

    let config = dir.path().join("wharf.toml");
    std::fs::write(
        &config,
        format!(
            "[storage]\nroot = \"{data}\"\n[sandbox]\nwork_dir = \"{work}\"\ntools_dir = \"{work}\"\n\
             [providers.openai]\nkind = \"openai_compatible\"\nbase_url = \"{mock_url}/v1\"\napi_key = \"sk-bench\"\n\
             [server]\nstate_dir = \"{state}\"\n",
            data = dir.path().join("data").display(),
            work = dir.path().join("work").display(),
            state = dir.path().join("state").display(),
        ),
    )?;
    let port = free_port()?;
    let mut child = Command::new(&wharf)
        .arg("--config")
        .arg(&config)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", wharf.display()))?;
    let stderr = child.stderr.take().context("stderr")?;
    let _wharf = Proc(child);
    std::thread::spawn(move || for _ in BufReader::new(stderr).lines() {});
    let wharf_url = format!("http://127.0.0.1:{port}");
    wait_for(&wharf_url)?;
    let token = std::fs::read_to_string(dir.path().join("state/admin-token"))?
        .trim()
        .to_owned();

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .build()?;
    let targets = [
        (
            "direct",
            format!("{mock_url}/v1/chat/completions"),
            "sk-bench".to_owned(),
        ),
        ("wharf", format!("{wharf_url}/v1/chat/completions"), token),
    ];
    // Warm both paths (connections, caches).
    for (_, url, key) in &targets {
        open_loop(&client, url, key, 200, 2.0, false).await;
    }
    println!(
        "gateway overhead: mock-llm direct vs through wharf serve, open loop, {secs} s per cell"
    );
    println!(
        "| mode | rate/s | direct p50 | direct p99 | wharf p50 | wharf p99 | added p50 | added p99 | direct TTFB p99 | wharf TTFB p99 | errors (d/w) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for stream in [false, true] {
        for &rate in &rates {
            let d =
                stats(&open_loop(&client, &targets[0].1, &targets[0].2, rate, secs, stream).await);
            let w =
                stats(&open_loop(&client, &targets[1].1, &targets[1].2, rate, secs, stream).await);
            println!(
                "| {} | {rate} | {:.3} | {:.3} | {:.3} | {:.3} | {:+.3} | {:+.3} | {:.3} | {:.3} | {}/{} of {} |",
                if stream { "stream" } else { "json" },
                d.p50,
                d.p99,
                w.p50,
                w.p99,
                w.p50 - d.p50,
                w.p99 - d.p99,
                d.ttfb99,
                w.ttfb99,
                d.errors,
                w.errors,
                d.n.max(w.n),
            );
            let _ = (d.ttfb50, w.ttfb50);
        }
    }
    println!(
        "(milliseconds; latency from the scheduled send time; generator, wharf and mock-llm share the machine's cores)"
    );
    Ok(())
}
