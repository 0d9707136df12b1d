//! A checked file's encoded blocks, kept in an unnamed temporary file between the check
//! pass and the write pass, so the file is parsed once and memory stays bounded.
//!
//! Each block is a frame list ([`crate::frames`]); the index (where each block lies, the
//! last line and input bytes it covers) stays in memory. The file has no name: it goes
//! away when the spill is dropped or the process dies.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use bytes::Bytes;

use crate::IngestError;
use crate::frames::{Frame, frames_len, read_frames, write_frames};

/// What one spilled block covers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SpillBlock {
    offset: u64,
    len: usize,
    /// Last line number of the block.
    pub last_line: u64,
    /// Input bytes consumed up to the end of the block.
    pub bytes: u64,
    /// Records in the block.
    pub records: usize,
}

/// The spilled blocks of one file.
#[derive(Debug)]
pub(crate) struct Spill {
    file: File,
    dir: PathBuf,
    len: u64,
    blocks: Vec<SpillBlock>,
}

impl Spill {
    /// An empty spill in the temporary directory (`TMPDIR`).
    pub fn new() -> Result<Spill, IngestError> {
        let dir = std::env::temp_dir();
        let file = tempfile::tempfile_in(&dir)
            .map_err(|e| IngestError::io("creating a spill file in", &dir, e))?;
        Ok(Spill {
            file,
            dir,
            len: 0,
            blocks: Vec::new(),
        })
    }

    /// Appends one block.
    pub fn push(
        &mut self,
        frames: &[Frame],
        last_line: u64,
        bytes: u64,
        records: usize,
    ) -> Result<(), IngestError> {
        let mut out = Vec::with_capacity(frames_len(frames));
        write_frames(&mut out, frames)?;
        self.file
            .write_all(&out)
            .map_err(|e| IngestError::io("writing a spill file in", &self.dir, e))?;
        self.blocks.push(SpillBlock {
            offset: self.len,
            len: out.len(),
            last_line,
            bytes,
            records,
        });
        self.len += out.len() as u64;
        Ok(())
    }

    /// The blocks, in input order.
    pub fn blocks(&self) -> &[SpillBlock] {
        &self.blocks
    }

    /// Reads one block's frames back.
    pub fn read(&mut self, block: &SpillBlock) -> Result<Vec<Frame>, IngestError> {
        let err = |e| IngestError::io("reading a spill file in", self.dir.clone(), e);
        self.file.seek(SeekFrom::Start(block.offset)).map_err(err)?;
        let mut bytes = vec![0; block.len];
        self.file.read_exact(&mut bytes).map_err(err)?;
        read_frames(&Bytes::from(bytes)).map_err(|message| {
            IngestError::Task(format!("spill file in {:?}: {message}", self.dir))
        })
    }
}
