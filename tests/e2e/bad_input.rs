//! Bad input: a clear error naming line and field, exit code 2, nothing half-written.

use std::io::Write;

use crate::support::{sql_json, stderr, wharf};

const GOOD: &str = r#"{"type":"event","run_id":"01900000-0000-7000-8000-000000000001","seq":0,"ts":"2026-11-01T10:00:00Z","kind":"log"}"#;

fn ingest_case(lines: &[&str]) -> (i32, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let root = dir.path().join("store");
    let out = wharf(&root).arg("ingest").arg(&file).output().unwrap();
    (out.status.code().unwrap_or(-1), stderr(&out), dir)
}

#[test]
fn each_kind_of_bad_line_is_named_and_nothing_is_written() {
    let cases: &[(&str, &str)] = &[
        ("{not json", "line 2: not a JSON object"),
        (
            r#"{"type":"bogus","x":1}"#,
            "line 2: field `type`: unknown record type `bogus`",
        ),
        (
            r#"{"run_id":"01900000-0000-7000-8000-000000000001"}"#,
            "line 2: field `type`: missing",
        ),
        (
            r#"{"type":"event","run_id":"01900000-0000-7000-8000-000000000001","seq":"one","ts":"2026-11-01T10:00:00Z","kind":"log"}"#,
            "line 2: field `seq`: invalid type: string \"one\", expected i64",
        ),
        (
            r#"{"type":"event","run_id":"01900000-0000-7000-8000-000000000001","seq":1,"kind":"log"}"#,
            "line 2: field `ts`: is required",
        ),
        (
            r#"{"type":"event","run_id":"01900000-0000-7000-8000-000000000001","seq":1,"ts":"2026-11-01T10:00:00Z","kind":"shouting"}"#,
            "line 2: field `kind`: unknown variant `shouting`",
        ),
        (
            r#"{"type":"event","run_id":"not-a-uuid","seq":1,"ts":"2026-11-01T10:00:00Z","kind":"log"}"#,
            "line 2: field `run_id`: `not-a-uuid` is not a UUID",
        ),
        (
            r#"{"type":"event","run_id":"01900000-0000-7000-8000-000000000001","seq":1,"ts":"2026-11-01T10:00:00Z","kind":"log","colour":"red"}"#,
            "line 2: field `colour`: is not a field",
        ),
        (
            r#"{"type":"label","run_id":"01900000-0000-7000-8000-000000000001","key":"k","value":"v","created_at":"2026-11-01T10:00:00Z","collection":"../etc"}"#,
            "line 2: field `collection`",
        ),
    ];
    for (bad, expected) in cases {
        let (code, err, dir) = ingest_case(&[GOOD, bad, GOOD]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(
            err.contains(expected),
            "{bad}\nexpected: {expected}\ngot: {err}"
        );
        assert!(err.contains("nothing was ingested"), "{err}");
        let rows = sql_json(
            &dir.path().join("store"),
            "SELECT count(*) AS n FROM events",
        );
        assert_eq!(
            rows[0]["n"], 0,
            "{bad}: the good lines were not written either"
        );
    }
}

#[test]
fn all_errors_of_a_file_are_reported() {
    let (code, err, _dir) = ingest_case(&[GOOD, "{", "[]", GOOD, "3"]);
    assert_eq!(code, 2);
    for line in ["line 2:", "line 3:", "line 5:"] {
        assert!(err.contains(line), "{line} in {err}");
    }
    assert!(err.contains("3 invalid line(s)"), "{err}");
}

#[test]
fn a_100_mib_line_is_refused_without_reading_it_into_memory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    writeln!(f, "{GOOD}").unwrap();
    f.write_all(br#"{"type":"event","text":""#).unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..100 {
        f.write_all(&chunk).unwrap();
    }
    f.write_all(b"\"}\n").unwrap();
    drop(f);
    let root = dir.path().join("store");
    let out = wharf(&root).arg("ingest").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("line 2: line is 100.0 MiB long, over the 8.0 MiB limit"),
        "{err}"
    );
}

#[test]
fn non_utf8_and_blank_lines() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bin.jsonl");
    let mut bytes = format!("\u{feff}{GOOD}\n\n   \n").into_bytes();
    bytes.extend_from_slice(b"{\"type\":\"event\",\"x\":\"\xff\xfe\"}\n");
    std::fs::write(&file, bytes).unwrap();
    let out = wharf(&dir.path().join("store"))
        .arg("ingest")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("line 4: not valid UTF-8"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unusable_storage_roots_fail_fast_and_name_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ok.jsonl");
    std::fs::write(&file, GOOD).unwrap();
    // A root under a regular file cannot be created, whoever we are.
    let blocker = dir.path().join("plain-file");
    std::fs::write(&blocker, "x").unwrap();
    let bad_root = blocker.join("store");
    let out = wharf(&bad_root).arg("ingest").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "storage root {} is not usable",
            bad_root.display()
        )),
        "{err}"
    );

    // An S3 endpoint where nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = std::time::Instant::now();
    let out = wharf(dir.path())
        .env("WHARF__STORAGE__ROOT", "s3://nowhere/wharf")
        .env(
            "WHARF__STORAGE__S3__ENDPOINT",
            format!("http://127.0.0.1:{port}"),
        )
        .env("WHARF__STORAGE__S3__ALLOW_HTTP", "true")
        .env("WHARF__STORAGE__S3__ACCESS_KEY_ID", "x")
        .env("WHARF__STORAGE__S3__SECRET_ACCESS_KEY", "y")
        .env("WHARF__INGEST__WAL_DIR", dir.path().join("wal"))
        .arg("ingest")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("storage root s3://nowhere/wharf is not usable"),
        "{}",
        stderr(&out)
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "fails fast"
    );
}

#[test]
fn refused_sql_is_a_user_error() {
    let dir = tempfile::tempdir().unwrap();
    for sql in [
        "DROP TABLE runs",
        "COPY (SELECT 1) TO '/tmp/x.csv'",
        "SELEC 1",
    ] {
        let out = wharf(dir.path()).args(["sql", sql]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{sql}: {}", stderr(&out));
    }
}

/// Every subcommand answers bad input with exit code 2 and a message naming what is wrong,
/// and writes nothing.
#[test]
fn every_subcommand_exits_2_on_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let repo = wharf_tests::workspace();
    let broken = repo.join("tests/fixtures/runbooks/broken.md");
    let session = repo.join("import/tests/fixtures/claude-code.session.jsonl");
    let bad_lines = dir.path().join("bad.jsonl");
    std::fs::write(&bad_lines, "{not json\n").unwrap();
    let bad_atif = dir.path().join("broken.json");
    std::fs::write(
        &bad_atif,
        r#"{"schema_version":"ATIF-v1.6","session_id":"x","agent":{"name":"a","version":"1"},"steps":[{"step_id":1,"source":"nobody"}]}"#,
    )
    .unwrap();
    let outputs = dir.path().join("outputs");
    std::fs::create_dir_all(&outputs).unwrap();
    let p = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    // (arguments, extra environment, what stderr must say)
    type Case = (
        Vec<String>,
        &'static [(&'static str, &'static str)],
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            vec!["serve".into(), "--bind".into(), "not-an-address".into()],
            &[],
            "not-an-address",
        ),
        (vec!["run".into(), p(&broken)], &[], "error[R030]"),
        (
            vec!["runtimes".into(), "install".into(), "no-such-agent".into()],
            &[],
            "no-such-agent",
        ),
        (
            vec!["runbook".into(), "check".into(), p(&broken)],
            &[],
            "error[R030]",
        ),
        (
            vec!["ingest".into(), p(&bad_lines)],
            &[],
            "not a JSON object",
        ),
        (vec!["import".into(), p(&bad_atif)], &[], "steps[0]"),
        (
            vec![
                "grade".into(),
                "--runbook".into(),
                p(&broken),
                "--trajectory".into(),
                p(&session),
                "--outputs".into(),
                p(&outputs),
            ],
            &[],
            "error[R030]",
        ),
        (
            vec!["label".into(), "not-a-uuid".into(), "k=v".into()],
            &[],
            "not-a-uuid",
        ),
        (
            vec![
                "compare".into(),
                "runtime = ".into(),
                "runtime = 'x'".into(),
            ],
            &[],
            "selection `runtime =` is not a condition over `runs`",
        ),
        (
            vec![
                "calibrate".into(),
                "--where".into(),
                "1 = 1; DROP TABLE runs".into(),
            ],
            &[],
            "DROP",
        ),
        (
            vec![
                "export".into(),
                "--where".into(),
                "true".into(),
                "--format".into(),
                "xml".into(),
            ],
            &[],
            "xml",
        ),
        (
            vec!["sql".into(), "DROP TABLE runs".into()],
            &[],
            "read-only",
        ),
        (
            vec!["compact".into()],
            &[("WHARF__STORAGE__ROOT", "ftp://host/x")],
            "ftp://host/x",
        ),
        (
            // `tables` reads no configuration and no store: its only input is the format.
            vec!["tables".into(), "--format".into(), "xml".into()],
            &[],
            "invalid value 'xml'",
        ),
        (
            vec!["demo".into(), "--collection".into(), "../x".into()],
            &[],
            "--collection",
        ),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (args, env, expected) in cases {
        seen.insert(args[0].clone());
        let out = wharf(&root)
            .env("WHARF__SANDBOX__WORK_DIR", dir.path().join("work"))
            .env("WHARF__SANDBOX__TOOLS_DIR", dir.path().join("tools"))
            .env("WHARF__SERVER__STATE_DIR", dir.path().join("state"))
            .envs(env.iter().copied())
            .args(&args)
            .output()
            .unwrap();
        // `runbook check` prints its diagnostics as its output; everything else on stderr.
        let said = format!("{}{}", crate::support::stdout(&out), stderr(&out));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {said}");
        assert!(
            said.contains(expected),
            "{args:?}: expected `{expected}` in: {said}"
        );
        let rows = sql_json(
            &root,
            "SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM events) \
                  + (SELECT count(*) FROM scores) + (SELECT count(*) FROM labels) \
                  + (SELECT count(*) FROM artifacts) AS n",
        );
        assert_eq!(rows[0]["n"], 0, "{args:?} wrote to the store");
    }
    // A subcommand added later needs its case here.
    let help = wharf(&root).arg("--help").output().unwrap();
    let listed: std::collections::BTreeSet<String> = crate::support::stdout(&help)
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect();
    assert_eq!(listed, seen);
}
