//! Views every session has, defined over the (already scoped) tables.

/// Stands for "every run" in [`KEPT_SCORES`]; [`kept_scores_of`] replaces it with a
/// caller's condition.
const EVERY_RUN: &str = "run_id IS NOT NULL";

/// The kept attempt's scores, each criterion's latest grading. The kept attempt is the
/// `wharf.kept_attempt` label, else the last attempt scored; the latest grading is the row
/// with the newest `created_at` of its (run, attempt, grader, criterion). Written with
/// aggregates and hash joins rather than a ranking window: a window sorts every score with
/// its columns, which on 600,000 scores needed more memory than a session has.
const KEPT_SCORES: &str = "SELECT s.score_id, s.run_id, s.attempt, s.collection, s.date, s.grader_kind, s.grader_name, s.grader_model, s.grader_prompt_sha256, s.criterion, s.value, s.label, s.max_value, s.passed, s.explanation, s.error, s.created_at
         FROM (SELECT * FROM scores WHERE run_id IS NOT NULL) s
         JOIN (
           SELECT x.run_id, x.attempt, x.grader_kind, x.grader_name, x.criterion, max(x.created_at) AS latest
           FROM (SELECT run_id, attempt, grader_kind, grader_name, criterion, created_at FROM scores WHERE run_id IS NOT NULL) x
           JOIN (
             SELECT run_id, CAST(coalesce(max(kept), max(last)) AS INT) AS kept_attempt FROM (
               SELECT run_id, value_num AS kept, CAST(NULL AS DOUBLE) AS last
               FROM labels WHERE key = 'wharf.kept_attempt' AND run_id IS NOT NULL
               UNION ALL
               SELECT run_id, CAST(NULL AS DOUBLE) AS kept, CAST(attempt AS DOUBLE) AS last
               FROM scores WHERE run_id IS NOT NULL
             ) GROUP BY run_id
           ) p ON p.run_id = x.run_id AND p.kept_attempt = x.attempt
           GROUP BY x.run_id, x.attempt, x.grader_kind, x.grader_name, x.criterion
         ) w ON w.run_id = s.run_id AND w.attempt = s.attempt AND w.grader_kind = s.grader_kind
            AND w.grader_name = s.grader_name AND w.criterion = s.criterion AND w.latest = s.created_at";

/// The `kept_scores` view's rows for the runs whose `run_id` satisfies `condition` (a
/// condition over a bare `run_id` column, such as `run_id IN (SELECT r.run_id FROM runs r
/// WHERE ...)`). Only those runs' scores are read and ranked, where a filter on the view
/// would rank every score of the store first.
pub fn kept_scores_of(condition: &str) -> String {
    KEPT_SCORES.replace(EVERY_RUN, &format!("({condition})"))
}

/// Each run's kept attempt as [`KEPT_SCORES`] finds it: the label, else the last attempt
/// scored (a pass over every score of the selected runs).
const ATTEMPTS_FROM_SCORES: &str =
    "SELECT run_id, CAST(coalesce(max(kept), max(last)) AS INT) AS kept_attempt FROM (
               SELECT run_id, value_num AS kept, CAST(NULL AS DOUBLE) AS last
               FROM labels WHERE key = 'wharf.kept_attempt' AND run_id IS NOT NULL
               UNION ALL
               SELECT run_id, CAST(NULL AS DOUBLE) AS kept, CAST(attempt AS DOUBLE) AS last
               FROM scores WHERE run_id IS NOT NULL
             ) GROUP BY run_id";

/// Each recorded run's kept attempt: the label, else the run's `attempts`.
const ATTEMPTS_FROM_RUNS: &str =
    "SELECT q.run_id, coalesce(CAST(k.kept AS INT), q.attempts) AS kept_attempt
             FROM (SELECT run_id, attempts FROM runs WHERE run_id IS NOT NULL) q
             LEFT JOIN (
               SELECT run_id, max(value_num) AS kept FROM labels
               WHERE key = 'wharf.kept_attempt' AND run_id IS NOT NULL GROUP BY run_id
             ) k ON k.run_id = q.run_id";

/// [`kept_scores_of`] for callers that select runs through `runs` (dashboards, compare):
/// the kept attempt comes from the run's row (its label, else its `attempts`) instead of a
/// pass over every score to find the last attempt scored — the same attempt for every run
/// wharf recorded (the engine labels the kept attempt; imported runs have the attempts they
/// were graded on), and a third of the time on 600,000 scores. Scores of runs without a
/// `runs` row are not included.
pub fn kept_scores_of_runs(condition: &str) -> String {
    kept_scores_of(condition).replace(
        &ATTEMPTS_FROM_SCORES.replace(EVERY_RUN, &format!("({condition})")),
        &kept_attempts_of_runs(condition),
    )
}

/// `run_id, kept_attempt` of the recorded runs whose `run_id` satisfies `condition`: the
/// `wharf.kept_attempt` label, else the run's `attempts` (see [`kept_scores_of_runs`]).
pub fn kept_attempts_of_runs(condition: &str) -> String {
    ATTEMPTS_FROM_RUNS.replace(EVERY_RUN, &format!("({condition})"))
}

/// `(name, SQL)` of each view, created in order.
pub const VIEWS: &[(&str, &str)] = &[
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
    ("kept_scores", KEPT_SCORES),
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
    fn kept_scores_of_runs_swaps_only_the_kept_attempt() {
        assert_eq!(KEPT_SCORES.matches(ATTEMPTS_FROM_SCORES).count(), 1);
        let sql = kept_scores_of_runs("run_id = 'x'");
        assert!(!sql.contains("max(last)"), "{sql}");
        assert!(sql.contains("q.attempts"), "{sql}");
        assert_eq!(sql.matches("(run_id = 'x')").count(), 4);
    }

    #[test]
    fn kept_scores_of_narrows_every_read() {
        assert_eq!(KEPT_SCORES.matches(EVERY_RUN).count(), 4);
        let sql = kept_scores_of("run_id = 'x'");
        assert_eq!(sql.matches("(run_id = 'x')").count(), 4);
        assert!(!sql.contains(EVERY_RUN));
    }
}
