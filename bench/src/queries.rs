//! The dashboard-shaped queries of the query benchmark, in wharf's SQL and in DuckDB's.
//! `{run}` is replaced by one run id of the data set.

/// `(name, wharf SQL, DuckDB SQL)`.
pub const QUERIES: &[(&str, &str, &str)] = &[
    (
        "pass_rate_by_day_runtime",
        "SELECT date, runtime, count(*) AS runs, avg(CASE WHEN passed THEN 1.0 ELSE 0.0 END) AS pass_rate FROM runs GROUP BY date, runtime ORDER BY date, runtime",
        "SELECT date, runtime, count(*) AS runs, avg(CASE WHEN passed THEN 1.0 ELSE 0.0 END) AS pass_rate FROM runs GROUP BY date, runtime ORDER BY date, runtime",
    ),
    (
        "token_cost_percentiles_by_model",
        "SELECT model, approx_percentile_cont(output_tokens, 0.5) AS p50_out, approx_percentile_cont(output_tokens, 0.95) AS p95_out, approx_percentile_cont(input_tokens, 0.95) AS p95_in, sum(cost_usd) AS cost FROM events WHERE kind = 'assistant_message' GROUP BY model ORDER BY model",
        "SELECT model, approx_quantile(output_tokens, 0.5) AS p50_out, approx_quantile(output_tokens, 0.95) AS p95_out, approx_quantile(input_tokens, 0.95) AS p95_in, sum(cost_usd) AS cost FROM events WHERE kind = 'assistant_message' GROUP BY model ORDER BY model",
    ),
    (
        "top_failing_tools",
        "SELECT name, count(*) AS calls, sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS failures, avg(duration_ms) AS avg_ms FROM events WHERE kind = 'tool_result' GROUP BY name ORDER BY failures DESC, name LIMIT 10",
        "SELECT name, count(*) AS calls, sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS failures, avg(duration_ms) AS avg_ms FROM events WHERE kind = 'tool_result' GROUP BY name ORDER BY failures DESC, name LIMIT 10",
    ),
    (
        "run_timeline",
        "SELECT seq, ts, kind, name, status, duration_ms, length(output_text) AS out_len FROM events WHERE run_id = '{run}' ORDER BY seq",
        "SELECT seq, ts, kind, name, status, duration_ms, length(output_text) AS out_len FROM events WHERE run_id = '{run}' ORDER BY seq",
    ),
    (
        "score_distribution_by_criterion",
        "SELECT criterion, value, count(*) AS n FROM scores WHERE grader_kind = 'rubric' GROUP BY criterion, value ORDER BY criterion, value",
        "SELECT criterion, value, count(*) AS n FROM scores WHERE grader_kind = 'rubric' GROUP BY criterion, value ORDER BY criterion, value",
    ),
    (
        "runs_events_scores_join",
        "SELECT r.runtime, r.status, count(*) AS tool_calls, avg(s.mean_score) AS mean_score FROM runs r JOIN events e ON e.run_id = r.run_id JOIN (SELECT run_id, avg(value) AS mean_score FROM scores GROUP BY run_id) s ON s.run_id = r.run_id WHERE e.kind = 'tool_call' GROUP BY r.runtime, r.status ORDER BY r.runtime, r.status",
        "SELECT r.runtime, r.status, count(*) AS tool_calls, avg(s.mean_score) AS mean_score FROM runs r JOIN events e ON e.run_id = r.run_id JOIN (SELECT run_id, avg(value) AS mean_score FROM scores GROUP BY run_id) s ON s.run_id = r.run_id WHERE e.kind = 'tool_call' GROUP BY r.runtime, r.status ORDER BY r.runtime, r.status",
    ),
];
