//! Views every session has, defined over the (already scoped) tables.

/// Stands for "every run": the condition of the views as every session has them.
const EVERY_RUN: &str = "run_id IS NOT NULL";

/// The columns of `scores`, as `kept_scores` returns them.
const SCORE_COLUMNS: &str = "s.score_id, s.run_id, s.attempt, s.collection, s.date, \
    s.grader_kind, s.grader_name, s.grader_model, s.grader_prompt_sha256, s.criterion, \
    s.value, s.label, s.max_value, s.passed, s.explanation, s.error, s.created_at";

/// The kept attempt's scores of the runs whose `run_id` satisfies `condition` (a condition
/// over a bare `run_id` column, such as `run_id IN (SELECT r.run_id FROM runs r WHERE ...)`),
/// each criterion's latest grading; `attempts` gives `run_id, kept_attempt` of the runs
/// satisfying a condition.
///
/// The latest grading is the row with the newest `created_at` of its (run, attempt, grader,
/// criterion). Only runs graded more than once need it computed: `run_gradings` (rolled up
/// file by file) names the runs with a criterion graded twice within a part or with scores in
/// several parts, and only their scores are aggregated; a kept-attempt row is kept when its
/// run is not among them or when it is the latest of its criterion. One pass, the condition
/// once per read. Written with aggregates and hash joins rather than a ranking window: a
/// window sorts every score with its columns, which on a large store needed more memory
/// than a session has (bench/RESULTS.md). Every read is narrowed to `condition`, where a
/// filter on the view would rank every score of the store first.
fn kept_scores(condition: &str, attempts: fn(&str) -> String) -> String {
    kept_scores_from(
        &format!("(SELECT * FROM scores WHERE ({condition}))"),
        &attempts(condition),
        &format!("WHERE ({condition})"),
    )
}

/// The kept-scores statement: the rows of `scores_from` (a parenthesised relation with the
/// columns of `scores`) of each run's kept attempt in `attempts` (`run_id, kept_attempt`),
/// each criterion's latest grading among the regraded runs of `run_gradings` (narrowed by
/// `gradings_filter`, a `WHERE` clause or nothing).
fn kept_scores_from(scores_from: &str, attempts: &str, gradings_filter: &str) -> String {
    format!(
        "SELECT {SCORE_COLUMNS} FROM {scores_from} s \
         JOIN ({attempts}) p ON p.run_id = s.run_id AND p.kept_attempt = s.attempt \
         LEFT JOIN ( \
           SELECT run_id, attempt, grader_kind, grader_name, criterion, \
                  max(created_at) AS latest \
           FROM scores WHERE run_id IN ( \
             SELECT run_id FROM run_gradings {gradings_filter} \
             GROUP BY run_id HAVING count(*) > 1 OR bool_or(regraded)) \
           GROUP BY run_id, attempt, grader_kind, grader_name, criterion \
         ) w ON w.run_id = s.run_id AND w.attempt = s.attempt AND w.grader_kind = s.grader_kind \
            AND w.grader_name = s.grader_name AND w.criterion = s.criterion \
         WHERE w.run_id IS NULL OR w.latest = s.created_at"
    )
}

/// [`kept_scores_via_runs`] for a broad selection: the runs satisfying `runs_condition` (a
/// condition over `runs` aliased `r`, such as `r.runtime = 'codex'`) are read once, as the
/// kept attempts the scores are joined with, and the other reads (scores, the kept-attempt
/// labels, the regraded runs) are not narrowed: the join narrows them. For a selection of
/// thousands of runs that is one read of `runs` instead of four semi-joins with it; for a
/// few ids, [`kept_scores_via_runs`] with `run_id IN (...)` is the one to use, since its
/// narrowed reads are id lookups.
pub fn kept_scores_via_runs_read_once(runs_condition: &str) -> String {
    kept_scores_from(
        "scores",
        &format!(
            "SELECT q.run_id, coalesce(CAST(k.kept AS INT), q.attempts) AS kept_attempt \
             FROM (SELECT r.run_id, r.attempts FROM runs r WHERE {runs_condition}) q \
             LEFT JOIN ( \
               SELECT run_id, max(value_num) AS kept FROM labels \
               WHERE key = 'wharf.kept_attempt' GROUP BY run_id \
             ) k ON k.run_id = q.run_id"
        ),
        "",
    )
}

/// Each run's kept attempt as the `kept_scores` view finds it: the `wharf.kept_attempt`
/// label, else the last attempt scored (a pass over every score of the selected runs).
fn attempts_from_scores(condition: &str) -> String {
    format!(
        "SELECT run_id, CAST(coalesce(max(kept), max(last)) AS INT) AS kept_attempt FROM ( \
           SELECT run_id, value_num AS kept, CAST(NULL AS DOUBLE) AS last \
           FROM labels WHERE key = 'wharf.kept_attempt' AND ({condition}) \
           UNION ALL \
           SELECT run_id, CAST(NULL AS DOUBLE) AS kept, CAST(attempt AS DOUBLE) AS last \
           FROM scores WHERE ({condition}) \
         ) GROUP BY run_id"
    )
}

/// `run_id, kept_attempt` of the recorded runs whose `run_id` satisfies `condition`: the
/// `wharf.kept_attempt` label, else the run's `attempts` (see [`kept_scores_via_runs`]).
pub fn kept_attempts_of_runs(condition: &str) -> String {
    format!(
        "SELECT q.run_id, coalesce(CAST(k.kept AS INT), q.attempts) AS kept_attempt \
         FROM (SELECT run_id, attempts FROM runs WHERE ({condition})) q \
         LEFT JOIN ( \
           SELECT run_id, max(value_num) AS kept FROM labels \
           WHERE key = 'wharf.kept_attempt' AND ({condition}) GROUP BY run_id \
         ) k ON k.run_id = q.run_id"
    )
}

/// The `kept_scores` view's rows for the runs whose `run_id` satisfies `condition`, the kept
/// attempt found from the scores themselves (its label, else the last attempt scored).
pub(crate) fn kept_scores_via_scores(condition: &str) -> String {
    kept_scores(condition, attempts_from_scores)
}

/// [`kept_scores_via_scores`] for callers that select runs through `runs` (dashboards, compare):
/// the kept attempt comes from the run's row (its label, else its `attempts`) instead of a
/// pass over every score to find the last attempt scored — the same attempt for every run
/// wharf recorded (the engine labels the kept attempt; imported runs have the attempts they
/// were graded on), without the pass over every score. Scores of runs without a `runs` row
/// are not included.
pub fn kept_scores_via_runs(condition: &str) -> String {
    kept_scores(condition, kept_attempts_of_runs)
}

/// The name the recorded `runs` rows are read under while [`runs_with_verdicts`] is
/// planned; sessions never see it.
pub(crate) const RECORDED_RUNS: &str = "wharf_recorded_runs";

/// `runs` as sessions see it: the recorded rows, with `passed` and `final_score` from each
/// run's latest verdict label (a re-grade) where it has one. Every other column is the
/// recorded one, in contract order. Runs never re-graded keep their row as it is.
pub(crate) fn runs_with_verdicts() -> String {
    let columns: Vec<String> = wharf_model::Table::Runs
        .columns()
        .iter()
        .map(|c| match c.name {
            "passed" => "CASE WHEN v.run_id IS NULL THEN r.passed \
                         ELSE v.verdict = 'passed' END AS passed"
                .to_owned(),
            "final_score" => "CASE WHEN v.run_id IS NULL THEN r.final_score \
                              ELSE v.score END AS final_score"
                .to_owned(),
            name => format!("r.\"{name}\""),
        })
        .collect();
    format!(
        "SELECT {} FROM {RECORDED_RUNS} r LEFT JOIN ( \
           SELECT collection, run_id, \
                  last_value(value ORDER BY created_at, label_id) AS verdict, \
                  last_value(value_num ORDER BY created_at, label_id) AS score \
           FROM labels WHERE key = '{}' GROUP BY collection, run_id \
         ) v ON v.run_id = r.run_id AND v.collection = r.collection",
        columns.join(", "),
        wharf_model::VERDICT_LABEL
    )
}

/// The views every session has, in the order they are created.
pub const VIEWS: &[&str] = &[
    "latest_labels",
    "tool_calls",
    "attempt_scores",
    "kept_scores",
    "kept_artifacts",
];

/// `(name, SQL)` of each of [`VIEWS`].
pub(crate) fn definitions() -> Vec<(&'static str, String)> {
    FIXED
        .iter()
        .map(|(name, sql)| (*name, (*sql).to_owned()))
        .chain([("kept_scores", kept_scores_via_scores(EVERY_RUN))])
        .chain(AFTER.iter().map(|(name, sql)| (*name, (*sql).to_owned())))
        .collect()
}

/// Views written as they are, before `kept_scores`.
const FIXED: &[(&str, &str)] = &[
    (
        "latest_labels",
        "SELECT label_id, run_id, collection, key, value, value_num, author, note, created_at
         FROM (
           SELECT *, row_number() OVER (
             PARTITION BY collection, run_id, key ORDER BY created_at DESC, label_id DESC
           ) AS wharf_rank
           FROM labels
         ) WHERE wharf_rank = 1",
    ),
    (
        "tool_calls",
        "SELECT c.collection, c.date, c.run_id, c.attempt, c.seq, c.ts, c.name, c.tool_kind,
                c.call_id, c.input_json, r.output_text, r.status, r.exit_code,
                coalesce(r.duration_ms, CAST(date_part('epoch', r.ts - c.ts) * 1000 AS BIGINT))
                  AS duration_ms,
                r.ts AS result_ts,
                coalesce(r.status IN ('error', 'failed') OR r.exit_code <> 0, false) AS failed
         FROM events c
         LEFT JOIN events r
           ON r.kind = 'tool_result' AND r.collection = c.collection AND r.run_id = c.run_id
          AND r.attempt = c.attempt AND r.call_id = c.call_id
         WHERE c.kind = 'tool_call'",
    ),
    (
        "attempt_scores",
        "SELECT collection, run_id, attempt, grader_kind, grader_name,
                count(*) AS criteria,
                avg(value) AS mean_value,
                min(value) AS min_value,
                bool_and(coalesce(passed, true)) AS all_passed,
                sum(CASE WHEN error IS NOT NULL THEN 1 ELSE 0 END) AS errors
         FROM scores
         GROUP BY collection, run_id, attempt, grader_kind, grader_name",
    ),
];

/// Views after `kept_scores`.
const AFTER: &[(&str, &str)] = &[
    (
        "kept_artifacts",
        "SELECT a.run_id, a.attempt, a.collection, a.date, a.path, a.role, a.size, a.sha256, a.content_type, a.object_key, a.created_at
         FROM artifacts a
         JOIN (
           SELECT run_id, CAST(coalesce(max(kept), max(last), 1) AS INT) AS kept_attempt FROM (
             SELECT run_id, value_num AS kept, CAST(NULL AS DOUBLE) AS last
             FROM labels WHERE key = 'wharf.kept_attempt'
             UNION ALL
             SELECT run_id, CAST(NULL AS DOUBLE) AS kept, CAST(attempt AS DOUBLE) AS last
             FROM artifacts WHERE role <> 'input'
             UNION ALL
             SELECT run_id, CAST(NULL AS DOUBLE) AS kept, CAST(NULL AS DOUBLE) AS last
             FROM artifacts WHERE role = 'input'
           ) GROUP BY run_id
         ) p ON p.run_id = a.run_id
         WHERE a.role = 'input' OR a.attempt = p.kept_attempt",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_view_has_a_definition() {
        let names: Vec<&str> = definitions().iter().map(|(n, _)| *n).collect();
        assert_eq!(names, VIEWS);
    }

    #[test]
    fn kept_scores_narrow_every_read_to_the_condition() {
        for (sql, attempts) in [
            (kept_scores_via_scores("run_id = 'x'"), "max(last)"),
            (kept_scores_via_runs("run_id = 'x'"), "q.attempts"),
        ] {
            assert!(sql.contains(attempts), "{sql}");
            assert!(!sql.contains(EVERY_RUN), "{sql}");
            // scores, the kept attempts' two reads, the regraded runs.
            assert_eq!(sql.matches("(run_id = 'x')").count(), 4, "{sql}");
        }
        assert!(!kept_scores_via_runs("run_id = 'x'").contains("max(last)"));
    }
}
