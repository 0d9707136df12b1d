//! OpenAI Chat Completions: `POST /v1/chat/completions`, plain and
//! `stream: true` (`chat.completion.chunk` events, usage chunk when
//! `stream_options.include_usage`, `data: [DONE]`).

use actix_web::HttpResponse;
use serde_json::{Value, json};

use crate::conversation::{Api, Conversation, ToolDecl, ToolKind, content_text, items};
use crate::reply::{Reply, chunks, fresh_id, unix_now};
use crate::script::Usage;
use crate::sse::{self, Event, Pace};

/// Reads a Chat Completions request.
pub fn conversation(path: &str, body: &Value) -> Conversation {
    let mut conv = Conversation::with_head(
        Api::Chat,
        path,
        body,
        "/response_format/type",
        "/response_format/json_schema/schema",
    );
    for tool in items(body, "tools") {
        let f = tool.get("function").unwrap_or(tool);
        if let Some(name) = f.get("name").and_then(Value::as_str) {
            conv.tools.push(ToolDecl {
                name: name.to_owned(),
                kind: ToolKind::Function,
                parameters: f.get("parameters").cloned().unwrap_or(Value::Null),
            });
        }
    }
    for msg in items(body, "messages") {
        let role = msg.get("role").and_then(Value::as_str).unwrap_or_default();
        let text = msg.get("content").map(content_text).unwrap_or_default();
        match role {
            "assistant" => conv.assistant_turns += 1,
            "user" if !text.is_empty() => conv.last_user_text = text.clone(),
            _ => {}
        }
        conv.push_text(&text);
    }
    conv
}

/// Renders the reply, streamed or not as the request asked.
pub fn render(conv: &Conversation, body: &Value, reply: &Reply, pace: Pace) -> HttpResponse {
    let id = fresh_id("chatcmpl-");
    let created = unix_now();
    let calls: Vec<(String, &crate::reply::Call)> =
        reply.calls.iter().map(|c| (fresh_id("call_"), c)).collect();
    let finish = if calls.is_empty() {
        "stop"
    } else {
        "tool_calls"
    };
    if !conv.stream {
        let tool_calls: Vec<Value> = calls
            .iter()
            .map(|(cid, c)| {
                json!({"id": cid, "type": "function",
                       "function": {"name": c.name, "arguments": c.input.arguments_string()}})
            })
            .collect();
        let mut message = json!({
            "role": "assistant",
            "content": if reply.text.is_empty() { Value::Null } else { json!(reply.text) },
            "refusal": null,
            "annotations": [],
        });
        if !tool_calls.is_empty() {
            message["tool_calls"] = json!(tool_calls);
        }
        return HttpResponse::Ok().json(json!({
            "id": id,
            "object": "chat.completion",
            "created": created,
            "model": conv.model,
            "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish}],
            "usage": usage(&reply.usage),
            "service_tier": "default",
            "system_fingerprint": null,
        }));
    }
    let include_usage = body
        .pointer("/stream_options/include_usage")
        .and_then(Value::as_bool)
        == Some(true);
    let chunk = |delta: Value, finish: Value| {
        let mut c = json!({
            "id": id, "object": "chat.completion.chunk", "created": created,
            "model": conv.model, "system_fingerprint": null,
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
        });
        if include_usage {
            c["usage"] = Value::Null;
        }
        Event::data(&c)
    };
    let mut events = vec![chunk(
        json!({"role": "assistant", "content": "", "refusal": null}),
        Value::Null,
    )];
    for piece in chunks(&reply.text, pace.chunk_size) {
        events.push(chunk(json!({"content": piece}), Value::Null));
    }
    for (index, (cid, c)) in calls.iter().enumerate() {
        events.push(chunk(
            json!({"tool_calls": [{"index": index, "id": cid, "type": "function",
                   "function": {"name": c.name, "arguments": ""}}]}),
            Value::Null,
        ));
        for piece in chunks(&c.input.arguments_string(), pace.chunk_size) {
            events.push(chunk(
                json!({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}),
                Value::Null,
            ));
        }
    }
    events.push(chunk(json!({}), json!(finish)));
    if include_usage {
        events.push(Event::data(&json!({
            "id": id, "object": "chat.completion.chunk", "created": created,
            "model": conv.model, "system_fingerprint": null,
            "choices": [], "usage": usage(&reply.usage),
        })));
    }
    events.push(Event::raw("[DONE]"));
    sse::response(events, pace)
}

fn usage(u: &Usage) -> Value {
    json!({
        "prompt_tokens": u.input_tokens,
        "completion_tokens": u.output_tokens,
        "total_tokens": u.input_tokens + u.output_tokens,
        "prompt_tokens_details": {"cached_tokens": u.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": u.reasoning_tokens, "audio_tokens": 0,
            "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0,
        },
    })
}

/// `GET /v1/models`.
pub fn models(model_ids: &[&str]) -> Value {
    let data: Vec<Value> = model_ids
        .iter()
        .map(|m| json!({"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "mock-llm"}))
        .collect();
    json!({"object": "list", "data": data})
}
