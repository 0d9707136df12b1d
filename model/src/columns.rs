//! The column lists of the six tables: the persisted contract.
//!
//! Each table is a static list of [`Column`]s; [`crate::Table::schema`] builds the Arrow
//! schema from it. Partition columns (`collection`, `date`) are part of every list.

/// Logical type of a column, mapped to one Arrow type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// UTF-8 string.
    Text,
    /// 32-bit signed integer.
    Int32,
    /// 64-bit signed integer.
    Int64,
    /// 64-bit float.
    Float64,
    /// Boolean.
    Bool,
    /// Microsecond timestamp in UTC.
    Timestamp,
    /// Calendar date (UTC), the partition column.
    Date,
}

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The column's name, as in the Arrow schema and in SQL.
    pub name: &'static str,
    /// Its logical type; [`crate::Table::schema`] maps it to an Arrow type.
    pub ty: ColumnType,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// One-line description shown by `wharf tables`.
    pub doc: &'static str,
}

const fn req(name: &'static str, ty: ColumnType, doc: &'static str) -> Column {
    Column {
        name,
        ty,
        nullable: false,
        doc,
    }
}

const fn opt(name: &'static str, ty: ColumnType, doc: &'static str) -> Column {
    Column {
        name,
        ty,
        nullable: true,
        doc,
    }
}

use ColumnType::{Bool, Date, Float64, Int32, Int64, Text, Timestamp};

/// `runs`: one row per run (sandboxed, external or gateway-only).
pub const RUNS: &[Column] = &[
    req("run_id", Text, "run id (UUID, v7 when wharf assigns it)"),
    req("collection", Text, "tenant namespace (partition column)"),
    opt("task", Text, "task name inside the collection"),
    req("source", Text, "sandbox | external | gateway"),
    opt("runbook_name", Text, "runbook name"),
    opt(
        "runbook_version",
        Text,
        "runbook version from its frontmatter",
    ),
    opt("runbook_sha256", Text, "sha256 of the rendered runbook"),
    opt(
        "runtime",
        Text,
        "agent CLI: claude-code, codex, gemini-cli, opencode, hermes, command",
    ),
    opt("runtime_version", Text, "agent CLI version"),
    opt("model", Text, "model slug"),
    opt("model_provider", Text, "who served the model"),
    opt("snapshot", Text, "sandbox root filesystem"),
    opt("parameters", Text, "runbook parameters as a JSON object"),
    req(
        "status",
        Text,
        "succeeded | failed | error | timeout | cancelled",
    ),
    opt("passed", Bool, "evaluation verdict of the kept attempt"),
    opt("final_score", Float64, "score of the kept attempt"),
    req("attempts", Int32, "number of attempts"),
    req("started_at", Timestamp, "start time (UTC)"),
    opt("ended_at", Timestamp, "end time (UTC)"),
    opt("duration_ms", Int64, "wall-clock duration"),
    opt("input_tokens", Int64, "input tokens, cached ones included"),
    opt("output_tokens", Int64, "output tokens"),
    opt(
        "cache_read_tokens",
        Int64,
        "input tokens read from the provider cache",
    ),
    opt(
        "cache_write_tokens",
        Int64,
        "input tokens written to the provider cache",
    ),
    opt(
        "reasoning_tokens",
        Int64,
        "reasoning tokens (part of output)",
    ),
    opt("cost_usd", Float64, "cost in USD"),
    opt("cost_source", Text, "runtime | gateway | computed"),
    opt("error", Text, "why the run did not succeed"),
    opt(
        "parent_run_id",
        Text,
        "run this one was forked or retried from",
    ),
    opt("workflow_id", Text, "groups runs of one workflow"),
    req("date", Date, "UTC date of started_at (partition column)"),
];

/// `events`: one row per normalized trajectory event.
pub const EVENTS: &[Column] = &[
    req("run_id", Text, "run the event belongs to"),
    req("attempt", Int32, "attempt number, from 1"),
    req(
        "seq",
        Int64,
        "event order within the run (wharf numbers across attempts)",
    ),
    req("ts", Timestamp, "event time (UTC)"),
    req(
        "ts_source",
        Text,
        "native (from the agent) | observed (by wharf)",
    ),
    req("collection", Text, "tenant namespace (partition column)"),
    req("date", Date, "UTC date of ts (partition column)"),
    req(
        "kind",
        Text,
        "session_start | user_message | assistant_message | reasoning | tool_call | tool_result | usage | error | status | log | file | session_end",
    ),
    opt("role", Text, "message role"),
    opt("name", Text, "tool name"),
    opt("call_id", Text, "tool call id linking a call to its result"),
    opt("parent_call_id", Text, "enclosing call (subagents)"),
    opt(
        "tool_kind",
        Text,
        "shell | read | write | edit | search | web | mcp | subagent | todo | other",
    ),
    opt("text", Text, "message or reasoning text"),
    opt("input_json", Text, "tool input as JSON"),
    opt("output_text", Text, "tool output"),
    opt("status", Text, "tool or step status"),
    opt("exit_code", Int32, "shell exit code"),
    opt("duration_ms", Int64, "tool or step duration"),
    opt("model", Text, "model that produced the event"),
    opt("input_tokens", Int64, "input tokens"),
    opt("output_tokens", Int64, "output tokens"),
    opt("cache_read_tokens", Int64, "cached input tokens read"),
    opt("cache_write_tokens", Int64, "cached input tokens written"),
    opt("cost_usd", Float64, "cost in USD"),
    opt("raw", Text, "the native line verbatim"),
];

/// `scores`: one criterion's result from one grader for one attempt.
pub const SCORES: &[Column] = &[
    req("score_id", Text, "score id"),
    req("run_id", Text, "graded run"),
    req("attempt", Int32, "graded attempt"),
    req("collection", Text, "tenant namespace (partition column)"),
    req("date", Date, "UTC date of created_at (partition column)"),
    req(
        "grader_kind",
        Text,
        "programmatic | rubric | human | external",
    ),
    req("grader_name", Text, "grader name"),
    opt("grader_model", Text, "judge model"),
    opt(
        "grader_prompt_sha256",
        Text,
        "sha256 of the judge prompt template",
    ),
    req("criterion", Text, "criterion or check name"),
    opt("value", Float64, "score; NULL = unscored"),
    opt("label", Text, "categorical result, e.g. PASS"),
    opt("max_value", Float64, "best possible value"),
    opt("passed", Bool, "whether the criterion passed"),
    opt("explanation", Text, "grader's explanation"),
    opt("error", Text, "why the criterion could not be scored"),
    req("created_at", Timestamp, "grading time (UTC)"),
];

/// `labels`: append-only annotations on runs; see the `latest_labels` view.
pub const LABELS: &[Column] = &[
    req("label_id", Text, "label id"),
    req("run_id", Text, "labelled run"),
    req("collection", Text, "tenant namespace (partition column)"),
    req("date", Date, "UTC date of created_at (partition column)"),
    req("key", Text, "label key"),
    req("value", Text, "label value"),
    opt("value_num", Float64, "value as a number when it parses"),
    opt("author", Text, "who labelled"),
    opt("note", Text, "free text"),
    req("created_at", Timestamp, "label time (UTC)"),
];

/// `artifacts`: files a run produced or received.
pub const ARTIFACTS: &[Column] = &[
    req("run_id", Text, "owning run"),
    req("attempt", Int32, "attempt that produced the file"),
    req("collection", Text, "tenant namespace (partition column)"),
    req("date", Date, "UTC date of created_at (partition column)"),
    req(
        "path",
        Text,
        "path relative to /app/results (or /app/assets for inputs)",
    ),
    req("role", Text, "primary | output | report | input"),
    req("size", Int64, "size in bytes"),
    opt("sha256", Text, "content hash"),
    opt("content_type", Text, "MIME type"),
    opt("object_key", Text, "object-store key of the bytes"),
    req("created_at", Timestamp, "collection time (UTC)"),
];

/// `llm_calls`: one row per model call through the gateway (or imported).
pub const LLM_CALLS: &[Column] = &[
    req("call_id", Text, "call id"),
    opt(
        "run_id",
        Text,
        "run the call served, NULL for direct gateway use",
    ),
    req("collection", Text, "tenant namespace (partition column)"),
    req("date", Date, "UTC date of started_at (partition column)"),
    req("provider", Text, "provider name"),
    req("api", Text, "chat | responses | messages | gemini"),
    req("model", Text, "model slug"),
    req("started_at", Timestamp, "request time (UTC)"),
    opt("latency_ms", Int64, "total latency"),
    opt("ttft_ms", Int64, "time to first token"),
    opt("status_code", Int32, "HTTP status"),
    opt("input_tokens", Int64, "input tokens, cached ones included"),
    opt("output_tokens", Int64, "output tokens"),
    opt("cache_read_tokens", Int64, "cached input tokens read"),
    opt("cache_write_tokens", Int64, "cached input tokens written"),
    opt("reasoning_tokens", Int64, "reasoning tokens"),
    opt("cost_usd", Float64, "cost in USD"),
    req("streamed", Bool, "whether the response was streamed"),
    opt("error", Text, "error message"),
];
