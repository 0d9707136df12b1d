//! The notices every dashboard page shows, decided from what this server runs on: runs
//! disabled (the sandbox backend is unavailable, with the reason and the fix), offline
//! models, and, in the demo collection, what the demo holds and how to add real runs.

use wharf_dashboards::notice::{Level, Notice};

use crate::state::AppState;

/// The collection `wharf serve --demo` fills.
pub const DEMO_COLLECTION: &str = "demo";

/// How to add real agent runs, said wherever the runs shown are not real ones.
const REAL_RUNS: &str = "To add real agent runs: `wharf runtimes install codex claude-code`, then `wharf run examples/runbooks/write-report.md --agent codex` (or `POST /api/v1/runs`).";

/// The notices of a page seen by `collection` (`None`: not logged in).
pub fn notices(state: &AppState, collection: Option<&str>) -> Vec<Notice> {
    let mut out = Vec::new();
    if let Some(reason) = state.engine().backend.unavailable() {
        out.push(Notice {
            level: Level::Warning,
            title: "Runs are disabled on this server.".into(),
            text: format!(
                "{reason}. Then restart `wharf serve`. SQL, imports and these dashboards work meanwhile."
            ),
        });
    }
    let demo = collection == Some(DEMO_COLLECTION);
    if state.offline {
        // The demo notice below says how to add real runs.
        let real_runs = if demo { "" } else { REAL_RUNS };
        out.push(Notice {
            level: Level::Info,
            title: "Offline mode.".into(),
            text: format!(
                "No model provider key is configured, so the built-in mock-llm answers model calls (scripted answers, not a real model). Set `OPENAI_API_KEY`, `ANTHROPIC_API_KEY` or `GEMINI_API_KEY` (or `[providers]` in wharf.toml) and restart to use real models. {real_runs}"
            )
            .trim_end()
            .to_owned(),
        });
    }
    if demo {
        out.push(Notice {
            level: Level::Info,
            title: "Demo collection.".into(),
            text: format!(
                "The bundled sample trajectories, moved into the last 7 days, plus runs of the example runbook by the agent CLIs installed here. {REAL_RUNS}"
            ),
        });
    }
    out
}
