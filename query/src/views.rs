//! Views every session has, defined over the (already scoped) tables.

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
];
