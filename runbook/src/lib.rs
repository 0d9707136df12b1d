//! Runbooks: parse, validate, render.
//!
//! A runbook is the user's contract with the agent: markdown with YAML
//! frontmatter (`version`, `evaluation`, `agent`, `model`, `model_provider`,
//! `snapshot`, `primary_outputs`, `secrets`, ...), an Objective, REQUIRED
//! OUTPUT FILES, Parameters with `{{variables}}` and defaults, Dependencies,
//! numbered Steps, an evaluation (programmatic, or a rubric with a pass
//! rule), an iteration limit, and a Final Checklist with a verification
//! script. This crate sits just above `model` in the architecture: the
//! sandbox, grader, engine and CLI all read runbooks through it.
//!
//! - [`check`] decodes bytes, [`parse`]s them into a typed [`Runbook`] and
//!   [`validate`]s it, returning compiler-style [`Diagnostic`]s (file, line,
//!   column, carets, help) that [`report::format_text`] prints.
//! - [`render`] substitutes `{{name}}` from values and defaults;
//!   `{{secrets.NAME}}` becomes `${NAME}` so rendered text never holds a secret.
//! - [`commands`] implements `wharf runbook check|render|show|new` as
//!   functions returning what to print.
//!
//! Parsing never panics and is linear in the input; files over
//! [`MAX_RUNBOOK_BYTES`] are refused with a diagnostic. The format and every
//! diagnostic code are documented in `docs/runbook-format.md`.

mod codes;
pub mod commands;
mod diagnostic;
mod error;
mod evaluation;
mod extract;
mod frontmatter;
mod iteration;
mod markdown;
mod outline;
mod outputs;
mod parameters;
mod parse;
pub mod providers;
mod render;
pub mod report;
mod runbook;
mod scaffold;
mod sections;
mod source;
mod suggest;
mod table;
mod template;
mod template_checks;
mod validate;
mod yaml;
mod yaml_guard;

pub use codes::{Code, Severity};
pub use diagnostic::{Diagnostic, MAX_DIAGNOSTICS, Span};
pub use error::RunbookError;
pub use frontmatter::{
    Frontmatter, KNOWN_KEYS, MAX_FRONTMATTER_BYTES, MAX_FRONTMATTER_DEPTH, SecretDecl,
};
pub use outline::outline;
pub use parse::parse;
pub use render::{Rendered, render};
pub use runbook::{
    ChecklistItem, DEFAULT_MAX_ROUNDS, DEFAULT_RESULTS_DIR, Dependency, Evaluation, Iteration,
    Parameter, PassRule, ProgrammaticCriterion, RequiredOutput, RubricCriterion, Runbook,
    SCHEMA_VERSION, SectionInfo, Step, TextBlock, VariableUse, VerificationScript,
};
pub use scaffold::{TemplateKind, scaffold};
pub use sections::SectionKind;
pub use source::{Location, MAX_RUNBOOK_BYTES, SourceFile, Undecodable, decode};
pub use validate::validate;

/// A checked file: its source, the runbook (absent when the file could not be
/// decoded or is empty) and every diagnostic, sorted by position.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The decoded (or, on failure, lossily decoded) source.
    pub source: SourceFile,
    /// The parsed runbook.
    pub runbook: Option<Runbook>,
    /// Parse and validation diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// Any error?
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The diagnostics as compiler-style text.
    pub fn render_diagnostics(&self) -> String {
        report::format_text(&self.source, &self.diagnostics)
    }
}

/// Decode, parse and validate raw bytes.
pub fn check(name: &str, bytes: &[u8]) -> Checked {
    match decode(name, bytes) {
        Ok(source) => check_source(source),
        Err(failure) => {
            let Undecodable { source, diagnostic } = *failure;
            Checked {
                source,
                runbook: None,
                diagnostics: vec![diagnostic],
            }
        }
    }
}

/// Parse and validate text.
pub fn check_str(name: &str, text: &str) -> Checked {
    check_source(SourceFile::new(name, text))
}

fn check_source(source: SourceFile) -> Checked {
    let (runbook, mut diagnostics) = parse(&source);
    if let Some(rb) = &runbook {
        diagnostics.extend(validate(&source, rb));
    }
    Checked {
        diagnostics: diagnostic::finish(diagnostics),
        source,
        runbook,
    }
}
