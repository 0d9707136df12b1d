//! Benchmarks for wharf: data generation shaped like real agent runs, peak-memory reading,
//! the dashboard queries, and the ingest and query benchmarks (binaries under `src/bin/`).

/// The benchmarks measure with the allocator the `wharf` binary ships (see `wharf_cli`).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

pub mod queries;
pub mod rss;
pub mod synth;
