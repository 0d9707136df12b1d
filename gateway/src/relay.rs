//! The response body relayed to the client chunk by chunk, watching it pass: usage,
//! first content, errors. The call is recorded when the body ends, fails, or is dropped
//! because the client went away.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;

use crate::error::{GatewayError, upstream_error_message};
use crate::record::{CallEnd, CallStart, Recorder};
use crate::sse::SseParser;
use crate::usage::{StreamUsage, usage_from_json};

/// Upstream body stream.
pub(crate) type UpstreamBody = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// How the body is watched (one per call, so variant sizes do not matter).
#[allow(clippy::large_enum_variant)]
enum Watch {
    /// SSE: parsed event by event, nothing kept.
    Sse {
        parser: SseParser,
        usage: StreamUsage,
    },
    /// JSON (or anything else): kept up to a limit, parsed at the end.
    Json {
        body: Vec<u8>,
        limit: usize,
        overflowed: bool,
    },
}

/// A call being relayed.
struct Watched {
    start: CallStart,
    status: u16,
    watch: Watch,
    recorder: Recorder,
    first_byte: Option<Duration>,
    first_content: Option<Duration>,
}

/// The body handed to actix.
pub(crate) struct RecordingBody {
    upstream: UpstreamBody,
    call: Option<Watched>,
}

impl RecordingBody {
    /// Relays without recording (model listings, token counts).
    pub fn plain(upstream: UpstreamBody) -> Self {
        Self {
            upstream,
            call: None,
        }
    }

    /// Relays and records `start` when the body ends.
    pub fn recorded(
        upstream: UpstreamBody,
        start: CallStart,
        status: u16,
        sse: bool,
        capture_limit: usize,
        recorder: Recorder,
    ) -> Self {
        let watch = if sse {
            Watch::Sse {
                parser: SseParser::default(),
                usage: StreamUsage::new(start.api),
            }
        } else {
            Watch::Json {
                body: Vec::new(),
                limit: capture_limit,
                overflowed: false,
            }
        };
        let call = Watched {
            start,
            status,
            watch,
            recorder,
            first_byte: None,
            first_content: None,
        };
        Self {
            upstream,
            call: Some(call),
        }
    }

    fn end(&mut self, failure: Option<String>) {
        if let Some(call) = self.call.take() {
            call.finish(failure);
        }
    }
}

impl Watched {
    fn observe(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        let now = self.start.clock.elapsed();
        self.first_byte.get_or_insert(now);
        match &mut self.watch {
            Watch::Sse { parser, usage } => {
                for event in parser.feed(chunk) {
                    if usage.observe_data(&event.data) && self.first_content.is_none() {
                        self.first_content = Some(now);
                    }
                }
            }
            Watch::Json {
                body,
                limit,
                overflowed,
            } => {
                if body.len() + chunk.len() <= *limit {
                    body.extend_from_slice(chunk);
                } else {
                    *overflowed = true;
                }
            }
        }
    }

    fn finish(mut self, failure: Option<String>) {
        let latency = self.start.clock.elapsed();
        let api = self.start.api;
        let failed_status = self.status >= 400;
        let (usage, upstream_error, ttft) = match &mut self.watch {
            Watch::Sse { parser, usage } => {
                if let Some(event) = parser.finish() {
                    usage.observe_data(&event.data);
                }
                let ttft = self.first_content.or(self.first_byte);
                (usage.usage(), usage.error().map(str::to_owned), ttft)
            }
            Watch::Json {
                body, overflowed, ..
            } => {
                let usage = if *overflowed {
                    None
                } else {
                    usage_from_json(api, body)
                };
                let error = failed_status.then(|| upstream_error_message(body));
                let ttft = if self.start.streamed {
                    self.first_byte
                } else {
                    Some(latency)
                };
                (usage, error, ttft)
            }
        };
        let error = match (failure, upstream_error) {
            (Some(f), Some(u)) => Some(format!("{f}; upstream said: {u}")),
            (f, u) => f.or(u),
        };
        let end = CallEnd {
            status: Some(self.status),
            usage,
            ttft,
            error,
            latency: Some(latency),
        };
        self.recorder.finish(&self.start, end);
    }
}

impl Stream for RecordingBody {
    type Item = Result<Bytes, GatewayError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match this.upstream.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                if let Some(call) = &mut this.call {
                    call.observe(&chunk);
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                let provider = this
                    .call
                    .as_ref()
                    .map(|c| c.start.grant.provider.name().to_owned());
                let message = format!("upstream stream failed: {e}");
                this.end(Some(message.clone()));
                Poll::Ready(Some(Err(GatewayError::Upstream {
                    provider: provider.unwrap_or_default(),
                    message,
                })))
            }
            Poll::Ready(None) => {
                this.end(None);
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for RecordingBody {
    fn drop(&mut self) {
        self.end(Some(
            "client disconnected before the response ended".to_owned(),
        ));
    }
}
