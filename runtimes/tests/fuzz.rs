//! Parsers are total: arbitrary text and JSON-shaped garbage never panic, and a line that is
//! not a JSON object always comes back as a `log` event that keeps it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use serde_json::{Map, Value};
use wharf_model::EventKind;
use wharf_runtimes::{AgentEvent, OutputKind, StreamParser, all};

/// Keys and type names the parsers look at, so generated objects reach deep code paths.
const KEYS: &[&str] = &[
    "type",
    "subtype",
    "message",
    "content",
    "role",
    "text",
    "thinking",
    "id",
    "name",
    "input",
    "tool_use_id",
    "is_error",
    "usage",
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "total_cost_usd",
    "modelUsage",
    "result",
    "duration_ms",
    "timestamp",
    "session_id",
    "model",
    "item",
    "command",
    "aggregated_output",
    "exit_code",
    "status",
    "changes",
    "server",
    "tool",
    "arguments",
    "error",
    "items",
    "cached_input_tokens",
    "delta",
    "tool_name",
    "tool_id",
    "parameters",
    "output",
    "stats",
    "models",
    "cached",
    "part",
    "sessionID",
    "callID",
    "state",
    "time",
    "start",
    "end",
    "metadata",
    "exit",
    "tokens",
    "cache",
    "read",
    "write",
    "reasoning",
    "cost",
    "reason",
    "messages",
    "tool_calls",
    "function",
    "tool_call_id",
    "started_at",
    "ended_at",
    "api_calls",
    "failed",
    "completed",
    "thread_id",
    "parent_tool_use_id",
    "query",
    "severity",
    "data",
    "actual_cost_usd",
    "cost_status",
];

const TYPES: &[&str] = &[
    "system",
    "init",
    "assistant",
    "user",
    "result",
    "text",
    "thinking",
    "redacted_thinking",
    "tool_use",
    "tool_result",
    "thread.started",
    "turn.started",
    "turn.completed",
    "turn.failed",
    "item.started",
    "item.updated",
    "item.completed",
    "agent_message",
    "command_execution",
    "file_change",
    "mcp_tool_call",
    "web_search",
    "todo_list",
    "error",
    "message",
    "step_start",
    "step_finish",
    "reasoning",
    "tool",
    "assistant",
    "function",
    "success",
    "completed",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1.0e20f64..1.0e20).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        prop::sample::select(TYPES).prop_map(Value::from),
        Just(Value::from("2026-11-21T15:49:04.794Z")),
        Just(Value::from(1_795_276_155_098i64)),
        Just(Value::from(
            "{\"output\": 1, \"exit_code\": 99999999999, \"error\": []}"
        )),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..8).prop_map(|kvs| {
                Value::Object(kvs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

/// A top-level object with a known `type`, like a real stream line gone wrong.
fn typed_line() -> impl Strategy<Value = String> {
    (
        prop::sample::select(TYPES),
        prop::collection::vec((prop::sample::select(KEYS), json()), 0..8),
    )
        .prop_map(|(t, kvs)| {
            let mut map: Map<String, Value> =
                kvs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            map.insert("type".to_owned(), Value::from(t));
            Value::Object(map).to_string()
        })
}

/// A real capture line cut short (malformed JSON) or kept whole.
fn capture_line() -> impl Strategy<Value = String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures");
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        lines.extend(text.lines().map(str::to_owned));
    }
    (prop::sample::select(lines), any::<prop::sample::Index>()).prop_map(|(line, cut)| {
        let mut at = cut.index(line.len() + 1);
        while !line.is_char_boundary(at) {
            at -= 1;
        }
        line[..at].to_owned()
    })
}

fn any_line() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        ".{0,40}",
        json().prop_map(|v| v.to_string()),
        typed_line(),
        capture_line(),
    ]
}

fn parsers() -> Vec<(String, Box<dyn StreamParser>)> {
    let mut parsers: Vec<(String, Box<dyn StreamParser>)> = all()
        .iter()
        .map(|r| (r.name().to_owned(), r.parser()))
        .collect();
    parsers.push((
        "hermes-export".to_owned(),
        OutputKind::HermesSessionExport.parser(),
    ));
    parsers
}

fn is_json_object(line: &str) -> bool {
    matches!(serde_json::from_str::<Value>(line), Ok(Value::Object(_)))
}

fn has_log_of(events: &[AgentEvent], line: &str) -> bool {
    events
        .iter()
        .any(|e| e.kind == EventKind::Log && e.raw.as_deref() == Some(line))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn stream_parsers_never_panic_and_keep_what_they_do_not_understand(
        lines in prop::collection::vec(any_line(), 0..12)
    ) {
        for (name, mut parser) in parsers() {
            for line in &lines {
                let events = parser.feed_line(line);
                let kept = line.trim_end_matches(['\n', '\r']);
                if !kept.trim().is_empty() && !is_json_object(kept) {
                    prop_assert!(has_log_of(&events, kept), "{name}: {line:?} -> {events:?}");
                }
                // Every event survives the trip to a record.
                for event in events {
                    let _ = event.into_record("r", 1, 0, chrono::Utc::now(), None);
                }
            }
            parser.finish();
            prop_assert!(parser.finish().is_empty(), "{name}: finish is not idempotent");
        }
    }

    #[test]
    fn the_usage_file_parser_never_panics(lines in prop::collection::vec(any_line(), 0..8)) {
        let mut parser = OutputKind::HermesUsageFile.parser();
        for line in &lines {
            prop_assert!(parser.feed_line(line).is_empty());
        }
        let events = parser.finish();
        let document = lines.iter().map(|l| l.trim_end_matches(['\n', '\r'])).collect::<Vec<_>>().join("\n");
        if !is_json_object(&document) {
            for line in lines.iter().map(|l| l.trim_end_matches(['\n', '\r'])) {
                if !line.trim().is_empty() {
                    prop_assert!(has_log_of(&events, line), "{line:?} -> {events:?}");
                }
            }
        }
    }
}

#[test]
fn command_output_is_all_logs() {
    let mut parser = wharf_runtimes::runtime("command").unwrap().parser();
    for line in ["hello", "{\"type\":\"result\"}", "  ", ""] {
        let events = parser.feed_line(line);
        if line.trim().is_empty() {
            assert!(events.is_empty());
        } else {
            assert_eq!(events.len(), 1);
            assert_eq!(events[0].kind, EventKind::Log);
            assert_eq!(events[0].raw.as_deref(), Some(line));
        }
    }
}
