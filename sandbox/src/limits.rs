//! Resource limits of one sandbox.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Bounds on what the processes of one sandbox may use. `None` = unlimited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// CPU seconds per process (RLIMIT_CPU) and, with cgroups, for the whole tree.
    pub cpu_seconds: Option<u64>,
    /// Memory of the whole tree (cgroup), else address space per process.
    pub memory_bytes: Option<u64>,
    /// Processes/threads of the whole tree (cgroup `pids.max`), else RLIMIT_NPROC.
    pub max_pids: Option<u64>,
    /// Largest file a process may write (RLIMIT_FSIZE).
    pub max_file_bytes: Option<u64>,
    /// Open files per process (RLIMIT_NOFILE).
    pub max_open_files: Option<u64>,
    /// Wall clock per command; at the deadline the whole tree is killed.
    #[serde(with = "secs_opt")]
    pub wall_timeout: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cpu_seconds: Some(3600),
            memory_bytes: Some(4 << 30),
            max_pids: Some(512),
            max_file_bytes: Some(1 << 30),
            max_open_files: Some(4096),
            wall_timeout: Some(Duration::from_secs(1800)),
        }
    }
}

mod secs_opt {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.serialize_some(&d.as_secs_f64()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let secs = Option::<f64>::deserialize(d)?;
        match secs {
            Some(s) if s.is_finite() && s > 0.0 => Ok(Some(Duration::from_secs_f64(s))),
            Some(s) => Err(serde::de::Error::custom(format!(
                "wall_timeout must be a positive number of seconds, got {s}"
            ))),
            None => Ok(None),
        }
    }
}
