//! The wire endpoints the gateway serves, and which native shape each one speaks.

use wharf_model::LlmApi;

use crate::dialect::Dialect;
use crate::error::GatewayError;

/// A Gemini model method called as `models/{model}:{method}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeminiMethod {
    /// `:generateContent`
    Generate,
    /// `:streamGenerateContent`
    StreamGenerate,
    /// `:countTokens`
    CountTokens,
}

impl GeminiMethod {
    /// The method as written in the path.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Generate => "generateContent",
            Self::StreamGenerate => "streamGenerateContent",
            Self::CountTokens => "countTokens",
        }
    }
}

/// One endpoint the gateway relays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /v1/chat/completions`
    Chat,
    /// `POST /v1/responses`
    Responses,
    /// `POST /v1/messages`
    Messages,
    /// `POST /v1/messages/count_tokens`
    CountTokens,
    /// `POST /{version}/models/{model}:{method}`
    Gemini {
        /// API version segment as the client sent it (`v1beta` or `v1`).
        version: String,
        /// Model from the path.
        model: String,
        /// Method after the colon.
        method: GeminiMethod,
    },
    /// `GET /v1/models` (OpenAI and Anthropic shape).
    Models,
    /// `GET /v1beta/models` (Gemini shape).
    GeminiModels,
}

impl Endpoint {
    /// Parses the `{model}:{method}` tail of a Gemini path.
    pub fn gemini(version: &str, tail: &str) -> Result<Self, GatewayError> {
        let (model, method) = tail
            .rsplit_once(':')
            .ok_or_else(|| GatewayError::NotFound(format!("models/{tail}")))?;
        let method = match method {
            "generateContent" => GeminiMethod::Generate,
            "streamGenerateContent" => GeminiMethod::StreamGenerate,
            "countTokens" => GeminiMethod::CountTokens,
            _ => return Err(GatewayError::NotFound(format!("models/{tail}"))),
        };
        if model.is_empty() {
            return Err(GatewayError::NotFound(format!("models/{tail}")));
        }
        Ok(Self::Gemini {
            version: version.to_owned(),
            model: model.to_owned(),
            method,
        })
    }

    /// The native dialect, for errors the gateway itself produces.
    pub fn dialect(&self) -> Dialect {
        match self {
            Self::Chat | Self::Responses | Self::Models => Dialect::OpenAi,
            Self::Messages | Self::CountTokens => Dialect::Anthropic,
            Self::Gemini { .. } | Self::GeminiModels => Dialect::Gemini,
        }
    }

    /// The `llm_calls.api` value; `None` for endpoints that are not model calls
    /// (model listing, token counting), which are relayed but not recorded.
    pub fn llm_api(&self) -> Option<LlmApi> {
        match self {
            Self::Chat => Some(LlmApi::Chat),
            Self::Responses => Some(LlmApi::Responses),
            Self::Messages => Some(LlmApi::Messages),
            Self::Gemini {
                method: GeminiMethod::Generate | GeminiMethod::StreamGenerate,
                ..
            } => Some(LlmApi::Gemini),
            Self::Gemini {
                method: GeminiMethod::CountTokens,
                ..
            }
            | Self::CountTokens
            | Self::Models
            | Self::GeminiModels => None,
        }
    }

    /// Whether the request carries a JSON body with a `model` field.
    pub fn model_in_body(&self) -> bool {
        matches!(
            self,
            Self::Chat | Self::Responses | Self::Messages | Self::CountTokens
        )
    }

    /// Whether the client expects a body at all (POST) or not (GET listings).
    pub fn has_body(&self) -> bool {
        !matches!(self, Self::Models | Self::GeminiModels)
    }

    /// A short name for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Chat => "chat completions",
            Self::Responses => "responses",
            Self::Messages => "messages",
            Self::CountTokens => "messages count_tokens",
            Self::Gemini { .. } => "gemini generateContent",
            Self::Models | Self::GeminiModels => "models",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemini_tail_parses() {
        let e = Endpoint::gemini("v1beta", "gemini-2.5-pro:streamGenerateContent").ok();
        assert_eq!(
            e,
            Some(Endpoint::Gemini {
                version: "v1beta".into(),
                model: "gemini-2.5-pro".into(),
                method: GeminiMethod::StreamGenerate
            })
        );
        assert!(Endpoint::gemini("v1beta", "gemini-2.5-pro").is_err());
        assert!(Endpoint::gemini("v1beta", "gemini-2.5-pro:embed").is_err());
    }
}
