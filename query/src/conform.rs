//! Buffered batches cast to their table's schema, so live rows union with Delta data and
//! roll-ups read them the same way.

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

/// Casts and reorders `batch` to `schema`, column by name (buffered rows to the committed
/// table's types; a roll-up's result to its declared types).
pub(crate) fn conform(
    batch: &RecordBatch,
    schema: &SchemaRef,
) -> Result<RecordBatch, arrow::error::ArrowError> {
    let mut columns = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        let column = batch.column_by_name(field.name()).ok_or_else(|| {
            arrow::error::ArrowError::SchemaError(format!("batch lacks column {}", field.name()))
        })?;
        columns.push(arrow::compute::cast(column, field.data_type())?);
    }
    RecordBatch::try_new(schema.clone(), columns)
}
