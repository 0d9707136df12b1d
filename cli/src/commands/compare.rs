//! `wharf compare A B`: two runs or two groups of runs side by side.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use wharf_query::evaluation::{self, Comparison, Selection};
use wharf_stats::{BootstrapOptions, Interval};

use crate::config::Config;

/// Arguments of `wharf compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Group A: a run id or a condition over `runs` (`runtime = 'codex'`).
    a: String,
    /// Group B, the same way.
    b: String,
    /// Only this collection's runs.
    #[arg(long)]
    collection: Option<String>,
    /// Bootstrap resamples for each confidence interval.
    #[arg(long, default_value_t = 2000)]
    resamples: u32,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub async fn run(config: &Config, args: CompareArgs) -> anyhow::Result<ExitCode> {
    let session = super::open_session(config, args.collection.as_deref()).await?;
    let opts = BootstrapOptions {
        resamples: args.resamples.clamp(100, 100_000),
        ..BootstrapOptions::default()
    };
    let report = evaluation::compare(
        &session,
        &Selection::parse(&args.a)?,
        &Selection::parse(&args.b)?,
        &opts,
    )
    .await?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        write!(out, "{}", render(&report))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn iv(i: Option<&Interval>, digits: usize) -> String {
    match i {
        Some(i) => format!(
            "{:.d$} [{:.d$}, {:.d$}]",
            i.estimate,
            i.low,
            i.high,
            d = digits
        ),
        None => "–".into(),
    }
}

/// The report as text.
pub fn render(r: &Comparison) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!("A: {} ({} runs)", r.a.selection, r.a.runs));
    line(format!("B: {} ({} runs)", r.b.selection, r.b.runs));
    line(String::new());
    line(format!("{:<28} {:<30} {:<30} {}", "", "A", "B", "B − A"));
    let rows = [
        (
            "pass rate",
            r.a.pass_rate.as_ref(),
            r.b.pass_rate.as_ref(),
            r.pass_rate_difference.as_ref(),
            2,
        ),
        (
            "final score",
            r.a.final_score.as_ref(),
            r.b.final_score.as_ref(),
            r.final_score_difference.as_ref(),
            2,
        ),
        (
            "cost (USD)",
            r.a.cost_usd.as_ref(),
            r.b.cost_usd.as_ref(),
            r.cost_difference.as_ref(),
            4,
        ),
        (
            "duration (ms)",
            r.a.duration_ms.as_ref(),
            r.b.duration_ms.as_ref(),
            r.duration_difference.as_ref(),
            0,
        ),
    ];
    for (name, a, b, d, digits) in rows {
        line(format!(
            "{name:<28} {:<30} {:<30} {}",
            iv(a, digits),
            iv(b, digits),
            iv(d, digits)
        ));
    }
    if !r.criteria.is_empty() {
        line(String::new());
        for c in &r.criteria {
            line(format!(
                "{:<28} {:<30} {:<30} {}",
                format!("{}:{}", c.grader, c.criterion),
                format!("{} (n={})", iv(c.a.as_ref(), 2), c.n_a),
                format!("{} (n={})", iv(c.b.as_ref(), 2), c.n_b),
                iv(c.difference.as_ref(), 2)
            ));
        }
    }
    for w in &r.warnings {
        line(format!("! {w}"));
    }
    out
}
