//! The write-ahead log: an acknowledged batch is on local disk, fsync'd, before anything
//! else happens to it.
//!
//! A log is a directory of segment files `<first txn>.wal`. Each entry is one transaction:
//! `"WWAL" | len u32 | crc32 u32 | txn u64 | n u8 | n × (table tag u8 | len u32 | Arrow IPC)`
//! (the frame list of [`crate::frames`]; IPC buffers LZ4-compressed since 2026-12, older
//! uncompressed entries still read).
//! An entry is durable once `append` returns. On open, a torn tail (a crash mid-write) is
//! cut off; everything before it is replayed. Segments are deleted only after every table
//! has committed their contents to Delta (see `Store::flush`).

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use bytes::Bytes;
use fs2::FileExt;
use wharf_model::Table;

use crate::frames::{Frame, decode_frames, frames_len, read_frames, write_frames};
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
    /// The rows the transaction committed, each batch with its table.
    pub batches: Vec<(Table, RecordBatch)>,
}

/// The log, opened for appending (holds the directory's lock).
#[derive(Debug)]
pub struct Wal {
    dir: PathBuf,
    lock: Arc<File>,
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
                lock: Arc::new(lock),
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

    /// Appends one transaction (its tables' batches, encoded) and fsyncs it. Returns its
    /// number: the acknowledgement.
    pub fn append(&mut self, frames: &[Frame]) -> Result<u64, IngestError> {
        let txn = self.next_txn;
        let entry = encode(txn, frames)?;
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
        let paths = self.seal()?;
        self.remove(&paths)
    }

    /// Closes the active segment (the next entry starts a new one) and returns every
    /// segment so far.
    pub fn seal(&mut self) -> Result<Vec<PathBuf>, IngestError> {
        self.active = None;
        segments(&self.dir)
    }

    /// Deletes sealed segments whose transactions are all committed to Delta. Returns
    /// whether there was anything to delete.
    pub fn remove(&mut self, paths: &[PathBuf]) -> Result<bool, IngestError> {
        for path in paths {
            match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(IngestError::io("removing", path, e)),
            }
        }
        sync_dir(&self.dir)?;
        Ok(!paths.is_empty())
    }

    /// The directory lock, for a task that must keep other writers out until it ends.
    pub fn lock(&self) -> Arc<File> {
        Arc::clone(&self.lock)
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
        let bytes = Bytes::from(bytes);
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
fn read_entries(bytes: &Bytes, path: &Path, out: &mut Vec<WalTxn>) -> Result<usize, IngestError> {
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
        out.push(
            decode(bytes.slice(pos + HEADER..pos + HEADER + len)).map_err(|message| {
                IngestError::Wal {
                    path: path.into(),
                    message,
                }
            })?,
        );
        pos += HEADER + len;
    }
    Ok(pos)
}

/// One whole entry (header included).
fn encode(txn: u64, frames: &[Frame]) -> Result<Vec<u8>, IngestError> {
    let mut out = Vec::with_capacity(HEADER + 8 + frames_len(frames));
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[0; 8]); // length and checksum, filled below
    out.extend_from_slice(&txn.to_le_bytes());
    write_frames(&mut out, frames)?;
    let len = u32::try_from(out.len() - HEADER).map_err(|_| {
        IngestError::Config("one ingest batch exceeds 4 GiB; lower ingest.batch_lines".into())
    })?;
    let crc = crc32fast::hash(&out[HEADER..]);
    out[4..8].copy_from_slice(&len.to_le_bytes());
    out[8..12].copy_from_slice(&crc.to_le_bytes());
    Ok(out)
}

fn decode(payload: Bytes) -> Result<WalTxn, String> {
    let txn = payload
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
        .ok_or("truncated entry")?;
    let frames = read_frames(&payload.slice(8..))?;
    Ok(WalTxn {
        txn,
        batches: decode_frames(&frames)?,
    })
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

    fn frames(batches: &[(Table, RecordBatch)]) -> Vec<Frame> {
        batches
            .iter()
            .map(|(t, b)| Frame::encode(*t, b).unwrap())
            .collect()
    }

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
            assert_eq!(
                wal.append(&frames(&[(Table::Events, batch(1))])).unwrap(),
                1
            );
            assert_eq!(
                wal.append(&frames(&[
                    (Table::Runs, batch(5)),
                    (Table::Labels, batch(7))
                ]))
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
        assert_eq!(
            wal.append(&frames(&[(Table::Events, batch(9))])).unwrap(),
            3
        );
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
