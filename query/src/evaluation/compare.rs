//! Two runs, or two groups of runs, side by side: per-criterion means of the kept
//! attempts' scores with bootstrap intervals, and the differences in pass rate, cost and
//! duration (B minus A).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Map, Value};
use wharf_stats::{
    BootstrapOptions, Interval, bootstrap_mean, bootstrap_mean_difference, pass_rate_difference,
};

use super::rows::{f64_of, json_rows, str_of};
use super::selection::Selection;
use crate::{QueryError, Session};

/// Runs read per group at most.
const MAX_RUNS: usize = 100_000;
/// Rows of (grader, judge model, criterion, value, count) read per group at most.
const MAX_SCORES: usize = 1_000_000;

/// One group's figures.
#[derive(Debug, Clone, Serialize)]
pub struct GroupSummary {
    /// The selection as given.
    pub selection: String,
    /// Runs the selection matched.
    pub runs: usize,
    /// Runs with an evaluation.
    pub evaluated: usize,
    /// Runs that passed.
    pub passed: usize,
    /// Share of evaluated runs that passed.
    pub pass_rate: Option<Interval>,
    /// Mean final score.
    pub final_score: Option<Interval>,
    /// Mean cost per run (runs with a cost).
    pub cost_usd: Option<Interval>,
    /// Mean duration per run.
    pub duration_ms: Option<Interval>,
    /// Runtimes in the group.
    pub runtimes: Vec<String>,
    /// Models in the group.
    pub models: Vec<String>,
    /// Run ids when the group is small (at most 20).
    pub run_ids: Vec<String>,
}

/// One criterion of one grader in both groups.
#[derive(Debug, Clone, Serialize)]
pub struct CriterionComparison {
    /// Grader name (`rubric`, `verification_script`, ...).
    pub grader: String,
    /// The criterion's name, as in `scores.criterion`.
    pub criterion: String,
    /// Scores in A.
    pub n_a: usize,
    /// Scores in B.
    pub n_b: usize,
    /// Mean in A.
    pub a: Option<Interval>,
    /// Mean in B.
    pub b: Option<Interval>,
    /// B minus A.
    pub difference: Option<Interval>,
}

/// The whole comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// Group A.
    pub a: GroupSummary,
    /// Group B.
    pub b: GroupSummary,
    /// Pass rate of B minus A.
    pub pass_rate_difference: Option<Interval>,
    /// Mean final score of B minus A.
    pub final_score_difference: Option<Interval>,
    /// Mean cost of B minus A.
    pub cost_difference: Option<Interval>,
    /// Mean duration of B minus A.
    pub duration_difference: Option<Interval>,
    /// Per grader and criterion.
    pub criteria: Vec<CriterionComparison>,
    /// Things that make the comparison weaker (different judge models, empty groups).
    pub warnings: Vec<String>,
}

/// What one group's rows hold.
struct Group {
    summary: GroupSummary,
    passed: Vec<bool>,
    final_scores: Vec<f64>,
    costs: Vec<f64>,
    durations: Vec<f64>,
    /// (grader, criterion) → scores.
    scores: BTreeMap<(String, String), Vec<f64>>,
    /// (grader, criterion) → judge models seen.
    judge_models: BTreeMap<(String, String), BTreeSet<String>>,
}

/// Compares the runs selected by `a` and `b`.
pub async fn compare(
    session: &Session,
    a: &Selection,
    b: &Selection,
    opts: &BootstrapOptions,
) -> Result<Comparison, QueryError> {
    let ((runs_a, scores_a), (runs_b, scores_b)) =
        futures::try_join!(load(session, a), load(session, b))?;
    let (a, b, opts) = (a.clone(), b.clone(), *opts);
    // Thousands of bootstrap resamples per figure: CPU work, off the async threads.
    tokio::task::spawn_blocking(move || {
        let ga = group(&a, &runs_a, &scores_a, &opts);
        let gb = group(&b, &runs_b, &scores_b, &opts);
        analyze(ga, gb, &opts)
    })
    .await
    .map_err(|e| QueryError::Output(format!("comparison: {e}")))
}

/// The comparison of two loaded groups.
fn analyze(ga: Group, gb: Group, opts: &BootstrapOptions) -> Comparison {
    let mut warnings = Vec::new();
    for (name, g) in [("A", &ga), ("B", &gb)] {
        if g.summary.runs == 0 {
            warnings.push(format!(
                "group {name} ({}) selects no runs",
                g.summary.selection
            ));
        }
    }
    let keys: BTreeSet<&(String, String)> = ga.scores.keys().chain(gb.scores.keys()).collect();
    let mut criteria = Vec::new();
    for key in keys {
        let empty = Vec::new();
        let xa = ga.scores.get(key).unwrap_or(&empty);
        let xb = gb.scores.get(key).unwrap_or(&empty);
        let ma = ga.judge_models.get(key);
        let mb = gb.judge_models.get(key);
        if let (Some(ma), Some(mb)) = (ma, mb)
            && ma != mb
        {
            warnings.push(format!(
                "`{}` was graded by different judge models ({} vs {}): differences may be the judge's",
                key.1,
                ma.iter().cloned().collect::<Vec<_>>().join(", "),
                mb.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        criteria.push(CriterionComparison {
            grader: key.0.clone(),
            criterion: key.1.clone(),
            n_a: xa.len(),
            n_b: xb.len(),
            a: bootstrap_mean(xa, opts),
            b: bootstrap_mean(xb, opts),
            difference: bootstrap_mean_difference(xb, xa, opts),
        });
    }
    Comparison {
        pass_rate_difference: pass_rate_difference(&gb.passed, &ga.passed, opts),
        final_score_difference: bootstrap_mean_difference(&gb.final_scores, &ga.final_scores, opts),
        cost_difference: bootstrap_mean_difference(&gb.costs, &ga.costs, opts),
        duration_difference: bootstrap_mean_difference(&gb.durations, &ga.durations, opts),
        criteria,
        warnings,
        a: ga.summary,
        b: gb.summary,
    }
}

/// The rows of one group: its runs and its kept scores.
type GroupRows = (Vec<Map<String, Value>>, Vec<Map<String, Value>>);

async fn load(session: &Session, selection: &Selection) -> Result<GroupRows, QueryError> {
    let cond = selection.condition()?;
    let q_runs = format!(
        "SELECT r.run_id, r.passed, r.final_score, r.cost_usd, r.duration_ms, r.runtime, r.model \
         FROM runs r WHERE {cond} ORDER BY r.started_at"
    );
    let runs = json_rows(session, &q_runs, MAX_RUNS);
    let q_scores = format!(
        "SELECT s.grader_name, s.grader_model, s.criterion, s.value, count(*) AS n FROM ({}) s \
         WHERE s.value IS NOT NULL AND s.error IS NULL \
         GROUP BY s.grader_name, s.grader_model, s.criterion, s.value",
        match selection {
            // One run: every read is an id lookup.
            Selection::Run(_) => crate::views::kept_scores_via_runs(&format!(
                "run_id IN (SELECT r.run_id FROM runs r WHERE {cond})"
            )),
            Selection::Where(_) => crate::views::kept_scores_via_runs_read_once(&cond),
        }
    );
    let scores = json_rows(session, &q_scores, MAX_SCORES);
    futures::try_join!(runs, scores).map_err(|e| match e {
        // The statement is ours; the caller's part of it is the selection.
        e if e.kind().is_caller_error() => QueryError::Refused(format!(
            "selection `{}` is not a condition over `runs`: {e}",
            selection.describe()
        )),
        e => e,
    })
}

fn group(
    selection: &Selection,
    runs: &[Map<String, Value>],
    scores: &[Map<String, Value>],
    opts: &BootstrapOptions,
) -> Group {
    let passed: Vec<bool> = runs
        .iter()
        .filter_map(|r| r.get("passed").and_then(Value::as_bool))
        .collect();
    let column = |k: &str| -> Vec<f64> { runs.iter().filter_map(|r| f64_of(r, k)).collect() };
    let final_scores = column("final_score");
    let costs = column("cost_usd");
    let durations = column("duration_ms");
    let distinct = |k: &str| -> Vec<String> {
        runs.iter()
            .filter_map(|r| str_of(r, k).map(str::to_owned))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let mut by: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    let mut judge_models: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for s in scores {
        let (Some(grader), Some(criterion), Some(value)) = (
            str_of(s, "grader_name"),
            str_of(s, "criterion"),
            f64_of(s, "value"),
        ) else {
            continue;
        };
        let key = (grader.to_owned(), criterion.to_owned());
        if let Some(m) = str_of(s, "grader_model") {
            judge_models
                .entry(key.clone())
                .or_default()
                .insert(m.to_owned());
        }
        // Scores take few distinct values (1..5, pass/fail): each row is one value and how
        // many kept scores have it, so a group of 100,000 scores is a few dozen rows.
        let n = f64_of(s, "n").map_or(1, |n| n as usize);
        by.entry(key)
            .or_default()
            .extend(std::iter::repeat_n(value, n));
    }
    // In value order, so the seeded resampling sees the same sequence whatever order the
    // rows arrived in.
    for xs in by.values_mut() {
        xs.sort_by(f64::total_cmp);
    }
    let to_f = |xs: &[bool]| -> Vec<f64> { xs.iter().map(|&p| f64::from(u8::from(p))).collect() };
    Group {
        summary: GroupSummary {
            selection: selection.describe(),
            runs: runs.len(),
            evaluated: passed.len(),
            passed: passed.iter().filter(|p| **p).count(),
            pass_rate: bootstrap_mean(&to_f(&passed), opts),
            final_score: bootstrap_mean(&final_scores, opts),
            cost_usd: bootstrap_mean(&costs, opts),
            duration_ms: bootstrap_mean(&durations, opts),
            runtimes: distinct("runtime"),
            models: distinct("model"),
            run_ids: if runs.len() <= 20 {
                runs.iter()
                    .filter_map(|r| str_of(r, "run_id").map(str::to_owned))
                    .collect()
            } else {
                Vec::new()
            },
        },
        passed,
        final_scores,
        costs,
        durations,
        scores: by,
        judge_models,
    }
}
