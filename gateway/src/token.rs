//! Run-scoped tokens: what an agent holds instead of a provider key.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

use crate::error::GatewayError;
use crate::provider::ProviderConfig;
use crate::secret::Secret;

/// Prefix of every run token, so a leaked one is recognisable.
pub const TOKEN_PREFIX: &str = "wharf-rt-";

/// What an agent holds instead of a run token when its run names no model provider (a
/// `command` run without `--provider` / `model_provider`): the gateway answers it with
/// [`crate::GatewayError::NoProvider`], which says so.
pub const NO_PROVIDER_TOKEN: &str = "wharf-no-provider";

/// What a run token allows: which provider to call, on whose behalf, until when.
#[derive(Debug, Clone)]
pub struct RunGrant {
    /// Run the calls belong to (`None` for direct gateway use outside a run).
    pub run_id: Option<String>,
    /// The collection the calls are recorded under.
    pub collection: String,
    /// Provider every call is forwarded to.
    pub provider: ProviderConfig,
    /// When set, every call uses this model whatever the agent asked for.
    pub model_override: Option<String>,
    /// When set, calls for other models are refused with 403.
    pub allowed_models: Option<Vec<String>>,
    /// When set, the token stops working at this time.
    pub expires_at: Option<DateTime<Utc>>,
}

impl RunGrant {
    /// A grant for `run_id` in `collection` through `provider`, without limits.
    pub fn new(
        run_id: Option<String>,
        collection: impl Into<String>,
        provider: ProviderConfig,
    ) -> Self {
        Self {
            run_id,
            collection: collection.into(),
            provider,
            model_override: None,
            allowed_models: None,
            expires_at: None,
        }
    }

    /// Checks ids and names the way `llm_calls` will.
    fn validate(mut self) -> Result<Self, GatewayError> {
        let bad = |e: wharf_model::ModelError| GatewayError::Config(e.to_string());
        if let Some(run) = &self.run_id {
            self.run_id = Some(wharf_model::normalize_uuid("run_id", run).map_err(bad)?);
        }
        wharf_model::validate_collection("collection", &self.collection).map_err(bad)?;
        if let Some(model) = &self.model_override
            && model.trim().is_empty()
        {
            return Err(GatewayError::Config("model_override is empty".into()));
        }
        Ok(self)
    }

    /// The model to send upstream for a request that asked for `requested`.
    pub(crate) fn effective_model<'a>(
        &'a self,
        requested: &'a str,
    ) -> Result<&'a str, GatewayError> {
        let model = self.model_override.as_deref().unwrap_or(requested);
        match &self.allowed_models {
            Some(allowed) if !allowed.iter().any(|m| m == model) => {
                Err(GatewayError::ModelNotAllowed {
                    model: model.to_owned(),
                    allowed: allowed.join(", "),
                })
            }
            _ => Ok(model),
        }
    }
}

/// Issued tokens and their grants. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct TokenStore {
    grants: Arc<RwLock<HashMap<String, Arc<RunGrant>>>>,
}

impl TokenStore {
    /// Issues a new unguessable token (`wharf-rt-` + 32 hex digits from a random UUIDv4,
    /// 122 random bits) for `grant`.
    pub fn issue(&self, grant: RunGrant) -> Result<Secret, GatewayError> {
        let grant = Arc::new(grant.validate()?);
        let token = format!("{TOKEN_PREFIX}{}", uuid::Uuid::new_v4().simple());
        let now = Utc::now();
        let mut grants = self
            .grants
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        grants.retain(|_, g| g.expires_at.is_none_or(|t| t > now));
        grants.insert(token.clone(), grant);
        Ok(Secret::new(token))
    }

    /// Revokes `token`; returns whether it was live.
    pub fn revoke(&self, token: &str) -> bool {
        let mut grants = self
            .grants
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        grants.remove(token).is_some()
    }

    /// The grant behind a live token.
    pub fn lookup(&self, token: &str) -> Option<Arc<RunGrant>> {
        let grants = self
            .grants
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let grant = grants.get(token)?;
        grant
            .expires_at
            .is_none_or(|t| t > Utc::now())
            .then(|| Arc::clone(grant))
    }

    /// Number of live and expired-but-unpurged tokens.
    pub fn len(&self) -> usize {
        self.grants
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// Whether no token was issued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Header names that carry client credentials; all are stripped before forwarding.
pub const CREDENTIAL_HEADERS: &[&str] = &[
    "authorization",
    "x-api-key",
    "x-goog-api-key",
    "api-key",
    "proxy-authorization",
];

/// The credential a client presented, looked up in the headers every SDK uses:
/// `Authorization: Bearer` (OpenAI), `x-api-key` (Anthropic), `x-goog-api-key` or the
/// `key` query parameter (Gemini).
pub fn presented_token<'a>(
    header: impl Fn(&str) -> Option<&'a str>,
    query: &'a str,
) -> Option<&'a str> {
    let bearer = header("authorization").and_then(|v| {
        let (scheme, rest) = v.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    });
    bearer
        .or_else(|| header("x-api-key").map(str::trim))
        .or_else(|| header("x-goog-api-key").map(str::trim))
        .or_else(|| query_param(query, "key"))
        .filter(|t| !t.is_empty())
}

/// The raw value of the first `name=` parameter in a query string (tokens need no decoding).
fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then_some(v)
    })
}

/// The query string without the `key` parameter (Gemini's credential).
pub fn strip_key_param(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some("key"))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ProviderKind;

    fn provider() -> ProviderConfig {
        ProviderConfig::new(
            "p",
            ProviderKind::Openai,
            "http://127.0.0.1:1/v1",
            "k".into(),
        )
        .unwrap()
    }

    #[test]
    fn issue_lookup_revoke() {
        let store = TokenStore::default();
        let token = store.issue(RunGrant::new(None, "default", provider()));
        let token = token.unwrap().expose().to_owned();
        assert!(token.starts_with(TOKEN_PREFIX) && token.len() == TOKEN_PREFIX.len() + 32);
        assert!(store.lookup(&token).is_some());
        assert!(
            store
                .lookup("wharf-rt-00000000000000000000000000000000")
                .is_none()
        );
        assert!(store.revoke(&token));
        assert!(store.lookup(&token).is_none());
    }

    #[test]
    fn expired_tokens_are_refused() {
        let store = TokenStore::default();
        let mut grant = RunGrant::new(None, "default", provider());
        grant.expires_at = Some(Utc::now() - chrono::Duration::seconds(1));
        let token = store.issue(grant).unwrap().expose().to_owned();
        assert!(store.lookup(&token).is_none());
    }

    #[test]
    fn bad_grants_are_refused() {
        let store = TokenStore::default();
        assert!(
            store
                .issue(RunGrant::new(Some("nope".into()), "default", provider()))
                .is_err()
        );
    }

    #[test]
    fn credentials_from_every_sdk() {
        let h =
            |name: &'static str, value: &'static str| move |n: &str| (n == name).then_some(value);
        assert_eq!(
            presented_token(h("authorization", "Bearer abc"), ""),
            Some("abc")
        );
        assert_eq!(presented_token(h("x-api-key", "abc"), ""), Some("abc"));
        assert_eq!(presented_token(h("x-goog-api-key", "abc"), ""), Some("abc"));
        assert_eq!(presented_token(|_| None, "alt=sse&key=abc"), Some("abc"));
        assert_eq!(presented_token(|_| None, "alt=sse"), None);
        assert_eq!(strip_key_param("alt=sse&key=abc"), "alt=sse");
    }

    #[test]
    fn model_limits() {
        let mut grant = RunGrant::new(None, "default", provider());
        grant.allowed_models = Some(vec!["a".into()]);
        assert!(grant.effective_model("a").is_ok());
        assert!(grant.effective_model("b").is_err());
        grant.model_override = Some("a".into());
        assert_eq!(grant.effective_model("b").ok(), Some("a"));
    }
}
