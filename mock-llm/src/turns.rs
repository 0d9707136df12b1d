//! Turn selection: which scripted turn answers a request, derived only from the
//! request itself so concurrent runs never interfere.
//!
//! 1. The first side turn (`match:`) whose conditions all hold answers.
//! 2. Requests without tools get `options.default_text` (unless
//!    `options.toolless: script`): title generation, next-speaker checks and
//!    summaries never consume a turn.
//! 3. Otherwise sequential turn number `assistant_turns` answers; past the end,
//!    `options.default_text`.

use crate::conversation::Conversation;
use crate::error::MockError;
use crate::limits::ErrorCounts;
use crate::reply::Reply;
use crate::script::{Match, Script, Toolless, Turn};
use crate::tools;

/// Which turn answers, before mapping onto the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Sequential turn with this index.
    Turn(usize),
    /// Side turn at this index of `script.turns`.
    Side(usize),
    /// The default text.
    Default,
}

/// Picks the turn for a request.
pub fn choose(script: &Script, conv: &Conversation) -> Choice {
    if let Some(i) = script
        .turns
        .iter()
        .position(|t| t.matches.as_ref().is_some_and(|m| matches(m, conv)))
    {
        return Choice::Side(i);
    }
    if conv.tools.is_empty() && script.options.toolless == Toolless::Default {
        return Choice::Default;
    }
    let n = sequential(script).count();
    if conv.assistant_turns < n {
        Choice::Turn(conv.assistant_turns)
    } else {
        Choice::Default
    }
}

/// Builds the reply for a request, or the scripted/refusal error. Without
/// server state, an `error.times` error answers every time.
pub fn respond(script: &Script, conv: &Conversation) -> Result<Reply, MockError> {
    respond_counting(script, conv, None)
}

/// Like [`respond`], counting `error.times` errors in `counts` (the server's).
pub fn respond_counting(
    script: &Script,
    conv: &Conversation,
    counts: Option<&ErrorCounts>,
) -> Result<Reply, MockError> {
    let index = match choose(script, conv) {
        Choice::Turn(i) => script
            .turns
            .iter()
            .enumerate()
            .filter(|(_, t)| t.matches.is_none())
            .nth(i)
            .map(|(k, _)| k),
        Choice::Side(i) => Some(i),
        Choice::Default => None,
    };
    let Some((index, turn)) = index.and_then(|k| script.turns.get(k).map(|t| (k, t))) else {
        return Ok(default_reply(script, conv));
    };
    if let Some(e) = &turn.error {
        let send = match (e.times, counts) {
            (Some(times), Some(c)) => c.take(index, times),
            _ => true,
        };
        if send {
            return Err(MockError::Scripted {
                status: e.status,
                message: e.message.clone(),
                retry_after: e.retry_after,
                retry_after_ms: e.retry_after_ms,
            });
        }
    }
    let mut calls = Vec::new();
    let mut text = match (turn.variants.is_empty(), counts) {
        (true, _) => turn.text.clone().unwrap_or_default(),
        (false, Some(c)) => {
            let pick = c.next_variant(index, turn.variants.len());
            turn.variants.get(pick).cloned().unwrap_or_default()
        }
        (false, None) => turn.variants.first().cloned().unwrap_or_default(),
    };
    for action in turn.all_actions() {
        match tools::resolve(&action, &conv.tools) {
            Some(call) => calls.push(call),
            None => {
                // The request has no tool for this action: say so instead of
                // calling a tool the agent does not know.
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(&format!(
                    "[mock-llm: no declared tool can carry {action:?}; declared: {}]",
                    conv.tools
                        .iter()
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    Ok(Reply {
        text,
        calls,
        usage: turn.usage.unwrap_or(script.options.usage),
        delay_ms: turn.delay_ms.unwrap_or(script.options.delay_ms),
    })
}

fn default_reply(script: &Script, conv: &Conversation) -> Reply {
    let text = if conv.wants_json {
        // Structured side requests (gemini-cli's model router and
        // next-speaker check): the smallest value the schema accepts.
        crate::json_default::reply_for(&conv.json_schema)
    } else {
        script.options.default_text.clone()
    };
    Reply {
        text,
        calls: Vec::new(),
        usage: script.options.usage,
        delay_ms: script.options.delay_ms,
    }
}

fn sequential(script: &Script) -> impl Iterator<Item = &Turn> {
    script.turns.iter().filter(|t| t.matches.is_none())
}

fn matches(m: &Match, conv: &Conversation) -> bool {
    let contains = |cond: &Option<String>, hay: &str| cond.as_ref().is_none_or(|c| hay.contains(c));
    contains(&m.last_user, &conv.last_user_text)
        && contains(&m.any, &conv.all_text)
        && contains(&m.model, &conv.model)
        && contains(&m.path, &conv.path)
        && m.has_tools.is_none_or(|h| h != conv.tools.is_empty())
}
