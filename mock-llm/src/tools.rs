//! Maps the script's portable actions (`shell`, `write_file`) onto the tools a
//! request actually declares, with the argument shape each tool expects.

use serde_json::{Map, Value, json};

use crate::conversation::{ToolDecl, ToolKind};
use crate::reply::{Call, CallInput};
use crate::script::{Action, WriteFile};

/// Shell tools of known agents, most specific first: claude-code `Bash`,
/// codex `shell`/`exec_command`/`shell_command`, gemini-cli
/// `run_shell_command`, opencode `bash`, hermes `terminal`.
const SHELL_TOOLS: &[&str] = &[
    "Bash",
    "shell",
    "exec_command",
    "shell_command",
    "run_shell_command",
    "bash",
    "terminal",
    "execute_command",
    "run_command",
];

/// Write tools of known agents: claude-code `Write`, gemini-cli and hermes
/// `write_file`, opencode `write`.
const WRITE_TOOLS: &[&str] = &["Write", "write_file", "write", "create_file"];

const COMMAND_KEYS: &[&str] = &["command", "cmd", "commands", "script"];
const PATH_KEYS: &[&str] = &["file_path", "filePath", "path", "absolute_path", "filename"];
const CONTENT_KEYS: &[&str] = &["content", "contents", "text", "file_text"];

/// Resolves one action against the declared tools. `None` when the request
/// declares no tool that can carry it.
pub fn resolve(action: &Action, tools: &[ToolDecl]) -> Option<Call> {
    match action {
        Action::Shell(cmd) => shell_call(cmd, tools),
        Action::WriteFile(w) => write_call(w, tools).or_else(|| shell_call(&heredoc(w), tools)),
        Action::ToolCall(c) => {
            let decl = tools.iter().find(|t| t.name == c.name);
            let input = match decl.map(|d| d.kind) {
                Some(ToolKind::Custom) => CallInput::Text(match &c.arguments {
                    Value::Object(o) => o
                        .get("input")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .unwrap_or_else(|| c.arguments.to_string()),
                    other => other.to_string(),
                }),
                _ => CallInput::Json(c.arguments.clone()),
            };
            Some(Call {
                name: c.name.clone(),
                input,
            })
        }
    }
}

/// The declared shell tool, if any.
pub fn find_shell_tool(tools: &[ToolDecl]) -> Option<&ToolDecl> {
    let usable = |t: &&ToolDecl| t.kind != ToolKind::Custom;
    SHELL_TOOLS
        .iter()
        .find_map(|name| tools.iter().filter(usable).find(|t| t.name == *name))
        .or_else(|| tools.iter().find(|t| t.kind == ToolKind::LocalShell))
        .or_else(|| {
            tools.iter().filter(usable).find(|t| {
                let n = t.name.to_ascii_lowercase();
                ["shell", "bash", "terminal", "exec"]
                    .iter()
                    .any(|k| n.contains(k))
                    && first_key(&t.parameters, COMMAND_KEYS).is_some()
            })
        })
}

fn shell_call(cmd: &str, tools: &[ToolDecl]) -> Option<Call> {
    let tool = find_shell_tool(tools)?;
    if tool.kind == ToolKind::LocalShell {
        return Some(Call {
            name: tool.name.clone(),
            input: CallInput::LocalShell(bash_argv(cmd)),
        });
    }
    let key = first_key(&tool.parameters, COMMAND_KEYS).unwrap_or("command");
    let value = if property_type(&tool.parameters, key) == Some("array") {
        json!(bash_argv(cmd))
    } else {
        json!(cmd)
    };
    let mut args = Map::new();
    args.insert(key.to_owned(), value);
    if has_property(&tool.parameters, "description") {
        args.insert("description".into(), json!(describe(cmd)));
    }
    Some(Call {
        name: tool.name.clone(),
        input: CallInput::Json(Value::Object(args)),
    })
}

fn write_call(w: &WriteFile, tools: &[ToolDecl]) -> Option<Call> {
    let tool = WRITE_TOOLS.iter().find_map(|name| {
        tools
            .iter()
            .find(|t| t.name == *name && t.kind == ToolKind::Function)
    })?;
    let path_key = first_key(&tool.parameters, PATH_KEYS)?;
    let content_key = first_key(&tool.parameters, CONTENT_KEYS)?;
    let mut args = Map::new();
    args.insert(path_key.to_owned(), json!(w.path));
    args.insert(content_key.to_owned(), json!(w.content));
    Some(Call {
        name: tool.name.clone(),
        input: CallInput::Json(Value::Object(args)),
    })
}

/// A shell command that writes `w` (parent directories created).
pub fn heredoc(w: &WriteFile) -> String {
    let mut marker = "MOCK_LLM_EOF".to_owned();
    while w.content.contains(&marker) {
        marker.push('_');
    }
    let nl = if w.content.ends_with('\n') || w.content.is_empty() {
        ""
    } else {
        "\n"
    };
    let path = shell_quote(&w.path);
    format!(
        "mkdir -p \"$(dirname {path})\" && cat > {path} <<'{marker}'\n{}{nl}{marker}",
        w.content
    )
}

fn bash_argv(cmd: &str) -> Vec<String> {
    vec!["bash".into(), "-lc".into(), cmd.into()]
}

fn describe(cmd: &str) -> String {
    let first = cmd.lines().next().unwrap_or_default();
    let short: String = first.chars().take(60).collect();
    format!("Run: {short}")
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn properties(schema: &Value) -> Option<&Map<String, Value>> {
    schema.get("properties").and_then(Value::as_object)
}

fn has_property(schema: &Value, key: &str) -> bool {
    properties(schema).is_some_and(|p| p.contains_key(key))
}

fn first_key<'a>(schema: &Value, keys: &[&'a str]) -> Option<&'a str> {
    keys.iter().copied().find(|k| has_property(schema, k))
}

fn property_type<'a>(schema: &'a Value, key: &str) -> Option<&'a str> {
    let prop = properties(schema)?.get(key)?;
    match prop.get("type")? {
        Value::String(t) => Some(t.as_str()),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
    .map(|t| {
        if t.eq_ignore_ascii_case("array") {
            "array"
        } else {
            t
        }
    })
}
