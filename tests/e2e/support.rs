//! Driving the `wharf` binary built for these tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `wharf` command line of this build (the test package's copy of the binary).
pub fn wharf_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_wharf-e2e"))
}

/// A `wharf` command with a clean environment pointing at `root`.
pub fn wharf(root: &Path) -> Command {
    let mut cmd = Command::new(wharf_bin());
    cmd.env_remove("WHARF_CONFIG")
        .env("WHARF__STORAGE__ROOT", root)
        .env("WHARF_LOG", "warn");
    cmd
}

/// stdout of a finished command as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// stderr of a finished command as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `wharf sql --format json` and parses the rows.
pub fn sql_json(root: &Path, sql: &str) -> Vec<serde_json::Value> {
    let out = wharf(root)
        .args(["sql", "--format", "json", sql])
        .output()
        .expect("run wharf sql");
    assert!(out.status.success(), "wharf sql failed: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("json output")
}
