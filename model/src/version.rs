//! The version of the persisted table schemas.
//!
//! Bump it whenever a column is added; keep the previous golden files in
//! `model/golden/v<N>/` so the backward-compatibility test keeps old data readable.
//! Columns are only ever added (nullable), never renamed, retyped or removed.

/// Version of the six table schemas and the native trajectory format.
pub const SCHEMA_VERSION: u32 = 1;
