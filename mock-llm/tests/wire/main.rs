//! Every wire API over real HTTP, streaming and not, parsed and asserted on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod anthropic;
mod chat;
mod errors;
mod gemini;
mod limits;
mod responses;
mod support;
