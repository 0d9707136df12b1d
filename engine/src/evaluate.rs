//! Evaluation of an attempt, in its sandbox before it is destroyed: required outputs
//! present and non-empty, the runbook's verification script run inside the sandbox,
//! `validation_report.json` when required (one `scores` row per check), and for rubric
//! runbooks the LLM judge (one row per criterion; the pass decision computed in code).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use wharf_grader::checks::{programmatic_checks, requires_validation_report};
use wharf_grader::{
    CheckResult, Decision, DigestEvent, Judge, JudgeInput, JudgeVerdict, OutputEntry, OutputFile,
    ScoreContext, TrajectoryDigest, VerificationOutcome,
};
use wharf_model::{CheckSummary, Record, ScoreRecord};
use wharf_sandbox::{ExecRequest, Sandbox, Stream};

use crate::artifacts::Collected;
use crate::prepare::{Loaded, Prepared};

/// What evaluation needs of a runbook: the runbook, its parameter values and its rendered
/// verification script (from a run's [`Prepared`], or a [`Loaded`] runbook when grading).
pub(crate) struct Spec<'a> {
    pub runbook: &'a wharf_runbook::Runbook,
    pub values: &'a std::collections::BTreeMap<String, String>,
    pub verification: Option<&'a wharf_runbook::VerificationScript>,
}

impl Prepared {
    pub(crate) fn spec(&self) -> Spec<'_> {
        Spec {
            runbook: &self.runbook,
            values: &self.values,
            verification: self.verification.as_ref(),
        }
    }
}

impl Loaded {
    pub(crate) fn spec(&self) -> Spec<'_> {
        Spec {
            runbook: &self.runbook,
            values: &self.values,
            verification: self.verification.as_ref(),
        }
    }
}
use crate::redact::Redactor;

/// Wall-clock bound of the verification script.
const VERIFY_TIMEOUT: Duration = Duration::from_secs(120);
/// Lines of the script's output kept in the check's explanation.
const OUTPUT_TAIL: usize = 20;
/// Largest `validation_report.json` read.
const REPORT_LIMIT: u64 = 1 << 20;
/// Bytes of each output file read for the judge (the prompt bounds them further).
const JUDGE_FILE_LIMIT: u64 = 256 << 10;
/// Characters of trajectory digest shown to the judge.
const DIGEST_CHARS: usize = 16_000;

/// The rubric judge's part of an evaluation.
#[derive(Debug, Clone)]
pub(crate) struct Rubric {
    /// Whether the pass rule (computed in code) holds.
    pub passed: bool,
    /// Mean criterion score (1..5), when judged.
    pub average: Option<f64>,
    /// Its `scores` rows (one per criterion plus `overall`, or error rows).
    pub rows: Vec<ScoreRecord>,
    /// Per-criterion lines for the summary.
    pub lines: Vec<CheckSummary>,
    /// The judge's verdict and the decision computed from it, when it answered.
    pub verdict: Option<(JudgeVerdict, Decision)>,
}

impl Rubric {
    /// A rubric that could not be judged: not passed, no rows, the reason as its line.
    fn unjudged(why: &str) -> Rubric {
        Rubric {
            passed: false,
            average: None,
            rows: Vec::new(),
            lines: vec![CheckSummary {
                name: "rubric".into(),
                passed: false,
                explanation: why.to_owned(),
            }],
            verdict: None,
        }
    }
}

/// The result of one attempt.
#[derive(Debug, Clone)]
pub(crate) struct Evaluation {
    pub checks: Vec<CheckResult>,
    pub rubric: Option<Rubric>,
}

impl Evaluation {
    /// Every check passed (and there was at least one) and the rubric rule holds.
    pub fn passed(&self) -> bool {
        !self.checks.is_empty()
            && self.checks.iter().all(|c| c.passed)
            && self.rubric.as_ref().is_none_or(|r| r.passed)
    }

    /// The rubric average (1..5) for rubric runbooks, else the share of checks passed.
    pub fn score(&self) -> Option<f64> {
        if let Some(r) = &self.rubric {
            return r.average;
        }
        (!self.checks.is_empty()).then(|| {
            self.checks.iter().filter(|c| c.passed).count() as f64 / self.checks.len() as f64
        })
    }

    /// What the agent is told when it goes back: each failed check and criterion with
    /// the judge's explanation.
    pub fn feedback(&self, rounds_left: u32) -> String {
        let verdict = self
            .rubric
            .as_ref()
            .and_then(|r| r.verdict.as_ref())
            .map(|(v, d)| (v, d));
        let mut checks = self.checks.clone();
        if let Some(r) = &self.rubric
            && r.verdict.is_none()
            && !r.passed
        {
            // The rubric could not be judged: say so instead of naming criteria.
            checks.extend(r.lines.iter().map(|l| CheckResult {
                name: l.name.clone(),
                passed: false,
                explanation: l.explanation.clone(),
            }));
        }
        wharf_grader::feedback(&checks, verdict, rounds_left)
    }

    /// The `scores` rows of this evaluation (one per check, one per rubric criterion),
    /// validated; a row that does not validate is logged and left out.
    pub fn score_records(&self, run_id: &str, attempt: i32, collection: &str) -> Vec<Record> {
        let ctx = wharf_grader::ScoreContext {
            run_id: run_id.to_owned(),
            attempt,
            collection: Some(collection.to_owned()),
            created_at: Utc::now(),
        };
        let rubric_rows = self.rubric.iter().flat_map(|r| r.rows.iter().cloned());
        wharf_grader::check_scores(&ctx, &self.checks)
            .into_iter()
            .chain(rubric_rows)
            .filter_map(|score| {
                let mut record = Record::Score(score);
                match record.validate() {
                    Ok(()) => Some(record),
                    Err(err) => {
                        tracing::error!(error = %err, "score row invalid");
                        None
                    }
                }
            })
            .collect()
    }

    /// Scrubs secrets from every explanation (checks, rubric rows and lines, verdict).
    pub fn redact(&mut self, redactor: &Redactor) {
        for c in &mut self.checks {
            c.explanation = redactor.text(&c.explanation);
        }
        if let Some(r) = &mut self.rubric {
            for row in &mut r.rows {
                for field in [&mut row.explanation, &mut row.error] {
                    if let Some(t) = field.as_mut() {
                        *t = redactor.text(t);
                    }
                }
            }
            for line in &mut r.lines {
                line.explanation = redactor.text(&line.explanation);
            }
            if let Some((verdict, _)) = &mut r.verdict {
                for c in &mut verdict.criteria {
                    c.explanation = redactor.text(&c.explanation);
                }
            }
        }
    }

    pub fn summaries(&self) -> Vec<CheckSummary> {
        let mut out: Vec<CheckSummary> = self
            .checks
            .iter()
            .map(|c| CheckSummary {
                name: c.name.clone(),
                passed: c.passed,
                explanation: c.explanation.clone(),
            })
            .collect();
        if let Some(r) = &self.rubric {
            out.extend(r.lines.iter().cloned());
        }
        out
    }
}

/// What the judge needs besides the sandbox.
pub(crate) struct JudgeContext<'a> {
    pub judge: Option<&'a Judge>,
    pub digest: &'a [DigestEvent],
    pub run_id: &'a str,
    pub attempt: i32,
    pub collection: &'a str,
}

/// Judges a rubric runbook's outputs; `None` for other runbooks.
pub(crate) async fn rubric(
    sandbox: &Arc<dyn Sandbox>,
    spec: &Spec<'_>,
    collected: &Collected,
    ctx: &JudgeContext<'_>,
) -> Option<Rubric> {
    let runbook = spec.runbook;
    if runbook.evaluation.kind != "rubric" {
        return None;
    }
    let Some(judge) = ctx.judge else {
        return Some(Rubric::unjudged(
            "the runbook is graded by a rubric but no judge is configured ([grader] judge_model)",
        ));
    };
    let results = results_dir(spec);
    let mut outputs = Vec::new();
    for a in &collected.records {
        let path = format!("{}/{}", results.trim_end_matches('/'), a.path);
        if let Ok(bytes) = sandbox.read_file(&path, JUDGE_FILE_LIMIT).await {
            let mut file = OutputFile::new(a.path.clone(), bytes);
            file.size = u64::try_from(a.size).unwrap_or(file.size);
            outputs.push(file);
        }
    }
    let digest = TrajectoryDigest::from_events(ctx.digest, DIGEST_CHARS);
    let score_ctx = ScoreContext {
        run_id: ctx.run_id.to_owned(),
        attempt: ctx.attempt,
        collection: Some(ctx.collection.to_owned()),
        created_at: Utc::now(),
    };
    let input = match JudgeInput::from_runbook(runbook, outputs, digest) {
        Ok(input) => input,
        Err(e) => {
            return Some(Rubric::unjudged(&e.to_string()));
        }
    };
    Some(match judge.judge(&input).await {
        Ok(verdict) => {
            let decision = verdict.decide(runbook.evaluation.pass_rule.as_ref());
            let failing: Vec<&str> = decision
                .failing
                .iter()
                .map(|f| f.criterion.as_str())
                .collect();
            let lines = verdict
                .criteria
                .iter()
                .map(|c| CheckSummary {
                    name: format!("rubric:{}", c.criterion),
                    passed: !failing.contains(&c.criterion.as_str()),
                    explanation: format!("{}/5: {}", c.score, c.explanation),
                })
                .chain(std::iter::once(CheckSummary {
                    name: "rubric".into(),
                    passed: decision.passed,
                    explanation: decision.reason.clone(),
                }))
                .collect();
            Rubric {
                passed: decision.passed,
                average: decision.average,
                rows: wharf_grader::judge_scores(&score_ctx, &verdict, &decision),
                lines,
                verdict: Some((verdict, decision)),
            }
        }
        Err(e) => Rubric {
            passed: false,
            average: None,
            rows: wharf_grader::judge_error_scores(
                &score_ctx,
                judge.config(),
                &input.criterion_names(),
                &e,
            ),
            lines: vec![CheckSummary {
                name: "rubric".into(),
                passed: false,
                explanation: format!("the judge failed: {e}"),
            }],
            verdict: None,
        },
    })
}

/// The results directory of the run (its `results_dir` value, else the runbook's default).
fn results_dir(spec: &Spec<'_>) -> String {
    spec.values
        .get("results_dir")
        .cloned()
        .unwrap_or_else(|| spec.runbook.results_dir.clone())
}

/// Runs the checks of `spec`'s runbook against what the attempt left in `sandbox`.
pub(crate) async fn programmatic(
    sandbox: &Arc<dyn Sandbox>,
    spec: &Spec<'_>,
    collected: &Collected,
) -> Evaluation {
    let runbook = spec.runbook;
    let found: Vec<OutputEntry> = collected
        .records
        .iter()
        .map(|a| OutputEntry {
            path: a.path.clone(),
            size: u64::try_from(a.size).unwrap_or(0),
        })
        .collect();
    let verification = match spec.verification {
        Some(v) => Some(verify(sandbox, &v.language, &v.script).await),
        None => None,
    };
    let report = if requires_validation_report(runbook) {
        let results = results_dir(spec);
        let path = format!("{}/validation_report.json", results.trim_end_matches('/'));
        sandbox.read_file(&path, REPORT_LIMIT).await.ok()
    } else {
        None
    };
    Evaluation {
        checks: programmatic_checks(runbook, &found, verification.as_ref(), report.as_deref()),
        rubric: None,
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
                timed_out: info.reason == wharf_sandbox::ExitReason::TimedOut,
            }
        }
        Err(e) => VerificationOutcome {
            exit_code: None,
            output_tail: format!("the script could not start: {e}"),
            timed_out: false,
        },
    }
}
