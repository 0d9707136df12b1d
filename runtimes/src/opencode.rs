//! opencode: `opencode run --format json`, OpenAI chat through an `@ai-sdk/openai-compatible`
//! provider in its config.
//!
//! Stream: one line per finished part: `step_start`, `text`, `reasoning`, `tool_use` (the
//! tool's whole life: input, output, start and end times), `step_finish` (tokens and cost
//! of one model call), `error`. Every line has a Unix-milliseconds timestamp and the
//! session id; there is no explicit start or end line.

use serde_json::{Map, Value, json};
use wharf_model::{EventKind, LlmApi};

use crate::error::RuntimeError;
use crate::event::AgentEvent;
use crate::install::{InstallSpec, Registry};
use crate::invocation::{
    Invocation, InvocationFile, InvocationInput, Stdin, TOKEN_ENV, base_env, join, pretty,
};
use crate::json::{
    as_text, cost_of, count_of, elapsed_ms, exit_code_of, object_at, str_of, text_of, ts_millis,
};
use crate::parse::{Session, StreamParser, attach_raw, clean_line, json_object};
use crate::runtime::{Runtime, launcher};
use crate::tools::{ToolTracker, normalize_status, tool_kind};

/// opencode, npm `opencode-ai`.
#[derive(Debug, Clone, Copy)]
pub struct Opencode;

const SPEC: InstallSpec = InstallSpec {
    registry: Registry::Npm,
    package: "opencode-ai",
    version: "1.18.33",
    executable: "node_modules/.bin/opencode",
    interpreter: None,
};

/// The provider id in `opencode.json` (models are `wharf/<model>`).
const PROVIDER: &str = "wharf";

impl Runtime for Opencode {
    fn name(&self) -> &'static str {
        "opencode"
    }

    fn install_spec(&self) -> Option<InstallSpec> {
        Some(SPEC)
    }

    fn wire_api(&self) -> Option<LlmApi> {
        Some(LlmApi::Chat)
    }

    fn invocation(&self, input: &InvocationInput) -> Result<Invocation, RuntimeError> {
        input.validate()?;
        let model = input.require_model(self.name())?;
        let qualified = format!("{PROVIDER}/{model}");
        let mut argv = launcher(&SPEC, self.name(), &input.tools_dir);
        argv.extend(["run", "--format", "json", "--auto", "-m", &qualified].map(str::to_owned));
        if input.resume {
            argv.push("--continue".to_owned());
        }
        argv.push(input.prompt());

        let config_dir = join(&input.home, ".config");
        let config_path = join(&config_dir, "opencode/opencode.json");
        let mut env = base_env(input);
        for (k, v) in [
            ("XDG_CONFIG_HOME", config_dir.as_str()),
            ("XDG_DATA_HOME", &join(&input.home, ".local/share")),
            ("XDG_STATE_HOME", &join(&input.home, ".local/state")),
            ("XDG_CACHE_HOME", &join(&input.home, ".cache")),
            ("OPENCODE_DISABLE_AUTOUPDATE", "1"),
            ("OPENCODE_DISABLE_MODELS_FETCH", "1"),
            ("OPENCODE_DISABLE_LSP_DOWNLOAD", "1"),
            ("OPENCODE_DISABLE_SHARE", "1"),
            (TOKEN_ENV, &input.token),
        ] {
            env.push((k.to_owned(), v.to_owned()));
        }

        let config = json!({
            "$schema": "https://opencode.ai/config.json",
            "autoupdate": false,
            "share": "disabled",
            "model": qualified,
            "small_model": qualified,
            "provider": {
                PROVIDER: {
                    "npm": "@ai-sdk/openai-compatible",
                    "name": "wharf gateway",
                    "options": {
                        "baseURL": format!("{}/v1", input.gateway()),
                        "apiKey": format!("{{env:{TOKEN_ENV}}}"),
                    },
                    "models": { model: { "name": model, "tool_call": true } },
                }
            },
        });
        Ok(Invocation {
            argv,
            env,
            files: vec![InvocationFile {
                path: config_path,
                content: pretty(&config),
            }],
            stdin: Stdin::Closed,
            workdir: input.workdir.clone(),
            post_run: Vec::new(),
            output_files: Vec::new(),
        })
    }

    fn parser(&self) -> Box<dyn StreamParser> {
        Box::new(OpencodeParser::default())
    }
}

/// Parser of `opencode run --format json` output.
#[derive(Debug, Default)]
pub struct OpencodeParser {
    tools: ToolTracker,
    session: Session,
    /// Whether the last step finished with reason `stop` (the agent's final answer).
    stopped: bool,
}

impl StreamParser for OpencodeParser {
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent> {
        let Some(line) = clean_line(line) else {
            return Vec::new();
        };
        let Some(obj) = json_object(line) else {
            return vec![AgentEvent::log(line)];
        };
        let ts = ts_millis(&obj, "timestamp");
        let part = object_at(&obj, "part");
        let mut events = Vec::new();
        let known = matches!(
            obj.get("type").and_then(Value::as_str),
            Some("step_start" | "text" | "reasoning" | "tool_use" | "step_finish" | "error")
        );
        if known
            && let Some(session_id) = obj.get("sessionID").and_then(Value::as_str)
            && let Some(mut start) = self.session.start()
        {
            start.ts = ts;
            start.input = Some(json!({ "session_id": session_id }));
            events.push(start);
        }
        let line_events = match (obj.get("type").and_then(Value::as_str), part) {
            (Some("step_start"), _) => {
                let mut event = AgentEvent::new(EventKind::Status);
                event.name = Some("step".to_owned());
                event.status = Some("step_start".to_owned());
                vec![event]
            }
            (Some(kind @ ("text" | "reasoning")), Some(part)) => {
                let mut event = AgentEvent::new(if kind == "text" {
                    EventKind::AssistantMessage
                } else {
                    EventKind::Reasoning
                });
                event.role = Some("assistant".to_owned());
                event.text = str_of(part, "text");
                vec![event]
            }
            (Some("tool_use"), Some(part)) => self.tool(part),
            (Some("step_finish"), Some(part)) => {
                self.stopped = part.get("reason").and_then(Value::as_str) == Some("stop");
                vec![usage(part)]
            }
            (Some("error"), _) => {
                self.stopped = false;
                let mut event = AgentEvent::new(EventKind::Error);
                let error = object_at(&obj, "error");
                event.name = error.and_then(|e| str_of(e, "name"));
                event.text = error
                    .and_then(|e| object_at(e, "data"))
                    .and_then(|d| text_of(d, "message"))
                    .or_else(|| obj.get("error").map(as_text));
                vec![event]
            }
            _ => Vec::new(),
        };
        events.extend(line_events);
        for event in &mut events {
            if event.ts.is_none() {
                event.ts = ts;
            }
        }
        attach_raw(events, line)
    }

    fn finish(&mut self) -> Vec<AgentEvent> {
        // No end line: a final `stop` step means the run completed.
        let status = if self.stopped {
            "completed"
        } else {
            "incomplete"
        };
        self.session.finish(status).into_iter().collect()
    }
}

impl OpencodeParser {
    fn tool(&mut self, part: &Map<String, Value>) -> Vec<AgentEvent> {
        let state = object_at(part, "state");
        let status = state.and_then(|s| str_of(s, "status"));
        let time = state.and_then(|s| object_at(s, "time"));
        let start = time.and_then(|t| ts_millis(t, "start"));
        let end = time.and_then(|t| ts_millis(t, "end"));
        let call_id = str_of(part, "callID");
        let name = str_of(part, "tool");
        let kind = name.as_deref().map(tool_kind);

        let mut events = Vec::new();
        if !call_id.as_deref().is_some_and(|id| self.tools.is_open(id)) {
            let mut call = AgentEvent::new(EventKind::ToolCall);
            call.role = Some("assistant".to_owned());
            call.call_id = call_id.clone();
            call.name = name.clone();
            call.tool_kind = kind;
            call.input = state.and_then(|s| s.get("input")).cloned();
            call.ts = start;
            self.tools.call(&call);
            events.push(call);
        }
        if matches!(status.as_deref(), Some("completed" | "error")) {
            let mut result = AgentEvent::new(EventKind::ToolResult);
            result.role = Some("tool".to_owned());
            result.call_id = call_id;
            result.name = name;
            result.tool_kind = kind;
            result.status = status.as_deref().map(normalize_status);
            result.output_text =
                state.and_then(|s| str_of(s, "output").or_else(|| s.get("error").map(as_text)));
            result.exit_code = state
                .and_then(|s| object_at(s, "metadata"))
                .and_then(|m| exit_code_of(m, "exit"));
            result.duration_ms = elapsed_ms(start, end);
            result.ts = end;
            self.tools.result(&mut result);
            events.push(result);
        }
        events
    }
}

/// One model call's tokens and cost. opencode's `input` excludes cached tokens; they are
/// added back so `input_tokens` counts them, and reasoning counts as output.
fn usage(part: &Map<String, Value>) -> AgentEvent {
    let mut event = AgentEvent::new(EventKind::Usage);
    if let Some(tokens) = object_at(part, "tokens") {
        let cache = object_at(tokens, "cache");
        let read = cache.and_then(|c| count_of(c, "read"));
        let write = cache.and_then(|c| count_of(c, "write"));
        event.input_tokens = count_of(tokens, "input").map(|input| {
            input
                .saturating_add(read.unwrap_or(0))
                .saturating_add(write.unwrap_or(0))
        });
        event.output_tokens = count_of(tokens, "output")
            .map(|output| output.saturating_add(count_of(tokens, "reasoning").unwrap_or(0)));
        event.cache_read_tokens = read;
        event.cache_write_tokens = write;
    }
    event.cost_usd = cost_of(part, "cost");
    event.status = str_of(part, "reason");
    event
}
