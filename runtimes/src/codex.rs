//! codex: `codex exec --json`, OpenAI Responses through a custom `model_providers` entry.
//!
//! Stream: `thread.started` (opens the session), `turn.started`, `item.started` /
//! `item.updated` / `item.completed` (agent_message, reasoning, command_execution,
//! file_change, mcp_tool_call, web_search, todo_list, error), `turn.completed` (usage),
//! `turn.failed`, `error`. No timestamps and no cost.

use serde_json::{Map, Value, json};
use wharf_model::{EventKind, LlmApi, ToolKind};

use crate::error::RuntimeError;
use crate::event::AgentEvent;
use crate::install::{InstallSpec, Registry};
use crate::invocation::{
    Invocation, InvocationFile, InvocationInput, Stdin, TOKEN_ENV, base_env, join, quoted,
};
use crate::json::{as_text, count_of, exit_code_of, object_at, str_of, text_of};
use crate::parse::{Session, StreamParser, attach_raw, clean_line, json_object};
use crate::runtime::{Runtime, launcher};
use crate::tools::{ToolTracker, normalize_status};

/// codex, npm `@openai/codex`.
#[derive(Debug, Clone, Copy)]
pub struct Codex;

const SPEC: InstallSpec = InstallSpec {
    registry: Registry::Npm,
    package: "@openai/codex",
    version: "0.169.0",
    executable: "node_modules/.bin/codex",
    interpreter: None,
};

/// The provider id in `config.toml`.
const PROVIDER: &str = "wharf";

impl Runtime for Codex {
    fn name(&self) -> &'static str {
        "codex"
    }

    fn install_spec(&self) -> Option<InstallSpec> {
        Some(SPEC)
    }

    fn wire_api(&self) -> Option<LlmApi> {
        Some(LlmApi::Responses)
    }

    fn invocation(&self, input: &InvocationInput) -> Result<Invocation, RuntimeError> {
        input.validate()?;
        let model = input.require_model(self.name())?;
        let codex_home = join(&input.home, ".codex");
        let mut argv = launcher(&SPEC, self.name(), &input.tools_dir);
        argv.extend(
            [
                "exec",
                "--json",
                "--skip-git-repo-check",
                "--dangerously-bypass-approvals-and-sandbox",
            ]
            .map(str::to_owned),
        );
        if input.resume {
            argv.extend(["resume".to_owned(), "--last".to_owned()]);
        }
        argv.push(input.prompt());

        let mut env = base_env(input);
        env.push(("CODEX_HOME".to_owned(), codex_home.clone()));
        env.push((TOKEN_ENV.to_owned(), input.token.clone()));

        Ok(Invocation {
            argv,
            env,
            files: vec![InvocationFile {
                path: join(&codex_home, "config.toml"),
                content: config_toml(model, &format!("{}/v1", input.gateway())),
            }],
            stdin: Stdin::Closed,
            workdir: input.workdir.clone(),
            post_run: Vec::new(),
            output_files: Vec::new(),
        })
    }

    fn parser(&self) -> Box<dyn StreamParser> {
        Box::new(CodexParser::default())
    }
}

/// `$CODEX_HOME/config.toml`: the gateway as the only provider, Responses wire API, the
/// token read from [`TOKEN_ENV`], no update check, no analytics (as verified in
/// `docs/agent-invocation.md`).
fn config_toml(model: &str, base_url: &str) -> String {
    format!(
        "# written by wharf for one run\n\
         model = {model}\n\
         model_provider = {provider}\n\
         check_for_update_on_startup = false\n\
         \n\
         [model_providers.{PROVIDER}]\n\
         name = \"wharf gateway\"\n\
         base_url = {base_url}\n\
         env_key = {env_key}\n\
         wire_api = \"responses\"\n\
         \n\
         [analytics]\n\
         enabled = false\n",
        model = quoted(model),
        provider = quoted(PROVIDER),
        base_url = quoted(base_url),
        env_key = quoted(TOKEN_ENV),
    )
}

/// Parser of `codex exec --json` output.
#[derive(Debug, Default)]
pub struct CodexParser {
    tools: ToolTracker,
    session: Session,
    /// How the last turn ended (`completed`, `failed`), `incomplete` while one runs.
    last_turn: Option<&'static str>,
}

impl StreamParser for CodexParser {
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent> {
        let Some(line) = clean_line(line) else {
            return Vec::new();
        };
        let Some(obj) = json_object(line) else {
            return vec![AgentEvent::log(line)];
        };
        let events = match obj.get("type").and_then(Value::as_str) {
            Some("thread.started") => match self.session.start() {
                Some(mut start) => {
                    start.input = Some(json!({ "session_id": obj.get("thread_id") }));
                    vec![start]
                }
                None => vec![turn_status("thread.started")],
            },
            Some(t @ "turn.started") => {
                self.last_turn = Some("incomplete");
                vec![turn_status(t)]
            }
            Some("turn.completed") => {
                self.last_turn = Some("completed");
                object_at(&obj, "usage").map(usage).into_iter().collect()
            }
            Some("turn.failed") => {
                self.last_turn = Some("failed");
                let mut error = AgentEvent::new(EventKind::Error);
                error.name = Some("turn.failed".to_owned());
                error.text = object_at(&obj, "error").and_then(|e| text_of(e, "message"));
                vec![error]
            }
            Some("error") => {
                let mut error = AgentEvent::new(EventKind::Error);
                error.text = text_of(&obj, "message");
                vec![error]
            }
            Some(phase @ ("item.started" | "item.updated" | "item.completed")) => {
                match object_at(&obj, "item") {
                    Some(item) => self.item(phase, item),
                    None => Vec::new(),
                }
            }
            _ => Vec::new(),
        };
        attach_raw(events, line)
    }

    fn finish(&mut self) -> Vec<AgentEvent> {
        // `codex exec` has no end line: the session ends as its last turn did.
        self.session
            .finish(self.last_turn.unwrap_or("incomplete"))
            .into_iter()
            .collect()
    }
}

fn turn_status(name: &str) -> AgentEvent {
    let mut event = AgentEvent::new(EventKind::Status);
    event.name = Some("turn".to_owned());
    event.status = Some(name.to_owned());
    event
}

/// Responses usage: `input_tokens` already counts cached ones.
fn usage(usage: &Map<String, Value>) -> AgentEvent {
    let mut event = AgentEvent::new(EventKind::Usage);
    event.input_tokens = count_of(usage, "input_tokens");
    event.output_tokens = count_of(usage, "output_tokens");
    event.cache_read_tokens = count_of(usage, "cached_input_tokens");
    event.cache_write_tokens = count_of(usage, "cache_write_input_tokens");
    event
}

/// A tool item's name, class and input.
fn tool_of(item_type: &str, item: &Map<String, Value>) -> Option<(String, ToolKind, Value)> {
    Some(match item_type {
        "command_execution" => (
            item_type.to_owned(),
            ToolKind::Shell,
            json!({ "command": item.get("command") }),
        ),
        "file_change" => (
            item_type.to_owned(),
            ToolKind::Edit,
            json!({ "changes": item.get("changes") }),
        ),
        "mcp_tool_call" => {
            let server = str_of(item, "server").unwrap_or_default();
            let tool = str_of(item, "tool").unwrap_or_default();
            let input = item.get("arguments").cloned().unwrap_or(Value::Null);
            (format!("mcp__{server}__{tool}"), ToolKind::Mcp, input)
        }
        "web_search" => (
            item_type.to_owned(),
            ToolKind::Web,
            json!({ "query": item.get("query") }),
        ),
        _ => return None,
    })
}

impl CodexParser {
    fn item(&mut self, phase: &str, item: &Map<String, Value>) -> Vec<AgentEvent> {
        let id = str_of(item, "id");
        let item_type = item.get("type").and_then(Value::as_str).unwrap_or_default();
        let completed = phase == "item.completed";
        match item_type {
            "agent_message" if completed => {
                let mut event = AgentEvent::new(EventKind::AssistantMessage);
                event.role = Some("assistant".to_owned());
                event.text = str_of(item, "text");
                vec![event]
            }
            "reasoning" if completed => {
                let mut event = AgentEvent::new(EventKind::Reasoning);
                event.role = Some("assistant".to_owned());
                event.text = str_of(item, "text");
                vec![event]
            }
            "error" => {
                let mut event = AgentEvent::new(EventKind::Error);
                event.text = str_of(item, "message");
                vec![event]
            }
            "todo_list" => {
                let mut event = AgentEvent::new(EventKind::ToolCall);
                event.role = Some("assistant".to_owned());
                event.name = Some(item_type.to_owned());
                event.tool_kind = Some(ToolKind::Todo);
                event.call_id = id;
                event.input = Some(json!({ "items": item.get("items") }));
                event.status = Some(phase.trim_start_matches("item.").to_owned());
                vec![event]
            }
            _ => {
                let Some((name, kind, input)) = tool_of(item_type, item) else {
                    return Vec::new();
                };
                let mut events = Vec::new();
                let open = id.as_deref().is_some_and(|id| self.tools.is_open(id));
                if !open && (phase == "item.started" || completed) {
                    let mut call = AgentEvent::new(EventKind::ToolCall);
                    call.role = Some("assistant".to_owned());
                    call.call_id = id.clone();
                    call.name = Some(name.clone());
                    call.tool_kind = Some(kind);
                    call.input = Some(input);
                    self.tools.call(&call);
                    events.push(call);
                }
                if completed {
                    let mut result = AgentEvent::new(EventKind::ToolResult);
                    result.role = Some("tool".to_owned());
                    result.call_id = id;
                    result.name = Some(name);
                    result.tool_kind = Some(kind);
                    result.exit_code = exit_code_of(item, "exit_code");
                    result.status = str_of(item, "status").map(|s| normalize_status(&s));
                    result.output_text = tool_output(item_type, item);
                    self.tools.result(&mut result);
                    events.push(result);
                }
                events
            }
        }
    }
}

fn tool_output(item_type: &str, item: &Map<String, Value>) -> Option<String> {
    match item_type {
        "command_execution" => str_of(item, "aggregated_output"),
        "mcp_tool_call" => {
            if let Some(error) = item.get("error").filter(|e| !e.is_null()) {
                return Some(match error.get("message").and_then(Value::as_str) {
                    Some(message) => message.to_owned(),
                    None => as_text(error),
                });
            }
            let result = item.get("result").filter(|r| !r.is_null())?;
            let texts: Vec<&str> = result
                .get("content")
                .and_then(Value::as_array)
                .map(|blocks| {
                    blocks
                        .iter()
                        .filter_map(|b| b.get("text")?.as_str())
                        .collect()
                })
                .unwrap_or_default();
            Some(if texts.is_empty() {
                as_text(result)
            } else {
                texts.join("\n")
            })
        }
        _ => None,
    }
}
