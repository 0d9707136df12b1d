//! Tool names across agent CLIs: their coarse class, and pairing calls with results.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use wharf_model::ToolKind;

use crate::event::AgentEvent;
use crate::json::elapsed_ms;

/// The class of a tool from its native name (claude-code, codex, gemini-cli, opencode,
/// hermes spellings; case-insensitive). `mcp__server__tool` names are `mcp`.
pub fn tool_kind(name: &str) -> ToolKind {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("mcp__") || lower.starts_with("mcp:") {
        return ToolKind::Mcp;
    }
    match lower.as_str() {
        "bash" | "shell" | "exec_command" | "run_shell_command" | "terminal"
        | "command_execution" | "local_shell" | "bashoutput" | "killshell" | "process" => {
            ToolKind::Shell
        }
        "read" | "read_file" | "read_many_files" | "notebookread" | "view" => ToolKind::Read,
        "write" | "write_file" | "create_file" => ToolKind::Write,
        "edit" | "multiedit" | "replace" | "apply_patch" | "patch" | "file_change"
        | "notebookedit" | "str_replace" | "str_replace_editor" => ToolKind::Edit,
        "grep"
        | "glob"
        | "search"
        | "search_files"
        | "search_file_content"
        | "list"
        | "list_directory"
        | "ls"
        | "find"
        | "codesearch" => ToolKind::Search,
        "webfetch" | "websearch" | "web_fetch" | "web_search" | "google_web_search"
        | "web_extract" | "browser" => ToolKind::Web,
        "task" | "agent" | "delegate_task" | "subagent" => ToolKind::Subagent,
        "todowrite" | "todoread" | "todo" | "todo_list" | "write_todos" | "update_plan" => {
            ToolKind::Todo
        }
        _ => ToolKind::Other,
    }
}

/// `ok` / `error` for the native spellings of a tool's outcome; other values pass through.
pub(crate) fn normalize_status(native: &str) -> String {
    match native.to_ascii_lowercase().as_str() {
        "ok" | "success" | "succeeded" | "completed" | "complete" | "done" => "ok".to_owned(),
        "error" | "failed" | "failure" | "errored" => "error".to_owned(),
        other => other.to_owned(),
    }
}

#[derive(Debug)]
struct Pending {
    name: Option<String>,
    tool_kind: Option<ToolKind>,
    ts: Option<DateTime<Utc>>,
}

/// Remembers open tool calls so results get the call's name, class and duration.
#[derive(Debug, Default)]
pub(crate) struct ToolTracker {
    pending: HashMap<String, Pending>,
}

impl ToolTracker {
    /// Records a `tool_call` event (one with a call id).
    pub(crate) fn call(&mut self, event: &AgentEvent) {
        if let Some(id) = &event.call_id {
            self.pending.insert(
                id.clone(),
                Pending {
                    name: event.name.clone(),
                    tool_kind: event.tool_kind,
                    ts: event.ts,
                },
            );
        }
    }

    /// Whether a call with this id is open.
    pub(crate) fn is_open(&self, call_id: &str) -> bool {
        self.pending.contains_key(call_id)
    }

    /// Completes a `tool_result` event from its call: name, class, and the duration when
    /// both have native timestamps and the result has no duration of its own.
    pub(crate) fn result(&mut self, event: &mut AgentEvent) {
        let Some(call) = event
            .call_id
            .as_ref()
            .and_then(|id| self.pending.remove(id))
        else {
            return;
        };
        if event.name.is_none() {
            event.name = call.name;
        }
        if event.tool_kind.is_none() {
            event.tool_kind = call.tool_kind;
        }
        if event.duration_ms.is_none() {
            event.duration_ms = elapsed_ms(call.ts, event.ts);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use wharf_model::EventKind;

    use super::*;

    #[test]
    fn maps_every_documented_name() {
        let cases = [
            ("Bash", ToolKind::Shell),
            ("shell", ToolKind::Shell),
            ("exec_command", ToolKind::Shell),
            ("run_shell_command", ToolKind::Shell),
            ("bash", ToolKind::Shell),
            ("terminal", ToolKind::Shell),
            ("Read", ToolKind::Read),
            ("read_file", ToolKind::Read),
            ("Write", ToolKind::Write),
            ("write_file", ToolKind::Write),
            ("Edit", ToolKind::Edit),
            ("replace", ToolKind::Edit),
            ("apply_patch", ToolKind::Edit),
            ("Grep", ToolKind::Search),
            ("Glob", ToolKind::Search),
            ("search", ToolKind::Search),
            ("WebFetch", ToolKind::Web),
            ("web_search", ToolKind::Web),
            ("Task", ToolKind::Subagent),
            ("TodoWrite", ToolKind::Todo),
            ("mcp__github__create_issue", ToolKind::Mcp),
            ("frobnicate", ToolKind::Other),
            ("", ToolKind::Other),
        ];
        for (name, kind) in cases {
            assert_eq!(tool_kind(name), kind, "{name}");
        }
    }

    #[test]
    fn pairs_result_with_call() {
        let t0 = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let mut call = AgentEvent::new(EventKind::ToolCall);
        call.call_id = Some("c1".into());
        call.name = Some("Bash".into());
        call.tool_kind = Some(ToolKind::Shell);
        call.ts = Some(t0);
        let mut tracker = ToolTracker::default();
        tracker.call(&call);
        assert!(tracker.is_open("c1"));

        let mut result = AgentEvent::new(EventKind::ToolResult);
        result.call_id = Some("c1".into());
        result.ts = Some(t0 + chrono::Duration::milliseconds(250));
        tracker.result(&mut result);
        assert_eq!(result.name.as_deref(), Some("Bash"));
        assert_eq!(result.tool_kind, Some(ToolKind::Shell));
        assert_eq!(result.duration_ms, Some(250));
        assert!(!tracker.is_open("c1"));

        // An unknown id is left alone.
        let mut stray = AgentEvent::new(EventKind::ToolResult);
        stray.call_id = Some("nope".into());
        tracker.result(&mut stray);
        assert_eq!(stray.name, None);
        assert_eq!(stray.duration_ms, None);
    }

    #[test]
    fn no_duration_without_both_timestamps() {
        let mut call = AgentEvent::new(EventKind::ToolCall);
        call.call_id = Some("c".into());
        let mut tracker = ToolTracker::default();
        tracker.call(&call);
        let mut result = AgentEvent::new(EventKind::ToolResult);
        result.call_id = Some("c".into());
        result.ts = Some(Utc::now());
        tracker.result(&mut result);
        assert_eq!(result.duration_ms, None);
    }
}
