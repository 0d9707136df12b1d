//! REQUIRED OUTPUT FILES: the paths the agent must write, resolved under
//! `results_dir`, with a glob when a path names a family of files.

use crate::diagnostic::Span;
use crate::markdown::Document;
use crate::runbook::{Parameter, RequiredOutput};
use crate::sections::{Section, SectionKind};
use crate::table::{Table, is_blank_value, plain, strip_emphasis, text_cell};
use crate::template::scan_variables;

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
        if let Some(close) = close
            && let Some(len) = chars
                .get(i + 1..)
                .and_then(|r| r.iter().position(|&x| x == close))
        {
            out.push('*');
            i += len + 2;
            changed = true;
            continue;
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
    let tables = crate::extract::tables_in(doc, secs, SectionKind::RequiredOutputs);
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
            if let Some((path, rest)) = leading_code_span(strip_emphasis(item)) {
                let desc = rest.trim().trim_start_matches(['—', '–', '-', ':']).trim();
                rows.push((
                    path.to_string(),
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

/// `` `path` rest`` -> `("path", " rest")`.
fn leading_code_span(item: &str) -> Option<(&str, &str)> {
    let n = item.bytes().take_while(|&b| b == b'`').count();
    if n == 0 {
        return None;
    }
    let fence = "`".repeat(n);
    let close = item.get(n..)?.find(&fence)? + n;
    let inner = item.get(n..close)?.trim();
    (!inner.is_empty()).then(|| (inner, item.get(close + n..).unwrap_or("")))
}
