//! Script format: options plus a list of turns, loaded from YAML or JSON
//! (JSON is valid YAML). Parsed strictly, then validated.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::MockError;

/// A validated script. Sequential turns answer the main conversation in order;
/// turns with `match:` answer any request their conditions select.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Script {
    #[serde(default)]
    pub options: Options,
    pub turns: Vec<Turn>,
}

/// Server-wide behaviour.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// When set, every model request must carry this key in its API's header.
    pub api_key: Option<String>,
    /// Models answered with the API's native "model not found" error.
    pub refuse_models: Vec<String>,
    /// Delay before each reply starts.
    pub delay_ms: u64,
    /// Characters per streamed delta.
    pub chunk_size: usize,
    /// Delay between streamed events.
    pub chunk_delay_ms: u64,
    /// Reply to requests no turn answers (side requests, past the last turn).
    pub default_text: String,
    /// Whether requests that declare no tools may consume sequential turns.
    pub toolless: Toolless,
    /// Usage reported when a turn sets none.
    pub usage: Usage,
    /// Model ids the model-list endpoints report.
    pub models: Vec<String>,
    /// Token-bucket limit on model requests; over it, 429 with `retry-after`
    /// and `retry-after-ms` (see [`RateLimit`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
}

/// A token bucket shared by all model requests: `burst` requests at once,
/// refilled at `requests_per_second`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Refill rate (may be fractional: `0.5` is one request every two seconds).
    pub requests_per_second: f64,
    /// Bucket size: requests accepted back to back from a full bucket.
    #[serde(default = "default_burst")]
    pub burst: u32,
}

fn default_burst() -> u32 {
    1
}

impl Default for Options {
    fn default() -> Self {
        Options {
            api_key: None,
            refuse_models: Vec::new(),
            delay_ms: 0,
            chunk_size: 16,
            chunk_delay_ms: 0,
            default_text: "OK.".to_owned(),
            toolless: Toolless::Default,
            usage: Usage::default(),
            models: [
                "mock-model",
                "gpt-5.1-codex",
                "claude-sonnet-4-5",
                "gemini-2.5-flash",
                "gemini-2.5-pro",
            ]
            .map(str::to_owned)
            .to_vec(),
            rate_limit: None,
        }
    }
}

/// How requests without tools are answered when no `match:` turn selects them.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Toolless {
    /// With `options.default_text`; they never consume a turn (agent side requests).
    Default,
    /// Like any other request (plain chat clients without tools).
    Script,
}

/// Token counts. `input_tokens` includes cached and cache-write tokens
/// (OpenAI/Gemini convention); the Anthropic encoder subtracts them.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Usage {
    pub input_tokens: u64,
    pub cached_tokens: u64,
    pub cache_creation_tokens: u64,
    pub output_tokens: u64,
    pub reasoning_tokens: u64,
}

impl Default for Usage {
    fn default() -> Self {
        Usage {
            input_tokens: 1000,
            cached_tokens: 0,
            cache_creation_tokens: 0,
            output_tokens: 50,
            reasoning_tokens: 0,
        }
    }
}

/// One model reply.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    /// Makes this a side turn: answers every request matching all conditions.
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub matches: Option<Match>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Texts answered in turn by successive requests selecting this turn
    /// (cycling; counted per server): different answers to the same request,
    /// e.g. for N-sample judging. Instead of `text`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
    /// Portable shell command, mapped onto the request's shell tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shell: Option<String>,
    /// Portable file write, mapped onto the request's write tool or a shell heredoc.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_file: Option<WriteFile>,
    /// A tool call passed through as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call: Option<ToolCall>,
    /// Several actions in one reply (parallel tool calls), after the single ones above.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<Action>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// Answer with the API's native error instead of a reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ScriptedError>,
}

/// Conditions of a side turn; all given ones must hold (substring matches).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Match {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `true`: only requests declaring tools; `false`: only requests without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_tools: Option<bool>,
}

/// One entry of `actions:`, written `{shell: ..}`, `{write_file: ..}` or
/// `{tool_call: ..}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(try_from = "RawAction", into = "RawAction")]
pub enum Action {
    Shell(String),
    WriteFile(WriteFile),
    ToolCall(ToolCall),
}

/// The map form of an [`Action`] (YAML has no good spelling for enum variants).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct RawAction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shell: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    write_file: Option<WriteFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tool_call: Option<ToolCall>,
}

impl TryFrom<RawAction> for Action {
    type Error = String;

    fn try_from(raw: RawAction) -> Result<Action, String> {
        match (raw.shell, raw.write_file, raw.tool_call) {
            (Some(cmd), None, None) => Ok(Action::Shell(cmd)),
            (None, Some(w), None) => Ok(Action::WriteFile(w)),
            (None, None, Some(c)) => Ok(Action::ToolCall(c)),
            _ => Err("an action has exactly one of shell, write_file, tool_call".into()),
        }
    }
}

impl From<Action> for RawAction {
    fn from(a: Action) -> RawAction {
        match a {
            Action::Shell(cmd) => RawAction {
                shell: Some(cmd),
                ..RawAction::default()
            },
            Action::WriteFile(w) => RawAction {
                write_file: Some(w),
                ..RawAction::default()
            },
            Action::ToolCall(c) => RawAction {
                tool_call: Some(c),
                ..RawAction::default()
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WriteFile {
    pub path: String,
    pub content: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ToolCall {
    pub name: String,
    #[serde(default = "empty_object")]
    pub arguments: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ScriptedError {
    pub status: u16,
    #[serde(default = "default_error_message")]
    pub message: String,
    /// Sent as the `retry-after` header (whole seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Sent as the `retry-after-ms` header (OpenAI's millisecond hint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// Only the first `times` requests selecting the turn get the error; later
    /// ones get the turn's `text`/actions (a transient failure). Counted per
    /// server. Without it the error answers every time and the turn has no reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

fn default_error_message() -> String {
    "scripted error".to_owned()
}

impl Turn {
    /// The turn's actions in reply order.
    pub fn all_actions(&self) -> Vec<Action> {
        let mut out = Vec::new();
        if let Some(cmd) = &self.shell {
            out.push(Action::Shell(cmd.clone()));
        }
        if let Some(w) = &self.write_file {
            out.push(Action::WriteFile(w.clone()));
        }
        if let Some(c) = &self.tool_call {
            out.push(Action::ToolCall(c.clone()));
        }
        out.extend(self.actions.iter().cloned());
        out
    }
}

impl Script {
    pub fn from_yaml_str(s: &str) -> Result<Script, MockError> {
        let script: Script =
            serde_yaml_ng::from_str(s).map_err(|e| MockError::ParseScript(e.to_string()))?;
        script.validate()?;
        Ok(script)
    }

    pub fn from_file(p: &Path) -> Result<Script, MockError> {
        let text = std::fs::read_to_string(p).map_err(|source| MockError::ReadScript {
            path: p.to_path_buf(),
            source,
        })?;
        Script::from_yaml_str(&text)
    }

    /// A script whose sequential turns are the given turns, default options.
    pub fn from_turns(turns: Vec<Turn>) -> Script {
        Script {
            options: Options::default(),
            turns,
        }
    }

    fn validate(&self) -> Result<(), MockError> {
        if let Some(r) = &self.options.rate_limit
            && (!r.requests_per_second.is_finite() || r.requests_per_second <= 0.0 || r.burst == 0)
        {
            return Err(MockError::InvalidScript(
                "options.rate_limit needs requests_per_second > 0 and burst >= 1".into(),
            ));
        }
        if self.options.chunk_size == 0 {
            return Err(MockError::InvalidScript(
                "options.chunk_size must be at least 1".into(),
            ));
        }
        for (i, turn) in self.turns.iter().enumerate() {
            if turn.text.is_some() && !turn.variants.is_empty() {
                return Err(MockError::InvalidScript(format!(
                    "turn {i} has both `text` and `variants`; use one"
                )));
            }
            let has_reply = turn.text.is_some()
                || !turn.variants.is_empty()
                || !turn.all_actions().is_empty()
                || turn.error.is_some();
            if !has_reply {
                return Err(MockError::InvalidScript(format!(
                    "turn {i} has no text, action or error"
                )));
            }
            let has_text =
                turn.text.is_some() || !turn.variants.is_empty() || !turn.all_actions().is_empty();
            match &turn.error {
                Some(e) if e.times.is_none() && has_text => {
                    return Err(MockError::InvalidScript(format!(
                        "turn {i} mixes `error` with a reply (add `error.times` for a transient error)"
                    )));
                }
                Some(e) if e.times.is_some() && !has_text => {
                    return Err(MockError::InvalidScript(format!(
                        "turn {i}: `error.times` needs a text or action to answer after the errors"
                    )));
                }
                Some(e) if e.times == Some(0) => {
                    return Err(MockError::InvalidScript(format!(
                        "turn {i}: `error.times` must be at least 1"
                    )));
                }
                _ => {}
            }
            if let Some(e) = &turn.error
                && !(400..=599).contains(&e.status)
            {
                return Err(MockError::InvalidScript(format!(
                    "turn {i}: error.status must be 400..=599"
                )));
            }
            for action in turn.all_actions() {
                if let Action::ToolCall(c) = action
                    && !c.arguments.is_object()
                {
                    return Err(MockError::InvalidScript(format!(
                        "turn {i}: tool_call `{}` arguments must be an object",
                        c.name
                    )));
                }
            }
            if turn.matches.as_ref() == Some(&Match::default()) {
                return Err(MockError::InvalidScript(format!(
                    "turn {i}: `match` needs at least one condition"
                )));
            }
        }
        Ok(())
    }
}
