//! `POST /v1/chat/completions`: a model passthrough through the gateway, or, with a
//! `wharf` (alias `jetty`) block, a runbook run whose system message is the runbook.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use wharf_catalog::RunState;
use wharf_gateway::Endpoint;

use crate::auth::Caller;
use crate::chat_request::{ChatMode, ChatRun};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::stream::{ChunkFraming, respond, result_json, result_text};
use crate::submit::submit;
use crate::views::run_view;

/// `POST /v1/chat/completions`: a model call passed through, or a run with a `wharf` block.
pub async fn completions(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    let bytes = crate::body::read(body, state.config.max_json_bytes).await?;
    match ChatMode::of(&bytes)? {
        ChatMode::Passthrough => {
            Ok(
                crate::handlers::passthrough::forward(&state, &caller, Endpoint::Chat, &req, bytes)
                    .await?,
            )
        }
        ChatMode::Runbook => runbook_mode(&state, &caller, ChatRun::parse(&bytes)?).await,
    }
}

async fn runbook_mode(state: &AppState, caller: &Caller, chat: ChatRun) -> ApiResult<HttpResponse> {
    let ChatRun { input, stream } = chat;
    let wait = input
        .options
        .timeout_hint
        .filter(|t| t.is_finite() && *t >= 0.0)
        .unwrap_or(state.config.wait_hint_secs);
    let run = submit(state, caller.collection(), input).await?;
    let model = format!(
        "wharf/{}",
        run.agent.clone().unwrap_or_else(|| "agent".into())
    );
    let created = run.created_at.timestamp();
    if stream {
        let framing = ChunkFraming {
            id: format!("chatcmpl-{}", run.run_id),
            model,
            created,
            started: false,
        };
        return Ok(respond(state, run, 0, framing));
    }
    let finished = wait_for_end(state, &run, Duration::from_secs_f64(wait)).await;
    match finished {
        Some(done) => Ok(HttpResponse::Ok().json(json!({
            "id": format!("chatcmpl-{}", done.run_id),
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": result_text(&done)},
                "finish_reason": "stop",
            }],
            "usage": usage(&done),
            "wharf": result_json(&done),
        }))),
        None => {
            let latest = state.catalog().run_any(&run.run_id).await?.unwrap_or(run);
            Ok(HttpResponse::build(StatusCode::ACCEPTED).json(json!({
                "id": format!("chatcmpl-{}", latest.run_id),
                "object": "wharf.run",
                "run_id": latest.run_id,
                "status": latest.status,
                "note": "the run is still going; follow it at urls.events or poll urls.self",
                "run": run_view(&latest),
            })))
        }
    }
}

fn usage(run: &RunState) -> Value {
    let (input, output) = run
        .summary
        .as_ref()
        .map_or((0, 0), |s| (s.input_tokens, s.output_tokens));
    json!({"prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output})
}

/// Waits until the run ends or `wait` passes.
async fn wait_for_end(state: &AppState, run: &RunState, wait: Duration) -> Option<RunState> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut sub = state.service.bus().subscribe(&run.run_id);
    loop {
        if let Ok(Some(r)) = state.catalog().run_any(&run.run_id).await
            && r.status.is_done()
        {
            return Some(r);
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return None;
        }
        let step = (deadline - now).min(Duration::from_millis(500));
        match &mut sub {
            Some(s) => {
                let _ = tokio::time::timeout(step, s.live.recv()).await;
            }
            None => tokio::time::sleep(step).await,
        }
    }
}
