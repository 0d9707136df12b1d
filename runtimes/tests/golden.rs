//! Golden tests: every real capture in `tests/captures/` parsed into normalized events.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use wharf_model::EventKind;
use wharf_runtimes::{AgentEvent, OutputKind, StreamParser, parse_all, runtime};

fn captures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 8, "captures missing in {}", dir.display());
    files
}

/// The parser that reads a capture, chosen from its file name.
fn parser_for(name: &str) -> Box<dyn StreamParser> {
    if name.starts_with("hermes") && name.contains("usage-file") {
        return OutputKind::HermesUsageFile.parser();
    }
    if name.starts_with("hermes") && name.contains("sessions-export") {
        return OutputKind::HermesSessionExport.parser();
    }
    let runtime = wharf_runtimes::all()
        .iter()
        .find(|r| name.starts_with(&format!("{}-", r.name())))
        .unwrap_or_else(|| panic!("no runtime for capture {name}"));
    runtime.parser()
}

fn parse_capture(path: &Path) -> Vec<AgentEvent> {
    let name = path.file_name().unwrap().to_str().unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    parse_all(parser_for(name).as_mut(), &text)
}

#[test]
fn every_capture_matches_its_snapshot() {
    for path in captures() {
        let stem = path
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .replace('.', "_");
        let events = parse_capture(&path);
        insta::assert_json_snapshot!(stem, events);
    }
}

#[test]
fn no_capture_line_is_left_as_a_log() {
    for path in captures() {
        for event in parse_capture(&path) {
            assert_ne!(
                event.kind,
                EventKind::Log,
                "{}: {:?}",
                path.display(),
                event.raw
            );
        }
    }
}

#[test]
fn every_capture_line_is_kept_verbatim() {
    for path in captures() {
        let name = path.file_name().unwrap().to_str().unwrap();
        if name.contains("usage-file") {
            continue; // one multi-line document, kept whole
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let raws: Vec<String> = parse_capture(&path)
            .into_iter()
            .filter_map(|e| e.raw)
            .collect();
        let joined = raws.join("\n");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            assert!(joined.contains(line), "{name}: line not kept: {line}");
        }
    }
}

#[test]
fn sessions_open_and_close() {
    for path in captures() {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.contains("usage-file") {
            continue;
        }
        let events = parse_capture(&path);
        assert_eq!(
            events.first().map(|e| e.kind),
            Some(EventKind::SessionStart),
            "{name}"
        );
        assert_eq!(
            events.last().map(|e| e.kind),
            Some(EventKind::SessionEnd),
            "{name}"
        );
    }
}

#[test]
fn every_tool_call_has_its_result_with_the_same_name_and_kind() {
    for path in captures() {
        let events = parse_capture(&path);
        for call in events.iter().filter(|e| e.kind == EventKind::ToolCall) {
            let result = events
                .iter()
                .find(|e| e.kind == EventKind::ToolResult && e.call_id == call.call_id)
                .unwrap_or_else(|| panic!("{}: no result for {:?}", path.display(), call.call_id));
            assert_eq!(result.name, call.name);
            assert_eq!(result.tool_kind, call.tool_kind);
            assert_eq!(result.tool_kind, Some(wharf_model::ToolKind::Shell));
            assert_eq!(result.status.as_deref(), Some("ok"), "{}", path.display());
        }
    }
}

#[test]
fn durations_come_from_native_timestamps() {
    let by_name = |prefix: &str| {
        let path = captures()
            .into_iter()
            .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with(prefix))
            .unwrap();
        parse_capture(&path)
            .into_iter()
            .find(|e| e.kind == EventKind::ToolResult)
            .and_then(|e| e.duration_ms)
    };
    assert_eq!(by_name("gemini-cli"), Some(84));
    assert_eq!(by_name("opencode"), Some(153));
    assert_eq!(by_name("hermes-0.19.0.sessions-export.jsonl"), Some(33));
    assert_eq!(by_name("codex-0.169.0.exec.jsonl"), None);
}

#[test]
fn into_record_marks_the_time_source() {
    let path = captures()
        .into_iter()
        .find(|p| p.to_str().unwrap().contains("gemini"))
        .unwrap();
    let observed = chrono::Utc::now();
    let run_id = "01900000-0000-7000-8000-00000000a001";
    for (seq, event) in parse_capture(&path).into_iter().enumerate() {
        let native = event.ts;
        let record = event.into_record(run_id, 2, seq as i64, observed, Some("acme".into()));
        assert_eq!(record.attempt, 2);
        assert_eq!(record.collection.as_deref(), Some("acme"));
        match native {
            Some(ts) => {
                assert_eq!(record.ts, ts);
                assert_eq!(record.ts_source, wharf_model::TsSource::Native);
            }
            None => {
                assert_eq!(record.ts, observed);
                assert_eq!(record.ts_source, wharf_model::TsSource::Observed);
            }
        }
    }
    let codex = captures()
        .into_iter()
        .find(|p| p.to_str().unwrap().contains("codex"))
        .unwrap();
    let record = parse_capture(&codex)
        .remove(0)
        .into_record(run_id, 1, 0, observed, None);
    assert_eq!(record.ts_source, wharf_model::TsSource::Observed);
    // The record serializes as a line of the native trajectory format.
    let line = serde_json::to_value(&record).unwrap();
    assert_eq!(line["kind"], "session_start");
}

#[test]
fn registry_names_every_runtime() {
    let names: Vec<&str> = wharf_runtimes::all().iter().map(|r| r.name()).collect();
    assert_eq!(
        names,
        [
            "claude-code",
            "codex",
            "gemini-cli",
            "opencode",
            "hermes",
            "command"
        ]
    );
    for name in names {
        assert_eq!(runtime(name).unwrap().name(), name);
    }
    assert!(runtime("cursor").is_none());
    let err = wharf_runtimes::require_runtime("cursor")
        .unwrap_err()
        .to_string();
    assert!(err.contains("claude-code"), "{err}");
}
