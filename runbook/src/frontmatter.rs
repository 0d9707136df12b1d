//! The YAML frontmatter: finding it, parsing it, and typing the known keys.
//! Unknown keys are kept verbatim in [`Frontmatter::extra`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_yaml_ng::Value;

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Span};
use crate::source::SourceFile;
use crate::yaml::{KeySpans, key_spans, scalar_string, to_json};

/// Keys wharf understands.
pub const KNOWN_KEYS: &[&str] = &[
    "version",
    "evaluation",
    "agent",
    "model",
    "model_provider",
    "snapshot",
    "primary_outputs",
    "secrets",
    "image",
    "origin",
];

/// Frontmatter larger than this is refused (R017); real ones are a few hundred bytes.
pub const MAX_FRONTMATTER_BYTES: usize = 64 * 1024;

/// Flow collections (`[`, `{`) nested deeper than this are refused (R017):
/// YAML parsers slow down quadratically with flow depth.
pub const MAX_FRONTMATTER_DEPTH: usize = 32;

/// The typed frontmatter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Frontmatter {
    /// `version` (numbers are kept as written, e.g. `1.0`).
    pub version: Option<String>,
    /// `evaluation`: `programmatic`, `rubric`, or something wharf warns about.
    pub evaluation: Option<String>,
    /// `agent`: the runtime (`claude-code`, `codex`, ...).
    pub agent: Option<String>,
    /// `model`: the model slug as the provider expects it.
    pub model: Option<String>,
    /// `model_provider`: `openai`, `anthropic`, `openrouter`, `google` or a base URL.
    pub model_provider: Option<String>,
    /// `snapshot`: the sandbox root filesystem (`python312-uv`, ...).
    pub snapshot: Option<String>,
    /// `image`, kept as written.
    pub image: Option<serde_json::Value>,
    /// `origin` (provenance of an imported runbook), kept as written.
    pub origin: Option<serde_json::Value>,
    /// `primary_outputs`: the headline deliverables (paths relative to `results_dir`).
    pub primary_outputs: Vec<String>,
    /// `secrets`: what the sandbox must provide as environment variables.
    pub secrets: Vec<SecretDecl>,
    /// Every other key, kept verbatim.
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// One declared secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretDecl {
    /// The name used in `{{secrets.NAME}}`.
    pub name: String,
    /// The environment variable the sandbox sets (defaults to `name`).
    pub env: String,
    /// What it is for.
    pub description: Option<String>,
    /// Whether a run must fail without it (default true).
    pub required: bool,
}

/// Where the frontmatter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Split {
    /// No frontmatter; the body starts at line index 0.
    Missing,
    /// An opening `---` with no closing line.
    Unterminated { open: Span },
    /// YAML between line indexes `open_line + 1 .. close_line`.
    Found {
        open: Span,
        open_line: usize,
        close_line: usize,
    },
}

/// Find the frontmatter delimiters (leading blank lines are tolerated).
pub(crate) fn split(src: &SourceFile) -> Split {
    let n = src.line_count();
    let mut line = 1;
    while line <= n && src.line_text(line).trim().is_empty() {
        line += 1;
    }
    if src.line_text(line).trim_end() != "---" {
        return Split::Missing;
    }
    let start = src.line_start(line);
    let open = Span::new(start, start + 3);
    for close in line + 1..=n {
        let t = src.line_text(close).trim_end();
        if t == "---" || t == "..." {
            return Split::Found {
                open,
                open_line: line - 1,
                close_line: close - 1,
            };
        }
    }
    Split::Unterminated { open }
}

/// Parse the YAML between the delimiters and type the known keys.
pub(crate) fn parse(
    src: &SourceFile,
    open_line: usize,
    close_line: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Frontmatter, KeySpans)> {
    let from = src.line_start(open_line + 2);
    let to = src.line_start(close_line + 1);
    let yaml = src.text().get(from..to.max(from)).unwrap_or("");
    if let Some(d) = crate::yaml_guard::too_complex(yaml, from, open_line, src) {
        diags.push(d);
        return None;
    }
    let spans = key_spans(yaml, from);
    let value: Value = if yaml.trim().is_empty() {
        Value::Null
    } else {
        match serde_yaml_ng::from_str(yaml) {
            Ok(v) => v,
            Err(e) => {
                diags.push(crate::yaml_guard::yaml_error(src, open_line + 2, &e));
                return None;
            }
        }
    };
    let map = match value {
        Value::Mapping(m) => m,
        Value::Null => serde_yaml_ng::Mapping::new(),
        _ => {
            diags.push(
                Diagnostic::new(Code::FrontmatterNotMapping, "frontmatter is not a mapping")
                    .at(Span::new(from, to))
                    .help("write `key: value` lines, e.g. `version: 1.0.0`"),
            );
            return None;
        }
    };
    let mut fm = Frontmatter::default();
    for (k, v) in map {
        let key = match scalar_string(&k) {
            Some(k) => k,
            None => continue,
        };
        let span = spans.get(&key).map(|s| s.value);
        let mut scalar = |slot: &mut Option<String>| match scalar_string(&v) {
            Some(s) => *slot = Some(raw_number(&v, &key, &spans).unwrap_or(s)),
            None if v.is_null() => {}
            None => diags.push(
                type_error(&key, "a single value", span)
                    .help(format!("write one value on the same line: `{key}: VALUE`")),
            ),
        };
        match key.as_str() {
            "version" => scalar(&mut fm.version),
            "evaluation" => scalar(&mut fm.evaluation),
            "agent" => scalar(&mut fm.agent),
            "model" => scalar(&mut fm.model),
            "model_provider" => scalar(&mut fm.model_provider),
            "snapshot" => scalar(&mut fm.snapshot),
            "image" => fm.image = (!v.is_null()).then(|| to_json(&v)),
            "origin" => fm.origin = (!v.is_null()).then(|| to_json(&v)),
            "primary_outputs" => fm.primary_outputs = string_list(&key, &v, span, diags),
            "secrets" => fm.secrets = crate::yaml::secrets(&v, span, diags),
            _ => {
                if let Some(known) = crate::suggest::probable_typo(&key, KNOWN_KEYS) {
                    diags.push(
                        Diagnostic::new(Code::UnknownKey, format!("unknown key `{key}`"))
                            .at_opt(spans.get(&key).map(|s| s.key))
                            .label(format!("did you mean `{known}`?"))
                            .help("unknown keys are kept but wharf does not act on them"),
                    );
                }
                fm.extra.insert(key, to_json(&v));
            }
        }
    }
    Some((fm, spans))
}

/// `version: 1.0` parses as a float; keep the text as written.
fn raw_number(v: &Value, key: &str, spans: &KeySpans) -> Option<String> {
    if !v.is_number() {
        return None;
    }
    spans
        .get(key)
        .map(|s| s.raw.clone())
        .filter(|r| !r.is_empty())
}

fn string_list(
    key: &str,
    v: &Value,
    span: Option<Span>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<String> {
    match v {
        Value::Null => Vec::new(),
        Value::Sequence(items) => {
            let out: Vec<String> = items.iter().filter_map(scalar_string).collect();
            if out.len() != items.len() {
                diags.push(list_error(key, span));
            }
            out
        }
        other => match scalar_string(other) {
            Some(s) => vec![s],
            None => {
                diags.push(list_error(key, span));
                Vec::new()
            }
        },
    }
}

fn list_error(key: &str, span: Option<Span>) -> Diagnostic {
    type_error(key, "a list of paths", span)
        .help(format!("write `{key}:` followed by `  - path` lines"))
}

pub(crate) fn type_error(key: &str, expected: &str, span: Option<Span>) -> Diagnostic {
    Diagnostic::new(Code::InvalidKeyType, format!("`{key}` must be {expected}"))
        .at_opt(span)
        .label(format!("expected {expected}"))
}
