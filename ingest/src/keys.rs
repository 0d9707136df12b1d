//! Row identity for idempotent writes: a 128-bit hash of a table's key columns.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Int32Type, Int64Type};
use wharf_model::Table;
use xxhash_rust::xxh3::Xxh3;

use crate::IngestError;

/// The hash of one row's key.
pub type KeyHash = u128;

/// A set of key hashes. The keys are already hashes, so the set uses their bits as they are.
pub type KeySet = HashSet<KeyHash, BuildHasherDefault<KeyBits>>;

/// The hasher of [`KeySet`]: folds the 128 bits of a key into 64.
#[derive(Debug, Default)]
pub struct KeyBits(u64);

impl Hasher for KeyBits {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u128(&mut self, v: u128) {
        self.0 ^= (v as u64) ^ ((v >> 64) as u64);
    }
}

fn hash_part(h: &mut Xxh3, part: &[u8]) {
    h.update(&(part.len() as u64).to_le_bytes());
    h.update(part);
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
        let mut h = Xxh3::new();
        for col in &cols {
            match col.data_type() {
                DataType::Int32 => hash_part(
                    &mut h,
                    &col.as_primitive::<Int32Type>().value(row).to_le_bytes(),
                ),
                DataType::Int64 => hash_part(
                    &mut h,
                    &col.as_primitive::<Int64Type>().value(row).to_le_bytes(),
                ),
                _ => {
                    let s = col.as_string::<i32>();
                    let value = if s.is_null(row) { "" } else { s.value(row) };
                    hash_part(&mut h, value.as_bytes());
                }
            }
        }
        out.push(h.digest128());
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
    use wharf_model::{Record, Rows, parse_line};

    /// The key of each record type, spelled out.
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

    fn hash_parts<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> KeyHash {
        let mut h = Xxh3::new();
        for p in parts {
            hash_part(&mut h, p);
        }
        h.digest128()
    }

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
