//! Where a run's runbook comes from: its text (the API, stored tasks, workflows), or a file
//! the command line names. Either way it is checked once, by [`crate::load`], when the run is
//! prepared; the text travels with the run's request, so a queued run needs no file.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use wharf_runbook::Checked;

use crate::EngineError;

/// A run's runbook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RunbookSource {
    /// The runbook's text, with the name its diagnostics show.
    Text {
        /// E.g. `runbook.md`.
        name: String,
        /// The runbook's markdown, before its parameters are rendered.
        text: String,
    },
    /// A file, read when the run is prepared. Requests queued by earlier versions, which
    /// stored a path, read back as this.
    Path(PathBuf),
}

impl Default for RunbookSource {
    fn default() -> Self {
        RunbookSource::Path(PathBuf::new())
    }
}

impl RunbookSource {
    /// `text` named `runbook.md`, as a request sends it.
    pub fn text(text: impl Into<String>) -> RunbookSource {
        RunbookSource::Text {
            name: "runbook.md".to_owned(),
            text: text.into(),
        }
    }

    /// Decodes, parses and validates the runbook (off the async threads: a file is read
    /// and a 4 MiB runbook takes milliseconds to check).
    pub(crate) async fn check(&self) -> Result<Checked, EngineError> {
        let source = self.clone();
        Ok(tokio::task::spawn_blocking(move || match source {
            RunbookSource::Text { name, text } => wharf_runbook::check(&name, text.as_bytes()),
            RunbookSource::Path(path) => wharf_runbook::commands::check_path(&path),
        })
        .await?)
    }

    /// The file stem, the runbook's name when it has no title.
    pub(crate) fn stem(&self) -> String {
        let name = match self {
            RunbookSource::Text { name, .. } => std::path::Path::new(name),
            RunbookSource::Path(path) => path.as_path(),
        };
        name.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_legacy_paths_read_back_as_they_were_stored() {
        let text = RunbookSource::text("---\nversion: 1\n---\n# T\n");
        let json = serde_json::to_value(&text).unwrap();
        assert_eq!(json["name"], "runbook.md");
        assert_eq!(serde_json::from_value::<RunbookSource>(json).unwrap(), text);
        let legacy: RunbookSource =
            serde_json::from_value(serde_json::json!("/var/wharf/requests/x/runbook.md")).unwrap();
        assert_eq!(
            legacy,
            RunbookSource::Path("/var/wharf/requests/x/runbook.md".into())
        );
        assert_eq!(legacy.stem(), "runbook");
    }

    #[tokio::test]
    async fn both_sources_are_checked_the_same_way() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("job.md");
        let text = "---\nversion: 1\nevaluation: programmatic\n---\n# Job\n";
        std::fs::write(&file, text).unwrap();
        let from_file = RunbookSource::Path(file).check().await.unwrap();
        let from_text = RunbookSource::Text {
            name: "job.md".into(),
            text: text.into(),
        }
        .check()
        .await
        .unwrap();
        let codes = |c: &Checked| c.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>();
        assert_eq!(codes(&from_file), codes(&from_text));
        assert!(from_text.has_errors(), "no REQUIRED OUTPUT FILES");
    }
}
