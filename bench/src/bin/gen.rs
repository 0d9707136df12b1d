//! `gen --runs N --events-per-run M [--seed S]`: writes native-format JSONL to stdout.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a benchmark reports on the terminal

use std::io::{BufWriter, Write};

use chrono::{TimeZone, Utc};
use wharf_bench::synth::{Rng, Shape, run};

fn arg(name: &str, default: u64) -> anyhow::Result<u64> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        Some(i) => Ok(args
            .get(i + 1)
            .ok_or_else(|| anyhow::anyhow!("{name} needs a value"))?
            .parse()?),
        None => Ok(default),
    }
}

fn main() -> anyhow::Result<()> {
    let runs = arg("--runs", 12)?;
    let per_run = arg("--events-per-run", 40)? as usize;
    let seed = arg("--seed", 7)?;
    let start = Utc
        .with_ymd_and_hms(2026, 11, 1, 9, 0, 0)
        .single()
        .ok_or_else(|| anyhow::anyhow!("bad start"))?;
    let mut rng = Rng::new(seed);
    let mut out = BufWriter::new(std::io::stdout().lock());
    for n in 0..runs {
        for record in run(
            &mut rng,
            n,
            start,
            Shape {
                events_per_run: per_run,
                extras: true,
            },
        ) {
            serde_json::to_writer(&mut out, &record)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(())
}
