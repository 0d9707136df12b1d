//! Query settings.

use std::collections::BTreeMap;

use serde::Deserialize;

/// Limits of a query session.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct QueryConfig {
    /// Memory a query may use before it spills or fails.
    pub memory_limit_bytes: u64,
    /// Rows per batch during execution.
    pub batch_size: usize,
    /// DataFusion settings applied to every session over wharf's own, e.g.
    /// `"datafusion.execution.target_partitions" = "4"`. Operator configuration only: SQL
    /// cannot change settings.
    pub datafusion: BTreeMap<String, String>,
}

impl Default for QueryConfig {
    fn default() -> Self {
        QueryConfig {
            memory_limit_bytes: 4 * 1024 * 1024 * 1024,
            batch_size: 8192,
            datafusion: BTreeMap::new(),
        }
    }
}
