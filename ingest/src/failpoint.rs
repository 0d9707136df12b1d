//! Crash points for the crash-safety tests.
//!
//! `WHARF_FAILPOINT=name` (or `name@N` for the N-th time the point is reached) makes the
//! process abort at that point, as a `kill -9` would stop it there. Unset, a failpoint is
//! one atomic load.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

static TARGET: OnceLock<Option<(String, u64)>> = OnceLock::new();
static HITS: AtomicU64 = AtomicU64::new(0);

fn target() -> &'static Option<(String, u64)> {
    TARGET.get_or_init(|| {
        let raw = std::env::var("WHARF_FAILPOINT").ok()?;
        match raw.split_once('@') {
            Some((name, n)) => Some((name.to_string(), n.parse().unwrap_or(1))),
            None => Some((raw, 1)),
        }
    })
}

/// Aborts the process if `WHARF_FAILPOINT` names this point (and its hit count is reached).
pub fn hit(name: &str) {
    if let Some((want, nth)) = target()
        && want == name
        && HITS.fetch_add(1, Ordering::SeqCst) + 1 == *nth
    {
        std::process::abort();
    }
}
