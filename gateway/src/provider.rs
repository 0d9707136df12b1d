//! Providers: who serves the model, where, with which key, and how that key is presented.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::endpoint::Endpoint;
use crate::error::GatewayError;
use crate::secret::Secret;

/// The wire family of a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// api.openai.com: Chat Completions and Responses.
    Openai,
    /// api.anthropic.com: Messages.
    Anthropic,
    /// generativelanguage.googleapis.com: generateContent.
    #[serde(alias = "google")]
    Gemini,
    /// openrouter.ai: OpenAI-shaped, many models.
    Openrouter,
    /// Any OpenAI-compatible server (vLLM, LiteLLM, Ollama, ...); `base_url` required.
    #[serde(alias = "openai-compatible")]
    OpenaiCompatible,
}

impl ProviderKind {
    /// The kind as the config spells it (`openai`, `openai_compatible`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Openai => "openai",
            Self::Anthropic => "anthropic",
            Self::Gemini => "gemini",
            Self::Openrouter => "openrouter",
            Self::OpenaiCompatible => "openai_compatible",
        }
    }

    /// The public base URL, in each SDK's convention: OpenAI-shaped bases include `/v1`,
    /// Anthropic and Gemini bases do not (their paths carry the version).
    pub fn default_base_url(self) -> Option<&'static str> {
        match self {
            Self::Openai => Some("https://api.openai.com/v1"),
            Self::Anthropic => Some("https://api.anthropic.com"),
            Self::Gemini => Some("https://generativelanguage.googleapis.com"),
            Self::Openrouter => Some("https://openrouter.ai/api/v1"),
            Self::OpenaiCompatible => None,
        }
    }

    /// Environment variables that hold the key, in order of preference.
    pub fn key_env_vars(self) -> &'static [&'static str] {
        match self {
            Self::Openai => &["OPENAI_API_KEY"],
            Self::Anthropic => &["ANTHROPIC_API_KEY"],
            Self::Gemini => &["GEMINI_API_KEY", "GOOGLE_API_KEY"],
            Self::Openrouter => &["OPENROUTER_API_KEY"],
            Self::OpenaiCompatible => &[],
        }
    }

    fn openai_shaped(self) -> bool {
        matches!(
            self,
            Self::Openai | Self::Openrouter | Self::OpenaiCompatible
        )
    }
}

impl std::str::FromStr for ProviderKind {
    type Err = GatewayError;

    /// The kind's name as written in config (`google` and `openai-compatible` accepted too).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "openai" => Ok(Self::Openai),
            "anthropic" => Ok(Self::Anthropic),
            "gemini" | "google" => Ok(Self::Gemini),
            "openrouter" => Ok(Self::Openrouter),
            "openai_compatible" | "openai-compatible" => Ok(Self::OpenaiCompatible),
            other => Err(GatewayError::Config(format!(
                "unknown provider kind `{other}` (openai, anthropic, gemini, openrouter, openai_compatible)"
            ))),
        }
    }
}

impl std::fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A provider as written in config, before defaults and the environment are applied.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSpec {
    /// Name recorded in `llm_calls.provider`; defaults to the kind.
    #[serde(default)]
    pub name: Option<String>,
    /// Which wire protocol the provider speaks, and so which endpoints it serves.
    pub kind: ProviderKind,
    /// Base URL; defaults to the public endpoint of the kind.
    #[serde(default)]
    pub base_url: Option<String>,
    /// The key itself (prefer `api_key_env`).
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// Environment variable holding the key; defaults to the kind's usual variables.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Extra headers sent upstream on every call (values are treated as secrets).
    #[serde(default)]
    pub headers: BTreeMap<String, Secret>,
}

impl ProviderSpec {
    /// A spec of `kind` with every default: public base URL, key from the environment.
    pub fn new(kind: ProviderKind) -> Self {
        Self {
            name: None,
            kind,
            base_url: None,
            api_key: None,
            api_key_env: None,
            headers: BTreeMap::new(),
        }
    }

    /// Validates the spec, taking the key from the process environment when not given.
    pub fn resolve(self) -> Result<ProviderConfig, GatewayError> {
        self.resolve_with(|var| std::env::var(var).ok())
    }

    /// Validates the spec with an explicit environment lookup.
    pub fn resolve_with(
        self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ProviderConfig, GatewayError> {
        let name = self.name.unwrap_or_else(|| self.kind.as_str().to_owned());
        let base_url = match (self.base_url, self.kind.default_base_url()) {
            (Some(url), _) => url,
            (None, Some(url)) => url.to_owned(),
            (None, None) => {
                return Err(GatewayError::Config(format!(
                    "provider `{name}` ({}) needs a base_url",
                    self.kind
                )));
            }
        };
        let from_env = || match &self.api_key_env {
            Some(var) => env(var),
            None => self.kind.key_env_vars().iter().find_map(|var| env(var)),
        };
        let api_key = match self.api_key.filter(|k| !k.is_empty()) {
            Some(key) => key,
            None => Secret::new(from_env().unwrap_or_default()),
        };
        let mut config = ProviderConfig::new(name, self.kind, base_url, api_key)?;
        for (header, value) in self.headers {
            config = config.with_header(header, value)?;
        }
        Ok(config)
    }
}

/// A validated provider: everything needed to forward a call.
#[derive(Clone)]
pub struct ProviderConfig {
    name: String,
    kind: ProviderKind,
    base_url: String,
    api_key: Secret,
    headers: Vec<(String, Secret)>,
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<&str> = self.headers.iter().map(|(h, _)| h.as_str()).collect();
        f.debug_struct("ProviderConfig")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key)
            .field("headers", &headers)
            .finish()
    }
}

impl ProviderConfig {
    /// A provider with an explicit base URL and key. The key may be empty only for
    /// `openai_compatible` servers that need none.
    pub fn new(
        name: impl Into<String>,
        kind: ProviderKind,
        base_url: impl Into<String>,
        api_key: Secret,
    ) -> Result<Self, GatewayError> {
        let name = name.into();
        let base_url = base_url.into().trim().trim_end_matches('/').to_owned();
        if name.trim().is_empty() {
            return Err(GatewayError::Config("provider name is empty".into()));
        }
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(GatewayError::Config(format!(
                "provider `{name}` base_url `{base_url}` must start with http:// or https://"
            )));
        }
        if api_key.is_empty() && kind != ProviderKind::OpenaiCompatible {
            let vars = kind.key_env_vars().join(" or ");
            return Err(GatewayError::Config(format!(
                "provider `{name}` ({kind}) has no API key; set api_key or {vars}"
            )));
        }
        Ok(Self {
            name,
            kind,
            base_url,
            api_key,
            headers: Vec::new(),
        })
    }

    /// The public provider of `kind` with its default base URL and the key from the
    /// environment (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `GEMINI_API_KEY`/`GOOGLE_API_KEY`,
    /// `OPENROUTER_API_KEY`).
    pub fn from_env(kind: ProviderKind) -> Result<Self, GatewayError> {
        ProviderSpec::new(kind).resolve()
    }

    /// Adds a header sent upstream on every call.
    pub fn with_header(
        mut self,
        name: impl Into<String>,
        value: impl Into<Secret>,
    ) -> Result<Self, GatewayError> {
        let name = name.into().to_ascii_lowercase();
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(GatewayError::Config(format!(
                "invalid header name `{name}`"
            )));
        }
        self.headers.push((name, value.into()));
        Ok(self)
    }

    /// Name recorded in `llm_calls.provider`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Which wire protocol the provider speaks.
    pub fn kind(&self) -> ProviderKind {
        self.kind
    }

    /// The provider key (for redaction; never log it).
    pub fn api_key(&self) -> &Secret {
        &self.api_key
    }

    /// Base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Extra headers (values secret).
    pub fn headers(&self) -> &[(String, Secret)] {
        &self.headers
    }

    /// The upstream URL (without query) for `endpoint`, or an error when this provider
    /// does not speak that API.
    pub fn upstream_url(&self, endpoint: &Endpoint) -> Result<String, GatewayError> {
        let base = &self.base_url;
        let path = match (self.kind, endpoint) {
            (kind, Endpoint::Chat) if kind.openai_shaped() => "/chat/completions".to_owned(),
            (kind, Endpoint::Responses) if kind.openai_shaped() => "/responses".to_owned(),
            (kind, Endpoint::Models) if kind.openai_shaped() => "/models".to_owned(),
            // OpenRouter and many compatible servers also speak Anthropic Messages under the same base.
            (ProviderKind::Openrouter | ProviderKind::OpenaiCompatible, Endpoint::Messages) => {
                "/messages".to_owned()
            }
            (ProviderKind::Openrouter | ProviderKind::OpenaiCompatible, Endpoint::CountTokens) => {
                "/messages/count_tokens".to_owned()
            }
            (ProviderKind::Anthropic, Endpoint::Messages) => "/v1/messages".to_owned(),
            (ProviderKind::Anthropic, Endpoint::CountTokens) => {
                "/v1/messages/count_tokens".to_owned()
            }
            (ProviderKind::Anthropic, Endpoint::Models) => "/v1/models".to_owned(),
            (
                ProviderKind::Gemini,
                Endpoint::Gemini {
                    version,
                    model,
                    method,
                },
            ) => {
                format!("/{version}/models/{model}:{}", method.as_str())
            }
            (ProviderKind::Gemini, Endpoint::GeminiModels | Endpoint::Models) => {
                "/v1beta/models".to_owned()
            }
            _ => {
                return Err(GatewayError::UnsupportedApi {
                    provider: self.name.clone(),
                    kind: self.kind.as_str(),
                    api: endpoint.name(),
                });
            }
        };
        Ok(format!("{base}{path}"))
    }

    /// Headers that carry the key, in this provider's convention.
    pub(crate) fn auth_headers(&self) -> Vec<(&'static str, String)> {
        if self.api_key.is_empty() {
            return Vec::new();
        }
        let key = self.api_key.expose();
        match self.kind {
            ProviderKind::Anthropic => vec![("x-api-key", key.to_owned())],
            ProviderKind::Gemini => vec![("x-goog-api-key", key.to_owned())],
            ProviderKind::Openai | ProviderKind::Openrouter | ProviderKind::OpenaiCompatible => {
                vec![("authorization", format!("Bearer {key}"))]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: ProviderKind) -> ProviderSpec {
        ProviderSpec::new(kind)
    }

    #[test]
    fn keys_come_from_the_kinds_env_vars() {
        let env = |var: &str| (var == "GOOGLE_API_KEY").then(|| "g-key".to_owned());
        let p = spec(ProviderKind::Gemini).resolve_with(env).ok();
        let p = p
            .as_ref()
            .map(|p| (p.name(), p.base_url(), p.auth_headers()));
        let auth = vec![("x-goog-api-key", "g-key".to_owned())];
        assert_eq!(
            p,
            Some(("gemini", "https://generativelanguage.googleapis.com", auth))
        );
        assert!(spec(ProviderKind::Openai).resolve_with(|_| None).is_err());
        assert!(
            spec(ProviderKind::OpenaiCompatible)
                .resolve_with(|_| None)
                .is_err()
        );
    }

    #[test]
    fn debug_redacts_key_and_header_values() {
        let p = ProviderConfig::new("x", ProviderKind::Openai, "http://h/v1", "sk-secret".into())
            .and_then(|p| p.with_header("api-token", "hdr-secret"));
        let text = format!("{p:?}");
        assert!(
            !text.contains("sk-secret") && !text.contains("hdr-secret"),
            "{text}"
        );
    }

    #[test]
    fn upstream_urls_follow_each_sdk_convention() {
        let openai = ProviderConfig::new("o", ProviderKind::Openai, "http://h/v1/", "k".into());
        let anthropic = ProviderConfig::new("a", ProviderKind::Anthropic, "http://h", "k".into());
        let url = |p: &Result<ProviderConfig, GatewayError>, e: Endpoint| {
            p.as_ref().ok().and_then(|p| p.upstream_url(&e).ok())
        };
        assert_eq!(
            url(&openai, Endpoint::Chat).as_deref(),
            Some("http://h/v1/chat/completions")
        );
        assert_eq!(
            url(&anthropic, Endpoint::Messages).as_deref(),
            Some("http://h/v1/messages")
        );
        assert_eq!(url(&openai, Endpoint::Messages), None);
        assert_eq!(url(&anthropic, Endpoint::Chat), None);
    }
}
