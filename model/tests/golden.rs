//! The persisted contract: the table schemas of every schema version are kept as golden
//! files. The current version must match its golden file exactly; every older version must
//! still be readable (its columns exist with the same type, only nullable columns were
//! added since), and its sample trajectory must still parse.
//!
//! `UPDATE_GOLDEN=1 cargo test -p wharf-model --test golden` writes the current version's files.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)] // test code

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use wharf_model::{SCHEMA_VERSION, Table, arrow_type, parse_line};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("golden")
}

fn current_schema(table: Table) -> Value {
    json!({
        "table": table.name(),
        "key": table.key_columns(),
        "partitioned_by": wharf_model::PARTITION_COLUMNS,
        "columns": table.columns().iter().map(|c| json!({
            "name": c.name,
            "type": arrow_type(c.ty).to_string(),
            "nullable": c.nullable,
        })).collect::<Vec<_>>(),
    })
}

#[test]
fn current_version_matches_its_golden_files() {
    let dir = golden_dir().join(format!("v{SCHEMA_VERSION}"));
    for table in Table::ALL {
        let path = dir.join(format!("{}.json", table.name()));
        let current = current_schema(table);
        if std::env::var("UPDATE_GOLDEN").is_ok() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                &path,
                serde_json::to_string_pretty(&current).unwrap() + "\n",
            )
            .unwrap();
        }
        let golden: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|_| {
                panic!(
                    "{} missing: bump SCHEMA_VERSION with UPDATE_GOLDEN=1",
                    path.display()
                )
            }))
            .unwrap();
        assert_eq!(
            golden,
            current,
            "{} changed without a SCHEMA_VERSION bump (columns may only be added, in a new version)",
            table.name()
        );
    }
}

#[test]
fn every_older_version_stays_readable() {
    let mut versions: Vec<u32> = std::fs::read_dir(golden_dir())
        .unwrap()
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_prefix('v')?
                .parse()
                .ok()
        })
        .collect();
    versions.sort();
    assert_eq!(
        versions.last(),
        Some(&SCHEMA_VERSION),
        "golden files of the current version"
    );
    for v in versions {
        let dir = golden_dir().join(format!("v{v}"));
        for table in Table::ALL {
            let old: Value = serde_json::from_str(
                &std::fs::read_to_string(dir.join(format!("{}.json", table.name()))).unwrap(),
            )
            .unwrap();
            let schema = table.schema();
            let old_cols = old["columns"].as_array().unwrap();
            for col in old_cols {
                let name = col["name"].as_str().unwrap();
                let field = schema.field_with_name(name).unwrap_or_else(|_| {
                    panic!("v{v} column {}.{name} was removed or renamed", table.name())
                });
                assert_eq!(
                    field.data_type().to_string(),
                    col["type"].as_str().unwrap(),
                    "v{v} {name} retyped"
                );
            }
            for field in schema.fields() {
                let existed = old_cols.iter().any(|c| c["name"] == field.name().as_str());
                assert!(
                    existed || field.is_nullable(),
                    "new column {} must be nullable",
                    field.name()
                );
            }
        }
        let sample = std::fs::read_to_string(dir.join("trajectory.jsonl")).unwrap();
        for (i, line) in sample.lines().enumerate() {
            parse_line(i as u64 + 1, line).unwrap_or_else(|e| panic!("v{v} sample: {e}"));
        }
    }
}
