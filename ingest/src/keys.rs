//! Row identity for idempotent writes: a 128-bit hash of a table's key columns.

use std::collections::HashSet;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Int32Type, Int64Type};
use wharf_model::{Record, Table};
use xxhash_rust::xxh3::Xxh3;

use crate::IngestError;

/// The hash of one row's key.
pub type KeyHash = u128;

/// A set of key hashes.
pub type KeySet = HashSet<KeyHash>;

fn hash_parts<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> KeyHash {
    let mut h = Xxh3::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.digest128()
}

/// Key hash of a validated record (ids filled).
pub fn record_key(record: &Record) -> KeyHash {
    match record {
        Record::Run(r) => hash_parts([r.run_id.as_bytes()]),
        Record::Event(r) => hash_parts([
            r.run_id.as_bytes(),
            &r.attempt.to_le_bytes(),
            &r.seq.to_le_bytes(),
        ]),
        Record::Score(r) => hash_parts([r.score_id.as_deref().unwrap_or("").as_bytes()]),
        Record::Label(r) => hash_parts([r.label_id.as_deref().unwrap_or("").as_bytes()]),
        Record::Artifact(r) => hash_parts([
            r.run_id.as_bytes(),
            &r.attempt.to_le_bytes(),
            r.path.as_bytes(),
        ]),
        Record::LlmCall(r) => hash_parts([r.call_id.as_bytes()]),
    }
}

/// Key hashes of every row of a batch holding (at least) the table's key columns.
pub fn batch_keys(table: Table, batch: &RecordBatch) -> Result<Vec<KeyHash>, IngestError> {
    let cols = table
        .key_columns()
        .iter()
        .map(|name| {
            batch.column_by_name(name).cloned().ok_or_else(|| {
                IngestError::Task(format!("{table}: key column {name} missing from batch"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let cols = cols
        .iter()
        .map(|c| arrow::compute::cast(c, &canonical(c.data_type())))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        let mut parts: Vec<Vec<u8>> = Vec::with_capacity(cols.len());
        for col in &cols {
            parts.push(match col.data_type() {
                DataType::Int32 => col
                    .as_primitive::<Int32Type>()
                    .value(row)
                    .to_le_bytes()
                    .to_vec(),
                DataType::Int64 => col
                    .as_primitive::<Int64Type>()
                    .value(row)
                    .to_le_bytes()
                    .to_vec(),
                _ => {
                    let s = col.as_string::<i32>();
                    if s.is_null(row) {
                        Vec::new()
                    } else {
                        s.value(row).as_bytes().to_vec()
                    }
                }
            });
        }
        out.push(hash_parts(parts.iter().map(Vec::as_slice)));
    }
    Ok(out)
}

fn canonical(dt: &DataType) -> DataType {
    match dt {
        DataType::Int32 | DataType::Int64 => dt.clone(),
        _ => DataType::Utf8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wharf_model::{Rows, parse_line};

    #[test]
    fn record_and_batch_keys_agree() {
        let lines = [
            r#"{"type":"event","run_id":"0192f5e0-0000-7000-8000-000000000001","seq":3,"ts":"2026-01-02T03:04:05Z","kind":"log","collection":"c"}"#,
            r#"{"type":"event","run_id":"0192f5e0-0000-7000-8000-000000000001","attempt":2,"seq":3,"ts":"2026-01-02T03:04:05Z","kind":"log","collection":"c"}"#,
        ];
        let mut rows = Rows::default();
        let mut expected = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let r = parse_line(i as u64 + 1, l).unwrap();
            expected.push(record_key(&r));
            rows.push(r);
        }
        assert_ne!(expected[0], expected[1]);
        let batches = rows.into_batches().unwrap();
        assert_eq!(batch_keys(Table::Events, &batches[0].1).unwrap(), expected);
    }
}
