//! Server-sent events: framing and a paced streaming body.

use std::convert::Infallible;
use std::time::Duration;

use actix_web::HttpResponse;
use bytes::Bytes;
use serde_json::Value;

/// One SSE event; `event: None` writes only a `data:` line (OpenAI Chat, Gemini).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub event: Option<String>,
    pub data: String,
}

impl Event {
    /// `event: NAME` + JSON data (Anthropic, OpenAI Responses).
    pub fn named(name: &str, data: &Value) -> Event {
        Event {
            event: Some(name.to_owned()),
            data: data.to_string(),
        }
    }

    /// Data-only JSON event.
    pub fn data(data: &Value) -> Event {
        Event {
            event: None,
            data: data.to_string(),
        }
    }

    /// Data-only raw event (`[DONE]`).
    pub fn raw(data: &str) -> Event {
        Event {
            event: None,
            data: data.to_owned(),
        }
    }

    pub fn encode(&self) -> Bytes {
        let mut s = String::new();
        if let Some(name) = &self.event {
            s.push_str("event: ");
            s.push_str(name);
            s.push('\n');
        }
        s.push_str("data: ");
        s.push_str(&self.data);
        s.push_str("\n\n");
        Bytes::from(s)
    }
}

/// Pacing of streamed replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    /// Characters per delta.
    pub chunk_size: usize,
    /// Delay between events.
    pub chunk_delay_ms: u64,
}

/// A `text/event-stream` response sending `events` with `pace` between them.
pub fn response(events: Vec<Event>, pace: Pace) -> HttpResponse {
    let delay = Duration::from_millis(pace.chunk_delay_ms);
    let stream = futures::stream::unfold(
        (events.into_iter(), true),
        move |(mut it, first)| async move {
            let ev = it.next()?;
            if !first && !delay.is_zero() {
                actix_web::rt::time::sleep(delay).await;
            }
            Some((Ok::<Bytes, Infallible>(ev.encode()), (it, false)))
        },
    );
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .streaming(stream)
}
