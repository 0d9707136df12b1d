//! The sample trajectories bundled with the binary (`examples/trajectories/`), used by
//! `wharf demo`. They were produced by `wharf-bench gen` from the shapes of real agent CLI
//! streams and are checked in so the demo works offline.

/// `(file name, contents)` of each bundled sample.
pub const SAMPLES: &[(&str, &str)] = &[(
    "sample-runs.jsonl",
    include_str!("../../examples/trajectories/sample-runs.jsonl"),
)];
