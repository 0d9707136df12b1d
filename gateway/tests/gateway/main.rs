//! The gateway against mock-llm, through real HTTP on both sides.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod apis;
mod auth;
mod failures;
mod support;
