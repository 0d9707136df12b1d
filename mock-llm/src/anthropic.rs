//! Anthropic Messages: `POST /v1/messages` plain and streamed (message_start,
//! content_block_start/delta/stop with `text_delta` and `input_json_delta`,
//! message_delta with usage, message_stop), and `POST /v1/messages/count_tokens`.

use actix_web::HttpResponse;
use serde_json::{Value, json};

use crate::conversation::{
    Api, Conversation, ToolDecl, ToolKind, all_strings, content_text, items,
};
use crate::reply::{Reply, chunks, fresh_id};
use crate::script::Usage;
use crate::sse::{self, Event, Pace};

/// Reads a Messages request.
pub fn conversation(path: &str, body: &Value) -> Conversation {
    let mut conv = Conversation::with_head(
        Api::Anthropic,
        path,
        body,
        "/output_format/type",
        "/output_format/schema",
    );
    for tool in items(body, "tools") {
        let (Some(name), Some(schema)) = (
            tool.get("name").and_then(Value::as_str),
            tool.get("input_schema"),
        ) else {
            continue;
        };
        conv.tools.push(ToolDecl {
            name: name.to_owned(),
            kind: ToolKind::Function,
            parameters: schema.clone(),
        });
    }
    if let Some(system) = body.get("system") {
        conv.push_text(&content_text(system));
    }
    for msg in items(body, "messages") {
        let role = msg.get("role").and_then(Value::as_str).unwrap_or_default();
        let content = msg.get("content").unwrap_or(&Value::Null);
        if role == "assistant" {
            conv.assistant_turns += 1;
            conv.push_text(&content_text(content));
            continue;
        }
        let text = match content {
            Value::Array(blocks) => {
                let texts: Vec<&Value> = blocks
                    .iter()
                    .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
                    .collect();
                for b in blocks
                    .iter()
                    .filter(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"))
                {
                    let mut out = String::new();
                    all_strings(b.get("content").unwrap_or(&Value::Null), &mut out);
                    conv.push_text(&out);
                }
                content_text(&Value::Array(texts.into_iter().cloned().collect()))
            }
            other => content_text(other),
        };
        if !text.is_empty() {
            conv.last_user_text = text.clone();
            conv.push_text(&text);
        }
    }
    conv
}

/// Renders the reply, streamed or not as the request asked.
pub fn render(conv: &Conversation, reply: &Reply, pace: Pace) -> HttpResponse {
    let id = fresh_id("msg_");
    let mut blocks: Vec<Value> = Vec::new();
    if !reply.text.is_empty() {
        blocks.push(json!({"type": "text", "text": reply.text}));
    }
    for call in &reply.calls {
        blocks.push(
            json!({"type": "tool_use", "id": fresh_id("toolu_"), "name": call.name,
                           "input": call.input.arguments_value()}),
        );
    }
    let stop = if reply.calls.is_empty() {
        "end_turn"
    } else {
        "tool_use"
    };
    if !conv.stream {
        return HttpResponse::Ok().json(json!({
            "id": id, "type": "message", "role": "assistant", "model": conv.model,
            "content": blocks, "stop_reason": stop, "stop_sequence": null,
            "usage": usage(&reply.usage, reply.usage.output_tokens),
        }));
    }
    let mut events = vec![
        Event::named(
            "message_start",
            &json!({"type": "message_start", "message": {
                "id": id, "type": "message", "role": "assistant", "model": conv.model,
                "content": [], "stop_reason": null, "stop_sequence": null,
                "usage": usage(&reply.usage, 1),
            }}),
        ),
        Event::named("ping", &json!({"type": "ping"})),
    ];
    for (index, block) in blocks.iter().enumerate() {
        let (start, deltas) = if block["type"] == "text" {
            let text = block["text"].as_str().unwrap_or_default();
            let deltas: Vec<Value> = chunks(text, pace.chunk_size)
                .into_iter()
                .map(|t| json!({"type": "text_delta", "text": t}))
                .collect();
            (json!({"type": "text", "text": ""}), deltas)
        } else {
            let input = block["input"].to_string();
            let deltas: Vec<Value> = chunks(&input, pace.chunk_size)
                .into_iter()
                .map(|p| json!({"type": "input_json_delta", "partial_json": p}))
                .collect();
            let start = json!({"type": "tool_use", "id": block["id"], "name": block["name"],
                               "input": {}});
            (start, deltas)
        };
        events.push(Event::named(
            "content_block_start",
            &json!({
            "type": "content_block_start", "index": index, "content_block": start}),
        ));
        for delta in deltas {
            events.push(Event::named(
                "content_block_delta",
                &json!({
                "type": "content_block_delta", "index": index, "delta": delta}),
            ));
        }
        events.push(Event::named(
            "content_block_stop",
            &json!({
            "type": "content_block_stop", "index": index}),
        ));
    }
    events.push(Event::named(
        "message_delta",
        &json!({
            "type": "message_delta",
            "delta": {"stop_reason": stop, "stop_sequence": null},
            "usage": usage(&reply.usage, reply.usage.output_tokens),
        }),
    ));
    events.push(Event::named(
        "message_stop",
        &json!({"type": "message_stop"}),
    ));
    sse::response(events, pace)
}

/// `POST /v1/messages/count_tokens`: a rough, deterministic count.
pub fn count_tokens(body: &Value) -> Value {
    json!({"input_tokens": estimate_tokens(body)})
}

/// About four bytes of JSON per token.
pub fn estimate_tokens(body: &Value) -> u64 {
    (body.to_string().len() as u64).div_ceil(4)
}

fn usage(u: &Usage, output_tokens: u64) -> Value {
    let uncached = u
        .input_tokens
        .saturating_sub(u.cached_tokens)
        .saturating_sub(u.cache_creation_tokens);
    json!({
        "input_tokens": uncached,
        "cache_creation_input_tokens": u.cache_creation_tokens,
        "cache_read_input_tokens": u.cached_tokens,
        "cache_creation": {
            "ephemeral_5m_input_tokens": u.cache_creation_tokens,
            "ephemeral_1h_input_tokens": 0,
        },
        "output_tokens": output_tokens,
        "service_tier": "standard",
    })
}

/// `GET /v1/models` in Anthropic's shape (sent when `anthropic-version` is present).
pub fn models(model_ids: &[&str]) -> Value {
    let data: Vec<Value> = model_ids
        .iter()
        .map(|m| {
            json!({"type": "model", "id": m, "display_name": m,
                        "created_at": "2025-01-01T00:00:00Z"})
        })
        .collect();
    json!({"data": data, "has_more": false, "first_id": model_ids.first(),
           "last_id": model_ids.last()})
}
