//! Tables' batches as tagged frames of LZ4-compressed Arrow IPC: the body of a WAL entry.
//!
//! A frame list is `n u8 | n × (table tag u8 | len u32 | Arrow IPC stream)`. A producer
//! may encode its frames on its own thread; when none of their rows turns out to be a
//! duplicate, the WAL writes those same bytes instead of encoding the batches again.

use arrow::array::RecordBatch;
use arrow::ipc::CompressionType;
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::{IpcWriteOptions, StreamWriter};
use bytes::Bytes;
use wharf_model::Table;

use crate::IngestError;

/// One table's batch, encoded.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The table the rows belong to.
    pub table: Table,
    /// The Arrow IPC stream (LZ4-compressed buffers).
    pub ipc: Bytes,
}

impl Frame {
    /// Encodes `batch`. Compression matters: the WAL is written and fsync'd for every
    /// acknowledgement, so its size is the disk time of the write path.
    pub fn encode(table: Table, batch: &RecordBatch) -> Result<Frame, IngestError> {
        let options =
            IpcWriteOptions::default().try_with_compression(Some(CompressionType::LZ4_FRAME))?;
        let mut out = Vec::with_capacity(batch.get_array_memory_size() / 4);
        {
            let mut writer =
                StreamWriter::try_new_with_options(&mut out, &batch.schema(), options)?;
            writer.write(batch)?;
            writer.finish()?;
        }
        Ok(Frame {
            table,
            ipc: Bytes::from(out),
        })
    }

    /// The batches of the frame.
    pub fn decode(&self) -> Result<Vec<RecordBatch>, String> {
        let reader = StreamReader::try_new(&self.ipc[..], None).map_err(|e| e.to_string())?;
        reader
            .into_iter()
            .map(|b| b.map_err(|e| e.to_string()))
            .collect()
    }
}

/// Bytes [`write_frames`] adds for `frames`.
pub fn frames_len(frames: &[Frame]) -> usize {
    1 + frames.iter().map(|f| 5 + f.ipc.len()).sum::<usize>()
}

/// Appends a frame list to `out`.
pub fn write_frames(out: &mut Vec<u8>, frames: &[Frame]) -> Result<(), IngestError> {
    let n = u8::try_from(frames.len())
        .map_err(|_| IngestError::Task("over 255 batches in one entry".into()))?;
    out.reserve(frames_len(frames));
    out.push(n);
    for frame in frames {
        let len = u32::try_from(frame.ipc.len()).map_err(|_| {
            IngestError::Config("one ingest batch exceeds 4 GiB; lower ingest.batch_lines".into())
        })?;
        out.push(frame.table.tag());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&frame.ipc);
    }
    Ok(())
}

/// Splits a frame list (the whole of `bytes`) into its frames, sharing `bytes`.
pub fn read_frames(bytes: &Bytes) -> Result<Vec<Frame>, String> {
    let take = |pos: usize, n: usize| {
        bytes
            .get(pos..pos + n)
            .ok_or_else(|| "truncated entry".to_string())
    };
    let count = take(0, 1)?[0];
    let mut pos = 1;
    let mut frames = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let tag = take(pos, 1)?[0];
        let table = Table::from_tag(tag).ok_or_else(|| format!("unknown table tag {tag}"))?;
        let len = take(pos + 1, 4)?;
        let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        take(pos + 5, len)?;
        frames.push(Frame {
            table,
            ipc: bytes.slice(pos + 5..pos + 5 + len),
        });
        pos += 5 + len;
    }
    if pos != bytes.len() {
        return Err(format!("{} bytes after the last frame", bytes.len() - pos));
    }
    Ok(frames)
}

/// Decodes every frame of a list.
pub fn decode_frames(frames: &[Frame]) -> Result<Vec<(Table, RecordBatch)>, String> {
    let mut out = Vec::with_capacity(frames.len());
    for frame in frames {
        for batch in frame.decode()? {
            out.push((frame.table, batch));
        }
    }
    Ok(out)
}
