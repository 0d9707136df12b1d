//! The gateway's routes, mountable in any actix app. Handlers only pick the endpoint.

use actix_web::{HttpRequest, web};

use crate::endpoint::Endpoint;
use crate::forward::error_response;
use crate::gateway::Gateway;

impl Gateway {
    /// Mounts the gateway routes (relative to where `cfg` is mounted):
    /// `POST {/v1,}/chat/completions`, `POST {/v1,}/responses`, `POST {/v1,}/messages`,
    /// `POST {/v1,}/messages/count_tokens`, `GET {/v1,}/models`,
    /// `POST /{v1beta,v1}/models/{model}:{generateContent,streamGenerateContent,countTokens}`
    /// and `GET /v1beta/models`.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        for prefix in ["/v1", ""] {
            self.route(
                cfg,
                &format!("{prefix}/chat/completions"),
                web::post(),
                Endpoint::Chat,
            );
            self.route(
                cfg,
                &format!("{prefix}/responses"),
                web::post(),
                Endpoint::Responses,
            );
            self.route(
                cfg,
                &format!("{prefix}/messages"),
                web::post(),
                Endpoint::Messages,
            );
            let count = format!("{prefix}/messages/count_tokens");
            self.route(cfg, &count, web::post(), Endpoint::CountTokens);
            self.route(
                cfg,
                &format!("{prefix}/models"),
                web::get(),
                Endpoint::Models,
            );
        }
        self.route(cfg, "/v1beta/models", web::get(), Endpoint::GeminiModels);
        let gateway = self.clone();
        cfg.route(
            "/{version:v1beta|v1}/models/{tail}",
            web::post().to(move |req: HttpRequest, body: web::Payload| {
                let gateway = gateway.clone();
                async move {
                    let version = req.match_info().get("version").unwrap_or("v1beta");
                    match Endpoint::gemini(version, req.match_info().get("tail").unwrap_or("")) {
                        Ok(endpoint) => gateway.forward(endpoint, req, body).await,
                        Err(e) => error_response(&e, crate::dialect::Dialect::Gemini),
                    }
                }
            }),
        );
    }

    fn route(
        &self,
        cfg: &mut web::ServiceConfig,
        path: &str,
        method: actix_web::Route,
        endpoint: Endpoint,
    ) {
        let gateway = self.clone();
        cfg.route(
            path,
            method.to(move |req: HttpRequest, body: web::Payload| {
                let gateway = gateway.clone();
                let endpoint = endpoint.clone();
                async move { gateway.forward(endpoint, req, body).await }
            }),
        );
    }
}
