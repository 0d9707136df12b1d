//! End-to-end tests, one binary. They drive the real `wharf` binary and the real storage
//! (local files, and an S3-compatible server when `WHARF_TEST_S3_ENDPOINT` is set: the test
//! script starts one on 127.0.0.1).
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)] // test code

mod bad_input;
mod cli;
mod crash;
mod dashboard_queries;
mod dashboards;
mod interop;
mod no_sandbox;
mod run;
mod serve;
mod service;
mod storage_suite;
mod support;
