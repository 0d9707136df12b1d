//! `wharf compact`: merge small files (Delta OPTIMIZE), vacuum removed files, checkpoint.

use std::collections::BTreeMap;
use std::num::NonZeroU64;

use wharf_model::Table;

use crate::{IngestError, Store};

/// Settings of [`Store::compact`]: target file size and vacuum retention.
#[derive(Debug, Clone)]
pub struct CompactOptions {
    /// Target file size after merging.
    pub target_file_bytes: u64,
    /// Files removed longer ago than this are deleted by vacuum.
    pub retention_hours: u64,
}

/// What compaction did, per table.
#[derive(Debug, Default, Clone)]
pub struct CompactReport {
    /// (files removed, files added) by optimize.
    pub optimized: BTreeMap<Table, (u64, u64)>,
    /// Files deleted by vacuum.
    pub vacuumed: BTreeMap<Table, usize>,
}

impl Store {
    /// Flushes, then optimizes, vacuums and checkpoints every table.
    pub async fn compact(&self, opts: &CompactOptions) -> Result<CompactReport, IngestError> {
        self.flush().await?;
        let mut report = CompactReport::default();
        let target = NonZeroU64::new(opts.target_file_bytes.max(1024 * 1024))
            .ok_or_else(|| IngestError::Config("target file size must be > 0".into()))?;
        let retention = chrono::Duration::hours(opts.retention_hours as i64);
        let results = self
            .with_tables(|table, delta| async move {
                let (delta, metrics) = delta
                    .optimize()
                    .with_target_size(target)
                    .await
                    .map_err(IngestError::delta(table))?;
                let (delta, vacuum) = delta
                    .vacuum()
                    .with_retention_period(retention)
                    .with_enforce_retention_duration(false)
                    .await
                    .map_err(IngestError::delta(table))?;
                deltalake::checkpoints::create_checkpoint(&delta, None)
                    .await
                    .map_err(IngestError::delta(table))?;
                let optimized = (metrics.num_files_removed, metrics.num_files_added);
                Ok((delta, (optimized, vacuum.files_deleted.len())))
            })
            .await?;
        for (table, (optimized, vacuumed)) in results {
            report.optimized.insert(table, optimized);
            report.vacuumed.insert(table, vacuumed);
        }
        Ok(report)
    }
}
