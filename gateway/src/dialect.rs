//! The provider dialects the gateway speaks: each endpoint speaks one, and the gateway's
//! own errors take its shape.

/// Which provider dialect an endpoint speaks; decides the shape of the gateway's own errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// OpenAI Chat Completions / Responses / models (also OpenRouter and compatible servers).
    OpenAi,
    /// Anthropic Messages.
    Anthropic,
    /// Google Gemini (Generative Language API).
    Gemini,
}
