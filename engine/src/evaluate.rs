//! Programmatic evaluation of an attempt, in its sandbox before it is destroyed: required
//! outputs present and non-empty, the runbook's verification script run inside the
//! sandbox, `validation_report.json` when required. One `scores` row per check.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use wharf_grader::checks::{programmatic_checks, requires_validation_report};
use wharf_grader::{CheckResult, OutputEntry, VerificationOutcome};
use wharf_sandbox::{ExecRequest, Sandbox, Stream};

use crate::artifacts::Collected;
use crate::prepare::Prepared;

/// Wall-clock bound of the verification script.
const VERIFY_TIMEOUT: Duration = Duration::from_secs(120);
/// Lines of the script's output kept in the check's explanation.
const OUTPUT_TAIL: usize = 20;
/// Largest `validation_report.json` read.
const REPORT_LIMIT: u64 = 1 << 20;

/// One check as the run summary shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckSummary {
    /// Check name (`output:report.md`, `verification_script`, `validation_report`).
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// What was found.
    pub explanation: String,
}

/// The programmatic result of one attempt.
#[derive(Debug, Clone)]
pub(crate) struct Evaluation {
    pub checks: Vec<CheckResult>,
}

impl Evaluation {
    /// Every check passed (and there was at least one).
    pub fn passed(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.passed)
    }

    /// Share of checks passed, 0..1.
    pub fn score(&self) -> Option<f64> {
        (!self.checks.is_empty()).then(|| {
            self.checks.iter().filter(|c| c.passed).count() as f64 / self.checks.len() as f64
        })
    }

    pub fn summaries(&self) -> Vec<CheckSummary> {
        self.checks
            .iter()
            .map(|c| CheckSummary {
                name: c.name.clone(),
                passed: c.passed,
                explanation: c.explanation.clone(),
            })
            .collect()
    }
}

/// `{{name}}` replaced by the run's parameter values.
fn render(script: &str, prepared: &Prepared) -> String {
    let mut out = script.to_owned();
    for (k, v) in &prepared.values {
        out = out.replace(&format!("{{{{{k}}}}}"), v);
    }
    out
}

/// Runs the checks of `prepared`'s runbook against what the attempt left in `sandbox`.
pub(crate) async fn programmatic(
    sandbox: &Arc<dyn Sandbox>,
    prepared: &Prepared,
    collected: &Collected,
) -> Evaluation {
    let runbook = &prepared.runbook;
    let found: Vec<OutputEntry> = collected
        .records
        .iter()
        .map(|a| OutputEntry {
            path: a.path.clone(),
            size: u64::try_from(a.size).unwrap_or(0),
        })
        .collect();
    let verification = match &runbook.verification {
        Some(v) => Some(verify(sandbox, &v.language, &render(&v.script, prepared)).await),
        None => None,
    };
    let report = if requires_validation_report(runbook) {
        let results = prepared
            .values
            .get("results_dir")
            .cloned()
            .unwrap_or_else(|| runbook.results_dir.clone());
        let path = format!("{}/validation_report.json", results.trim_end_matches('/'));
        sandbox.read_file(&path, REPORT_LIMIT).await.ok()
    } else {
        None
    };
    Evaluation {
        checks: programmatic_checks(runbook, &found, verification.as_ref(), report.as_deref()),
    }
}

async fn verify(sandbox: &Arc<dyn Sandbox>, language: &str, script: &str) -> VerificationOutcome {
    let argv = match language {
        "python" | "python3" => vec!["python3".to_owned(), "-c".to_owned(), script.to_owned()],
        "sh" => vec!["sh".to_owned(), "-c".to_owned(), script.to_owned()],
        _ => vec!["bash".to_owned(), "-c".to_owned(), script.to_owned()],
    };
    let request = ExecRequest {
        argv,
        timeout: Some(VERIFY_TIMEOUT),
        ..ExecRequest::default()
    };
    match sandbox.exec(request).await {
        Ok(execution) => {
            let (lines, info) = execution.collect().await;
            let tail: Vec<String> = lines
                .iter()
                .rev()
                .take(OUTPUT_TAIL)
                .map(|l| match l.stream {
                    Stream::Stdout => l.line.clone(),
                    Stream::Stderr => format!("stderr: {}", l.line),
                })
                .collect();
            VerificationOutcome {
                exit_code: info.code,
                output_tail: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
                timed_out: info.timed_out,
            }
        }
        Err(e) => VerificationOutcome {
            exit_code: None,
            output_tail: format!("the script could not start: {e}"),
            timed_out: false,
        },
    }
}
