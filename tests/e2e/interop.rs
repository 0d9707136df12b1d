//! Interop: DuckDB (with the delta-rs Python reader listing the active files) reads the
//! tables wharf wrote and agrees with wharf's own SQL on counts and sums.

use std::process::Command;

use crate::support::{sql_json, stderr, stdout, wharf};
use wharf_tests::workspace;

use crate::cli::sample;

#[test]
fn duckdb_agrees_on_counts_and_sums() {
    let python = crate::support::python();
    let probe = Command::new(&python)
        .args(["-c", "import duckdb, deltalake"])
        .output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var("CI").is_err(),
            "CI must install duckdb and deltalake for Python"
        );
        eprintln!("skipping: python duckdb/deltalake not installed (scripts/test installs them)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let out = wharf(&root).arg("ingest").arg(sample()).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Two commits per table, and a compaction, so the log has adds and removes to honour.
    let out = wharf(&root)
        .args(["compact", "--retention-hours", "168"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    let script = workspace().join("tests/interop/duckdb_check.py");
    let out = Command::new(&python)
        .arg(script)
        .arg(&root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let duck: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();

    let checks = [
        (
            "runs",
            "SELECT count(*) AS n, sum(input_tokens) AS s FROM runs",
        ),
        (
            "events",
            "SELECT count(*) AS n, sum(length(output_text)) AS s FROM events",
        ),
        (
            "scores",
            "SELECT count(*) AS n, sum(value) AS s FROM scores",
        ),
        (
            "labels",
            "SELECT count(*) AS n, coalesce(sum(value_num), 0) AS s FROM labels",
        ),
        (
            "artifacts",
            "SELECT count(*) AS n, sum(size) AS s FROM artifacts",
        ),
        (
            "llm_calls",
            "SELECT count(*) AS n, sum(output_tokens) AS s FROM llm_calls",
        ),
    ];
    for (table, sql) in checks {
        let ours = &sql_json(&root, sql)[0];
        let theirs = &duck[table];
        assert_eq!(ours["n"].as_f64(), theirs["n"].as_f64(), "{table} count");
        let (a, b) = (ours["s"].as_f64().unwrap(), theirs["s"].as_f64().unwrap());
        assert!(
            (a - b).abs() <= 1e-9 * a.abs().max(1.0),
            "{table} sum {a} vs {b}"
        );
        assert!(ours["n"].as_f64().unwrap() > 0.0, "{table} has rows");
    }
    // Partition columns come back from the paths with the same values.
    let ours = sql_json(&root, "SELECT count(DISTINCT date) AS d FROM events");
    assert_eq!(ours[0]["d"].as_f64(), duck["event_dates"].as_f64());
}
