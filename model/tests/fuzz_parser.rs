//! Property tests of the line parser: no input panics, every error names its line, and
//! mutations of valid lines either parse or fail with a field or line error.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)] // test code

use proptest::prelude::*;
use wharf_model::{LineReader, ModelError, parse_line};

const VALID: &[&str] = &[
    r#"{"type":"run","run_id":"01900000-0000-7000-8000-00000000a001","status":"succeeded","started_at":"2026-11-01T10:00:00Z","ended_at":"2026-11-01T10:02:00Z","parameters":{"a":1}}"#,
    r#"{"type":"event","run_id":"01900000-0000-7000-8000-00000000a001","seq":1,"ts":"2026-11-01T10:00:01Z","kind":"tool_call","input":{"command":"ls"},"tool_kind":"shell"}"#,
    r#"{"type":"score","run_id":"01900000-0000-7000-8000-00000000a001","grader_kind":"rubric","grader_name":"j","criterion":"c","value":4,"created_at":"2026-11-01T10:03:00Z"}"#,
    r#"{"type":"label","run_id":"01900000-0000-7000-8000-00000000a001","key":"k","value":"3.5","created_at":"2026-11-01T10:03:00Z"}"#,
    r#"{"type":"artifact","run_id":"01900000-0000-7000-8000-00000000a001","path":"a/b.txt","size":3,"created_at":"2026-11-01T10:03:00Z"}"#,
    r#"{"type":"llm_call","call_id":"x","provider":"openai","api":"chat","model":"m","started_at":"2026-11-01T10:03:00Z","status_code":200}"#,
];

fn check(line_no: u64, text: &str) {
    match parse_line(line_no, text) {
        Ok(_) => {}
        Err(ModelError::Field {
            line,
            field,
            message,
        }) => {
            assert_eq!(line, line_no);
            assert!(!message.is_empty());
            let _ = field;
        }
        Err(ModelError::Line { line, .. }) => assert_eq!(line, line_no),
        Err(other) => panic!("unexpected error kind: {other}"),
    }
}

#[test]
fn valid_lines_parse() {
    for line in VALID {
        parse_line(1, line).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}", line_no in 1u64..1_000_000) {
        check(line_no, &text);
    }

    #[test]
    fn mutated_valid_lines_never_panic(
        which in 0usize..VALID.len(),
        pos in 0usize..400,
        len in 0usize..20,
        insert in "[\\x00-\\x7f]{0,12}",
    ) {
        let base = VALID[which];
        let bytes = base.as_bytes();
        let start = pos.min(bytes.len());
        let end = (start + len).min(bytes.len());
        let mut mutated = bytes[..start].to_vec();
        mutated.extend_from_slice(insert.as_bytes());
        mutated.extend_from_slice(&bytes[end..]);
        if let Ok(text) = std::str::from_utf8(&mutated) {
            check(7, text);
        }
    }

    #[test]
    fn json_values_of_the_wrong_type_are_field_errors(
        which in 0usize..VALID.len(),
        value in prop_oneof![
            Just("null".to_string()), Just("[]".to_string()), Just("{}".to_string()),
            Just("-1".to_string()), Just("1e400".to_string()), Just("\"x\"".to_string()),
            Just("true".to_string()), Just("18446744073709551616".to_string()),
        ],
    ) {
        let mut obj: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(VALID[which]).unwrap();
        let keys: Vec<String> = obj.keys().filter(|k| *k != "type").cloned().collect();
        for key in keys {
            let mut changed = obj.clone();
            if let Ok(v) = serde_json::from_str(&value) {
                changed.insert(key.clone(), v);
            } else {
                continue;
            }
            let text = serde_json::to_string(&changed).unwrap();
            check(3, &text);
        }
        obj.clear();
    }

    #[test]
    fn line_reader_bounds_every_line(data in proptest::collection::vec(any::<u8>(), 0..4096), max in 1usize..64) {
        let mut reader = LineReader::new(&data[..], max);
        let mut buf = Vec::new();
        let mut guard = 0;
        loop {
            guard += 1;
            prop_assert!(guard < 10_000);
            match reader.next_line(&mut buf).unwrap() {
                wharf_model::Line::Eof => break,
                wharf_model::Line::Text => prop_assert!(buf.len() <= max),
                wharf_model::Line::TooLong(n) => prop_assert!(n as usize > max),
            }
        }
    }
}
