//! YAML helpers: positions of top-level keys (for diagnostics), scalar and
//! JSON conversion, and the `secrets` declaration forms.

use std::collections::BTreeMap;

use serde_yaml_ng::Value;

use crate::diagnostic::{Diagnostic, Span};
use crate::frontmatter::{SecretDecl, type_error};

/// Where a top-level key and its inline value are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KeySpan {
    pub key: Span,
    /// The inline value, or the key when the value is a block.
    pub value: Span,
    /// The inline value's text (comment removed).
    pub raw: String,
}

pub(crate) type KeySpans = BTreeMap<String, KeySpan>;

/// Positions of `key: value` lines at column 0. `base` is the YAML's offset.
pub(crate) fn key_spans(yaml: &str, base: usize) -> KeySpans {
    let mut out = KeySpans::new();
    let mut offset = base;
    for raw in yaml.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']);
        let start = offset;
        offset += raw.len();
        if line.starts_with([' ', '\t', '#', '-', '?', '{', '[']) {
            continue;
        }
        let Some(colon) = find_key_colon(line) else {
            continue;
        };
        let key_text = line.get(..colon).unwrap_or("").trim_end();
        let key = key_text.trim_matches(['"', '\'']).to_string();
        let key_span = Span::new(start, start + key_text.len());
        let after = line.get(colon + 1..).unwrap_or("");
        let lead = after.len() - after.trim_start().len();
        let value = strip_comment(after.trim_start()).trim_end();
        let value_span = if value.is_empty() {
            key_span
        } else {
            let s = start + colon + 1 + lead;
            Span::new(s, s + value.len())
        };
        out.entry(key).or_insert(KeySpan {
            key: key_span,
            value: value_span,
            raw: value.to_string(),
        });
    }
    out
}

fn find_key_colon(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, b) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') if i == 0 => quote = Some(b),
            (None, b':') => {
                let next = bytes.get(i + 1);
                if next.is_none() || next == Some(&b' ') || next == Some(&b'\t') {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn strip_comment(v: &str) -> &str {
    if v.starts_with(['"', '\'']) {
        return v;
    }
    match v.find(" #") {
        Some(i) => v.get(..i).unwrap_or(v),
        None if v.starts_with('#') => "",
        None => v,
    }
}

/// A scalar as text; `None` for null, sequences and mappings.
pub(crate) fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(t) => scalar_string(&t.value),
        Value::Null | Value::Sequence(_) | Value::Mapping(_) => None,
    }
}

/// Convert YAML to JSON (non-string keys become their text; tags are dropped).
/// Depth is bounded by the YAML parser's own recursion limit.
pub(crate) fn to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                J::from(i)
            } else if let Some(u) = n.as_u64() {
                J::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or_else(|| J::String(n.to_string()), J::Number)
            }
        }
        Value::String(s) => J::String(s.clone()),
        Value::Sequence(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Mapping(m) => J::Object(
            m.iter()
                .map(|(k, v)| {
                    let key = scalar_string(k).unwrap_or_else(|| to_json(k).to_string());
                    (key, to_json(v))
                })
                .collect(),
        ),
        Value::Tagged(t) => to_json(&t.value),
    }
}

/// Is `name` usable as an environment variable name?
pub(crate) fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `secrets` may be null, a mapping `NAME: {env, description, required}`
/// (or `NAME: description`), a list of names, or a list of `{name, ...}`.
pub(crate) fn secrets(
    v: &Value,
    span: Option<Span>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<SecretDecl> {
    let mut out = Vec::new();
    let mut bad = false;
    match v {
        Value::Null => {}
        Value::Mapping(m) => {
            for (k, body) in m {
                match scalar_string(k) {
                    Some(name) => out.push(secret(name, body, &mut bad)),
                    None => bad = true,
                }
            }
        }
        Value::Sequence(items) => {
            for item in items {
                match item {
                    Value::Mapping(m) => match m.get("name").and_then(scalar_string) {
                        Some(name) => out.push(secret(name, item, &mut bad)),
                        None => bad = true,
                    },
                    other => match scalar_string(other) {
                        Some(name) => out.push(secret(name, &Value::Null, &mut bad)),
                        None => bad = true,
                    },
                }
            }
        }
        other => match scalar_string(other) {
            Some(name) => out.push(secret(name, &Value::Null, &mut bad)),
            None => bad = true,
        },
    }
    if bad {
        diags.push(
            type_error(
                "secrets",
                "a mapping of environment variable names (NAME: {env, description, required})",
                span,
            )
            .help("secret names and `env` values must look like `API_TOKEN`"),
        );
    }
    out.retain(|s| is_env_name(&s.name) && is_env_name(&s.env));
    out
}

fn secret(name: String, body: &Value, bad: &mut bool) -> SecretDecl {
    let mut decl = SecretDecl {
        env: name.clone(),
        name,
        description: None,
        required: true,
    };
    match body {
        Value::Mapping(m) => {
            if let Some(env) = m.get("env").and_then(scalar_string) {
                decl.env = env;
            }
            decl.description = m.get("description").and_then(scalar_string);
            if let Some(r) = m.get("required") {
                decl.required = r.as_bool().unwrap_or(true);
            }
        }
        Value::Null => {}
        other => decl.description = scalar_string(other),
    }
    if !is_env_name(&decl.name) || !is_env_name(&decl.env) {
        *bad = true;
    }
    decl
}
