//! The typed runbook: what `wharf runbook show --format json` prints and what
//! the engine, sandbox and grader consume. The JSON shape is a contract,
//! documented by `runbook/schema/runbook.schema.json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Span;
use crate::frontmatter::Frontmatter;
use crate::sections::SectionKind;
use crate::yaml::KeySpans;

/// Version of the JSON shape of [`Runbook`].
pub const SCHEMA_VERSION: u32 = 1;

/// Where outputs go when the runbook does not say.
pub const DEFAULT_RESULTS_DIR: &str = "/app/results";

/// Rounds of iteration when the runbook does not say.
pub const DEFAULT_MAX_ROUNDS: u32 = 3;

/// A parsed runbook. Line numbers are 1-based.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Runbook {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The first `#` heading.
    pub title: Option<String>,
    /// The frontmatter, typed.
    pub frontmatter: Frontmatter,
    /// The `results_dir` default (`/app/results` unless a parameter says otherwise).
    pub results_dir: String,
    /// The Objective section's text.
    pub objective: Option<TextBlock>,
    /// REQUIRED OUTPUT FILES.
    pub required_outputs: Vec<RequiredOutput>,
    /// The Parameters table.
    pub parameters: Vec<Parameter>,
    /// The Dependencies table.
    pub dependencies: Vec<Dependency>,
    /// Steps in document order.
    pub steps: Vec<Step>,
    /// How the result is evaluated.
    pub evaluation: Evaluation,
    /// The iteration bound.
    pub iteration: Iteration,
    /// The Final Checklist's verification script.
    pub verification: Option<VerificationScript>,
    /// The Final Checklist's `- [ ]` items.
    pub checklist: Vec<ChecklistItem>,
    /// Every `{{name}}` use, in order.
    pub variables: Vec<VariableUse>,
    /// The heading outline.
    pub sections: Vec<SectionInfo>,
    /// Positions used by validation (not serialised).
    #[serde(skip)]
    pub(crate) anchors: Anchors,
}

/// Positions the validator points at.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Anchors {
    /// False when the frontmatter was missing or unparseable (its checks are skipped).
    pub frontmatter_ok: bool,
    pub frontmatter_open: Option<Span>,
    pub keys: KeySpans,
    pub title: Option<Span>,
    pub required_outputs_heading: Option<Span>,
    pub rubric_table: Option<Span>,
    pub body_start: usize,
}

/// A block of prose and where it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextBlock {
    /// The text, trimmed.
    pub text: String,
    /// Line of the heading.
    pub line: usize,
}

/// One required output file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredOutput {
    /// As written (`{{results_dir}}/summary.md`).
    pub path: String,
    /// Relative to `results_dir` (`summary.md`), if it lies under it.
    pub relative: Option<String>,
    /// With `results_dir` and parameter defaults substituted (`/app/results/summary.md`).
    pub resolved: String,
    /// A glob when the path names a family of files (`transcripts/encounter_NN.md` -> `transcripts/encounter_*.md`).
    pub glob: Option<String>,
    /// The description column.
    pub description: Option<String>,
    /// Line of the table row.
    pub line: usize,
}

/// One row of the `## Parameters` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parameter {
    /// The Parameter column (a label or an identifier).
    pub name: String,
    /// The template variable it fills (`output_basename` for `{{output_basename}}`).
    pub variable: Option<String>,
    /// The default value, if any (`--`, `-` and empty mean none).
    pub default: Option<String>,
    /// The Required column, when there is one.
    pub required: Option<bool>,
    /// The Description column.
    pub description: Option<String>,
    /// Line of the table row.
    pub line: usize,
    /// The variable cell (not serialised).
    #[serde(skip)]
    pub(crate) span: Span,
}

/// One row of the `## Dependencies` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependency {
    /// What is needed.
    pub name: String,
    /// The Type column (`Python package`, `MCP tool`, ...).
    pub kind: Option<String>,
    /// The Required column.
    pub required: Option<bool>,
    /// The Description column.
    pub description: Option<String>,
    /// Line of the table row.
    pub line: usize,
}

/// One step heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// `N` in `Step N:` (or its position under `## Steps`).
    pub number: u32,
    /// The title without the `Step N:` prefix.
    pub title: String,
    /// The heading's line.
    pub line: usize,
}

/// The evaluation declared by the runbook.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// `programmatic`, `rubric`, or the unknown value as written.
    pub kind: String,
    /// False when the frontmatter had no `evaluation` (programmatic assumed).
    pub declared: bool,
    /// Rows of a PASS/FAIL status table (`| Status | Criteria |`).
    pub programmatic_criteria: Vec<ProgrammaticCriterion>,
    /// Rows of the rubric table `| # | Criterion | 5 | 3 | 1 |`.
    pub rubric: Vec<RubricCriterion>,
    /// The pass rule (rubric only; defaulted when the runbook states none).
    pub pass_rule: Option<PassRule>,
}

/// One row of a programmatic status table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammaticCriterion {
    /// The status (`PASS`, `PARTIAL`, `FAIL`).
    pub label: String,
    /// What earns it.
    pub criteria: String,
    /// Line of the row.
    pub line: usize,
}

/// One rubric criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RubricCriterion {
    /// The `#` column.
    pub number: Option<u32>,
    /// The criterion's name, emphasis removed.
    pub name: String,
    /// Descriptor per score column (`5`, `3`, `1`, and any others present).
    pub descriptors: BTreeMap<u8, String>,
    /// Line of the row.
    pub line: usize,
}

/// "average >= X, no criterion below Y".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PassRule {
    /// Minimum average score.
    pub min_average: Option<f64>,
    /// The template variable the average came from (`{{pass_threshold}}`), if any.
    pub min_average_variable: Option<String>,
    /// No criterion may score below this.
    pub min_criterion: Option<f64>,
    /// The sentence it was read from.
    pub text: Option<String>,
    /// 1-based line of that sentence; None when the rule is wharf's default.
    pub line: Option<usize>,
    /// True when the runbook states no rule and wharf's default applies.
    pub defaulted: bool,
}

impl PassRule {
    /// wharf's default: average >= 4.0 and no criterion below 3.
    pub fn default_rule() -> Self {
        PassRule {
            min_average: Some(4.0),
            min_average_variable: None,
            min_criterion: Some(3.0),
            text: None,
            line: None,
            defaulted: true,
        }
    }
}

/// The iteration bound.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Iteration {
    /// Maximum rounds of evaluate -> fix.
    pub max_rounds: u32,
    /// True when the runbook states no bound and the default applies.
    pub defaulted: bool,
    /// The text the bound was read from.
    pub text: Option<String>,
    /// 1-based line of that text; None when the default applies.
    pub line: Option<usize>,
}

/// The Final Checklist's verification script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationScript {
    /// The fence's language (`bash`, `sh`, `python`, or empty).
    pub language: String,
    /// The script, unrendered.
    pub script: String,
    /// Line of the opening fence.
    pub line: usize,
}

/// One `- [ ]` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// The item's text.
    pub text: String,
    /// 1-based line of the item.
    pub line: usize,
}

/// One `{{name}}` occurrence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableUse {
    /// `results_dir`, `secrets.API_TOKEN`, ...
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// Inside a fenced code block.
    pub in_code: bool,
    /// Inside the Parameters table cell that defines the variable (not a use).
    pub definition: bool,
    /// The whole `{{ ... }}` (not serialised).
    #[serde(skip)]
    pub(crate) span: Span,
}

impl VariableUse {
    /// The secret's name for `{{secrets.NAME}}`.
    pub fn secret_name(&self) -> Option<&str> {
        self.name.strip_prefix("secrets.")
    }
}

/// One heading of the outline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionInfo {
    /// 1 for `#`, 2 for `##`, ...
    pub level: u8,
    /// The heading text as written.
    pub title: String,
    /// What the section is for.
    pub kind: SectionKind,
    /// The step number, for steps.
    pub step: Option<u32>,
    /// The heading's line.
    pub line: usize,
}

impl Runbook {
    /// The parameter that fills `{{variable}}`.
    pub fn parameter(&self, variable: &str) -> Option<&Parameter> {
        self.parameters
            .iter()
            .find(|p| p.variable.as_deref() == Some(variable))
    }

    /// Is `{{name}}` defined (a parameter variable or `results_dir`)?
    pub fn defines(&self, name: &str) -> bool {
        name == "results_dir" || self.parameter(name).is_some()
    }

    /// The evaluation's effective pass rule (the default for rubric runbooks that state none).
    pub fn pass_rule(&self) -> Option<&PassRule> {
        self.evaluation.pass_rule.as_ref()
    }
}
