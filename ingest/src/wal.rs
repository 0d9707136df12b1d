//! The write-ahead log: an acknowledged batch is on local disk, fsync'd, before anything
//! else happens to it.
//!
//! A log is a directory of segment files `<first txn>.wal`. Each entry is one transaction:
//! `"WWAL" | len u32 | crc32 u32 | txn u64 | n u8 | n × (table tag u8 | len u32 | Arrow IPC)`
//! (IPC buffers LZ4-compressed since 2026-12; older uncompressed entries still read).
//! An entry is durable once `append` returns. On open, a torn tail (a crash mid-write) is
//! cut off; everything before it is replayed. Segments are deleted only after every table
//! has committed their contents to Delta (see `Store::flush`).

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use arrow::ipc::CompressionType;
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::{IpcWriteOptions, StreamWriter};
use fs2::FileExt;
use wharf_model::Table;

use crate::{IngestError, failpoint};

const MAGIC: &[u8; 4] = b"WWAL";
const HEADER: usize = 12;
/// Start a new segment once the active one is this large.
const SEGMENT_BYTES: u64 = 128 * 1024 * 1024;

/// One committed transaction read back from the log.
#[derive(Debug, Clone)]
pub struct WalTxn {
    /// Transaction number, increasing.
    pub txn: u64,
    /// Its batches.
    pub batches: Vec<(Table, RecordBatch)>,
}

/// The log, opened for appending (holds the directory's lock).
#[derive(Debug)]
pub struct Wal {
    dir: PathBuf,
    _lock: File,
    active: Option<(PathBuf, File, u64)>,
    next_txn: u64,
}

impl Wal {
    /// Locks the directory, checks it belongs to `root`, cuts a torn tail and returns the
    /// committed transactions.
    pub fn open(dir: &Path, root: &str) -> Result<(Wal, Vec<WalTxn>), IngestError> {
        std::fs::create_dir_all(dir).map_err(|e| IngestError::io("creating WAL dir", dir, e))?;
        let lock_path = dir.join("LOCK");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| IngestError::io("opening", &lock_path, e))?;
        lock.try_lock_exclusive().map_err(|_| IngestError::Locked {
            path: lock_path.clone(),
        })?;
        check_root(dir, root, true)?;
        let txns = replay(dir, true)?;
        let next_txn = txns.last().map_or(1, |t| t.txn + 1);
        Ok((
            Wal {
                dir: dir.to_path_buf(),
                _lock: lock,
                active: None,
                next_txn,
            },
            txns,
        ))
    }

    /// Reads the committed transactions without locking, for readers beside a writer.
    /// A partly written last entry is ignored.
    pub fn read(dir: &Path, root: &str) -> Result<Vec<WalTxn>, IngestError> {
        if !dir.exists() {
            return Ok(Vec::new());
        }
        check_root(dir, root, false)?;
        replay(dir, false)
    }

    /// Makes the next transaction number at least `min`.
    pub fn ensure_next_txn(&mut self, min: u64) {
        self.next_txn = self.next_txn.max(min);
    }

    /// Appends one transaction and fsyncs it. Returns its number: the acknowledgement.
    pub fn append(&mut self, batches: &[(Table, RecordBatch)]) -> Result<u64, IngestError> {
        let txn = self.next_txn;
        let entry = encode(txn, batches)?;
        let (path, file, size) = self.active_segment(txn)?;
        file.write_all(&entry)
            .map_err(|e| IngestError::io("appending to", path.clone(), e))?;
        failpoint::hit("wal.before_fsync");
        file.sync_data()
            .map_err(|e| IngestError::io("syncing", path.clone(), e))?;
        *size += entry.len() as u64;
        failpoint::hit("wal.after_fsync");
        self.next_txn = txn + 1;
        Ok(txn)
    }

    /// Deletes every segment: all their transactions are committed to Delta. Returns
    /// whether there was anything to delete.
    pub fn truncate(&mut self) -> Result<bool, IngestError> {
        self.active = None;
        let paths = segments(&self.dir)?;
        for path in &paths {
            std::fs::remove_file(path).map_err(|e| IngestError::io("removing", path, e))?;
        }
        sync_dir(&self.dir)?;
        Ok(!paths.is_empty())
    }

    fn active_segment(&mut self, txn: u64) -> Result<(&PathBuf, &mut File, &mut u64), IngestError> {
        let rotate = self
            .active
            .as_ref()
            .is_none_or(|(_, _, size)| *size >= SEGMENT_BYTES);
        if rotate {
            let path = self.dir.join(format!("{txn:020}.wal"));
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| IngestError::io("creating", &path, e))?;
            sync_dir(&self.dir)?;
            self.active = Some((path, file, 0));
        }
        match &mut self.active {
            Some((path, file, size)) => Ok((path, file, size)),
            None => Err(IngestError::Task("no active WAL segment".into())),
        }
    }
}

fn check_root(dir: &Path, root: &str, create: bool) -> Result<(), IngestError> {
    let path = dir.join("ROOT");
    match std::fs::read_to_string(&path) {
        Ok(existing) if existing.trim() == root => Ok(()),
        Ok(existing) => Err(IngestError::Config(format!(
            "WAL directory {dir:?} belongs to store {}, not {root}; set ingest.wal_dir to a directory of its own",
            existing.trim()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            std::fs::write(&path, root).map_err(|e| IngestError::io("writing", &path, e))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(IngestError::io("reading", &path, e)),
    }
}

fn segments(dir: &Path) -> Result<Vec<PathBuf>, IngestError> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| IngestError::io("listing", dir, e))?;
    for entry in entries {
        let path = entry
            .map_err(|e| IngestError::io("listing", dir, e))?
            .path();
        if path.extension().is_some_and(|x| x == "wal") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

fn replay(dir: &Path, repair: bool) -> Result<Vec<WalTxn>, IngestError> {
    let paths = segments(dir)?;
    let mut txns = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        let last = i + 1 == paths.len();
        let mut bytes = Vec::new();
        File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(|e| IngestError::io("reading", path, e))?;
        let good = read_entries(&bytes, path, &mut txns)?;
        if good < bytes.len() {
            if !last && repair {
                return Err(IngestError::Wal {
                    path: path.clone(),
                    message: format!("corrupt entry at byte {good} in a closed segment"),
                });
            }
            if repair {
                let file = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| IngestError::io("repairing", path, e))?;
                file.set_len(good as u64)
                    .map_err(|e| IngestError::io("truncating", path, e))?;
                file.sync_all()
                    .map_err(|e| IngestError::io("syncing", path, e))?;
                tracing::warn!(?path, at = good, "cut a torn WAL tail");
            }
        }
    }
    Ok(txns)
}

/// Decodes entries; returns the length of the valid prefix.
fn read_entries(bytes: &[u8], path: &Path, out: &mut Vec<WalTxn>) -> Result<usize, IngestError> {
    let mut pos = 0;
    while bytes.len() - pos >= HEADER {
        let header = &bytes[pos..pos + HEADER];
        if &header[..4] != MAGIC {
            break;
        }
        let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let crc = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
        let Some(payload) = bytes.get(pos + HEADER..pos + HEADER + len) else {
            break;
        };
        if crc32fast::hash(payload) != crc {
            break;
        }
        out.push(decode(payload).map_err(|message| IngestError::Wal {
            path: path.into(),
            message,
        })?);
        pos += HEADER + len;
    }
    Ok(pos)
}

/// One whole entry (header included). Each table's batch is Arrow IPC with LZ4-compressed
/// buffers: the log is written and fsync'd for every acknowledgement, so its size is the
/// disk time of the write path.
fn encode(txn: u64, batches: &[(Table, RecordBatch)]) -> Result<Vec<u8>, IngestError> {
    let capacity = batches
        .iter()
        .map(|(_, b)| b.get_array_memory_size() / 4)
        .sum::<usize>();
    let mut out = Vec::with_capacity(HEADER + 9 + capacity);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[0; 8]); // length and checksum, filled below
    out.extend_from_slice(&txn.to_le_bytes());
    let n =
        u8::try_from(batches.len()).map_err(|_| IngestError::Task("too many batches".into()))?;
    out.push(n);
    let options =
        IpcWriteOptions::default().try_with_compression(Some(CompressionType::LZ4_FRAME))?;
    for (table, batch) in batches {
        out.push(table.tag());
        let at = out.len();
        out.extend_from_slice(&[0; 4]);
        {
            let mut writer =
                StreamWriter::try_new_with_options(&mut out, &batch.schema(), options.clone())?;
            writer.write(batch)?;
            writer.finish()?;
        }
        let len = u32::try_from(out.len() - at - 4)
            .map_err(|_| IngestError::Task("batch over 4 GiB".into()))?;
        out[at..at + 4].copy_from_slice(&len.to_le_bytes());
    }
    let len = u32::try_from(out.len() - HEADER).map_err(|_| {
        IngestError::Config("one ingest batch exceeds 4 GiB; lower ingest.batch_lines".into())
    })?;
    let crc = crc32fast::hash(&out[HEADER..]);
    out[4..8].copy_from_slice(&len.to_le_bytes());
    out[8..12].copy_from_slice(&crc.to_le_bytes());
    Ok(out)
}

fn decode(payload: &[u8]) -> Result<WalTxn, String> {
    let take = |pos: usize, n: usize| payload.get(pos..pos + n).ok_or("truncated entry");
    let txn = u64::from_le_bytes(take(0, 8)?.try_into().map_err(|_| "bad txn")?);
    let count = take(8, 1)?[0];
    let mut pos = 9;
    let mut batches = Vec::new();
    for _ in 0..count {
        let tag = take(pos, 1)?[0];
        let table = Table::from_tag(tag).ok_or_else(|| format!("unknown table tag {tag}"))?;
        let len = u32::from_le_bytes(take(pos + 1, 4)?.try_into().map_err(|_| "bad len")?) as usize;
        let ipc = take(pos + 5, len)?;
        let reader = StreamReader::try_new(ipc, None).map_err(|e| e.to_string())?;
        for batch in reader {
            batches.push((table, batch.map_err(|e| e.to_string())?));
        }
        pos += 5 + len;
    }
    Ok(WalTxn { txn, batches })
}

fn sync_dir(dir: &Path) -> Result<(), IngestError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| IngestError::io("syncing directory", dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray};
    use std::sync::Arc;

    fn batch(n: i64) -> RecordBatch {
        let schema = Arc::new(arrow::datatypes::Schema::new(vec![
            arrow::datatypes::Field::new("a", arrow::datatypes::DataType::Int64, false),
            arrow::datatypes::Field::new("b", arrow::datatypes::DataType::Utf8, true),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int64Array::from(vec![n, n + 1])),
                Arc::new(StringArray::from(vec![Some("x"), None])),
            ],
        )
        .unwrap()
    }

    #[test]
    fn append_replay_and_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut wal, txns) = Wal::open(dir.path(), "file:///r/").unwrap();
            assert!(txns.is_empty());
            assert_eq!(wal.append(&[(Table::Events, batch(1))]).unwrap(), 1);
            assert_eq!(
                wal.append(&[(Table::Runs, batch(5)), (Table::Labels, batch(7))])
                    .unwrap(),
                2
            );
        }
        // Simulate a crash mid-append: half an entry at the end.
        let seg = segments(dir.path()).unwrap().pop().unwrap();
        let full = std::fs::read(&seg).unwrap();
        let mut f = OpenOptions::new().append(true).open(&seg).unwrap();
        f.write_all(&full[..full.len() / 3]).unwrap();
        drop(f);

        let read = Wal::read(dir.path(), "file:///r/").unwrap();
        assert_eq!(read.len(), 2);
        let (mut wal, txns) = Wal::open(dir.path(), "file:///r/").unwrap();
        assert_eq!(txns.iter().map(|t| t.txn).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(txns[1].batches.len(), 2);
        assert_eq!(txns[1].batches[1].0, Table::Labels);
        assert_eq!(txns[1].batches[1].1, batch(7));
        assert_eq!(
            std::fs::read(&seg).unwrap().len(),
            full.len(),
            "torn tail cut"
        );
        assert_eq!(wal.append(&[(Table::Events, batch(9))]).unwrap(), 3);
        wal.truncate().unwrap();
        drop(wal);
        let (_wal, txns) = Wal::open(dir.path(), "file:///r/").unwrap();
        assert!(txns.is_empty());
    }

    #[test]
    fn lock_and_root_are_enforced() {
        let dir = tempfile::tempdir().unwrap();
        let (_wal, _) = Wal::open(dir.path(), "file:///a/").unwrap();
        assert!(matches!(
            Wal::open(dir.path(), "file:///a/"),
            Err(IngestError::Locked { .. })
        ));
        assert!(matches!(
            Wal::read(dir.path(), "s3://other/"),
            Err(IngestError::Config(_))
        ));
    }
}
