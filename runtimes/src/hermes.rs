//! hermes: `hermes -z PROMPT --usage-file FILE --yolo` (one-shot, OpenAI chat through a
//! custom provider), then `hermes sessions export FILE` to collect the trajectory.
//!
//! `-z` prints only the final answer (parsed as `log` lines); the trajectory comes from the
//! export (one JSON session per line with its `messages`; the `--format trace` variant is
//! one Anthropic-shaped message per line) and the usage file (one JSON document). `-z`
//! never resumes a session, so a resumed attempt restates the mission with the feedback,
//! and each attempt gets its own `HERMES_HOME` so its export holds only its own session.

use serde_json::{Map, Value, json};
use wharf_model::{EventKind, LlmApi};

use crate::anthropic::{Message, message_events};
use crate::error::RuntimeError;
use crate::event::AgentEvent;
use crate::install::{InstallSpec, Registry};
use crate::invocation::{
    Invocation, InvocationFile, InvocationInput, OutputFile, OutputKind, PostRunCommand, Stdin,
    base_env, join, quoted,
};
use crate::json::{
    as_text, cost_of, count_of, elapsed_ms, exit_code_of, object_at, str_of, text_of, ts_rfc3339,
    ts_secs,
};
use crate::parse::{Session, StreamParser, attach_raw, clean_line, json_object};
use crate::runtime::{Runtime, launcher};
use crate::tools::{ToolTracker, tool_kind};

impl OutputKind {
    /// A fresh parser for this output.
    pub fn parser(self) -> Box<dyn StreamParser> {
        match self {
            Self::HermesSessionExport => Box::new(HermesParser::default()),
            Self::HermesUsageFile => Box::new(UsageFileParser::default()),
        }
    }
}

/// hermes, PyPI `hermes-agent`.
#[derive(Debug, Clone, Copy)]
pub struct Hermes;

const SPEC: InstallSpec = InstallSpec {
    registry: Registry::Pypi,
    package: "hermes-agent",
    version: "0.19.0",
    executable: "bin/hermes",
    interpreter: Some("bin/python3"),
};

impl Runtime for Hermes {
    fn name(&self) -> &'static str {
        "hermes"
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
        let hermes_home = join(&input.home, &format!(".hermes/attempt-{}", input.attempt));
        let usage_file = join(&hermes_home, "wharf-usage.json");
        let export_file = join(&hermes_home, "wharf-export.jsonl");
        let hermes = launcher(&SPEC, self.name(), &input.tools_dir);

        let mut argv = hermes.clone();
        // The prompt must follow `-z` immediately.
        argv.extend(["-z".to_owned(), prompt(input)]);
        argv.extend([
            "--usage-file".to_owned(),
            usage_file.clone(),
            "--yolo".to_owned(),
        ]);

        let mut env = base_env(input);
        env.push(("HERMES_HOME".to_owned(), hermes_home.clone()));

        let mut export = hermes;
        export.extend([
            "sessions".to_owned(),
            "export".to_owned(),
            export_file.clone(),
        ]);
        Ok(Invocation {
            argv,
            env,
            files: vec![InvocationFile {
                path: join(&hermes_home, "config.yaml"),
                content: config_yaml(model, &format!("{}/v1", input.gateway()), &input.token),
            }],
            stdin: Stdin::Closed,
            workdir: input.workdir.clone(),
            post_run: vec![PostRunCommand {
                argv: export,
                stdout: None,
            }],
            output_files: vec![
                OutputFile {
                    path: export_file,
                    kind: OutputKind::HermesSessionExport,
                },
                OutputFile {
                    path: usage_file,
                    kind: OutputKind::HermesUsageFile,
                },
            ],
        })
    }

    fn parser(&self) -> Box<dyn StreamParser> {
        // `-z` stdout is plain text; the same parser also reads export lines if given them.
        Box::new(HermesParser::default())
    }
}

/// `-z` does not resume: a resumed attempt gets the mission again plus the feedback.
fn prompt(input: &InvocationInput) -> String {
    if !input.resume {
        return input.prompt();
    }
    let first = InvocationInput {
        resume: false,
        ..input.clone()
    }
    .prompt();
    let feedback = input.prompt();
    format!("{first}\n\n---\n\nA previous attempt was evaluated and did not pass:\n\n{feedback}")
}

/// `$HERMES_HOME/config.yaml`: the gateway as a custom OpenAI-compatible provider. hermes
/// reads the key only from here (`model.api_key`, sent as a bearer token): it is the run
/// token, in the run's private home.
fn config_yaml(model: &str, base_url: &str, token: &str) -> String {
    format!(
        "# written by wharf for one run\n\
         model:\n  default: {model}\n  provider: \"custom\"\n  base_url: {base_url}\n  \
         api_key: {token}\n",
        model = quoted(model),
        base_url = quoted(base_url),
        token = quoted(token),
    )
}

/// Parser of hermes output: `sessions export` sessions, trace lines, a one-line usage
/// report; anything else (the `-z` answer) becomes `log` lines.
#[derive(Debug, Default)]
pub struct HermesParser {
    tools: ToolTracker,
    session: Session,
    model: Option<String>,
}

impl StreamParser for HermesParser {
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent> {
        let Some(line) = clean_line(line) else {
            return Vec::new();
        };
        let Some(obj) = json_object(line) else {
            return vec![AgentEvent::log(line)];
        };
        let events = if obj.get("messages").is_some_and(Value::is_array) {
            self.export_session(&obj)
        } else if let (Some("user" | "assistant"), Some(message)) = (
            obj.get("type").and_then(Value::as_str),
            object_at(&obj, "message"),
        ) {
            self.trace_line(&obj, message)
        } else if obj.contains_key("api_calls") && obj.contains_key("input_tokens") {
            usage_report(&obj)
        } else {
            Vec::new()
        };
        attach_raw(events, line)
    }

    fn finish(&mut self) -> Vec<AgentEvent> {
        // Trace exports have no end line; the session is over once exported.
        self.session.finish("ended").into_iter().collect()
    }
}

impl HermesParser {
    fn trace_line(
        &mut self,
        obj: &Map<String, Value>,
        message: &Map<String, Value>,
    ) -> Vec<AgentEvent> {
        let ts = ts_rfc3339(obj, "timestamp");
        let mut events = Vec::new();
        if let Some(mut start) = self.session.start() {
            start.ts = ts;
            start.input =
                Some(json!({ "session_id": obj.get("sessionId"), "cwd": obj.get("cwd") }));
            events.push(start);
        }
        let role = obj.get("type").and_then(Value::as_str).unwrap_or("user");
        if let Some(model) = text_of(message, "model") {
            self.model = Some(model);
        }
        let ctx = Message {
            role,
            ts,
            parent: None,
            default_model: self.model.clone(),
        };
        for mut event in message_events(message, &ctx, &mut self.tools) {
            if event.kind == EventKind::ToolResult {
                let content = event.output_text.take();
                tool_output(&mut event, content);
            }
            events.push(event);
        }
        events
    }

    /// One exported session: its start, every message, its end with the session totals.
    fn export_session(&mut self, session: &Map<String, Value>) -> Vec<AgentEvent> {
        // Each exported session is complete: close one still open from trace lines.
        let mut events: Vec<AgentEvent> = self.session.finish("ended").into_iter().collect();
        self.session = Session::default();
        self.model = text_of(session, "model");
        let mut start = self
            .session
            .start()
            .unwrap_or_else(|| AgentEvent::new(EventKind::SessionStart));
        start.ts = ts_secs(session, "started_at");
        start.model = self.model.clone();
        start.input = Some(json!({
            "session_id": session.get("id"),
            "source": session.get("source"),
            "cwd": session.get("cwd"),
            "provider": session.get("billing_provider"),
        }));
        events.push(start);

        let messages = session.get("messages").and_then(Value::as_array);
        for message in messages.into_iter().flatten().filter_map(Value::as_object) {
            events.extend(self.export_message(message));
        }

        let mut end = self.session.end();
        end.ts = ts_secs(session, "ended_at");
        end.status = str_of(session, "end_reason");
        end.model = self.model.clone();
        // Session totals, for reference: the additive `usage` event comes from the usage file.
        end.input_tokens = count_of(session, "input_tokens");
        end.output_tokens = count_of(session, "output_tokens");
        end.cache_read_tokens = count_of(session, "cache_read_tokens");
        end.cache_write_tokens = count_of(session, "cache_write_tokens");
        end.cost_usd = hermes_cost(session);
        end.duration_ms = elapsed_ms(ts_secs(session, "started_at"), end.ts);
        events.push(end);
        events
    }

    fn export_message(&mut self, message: &Map<String, Value>) -> Vec<AgentEvent> {
        let ts = ts_secs(message, "timestamp");
        let role = str_of(message, "role");
        let mut events = Vec::new();
        let content = message.get("content").filter(|c| !c.is_null()).map(as_text);
        match role.as_deref() {
            Some("user") => {
                let mut event = AgentEvent::new(EventKind::UserMessage);
                event.role = role;
                event.text = content;
                events.push(event);
            }
            Some("assistant") => {
                let reasoning =
                    text_of(message, "reasoning").or_else(|| text_of(message, "reasoning_content"));
                if let Some(text) = reasoning {
                    let mut event = AgentEvent::new(EventKind::Reasoning);
                    event.role = Some("assistant".to_owned());
                    event.text = Some(text);
                    events.push(event);
                }
                if let Some(text) = content.filter(|c| !c.is_empty()) {
                    let mut event = AgentEvent::new(EventKind::AssistantMessage);
                    event.role = Some("assistant".to_owned());
                    event.text = Some(text);
                    event.status = str_of(message, "finish_reason");
                    events.push(event);
                }
                let calls = message.get("tool_calls").and_then(Value::as_array);
                for call in calls.into_iter().flatten().filter_map(Value::as_object) {
                    let function = object_at(call, "function");
                    let mut event = AgentEvent::new(EventKind::ToolCall);
                    event.role = Some("assistant".to_owned());
                    event.call_id = str_of(call, "id").or_else(|| str_of(call, "call_id"));
                    event.name = function.and_then(|f| str_of(f, "name"));
                    event.tool_kind = event.name.as_deref().map(tool_kind);
                    event.input = function.and_then(|f| f.get("arguments")).map(arguments);
                    event.ts = ts;
                    self.tools.call(&event);
                    events.push(event);
                }
                for event in &mut events {
                    event.model = self.model.clone();
                }
            }
            Some("tool") => {
                let mut event = AgentEvent::new(EventKind::ToolResult);
                event.role = role;
                event.call_id = str_of(message, "tool_call_id");
                event.name = str_of(message, "tool_name");
                event.tool_kind = event.name.as_deref().map(tool_kind);
                event.ts = ts;
                tool_output(&mut event, content);
                self.tools.result(&mut event);
                events.push(event);
            }
            _ => {
                let mut event = AgentEvent::new(EventKind::Status);
                event.role = role;
                event.name = Some("message".to_owned());
                event.text = content;
                events.push(event);
            }
        }
        for event in &mut events {
            if event.ts.is_none() {
                event.ts = ts;
            }
        }
        events
    }
}

/// Tool arguments: a JSON string is parsed, anything else kept as it is.
fn arguments(value: &Value) -> Value {
    match value {
        Value::String(text) => serde_json::from_str(text).unwrap_or_else(|_| value.clone()),
        other => other.clone(),
    }
}

/// A tool message's content: hermes tools answer `{"output", "exit_code", "error"}`.
fn tool_output(event: &mut AgentEvent, content: Option<String>) {
    let parsed = content.as_deref().and_then(json_object);
    match parsed {
        Some(obj) if obj.contains_key("output") || obj.contains_key("error") => {
            event.output_text = obj.get("output").filter(|o| !o.is_null()).map(as_text);
            event.exit_code = exit_code_of(&obj, "exit_code");
            let error = obj
                .get("error")
                .filter(|e| !e.is_null() && e.as_str() != Some(""));
            if event.output_text.is_none() {
                event.output_text = error.map(as_text);
            }
            event.status = Some(if error.is_some() { "error" } else { "ok" }.to_owned());
        }
        _ => event.output_text = content,
    }
}

/// The cost hermes knows: the actual one, else an estimate it stands behind.
fn hermes_cost(obj: &Map<String, Value>) -> Option<f64> {
    if let Some(actual) = cost_of(obj, "actual_cost_usd") {
        return Some(actual);
    }
    let status = obj
        .get("cost_status")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    let source = obj
        .get("cost_source")
        .and_then(Value::as_str)
        .unwrap_or("none");
    if status == "unknown" || source == "none" {
        return None;
    }
    cost_of(obj, "estimated_cost_usd")
}

/// A usage report: one additive `usage` event (plus an `error` when the run failed).
fn usage_report(obj: &Map<String, Value>) -> Vec<AgentEvent> {
    let mut usage = AgentEvent::new(EventKind::Usage);
    usage.model = text_of(obj, "model");
    usage.input_tokens = count_of(obj, "input_tokens");
    usage.output_tokens = count_of(obj, "output_tokens");
    usage.cache_read_tokens = count_of(obj, "cache_read_tokens");
    usage.cache_write_tokens = count_of(obj, "cache_write_tokens");
    usage.cost_usd = hermes_cost(obj);
    let failed = obj.get("failed").and_then(Value::as_bool).unwrap_or(false);
    let completed = obj.get("completed").and_then(Value::as_bool);
    usage.status = Some(
        match (failed, completed) {
            (true, _) => "failed",
            (false, Some(true)) => "completed",
            _ => "incomplete",
        }
        .to_owned(),
    );
    usage.input =
        Some(json!({ "session_id": obj.get("session_id"), "api_calls": obj.get("api_calls") }));
    let mut events = vec![usage];
    if failed {
        let mut error = AgentEvent::new(EventKind::Error);
        error.text = Some("hermes reported a failed run (usage file `failed: true`)".to_owned());
        events.push(error);
    }
    events
}

/// Parser of hermes's `--usage-file` (a pretty-printed JSON document): lines are buffered
/// and read at `finish`; a document that is not a JSON object becomes `log` lines.
#[derive(Debug, Default)]
pub struct UsageFileParser {
    lines: Vec<String>,
}

impl StreamParser for UsageFileParser {
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent> {
        self.lines
            .push(line.trim_end_matches(['\n', '\r']).to_owned());
        Vec::new()
    }

    fn finish(&mut self) -> Vec<AgentEvent> {
        let lines = std::mem::take(&mut self.lines);
        let document = lines.join("\n");
        if document.trim().is_empty() {
            return Vec::new();
        }
        match json_object(&document) {
            Some(obj) => attach_raw(usage_report(&obj), &document),
            None => lines
                .iter()
                .filter_map(|l| clean_line(l))
                .map(AgentEvent::log)
                .collect(),
        }
    }
}
