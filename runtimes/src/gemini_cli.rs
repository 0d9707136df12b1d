//! gemini-cli: `gemini -p ... --output-format stream-json`, Gemini `streamGenerateContent`.
//!
//! Stream: `init` (opens the session), `message` (user, or assistant text in `delta`
//! chunks, merged here into one message), `tool_use`, `tool_result`, `error`, and a final
//! `result` with the session's stats. Every line has an RFC 3339 timestamp.

use serde_json::{Map, Value, json};
use wharf_model::{EventKind, LlmApi};

use crate::error::RuntimeError;
use crate::event::AgentEvent;
use crate::install::{InstallSpec, Registry};
use crate::invocation::{
    Invocation, InvocationFile, InvocationInput, Stdin, base_env, join, pretty,
};
use crate::json::{count_of, millis_of, object_at, str_of, text_of, ts_rfc3339};
use crate::parse::{Session, StreamParser, attach_raw, clean_line, json_object};
use crate::runtime::{Runtime, launcher};
use crate::tools::{ToolTracker, normalize_status, tool_kind};

/// gemini-cli, npm `@google/gemini-cli`.
#[derive(Debug, Clone, Copy)]
pub struct GeminiCli;

const SPEC: InstallSpec = InstallSpec {
    registry: Registry::Npm,
    package: "@google/gemini-cli",
    version: "0.61.0",
    executable: "node_modules/.bin/gemini",
    interpreter: None,
};

impl Runtime for GeminiCli {
    fn name(&self) -> &'static str {
        "gemini-cli"
    }

    fn install_spec(&self) -> Option<InstallSpec> {
        Some(SPEC)
    }

    fn wire_api(&self) -> Option<LlmApi> {
        Some(LlmApi::Gemini)
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
                "--approval-mode",
                "yolo",
            ]
            .map(str::to_owned),
        );
        if let Some(model) = input.model_name() {
            argv.extend(["-m".to_owned(), model.to_owned()]);
        }
        if input.resume {
            argv.extend(["--resume".to_owned(), "latest".to_owned()]);
        }

        let mut env = base_env(input);
        for (k, v) in [
            ("GEMINI_API_KEY", input.token.as_str()),
            ("GOOGLE_GEMINI_BASE_URL", input.gateway()),
            ("GEMINI_SANDBOX", "false"),
            ("GEMINI_CLI_HOME", input.home.as_str()),
            // Without it the workdir is untrusted, yolo falls back to `default`, exit 55.
            ("GEMINI_CLI_TRUST_WORKSPACE", "true"),
        ] {
            env.push((k.to_owned(), v.to_owned()));
        }

        let settings = json!({
            "security": { "auth": { "selectedType": "gemini-api-key" } },
            "general": { "disableAutoUpdate": true, "disableUpdateNag": true },
            "privacy": { "usageStatisticsEnabled": false },
            "telemetry": { "enabled": false },
        });
        Ok(Invocation {
            argv,
            env,
            files: vec![InvocationFile {
                path: join(&input.home, ".gemini/settings.json"),
                content: pretty(&settings),
            }],
            stdin: Stdin::Closed,
            workdir: input.workdir.clone(),
            post_run: Vec::new(),
            output_files: Vec::new(),
        })
    }

    fn parser(&self) -> Box<dyn StreamParser> {
        Box::new(GeminiCliParser::default())
    }
}

/// Parser of gemini-cli's `stream-json` output.
#[derive(Debug, Default)]
pub struct GeminiCliParser {
    tools: ToolTracker,
    session: Session,
    model: Option<String>,
    /// Assistant text chunks not yet emitted, with their lines.
    pending: Option<(AgentEvent, Vec<String>)>,
}

impl StreamParser for GeminiCliParser {
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent> {
        let Some(line) = clean_line(line) else {
            return Vec::new();
        };
        let obj = json_object(line);
        if let Some(obj) = &obj
            && obj.get("type").and_then(Value::as_str) == Some("message")
            && obj.get("role").and_then(Value::as_str) == Some("assistant")
            && obj.get("delta").and_then(Value::as_bool) == Some(true)
            && let Some(chunk) = obj.get("content").and_then(Value::as_str)
        {
            self.buffer_delta(chunk, ts_rfc3339(obj, "timestamp"), line);
            return Vec::new();
        }
        let mut events = self.flush();
        let Some(obj) = obj else {
            events.push(AgentEvent::log(line));
            return events;
        };
        events.extend(attach_raw(self.line_events(&obj), line));
        events
    }

    fn finish(&mut self) -> Vec<AgentEvent> {
        let mut events = self.flush();
        events.extend(self.session.finish("incomplete"));
        events
    }
}

impl GeminiCliParser {
    fn buffer_delta(&mut self, chunk: &str, ts: Option<chrono::DateTime<chrono::Utc>>, line: &str) {
        match &mut self.pending {
            Some((event, lines)) => {
                event.text.get_or_insert_with(String::new).push_str(chunk);
                lines.push(line.to_owned());
            }
            None => {
                let mut event = AgentEvent::new(EventKind::AssistantMessage);
                event.role = Some("assistant".to_owned());
                event.text = Some(chunk.to_owned());
                event.model = self.model.clone();
                event.ts = ts;
                self.pending = Some((event, vec![line.to_owned()]));
            }
        }
    }

    /// The merged assistant message, its raw being the chunk lines joined by newlines.
    fn flush(&mut self) -> Vec<AgentEvent> {
        match self.pending.take() {
            Some((mut event, lines)) => {
                event.raw = Some(lines.join("\n"));
                vec![event]
            }
            None => Vec::new(),
        }
    }

    fn line_events(&mut self, obj: &Map<String, Value>) -> Vec<AgentEvent> {
        let ts = ts_rfc3339(obj, "timestamp");
        let mut events = Vec::new();
        match obj.get("type").and_then(Value::as_str) {
            Some("init") => {
                self.model = text_of(obj, "model").or(self.model.take());
                let mut event = self.session.start().unwrap_or_else(|| {
                    let mut status = AgentEvent::new(EventKind::Status);
                    status.status = Some("init".to_owned());
                    status
                });
                event.model = self.model.clone();
                event.input = Some(json!({ "session_id": obj.get("session_id") }));
                events.push(event);
            }
            Some("message") => {
                let role = str_of(obj, "role");
                let kind = match role.as_deref() {
                    Some("user") => EventKind::UserMessage,
                    Some("assistant") => EventKind::AssistantMessage,
                    _ => return events,
                };
                let mut event = AgentEvent::new(kind);
                event.role = role;
                event.text = str_of(obj, "content");
                if kind == EventKind::AssistantMessage {
                    event.model = self.model.clone();
                }
                events.push(event);
            }
            Some("tool_use") => {
                let mut event = AgentEvent::new(EventKind::ToolCall);
                event.role = Some("assistant".to_owned());
                event.name = str_of(obj, "tool_name");
                event.tool_kind = event.name.as_deref().map(tool_kind);
                event.call_id = str_of(obj, "tool_id");
                event.input = obj.get("parameters").cloned();
                event.model = self.model.clone();
                event.ts = ts;
                self.tools.call(&event);
                events.push(event);
            }
            Some("tool_result") => {
                let mut event = AgentEvent::new(EventKind::ToolResult);
                event.role = Some("tool".to_owned());
                event.call_id = str_of(obj, "tool_id");
                event.status = str_of(obj, "status").map(|s| normalize_status(&s));
                event.output_text = str_of(obj, "output")
                    .or_else(|| object_at(obj, "error").and_then(|e| str_of(e, "message")));
                event.ts = ts;
                self.tools.result(&mut event);
                events.push(event);
            }
            Some("error") => {
                let mut event = AgentEvent::new(EventKind::Error);
                event.text = str_of(obj, "message");
                event.status = str_of(obj, "severity");
                events.push(event);
            }
            Some("result") => {
                let status = str_of(obj, "status");
                if let Some(stats) = object_at(obj, "stats") {
                    let mut usage = AgentEvent::new(EventKind::Usage);
                    usage.input_tokens = count_of(stats, "input_tokens");
                    usage.output_tokens = count_of(stats, "output_tokens");
                    usage.cache_read_tokens = count_of(stats, "cached");
                    usage.model = object_at(stats, "models")
                        .filter(|m| m.len() == 1)
                        .and_then(|m| m.keys().next().cloned())
                        .or_else(|| self.model.clone());
                    events.push(usage);
                }
                if let Some(error) = object_at(obj, "error") {
                    let mut event = AgentEvent::new(EventKind::Error);
                    event.text = str_of(error, "message");
                    event.status = str_of(error, "type");
                    events.push(event);
                }
                let mut end = self.session.end();
                end.status = status;
                end.duration_ms = object_at(obj, "stats").and_then(|s| millis_of(s, "duration_ms"));
                events.push(end);
            }
            _ => {}
        }
        for event in &mut events {
            if event.ts.is_none() {
                event.ts = ts;
            }
        }
        events
    }
}
