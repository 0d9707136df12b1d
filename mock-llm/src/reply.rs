//! A resolved reply: what every API encoder renders.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use crate::script::Usage;

/// Text and/or tool calls to send back, API-neutral.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub text: String,
    pub calls: Vec<Call>,
    pub usage: Usage,
    pub delay_ms: u64,
}

/// One tool call, already shaped for the tool the request declared.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub input: CallInput,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CallInput {
    /// JSON arguments object.
    Json(Value),
    /// Free-form input of a `custom` tool.
    Text(String),
    /// argv of a Responses `local_shell_call`.
    LocalShell(Vec<String>),
}

impl CallInput {
    /// JSON arguments as the wire carries them in a string.
    pub fn arguments_string(&self) -> String {
        match self {
            CallInput::Json(v) => v.to_string(),
            CallInput::Text(t) => t.clone(),
            CallInput::LocalShell(argv) => serde_json::json!({ "command": argv }).to_string(),
        }
    }

    /// JSON arguments as an object (custom/local shell input wrapped).
    pub fn arguments_value(&self) -> Value {
        match self {
            CallInput::Json(v) => v.clone(),
            CallInput::Text(t) => serde_json::json!({ "input": t }),
            CallInput::LocalShell(argv) => serde_json::json!({ "command": argv }),
        }
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A fresh id with the provider's prefix (`call_`, `toolu_`, `msg_`, ...),
/// unique within the process.
pub fn fresh_id(prefix: &str) -> String {
    let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let pid = u64::from(std::process::id());
    format!("{prefix}mock{pid:06x}{n:012x}")
}

/// Unix seconds now.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Unix milliseconds now.
pub fn unix_now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default()
}

/// Splits text into pieces of at most `size` characters (never empty pieces;
/// no pieces for empty text).
pub fn chunks(text: &str, size: usize) -> Vec<String> {
    let size = size.max(1);
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}
