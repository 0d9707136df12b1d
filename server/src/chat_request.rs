//! The body of `POST /v1/chat/completions`, typed once at the edge.
//!
//! A body without a `wharf` (alias `jetty`) block is a model call: only its mode is read
//! here and the bytes go to the gateway untouched. A body with one is a runbook run: it is
//! parsed into [`ChatCompletionRequest`] (OpenAI's own top-level fields are tolerated,
//! since clients send many; the block is ours and strict) and converted with `TryFrom`
//! into a [`ChatRun`]. Nothing after this module looks at the JSON again.

use std::collections::HashMap;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};

use crate::error::ApiError;
use crate::submit::{RunInput, RunOptions};

/// What a chat completion body asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatMode {
    /// A model call, forwarded to the gateway as sent.
    Passthrough,
    /// A runbook run (the body has a `wharf` or `jetty` block).
    Runbook,
}

impl ChatMode {
    /// Reads which mode `body` asks for, without reading its values.
    pub fn of(body: &[u8]) -> Result<ChatMode, ApiError> {
        let keys: HashMap<String, IgnoredAny> = serde_json::from_slice(body).map_err(|e| {
            if e.is_data() {
                ApiError::BadRequest("the body must be a JSON object".into())
            } else {
                ApiError::BadRequest(format!("invalid JSON body: {e}"))
            }
        })?;
        Ok(
            if keys.contains_key("wharf") || keys.contains_key("jetty") {
                ChatMode::Runbook
            } else {
                ChatMode::Passthrough
            },
        )
    }
}

/// A chat completion that runs a runbook: the fields wharf reads.
#[derive(Debug, Deserialize)]
pub struct ChatCompletionRequest {
    /// The conversation: the system (or developer) message is the runbook, user messages
    /// are appended to it as the request.
    pub messages: Vec<ChatMessage>,
    /// Answer with `chat.completion.chunk` events while the run goes.
    #[serde(default)]
    pub stream: Option<bool>,
    /// The run options.
    #[serde(alias = "jetty")]
    pub wharf: RunOptions,
}

impl ChatCompletionRequest {
    /// Parses a body; errors name the field (`messages[1].content`, `wharf.timeout_sec`).
    pub fn parse(body: &[u8]) -> Result<ChatCompletionRequest, ApiError> {
        let de = &mut serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(de).map_err(|e| {
            ApiError::BadRequest(format!(
                "invalid chat completion body at `{}`: {}",
                e.path(),
                e.inner()
            ))
        })
    }
}

/// One message of the conversation. Fields wharf does not read (`name`, `tool_calls`...)
/// are tolerated.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChatMessage {
    /// Who speaks; only `system`/`developer` (the runbook) and `user` are read.
    pub role: Role,
    /// What is said; `None` when absent or null.
    #[serde(default)]
    pub content: Option<MessageContent>,
}

/// The role of a message, as far as a runbook run cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Carries the runbook.
    System,
    /// Carries the runbook (OpenAI's newer name for `system`).
    Developer,
    /// Carries the request appended to the runbook.
    User,
    /// Any other role (`assistant`, `tool`...): not read.
    #[serde(other)]
    Other,
}

impl Role {
    /// Whether a message of this role holds the runbook.
    fn holds_runbook(self) -> bool {
        matches!(self, Role::System | Role::Developer)
    }
}

/// A message's content: a string, or content parts whose text is joined by newlines
/// (parts without text, such as images, are skipped).
#[derive(Debug, Clone, PartialEq)]
pub struct MessageContent(pub String);

impl<'de> Deserialize<'de> for MessageContent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ContentVisitor)
    }
}

/// One content part; only its text is read.
#[derive(Debug, Deserialize)]
struct ContentPart {
    #[serde(default)]
    text: Option<String>,
}

struct ContentVisitor;

impl<'de> Visitor<'de> for ContentVisitor {
    type Value = MessageContent;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string or an array of content parts")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<MessageContent, E> {
        Ok(MessageContent(text.to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<MessageContent, E> {
        Ok(MessageContent(text))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MessageContent, A::Error> {
        let mut texts = Vec::new();
        while let Some(part) = seq.next_element::<ContentPart>()? {
            texts.extend(part.text);
        }
        Ok(MessageContent(texts.join("\n")))
    }
}

/// A runbook run asked for by a chat completion, ready to submit.
#[derive(Debug)]
pub struct ChatRun {
    /// The run: the block's options and the runbook (with the user's request appended).
    pub input: RunInput,
    /// Whether to answer as a stream of chunks.
    pub stream: bool,
}

impl TryFrom<ChatCompletionRequest> for ChatRun {
    type Error = ApiError;

    fn try_from(body: ChatCompletionRequest) -> Result<ChatRun, ApiError> {
        let options = body.wharf;
        if let Some(flag) = &options.runbook
            && flag != &serde_json::Value::Bool(true)
        {
            return Err(ApiError::BadRequest(
                "`wharf.runbook` must be true (the system message is the runbook)".into(),
            ));
        }
        let mut runbook = body
            .messages
            .iter()
            .find(|m| m.role.holds_runbook())
            .and_then(|m| m.content.as_ref())
            .map(|c| c.0.clone());
        let request: Vec<&str> = body
            .messages
            .iter()
            .filter(|m| m.role == Role::User)
            .filter_map(|m| m.content.as_ref().map(|c| c.0.as_str()))
            .filter(|t| !t.trim().is_empty())
            .collect();
        if let Some(text) = &mut runbook
            && !request.is_empty()
        {
            text.push_str("\n\n## Request from the user\n\n");
            text.push_str(&request.join("\n\n"));
            text.push('\n');
        }
        Ok(ChatRun {
            input: RunInput {
                options,
                runbook,
                files: Vec::new(),
            },
            stream: body.stream.unwrap_or(false),
        })
    }
}

impl ChatRun {
    /// Parses and converts a runbook chat body.
    pub fn parse(body: &[u8]) -> Result<ChatRun, ApiError> {
        ChatRun::try_from(ChatCompletionRequest::parse(body)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(err: ApiError) -> String {
        match err {
            ApiError::BadRequest(m) => m,
            other => panic!("not a bad request: {other:?}"),
        }
    }

    #[test]
    fn the_mode_follows_the_block() {
        assert_eq!(
            ChatMode::of(br#"{"model":"m","messages":[{"role":"tool"}]}"#).unwrap(),
            ChatMode::Passthrough
        );
        assert_eq!(
            ChatMode::of(br#"{"wharf":{},"messages":[]}"#).unwrap(),
            ChatMode::Runbook
        );
        assert_eq!(
            ChatMode::of(br#"{"jetty":null}"#).unwrap(),
            ChatMode::Runbook
        );
        assert_eq!(
            message(ChatMode::of(b"[1, 2]").unwrap_err()),
            "the body must be a JSON object"
        );
        assert!(message(ChatMode::of(b"{").unwrap_err()).starts_with("invalid JSON body: "));
    }

    #[test]
    fn the_runbook_is_the_system_message_plus_the_users_request() {
        let run = ChatRun::parse(
            br##"{
                "model": "wharf", "temperature": 0.2, "stream": true,
                "messages": [
                    {"role": "developer", "content": [{"type": "text", "text": "# Task"}, {"type": "image_url", "image_url": {"url": "x"}}, {"type": "text", "text": "Do it."}]},
                    {"role": "assistant", "content": null, "tool_calls": []},
                    {"role": "user", "content": "first", "name": "ann"},
                    {"role": "user", "content": "  "},
                    {"role": "user", "content": [{"type": "text", "text": "second"}]}
                ],
                "wharf": {"runbook": true, "agent": "command", "timeout_hint": 5}
            }"##,
        )
        .unwrap();
        assert!(run.stream);
        assert_eq!(
            run.input.runbook.as_deref(),
            Some("# Task\nDo it.\n\n## Request from the user\n\nfirst\n\nsecond\n")
        );
        assert_eq!(run.input.options.agent.as_deref(), Some("command"));
        assert_eq!(run.input.options.timeout_hint, Some(5.0));
    }

    #[test]
    fn without_a_system_message_there_is_no_runbook() {
        let run =
            ChatRun::parse(br#"{"messages":[{"role":"user","content":"hi"}],"jetty":{}}"#).unwrap();
        assert_eq!(run.input.runbook, None);
        assert!(!run.stream);
    }

    #[test]
    fn errors_name_the_field() {
        let cases: [(&[u8], &str); 6] = [
            (
                br#"{"messages":[],"wharf":{"agnet":"x"}}"#,
                "invalid chat completion body at `wharf.agnet`: unknown field `agnet`",
            ),
            (
                br#"{"messages":[],"wharf":{"timeout_sec":"long"}}"#,
                "invalid chat completion body at `wharf.timeout_sec`: invalid type: string",
            ),
            (
                br#"{"wharf":{}}"#,
                "invalid chat completion body at `.`: missing field `messages`",
            ),
            (
                br#"{"messages":{},"wharf":{}}"#,
                "invalid chat completion body at `messages`: invalid type: map",
            ),
            (
                br#"{"messages":[{"role":"user","content":7}],"wharf":{}}"#,
                "invalid chat completion body at `messages[0].content`: invalid type: integer `7`, expected a string or an array of content parts",
            ),
            (
                br#"{"messages":[],"stream":"yes","wharf":{}}"#,
                "invalid chat completion body at `stream`: invalid type: string",
            ),
        ];
        for (body, expected) in cases {
            let got = message(ChatRun::parse(body).unwrap_err());
            assert!(got.starts_with(expected), "{got}");
        }
    }

    #[test]
    fn the_runbook_flag_must_be_true() {
        let err = ChatRun::parse(br#"{"messages":[],"wharf":{"runbook":"yes"}}"#).unwrap_err();
        assert_eq!(
            message(err),
            "`wharf.runbook` must be true (the system message is the runbook)"
        );
    }
}
