//! The benchmark data generator writes valid native-format lines covering every record type
//! (this also makes cargo build the benchmark binaries with the rest of the workspace).
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)] // test code

use std::collections::BTreeSet;
use std::process::Command;

#[test]
fn generated_lines_parse_and_cover_every_table() {
    let out = Command::new(env!("CARGO_BIN_EXE_gen"))
        .args(["--runs", "3", "--events-per-run", "30", "--seed", "5"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut tables = BTreeSet::new();
    let mut events = 0;
    for (i, line) in text.lines().enumerate() {
        let record = wharf_model::parse_line(i as u64 + 1, line).unwrap();
        if record.table() == wharf_model::Table::Events {
            events += 1;
        }
        tables.insert(record.table());
    }
    assert_eq!(tables.len(), 6);
    assert!((3 * 28..=3 * 33).contains(&events), "{events}");
    // Deterministic: the same seed gives the same bytes.
    let again = Command::new(env!("CARGO_BIN_EXE_gen"))
        .args(["--runs", "3", "--events-per-run", "30", "--seed", "5"])
        .output()
        .unwrap();
    assert_eq!(again.stdout, text.as_bytes());
}
