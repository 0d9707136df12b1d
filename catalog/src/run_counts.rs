//! Runs by status, for metrics.

use sqlx::Row;

use crate::error::db;
use crate::row::col;
use crate::{Catalog, CatalogError};

impl Catalog {
    /// How many runs have each status (every collection).
    pub async fn run_counts(&self) -> Result<Vec<(String, i64)>, CatalogError> {
        let rows =
            sqlx::query("SELECT status, COUNT(*) AS n FROM runs GROUP BY status ORDER BY status")
                .fetch_all(&self.pool)
                .await
                .map_err(db("counting runs by status"))?;
        let mut out = Vec::new();
        for row in &rows {
            let status: String = row
                .try_get("status")
                .map_err(db("reading run status counts"))?;
            out.push((status, col(row, "n")?));
        }
        Ok(out)
    }
}
