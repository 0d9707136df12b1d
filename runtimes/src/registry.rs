//! The known runtimes by name.

use crate::claude_code::ClaudeCode;
use crate::codex::Codex;
use crate::command::Command;
use crate::error::RuntimeError;
use crate::gemini_cli::GeminiCli;
use crate::hermes::Hermes;
use crate::opencode::Opencode;
use crate::runtime::Runtime;

static ALL: [&dyn Runtime; 6] = [
    &ClaudeCode,
    &Codex,
    &GeminiCli,
    &Opencode,
    &Hermes,
    &Command,
];

/// Every runtime, in documentation order.
pub fn all() -> &'static [&'static dyn Runtime] {
    &ALL
}

/// The runtime called `name` (as written in a runbook's `agent:`).
pub fn runtime(name: &str) -> Option<&'static dyn Runtime> {
    ALL.iter().copied().find(|r| r.name() == name)
}

/// Like [`runtime`], with an error that lists the known names.
pub fn require_runtime(name: &str) -> Result<&'static dyn Runtime, RuntimeError> {
    runtime(name).ok_or_else(|| RuntimeError::UnknownRuntime {
        name: name.to_owned(),
        known: ALL.iter().map(|r| r.name()).collect::<Vec<_>>().join(", "),
    })
}
