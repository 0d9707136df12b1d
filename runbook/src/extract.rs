//! Pulling the smaller typed parts out of the scanned document: title,
//! objective, dependencies, steps, and the Final Checklist's items and
//! verification script. Parameters and required outputs have their own files.

use crate::diagnostic::Span;
use crate::markdown::Document;
use crate::runbook::{ChecklistItem, Dependency, Step, TextBlock, VerificationScript};
use crate::sections::{Section, SectionKind};
use crate::table::{Table, parse_yes_no, plain, text_cell};

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
