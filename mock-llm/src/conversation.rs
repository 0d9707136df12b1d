//! What turn selection and tool mapping need to know about a request, the same
//! for every wire API. Each API module builds one from its request body.

use serde_json::Value;

/// The wire APIs mock-llm speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Chat,
    Responses,
    Anthropic,
    Gemini,
}

/// How a declared tool is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolKind {
    /// JSON arguments (every API's function tools).
    Function,
    /// Free-form text input (OpenAI Responses `custom` tools).
    Custom,
    /// OpenAI Responses built-in `local_shell`.
    LocalShell,
}

/// A tool the request declares.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolDecl {
    pub name: String,
    pub kind: ToolKind,
    /// JSON schema of the arguments (`Null` when none).
    pub parameters: Value,
}

/// A request, reduced to what the script engine needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub api: Api,
    pub model: String,
    pub path: String,
    pub stream: bool,
    pub tools: Vec<ToolDecl>,
    /// Assistant turns already in the conversation: the index of the turn to answer.
    pub assistant_turns: usize,
    /// Text of the last user message that has text (tool results excluded).
    pub last_user_text: String,
    /// All text in the request: system prompt, messages, tool results.
    pub all_text: String,
    /// The request asks for a JSON reply (structured output).
    pub wants_json: bool,
    /// The schema of that JSON reply, `Null` when none was given.
    pub json_schema: Value,
}

impl Conversation {
    pub fn new(api: Api, path: &str) -> Conversation {
        Conversation {
            api,
            model: String::new(),
            path: path.to_owned(),
            stream: false,
            tools: Vec::new(),
            assistant_turns: 0,
            last_user_text: String::new(),
            all_text: String::new(),
            wants_json: false,
            json_schema: Value::Null,
        }
    }

    pub fn push_text(&mut self, text: &str) {
        if !self.all_text.is_empty() {
            self.all_text.push('\n');
        }
        self.all_text.push_str(text);
    }
}

/// Concatenated text of a content value that is a string or a list of parts
/// with `text` fields (every API uses one of these shapes).
pub fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| match p {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("text").and_then(Value::as_str).map(str::to_owned),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// All strings anywhere inside a value, joined (for tool results and such).
pub fn all_strings(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(s);
        }
        Value::Array(a) => a.iter().for_each(|x| all_strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| all_strings(x, out)),
        _ => {}
    }
}

/// The request's `model` field, or empty.
/// The elements of the array `body[key]` (none when absent or not an array).
pub fn items<'a>(body: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    body.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

impl Conversation {
    /// A conversation with what every wire API states the same way: the `model`, the
    /// `stream` flag, and the structured-output request at `format_type` (a JSON pointer
    /// to a type starting with `json`) with its schema at `schema`.
    pub fn with_head(api: Api, path: &str, body: &Value, format_type: &str, schema: &str) -> Self {
        let mut conv = Conversation::new(api, path);
        conv.model = model_of(body);
        conv.stream = body.get("stream").and_then(Value::as_bool) == Some(true);
        conv.wants_json = body
            .pointer(format_type)
            .and_then(Value::as_str)
            .is_some_and(|t| t.starts_with("json"));
        conv.json_schema = body.pointer(schema).cloned().unwrap_or(Value::Null);
        conv
    }
}

pub fn model_of(body: &Value) -> String {
    body.get("model")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}
