//! claude-code: `claude -p ... --output-format stream-json --verbose`, Anthropic Messages.
//!
//! Stream: `system` (`init` opens the session), `assistant` / `user` lines wrapping an
//! Anthropic message (text, thinking, tool_use, tool_result blocks), and a final `result`
//! with the session's usage and cost. Only tool-result lines carry timestamps.

use serde_json::{Map, Value, json};
use wharf_model::{EventKind, LlmApi};

use crate::anthropic::{Message, anthropic_usage, message_events};
use crate::error::RuntimeError;
use crate::event::AgentEvent;
use crate::install::{InstallSpec, Registry};
use crate::invocation::{
    Invocation, InvocationFile, InvocationInput, Stdin, base_env, join, pretty,
};
use crate::json::{cost_of, millis_of, object_at, str_of, text_of, ts_rfc3339};
use crate::parse::{Session, StreamParser, attach_raw, clean_line, json_object};
use crate::runtime::{Runtime, launcher};
use crate::tools::ToolTracker;

/// claude-code, npm `@anthropic-ai/claude-code`.
#[derive(Debug, Clone, Copy)]
pub struct ClaudeCode;

const SPEC: InstallSpec = InstallSpec {
    registry: Registry::Npm,
    package: "@anthropic-ai/claude-code",
    version: "2.1.197",
    executable: "node_modules/.bin/claude",
    interpreter: None,
};

impl Runtime for ClaudeCode {
    fn name(&self) -> &'static str {
        "claude-code"
    }

    fn install_spec(&self) -> Option<InstallSpec> {
        Some(SPEC)
    }

    fn wire_api(&self) -> Option<LlmApi> {
        Some(LlmApi::Messages)
    }

    fn invocation(&self, input: &InvocationInput) -> Result<Invocation, RuntimeError> {
        input.validate()?;
        let mut argv = launcher(&SPEC, self.name(), &input.tools_dir);
        argv.extend(
            [
                "-p",
                &input.prompt(),
                "--output-format",
                "stream-json",
                "--verbose",
                "--dangerously-skip-permissions",
            ]
            .map(str::to_owned),
        );
        if let Some(model) = input.model_name() {
            argv.extend(["--model".to_owned(), model.to_owned()]);
        }
        if input.resume {
            argv.push("--continue".to_owned());
        }

        let mut env = base_env(input);
        let set = |env: &mut Vec<(String, String)>, k: &str, v: &str| {
            env.push((k.to_owned(), v.to_owned()));
        };
        set(&mut env, "IS_SANDBOX", "1");
        set(&mut env, "ANTHROPIC_BASE_URL", input.gateway());
        set(&mut env, "ANTHROPIC_API_KEY", &input.token);
        set(&mut env, "DISABLE_AUTOUPDATER", "1");
        set(&mut env, "DISABLE_TELEMETRY", "1");
        set(&mut env, "DISABLE_ERROR_REPORTING", "1");
        set(&mut env, "DISABLE_BUG_COMMAND", "1");
        set(&mut env, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        // The default (10 retries with backoff) spends minutes on a refused token.
        set(&mut env, "CLAUDE_CODE_MAX_RETRIES", "3");
        if let Some(model) = input.model_name() {
            // Background calls (titles, summaries) use the same model the gateway serves.
            set(&mut env, "ANTHROPIC_SMALL_FAST_MODEL", model);
            set(&mut env, "ANTHROPIC_DEFAULT_HAIKU_MODEL", model);
        }

        let settings = json!({
            "permissions": { "defaultMode": "bypassPermissions" },
            "includeCoAuthoredBy": false,
            "cleanupPeriodDays": 3650,
        });
        Ok(Invocation {
            argv,
            env,
            files: vec![InvocationFile {
                path: join(&input.home, ".claude/settings.json"),
                content: pretty(&settings),
            }],
            stdin: Stdin::Closed,
            workdir: input.workdir.clone(),
            post_run: Vec::new(),
            output_files: Vec::new(),
        })
    }

    fn parser(&self) -> Box<dyn StreamParser> {
        Box::new(ClaudeCodeParser::default())
    }
}

/// Parser of claude-code's `stream-json` output.
#[derive(Debug, Default)]
pub struct ClaudeCodeParser {
    tools: ToolTracker,
    session: Session,
    model: Option<String>,
}

impl StreamParser for ClaudeCodeParser {
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent> {
        let Some(line) = clean_line(line) else {
            return Vec::new();
        };
        let Some(obj) = json_object(line) else {
            return vec![AgentEvent::log(line)];
        };
        let events = match obj.get("type").and_then(Value::as_str) {
            Some("system") => self.system(&obj),
            Some(role @ ("assistant" | "user")) => {
                let ts = ts_rfc3339(&obj, "timestamp");
                let parent = str_of(&obj, "parent_tool_use_id");
                match object_at(&obj, "message") {
                    Some(message) => {
                        if role == "assistant"
                            && let Some(model) = text_of(message, "model")
                        {
                            self.model = Some(model);
                        }
                        let msg = Message {
                            role,
                            ts,
                            parent,
                            default_model: self.model.clone(),
                        };
                        message_events(message, &msg, &mut self.tools)
                    }
                    None => Vec::new(),
                }
            }
            Some("result") => self.result(&obj),
            _ => Vec::new(),
        };
        attach_raw(events, line)
    }

    fn finish(&mut self) -> Vec<AgentEvent> {
        self.session.finish("incomplete").into_iter().collect()
    }
}

impl ClaudeCodeParser {
    fn system(&mut self, obj: &Map<String, Value>) -> Vec<AgentEvent> {
        let subtype = str_of(obj, "subtype");
        if subtype.as_deref() == Some("init") {
            self.model = text_of(obj, "model").or(self.model.take());
            let Some(mut start) = self.session.start() else {
                return vec![status("init", None)];
            };
            start.model = self.model.clone();
            start.input = Some(json!({
                "session_id": obj.get("session_id"),
                "cwd": obj.get("cwd"),
                "version": obj.get("claude_code_version"),
                "permission_mode": obj.get("permissionMode"),
                "tools": obj.get("tools"),
            }));
            return vec![start];
        }
        let text = text_of(obj, "message").or_else(|| text_of(obj, "content"));
        vec![status(subtype.as_deref().unwrap_or("system"), text)]
    }

    fn result(&mut self, obj: &Map<String, Value>) -> Vec<AgentEvent> {
        let mut events = Vec::new();
        let is_error = obj
            .get("is_error")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let subtype = str_of(obj, "subtype");
        let result_text = text_of(obj, "result");

        let single_model = obj
            .get("modelUsage")
            .and_then(Value::as_object)
            .filter(|m| m.len() == 1)
            .and_then(|m| m.keys().next().cloned());
        if let Some(usage) = object_at(obj, "usage") {
            let mut event = anthropic_usage(usage);
            event.cost_usd = cost_of(obj, "total_cost_usd");
            event.model = single_model.or_else(|| self.model.clone());
            events.push(event);
        } else if let Some(cost) = cost_of(obj, "total_cost_usd") {
            let mut event = AgentEvent::new(EventKind::Usage);
            event.cost_usd = Some(cost);
            event.model = self.model.clone();
            events.push(event);
        }
        if is_error {
            let mut error = AgentEvent::new(EventKind::Error);
            error.text = result_text.clone().or_else(|| {
                obj.get("api_error_status")
                    .filter(|v| !v.is_null())
                    .map(crate::json::as_text)
            });
            error.status = subtype.clone();
            events.push(error);
        }
        let mut end = self.session.end();
        end.status = match (&subtype, is_error) {
            (Some(s), true) if s == "success" => Some("error".to_owned()),
            (Some(s), _) => Some(s.clone()),
            (None, true) => Some("error".to_owned()),
            (None, false) => Some("success".to_owned()),
        };
        end.text = result_text;
        end.duration_ms = millis_of(obj, "duration_ms");
        events.push(end);
        events
    }
}

fn status(name: &str, text: Option<String>) -> AgentEvent {
    let mut event = AgentEvent::new(EventKind::Status);
    event.name = Some("system".to_owned());
    event.status = Some(name.to_owned());
    event.text = text;
    event
}
