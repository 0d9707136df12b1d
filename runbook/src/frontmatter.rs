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
    let spans = key_spans(yaml, from);
    let value: Value = if yaml.trim().is_empty() {
        Value::Null
    } else {
        match serde_yaml_ng::from_str(yaml) {
            Ok(v) => v,
            Err(e) => {
                diags.push(yaml_error(src, open_line + 2, &e));
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
                if let Some(known) = probable_typo(&key) {
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

fn yaml_error(src: &SourceFile, first_line: usize, e: &serde_yaml_ng::Error) -> Diagnostic {
    // "problem at line 5 column 6, while parsing X at line 4 column 8": the
    // first position is shown as the location; the others are made absolute.
    let text = e.to_string();
    let message = match text.find(" at line ") {
        Some(i) => {
            let rest = text.get(i + 9..).unwrap_or("");
            let skip = rest.find(',').unwrap_or(rest.len());
            format!(
                "{}{}",
                text.get(..i).unwrap_or(""),
                rest.get(skip..).unwrap_or("")
            )
        }
        None => text.clone(),
    };
    let message = shift_line_numbers(&message, first_line.saturating_sub(1));
    let span = e.location().map(|loc| {
        let line = first_line + loc.line().saturating_sub(1);
        let start = src.line_start(line);
        let col = src
            .line_text(line)
            .char_indices()
            .nth(loc.column().saturating_sub(1))
            .map_or(src.line_text(line).len(), |(i, _)| i);
        let at = (start + col).min(src.text().len());
        let end = at
            + src
                .text()
                .get(at..)
                .and_then(|s| s.chars().next())
                .filter(|c| *c != '\n' && *c != '\r')
                .map_or(0, char::len_utf8);
        Span::new(at, end)
    });
    Diagnostic::new(
        Code::InvalidYaml,
        format!("frontmatter is not valid YAML: {message}"),
    )
    .at_opt(span)
    .label("here")
    .help("frontmatter is YAML between two `---` lines; quote values that contain `: ` or `#`")
}

/// Add `offset` to every `line N` in a message.
fn shift_line_numbers(message: &str, offset: usize) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(i) = rest.find("line ") {
        out.push_str(rest.get(..i + 5).unwrap_or(""));
        rest = rest.get(i + 5..).unwrap_or("");
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest.get(..digits).and_then(|d| d.parse::<usize>().ok()) {
            Some(n) => out.push_str(&(n + offset).to_string()),
            None => out.push_str(rest.get(..digits).unwrap_or("")),
        }
        rest = rest.get(digits..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// An unknown key within two edits of a known one (`modle` -> `model`).
fn probable_typo(key: &str) -> Option<&'static str> {
    let lower = key.to_lowercase();
    if KNOWN_KEYS.contains(&lower.as_str()) {
        return KNOWN_KEYS.iter().copied().find(|k| *k == lower);
    }
    KNOWN_KEYS
        .iter()
        .copied()
        .filter(|k| k.len() >= 4)
        .map(|k| (edit_distance(&lower, k), k))
        .filter(|(d, k)| *d <= 2 && *d * 3 <= k.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// The known value closest to `value` (a prefix, or within two edits).
pub(crate) fn closest<'a>(value: &str, known: &[&'a str]) -> Option<&'a str> {
    let lower = value.to_lowercase();
    if lower.len() >= 3 {
        if let Some(k) = known.iter().find(|k| k.starts_with(&lower)) {
            return Some(k);
        }
    }
    known
        .iter()
        .map(|k| (edit_distance(&value.to_lowercase(), k), *k))
        .filter(|(dist, k)| *dist <= 2 && *dist < k.len() / 2)
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance on chars (keys are short; bounded by the caller).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().take(64).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(slot) = cur.get_mut(j + 1) {
                *slot = sub.min(del).min(ins);
            }
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}
