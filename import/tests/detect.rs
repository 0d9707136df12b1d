//! Format detection, the `import` entry point, and the native form of what it returns.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::fixture;
use wharf_import::{Format, ImportOptions, MAX_INPUT_BYTES, detect, import};
use wharf_model::ErrorKind;
use wharf_model::parse_line;

const FIXTURES: &[(&str, Format)] = &[
    ("atif.trajectory.json", Format::Atif),
    ("otlp.traces.json", Format::OtlpJson),
    ("jetty.trajectory.json", Format::Jetty),
    ("jetty.api.json", Format::Jetty),
    ("claude-code.session.jsonl", Format::ClaudeCode),
    ("claude-code.stream.jsonl", Format::ClaudeCode),
    ("codex.rollout.jsonl", Format::Codex),
    ("codex.exec.jsonl", Format::Codex),
];

#[test]
fn detects_every_fixture() {
    for (name, format) in FIXTURES {
        assert_eq!(detect(name, &fixture(name)), *format, "{name}");
        // The name does not decide.
        assert_eq!(detect("trajectory.json", &fixture(name)), *format, "{name}");
    }
}

#[test]
fn detects_native_and_unknown_inputs() {
    let native = br#"{"type":"run","run_id":"01900000-0000-7000-8000-00000000a001","status":"succeeded","started_at":"2026-11-01T10:00:00Z"}
{"type":"event","run_id":"01900000-0000-7000-8000-00000000a001","seq":0,"ts":"2026-11-01T10:00:00Z","kind":"session_start"}
"#;
    assert_eq!(detect("run.jsonl", native), Format::Native);
    let runs = import(Format::Native, native, &ImportOptions::default()).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].records.len(), 1);
    let opts = ImportOptions {
        collection: Some("acme".into()),
        ..ImportOptions::default()
    };
    let runs = import(Format::Native, native, &opts).unwrap();
    assert_eq!(runs[0].run.collection.as_deref(), Some("acme"));
    let orphan = br#"{"type":"event","run_id":"01900000-0000-7000-8000-00000000a001","seq":0,"ts":"2026-11-01T10:00:00Z","kind":"session_start"}"#;
    let err = import(Format::Native, orphan, &ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("no run header"), "{err}");
    let bad = b"{\"type\":\"run\"}\n";
    let err = import(Format::Native, bad, &ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("line 1"), "{err}");

    for unknown in [
        &b""[..],
        b"   \n",
        b"hello",
        b"{\"a\": 1}",
        b"[1, 2]",
        b"{\"type\":\"mystery\"}\n",
    ] {
        assert_eq!(detect("x", unknown), Format::Unknown, "{unknown:?}");
    }
    let err = import(Format::Unknown, b"hello", &ImportOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "input: not a known trajectory format; expected one of: atif, otlp-json, otlp-protobuf, jetty, claude-code, codex"
    );
    // A pretty-printed ATIF document and an ATIF file on one line.
    let doc: serde_json::Value = serde_json::from_slice(&fixture("atif.trajectory.json")).unwrap();
    assert_eq!(
        detect("t", &serde_json::to_vec(&doc).unwrap()),
        Format::Atif
    );
    // Old codex rollouts start with a bare session line.
    assert_eq!(
        detect(
            "x",
            b"{\"id\":\"s\",\"timestamp\":\"2025-05-01T00:00:00Z\",\"instructions\":null}\n"
        ),
        Format::Codex
    );
}

#[test]
fn format_names_round_trip() {
    for format in Format::IMPORTABLE.iter().chain([Format::Native].iter()) {
        assert_eq!(format.name().parse::<Format>(), Ok(*format));
        assert_eq!(format.to_string(), format.name());
    }
    assert!(
        "csv"
            .parse::<Format>()
            .unwrap_err()
            .contains("expected one of: atif")
    );
}

#[test]
fn refuses_oversized_input() {
    let big = vec![b' '; MAX_INPUT_BYTES + 1];
    let err = import(Format::Atif, &big, &ImportOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert!(
        err.to_string()
            .starts_with("input is 268435457 bytes, over the 268435456-byte limit")
    );
}

/// Every importer's output is valid native trajectory: each record, written as a line,
/// parses back to itself.
#[test]
fn imports_are_valid_native_records() {
    let when = chrono::DateTime::parse_from_rfc3339("2026-11-02T08:00:00Z")
        .unwrap()
        .to_utc();
    let opts = ImportOptions {
        collection: Some("imports".into()),
        default_time: Some(when),
        ..ImportOptions::default()
    };
    for (name, format) in FIXTURES {
        let runs = import(*format, &fixture(name), &opts).unwrap();
        assert!(!runs.is_empty(), "{name}");
        for run in runs {
            let records = run.into_records();
            assert!(records.len() > 1, "{name}");
            for (i, record) in records.into_iter().enumerate() {
                let line = serde_json::to_string(&record).unwrap();
                let back = parse_line(i as u64 + 1, &line)
                    .unwrap_or_else(|e| panic!("{name}: {e}\n{line}"));
                assert_eq!(back, record, "{name}");
            }
        }
    }
}
