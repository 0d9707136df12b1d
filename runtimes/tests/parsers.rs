//! Targeted parser behaviour beyond the captures: pairing, merging, failures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use wharf_model::{EventKind, ToolKind};
use wharf_runtimes::{AgentEvent, OutputKind, parse_all, runtime};

fn parse(runtime_name: &str, text: &str) -> Vec<AgentEvent> {
    parse_all(runtime(runtime_name).unwrap().parser().as_mut(), text)
}

fn kinds(events: &[AgentEvent]) -> Vec<EventKind> {
    events.iter().map(|e| e.kind).collect()
}

#[test]
fn claude_error_result_and_truncated_stream() {
    let text = r#"{"type":"system","subtype":"init","session_id":"s","model":"m"}
{"type":"system","subtype":"api_retry","attempt":1}
{"type":"result","subtype":"success","is_error":true,"result":"API Error: 401","duration_ms":2000,"total_cost_usd":0,"usage":{"input_tokens":0,"output_tokens":0}}"#;
    let events = parse("claude-code", text);
    assert_eq!(
        kinds(&events),
        [
            EventKind::SessionStart,
            EventKind::Status,
            EventKind::Usage,
            EventKind::Error,
            EventKind::SessionEnd
        ]
    );
    assert_eq!(events[1].status.as_deref(), Some("api_retry"));
    assert_eq!(events[3].text.as_deref(), Some("API Error: 401"));
    assert_eq!(events[4].status.as_deref(), Some("error"));

    // No result line: finish closes the session as incomplete.
    let events = parse(
        "claude-code",
        r#"{"type":"system","subtype":"init","session_id":"s"}"#,
    );
    assert_eq!(events.last().unwrap().status.as_deref(), Some("incomplete"));
}

#[test]
fn claude_thinking_subagents_and_cached_usage() {
    let text = r#"{"type":"assistant","message":{"model":"m","content":[{"type":"thinking","thinking":"hmm"},{"type":"tool_use","id":"t1","name":"Task","input":{}}]}}
{"type":"assistant","parent_tool_use_id":"t1","message":{"content":[{"type":"tool_use","id":"t2","name":"mcp__gh__issue","input":{"n":1}}]}}
{"type":"user","parent_tool_use_id":"t1","message":{"content":[{"type":"tool_result","tool_use_id":"t2","is_error":true,"content":[{"type":"text","text":"nope"},{"type":"image"}]}]}}
{"type":"result","subtype":"success","usage":{"input_tokens":10,"cache_read_input_tokens":100,"cache_creation_input_tokens":5,"output_tokens":7}}"#;
    let events = parse("claude-code", text);
    assert_eq!(events[0].kind, EventKind::Reasoning);
    assert_eq!(events[1].tool_kind, Some(ToolKind::Subagent));
    assert_eq!(events[2].tool_kind, Some(ToolKind::Mcp));
    assert_eq!(events[2].parent_call_id.as_deref(), Some("t1"));
    assert_eq!(events[2].model.as_deref(), Some("m"));
    let result = &events[3];
    assert_eq!(result.name.as_deref(), Some("mcp__gh__issue"));
    assert_eq!(result.status.as_deref(), Some("error"));
    assert_eq!(result.output_text.as_deref(), Some("nope\n[image]"));
    let usage = &events[4];
    assert_eq!(usage.input_tokens, Some(115));
    assert_eq!(usage.cache_read_tokens, Some(100));
    assert_eq!(usage.cache_write_tokens, Some(5));
}

#[test]
fn codex_items_without_start_and_failed_turns() {
    let text = r#"{"type":"thread.started","thread_id":"th"}
{"type":"turn.started"}
{"type":"item.completed","item":{"id":"i1","type":"file_change","changes":[{"path":"a.txt","kind":"add"}],"status":"completed"}}
{"type":"item.completed","item":{"id":"i2","type":"mcp_tool_call","server":"gh","tool":"list","arguments":{},"result":{"content":[{"type":"text","text":"ok!"}]},"status":"completed"}}
{"type":"item.started","item":{"id":"i3","type":"todo_list","items":[{"text":"x","completed":false}]}}
{"type":"item.completed","item":{"id":"i4","type":"reasoning","text":"thinking"}}
{"type":"turn.failed","error":{"message":"boom"}}"#;
    let events = parse("codex", text);
    assert_eq!(
        kinds(&events),
        [
            EventKind::SessionStart,
            EventKind::Status,
            EventKind::ToolCall,
            EventKind::ToolResult,
            EventKind::ToolCall,
            EventKind::ToolResult,
            EventKind::ToolCall,
            EventKind::Reasoning,
            EventKind::Error,
            EventKind::SessionEnd,
        ]
    );
    assert_eq!(events[2].tool_kind, Some(ToolKind::Edit));
    assert_eq!(events[4].name.as_deref(), Some("mcp__gh__list"));
    assert_eq!(events[5].output_text.as_deref(), Some("ok!"));
    assert_eq!(events[6].tool_kind, Some(ToolKind::Todo));
    assert_eq!(events[8].text.as_deref(), Some("boom"));
    assert_eq!(events[9].status.as_deref(), Some("failed"));
}

#[test]
fn gemini_merges_text_deltas() {
    let text = r#"{"type":"init","timestamp":"2026-01-01T00:00:00Z","session_id":"s","model":"g"}
{"type":"message","timestamp":"2026-01-01T00:00:01Z","role":"assistant","content":"Hel","delta":true}
{"type":"message","timestamp":"2026-01-01T00:00:02Z","role":"assistant","content":"lo","delta":true}
not json
{"type":"message","timestamp":"2026-01-01T00:00:03Z","role":"assistant","content":"again","delta":true}"#;
    let events = parse("gemini-cli", text);
    assert_eq!(
        kinds(&events),
        [
            EventKind::SessionStart,
            EventKind::AssistantMessage,
            EventKind::Log,
            EventKind::AssistantMessage,
            EventKind::SessionEnd
        ]
    );
    assert_eq!(events[1].text.as_deref(), Some("Hello"));
    assert_eq!(
        events[1].ts.unwrap().to_rfc3339(),
        "2026-01-01T00:00:01+00:00"
    );
    assert_eq!(events[1].raw.as_deref().unwrap().lines().count(), 2);
    assert_eq!(events[3].text.as_deref(), Some("again"));
}

#[test]
fn opencode_running_then_completed_tool_is_one_call() {
    let text = r#"{"type":"tool_use","timestamp":1000,"sessionID":"s","part":{"tool":"read","callID":"c","state":{"status":"running","input":{"filePath":"a"},"time":{"start":1000}}}}
{"type":"tool_use","timestamp":1500,"sessionID":"s","part":{"tool":"read","callID":"c","state":{"status":"error","input":{"filePath":"a"},"error":"no such file","time":{"start":1000,"end":1400}}}}
{"type":"error","timestamp":1600,"sessionID":"s","error":{"name":"APIError","data":{"message":"401"}}}"#;
    let events = parse("opencode", text);
    assert_eq!(
        kinds(&events),
        [
            EventKind::SessionStart,
            EventKind::ToolCall,
            EventKind::ToolResult,
            EventKind::Error,
            EventKind::SessionEnd
        ]
    );
    assert_eq!(events[1].tool_kind, Some(ToolKind::Read));
    assert_eq!(events[2].status.as_deref(), Some("error"));
    assert_eq!(events[2].output_text.as_deref(), Some("no such file"));
    assert_eq!(events[2].duration_ms, Some(400));
    assert_eq!(events[3].text.as_deref(), Some("401"));
    assert_eq!(events[4].status.as_deref(), Some("incomplete"));
}

#[test]
fn hermes_failed_usage_file_and_plain_stdout() {
    let mut parser = OutputKind::HermesUsageFile.parser();
    let doc = "{\n  \"input_tokens\": null,\n  \"api_calls\": 1,\n  \"completed\": false,\n  \"failed\": true,\n  \"model\": null\n}\n";
    let events = parse_all(parser.as_mut(), doc);
    assert_eq!(kinds(&events), [EventKind::Usage, EventKind::Error]);
    assert_eq!(events[0].status.as_deref(), Some("failed"));
    assert_eq!(events[0].input_tokens, None);

    let events = parse("hermes", "HTTP 401: unauthorized\n");
    assert_eq!(kinds(&events), [EventKind::Log]);
}
