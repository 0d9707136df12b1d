//! The Parameters tables: each row's name, the `{{variable}}` it fills, its
//! default (blank markers such as `--` mean none), whether it is required,
//! and the `results_dir` default.

use crate::markdown::Document;
use crate::runbook::{DEFAULT_RESULTS_DIR, Parameter};
use crate::sections::{Section, SectionKind};
use crate::table::{Table, is_blank_value, parse_yes_no, plain, text_cell};
use crate::template::scan_variables;

/// Is `s` an identifier usable as a template variable name?
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The variable a cell names: `{{x}}` anywhere in it, or a bare identifier.
fn variable_in(cell: &str, allow_bare: bool) -> Option<String> {
    let mut found = Vec::new();
    scan_variables(cell, 0, &mut found);
    if let Some((name, _)) = found.into_iter().next() {
        return Some(name);
    }
    let p = plain(cell);
    (allow_bare && is_identifier(&p)).then_some(p)
}

/// A default cell's value: `--` means none; one code span or one pair of
/// double quotes around the whole value is removed.
fn default_value(cell: &str) -> Option<String> {
    if is_blank_value(cell) {
        return None;
    }
    let v = plain(cell);
    let v = match v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) if !inner.contains('"') => inner.to_string(),
        _ => v,
    };
    Some(v)
}

/// The Parameters tables.
pub(crate) fn parameters(doc: &Document<'_>, secs: &[Section]) -> Vec<Parameter> {
    let mut out = Vec::new();
    for t in crate::extract::tables_in(doc, secs, SectionKind::Parameters) {
        let var_col = t.column(|h| h.contains("variable"));
        let name_col = t
            .column(|h| h.contains("parameter") || h == "name")
            .filter(|c| Some(*c) != var_col)
            .or(Some(0));
        let default_col = t.column(|h| h.contains("default"));
        let desc_col = t.column(|h| h.contains("desc"));
        let req_col = t.column(|h| h.contains("required"));
        for row in &t.rows {
            let Some(name_cell) = Table::cell(row, name_col) else {
                continue;
            };
            let name = plain(&name_cell.text);
            if name.is_empty() {
                continue;
            }
            let (variable, span) = match Table::cell(row, var_col) {
                Some(vc) => (variable_in(&vc.text, true), vc.span),
                None => (variable_in(&name_cell.text, true), name_cell.span),
            };
            out.push(Parameter {
                name,
                variable,
                default: Table::cell(row, default_col).and_then(|c| default_value(&c.text)),
                required: Table::cell(row, req_col).and_then(|c| parse_yes_no(&c.text)),
                description: text_cell(row, desc_col),
                line: row.line + 1,
                span,
            });
        }
    }
    out
}

/// The `results_dir` default: the `{{results_dir}}` parameter's default, else `/app/results`.
pub(crate) fn results_dir(params: &[Parameter]) -> String {
    params
        .iter()
        .find(|p| p.variable.as_deref() == Some("results_dir"))
        .and_then(|p| p.default.clone())
        .map(|d| d.trim_end_matches('/').to_string())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| DEFAULT_RESULTS_DIR.to_string())
}
