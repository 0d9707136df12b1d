//! mock-llm: a scripted model server standing in for paid model providers in
//! tests and the offline demo (see ARCHITECTURE.md, "Tests that use real parts").
//!
//! It speaks OpenAI Chat Completions, OpenAI Responses, Anthropic Messages and
//! Gemini, streaming and not, the way the real providers shape them, so the
//! real agent CLIs (claude-code, codex, gemini-cli, opencode, hermes) run
//! against it unchanged. A [`Script`] lists the replies; which one answers is
//! derived from each request alone (`turns`), and portable actions such as
//! `shell:` are mapped onto whatever tool the agent declares (`tools`).
//!
//! Layout: `script` (format) -> `conversation` (request view per API) ->
//! `turns` (selection) + `tools` (action mapping) -> `reply` -> one encoder per
//! API (`chat`, `responses`, `anthropic`, `gemini`, over `sse`) -> `server`.

mod anthropic;
mod chat;
mod conversation;
mod error;
mod gemini;
mod json_default;
mod limits;
mod native_error;
mod record;
mod reply;
mod responses;
mod script;
mod server;
mod sse;
mod tools;
mod turns;

pub use conversation::{Api, Conversation, ToolDecl, ToolKind};
pub use error::MockError;
pub use limits::{ErrorCounts, RateLimiter};
pub use record::RecordedRequest;
pub use reply::{Call, CallInput, Reply};
pub use script::{
    Action, Match, Options, RateLimit, Script, ScriptedError, ToolCall, Toolless, Turn, Usage,
    WriteFile,
};
pub use server::MockServer;
pub use tools::{find_shell_tool, heredoc, resolve as resolve_action};
pub use turns::{Choice, choose, respond, respond_counting};

/// Builds the request view of a JSON body the way the server does, for
/// testing selection and mapping without HTTP. `path` picks the API.
pub fn conversation_for(path: &str, body: &serde_json::Value) -> Option<Conversation> {
    if let Some(t) = gemini::target(path) {
        return Some(gemini::conversation(path, &t, body));
    }
    if path.ends_with("/chat/completions") {
        Some(chat::conversation(path, body))
    } else if path.ends_with("/responses") {
        Some(responses::conversation(path, body))
    } else if path.ends_with("/messages") {
        Some(anthropic::conversation(path, body))
    } else {
        None
    }
}

/// The script `wharf serve` answers with when no model provider is configured (offline
/// mode): one shell step writes `/app/results/report.md`, then a final text.
pub const OFFLINE_SCRIPT: &str = include_str!("../scripts/write-report.yaml");
