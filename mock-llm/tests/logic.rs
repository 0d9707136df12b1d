//! Turn selection, portable-action mapping and script parsing, without HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mock_llm::{
    Action, CallInput, Choice, MockError, Script, WriteFile, choose, conversation_for, heredoc,
    resolve_action, respond,
};
use serde_json::{Value, json};

fn conv(path: &str, body: Value) -> mock_llm::Conversation {
    conversation_for(path, &body).unwrap()
}

// ---- the shell and write tools each agent really declares (trimmed) ----

fn anthropic_tools() -> Value {
    json!([
        {"name": "Bash", "input_schema": {"type": "object", "properties": {
            "command": {"type": "string"}, "timeout": {"type": "number"},
            "description": {"type": "string"}, "run_in_background": {"type": "boolean"}}}},
        {"name": "Write", "input_schema": {"type": "object", "properties": {
            "file_path": {"type": "string"}, "content": {"type": "string"}}}},
        {"name": "Read", "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}}}
    ])
}

fn codex_tools() -> Value {
    json!([
        {"type": "function", "name": "exec_command", "parameters": {"type": "object",
            "properties": {"cmd": {"type": "string"}, "workdir": {"type": "string"}}}},
        {"type": "function", "name": "write_stdin", "parameters": {"type": "object",
            "properties": {"chars": {"type": "string"}}}},
        {"type": "namespace", "name": "multi_agent_v1"},
        {"type": "web_search"}
    ])
}

fn gemini_tools() -> Value {
    json!([{"functionDeclarations": [
        {"name": "write_file", "parametersJsonSchema": {"type": "object", "properties": {
            "file_path": {"type": "string"}, "content": {"type": "string"}}}},
        {"name": "run_shell_command", "parametersJsonSchema": {"type": "object", "properties": {
            "command": {"type": "string"}, "description": {"type": "string"},
            "dir_path": {"type": "string"}}}}
    ]}])
}

fn chat_fn(name: &str, props: Value) -> Value {
    json!({"type": "function", "function": {"name": name,
           "parameters": {"type": "object", "properties": props}}})
}

fn opencode_tools() -> Value {
    json!([
        chat_fn(
            "bash",
            json!({"command": {"type": "string"}, "timeout": {"type": "number"}, "workdir": {"type": "string"}})
        ),
        chat_fn(
            "write",
            json!({"content": {"type": "string"}, "filePath": {"type": "string"}})
        ),
        // opencode's `task` has a `command` property too; it must not win.
        chat_fn(
            "task",
            json!({"command": {"type": "string"}, "prompt": {"type": "string"}})
        ),
    ])
}

fn hermes_tools() -> Value {
    json!([
        chat_fn("execute_code", json!({"code": {"type": "string"}})),
        chat_fn(
            "terminal",
            json!({"command": {"type": "string"}, "background": {"type": "boolean"}, "workdir": {"type": "string"}})
        ),
        chat_fn(
            "write_file",
            json!({"content": {"type": "string"}, "path": {"type": "string"}})
        ),
    ])
}

fn anthropic_conv(tools: Value) -> mock_llm::Conversation {
    conv(
        "/v1/messages",
        json!({"model": "claude", "tools": tools,
        "messages": [{"role": "user", "content": "go"}]}),
    )
}
fn codex_conv(tools: Value) -> mock_llm::Conversation {
    conv(
        "/v1/responses",
        json!({"model": "gpt", "tools": tools, "input": "go"}),
    )
}
fn gemini_conv(tools: Value) -> mock_llm::Conversation {
    conv(
        "/v1beta/models/g:streamGenerateContent",
        json!({"tools": tools,
        "contents": [{"role": "user", "parts": [{"text": "go"}]}]}),
    )
}
fn chat_conv(tools: Value) -> mock_llm::Conversation {
    conv(
        "/v1/chat/completions",
        json!({"model": "m", "tools": tools,
        "messages": [{"role": "user", "content": "go"}]}),
    )
}

fn shell() -> Action {
    Action::Shell("echo hi".into())
}

fn args(c: &mock_llm::Call) -> Value {
    match &c.input {
        CallInput::Json(v) => v.clone(),
        other => panic!("expected JSON input, got {other:?}"),
    }
}

#[test]
fn shell_maps_onto_each_agents_tool() {
    let c = resolve_action(&shell(), &anthropic_conv(anthropic_tools()).tools).unwrap();
    assert_eq!(c.name, "Bash");
    assert_eq!(args(&c)["command"], "echo hi");
    assert!(args(&c)["description"].is_string());

    let c = resolve_action(&shell(), &codex_conv(codex_tools()).tools).unwrap();
    assert_eq!(c.name, "exec_command");
    assert_eq!(args(&c), json!({"cmd": "echo hi"}));

    let c = resolve_action(&shell(), &gemini_conv(gemini_tools()).tools).unwrap();
    assert_eq!(c.name, "run_shell_command");
    assert_eq!(args(&c)["command"], "echo hi");

    let c = resolve_action(&shell(), &chat_conv(opencode_tools()).tools).unwrap();
    assert_eq!(c.name, "bash");
    assert_eq!(args(&c), json!({"command": "echo hi"}));

    let c = resolve_action(&shell(), &chat_conv(hermes_tools()).tools).unwrap();
    assert_eq!(c.name, "terminal");
    assert_eq!(args(&c), json!({"command": "echo hi"}));
}

#[test]
fn shell_argv_tools_and_local_shell() {
    // Older codex `shell` tool: command is an argv array.
    let tools = json!([{"type": "function", "name": "shell", "parameters": {"type": "object",
        "properties": {"command": {"type": "array", "items": {"type": "string"}}}}}]);
    let c = resolve_action(&shell(), &codex_conv(tools).tools).unwrap();
    assert_eq!(args(&c)["command"], json!(["bash", "-lc", "echo hi"]));

    let c = resolve_action(
        &shell(),
        &codex_conv(json!([{"type": "local_shell"}])).tools,
    )
    .unwrap();
    assert_eq!(
        c.input,
        CallInput::LocalShell(vec!["bash".into(), "-lc".into(), "echo hi".into()])
    );
}

#[test]
fn write_file_maps_onto_write_tools_or_a_heredoc() {
    let w = Action::WriteFile(WriteFile {
        path: "/app/r.md".into(),
        content: "x\n".into(),
    });
    let c = resolve_action(&w, &anthropic_conv(anthropic_tools()).tools).unwrap();
    assert_eq!(
        (c.name.as_str(), args(&c)),
        ("Write", json!({"file_path": "/app/r.md", "content": "x\n"}))
    );
    let c = resolve_action(&w, &gemini_conv(gemini_tools()).tools).unwrap();
    assert_eq!(
        (c.name.as_str(), args(&c)),
        (
            "write_file",
            json!({"file_path": "/app/r.md", "content": "x\n"})
        )
    );
    let c = resolve_action(&w, &chat_conv(opencode_tools()).tools).unwrap();
    assert_eq!(
        (c.name.as_str(), args(&c)),
        ("write", json!({"filePath": "/app/r.md", "content": "x\n"}))
    );
    let c = resolve_action(&w, &chat_conv(hermes_tools()).tools).unwrap();
    assert_eq!(
        (c.name.as_str(), args(&c)),
        ("write_file", json!({"path": "/app/r.md", "content": "x\n"}))
    );
    // codex has no write tool: a heredoc through its shell tool.
    let c = resolve_action(&w, &codex_conv(codex_tools()).tools).unwrap();
    assert_eq!(c.name, "exec_command");
    assert!(
        args(&c)["cmd"]
            .as_str()
            .unwrap()
            .contains("cat > '/app/r.md' <<'MOCK_LLM_EOF'")
    );
}

#[test]
fn heredoc_writes_exact_content() {
    let dir = tempfile::tempdir().unwrap();
    for content in [
        "plain\n",
        "no newline",
        "it's $HOME `x` MOCK_LLM_EOF\nend\n",
        "",
    ] {
        let path = dir.path().join("sub dir/f.txt");
        let cmd = heredoc(&WriteFile {
            path: path.display().to_string(),
            content: content.into(),
        });
        let st = std::process::Command::new("bash")
            .arg("-c")
            .arg(&cmd)
            .status()
            .unwrap();
        assert!(st.success(), "{cmd}");
        let got = std::fs::read_to_string(&path).unwrap();
        let want = if content.is_empty() || content.ends_with('\n') {
            content.to_owned()
        } else {
            format!("{content}\n")
        };
        assert_eq!(got, want);
    }
}

#[test]
fn raw_tool_call_and_missing_tool() {
    let script = Script::from_yaml_str(
        r#"
turns:
  - tool_call: {name: Read, arguments: {file_path: /etc/hostname}}
"#,
    )
    .unwrap();
    let reply = respond(&script, &anthropic_conv(anthropic_tools())).unwrap();
    assert_eq!(reply.calls[0].name, "Read");
    assert_eq!(args(&reply.calls[0]), json!({"file_path": "/etc/hostname"}));

    // No shell tool declared: the reply says so in text instead of inventing a call.
    let script = Script::from_yaml_str("turns: [{shell: ls}]").unwrap();
    let reply = respond(&script, &chat_conv(json!([chat_fn("read", json!({}))]))).unwrap();
    assert!(reply.calls.is_empty());
    assert!(reply.text.contains("no declared tool"), "{}", reply.text);
}

// ---- turn selection ----

const SCRIPT: &str = r#"
turns:
  - shell: "step one"
  - match: {last_user: "Generate a title"}
    text: "Title"
  - shell: "step two"
  - match: {model: "haiku", has_tools: true}
    text: "Haiku answer"
  - text: "Finished."
"#;

fn chat_history(assistant_turns: usize, tools: bool) -> mock_llm::Conversation {
    let mut messages = vec![
        json!({"role": "system", "content": "sys"}),
        json!({"role": "user", "content": "do it"}),
    ];
    for i in 0..assistant_turns {
        messages.push(json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": format!("c{i}"), "type": "function", "function": {"name": "bash", "arguments": "{}"}}]}));
        messages.push(json!({"role": "tool", "tool_call_id": format!("c{i}"), "content": "out"}));
    }
    let tools = if tools { opencode_tools() } else { json!([]) };
    conv(
        "/v1/chat/completions",
        json!({"model": "m", "tools": tools, "messages": messages}),
    )
}

#[test]
fn sequential_turns_follow_assistant_count() {
    let script = Script::from_yaml_str(SCRIPT).unwrap();
    assert_eq!(choose(&script, &chat_history(0, true)), Choice::Turn(0));
    assert_eq!(choose(&script, &chat_history(1, true)), Choice::Turn(1));
    assert_eq!(choose(&script, &chat_history(2, true)), Choice::Turn(2));
    assert_eq!(choose(&script, &chat_history(3, true)), Choice::Default);
    let r1 = respond(&script, &chat_history(1, true)).unwrap();
    assert_eq!(args(&r1.calls[0])["command"], "step two");
    assert_eq!(
        respond(&script, &chat_history(2, true)).unwrap().text,
        "Finished."
    );
    assert_eq!(
        respond(&script, &chat_history(9, true)).unwrap().text,
        "OK."
    );
}

#[test]
fn toolless_requests_never_consume_turns() {
    let script = Script::from_yaml_str(SCRIPT).unwrap();
    assert_eq!(choose(&script, &chat_history(0, false)), Choice::Default);
    let plain = Script::from_yaml_str("options: {toolless: script}\nturns: [{text: a}, {text: b}]")
        .unwrap();
    assert_eq!(respond(&plain, &chat_history(1, false)).unwrap().text, "b");
}

#[test]
fn side_turns_match_their_conditions() {
    let script = Script::from_yaml_str(SCRIPT).unwrap();
    let title = conv(
        "/v1/chat/completions",
        json!({"model": "m", "messages": [
        {"role": "system", "content": "You are a title generator"},
        {"role": "user", "content": "Generate a title for: do it"}]}),
    );
    assert_eq!(choose(&script, &title), Choice::Side(1));
    assert_eq!(respond(&script, &title).unwrap().text, "Title");

    let mut haiku = anthropic_conv(anthropic_tools());
    haiku.model = "claude-haiku-4-5".into();
    assert_eq!(respond(&script, &haiku).unwrap().text, "Haiku answer");
    // Side turns are skipped by sequential numbering.
    assert_eq!(
        choose(&script, &anthropic_conv(anthropic_tools())),
        Choice::Turn(0)
    );

    let by_path = Script::from_yaml_str(
        "turns: [{match: {path: countTokens, any: secret}, text: p}, {text: q}]",
    )
    .unwrap();
    let mut c = chat_history(0, true);
    assert_eq!(choose(&by_path, &c), Choice::Turn(0));
    c.path = "/x:countTokens".into();
    c.all_text.push_str(" the secret word");
    assert_eq!(choose(&by_path, &c), Choice::Side(0));
}

#[test]
fn assistant_turns_per_api() {
    // Responses: consecutive assistant items (message + calls) are one turn.
    let c = conv(
        "/v1/responses",
        json!({"model": "x", "tools": codex_tools(), "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "go"}]},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "ok"}]},
        {"type": "function_call", "call_id": "a", "name": "exec_command", "arguments": "{}"},
        {"type": "function_call", "call_id": "b", "name": "exec_command", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "a", "output": "1"},
        {"type": "function_call_output", "call_id": "b", "output": "2"},
        {"type": "reasoning", "summary": []},
        {"type": "function_call", "call_id": "c", "name": "exec_command", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c", "output": "3"}]}),
    );
    assert_eq!(c.assistant_turns, 2);
    assert_eq!(c.last_user_text, "go");

    let c = conv(
        "/v1/messages",
        json!({"model": "x", "messages": [
        {"role": "user", "content": [{"type": "text", "text": "first"}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "Bash", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "res"}]}]}),
    );
    assert_eq!(c.assistant_turns, 1);
    assert_eq!(c.last_user_text, "first");
    assert!(c.all_text.contains("res"));

    let c = conv(
        "/v1beta/models/g:generateContent",
        json!({"contents": [
        {"role": "user", "parts": [{"text": "hi"}]},
        {"role": "model", "parts": [{"functionCall": {"name": "a", "args": {}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "a", "response": {"output": "o"}}}]},
        {"role": "model", "parts": [{"text": "t"}]}]}),
    );
    assert_eq!(c.assistant_turns, 2);
    assert_eq!(c.model, "g");
}

// ---- script format ----

#[test]
fn shipped_scripts_parse() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        Script::from_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        n += 1;
    }
    assert!(n >= 3);
}

#[test]
fn readme_example_parses() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("```yaml\n").unwrap() + "```yaml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let script = Script::from_yaml_str(&readme[start..end]).unwrap();
    assert!(script.options.api_key.is_some());
    assert!(script.turns.iter().any(|t| t.matches.is_some()));
}

#[test]
fn json_scripts_parse_too() {
    let s = Script::from_yaml_str(r#"{"turns": [{"text": "hi", "usage": {"input_tokens": 5}}]}"#)
        .unwrap();
    assert_eq!(s.turns[0].usage.unwrap().input_tokens, 5);
    assert_eq!(s.turns[0].usage.unwrap().output_tokens, 50);
}

#[test]
fn bad_scripts_are_rejected_with_a_reason() {
    for (yaml, needle) in [
        ("turns: [{txt: hi}]", "unknown field"),
        ("turns: [{}]", "no text, action or error"),
        ("turns: [{text: a, error: {status: 500}}]", "mixes"),
        ("turns: [{error: {status: 200}}]", "400..=599"),
        ("turns: [{error: {status: 503, times: 1}}]", "needs a text"),
        (
            "turns: [{text: a, error: {status: 503, times: 0}}]",
            "at least 1",
        ),
        (
            "options: {rate_limit: {requests_per_second: 0}}\nturns: [{text: a}]",
            "rate_limit",
        ),
        ("turns: [{match: {}, text: a}]", "at least one condition"),
        (
            "turns: [{tool_call: {name: x, arguments: [1]}}]",
            "must be an object",
        ),
        ("options: {chunk_size: 0}\nturns: [{text: a}]", "chunk_size"),
        ("options: {nope: 1}\nturns: [{text: a}]", "unknown field"),
        (
            "turns: [{actions: [{shell: a, tool_call: {name: b}}]}]",
            "exactly one",
        ),
    ] {
        let err = Script::from_yaml_str(yaml).unwrap_err().to_string();
        assert!(err.contains(needle), "{yaml}: {err}");
    }
    let missing = Script::from_file(std::path::Path::new("/nonexistent.yaml")).unwrap_err();
    assert!(matches!(missing, MockError::ReadScript { .. }));
}
