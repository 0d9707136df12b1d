//! Bearer tokens scoped to one collection: the [`Caller`] extractor.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use wharf_catalog::Principal;

use crate::error::ApiError;
use crate::state::AppState;

/// Who is calling: the collection their token is bound to.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl Caller {
    /// The caller's collection (the only one whose data it can reach).
    pub fn collection(&self) -> &str {
        &self.0.collection
    }

    /// Fails unless the token is an admin token.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.0.admin {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "this operation needs an admin token".into(),
            ))
        }
    }
}

/// The token a request presents: `Authorization: Bearer`, else `x-api-key` (Anthropic
/// clients), else `x-goog-api-key` (Gemini clients).
pub fn presented_token(req: &HttpRequest) -> Option<&str> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(auth) = header("authorization") {
        let (scheme, token) = auth.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim())
            .filter(|t| !t.is_empty());
    }
    header("x-api-key")
        .or_else(|| header("x-goog-api-key"))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = presented_token(req).map(str::to_owned);
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let Some(token) = token else {
                return Err(ApiError::Unauthorized(
                    "missing API token: send `Authorization: Bearer <token>`".into(),
                ));
            };
            match state.authenticate(&token).await? {
                Some(principal) => Ok(Caller(principal)),
                None => Err(ApiError::Unauthorized(
                    "invalid or revoked API token".into(),
                )),
            }
        })
    }
}
