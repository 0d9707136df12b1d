//! One relayed call: authenticate the run token, read the body, pick the model, forward
//! with the provider's key, and stream the answer back through a [`RecordingBody`].

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use serde::Deserialize;

use crate::endpoint::{Endpoint, GeminiMethod};
use crate::error::GatewayError;
use crate::gateway::Gateway;
use crate::headers::{response_headers, upstream_headers};
use crate::record::CallStart;
use crate::relay::RecordingBody;
use crate::token::{RunGrant, presented_token, strip_key_param};

/// Bodies larger than this are parsed on the blocking pool.
const INLINE_PARSE_LIMIT: usize = 256 * 1024;

/// The fields of a request body the gateway reads.
#[derive(Deserialize, Default)]
struct BodyHead {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    stream: Option<bool>,
}

impl Gateway {
    /// Relays one request to the run's provider and records it. Never fails: errors are
    /// answered in the native shape of `endpoint`.
    pub(crate) async fn forward(
        &self,
        endpoint: Endpoint,
        req: HttpRequest,
        payload: web::Payload,
    ) -> HttpResponse {
        let dialect = endpoint.dialect();
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        let token = presented_token(header, req.query_string());
        let Some(grant) = token.and_then(|t| self.tokens().lookup(t)) else {
            let e = if token == Some(crate::NO_PROVIDER_TOKEN) {
                GatewayError::NoProvider
            } else {
                GatewayError::Unauthorized
            };
            return error_response(&e, dialect);
        };
        let body = match read_body(payload, self.config().max_request_bytes).await {
            Ok(body) => body,
            Err(e) => return error_response(&e, dialect),
        };
        self.forward_as(grant, endpoint, &req, body).await
    }

    /// Relays one request whose caller was authenticated elsewhere (a server's own API
    /// tokens) under `grant`, with its body already read. Never fails: errors are answered
    /// in the native shape of `endpoint`.
    pub async fn forward_as(
        &self,
        grant: Arc<RunGrant>,
        endpoint: Endpoint,
        req: &HttpRequest,
        body: Bytes,
    ) -> HttpResponse {
        let dialect = endpoint.dialect();
        if body.len() > self.config().max_request_bytes {
            let limit = self.config().max_request_bytes;
            return error_response(&GatewayError::BodyTooLarge { limit }, dialect);
        }
        let head = match parse_head(&endpoint, &body).await {
            Ok(head) => head,
            Err(e) => return error_response(&e, dialect),
        };
        let requested = match &endpoint {
            Endpoint::Gemini { model, .. } => Some(model.clone()),
            _ => head.model.clone(),
        };
        let streamed = head.stream.unwrap_or(false)
            || matches!(
                endpoint,
                Endpoint::Gemini {
                    method: GeminiMethod::StreamGenerate,
                    ..
                }
            );
        let start = endpoint.llm_api().map(|api| {
            let model = requested
                .as_deref()
                .map(|m| grant.model_override.as_deref().unwrap_or(m));
            CallStart::new(Arc::clone(&grant), api, model.unwrap_or_default(), streamed)
        });
        match self.send(&grant, endpoint, req, body, requested).await {
            Ok(upstream) => self.relay(upstream, start),
            Err(e) => {
                if let Some(start) = &start {
                    self.recorder().finish(
                        start,
                        crate::record::CallEnd {
                            status: Some(e.status_code()),
                            error: Some(e.to_string()),
                            ..Default::default()
                        },
                    );
                }
                error_response(&e, dialect)
            }
        }
    }

    /// Applies the grant's model rules and sends the request upstream.
    async fn send(
        &self,
        grant: &RunGrant,
        mut endpoint: Endpoint,
        req: &HttpRequest,
        mut body: Bytes,
        requested: Option<String>,
    ) -> Result<reqwest::Response, GatewayError> {
        if let Some(requested) = &requested {
            let model = grant.effective_model(requested)?;
            if model != requested {
                match &mut endpoint {
                    Endpoint::Gemini {
                        model: path_model, ..
                    } => *path_model = model.to_owned(),
                    _ => body = rewrite_model(body, model.to_owned()).await?,
                }
            }
        }
        let provider = &grant.provider;
        let mut url = provider.upstream_url(&endpoint)?;
        let query = strip_key_param(req.query_string());
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes())
            .map_err(|e| GatewayError::BadRequest(e.to_string()))?;
        let mut request = self
            .client()
            .request(method, url)
            .headers(upstream_headers(req.headers(), provider)?);
        if endpoint.has_body() {
            request = request.body(body);
        }
        request.send().await.map_err(|e| GatewayError::Upstream {
            provider: provider.name().to_owned(),
            message: e.without_url().to_string(),
        })
    }

    /// Builds the client response around the upstream one.
    fn relay(&self, upstream: reqwest::Response, start: Option<CallStart>) -> HttpResponse {
        let status = upstream.status().as_u16();
        let sse = upstream
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        let mut response =
            HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY));
        for (name, value) in response_headers(upstream.headers()) {
            response.append_header((name, value));
        }
        if sse
            && !upstream
                .headers()
                .contains_key(reqwest::header::CONTENT_ENCODING)
        {
            // Keeps a compression middleware of the host server from buffering the stream.
            response.insert_header(("content-encoding", "identity"));
        }
        let stream = Box::pin(upstream.bytes_stream());
        let body = match start {
            Some(start) => {
                let limit = self.config().max_capture_bytes;
                RecordingBody::recorded(stream, start, status, sse, limit, self.recorder().clone())
            }
            None => RecordingBody::plain(stream),
        };
        response.streaming(body)
    }
}

/// A native-shaped error response (OpenAI, Anthropic or Gemini error body).
pub fn error_response(error: &GatewayError, dialect: crate::dialect::Dialect) -> HttpResponse {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::BAD_GATEWAY);
    HttpResponse::build(status).json(error.native_body(dialect))
}

async fn read_body(mut payload: web::Payload, limit: usize) -> Result<Bytes, GatewayError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            actix_web::error::PayloadError::Overflow => GatewayError::BodyTooLarge { limit },
            other => GatewayError::BadRequest(other.to_string()),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(GatewayError::BodyTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Reads `model` and `stream` from a JSON body (bodies that are not JSON pass unread).
async fn parse_head(endpoint: &Endpoint, body: &Bytes) -> Result<BodyHead, GatewayError> {
    if !endpoint.has_body() || body.is_empty() {
        return Ok(BodyHead::default());
    }
    let parse = |body: Bytes| serde_json::from_slice::<BodyHead>(&body).unwrap_or_default();
    off_runtime(body.len(), body.clone(), parse).await
}

/// Replaces the body's `model` (the grant overrides it).
async fn rewrite_model(body: Bytes, model: String) -> Result<Bytes, GatewayError> {
    let rewrite = move |body: Bytes| -> Result<Bytes, GatewayError> {
        let mut value: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| GatewayError::BadRequest(format!("body is not JSON: {e}")))?;
        match value.as_object_mut() {
            Some(object) => object.insert("model".to_owned(), model.into()),
            None => return Err(GatewayError::BadRequest("body is not a JSON object".into())),
        };
        serde_json::to_vec(&value)
            .map(Bytes::from)
            .map_err(|e| GatewayError::BadRequest(e.to_string()))
    };
    off_runtime(body.len(), body, rewrite).await?
}

/// Runs CPU work on `input` inline when small, on the blocking pool when large.
async fn off_runtime<T: Send + 'static>(
    size: usize,
    input: Bytes,
    work: impl FnOnce(Bytes) -> T + Send + 'static,
) -> Result<T, GatewayError> {
    if size <= INLINE_PARSE_LIMIT {
        return Ok(work(input));
    }
    tokio::task::spawn_blocking(move || work(input))
        .await
        .map_err(|e| GatewayError::BadRequest(format!("body processing failed: {e}")))
}
