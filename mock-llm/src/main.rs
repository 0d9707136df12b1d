//! `mock-llm --script FILE [--listen 127.0.0.1:8399] [--journal FILE]`: prints
//! the base URL on stdout's first line, then serves until killed.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use mock_llm::{MockServer, Script};

/// Scripted model server speaking OpenAI Chat, OpenAI Responses, Anthropic
/// Messages and Gemini.
#[derive(Debug, Parser)]
#[command(name = "mock-llm", version)]
struct Args {
    /// Script file (YAML or JSON).
    #[arg(long)]
    script: PathBuf,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8399")]
    listen: String,
    /// Append every request received as one JSON line to this file.
    #[arg(long)]
    journal: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let script = Script::from_file(&args.script)?;
    let server = MockServer::start_with_journal(&args.listen, script, args.journal.as_deref())
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", server.base_url())?;
    out.flush()?;
    drop(out);
    loop {
        std::thread::park();
    }
}
