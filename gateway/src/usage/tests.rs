use serde_json::json;

use super::*;

#[test]
fn chat_json_with_cache_and_reasoning() {
    let body = json!({
        "id": "chatcmpl-1", "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}}],
        "usage": {
            "prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500,
            "prompt_tokens_details": {"cached_tokens": 1000, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 128}
        }
    });
    let got = usage_from_json(LlmApi::Chat, body.to_string().as_bytes());
    assert_eq!(
        got,
        Some(Usage {
            input_tokens: Some(1200),
            output_tokens: Some(300),
            cache_read_tokens: Some(1000),
            cache_write_tokens: None,
            reasoning_tokens: Some(128),
        })
    );
}

#[test]
fn chat_sse_usage_in_last_chunk() {
    let sse = concat!(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":2,",
        "\"prompt_tokens_details\":{\"cached_tokens\":4}}}\n\n",
        "data: [DONE]\n\n",
    );
    let got = usage_from_sse(LlmApi::Chat, sse.as_bytes());
    assert_eq!(
        got.map(|u| (u.input_tokens, u.output_tokens, u.cache_read_tokens)),
        Some((Some(10), Some(2), Some(4)))
    );

    let mut s = StreamUsage::new(LlmApi::Chat);
    assert!(!s.observe(&json!({"choices":[{"delta":{"role":"assistant","content":""}}]})));
    assert!(s.observe(&json!({"choices":[{"delta":{"content":"x"}}]})));
    assert!(s.observe(&json!({"choices":[{"delta":{"tool_calls":[{"index":0}]}}]})));
}

#[test]
fn responses_json_and_completed_event() {
    let response = json!({
        "id": "resp_1", "object": "response", "status": "completed",
        "usage": {
            "input_tokens": 500, "input_tokens_details": {"cached_tokens": 200},
            "output_tokens": 80, "output_tokens_details": {"reasoning_tokens": 64},
            "total_tokens": 580
        }
    });
    let want = Some(Usage {
        input_tokens: Some(500),
        output_tokens: Some(80),
        cache_read_tokens: Some(200),
        cache_write_tokens: None,
        reasoning_tokens: Some(64),
    });
    assert_eq!(
        usage_from_json(LlmApi::Responses, response.to_string().as_bytes()),
        want
    );

    let created = json!({"type": "response.created", "response": {"id": "resp_1", "usage": null}});
    let completed =
        json!({"type": "response.completed", "sequence_number": 9, "response": response});
    let sse = format!(
        "event: response.created\ndata: {created}\n\n\
         event: response.output_text.delta\ndata: {{\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}}\n\n\
         event: response.completed\ndata: {completed}\n\n"
    );
    assert_eq!(usage_from_sse(LlmApi::Responses, sse.as_bytes()), want);
    let mut s = StreamUsage::new(LlmApi::Responses);
    assert!(!s.observe(&created));
    assert!(s.observe(&json!({"type": "response.output_text.delta", "delta": "Hi"})));
}

#[test]
fn messages_json_counts_cache_in_input() {
    let body = json!({
        "id": "msg_1", "type": "message", "role": "assistant",
        "content": [{"type": "text", "text": "hi"}],
        "usage": {
            "input_tokens": 20, "cache_creation_input_tokens": 1000,
            "cache_read_input_tokens": 3000, "output_tokens": 50
        }
    });
    assert_eq!(
        usage_from_json(LlmApi::Messages, body.to_string().as_bytes()),
        Some(Usage {
            input_tokens: Some(4020),
            output_tokens: Some(50),
            cache_read_tokens: Some(3000),
            cache_write_tokens: Some(1000),
            reasoning_tokens: None,
        })
    );
}

#[test]
fn messages_sse_merges_start_and_delta() {
    let sse = concat!(
        "event: message_start\n",
        "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":25,",
        "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":100,\"output_tokens\":1}}}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: ping\ndata: {\"type\": \"ping\"}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n",
        "event: message_delta\n",
        "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":15}}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    );
    assert_eq!(
        usage_from_sse(LlmApi::Messages, sse.as_bytes()),
        Some(Usage {
            input_tokens: Some(125),
            output_tokens: Some(15),
            cache_read_tokens: Some(100),
            cache_write_tokens: Some(0),
            reasoning_tokens: None,
        })
    );
}

#[test]
fn messages_stream_error_event() {
    let mut s = StreamUsage::new(LlmApi::Messages);
    s.observe(
        &json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    );
    assert_eq!(s.error(), Some("Overloaded"));
}

#[test]
fn gemini_json_sse_and_array() {
    let chunk = |text: &str, usage: serde_json::Value| {
        json!({
            "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}}],
            "usageMetadata": usage,
            "modelVersion": "gemini-2.5-flash"
        })
    };
    let last = json!({
        "promptTokenCount": 900, "cachedContentTokenCount": 600,
        "candidatesTokenCount": 40, "thoughtsTokenCount": 100, "totalTokenCount": 1040
    });
    let want = Some(Usage {
        input_tokens: Some(900),
        output_tokens: Some(140),
        cache_read_tokens: Some(600),
        cache_write_tokens: None,
        reasoning_tokens: Some(100),
    });
    let first = chunk(
        "Hel",
        json!({"promptTokenCount": 900, "totalTokenCount": 900}),
    );
    let second = chunk("lo", last.clone());
    assert_eq!(
        usage_from_json(LlmApi::Gemini, second.to_string().as_bytes()),
        want
    );
    let sse = format!("data: {first}\r\n\r\ndata: {second}\r\n\r\n");
    assert_eq!(usage_from_sse(LlmApi::Gemini, sse.as_bytes()), want);
    let array = json!([first, second]);
    assert_eq!(
        usage_from_json(LlmApi::Gemini, array.to_string().as_bytes()),
        want
    );
}

#[test]
fn missing_usage_is_none() {
    assert_eq!(usage_from_json(LlmApi::Chat, br#"{"choices":[]}"#), None);
    assert_eq!(usage_from_json(LlmApi::Messages, b"not json"), None);
    assert_eq!(usage_from_sse(LlmApi::Gemini, b"data: [DONE]\n\n"), None);
}
