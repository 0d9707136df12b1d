//! [`StreamParser`] and what every runtime's parser shares: line cleaning, `raw` placement,
//! the session bookkeeping that closes a stream that ended without its final line.

use serde_json::{Map, Value};
use wharf_model::EventKind;

use crate::event::AgentEvent;

/// Turns a runtime's native output, line by line, into [`AgentEvent`]s.
///
/// Parsers are stateful (they pair tool calls with their results) and total: a line that is
/// not JSON, has an unknown type or lacks fields becomes a `log` event that keeps the line.
/// They never fail and never panic.
pub trait StreamParser: Send {
    /// Feeds one line (a trailing `\n` / `\r\n` is ignored). Blank lines yield nothing.
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent>;
    /// Ends the stream: flushes buffered events and closes an open session with a
    /// `session_end` (status `incomplete` when the stream broke off before its end).
    fn finish(&mut self) -> Vec<AgentEvent>;
}

/// Feeds every line of `text` and finishes: the events of a whole capture.
pub fn parse_all(parser: &mut dyn StreamParser, text: &str) -> Vec<AgentEvent> {
    let mut events = Vec::new();
    for line in text.lines() {
        events.extend(parser.feed_line(line));
    }
    events.extend(parser.finish());
    events
}

/// The line without its line ending, or `None` when it is blank.
pub(crate) fn clean_line(line: &str) -> Option<&str> {
    let line = line.trim_end_matches(['\n', '\r']);
    if line.trim().is_empty() {
        None
    } else {
        Some(line)
    }
}

/// The line as a JSON object, when it is one.
pub(crate) fn json_object(line: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// Puts the native line on the first event; a line that produced nothing becomes a `log`.
pub(crate) fn attach_raw(mut events: Vec<AgentEvent>, line: &str) -> Vec<AgentEvent> {
    match events.first_mut() {
        Some(first) => first.raw = Some(line.to_owned()),
        None => events.push(AgentEvent::log(line)),
    }
    events
}

/// Whether a session was opened and closed, so `finish` can close it.
#[derive(Debug, Default)]
pub(crate) struct Session {
    started: bool,
    ended: bool,
}

impl Session {
    /// Returns a `session_start` the first time, `None` afterwards.
    pub(crate) fn start(&mut self) -> Option<AgentEvent> {
        if self.started {
            return None;
        }
        self.started = true;
        self.ended = false;
        Some(AgentEvent::new(EventKind::SessionStart))
    }

    /// Marks the session closed by the stream itself.
    pub(crate) fn end(&mut self) -> AgentEvent {
        self.started = true;
        self.ended = true;
        AgentEvent::new(EventKind::SessionEnd)
    }

    /// At end of stream: a `session_end` with this status if the stream opened a session
    /// and never closed it (`incomplete` when the stream broke off, or what the runtime's
    /// last line said for streams without an end line).
    pub(crate) fn finish(&mut self, status: &str) -> Option<AgentEvent> {
        if !self.started || self.ended {
            return None;
        }
        self.ended = true;
        let mut end = AgentEvent::new(EventKind::SessionEnd);
        end.status = Some(status.to_owned());
        Some(end)
    }
}
