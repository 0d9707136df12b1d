//! Runbooks that Jetty runs must not be turned away by the checker: a template variable
//! supplied at run time but not in the Parameters table, a programmatic runbook without a
//! verification script, and a `model_provider` wharf does not route are warnings at check
//! time; only a variable that still has no value when the run starts is an error (R050).
//! `tests/compat/` holds runbooks written to reproduce each class.

// Helpers outside #[test] fns are not covered by clippy.toml's allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use wharf_runbook::{Checked, Code, Severity, check, render};

fn load(name: &str) -> Checked {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/compat")
        .join(name);
    check(name, &std::fs::read(path).unwrap())
}

fn codes(checked: &Checked, severity: Severity) -> BTreeSet<&'static str> {
    checked
        .diagnostics
        .iter()
        .filter(|d| d.severity == severity)
        .map(|d| d.code.as_str())
        .collect()
}

#[test]
fn a_jetty_style_runbook_checks_with_warnings_only() {
    let checked = load("runtime-variables.md");
    assert!(!checked.has_errors(), "{}", checked.render_diagnostics());
    let warnings = codes(&checked, Severity::Warning);
    for code in ["R022", "R033", "R040", "R041"] {
        assert!(warnings.contains(code), "{code} missing: {warnings:?}");
    }
    let text = checked.render_diagnostics();
    assert!(
        text.contains("programmatic evaluation will only check that the required outputs exist"),
        "{text}"
    );
    assert!(text.contains("a run must give it a value"), "{text}");
    assert!(text.contains("| customer | `{{customer}}` |"), "{text}");
}

#[test]
fn a_value_given_at_run_time_defines_the_variable_everywhere() {
    let checked = load("runtime-variables.md");
    let rb = checked.runbook.as_ref().unwrap();
    let values: BTreeMap<String, String> = [("customer".to_owned(), "Acme GmbH".to_owned())].into();
    let rendered = render(&checked.source, rb, &values).unwrap();
    assert!(!rendered.text.contains("{{customer}}"), "{}", rendered.text);
    assert_eq!(
        rendered.text.matches("Acme GmbH").count(),
        3,
        "{}",
        rendered.text
    );
    assert_eq!(
        rendered.values.get("customer").map(String::as_str),
        Some("Acme GmbH")
    );
    assert_eq!(
        rendered.values.get("region").map(String::as_str),
        Some("EMEA")
    );
    // A value for a variable the runbook uses is not "unknown".
    assert!(
        rendered
            .warnings
            .iter()
            .all(|w| w.code != Code::UnknownParam),
        "{:?}",
        rendered.warnings
    );
    // A value for a name it neither lists nor uses still is.
    let mut more = values.clone();
    more.insert("colour".into(), "red".into());
    let rendered = render(&checked.source, rb, &more).unwrap();
    let unknown: Vec<_> = rendered
        .warnings
        .iter()
        .filter(|w| w.code == Code::UnknownParam)
        .collect();
    assert_eq!(unknown.len(), 1, "{:?}", rendered.warnings);
    assert!(unknown[0].message.contains("`colour`"));
}

#[test]
fn a_variable_with_no_value_when_the_run_starts_is_an_error_at_each_use() {
    let checked = load("runtime-variables.md");
    let rb = checked.runbook.as_ref().unwrap();
    let errors = render(&checked.source, rb, &BTreeMap::new()).unwrap_err();
    let missing: Vec<_> = errors
        .iter()
        .filter(|d| d.code == Code::MissingValue && d.severity == Severity::Error)
        .collect();
    // Two uses outside code (the Objective and the checklist); the one inside the bash
    // block is left as it is.
    assert_eq!(missing.len(), 2, "{errors:?}");
    let text = wharf_runbook::report::format_text(&checked.source, &errors);
    assert!(
        text.contains("error[R050]: no value for `{{customer}}`"),
        "{text}"
    );
    assert!(text.contains("runtime-variables.md:13:30"), "{text}");
    assert!(text.contains("--param customer=VALUE"), "{text}");
    assert!(
        errors.iter().all(|d| d.code != Code::UndefinedVariable),
        "{errors:?}"
    );
}
