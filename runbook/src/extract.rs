//! Pulling the typed parts out of the scanned document: title, objective,
//! required outputs, parameters, dependencies, steps, and the Final
//! Checklist's items and verification script.

use crate::diagnostic::Span;
use crate::markdown::Document;
use crate::runbook::{
    ChecklistItem, DEFAULT_RESULTS_DIR, Dependency, Parameter, RequiredOutput, Step, TextBlock,
    VerificationScript,
};
use crate::sections::{Section, SectionKind};
use crate::table::{Table, is_blank_value, parse_yes_no, plain, strip_emphasis, unwrap_code};
use crate::template::scan_variables;

/// Tables whose header row lies inside sections of `kind`.
pub(crate) fn tables_in<'d>(
    doc: &'d Document<'_>,
    secs: &[Section],
    kind: SectionKind,
) -> Vec<&'d Table> {
    let ranges: Vec<(usize, usize)> = secs
        .iter()
        .filter(|s| s.kind == kind)
        .map(|s| (s.from, s.to))
        .collect();
    doc.tables
        .iter()
        .filter(|t| ranges.iter().any(|&(a, b)| t.line >= a && t.line < b))
        .collect()
}

/// The first `#` heading.
pub(crate) fn title(doc: &Document<'_>) -> Option<(String, Span)> {
    doc.headings
        .iter()
        .find(|h| h.level == 1)
        .map(|h| (h.title.clone(), h.span))
}

/// The Objective section's text.
pub(crate) fn objective(doc: &Document<'_>, secs: &[Section]) -> Option<TextBlock> {
    let s = secs.iter().find(|s| s.kind == SectionKind::Objective)?;
    Some(TextBlock {
        text: doc.text_of(s.from, s.to),
        line: s.heading.line + 1,
    })
}

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

fn text_cell(row: &crate::table::Row, col: Option<usize>) -> Option<String> {
    Table::cell(row, col)
        .map(|c| c.text.clone())
        .filter(|s| !is_blank_value(s))
}

/// The Parameters tables.
pub(crate) fn parameters(doc: &Document<'_>, secs: &[Section]) -> Vec<Parameter> {
    let mut out = Vec::new();
    for t in tables_in(doc, secs, SectionKind::Parameters) {
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

/// Substitute `{{results_dir}}` and parameter defaults into a path.
fn resolve(path: &str, results_dir: &str, params: &[Parameter]) -> String {
    let mut uses = Vec::new();
    scan_variables(path, 0, &mut uses);
    let mut out = String::new();
    let mut last = 0;
    for (name, span) in uses {
        let value = if name == "results_dir" {
            Some(results_dir.to_string())
        } else {
            params
                .iter()
                .find(|p| p.variable.as_deref() == Some(name.as_str()))
                .and_then(|p| p.default.clone())
        };
        if let (Some(v), Some(before)) = (value, path.get(last..span.start)) {
            out.push_str(before);
            out.push_str(&v);
            last = span.end;
        }
    }
    out.push_str(path.get(last..).unwrap_or(""));
    out
}

/// A glob for paths naming a family of files: `*`, `<id>`, `{id}`, `NN`, `XX`.
fn glob_of(path: &str) -> Option<String> {
    let mut out = String::new();
    let chars: Vec<char> = path.chars().collect();
    let mut i = 0;
    let mut changed = false;
    while let Some(&c) = chars.get(i) {
        let close = match c {
            '<' => Some('>'),
            '{' if chars.get(i + 1) != Some(&'{') => Some('}'),
            _ => None,
        };
        if let Some(close) = close {
            if let Some(len) = chars
                .get(i + 1..)
                .and_then(|r| r.iter().position(|&x| x == close))
            {
                out.push('*');
                i += len + 2;
                changed = true;
                continue;
            }
        }
        if c == 'N' || c == 'X' {
            let run = chars
                .get(i..)
                .map_or(0, |r| r.iter().take_while(|&&x| x == c).count());
            let before = i.checked_sub(1).and_then(|b| chars.get(b));
            let after = chars.get(i + run);
            let bounded = |x: Option<&char>| x.is_none_or(|x| !x.is_alphanumeric());
            if run >= 2 && bounded(before) && bounded(after) {
                out.push('*');
                i += run;
                changed = true;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    (changed || path.contains(['*', '?'])).then_some(out)
}

/// The REQUIRED OUTPUT FILES entries (a table, or a bullet list of code spans).
/// Returns the heading's span when the section exists.
pub(crate) fn required_outputs(
    doc: &Document<'_>,
    secs: &[Section],
    results_dir: &str,
    params: &[Parameter],
) -> (Vec<RequiredOutput>, Option<Span>) {
    let Some(sec) = secs.iter().find(|s| s.kind == SectionKind::RequiredOutputs) else {
        return (Vec::new(), None);
    };
    let mut rows: Vec<(String, Option<String>, usize)> = Vec::new();
    let tables = tables_in(doc, secs, SectionKind::RequiredOutputs);
    if let Some(t) = tables.first() {
        let path_col = t
            .column(|h| h.contains("file") || h.contains("path") || h.contains("output"))
            .or(Some(0));
        let desc_col = t
            .column(|h| h.contains("desc") || h.contains("content") || h.contains("purpose"))
            .filter(|c| Some(*c) != path_col);
        for row in &t.rows {
            if let Some(cell) = Table::cell(row, path_col) {
                let p = plain(&cell.text);
                if !p.is_empty() && !is_blank_value(&p) {
                    rows.push((p, text_cell(row, desc_col), row.line));
                }
            }
        }
    } else {
        for (idx, line) in doc.lines.iter().enumerate().take(sec.to).skip(sec.from) {
            let t = line.text.trim_start();
            let Some(item) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) else {
                continue;
            };
            if line.code {
                continue;
            }
            let item = strip_emphasis(item);
            let (path, rest) = match item.find(|c: char| c == ' ' || c == '\t') {
                Some(i) => (item.get(..i).unwrap_or(item), item.get(i..).unwrap_or("")),
                None => (item, ""),
            };
            if let Some(p) = unwrap_code(path) {
                let desc = rest.trim().trim_start_matches(['—', '–', '-', ':']).trim();
                rows.push((
                    p.to_string(),
                    (!desc.is_empty()).then(|| desc.to_string()),
                    idx,
                ));
            }
        }
    }
    let prefix = format!("{results_dir}/");
    let outputs = rows
        .into_iter()
        .map(|(path, description, line)| {
            let substituted = resolve(&path, results_dir, params);
            let (relative, resolved) = if let Some(rel) = substituted.strip_prefix(&prefix) {
                (Some(rel.to_string()), substituted.clone())
            } else if !substituted.starts_with('/') && !substituted.contains("{{") {
                let rel = substituted.trim_start_matches("./").to_string();
                (Some(rel.clone()), format!("{prefix}{rel}"))
            } else {
                (None, substituted.clone())
            };
            RequiredOutput {
                glob: glob_of(relative.as_deref().unwrap_or(&resolved)),
                path,
                relative,
                resolved,
                description,
                line: line + 1,
            }
        })
        .collect();
    (outputs, Some(sec.heading.span))
}

/// The Dependencies tables (or bullet lists).
pub(crate) fn dependencies(doc: &Document<'_>, secs: &[Section]) -> Vec<Dependency> {
    let mut out = Vec::new();
    let tables = tables_in(doc, secs, SectionKind::Dependencies);
    for t in &tables {
        let name_col = t
            .column(|h| {
                h.contains("dependency") || h == "name" || h.contains("package") || h == "tool"
            })
            .or(Some(0));
        let kind_col = t.column(|h| h == "type" || h == "kind");
        let req_col = t.column(|h| h.contains("required"));
        let desc_col = t.column(|h| h.contains("desc") || h.contains("purpose"));
        for row in &t.rows {
            let Some(name) = Table::cell(row, name_col).map(|c| plain(&c.text)) else {
                continue;
            };
            if name.is_empty() {
                continue;
            }
            out.push(Dependency {
                name,
                kind: text_cell(row, kind_col).map(|k| plain(&k)),
                required: Table::cell(row, req_col).and_then(|c| parse_yes_no(&c.text)),
                description: text_cell(row, desc_col),
                line: row.line + 1,
            });
        }
    }
    if !tables.is_empty() {
        return out;
    }
    for sec in secs.iter().filter(|s| s.kind == SectionKind::Dependencies) {
        for (idx, line) in doc.lines.iter().enumerate().take(sec.to).skip(sec.from) {
            let t = line.text.trim_start();
            if let Some(item) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
                if line.code || item.trim().is_empty() {
                    continue;
                }
                let (name, desc) = match item.split_once([':', '—', '–']) {
                    Some((n, d)) => (n, Some(d.trim().to_string())),
                    None => (item, None),
                };
                out.push(Dependency {
                    name: plain(name),
                    kind: None,
                    required: None,
                    description: desc.filter(|d| !d.is_empty()),
                    line: idx + 1,
                });
            }
        }
    }
    out
}

/// Step headings in document order.
pub(crate) fn steps(secs: &[Section]) -> Vec<Step> {
    secs.iter()
        .filter(|s| s.kind != SectionKind::Steps)
        .filter_map(|s| {
            s.step.map(|number| Step {
                number,
                title: s.name.clone(),
                line: s.heading.line + 1,
            })
        })
        .collect()
}

/// `- [ ]` items in the Final Checklist.
pub(crate) fn checklist(doc: &Document<'_>, secs: &[Section]) -> Vec<ChecklistItem> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for sec in secs
        .iter()
        .filter(|s| s.kind == SectionKind::FinalChecklist)
    {
        for (idx, line) in doc.lines.iter().enumerate().take(sec.to).skip(sec.from) {
            if line.code || !seen.insert(idx) {
                continue;
            }
            let t = line.text.trim_start();
            let item = ["- [ ]", "- [x]", "- [X]", "* [ ]", "* [x]"]
                .iter()
                .find_map(|m| t.strip_prefix(m));
            if let Some(item) = item {
                out.push(ChecklistItem {
                    text: item.trim().to_string(),
                    line: idx + 1,
                });
            }
        }
    }
    out
}

const SHELLS: &[&str] = &["bash", "sh", "shell", "zsh", "console", ""];

/// The first shell (else Python) code block in a Final Checklist section.
pub(crate) fn verification(doc: &Document<'_>, secs: &[Section]) -> Option<VerificationScript> {
    let in_checklist = |line: usize| {
        secs.iter()
            .any(|s| s.kind == SectionKind::FinalChecklist && line >= s.from && line < s.to)
    };
    let candidates: Vec<_> = doc.blocks.iter().filter(|b| in_checklist(b.open)).collect();
    let pick = candidates
        .iter()
        .find(|b| SHELLS.contains(&b.lang.as_str()))
        .or_else(|| candidates.iter().find(|b| b.lang.starts_with("py")))?;
    Some(VerificationScript {
        language: pick.lang.clone(),
        script: pick.body.clone(),
        line: pick.open + 1,
    })
}
