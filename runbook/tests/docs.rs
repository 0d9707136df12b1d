//! `docs/runbook-format.md` documents every diagnostic code with its
//! severity and title, and points at the schema file.

// Helpers outside #[test] fns are not covered by clippy.toml's allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use wharf_runbook::{Code, Severity};

fn doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/runbook-format.md");
    std::fs::read_to_string(path).expect("docs/runbook-format.md")
}

#[test]
fn every_code_has_a_row_with_its_severity_and_title() {
    let doc = doc();
    for code in Code::ALL {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| {} |", code.as_str())))
            .unwrap_or_else(|| panic!("no row for {}", code.as_str()));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let severity = match code.default_severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        assert!(cells[2].starts_with(severity), "{row}");
        assert_eq!(cells[3], code.title(), "{row}");
    }
}

#[test]
fn the_schema_the_docs_point_to_exists() {
    let doc = doc();
    assert!(doc.contains("runbook/schema/runbook.schema.json"));
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("schema/runbook.schema.json")
            .exists()
    );
}
