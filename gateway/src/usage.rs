//! Token usage as each wire API reports it, in JSON bodies and SSE streams, normalized to
//! the `llm_calls` columns: `input_tokens` counts cached input too, `output_tokens` counts
//! reasoning too, and the cache and reasoning columns say how much of each was which.
//!
//! The `usage_from_*` functions are public: runtimes and importers that read provider
//! payloads from transcripts reuse them.

use serde_json::Value;
use wharf_model::LlmApi;

use crate::error::error_message_in;
use crate::sse::SseParser;

/// Normalized usage of one call. `None` = the provider did not say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// All input tokens, cached reads and cache writes included.
    pub input_tokens: Option<i64>,
    /// All output tokens, reasoning included.
    pub output_tokens: Option<i64>,
    /// Input tokens read from the provider's cache.
    pub cache_read_tokens: Option<i64>,
    /// Input tokens written to the provider's cache.
    pub cache_write_tokens: Option<i64>,
    /// Output tokens spent on reasoning.
    pub reasoning_tokens: Option<i64>,
}

impl Usage {
    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

fn int(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_i64)
}

fn usage_object(v: &Value) -> Option<&Value> {
    v.get("usage").filter(|u| u.is_object())
}

/// OpenAI Chat Completions usage from a response body or a stream chunk:
/// `prompt_tokens` (cached included), `completion_tokens` (reasoning included),
/// `prompt_tokens_details.cached_tokens`, `completion_tokens_details.reasoning_tokens`
/// (and OpenRouter's `prompt_tokens_details.cache_write_tokens`).
pub fn usage_from_chat(v: &Value) -> Option<Usage> {
    let u = usage_object(v)?;
    let prompt = u.get("prompt_tokens_details").unwrap_or(&Value::Null);
    let completion = u.get("completion_tokens_details").unwrap_or(&Value::Null);
    Some(Usage {
        input_tokens: int(u, "prompt_tokens"),
        output_tokens: int(u, "completion_tokens"),
        cache_read_tokens: int(prompt, "cached_tokens"),
        cache_write_tokens: int(prompt, "cache_write_tokens"),
        reasoning_tokens: int(completion, "reasoning_tokens"),
    })
}

/// OpenAI Responses usage from a response object or a `response.completed` (or
/// `.incomplete`/`.failed`) stream event: `input_tokens`, `output_tokens`,
/// `input_tokens_details.cached_tokens`, `output_tokens_details.reasoning_tokens`.
pub fn usage_from_responses(v: &Value) -> Option<Usage> {
    let response = v.get("response").filter(|r| r.is_object()).unwrap_or(v);
    let u = usage_object(response)?;
    let input = u.get("input_tokens_details").unwrap_or(&Value::Null);
    let output = u.get("output_tokens_details").unwrap_or(&Value::Null);
    Some(Usage {
        input_tokens: int(u, "input_tokens"),
        output_tokens: int(u, "output_tokens"),
        cache_read_tokens: int(input, "cached_tokens"),
        cache_write_tokens: None,
        reasoning_tokens: int(output, "reasoning_tokens"),
    })
}

/// Anthropic usage fields as sent; `input_tokens` excludes the cache fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnthropicUsage {
    /// Uncached input tokens.
    pub input_tokens: Option<i64>,
    /// Output tokens (cumulative in `message_delta`).
    pub output_tokens: Option<i64>,
    /// `cache_creation_input_tokens`.
    pub cache_creation_input_tokens: Option<i64>,
    /// `cache_read_input_tokens`.
    pub cache_read_input_tokens: Option<i64>,
}

impl AnthropicUsage {
    /// Reads a `usage` object.
    fn parse(u: &Value) -> Self {
        Self {
            input_tokens: int(u, "input_tokens"),
            output_tokens: int(u, "output_tokens"),
            cache_creation_input_tokens: int(u, "cache_creation_input_tokens"),
            cache_read_input_tokens: int(u, "cache_read_input_tokens"),
        }
    }

    /// Later values win field by field (`message_delta` after `message_start`).
    pub fn merge(&mut self, later: Self) {
        self.input_tokens = later.input_tokens.or(self.input_tokens);
        self.output_tokens = later.output_tokens.or(self.output_tokens);
        self.cache_creation_input_tokens = later
            .cache_creation_input_tokens
            .or(self.cache_creation_input_tokens);
        self.cache_read_input_tokens = later
            .cache_read_input_tokens
            .or(self.cache_read_input_tokens);
    }

    /// Normalized: input = uncached + cache writes + cache reads.
    pub fn normalize(self) -> Usage {
        let parts = [
            self.input_tokens,
            self.cache_creation_input_tokens,
            self.cache_read_input_tokens,
        ];
        let input = parts
            .iter()
            .any(Option::is_some)
            .then(|| parts.iter().flatten().sum());
        Usage {
            input_tokens: input,
            output_tokens: self.output_tokens,
            cache_read_tokens: self.cache_read_input_tokens,
            cache_write_tokens: self.cache_creation_input_tokens,
            reasoning_tokens: None,
        }
    }
}

/// The raw Anthropic usage in a message body, a `message_start` event (`message.usage`)
/// or a `message_delta` event (`usage`).
pub fn anthropic_usage(v: &Value) -> Option<AnthropicUsage> {
    let message = v.get("message").filter(|m| m.is_object()).unwrap_or(v);
    usage_object(message).map(AnthropicUsage::parse)
}

/// Anthropic Messages usage from a message body or one stream event, normalized
/// (`input_tokens` + `cache_creation_input_tokens` + `cache_read_input_tokens` = input).
/// A stream needs its events merged first: see [`StreamUsage`] or [`usage_from_sse`].
pub fn usage_from_messages(v: &Value) -> Option<Usage> {
    anthropic_usage(v).map(AnthropicUsage::normalize)
}

/// Gemini `usageMetadata` from a response, one stream chunk, or the JSON array a
/// non-SSE stream returns (last chunk with usage wins): `promptTokenCount` (+
/// `toolUsePromptTokenCount`), `candidatesTokenCount` + `thoughtsTokenCount` as output,
/// `cachedContentTokenCount`, `thoughtsTokenCount` as reasoning.
pub fn usage_from_gemini(v: &Value) -> Option<Usage> {
    if let Value::Array(chunks) = v {
        return chunks.iter().rev().find_map(usage_from_gemini);
    }
    let u = v.get("usageMetadata").filter(|u| u.is_object())?;
    let thoughts = int(u, "thoughtsTokenCount");
    let candidates = int(u, "candidatesTokenCount");
    let output = match (candidates, thoughts) {
        (None, None) => None,
        (c, t) => Some(c.unwrap_or(0) + t.unwrap_or(0)),
    };
    let prompt = int(u, "promptTokenCount");
    let input = match (prompt, int(u, "toolUsePromptTokenCount")) {
        (None, None) => None,
        (p, t) => Some(p.unwrap_or(0) + t.unwrap_or(0)),
    };
    Some(Usage {
        input_tokens: input,
        output_tokens: output,
        cache_read_tokens: int(u, "cachedContentTokenCount"),
        cache_write_tokens: None,
        reasoning_tokens: thoughts,
    })
}

/// Usage from a complete (non-streamed) JSON response body of `api`.
pub fn usage_from_json(api: LlmApi, body: &[u8]) -> Option<Usage> {
    let v: Value = serde_json::from_slice(body).ok()?;
    match api {
        LlmApi::Chat => usage_from_chat(&v),
        LlmApi::Responses => usage_from_responses(&v),
        LlmApi::Messages => usage_from_messages(&v),
        LlmApi::Gemini => usage_from_gemini(&v),
    }
}

/// Usage from a complete SSE stream of `api`.
pub fn usage_from_sse(api: LlmApi, body: &[u8]) -> Option<Usage> {
    let mut parser = SseParser::default();
    let mut usage = StreamUsage::new(api);
    for event in parser.feed(body).into_iter().chain(parser.finish()) {
        usage.observe_data(&event.data);
    }
    usage.usage()
}

/// Usage, first content and errors seen so far in one stream, fed event by event.
#[derive(Debug, Clone)]
pub struct StreamUsage {
    api: LlmApi,
    usage: Option<Usage>,
    anthropic: Option<AnthropicUsage>,
    error: Option<String>,
}

impl StreamUsage {
    /// An empty tracker for a stream of `api`.
    pub fn new(api: LlmApi) -> Self {
        Self {
            api,
            usage: None,
            anthropic: None,
            error: None,
        }
    }

    /// Feeds one event's `data`; returns whether it carried generated content (the
    /// moment that defines time to first token).
    pub fn observe_data(&mut self, data: &str) -> bool {
        let data = data.trim();
        if data.is_empty() || data == "[DONE]" {
            return false;
        }
        match serde_json::from_str::<Value>(data) {
            Ok(v) => self.observe(&v),
            Err(_) => false,
        }
    }

    /// Feeds one parsed event; returns whether it carried generated content.
    pub fn observe(&mut self, v: &Value) -> bool {
        if self.error.is_none() {
            self.error = stream_error(self.api, v);
        }
        match self.api {
            LlmApi::Chat => {
                if let Some(u) = usage_from_chat(v) {
                    self.usage = Some(u);
                }
                chat_has_content(v)
            }
            LlmApi::Responses => {
                let kind = v.get("type").and_then(Value::as_str).unwrap_or_default();
                if matches!(
                    kind,
                    "response.completed" | "response.incomplete" | "response.failed"
                ) && let Some(u) = usage_from_responses(v)
                {
                    self.usage = Some(u);
                }
                kind.ends_with(".delta")
            }
            LlmApi::Messages => {
                if let Some(u) = anthropic_usage(v) {
                    self.anthropic.get_or_insert_default().merge(u);
                }
                v.get("type").and_then(Value::as_str) == Some("content_block_delta")
            }
            LlmApi::Gemini => {
                if let Some(u) = usage_from_gemini(v) {
                    self.usage = Some(u);
                }
                gemini_has_content(v)
            }
        }
    }

    /// Usage so far (the final usage once the stream ended).
    pub fn usage(&self) -> Option<Usage> {
        self.anthropic.map(AnthropicUsage::normalize).or(self.usage)
    }

    /// The first error event's message, if the stream carried one.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}

fn chat_has_content(v: &Value) -> bool {
    let Some(choices) = v.get("choices").and_then(Value::as_array) else {
        return false;
    };
    choices.iter().any(|choice| {
        let Some(delta) = choice.get("delta") else {
            return false;
        };
        ["content", "reasoning_content", "reasoning", "refusal"]
            .iter()
            .any(|k| {
                delta
                    .get(k)
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty())
            })
            || delta
                .get("tool_calls")
                .and_then(Value::as_array)
                .is_some_and(|t| !t.is_empty())
    })
}

fn gemini_has_content(v: &Value) -> bool {
    v.get("candidates")
        .and_then(Value::as_array)
        .is_some_and(|cands| {
            cands.iter().any(|c| {
                c.pointer("/content/parts")
                    .and_then(Value::as_array)
                    .is_some_and(|p| !p.is_empty())
            })
        })
}

fn stream_error(api: LlmApi, v: &Value) -> Option<String> {
    let kind = v.get("type").and_then(Value::as_str);
    match (api, kind) {
        (LlmApi::Responses, Some("error")) => v
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| error_message_in(v)),
        (LlmApi::Responses, Some("response.failed")) => v
            .pointer("/response/error/message")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| Some("response failed".to_owned())),
        _ => error_message_in(v),
    }
}

#[cfg(test)]
mod tests;
