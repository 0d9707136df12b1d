//! OpenAI Responses: `POST /v1/responses`, plain and streamed
//! (`response.created` ... `response.completed`), with function, custom and
//! `local_shell` tool calls.

use actix_web::HttpResponse;
use serde_json::{Value, json};

use crate::conversation::{
    Api, Conversation, ToolDecl, ToolKind, all_strings, content_text, items,
};
use crate::reply::{Call, CallInput, Reply, chunks, fresh_id, unix_now};
use crate::script::Usage;
use crate::sse::{self, Event, Pace};

const ASSISTANT_ITEMS: &[&str] = &[
    "function_call",
    "custom_tool_call",
    "local_shell_call",
    "reasoning",
    "web_search_call",
];

/// Reads a Responses request.
pub fn conversation(path: &str, body: &Value) -> Conversation {
    let mut conv = Conversation::with_head(
        Api::Responses,
        path,
        body,
        "/text/format/type",
        "/text/format/schema",
    );
    for tool in items(body, "tools") {
        let ty = tool
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("function");
        let name = tool.get("name").and_then(Value::as_str);
        let (kind, name) = match (ty, name) {
            ("function", Some(n)) => (ToolKind::Function, n),
            ("custom", Some(n)) => (ToolKind::Custom, n),
            ("local_shell", _) => (ToolKind::LocalShell, "local_shell"),
            _ => continue,
        };
        conv.tools.push(ToolDecl {
            name: name.to_owned(),
            kind,
            parameters: tool.get("parameters").cloned().unwrap_or(Value::Null),
        });
    }
    if let Some(instructions) = body.get("instructions").and_then(Value::as_str) {
        conv.push_text(instructions);
    }
    match body.get("input") {
        Some(Value::String(s)) => {
            conv.last_user_text = s.clone();
            conv.push_text(s);
        }
        Some(Value::Array(items)) => read_items(&mut conv, items),
        _ => {}
    }
    conv
}

fn read_items(conv: &mut Conversation, items: &[Value]) {
    let mut in_assistant = false;
    for item in items {
        let ty = item
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("message");
        let role = item.get("role").and_then(Value::as_str).unwrap_or_default();
        let assistant = ASSISTANT_ITEMS.contains(&ty) || (ty == "message" && role == "assistant");
        if assistant && !in_assistant {
            conv.assistant_turns += 1;
        }
        in_assistant = assistant;
        if ty == "message" {
            let text = item.get("content").map(content_text).unwrap_or_default();
            if role == "user" && !text.is_empty() {
                conv.last_user_text = text.clone();
            }
            conv.push_text(&text);
        } else if ty.ends_with("_output") {
            let mut text = String::new();
            all_strings(item.get("output").unwrap_or(&Value::Null), &mut text);
            conv.push_text(&text);
        }
    }
}

/// Renders the reply, streamed or not as the request asked.
pub fn render(conv: &Conversation, reply: &Reply, pace: Pace) -> HttpResponse {
    let resp_id = fresh_id("resp_");
    let created = unix_now();
    let msg_id = fresh_id("msg_");
    let mut items: Vec<Value> = Vec::new();
    if !reply.text.is_empty() {
        items.push(message_item(&msg_id, &reply.text, "completed"));
    }
    items.extend(reply.calls.iter().map(call_item));
    let envelope = |status: &str, output: Vec<Value>, usage: Value| {
        json!({
            "id": resp_id, "object": "response", "created_at": created, "status": status,
            "background": false, "error": null, "incomplete_details": null,
            "instructions": null, "max_output_tokens": null, "model": conv.model,
            "output": output, "parallel_tool_calls": true, "previous_response_id": null,
            "reasoning": {"effort": null, "summary": null}, "store": false,
            "temperature": 1.0, "text": {"format": {"type": "text"}}, "tool_choice": "auto",
            "tools": [], "top_p": 1.0, "truncation": "disabled", "usage": usage,
            "user": null, "metadata": {},
        })
    };
    let completed = envelope("completed", items.clone(), usage(&reply.usage));
    if !conv.stream {
        return HttpResponse::Ok().json(completed);
    }
    let mut seq = 0u64;
    let mut events = Vec::new();
    let mut push = |name: &str, mut data: Value| {
        data["type"] = json!(name);
        data["sequence_number"] = json!(seq);
        seq += 1;
        events.push(Event::named(name, &data));
    };
    push(
        "response.created",
        json!({"response": envelope("in_progress", vec![], Value::Null)}),
    );
    push(
        "response.in_progress",
        json!({"response": envelope("in_progress", vec![], Value::Null)}),
    );
    for (index, item) in items.iter().enumerate() {
        let item_id = item["id"].clone();
        match item["type"].as_str().unwrap_or_default() {
            "message" => {
                push(
                    "response.output_item.added",
                    json!({"output_index": index,
                    "item": message_item(&msg_id, "", "in_progress")}),
                );
                let part =
                    json!({"type": "output_text", "text": "", "annotations": [], "logprobs": []});
                push(
                    "response.content_part.added",
                    json!({"item_id": item_id,
                    "output_index": index, "content_index": 0, "part": part}),
                );
                for piece in chunks(&reply.text, pace.chunk_size) {
                    push(
                        "response.output_text.delta",
                        json!({"item_id": item_id,
                        "output_index": index, "content_index": 0, "delta": piece, "logprobs": []}),
                    );
                }
                push(
                    "response.output_text.done",
                    json!({"item_id": item_id,
                    "output_index": index, "content_index": 0, "text": reply.text, "logprobs": []}),
                );
                push(
                    "response.content_part.done",
                    json!({"item_id": item_id,
                    "output_index": index, "content_index": 0, "part": item["content"][0]}),
                );
            }
            "function_call" => {
                let mut added = item.clone();
                added["status"] = json!("in_progress");
                added["arguments"] = json!("");
                push(
                    "response.output_item.added",
                    json!({"output_index": index, "item": added}),
                );
                let args = item["arguments"].as_str().unwrap_or_default();
                for piece in chunks(args, pace.chunk_size) {
                    push(
                        "response.function_call_arguments.delta",
                        json!({"item_id": item_id,
                        "output_index": index, "delta": piece}),
                    );
                }
                push(
                    "response.function_call_arguments.done",
                    json!({"item_id": item_id,
                    "output_index": index, "name": item["name"], "arguments": args}),
                );
            }
            "custom_tool_call" => {
                let mut added = item.clone();
                added["input"] = json!("");
                push(
                    "response.output_item.added",
                    json!({"output_index": index, "item": added}),
                );
                let input = item["input"].as_str().unwrap_or_default();
                for piece in chunks(input, pace.chunk_size) {
                    push(
                        "response.custom_tool_call_input.delta",
                        json!({"item_id": item_id,
                        "output_index": index, "delta": piece}),
                    );
                }
                push(
                    "response.custom_tool_call_input.done",
                    json!({"item_id": item_id,
                    "output_index": index, "input": input}),
                );
            }
            _ => {
                push(
                    "response.output_item.added",
                    json!({"output_index": index, "item": item}),
                );
            }
        }
        push(
            "response.output_item.done",
            json!({"output_index": index, "item": item}),
        );
    }
    push("response.completed", json!({"response": completed}));
    sse::response(events, pace)
}

fn message_item(id: &str, text: &str, status: &str) -> Value {
    let content = if status == "completed" {
        json!([{"type": "output_text", "text": text, "annotations": [], "logprobs": []}])
    } else {
        json!([])
    };
    json!({"id": id, "type": "message", "status": status, "role": "assistant", "content": content})
}

fn call_item(call: &Call) -> Value {
    let call_id = fresh_id("call_");
    match &call.input {
        CallInput::Json(_) => json!({
            "id": fresh_id("fc_"), "type": "function_call", "status": "completed",
            "arguments": call.input.arguments_string(), "call_id": call_id, "name": call.name,
        }),
        CallInput::Text(input) => json!({
            "id": fresh_id("ctc_"), "type": "custom_tool_call", "status": "completed",
            "call_id": call_id, "name": call.name, "input": input,
        }),
        CallInput::LocalShell(argv) => json!({
            "id": fresh_id("lsh_"), "type": "local_shell_call", "status": "completed",
            "call_id": call_id,
            "action": {"type": "exec", "command": argv, "env": {}, "timeout_ms": null,
                       "user": null, "working_directory": null},
        }),
    }
}

fn usage(u: &Usage) -> Value {
    json!({
        "input_tokens": u.input_tokens,
        "input_tokens_details": {"cached_tokens": u.cached_tokens},
        "output_tokens": u.output_tokens,
        "output_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
        "total_tokens": u.input_tokens + u.output_tokens,
    })
}
