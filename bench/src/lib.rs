//! Benchmarks for wharf: data generation shaped like real agent runs, peak-memory reading,
//! the dashboard queries, and the ingest and query benchmarks (binaries under `src/bin/`).

pub mod queries;
pub mod rss;
pub mod synth;
