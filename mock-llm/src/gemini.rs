//! Gemini: `POST /v1beta/models/{model}:generateContent`,
//! `:streamGenerateContent` (`?alt=sse` SSE, otherwise one JSON array),
//! `:countTokens`, and `GET /v1beta/models`.

use actix_web::HttpResponse;
use serde_json::{Value, json};

use crate::conversation::{
    Api, Conversation, ToolDecl, ToolKind, all_strings, content_text, items,
};
use crate::reply::{Reply, chunks, fresh_id};
use crate::script::Usage;
use crate::sse::{self, Event, Pace};

/// A parsed `models/{model}:{method}` path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub model: String,
    pub method: String,
}

/// Splits `/v1beta/models/gemini-2.5-flash:streamGenerateContent` (also `/v1/`).
pub fn target(path: &str) -> Option<Target> {
    let rest = path
        .strip_prefix("/v1beta/models/")
        .or_else(|| path.strip_prefix("/v1/models/"))
        .or_else(|| path.strip_prefix("/v1alpha/models/"))?;
    let (model, method) = rest.rsplit_once(':')?;
    Some(Target {
        model: model.to_owned(),
        method: method.to_owned(),
    })
}

/// Reads a generateContent request.
pub fn conversation(path: &str, target: &Target, body: &Value) -> Conversation {
    let mut conv = Conversation::new(Api::Gemini, path);
    conv.model = target.model.clone();
    conv.stream = target.method == "streamGenerateContent";
    let gen_config = body.get("generationConfig").unwrap_or(&Value::Null);
    conv.wants_json = gen_config.get("responseMimeType").and_then(Value::as_str)
        == Some("application/json")
        || gen_config.get("responseJsonSchema").is_some()
        || gen_config.get("responseSchema").is_some();
    conv.json_schema = gen_config
        .get("responseJsonSchema")
        .or_else(|| gen_config.get("responseSchema"))
        .cloned()
        .unwrap_or(Value::Null);
    for tool in items(body, "tools") {
        let decls = tool.get("functionDeclarations").and_then(Value::as_array);
        for decl in decls.into_iter().flatten() {
            let Some(name) = decl.get("name").and_then(Value::as_str) else {
                continue;
            };
            let parameters = decl
                .get("parametersJsonSchema")
                .or_else(|| decl.get("parameters"))
                .cloned()
                .unwrap_or(Value::Null);
            conv.tools.push(ToolDecl {
                name: name.to_owned(),
                kind: ToolKind::Function,
                parameters,
            });
        }
    }
    if let Some(sys) = body.pointer("/systemInstruction/parts") {
        conv.push_text(&content_text(sys));
    }
    let mut in_model = false;
    for content in items(body, "contents") {
        let role = content
            .get("role")
            .and_then(Value::as_str)
            .unwrap_or("user");
        let parts = content.get("parts").unwrap_or(&Value::Null);
        let text = content_text(parts);
        if role == "model" {
            if !in_model {
                conv.assistant_turns += 1;
            }
            in_model = true;
            conv.push_text(&text);
            continue;
        }
        in_model = false;
        for part in parts.as_array().into_iter().flatten() {
            if let Some(resp) = part.get("functionResponse") {
                let mut out = String::new();
                all_strings(resp, &mut out);
                conv.push_text(&out);
            }
        }
        if !text.is_empty() {
            conv.last_user_text = text.clone();
            conv.push_text(&text);
        }
    }
    conv
}

/// Renders the reply: one object, an SSE stream, or a JSON array of chunks.
pub fn render(conv: &Conversation, sse_requested: bool, reply: &Reply, pace: Pace) -> HttpResponse {
    let response_id = fresh_id("");
    let mut parts: Vec<Value> = Vec::new();
    if !reply.text.is_empty() {
        parts.push(json!({"text": reply.text}));
    }
    for call in &reply.calls {
        parts.push(
            json!({"functionCall": {"name": call.name, "args": call.input.arguments_value()}}),
        );
    }
    let chunk = |parts: Vec<Value>, last: bool| {
        let mut candidate = json!({"content": {"parts": parts, "role": "model"}, "index": 0});
        if last {
            candidate["finishReason"] = json!("STOP");
        }
        json!({
            "candidates": [candidate],
            "usageMetadata": usage(&reply.usage, last),
            "modelVersion": conv.model,
            "responseId": response_id,
        })
    };
    if !conv.stream {
        return HttpResponse::Ok().json(chunk(parts, true));
    }
    // Text streams in pieces; function calls arrive whole, as Gemini sends them.
    let mut pieces: Vec<Vec<Value>> = chunks(&reply.text, pace.chunk_size)
        .into_iter()
        .map(|t| vec![json!({"text": t})])
        .collect();
    let call_parts: Vec<Value> = parts
        .into_iter()
        .filter(|p| p.get("functionCall").is_some())
        .collect();
    if !call_parts.is_empty() {
        pieces.push(call_parts);
    }
    if pieces.is_empty() {
        pieces.push(vec![json!({"text": ""})]);
    }
    let n = pieces.len();
    let chunks: Vec<Value> = pieces
        .into_iter()
        .enumerate()
        .map(|(i, p)| chunk(p, i + 1 == n))
        .collect();
    if sse_requested {
        sse::response(chunks.iter().map(Event::data).collect(), pace)
    } else {
        HttpResponse::Ok().json(Value::Array(chunks))
    }
}

fn usage(u: &Usage, last: bool) -> Value {
    let mut m = json!({
        "promptTokenCount": u.input_tokens,
        "totalTokenCount": u.input_tokens,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": u.input_tokens}],
    });
    if u.cached_tokens > 0 {
        m["cachedContentTokenCount"] = json!(u.cached_tokens);
        m["cacheTokensDetails"] = json!([{"modality": "TEXT", "tokenCount": u.cached_tokens}]);
    }
    if last {
        let candidates = u.output_tokens.saturating_sub(u.reasoning_tokens);
        m["candidatesTokenCount"] = json!(candidates);
        m["totalTokenCount"] = json!(u.input_tokens + candidates + u.reasoning_tokens);
        if u.reasoning_tokens > 0 {
            m["thoughtsTokenCount"] = json!(u.reasoning_tokens);
        }
    }
    m
}

/// `:countTokens`.
pub fn count_tokens(body: &Value) -> Value {
    json!({"totalTokens": crate::anthropic::estimate_tokens(body)})
}

/// `GET /v1beta/models`.
pub fn models(model_ids: &[&str]) -> Value {
    let models: Vec<Value> = model_ids
        .iter()
        .map(|m| json!({
            "name": format!("models/{m}"), "displayName": m, "version": "001",
            "inputTokenLimit": 1_048_576, "outputTokenLimit": 65_536,
            "supportedGenerationMethods": ["generateContent", "streamGenerateContent", "countTokens"],
        }))
        .collect();
    json!({"models": models})
}
