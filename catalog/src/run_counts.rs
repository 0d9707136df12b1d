//! Runs by status, for metrics.

use wharf_model::QueueStatus;

use crate::error::db;
use crate::row::col;
use crate::runs::status_of;
use crate::{Catalog, CatalogError};

impl Catalog {
    /// How many runs have each status (every collection).
    pub async fn run_counts(&self) -> Result<Vec<(QueueStatus, i64)>, CatalogError> {
        let rows =
            sqlx::query("SELECT status, COUNT(*) AS n FROM runs GROUP BY status ORDER BY status")
                .fetch_all(&self.pool)
                .await
                .map_err(db("counting runs by status"))?;
        let mut out = Vec::new();
        for row in &rows {
            out.push((status_of(row)?, col(row, "n")?));
        }
        Ok(out)
    }
}
