//! The `wharf runbook` subcommands through their library functions (the CLI
//! module is a thin shim over these). Tests run from the crate directory, so
//! relative paths keep the output stable.

// Helpers outside #[test] fns are not covered by clippy.toml's allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use serde_json::Value;
use wharf_runbook::commands::{Format, check_files, new_file, parse_param, render_file, show_file};
use wharf_runbook::{RunbookError, TemplateKind};

fn p(s: &str) -> PathBuf {
    PathBuf::from(s)
}

fn references() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("tests/reference")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    v.sort();
    v
}

#[test]
fn check_passes_on_the_references_with_warnings_only() {
    let out = check_files(&references(), Format::Text);
    assert!(out.success, "{}", out.stdout);
    assert!(
        out.stdout
            .ends_with("checked 5 files: 0 errors, 4 warnings\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("tests/reference/juliusbrussee--caveman.md: 0 errors, 0 warnings\n")
    );
}

#[test]
fn check_fails_on_any_error_and_reports_every_file() {
    let files = [
        p("tests/bad/r030-missing-required-outputs.md"),
        p("tests/bad/r042-unused-parameter.md"),
    ];
    let out = check_files(&files, Format::Text);
    assert!(!out.success);
    insta::assert_snapshot!("check_text_two_files", out.stdout);
    // Warnings alone do not fail.
    assert!(check_files(&files[1..], Format::Text).success);
}

#[test]
fn check_json_has_positions_and_counts() {
    let out = check_files(
        &[p("tests/bad/r023-model-provider-mismatch.md")],
        Format::Json,
    );
    // A mismatch is a warning (a run that would use the pair fails when it starts).
    assert!(out.success);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        (v["errors"].as_u64(), v["warnings"].as_u64()),
        (Some(0), Some(1))
    );
    let d = &v["files"][0]["diagnostics"][0];
    assert_eq!(d["code"], "R023");
    assert_eq!(d["severity"], "warning");
    assert_eq!(
        (
            d["line"].as_u64(),
            d["column"].as_u64(),
            d["end_column"].as_u64()
        ),
        (Some(5), Some(8), Some(25))
    );
    insta::assert_snapshot!("check_json_r023", out.stdout);
}

#[test]
fn unreadable_paths_are_diagnostics_not_crashes() {
    let out = check_files(
        &[p("tests/bad/does-not-exist.md"), p("tests/bad")],
        Format::Json,
    );
    assert!(!out.success);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    for f in v["files"].as_array().unwrap() {
        assert_eq!(f["diagnostics"][0]["code"], "R000", "{f}");
    }
    assert!(
        show_file(&p("tests/bad/does-not-exist.md"), Format::Json)
            .stderr
            .contains("R000")
    );
}

#[test]
fn render_substitutes_params_and_fails_with_positions() {
    let out = render_file(
        &p("tests/reference/gooseworks-ai--capabilities--company-contact-finder.md"),
        &[],
        Format::Text,
    );
    assert!(out.success, "{}", out.stderr);
    let path = p("templates/programmatic.md");
    let out = render_file(
        &path,
        &[("report_language".into(), "Français".into())],
        Format::Text,
    );
    assert!(out.success);
    assert!(
        out.stdout.contains("report about them in\nFrançais:"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("{{"));
    let json = render_file(
        &path,
        &[("results_dir".into(), "/out".into())],
        Format::Json,
    );
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["values"]["results_dir"], "/out");
    assert!(v["text"].as_str().unwrap().contains("RESULTS_DIR=\"/out\""));

    let bad = render_file(
        &p("tests/bad/r040-undefined-variable.md"),
        &[],
        Format::Text,
    );
    assert!(!bad.success);
    assert!(bad.stdout.is_empty());
    // Not a parameter and no value given: the render fails where it is used.
    assert!(bad.stderr.contains("error[R050]"), "{}", bad.stderr);
    assert!(
        bad.stderr
            .contains("tests/bad/r040-undefined-variable.md:13:77"),
        "{}",
        bad.stderr
    );
}

#[test]
fn show_prints_text_and_json() {
    let path = p("tests/reference/jettyio--ambient-scribe-quality-gate.md");
    let text = show_file(&path, Format::Text);
    assert!(text.success);
    insta::assert_snapshot!("show_text_ambient", text.stdout);
    let json = show_file(&path, Format::Json);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["evaluation"]["rubric"].as_array().unwrap().len(), 5);
    assert_eq!(
        v["evaluation"]["rubric"][0]["descriptors"]["5"],
        "All salient ground-truth facts captured in the right section"
    );
    // Binary input: no structure, a diagnostic, a failure.
    let bin = show_file(&p("tests/bad/r003-binary.md"), Format::Json);
    assert!(!bin.success && bin.stdout.is_empty() && bin.stderr.contains("R003"));
    // Warnings are summarised on stderr; show still succeeds.
    let goose = show_file(
        &p("tests/reference/gooseworks-ai--capabilities--company-contact-finder.md"),
        Format::Json,
    );
    assert!(goose.success && goose.stderr.contains("0 errors, 4 warnings"));
}

#[test]
fn new_writes_a_runbook_that_checks_clean_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    for (name, kind) in [
        ("triage", TemplateKind::Programmatic),
        ("brief.md", TemplateKind::Rubric),
    ] {
        let target = dir.path().join(name);
        let out = new_file(target.to_str().unwrap(), kind, false, false).unwrap();
        let written = dir.path().join(if name.ends_with(".md") {
            name.to_string()
        } else {
            format!("{name}.md")
        });
        assert!(
            out.stdout
                .starts_with(&format!("wrote {}", written.display()))
        );
        let check = check_files(std::slice::from_ref(&written), Format::Text);
        assert!(
            check.success && check.stdout.ends_with(": 0 errors, 0 warnings\n"),
            "{}",
            check.stdout
        );
        let err = new_file(target.to_str().unwrap(), kind, false, false).unwrap_err();
        assert!(matches!(err, RunbookError::Exists(_)), "{err}");
        assert_eq!(err.kind(), wharf_model::ErrorKind::Conflict);
        assert!(new_file(target.to_str().unwrap(), kind, true, false).is_ok());
    }
    let printed = new_file("demo", TemplateKind::Rubric, false, true).unwrap();
    assert!(printed.stdout.contains("# demo — Agent Runbook"));
    assert!(printed.stdout.contains("evaluation: rubric"));
    assert!(!std::path::Path::new("demo.md").exists());
    assert!(matches!(
        new_file("bad{{name}}", TemplateKind::Rubric, false, true),
        Err(RunbookError::InvalidName(_))
    ));
}

#[test]
fn params_parse_as_name_equals_value() {
    assert_eq!(
        parse_param("a=b=c").unwrap(),
        ("a".to_string(), "b=c".to_string())
    );
    assert_eq!(
        parse_param("empty=").unwrap(),
        ("empty".to_string(), String::new())
    );
    assert!(parse_param("=x").is_err());
    assert!(parse_param("novalue").is_err());
}
