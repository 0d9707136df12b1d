//! Where a table's committed rows lie, file by file (partition values and the run-id range
//! from the Delta log's statistics), so that a batch which cannot meet any of them skips the
//! key query ([`crate::delta::committed_keys`]) instead of planning one per batch.
//!
//! The answer is conservative: a file whose partition or statistics cannot be read counts
//! as overlapping, and then the query decides, as before.

use chrono::NaiveDate;
use deltalake::DeltaTable;

use crate::delta::KeyScope;

/// The extent of one committed file. `None` means unknown (overlaps everything).
#[derive(Debug, Clone, PartialEq)]
struct FileExtent {
    collection: Option<String>,
    /// Days since epoch.
    date: Option<i32>,
    run_ids: Option<(String, String)>,
}

/// The extents of every file of one table version.
#[derive(Debug, Clone, Default)]
pub struct Extents {
    version: Option<u64>,
    files: Vec<FileExtent>,
}

impl Extents {
    /// The extents of `delta`, reusing `self` when it describes the same version.
    pub fn refresh(&mut self, delta: &DeltaTable) -> &Extents {
        let version = delta.version();
        if version.is_none() || self.version != version {
            *self = Extents::read(delta);
        }
        self
    }

    fn read(delta: &DeltaTable) -> Extents {
        let Ok(snapshot) = delta.snapshot() else {
            // Unknown table state: one unknown file, so every batch is checked by query.
            return Extents {
                version: None,
                files: vec![FileExtent {
                    collection: None,
                    date: None,
                    run_ids: None,
                }],
            };
        };
        let files = snapshot
            .log_data()
            .iter()
            .map(|file| {
                let partition = file.partition_values_map();
                let value = |name: &str| partition.get(name).cloned().flatten();
                FileExtent {
                    collection: value("collection"),
                    date: value("date").and_then(|d| days(&d)),
                    run_ids: file.stats().and_then(|s| run_id_range(&s)),
                }
            })
            .collect();
        Extents {
            version: delta.version(),
            files,
        }
    }

    /// Whether committed rows may fall inside `scope` (the filter of the key query).
    pub fn may_overlap(&self, scope: &KeyScope) -> bool {
        self.files.iter().any(|f| {
            f.collection
                .as_ref()
                .is_none_or(|c| scope.collections.contains(c))
                && f.date.is_none_or(|d| scope.dates.contains(&d))
                && match (&f.run_ids, &scope.run_ids) {
                    (Some((lo, hi)), Some((from, to))) => lo <= to && from <= hi,
                    _ => true,
                }
        })
    }
}

fn days(date: &str) -> Option<i32> {
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    Some(wharf_model::days_since_epoch(date))
}

/// `(min, max)` of `run_id` from a file's statistics JSON.
fn run_id_range(stats: &str) -> Option<(String, String)> {
    let stats: serde_json::Value = serde_json::from_str(stats).ok()?;
    let bound = |which: &str| Some(stats.get(which)?.get("run_id")?.as_str()?.to_string());
    Some((bound("minValues")?, bound("maxValues")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(c: &str, d: i32, lo: &str, hi: &str) -> FileExtent {
        FileExtent {
            collection: Some(c.into()),
            date: Some(d),
            run_ids: Some((lo.into(), hi.into())),
        }
    }

    fn scope(c: &str, d: i32, run_ids: Option<(&str, &str)>) -> KeyScope {
        KeyScope {
            collections: vec![c.into()],
            dates: vec![d],
            run_ids: run_ids.map(|(a, b)| (a.into(), b.into())),
        }
    }

    #[test]
    fn overlap_is_conservative() {
        let e = Extents {
            version: Some(1),
            files: vec![
                file("a", 10, "0192-1", "0192-5"),
                file("b", 11, "0192-6", "0192-9"),
            ],
        };
        assert!(e.may_overlap(&scope("a", 10, Some(("0192-5", "0192-7")))));
        assert!(e.may_overlap(&scope("a", 10, None)));
        assert!(!e.may_overlap(&scope("a", 10, Some(("0192-6", "0192-7")))));
        assert!(!e.may_overlap(&scope("a", 11, Some(("0192-1", "0192-9")))));
        assert!(!e.may_overlap(&scope("c", 10, None)));
        let unknown = Extents {
            version: Some(1),
            files: vec![FileExtent {
                collection: Some("a".into()),
                date: None,
                run_ids: None,
            }],
        };
        assert!(unknown.may_overlap(&scope("a", 99, Some(("x", "y")))));
        assert!(!Extents::default().may_overlap(&scope("a", 1, None)));
        assert_eq!(days("1970-01-02"), Some(1));
        assert_eq!(days("junk"), None);
        assert_eq!(
            run_id_range(
                r#"{"numRecords":2,"minValues":{"run_id":"a"},"maxValues":{"run_id":"b"}}"#
            ),
            Some(("a".into(), "b".into()))
        );
        assert_eq!(run_id_range(r#"{"numRecords":2,"minValues":{}}"#), None);
    }
}
