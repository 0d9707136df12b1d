//! Programmatic checks: pure functions over what the engine gathered from the
//! sandbox (file listing, verification script result, report bytes). Each
//! check is one [`CheckResult`], recorded as one programmatic score row.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use wharf_runbook::{RequiredOutput, Runbook};

use crate::glob::glob_match;

/// Name of the report whose `overall_passed` must be true when it is required.
pub const VALIDATION_REPORT: &str = "validation_report.json";
/// Name of the verification check.
pub const VERIFICATION_CHECK: &str = "verification_script";
/// Name of the validation report check.
pub const VALIDATION_REPORT_CHECK: &str = "validation_report";
/// Characters of a failing script's output quoted in the explanation.
pub const OUTPUT_TAIL_CHARS: usize = 2000;

/// One programmatic check's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Stable name (`output:summary.md`, `verification_script`, `validation_report`).
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// What was found.
    pub explanation: String,
}

/// A file found in the results (path relative to `results_dir`, or absolute).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputEntry {
    /// Path as found: relative to `results_dir`, or absolute.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
}

/// How the runbook's verification script ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationOutcome {
    /// Exit code (`None` when killed or timed out).
    pub exit_code: Option<i32>,
    /// The end of its combined output.
    pub output_tail: String,
    /// Whether it hit its time limit.
    pub timed_out: bool,
}

/// One check per required output: present (directly or, for a family, at
/// least one match) and non-empty.
pub fn required_outputs(required: &[RequiredOutput], found: &[OutputEntry]) -> Vec<CheckResult> {
    required
        .iter()
        .map(|r| {
            let label = r.relative.as_deref().unwrap_or(&r.resolved);
            let name = format!("output:{label}");
            let hits: Vec<&OutputEntry> = found.iter().filter(|f| is_match(r, &f.path)).collect();
            let empty: Vec<&str> = hits
                .iter()
                .filter(|f| f.size == 0)
                .map(|f| f.path.as_str())
                .collect();
            let (passed, explanation) = if hits.is_empty() {
                let what = r
                    .glob
                    .as_deref()
                    .map_or(format!("{label} is missing"), |g| {
                        format!("no file matches {g}")
                    });
                (
                    false,
                    format!("{what}; write it under the results directory"),
                )
            } else if !empty.is_empty() {
                (
                    false,
                    format!("empty: {}; the file must have content", empty.join(", ")),
                )
            } else if hits.len() == 1 {
                (true, format!("{} ({} bytes)", hits[0].path, hits[0].size))
            } else {
                (true, format!("{} files match", hits.len()))
            };
            CheckResult {
                name,
                passed,
                explanation,
            }
        })
        .collect()
}

fn is_match(r: &RequiredOutput, path: &str) -> bool {
    let path = path.trim_start_matches("./");
    // `/app/results/` when `resolved` is `/app/results/summary.md` and `relative` is `summary.md`.
    let prefix = r
        .relative
        .as_deref()
        .and_then(|rel| r.resolved.strip_suffix(rel));
    let relative = prefix.and_then(|p| path.strip_prefix(p)).unwrap_or(path);
    if r.relative.as_deref() == Some(relative) || r.resolved == path {
        return true;
    }
    r.glob
        .as_deref()
        .is_some_and(|g| glob_match(g, relative) || glob_match(g, path))
}

/// The verification script must exit 0.
pub fn verification(outcome: &VerificationOutcome) -> CheckResult {
    let tail = tail_chars(&outcome.output_tail, OUTPUT_TAIL_CHARS);
    let (passed, explanation) = match (outcome.timed_out, outcome.exit_code) {
        (true, _) => (false, format!("timed out; output ends:\n{tail}")),
        (false, Some(0)) => (true, "exited 0".to_owned()),
        (false, Some(code)) => (false, format!("exited {code}; output ends:\n{tail}")),
        (false, None) => (false, format!("was killed; output ends:\n{tail}")),
    };
    CheckResult {
        name: VERIFICATION_CHECK.to_owned(),
        passed,
        explanation,
    }
}

/// `validation_report.json` must parse and say `overall_passed: true`
/// (`None`: the file was not found).
pub fn validation_report(bytes: Option<&[u8]>) -> CheckResult {
    let fail = |why: String| CheckResult {
        name: VALIDATION_REPORT_CHECK.to_owned(),
        passed: false,
        explanation: why,
    };
    let Some(bytes) = bytes else {
        return fail(format!("{VALIDATION_REPORT} was not found"));
    };
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return fail(format!("{VALIDATION_REPORT} is not valid JSON: {e}")),
    };
    match value.get("overall_passed") {
        Some(Value::Bool(true)) => CheckResult {
            name: VALIDATION_REPORT_CHECK.to_owned(),
            passed: true,
            explanation: "overall_passed is true".to_owned(),
        },
        Some(Value::Bool(false)) => fail(format!("{VALIDATION_REPORT} says overall_passed: false")),
        Some(other) => fail(format!(
            "{VALIDATION_REPORT}: overall_passed must be true or false, got {other}"
        )),
        None => fail(format!("{VALIDATION_REPORT} has no overall_passed field")),
    }
}

/// Whether the runbook requires `validation_report.json`.
pub fn requires_validation_report(runbook: &Runbook) -> bool {
    runbook
        .required_outputs
        .iter()
        .any(|r| r.resolved.rsplit('/').next() == Some(VALIDATION_REPORT))
}

/// Every programmatic check the runbook calls for: required outputs, the
/// verification script (when the runbook has one; `None` outcome = not run),
/// and the validation report (when required).
pub fn programmatic_checks(
    runbook: &Runbook,
    found: &[OutputEntry],
    verification_outcome: Option<&VerificationOutcome>,
    validation_report_bytes: Option<&[u8]>,
) -> Vec<CheckResult> {
    let mut out = required_outputs(&runbook.required_outputs, found);
    if runbook.verification.is_some() {
        out.push(match verification_outcome {
            Some(o) => verification(o),
            None => CheckResult {
                name: VERIFICATION_CHECK.to_owned(),
                passed: false,
                explanation: "the verification script did not run".to_owned(),
            },
        });
    }
    if requires_validation_report(runbook) {
        out.push(validation_report(validation_report_bytes));
    }
    out
}

fn tail_chars(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        s.to_owned()
    } else {
        let tail: String = s.chars().skip(n - max).collect();
        format!("[... {} characters before]\n{tail}", n - max)
    }
}
