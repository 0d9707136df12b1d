//! One pass of gradings through the real `wharf_grader::Judge`: `callers`
//! tasks take the next case until none is left (each loop ends after at most
//! `cases.len()` gradings; the judge bounds retries and each request's time).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;
use wharf_grader::{GraderError, Judge};
use wharf_runbook::PassRule;

use crate::cases::Case;

/// What one pass did, as the client saw it.
#[derive(Debug, Default)]
pub struct Pass {
    pub wall: Duration,
    pub gradings: usize,
    /// Verdicts with the scripted scores.
    pub ok: usize,
    /// Verdicts whose scores differ from the script's (a broken benchmark, not a slow judge).
    pub wrong: usize,
    /// Gradings that failed after every retry, by error kind and last HTTP status.
    pub failed: BTreeMap<String, usize>,
    /// First failure message, for the report.
    pub first_failure: Option<String>,
    /// Verdicts that pass the runbook's rule.
    pub passed: usize,
    /// Samples asked for (failed gradings included) and samples answered from the cache.
    pub samples: u64,
    pub cached_samples: u64,
    /// HTTP requests the judge sent (every attempt, failed gradings included).
    pub attempts: u64,
    /// Samples answered by the model (one 200 each: the script never answers malformed JSON).
    pub answered: u64,
    /// The longest wall-clock time of one grading in this pass.
    pub max_latency: Duration,
}

impl Pass {
    pub fn failures(&self) -> usize {
        self.failed.values().sum()
    }

    pub fn per_second(&self) -> f64 {
        self.gradings as f64 / self.wall.as_secs_f64()
    }
}

enum Outcome {
    Verdict {
        right: bool,
        passed: bool,
        samples: u32,
        cached: u32,
        requests: u32,
    },
    Failed {
        kind: String,
        samples: u32,
        attempts: u32,
        message: String,
    },
}

/// Grades every case with `callers` gradings in flight (the judge's own
/// concurrency limit bounds the requests among them).
pub async fn run(
    judge: Arc<Judge>,
    cases: Arc<Vec<Case>>,
    rule: Option<PassRule>,
    callers: usize,
) -> Pass {
    let next = Arc::new(AtomicUsize::new(0));
    let rule = Arc::new(rule);
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for _ in 0..callers.clamp(1, cases.len().max(1)) {
        let (judge, cases, next, rule) = (judge.clone(), cases.clone(), next.clone(), rule.clone());
        tasks.spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                let t = Instant::now();
                let outcome = grade(&judge, case, rule.as_ref().as_ref()).await;
                out.push((t.elapsed(), outcome));
            }
            out
        });
    }
    let mut pass = Pass::default();
    while let Some(joined) = tasks.join_next().await {
        let outcomes = match joined {
            Ok(o) => o,
            Err(e) => {
                pass.failed.insert(format!("task: {e}"), 1);
                continue;
            }
        };
        for (latency, outcome) in outcomes {
            pass.gradings += 1;
            pass.max_latency = pass.max_latency.max(latency);
            match outcome {
                Outcome::Verdict {
                    right,
                    passed,
                    samples,
                    cached,
                    requests,
                } => {
                    if right {
                        pass.ok += 1;
                    } else {
                        pass.wrong += 1;
                    }
                    pass.passed += usize::from(passed);
                    pass.samples += u64::from(samples);
                    pass.cached_samples += u64::from(cached);
                    pass.answered += u64::from(samples - cached);
                    pass.attempts += u64::from(requests);
                }
                Outcome::Failed {
                    kind,
                    samples,
                    attempts,
                    message,
                } => {
                    *pass.failed.entry(kind).or_default() += 1;
                    pass.samples += u64::from(samples);
                    pass.attempts += u64::from(attempts);
                    pass.first_failure.get_or_insert(message);
                }
            }
        }
    }
    pass.wall = started.elapsed();
    pass
}

async fn grade(judge: &Judge, case: &Case, rule: Option<&PassRule>) -> Outcome {
    match judge.judge(&case.input).await {
        Ok(v) => Outcome::Verdict {
            right: v
                .criteria
                .iter()
                .map(|c| c.score)
                .eq(case.expected.iter().map(|&s| f64::from(s))),
            passed: v.decide(rule).passed,
            samples: v.samples,
            cached: v.cached_samples,
            requests: v.requests,
        },
        Err(e) => {
            let (kind, attempts) = match &e {
                GraderError::Transport {
                    attempts, status, ..
                } => (
                    format!("transport {}", status.map_or("-".into(), |s| s.to_string())),
                    *attempts,
                ),
                GraderError::Format { attempts, .. } => ("format".to_owned(), *attempts),
                other => (other.name().to_owned(), 0),
            };
            Outcome::Failed {
                kind,
                samples: judge.config().samples,
                attempts,
                message: e.to_string(),
            }
        }
    }
}
