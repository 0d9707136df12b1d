//! `wharf runbook new`: starter runbooks that pass `check` with no
//! diagnostics. The templates are files in `runbook/templates/`.

use crate::error::RunbookError;

const PROGRAMMATIC: &str = include_str!("../templates/programmatic.md");
const RUBRIC: &str = include_str!("../templates/rubric.md");

/// Which starter to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    /// Outputs checked by the verification script.
    Programmatic,
    /// Outputs scored by a judge against a rubric.
    Rubric,
}

impl TemplateKind {
    /// Parse `programmatic` / `rubric`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "programmatic" => Some(TemplateKind::Programmatic),
            "rubric" => Some(TemplateKind::Rubric),
            _ => None,
        }
    }
}

/// The starter text for `name` (letters, digits, `-`, `_`, `.`, spaces).
pub fn scaffold(name: &str, kind: TemplateKind) -> Result<String, RunbookError> {
    let ok = !name.trim().is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '));
    if !ok {
        return Err(RunbookError::InvalidName(name.to_string()));
    }
    let template = match kind {
        TemplateKind::Programmatic => PROGRAMMATIC,
        TemplateKind::Rubric => RUBRIC,
    };
    Ok(template.replace("__NAME__", name.trim()))
}
