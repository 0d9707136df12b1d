//! The catalogue of diagnostic codes and their [`Severity`]. Each code has a
//! default severity and a one-line title; `docs/runbook-format.md` documents
//! every one (a test keeps the two in step).

use serde::{Deserialize, Serialize};

/// How serious a diagnostic is. Errors make `check` fail; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The runbook cannot be run as written.
    Error,
    /// The runbook runs, but something is probably wrong.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A stable diagnostic code (`R021`, ...). Codes are never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// R000: the file could not be read.
    Io,
    /// R001: the file is empty or only whitespace.
    Empty,
    /// R002: the file is not valid UTF-8.
    NotUtf8,
    /// R003: the file looks binary (NUL bytes).
    Binary,
    /// R004: the file is larger than [`crate::MAX_RUNBOOK_BYTES`].
    TooLarge,
    /// R005: a fenced code block is never closed.
    UnterminatedFence,
    /// R009: too many diagnostics; the rest were dropped.
    TooManyDiagnostics,
    /// R010: no YAML frontmatter.
    MissingFrontmatter,
    /// R011: the frontmatter has no closing `---`.
    UnterminatedFrontmatter,
    /// R012: the frontmatter is not valid YAML.
    InvalidYaml,
    /// R013: the frontmatter is not a mapping.
    FrontmatterNotMapping,
    /// R014: no `version` key.
    MissingVersion,
    /// R015: a known key has a value of the wrong type.
    InvalidKeyType,
    /// R016: an unknown key that looks like a misspelt known key.
    UnknownKey,
    /// R017: the frontmatter is too large or nests too deeply to parse safely.
    FrontmatterTooComplex,
    /// R020: `evaluation` is neither `programmatic` nor `rubric`.
    UnknownEvaluation,
    /// R021: `agent` is not a known runtime.
    UnknownAgent,
    /// R022: `model_provider` is not a known provider or URL.
    UnknownProvider,
    /// R023: the model slug does not fit the provider.
    ModelProviderMismatch,
    /// R024: no `evaluation` key.
    MissingEvaluation,
    /// R030: no REQUIRED OUTPUT FILES section.
    MissingRequiredOutputs,
    /// R031: a REQUIRED OUTPUT FILES section that lists no file.
    EmptyRequiredOutputs,
    /// R032: no bounded iteration ("max N rounds").
    UnboundedIteration,
    /// R033: no verification script in the Final Checklist.
    MissingVerificationScript,
    /// R034: `evaluation: rubric` without a rubric table.
    MissingRubric,
    /// R035: a rubric without a pass rule.
    MissingPassRule,
    /// R036: a `primary_outputs` entry that is not a required output.
    PrimaryOutputNotRequired,
    /// R037: no Objective section.
    MissingObjective,
    /// R040: a template variable that is never defined.
    UndefinedVariable,
    /// R041: an undefined `{{name}}` inside a fenced code block (left as is).
    UndefinedVariableInCode,
    /// R042: a parameter whose `{{variable}}` is never used.
    UnusedParameter,
    /// R043: `{{secrets.NAME}}` for a secret the frontmatter does not declare.
    UndeclaredSecret,
    /// R044: a leftover `{TODO: ...}` marker.
    LeftoverTodo,
    /// R045: the same parameter variable defined twice.
    DuplicateParameter,
    /// R050: rendering found no value for a defined variable.
    MissingValue,
    /// R051: rendering was given a value for a variable the runbook does not define.
    UnknownParam,
}

impl Code {
    /// Every code, in documentation order.
    pub const ALL: &'static [Code] = &[
        Code::Io,
        Code::Empty,
        Code::NotUtf8,
        Code::Binary,
        Code::TooLarge,
        Code::UnterminatedFence,
        Code::TooManyDiagnostics,
        Code::MissingFrontmatter,
        Code::UnterminatedFrontmatter,
        Code::InvalidYaml,
        Code::FrontmatterNotMapping,
        Code::MissingVersion,
        Code::InvalidKeyType,
        Code::UnknownKey,
        Code::FrontmatterTooComplex,
        Code::UnknownEvaluation,
        Code::UnknownAgent,
        Code::UnknownProvider,
        Code::ModelProviderMismatch,
        Code::MissingEvaluation,
        Code::MissingRequiredOutputs,
        Code::EmptyRequiredOutputs,
        Code::UnboundedIteration,
        Code::MissingVerificationScript,
        Code::MissingRubric,
        Code::MissingPassRule,
        Code::PrimaryOutputNotRequired,
        Code::MissingObjective,
        Code::UndefinedVariable,
        Code::UndefinedVariableInCode,
        Code::UnusedParameter,
        Code::UndeclaredSecret,
        Code::LeftoverTodo,
        Code::DuplicateParameter,
        Code::MissingValue,
        Code::UnknownParam,
    ];

    /// The printed code, e.g. `R021`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Io => "R000",
            Code::Empty => "R001",
            Code::NotUtf8 => "R002",
            Code::Binary => "R003",
            Code::TooLarge => "R004",
            Code::UnterminatedFence => "R005",
            Code::TooManyDiagnostics => "R009",
            Code::MissingFrontmatter => "R010",
            Code::UnterminatedFrontmatter => "R011",
            Code::InvalidYaml => "R012",
            Code::FrontmatterNotMapping => "R013",
            Code::MissingVersion => "R014",
            Code::InvalidKeyType => "R015",
            Code::UnknownKey => "R016",
            Code::FrontmatterTooComplex => "R017",
            Code::UnknownEvaluation => "R020",
            Code::UnknownAgent => "R021",
            Code::UnknownProvider => "R022",
            Code::ModelProviderMismatch => "R023",
            Code::MissingEvaluation => "R024",
            Code::MissingRequiredOutputs => "R030",
            Code::EmptyRequiredOutputs => "R031",
            Code::UnboundedIteration => "R032",
            Code::MissingVerificationScript => "R033",
            Code::MissingRubric => "R034",
            Code::MissingPassRule => "R035",
            Code::PrimaryOutputNotRequired => "R036",
            Code::MissingObjective => "R037",
            Code::UndefinedVariable => "R040",
            Code::UndefinedVariableInCode => "R041",
            Code::UnusedParameter => "R042",
            Code::UndeclaredSecret => "R043",
            Code::LeftoverTodo => "R044",
            Code::DuplicateParameter => "R045",
            Code::MissingValue => "R050",
            Code::UnknownParam => "R051",
        }
    }

    /// The severity of a diagnostic with this code.
    ///
    /// The rule: an error means "this runbook cannot run" (it cannot be read, its
    /// settings cannot be understood, or there is nothing to collect or grade).
    /// Anything that could still run is a warning, and what depends on how it is
    /// run (the agent, provider and model actually used; values given for
    /// template variables) is checked again when the run starts, where it is an
    /// error only if that run needs it. `docs/runbook-format.md` lists each code's
    /// reason.
    pub fn default_severity(self) -> Severity {
        match self {
            Code::Io
            | Code::Empty
            | Code::NotUtf8
            | Code::Binary
            | Code::TooLarge
            | Code::MissingFrontmatter
            | Code::UnterminatedFrontmatter
            | Code::InvalidYaml
            | Code::FrontmatterNotMapping
            | Code::InvalidKeyType
            | Code::FrontmatterTooComplex
            | Code::MissingRequiredOutputs
            | Code::EmptyRequiredOutputs
            | Code::MissingRubric
            | Code::UndeclaredSecret
            | Code::MissingValue => Severity::Error,
            Code::UnterminatedFence
            | Code::TooManyDiagnostics
            | Code::MissingVersion
            | Code::UnknownKey
            | Code::UnknownEvaluation
            | Code::UnknownAgent
            | Code::UnknownProvider
            | Code::ModelProviderMismatch
            | Code::MissingEvaluation
            | Code::UnboundedIteration
            | Code::MissingVerificationScript
            | Code::MissingPassRule
            | Code::PrimaryOutputNotRequired
            | Code::MissingObjective
            | Code::UndefinedVariable
            | Code::UndefinedVariableInCode
            | Code::UnusedParameter
            | Code::LeftoverTodo
            | Code::DuplicateParameter
            | Code::UnknownParam => Severity::Warning,
        }
    }

    /// A short title for documentation and `--format json` consumers.
    pub fn title(self) -> &'static str {
        match self {
            Code::Io => "file cannot be read",
            Code::Empty => "empty runbook",
            Code::NotUtf8 => "not UTF-8",
            Code::Binary => "binary file",
            Code::TooLarge => "file too large",
            Code::UnterminatedFence => "unterminated code fence",
            Code::TooManyDiagnostics => "too many diagnostics",
            Code::MissingFrontmatter => "missing frontmatter",
            Code::UnterminatedFrontmatter => "unterminated frontmatter",
            Code::InvalidYaml => "invalid YAML",
            Code::FrontmatterNotMapping => "frontmatter is not a mapping",
            Code::MissingVersion => "missing version",
            Code::InvalidKeyType => "wrong value type",
            Code::UnknownKey => "unknown frontmatter key",
            Code::FrontmatterTooComplex => "frontmatter too complex",
            Code::UnknownEvaluation => "unknown evaluation",
            Code::UnknownAgent => "unknown agent",
            Code::UnknownProvider => "unknown model provider",
            Code::ModelProviderMismatch => "model does not fit provider",
            Code::MissingEvaluation => "missing evaluation",
            Code::MissingRequiredOutputs => "missing REQUIRED OUTPUT FILES",
            Code::EmptyRequiredOutputs => "no required output listed",
            Code::UnboundedIteration => "no bounded iteration",
            Code::MissingVerificationScript => "missing verification script",
            Code::MissingRubric => "missing rubric table",
            Code::MissingPassRule => "missing pass rule",
            Code::PrimaryOutputNotRequired => "primary output not required",
            Code::MissingObjective => "missing objective",
            Code::UndefinedVariable => "undefined template variable",
            Code::UndefinedVariableInCode => "undefined template variable in code",
            Code::UnusedParameter => "unused parameter",
            Code::UndeclaredSecret => "undeclared secret",
            Code::LeftoverTodo => "leftover TODO",
            Code::DuplicateParameter => "duplicate parameter",
            Code::MissingValue => "no value for variable",
            Code::UnknownParam => "unknown parameter value",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
