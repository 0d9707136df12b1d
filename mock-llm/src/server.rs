//! The HTTP server: one catch-all handler records the request, routes it by
//! path to an API module, and maps errors to native error bodies (the only
//! place errors become HTTP).

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::conversation::{Api, Conversation};
use crate::error::MockError;
use crate::limits::{ErrorCounts, RateLimiter};
use crate::record::RecordedRequest;
use crate::script::Script;
use crate::sse::Pace;
use crate::{anthropic, chat, gemini, native_error, responses, turns};

/// Largest request body accepted (agents send big system prompts and tool lists).
const MAX_BODY: usize = 256 * 1024 * 1024;

struct State {
    script: Script,
    requests: Mutex<Vec<RecordedRequest>>,
    journal: Option<Mutex<std::fs::File>>,
    limiter: Option<RateLimiter>,
    errors: ErrorCounts,
}

/// A running mock-llm on its own thread and actix runtime; stopped on drop.
pub struct MockServer {
    addr: SocketAddr,
    state: Arc<State>,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

impl MockServer {
    /// Serves `script` on 127.0.0.1 at a free port.
    pub fn start(script: Script) -> std::io::Result<MockServer> {
        MockServer::start_on("127.0.0.1:0", script)
    }

    /// Serves `script` on `addr` (`host:port`; port 0 picks a free one).
    pub fn start_on(addr: &str, script: Script) -> std::io::Result<MockServer> {
        MockServer::start_with_journal(addr, script, None)
    }

    /// Like `start_on`, also appending every request as one JSON line to `journal`.
    pub fn start_with_journal(
        addr: &str,
        script: Script,
        journal: Option<&std::path::Path>,
    ) -> std::io::Result<MockServer> {
        let journal = match journal {
            Some(p) => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)?,
            )),
            None => None,
        };
        let limiter = script.options.rate_limit.map(RateLimiter::new);
        let state = Arc::new(State {
            limiter,
            errors: ErrorCounts::default(),
            script,
            requests: Mutex::new(Vec::new()),
            journal,
        });
        let (tx, rx) = mpsc::channel();
        let addr = addr.to_owned();
        let thread_state = state.clone();
        let thread = std::thread::Builder::new()
            .name("mock-llm".into())
            .spawn(move || serve(&addr, thread_state, tx))?;
        match rx.recv() {
            Ok(Ok((addr, handle))) => Ok(MockServer {
                addr,
                state,
                handle,
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => Err(std::io::Error::other("mock-llm server thread exited")),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state.requests).clone()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        // `stop` sends the command eagerly; the returned future only waits.
        drop(self.handle.stop(false));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

type Ready = std::io::Result<(SocketAddr, ServerHandle)>;

fn serve(addr: &str, state: Arc<State>, tx: mpsc::Sender<Ready>) {
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        let data = web::Data::from(state);
        let bound = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(MAX_BODY))
                .default_service(web::to(handle))
        })
        .workers(2)
        .disable_signals()
        .shutdown_timeout(1)
        .bind(addr);
        let server = match bound {
            Ok(s) => s,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        let Some(local) = server.addrs().first().copied() else {
            let _ = tx.send(Err(std::io::Error::other("no address bound")));
            return;
        };
        let running = server.run();
        let _ = tx.send(Ok((local, running.handle())));
        let _ = running.await;
    });
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What a path asks for.
enum Route {
    Chat,
    Responses,
    Messages,
    CountTokens,
    Gemini(gemini::Target),
    Models,
    GeminiModels,
    Health,
    Unknown,
}

fn route(method: &str, path: &str) -> Route {
    let post = method == "POST";
    if post && path.ends_with("/chat/completions") {
        Route::Chat
    } else if post && path.ends_with("/responses") {
        Route::Responses
    } else if post && path.ends_with("/messages/count_tokens") {
        Route::CountTokens
    } else if post && path.ends_with("/messages") {
        Route::Messages
    } else if let Some(t) = gemini::target(path).filter(|_| post) {
        Route::Gemini(t)
    } else if method == "GET"
        && (path.starts_with("/v1beta/models") || path.starts_with("/v1alpha/models"))
    {
        Route::GeminiModels
    } else if method == "GET" && (path.starts_with("/v1/models") || path == "/models") {
        Route::Models
    } else if method == "GET" && matches!(path, "/" | "/health" | "/healthz") {
        Route::Health
    } else {
        Route::Unknown
    }
}

async fn handle(req: HttpRequest, body: Bytes, state: web::Data<State>) -> HttpResponse {
    let recorded = RecordedRequest::from_parts(&req, &body);
    if let Some(journal) = &state.journal
        && let Ok(line) = serde_json::to_value(&recorded)
    {
        let _ = writeln!(lock(journal), "{line}");
    }
    let json = recorded.body.clone();
    lock(&state.requests).push(recorded);
    let path = req.path().to_owned();
    let method = req.method().as_str().to_owned();
    if method == "HEAD" {
        // Connectivity probes (claude-code sends `HEAD /` at startup).
        return HttpResponse::Ok().finish();
    }
    let script = &state.script;
    let api = api_of(&req, &path);
    if let Err(e) = authorize(script, api, &req) {
        return error_response(api, &e);
    }
    let conv = match route(&method, &path) {
        Route::Chat => chat::conversation(&path, &json),
        Route::Responses => responses::conversation(&path, &json),
        Route::Messages => anthropic::conversation(&path, &json),
        Route::Gemini(t) if t.method == "countTokens" => {
            return HttpResponse::Ok().json(gemini::count_tokens(&json));
        }
        Route::Gemini(t) if t.method.ends_with("enerateContent") => {
            gemini::conversation(&path, &t, &json)
        }
        Route::CountTokens => return HttpResponse::Ok().json(anthropic::count_tokens(&json)),
        Route::Models | Route::GeminiModels => return models(script, api, &path),
        Route::Health => return HttpResponse::Ok().json(json!({"status": "ok"})),
        Route::Gemini(_) | Route::Unknown => {
            return error_response(api, &MockError::NoRoute { method, path });
        }
    };
    if !json.is_object() {
        return error_response(
            api,
            &MockError::BadRequest("request body must be a JSON object".into()),
        );
    }
    if script.options.refuse_models.contains(&conv.model) {
        return error_response(api, &MockError::ModelNotFound(conv.model.clone()));
    }
    if let Some(limiter) = &state.limiter
        && let Err(wait) = limiter.acquire()
    {
        let limit = limiter.limit();
        let err = MockError::RateLimited {
            requests_per_second: limit.requests_per_second,
            burst: limit.burst,
            wait_ms: u64::try_from(wait.as_millis().max(1)).unwrap_or(u64::MAX),
        };
        return error_response(api, &err);
    }
    let reply = match turns::respond_counting(script, &conv, Some(&state.errors)) {
        Ok(r) => r,
        Err(e) => return error_response(api, &e),
    };
    if reply.delay_ms > 0 {
        actix_web::rt::time::sleep(Duration::from_millis(reply.delay_ms)).await;
    }
    let pace = Pace {
        chunk_size: script.options.chunk_size,
        chunk_delay_ms: script.options.chunk_delay_ms,
    };
    render(&conv, &req, &json, &reply, pace)
}

fn render(
    conv: &Conversation,
    req: &HttpRequest,
    body: &Value,
    reply: &crate::reply::Reply,
    pace: Pace,
) -> HttpResponse {
    match conv.api {
        Api::Chat => chat::render(conv, body, reply, pace),
        Api::Responses => responses::render(conv, reply, pace),
        Api::Anthropic => anthropic::render(conv, reply, pace),
        Api::Gemini => {
            let sse = req.query_string().split('&').any(|kv| kv == "alt=sse");
            gemini::render(conv, sse, reply, pace)
        }
    }
}

/// The API a request speaks, from its path and headers (for error shapes).
fn api_of(req: &HttpRequest, path: &str) -> Api {
    if path.starts_with("/v1beta") || path.starts_with("/v1alpha") || path.contains(':') {
        Api::Gemini
    } else if path.ends_with("/messages")
        || path.ends_with("/messages/count_tokens")
        || req.headers().contains_key("anthropic-version")
    {
        Api::Anthropic
    } else if path.ends_with("/responses") {
        Api::Responses
    } else {
        Api::Chat
    }
}

/// Checks the script's `api_key` in the header each API uses.
fn authorize(script: &Script, api: Api, req: &HttpRequest) -> Result<(), MockError> {
    let Some(key) = &script.options.api_key else {
        return Ok(());
    };
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let bearer = header("authorization").and_then(|v| v.strip_prefix("Bearer ").map(str::to_owned));
    let presented = match api {
        Api::Chat | Api::Responses => vec![bearer],
        Api::Anthropic => vec![header("x-api-key"), bearer],
        Api::Gemini => {
            let query_key = req
                .query_string()
                .split('&')
                .find_map(|kv| kv.strip_prefix("key=").map(str::to_owned));
            vec![header("x-goog-api-key"), query_key]
        }
    };
    if presented.iter().flatten().any(|p| p == key) {
        Ok(())
    } else {
        Err(MockError::Unauthorized)
    }
}

fn models(script: &Script, api: Api, path: &str) -> HttpResponse {
    let ids: Vec<&str> = script
        .options
        .models
        .iter()
        .filter(|m| !script.options.refuse_models.contains(m))
        .map(String::as_str)
        .collect();
    let list = match api {
        Api::Gemini => gemini::models(&ids),
        Api::Anthropic => anthropic::models(&ids),
        Api::Chat | Api::Responses => chat::models(&ids),
    };
    // `GET .../models/{id}`: one entry of the list.
    let single = path
        .trim_start_matches("/v1beta/models")
        .trim_start_matches("/v1alpha/models")
        .trim_start_matches("/v1/models")
        .trim_start_matches('/');
    if single.is_empty() || path == "/models" {
        return HttpResponse::Ok().json(list);
    }
    let entries = list
        .get("data")
        .or_else(|| list.get("models"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let found = entries.into_iter().find(|e| {
        e.get("id").and_then(Value::as_str) == Some(single)
            || e.get("name").and_then(Value::as_str) == Some(single)
            || e.get("name").and_then(Value::as_str) == Some(&format!("models/{single}"))
    });
    match found {
        Some(e) => HttpResponse::Ok().json(e),
        None => error_response(api, &MockError::ModelNotFound(single.to_owned())),
    }
}

fn error_response(api: Api, err: &MockError) -> HttpResponse {
    let status =
        StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = HttpResponse::build(status);
    for (name, value) in err.retry_headers() {
        resp.insert_header((name, value));
    }
    resp.json(native_error::body(api, err))
}
