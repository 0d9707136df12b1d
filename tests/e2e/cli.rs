//! The CLI as a user runs it: ingest, sql in every format, idempotent re-ingest, tables.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{sql_json, stderr, stdout, wharf};
use wharf_tests::workspace;

/// Counts records per type by reading the file independently of wharf.
pub fn count_types(file: &Path) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for line in std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        *counts
            .entry(v["type"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    counts
}

fn table_of(kind: &str) -> &str {
    match kind {
        "run" => "runs",
        "event" => "events",
        "score" => "scores",
        "label" => "labels",
        "artifact" => "artifacts",
        "llm_call" => "llm_calls",
        other => panic!("unknown {other}"),
    }
}

pub fn sample() -> std::path::PathBuf {
    workspace().join("examples/trajectories/sample-runs.jsonl")
}

#[test]
fn ingest_then_query_counts_match_the_file_and_reingest_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let expected = count_types(&sample());
    assert!(
        expected.len() == 6,
        "sample covers all six record types: {expected:?}"
    );

    let out = wharf(&root)
        .args(["ingest", "--collection", "demo"])
        .arg(sample())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let total: u64 = expected.values().sum();
    assert!(
        stdout(&out).contains(&format!("ingested {total} new record(s)")),
        "{}",
        stdout(&out)
    );

    for (kind, n) in &expected {
        let rows = sql_json(
            &root,
            &format!("SELECT count(*) AS n FROM {}", table_of(kind)),
        );
        assert_eq!(rows[0]["n"].as_u64(), Some(*n), "{kind}");
    }

    // Same file again: every record is a duplicate, counts unchanged.
    let again = wharf(&root)
        .args(["ingest", "--collection", "demo"])
        .arg(sample())
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("ingested 0 new record(s)"),
        "{}",
        stdout(&again)
    );
    assert!(
        stdout(&again).contains(&format!("skipped {total} duplicate")),
        "{}",
        stdout(&again)
    );
    let rows = sql_json(&root, "SELECT count(*) AS n FROM events");
    assert_eq!(rows[0]["n"].as_u64(), expected.get("event").copied());

    // Tenant scope from the CLI: another collection sees nothing.
    let out = wharf(&root)
        .args([
            "sql",
            "--collection",
            "other",
            "--format",
            "csv",
            "SELECT count(*) AS n FROM runs",
        ])
        .output()
        .unwrap();
    assert_eq!(stdout(&out).trim(), "n\n0");
}

#[test]
fn every_output_format_encodes_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let out = wharf(&root).arg("ingest").arg(sample()).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let sql = "SELECT run_id, runtime, cost_usd FROM runs ORDER BY run_id";
    let json = sql_json(&root, sql);
    assert!(!json.is_empty());

    let csv = wharf(&root)
        .args(["sql", "--format", "csv", sql])
        .output()
        .unwrap();
    let csv_text = stdout(&csv);
    let mut lines = csv_text.lines();
    assert_eq!(lines.next(), Some("run_id,runtime,cost_usd"));
    let csv_ids: Vec<&str> = lines.map(|l| l.split(',').next().unwrap()).collect();
    let json_ids: Vec<&str> = json.iter().map(|r| r["run_id"].as_str().unwrap()).collect();
    assert_eq!(csv_ids, json_ids);

    let table = wharf(&root).args(["sql", sql]).output().unwrap();
    assert!(stdout(&table).contains(json_ids[0]), "{}", stdout(&table));

    let parquet = dir.path().join("out.parquet");
    let pq = wharf(&root)
        .args(["sql", "--format", "parquet", "-o"])
        .arg(&parquet)
        .arg(sql)
        .output()
        .unwrap();
    assert!(pq.status.success(), "{}", stderr(&pq));
    let file = std::fs::File::open(&parquet).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, json.len());
}

#[test]
fn help_says_what_wharf_does() {
    let dir = tempfile::tempdir().unwrap();
    let short = wharf(dir.path()).arg("-h").output().unwrap();
    assert!(short.status.success(), "{}", stderr(&short));
    let first = stdout(&short).lines().next().unwrap_or_default().to_owned();
    for word in ["agents", "runbooks", "grade", "trajectories", "SQL"] {
        assert!(first.contains(word), "`{word}` missing from: {first}");
    }
    let long = stdout(&wharf(dir.path()).arg("--help").output().unwrap());
    let long = long.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(long.contains("bubblewrap sandbox"), "{long}");
    assert!(long.contains("wharf serve --demo"), "{long}");
}

#[test]
fn tables_lists_every_column_of_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let out = wharf(dir.path())
        .args(["tables", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tables = doc["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 6);
    for t in tables {
        let name = t["name"].as_str().unwrap();
        let table = wharf_model::Table::from_name(name).unwrap();
        let cols: Vec<&str> = t["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        let schema = table.schema();
        let expected: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(cols, expected);
    }
    insta::assert_snapshot!(stdout(&wharf(dir.path()).arg("tables").output().unwrap()));
}

#[test]
fn compact_merges_files_and_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    // Three separate ingests = three commits, at least three files in events.
    let text = std::fs::read_to_string(sample()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for (i, part) in lines.chunks(lines.len() / 3 + 1).enumerate() {
        let f = dir.path().join(format!("part{i}.jsonl"));
        std::fs::write(&f, part.join("\n")).unwrap();
        let out = wharf(&root).arg("ingest").arg(&f).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let before = sql_json(
        &root,
        "SELECT count(*) AS n, sum(length(text)) AS t FROM events",
    );
    let files_before = parquet_files(&root.join("tables/events"));
    assert!(files_before >= 3, "{files_before}");
    let out = wharf(&root)
        .args(["compact", "--retention-hours", "0"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("events: merged"), "{}", stdout(&out));
    let after = sql_json(
        &root,
        "SELECT count(*) AS n, sum(length(text)) AS t FROM events",
    );
    assert_eq!(before, after);
    let files_after = parquet_files(&root.join("tables/events"));
    assert!(
        files_after < files_before,
        "{files_before} -> {files_after}"
    );
}

fn parquet_files(dir: &Path) -> usize {
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                n += 1;
            }
        }
    }
    n
}

/// `wharf label`, `compare`, `calibrate` and `export` on the sample trajectories: a label
/// is in SQL at once, a malformed one is refused naming it, and the reports run.
#[test]
fn label_compare_calibrate_and_export_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let out = wharf(&root)
        .args(["ingest", "--collection", "demo"])
        .arg(sample())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let runs = sql_json(
        &root,
        "SELECT run_id FROM runs WHERE run_id IN (SELECT run_id FROM scores WHERE grader_kind = 'rubric') ORDER BY run_id",
    );
    assert!(runs.len() >= 2, "{runs:?}");
    let run = runs[0]["run_id"].as_str().unwrap().to_owned();

    let out = wharf(&root)
        .args([
            "label",
            &run,
            "quality=4",
            "verdict=good",
            "--note",
            "checked by hand",
            "--author",
            "ana",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = sql_json(
        &root,
        &format!(
            "SELECT key, value, value_num, author, note FROM latest_labels WHERE run_id = '{run}' AND author = 'ana' ORDER BY key"
        ),
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["key"], "quality");
    assert_eq!(rows[0]["value_num"], 4.0);
    assert_eq!(rows[1]["value"], "good");
    assert!(rows[1]["value_num"].is_null());
    assert_eq!(rows[1]["note"], "checked by hand");
    let bad = wharf(&root)
        .args(["label", &run, "no-equals-sign"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("`no-equals-sign` is not KEY=VALUE"),
        "{}",
        stderr(&bad)
    );
    let missing = wharf(&root)
        .args(["label", "0190a3c4-0000-7000-8000-00000000dead", "x=1"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("not in the store"),
        "{}",
        stderr(&missing)
    );

    let other = runs[1]["run_id"].as_str().unwrap();
    let out = wharf(&root)
        .args(["compare", &run, other, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["a"]["runs"], 1, "{report}");
    assert!(
        !report["criteria"].as_array().unwrap().is_empty(),
        "{report}"
    );
    let out = wharf(&root)
        .args(["compare", &run, other])
        .output()
        .unwrap();
    assert!(stdout(&out).contains("pass rate"), "{}", stdout(&out));

    let out = wharf(&root).args(["calibrate", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    let file = dir.path().join("set.jsonl");
    let out = wharf(&root)
        .args(["export", "--where", "true", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&file).unwrap();
    let total = sql_json(&root, "SELECT count(*) AS n FROM runs");
    assert_eq!(text.lines().count() as i64, total[0]["n"].as_i64().unwrap());
    let bad = wharf(&root)
        .args(["export", "--where", "no_such_column = 1", "-o"])
        .arg(dir.path().join("bad.jsonl"))
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(!dir.path().join("bad.jsonl").exists());
    assert!(!dir.path().join("bad.partial").exists());
}
