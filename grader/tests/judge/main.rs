//! The rubric judge against real mock-llm servers on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cache;
mod format;
mod prompt;
mod samples;
mod support;
mod transport;
