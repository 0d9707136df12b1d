//! The evaluation: the rubric table `| # | Criterion | 5 | 3 | 1 |`, the pass
//! rule ("average >= 4.0, no criterion below 3"), and programmatic status
//! tables (`| Status | Criteria |` with `PASS` / `FAIL` rows).

use std::collections::BTreeMap;

use crate::diagnostic::Span;
use crate::markdown::Document;
use crate::runbook::{Evaluation, Parameter, PassRule, ProgrammaticCriterion, RubricCriterion};
use crate::sections::{Section, SectionKind};
use crate::source::floor_char_boundary;
use crate::table::{Table, plain};
use crate::template::scan_variables;

/// Build the evaluation from the frontmatter's kind and the document.
pub(crate) fn evaluation(
    declared: Option<&str>,
    doc: &Document<'_>,
    secs: &[Section],
    params: &[Parameter],
) -> (Evaluation, Option<Span>) {
    let kind = declared.map_or_else(|| "programmatic".to_string(), |k| k.trim().to_lowercase());
    let rubric_table = doc.tables.iter().find(|t| rubric_columns(t).is_some());
    let rubric = rubric_table.map(rubric_rows).unwrap_or_default();
    let pass_rule = if kind == "rubric" || !rubric.is_empty() {
        Some(find_pass_rule(doc, secs, rubric_table, params).unwrap_or_else(PassRule::default_rule))
    } else {
        None
    };
    let eval = Evaluation {
        kind,
        declared: declared.is_some(),
        programmatic_criteria: programmatic(doc, secs),
        rubric,
        pass_rule,
    };
    let header = rubric_table.and_then(|t| {
        let first = t.header.first()?;
        let last = t.header.last()?;
        Some(Span::new(first.span.start, last.span.end))
    });
    (eval, header)
}

struct RubricColumns {
    number: Option<usize>,
    name: usize,
    scores: Vec<(u8, usize)>,
}

fn rubric_columns(t: &Table) -> Option<RubricColumns> {
    let name =
        t.column(|h| h.contains("criterion") || h.contains("criteria") || h.contains("dimension"))?;
    let number = t.column(|h| h == "#" || h == "no" || h == "no." || h == "id");
    let scores: Vec<(u8, usize)> = t
        .header
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let p = plain(&c.text);
            let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
            let rest = p.get(digits.len()..).unwrap_or("");
            let score: u8 = digits.parse().ok()?;
            let ok = (1..=10).contains(&score)
                && (rest.is_empty() || rest.starts_with([' ', '(', '-', '=']));
            ok.then_some((score, i))
        })
        .collect();
    (scores.len() >= 2).then_some(RubricColumns {
        number,
        name,
        scores,
    })
}

fn rubric_rows(t: &Table) -> Vec<RubricCriterion> {
    let Some(cols) = rubric_columns(t) else {
        return Vec::new();
    };
    t.rows
        .iter()
        .filter_map(|row| {
            let name = plain(&row.cells.get(cols.name)?.text);
            if name.is_empty() {
                return None;
            }
            let number = cols
                .number
                .and_then(|c| row.cells.get(c))
                .and_then(|c| plain(&c.text).trim().parse().ok());
            let descriptors: BTreeMap<u8, String> = cols
                .scores
                .iter()
                .filter_map(|&(score, col)| {
                    let text = row.cells.get(col)?.text.trim().to_string();
                    (!text.is_empty()).then_some((score, text))
                })
                .collect();
            Some(RubricCriterion {
                number,
                name,
                descriptors,
                line: row.line + 1,
            })
        })
        .collect()
}

/// Lines after the rubric table (to the end of its section) first, then the
/// whole document; code is skipped.
fn find_pass_rule(
    doc: &Document<'_>,
    secs: &[Section],
    rubric: Option<&Table>,
    params: &[Parameter],
) -> Option<PassRule> {
    let after: Vec<usize> = match rubric {
        Some(t) => {
            let end = secs
                .iter()
                .filter(|s| s.from <= t.line && t.line < s.to)
                .map(|s| s.to)
                .min()
                .unwrap_or(doc.lines.len());
            (t.line..end).collect()
        }
        None => Vec::new(),
    };
    after
        .into_iter()
        .chain(0..doc.lines.len())
        .filter_map(|i| doc.lines.get(i).map(|l| (i, l)))
        .filter(|(_, l)| !l.code && !l.front)
        .find_map(|(i, l)| parse_pass_rule(l.text, params).map(|r| (i, r)))
        .map(|(i, mut r)| {
            r.line = Some(i + 1);
            r
        })
}

/// Read "average >= X" / "overall ≥ {{var}}" / "at least X" and "no
/// criterion below Y" from one line.
pub(crate) fn parse_pass_rule(line: &str, params: &[Parameter]) -> Option<PassRule> {
    let lower = line.to_lowercase();
    let anchor = ["average", "overall", "mean score", "mean"]
        .iter()
        .filter_map(|k| lower.find(k).map(|i| i + k.len()))
        .min()?;
    let tail = lower.get(anchor..)?;
    let (cmp_at, cmp_len) = ["≥", ">=", "at least", "of at least", "=>"]
        .iter()
        .filter_map(|c| tail.find(c).map(|i| (i, c.len())))
        .min()?;
    if cmp_at > 24 {
        return None;
    }
    let value_text = tail.get(cmp_at + cmp_len..)?.trim_start();
    let (min_average, variable) = match leading_number(value_text) {
        Some(n) => (Some(n), None),
        None => {
            let mut uses = Vec::new();
            scan_variables(
                value_text.get(..floor_char_boundary(value_text, 64))?,
                0,
                &mut uses,
            );
            let (name, span) = uses.into_iter().next()?;
            if span.start != 0 {
                return None;
            }
            let default = params
                .iter()
                .find(|p| p.variable.as_deref() == Some(name.as_str()))
                .and_then(|p| p.default.as_deref())
                .and_then(leading_number);
            (default, Some(name))
        }
    };
    Some(PassRule {
        min_average,
        min_average_variable: variable,
        min_criterion: min_criterion(&lower),
        text: Some(crate::table::strip_emphasis(line.trim()).to_string()),
        line: None,
        defaulted: false,
    })
}

fn min_criterion(lower: &str) -> Option<f64> {
    let at = [
        "criterion",
        "criteria",
        "dimension",
        "individual score",
        "any score",
    ]
    .iter()
    .filter_map(|k| lower.find(k).map(|i| i + k.len()))
    .min()?;
    let tail = lower.get(at..)?;
    let (i, len) = ["below", "under", "less than", "lower than", "<", "≥", ">="]
        .iter()
        .filter_map(|c| tail.find(c).map(|i| (i, c.len())))
        .min()?;
    if i > 24 {
        return None;
    }
    leading_number(tail.get(i + len..)?.trim_start())
}

/// A number at the start of `s` (`4`, `4.0`, `3.5`).
pub(crate) fn leading_number(s: &str) -> Option<f64> {
    let s = s.trim_start_matches(['`', '*', ' ']);
    let end = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (c == '.' && i > 0)))
        .map_or(s.len(), |(i, _)| i);
    let num = s.get(..end)?.trim_end_matches('.');
    if num.is_empty() || num.len() > 12 {
        return None;
    }
    num.parse().ok()
}

fn is_status(s: &str) -> bool {
    s.len() >= 2 && s.len() <= 16 && s.chars().all(|c| c.is_ascii_uppercase() || c == '_')
}

/// Rows of `| Status | Criteria |` tables (evaluation sections first).
fn programmatic(doc: &Document<'_>, secs: &[Section]) -> Vec<ProgrammaticCriterion> {
    let status_table = |t: &&Table| {
        t.column(|h| matches!(h, "status" | "result" | "verdict" | "outcome")) == Some(0)
            && t.rows
                .iter()
                .any(|r| r.cells.first().is_some_and(|c| is_status(&plain(&c.text))))
    };
    let in_eval = crate::extract::tables_in(doc, secs, SectionKind::Evaluation);
    let table = in_eval
        .into_iter()
        .find(status_table)
        .or_else(|| doc.tables.iter().find(status_table));
    let Some(t) = table else {
        return Vec::new();
    };
    t.rows
        .iter()
        .filter_map(|r| {
            let label = plain(&r.cells.first()?.text);
            let criteria = r.cells.get(1).map(|c| c.text.clone()).unwrap_or_default();
            is_status(&label).then_some(ProgrammaticCriterion {
                label,
                criteria,
                line: r.line + 1,
            })
        })
        .collect()
}
