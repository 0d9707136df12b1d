//! LLM provider gateway: the only way an agent in a sandbox reaches a model.
//!
//! The engine [`Gateway::issue`]s a run-scoped token for a [`RunGrant`] (run, collection,
//! provider, model limits) and gives the agent that token and the gateway's address, never
//! the provider key. The gateway speaks the four wire APIs agents use (OpenAI Chat
//! Completions and Responses, Anthropic Messages, Gemini generateContent), swaps the token
//! for the provider's key, relays the answer chunk by chunk, and records every model call
//! as a [`wharf_model::LlmCallRecord`] (usage from [`usage`], cost from [`PriceTable`])
//! into a [`CallSink`].
//!
//! Mount it in an actix app with [`Gateway::configure`], or run it alone with
//! [`Gateway::serve`].

mod dialect;
mod endpoint;
mod error;
mod forward;
mod gateway;
mod headers;
mod price;
mod provider;
mod record;
mod relay;
mod routes;
mod secret;
mod server;
mod sink;
mod sse;
mod token;
pub mod usage;

pub use dialect::Dialect;
pub use endpoint::{Endpoint, GeminiMethod};
pub use error::{GatewayError, native_error, upstream_error_message};
pub use forward::error_response;
pub use gateway::{Gateway, GatewayConfig};
pub use headers::DEFAULT_ANTHROPIC_VERSION;
pub use price::{Price, PriceTable, SHIPPED_PRICES};
pub use provider::{ProviderConfig, ProviderKind, ProviderSpec};
pub use record::UNKNOWN_MODEL;
pub use secret::Secret;
pub use server::GatewayServer;
pub use sink::{CallSink, ChannelSink, NullSink, VecSink};
pub use sse::{SseEvent, SseParser};
pub use token::{NO_PROVIDER_TOKEN, RunGrant, TOKEN_PREFIX, TokenStore};
pub use usage::{
    AnthropicUsage, StreamUsage, Usage, usage_from_chat, usage_from_gemini, usage_from_json,
    usage_from_messages, usage_from_responses, usage_from_sse,
};
