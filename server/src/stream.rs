//! Following a run over SSE. One producer task per subscriber reads the event bus (the
//! backlog first, then live events, catching up from the backlog when it lags), adds
//! heartbeats, and ends with the run's final state. Two framings share it: the REST
//! `/events` stream and the `chat.completion.chunk` stream of `/v1/chat/completions`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpResponse;
use bytes::Bytes;
use futures::Stream;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use wharf_catalog::RunState;
use wharf_engine::BusEvent;

use crate::state::AppState;
use crate::views::{artifact_url, run_view};

/// Version of the structured event schema in stream frames (`docs/streaming.md`).
pub const STREAM_SCHEMA: &str = "wharf.stream.v1";

/// What a subscriber is sent.
pub enum Frame<'a> {
    /// One progress report.
    Event(&'a BusEvent),
    /// Nothing happened for a while.
    Heartbeat,
    /// The run is over: its final state.
    End(&'a RunState),
}

/// Turns frames into bytes on the wire.
pub trait Framing: Send + 'static {
    /// The bytes of one frame.
    fn frame(&mut self, frame: Frame<'_>) -> Bytes;
    /// Bytes after the end frame.
    fn done(&mut self) -> Option<Bytes> {
        None
    }
}

/// The structured form of a progress report.
pub fn event_json(e: &BusEvent) -> Value {
    let mut v = serde_json::to_value(&e.progress).unwrap_or_else(|_| json!({}));
    if let Some(o) = v.as_object_mut() {
        // `Progress` tags itself with `event`; the stream calls it `type`.
        if let Some(kind) = o.remove("event") {
            o.insert("type".into(), kind);
        }
        o.insert("seq".into(), e.seq.into());
        o.insert("schema".into(), STREAM_SCHEMA.into());
    }
    v
}

/// The final result: status, error, scores, artifact URLs, the run.
pub fn result_json(run: &RunState) -> Value {
    let summary = run.summary.as_ref();
    let artifacts: Vec<Value> = summary
        .map(|s| s.artifacts.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|a| {
            json!({
                "path": a.path,
                "bytes": a.bytes,
                "url": artifact_url(&run.run_id, &a.path),
            })
        })
        .collect();
    json!({
        "schema": STREAM_SCHEMA,
        "type": "result",
        "run_id": run.run_id,
        "status": run.status,
        "error": run.error,
        "passed": summary.and_then(|s| s.passed),
        "scores": summary.map(|s| s.checks.as_slice()).unwrap_or_default(),
        "artifacts": artifacts,
        "summary": run.summary,
        "run": run_view(run),
    })
}

/// Starts the producer for `run` and returns the SSE response.
pub fn respond(
    state: &AppState,
    run: RunState,
    after_seq: u64,
    framing: impl Framing,
) -> HttpResponse {
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let heartbeat = Duration::from_secs_f64(state.config.heartbeat_secs.max(0.05));
    tokio::spawn(produce(
        state.clone(),
        run,
        after_seq,
        framing,
        tx,
        heartbeat,
    ));
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .insert_header(("x-accel-buffering", "no"))
        .insert_header(("content-encoding", "identity"))
        .streaming(receiver_stream(rx))
}

fn receiver_stream(rx: mpsc::Receiver<Bytes>) -> impl Stream<Item = Result<Bytes, Infallible>> {
    futures::stream::unfold(
        rx,
        |mut rx| async move { rx.recv().await.map(|b| (Ok(b), rx)) },
    )
}

async fn produce(
    state: AppState,
    run: RunState,
    mut last: u64,
    mut framing: impl Framing,
    tx: mpsc::Sender<Bytes>,
    heartbeat: Duration,
) {
    let bus = state.service.bus();
    if let Some(mut sub) = bus.subscribe(&run.run_id) {
        for e in &sub.backlog {
            if e.seq > last {
                last = e.seq;
                if tx.send(framing.frame(Frame::Event(e))).await.is_err() {
                    return;
                }
            }
        }
        if !sub.finished {
            loop {
                let next = tokio::time::timeout(heartbeat, sub.live.recv()).await;
                let events: Vec<Arc<BusEvent>> = match next {
                    Err(_) => {
                        if tx.send(framing.frame(Frame::Heartbeat)).await.is_err() {
                            return;
                        }
                        continue;
                    }
                    Ok(Ok(e)) => vec![e],
                    Ok(Err(RecvError::Lagged(_))) => bus.since(&run.run_id, last),
                    Ok(Err(RecvError::Closed)) => break,
                };
                for e in events {
                    if e.seq > last {
                        last = e.seq;
                        if tx.send(framing.frame(Frame::Event(&e))).await.is_err() {
                            return;
                        }
                    }
                }
            }
        }
    } else if run.status.is_live() {
        // Known to the catalog but not to this process's bus (another worker runs it):
        // follow its state until it ends.
        loop {
            tokio::time::sleep(heartbeat.min(Duration::from_secs(1))).await;
            match state.catalog().run_any(&run.run_id).await {
                Ok(Some(r)) if r.status.is_done() => break,
                Ok(Some(_)) => {
                    if tx.send(framing.frame(Frame::Heartbeat)).await.is_err() {
                        return;
                    }
                }
                _ => break,
            }
        }
    }
    // The service records the run's end in the catalog before it closes the stream.
    let final_state = match state.catalog().run_any(&run.run_id).await {
        Ok(Some(r)) => r,
        _ => run,
    };
    let _ = tx.send(framing.frame(Frame::End(&final_state))).await;
    if let Some(done) = framing.done() {
        let _ = tx.send(done).await;
    }
}

/// `event:`/`data:` frames of `GET /api/v1/runs/{id}/events`.
pub struct EventFraming;

impl Framing for EventFraming {
    fn frame(&mut self, frame: Frame<'_>) -> Bytes {
        match frame {
            Frame::Event(e) => {
                let v = event_json(e);
                let kind = v.get("type").and_then(Value::as_str).unwrap_or("progress");
                Bytes::from(format!("id: {}\nevent: {kind}\ndata: {v}\n\n", e.seq))
            }
            Frame::Heartbeat => Bytes::from_static(b": heartbeat\n\n"),
            Frame::End(run) => {
                Bytes::from(format!("event: result\ndata: {}\n\n", result_json(run)))
            }
        }
    }
}

/// `chat.completion.chunk` frames: human-readable progress as the delta text, the
/// structured event in `wharf`.
pub struct ChunkFraming {
    /// Completion id (`chatcmpl-<run id>`).
    pub id: String,
    /// Model name shown (`wharf/<agent>`).
    pub model: String,
    /// Creation time (unix seconds).
    pub created: i64,
    /// Whether the role chunk was sent.
    pub started: bool,
}

impl ChunkFraming {
    fn chunk(&mut self, content: String, finish: Option<&str>, wharf: Value) -> Bytes {
        let mut delta = json!({"content": content});
        if !self.started {
            self.started = true;
            delta["role"] = "assistant".into();
        }
        let v = json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            "wharf": wharf,
        });
        Bytes::from(format!("data: {v}\n\n"))
    }
}

/// The text a chat client shows for the end of a run.
pub fn result_text(run: &RunState) -> String {
    let mut text = format!("\nRun {} ended: {}", run.run_id, run.status);
    if let Some(e) = &run.error {
        text.push_str(&format!(" ({e})"));
    }
    text.push('\n');
    for a in run.summary.iter().flat_map(|s| &s.artifacts) {
        let url = artifact_url(&run.run_id, &a.path);
        text.push_str(&format!("- {}: {url}\n", a.path));
    }
    text
}

impl Framing for ChunkFraming {
    fn frame(&mut self, frame: Frame<'_>) -> Bytes {
        match frame {
            Frame::Event(e) => {
                let (done, current) = e.progress.describe();
                let text = done.or(current).map(|t| t + "\n").unwrap_or_default();
                self.chunk(text, None, event_json(e))
            }
            Frame::Heartbeat => self.chunk(
                String::new(),
                None,
                json!({"schema": STREAM_SCHEMA, "type": "heartbeat"}),
            ),
            Frame::End(run) => self.chunk(result_text(run), Some("stop"), result_json(run)),
        }
    }

    fn done(&mut self) -> Option<Bytes> {
        Some(Bytes::from_static(b"data: [DONE]\n\n"))
    }
}
