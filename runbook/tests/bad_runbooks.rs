//! One crafted bad runbook per diagnostic in `tests/bad/`, named after its
//! code (`r021-unknown-agent.md`). Each must report that code, and the
//! rendered diagnostics are snapshotted.

// Helpers outside #[test] fns are not covered by clippy.toml's allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use wharf_runbook::{Code, Severity, check, report};

fn bad_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    files
}

fn code_of(path: &Path) -> String {
    let stem = path.file_stem().unwrap().to_str().unwrap();
    stem.get(..4).unwrap().to_uppercase()
}

#[test]
fn every_bad_runbook_reports_its_code_and_matches_its_snapshot() {
    let files = bad_files();
    assert!(files.len() >= 30, "only {} bad runbooks", files.len());
    for path in files {
        let file_name = path.file_name().unwrap().to_str().unwrap().to_string();
        let expected = code_of(&path);
        let checked = check(
            &format!("tests/bad/{file_name}"),
            &std::fs::read(&path).unwrap(),
        );
        let codes: BTreeSet<&str> = checked
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        assert!(
            codes.contains(expected.as_str()),
            "{file_name}: expected {expected}, got {codes:?}"
        );
        // Each file is crafted to trip exactly one check (R009 summarises a
        // flood of R040s).
        let allowed: BTreeSet<&str> = match expected.as_str() {
            "R009" => ["R009", "R040"].into(),
            other => [other].into(),
        };
        assert_eq!(codes, allowed, "{file_name}: unexpected extra diagnostics");
        let (errors, warnings) = report::counts(&checked.diagnostics);
        // The R009 file floods 200 R040s: snapshot only the summary diagnostic.
        let shown: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| expected != "R009" || d.code == Code::TooManyDiagnostics)
            .cloned()
            .collect();
        let text = format!(
            "{}{}: {}\n",
            report::format_text(&checked.source, &shown),
            checked.source.name(),
            report::summary(errors, warnings)
        );
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        insta::assert_snapshot!(stem, text);
    }
}

#[test]
fn every_code_checked_at_parse_or_validation_has_a_bad_runbook() {
    let covered: BTreeSet<String> = bad_files().iter().map(|p| code_of(p)).collect();
    // R000 (unreadable path), R004 (50 MB) and R050/R051 (render-time) are
    // exercised in cli.rs, robustness.rs and render.rs.
    let elsewhere = ["R000", "R004", "R050", "R051"];
    for code in Code::ALL {
        let c = code.as_str();
        assert!(
            covered.contains(c) || elsewhere.contains(&c),
            "no tests/bad file for {c}"
        );
    }
}

#[test]
fn errors_fail_check_and_warnings_do_not() {
    for path in bad_files() {
        let checked = check("x.md", &std::fs::read(&path).unwrap());
        let expected = code_of(&path);
        let d = checked
            .diagnostics
            .iter()
            .find(|d| d.code.as_str() == expected)
            .unwrap();
        assert_eq!(d.severity, d.code.default_severity(), "{}", path.display());
        assert_eq!(
            checked.has_errors(),
            checked
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error)
        );
    }
}
