//! JSON shapes of API answers that more than one handler returns.

use serde_json::{Value, json};
use wharf_catalog::RunState;

/// A run as the API shows it: its state plus the URLs to follow it.
pub fn run_view(state: &RunState) -> Value {
    let id = &state.run_id;
    let mut v = serde_json::to_value(state).unwrap_or_else(|_| json!({}));
    if let Some(o) = v.as_object_mut() {
        o.remove("request");
        o.remove("worker");
        o.insert("object".into(), "wharf.run".into());
        o.insert(
            "urls".into(),
            json!({
                "self": format!("/api/v1/runs/{id}"),
                "events": format!("/api/v1/runs/{id}/events"),
                "trajectory": format!("/api/v1/runs/{id}/trajectory"),
                "artifacts": format!("/api/v1/runs/{id}/artifacts"),
                "artifacts_zip": format!("/api/v1/runs/{id}/artifacts.zip"),
                "cancel": format!("/api/v1/runs/{id}/cancel"),
                "webhooks": format!("/api/v1/runs/{id}/webhooks"),
            }),
        );
    }
    v
}

/// The URL of one artifact of a run.
pub fn artifact_url(run_id: &str, path: &str) -> String {
    let encoded: Vec<String> = path.split('/').map(percent_encode).collect();
    format!("/api/v1/runs/{run_id}/artifacts/{}", encoded.join("/"))
}

fn percent_encode(segment: &str) -> String {
    let mut out = String::new();
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
