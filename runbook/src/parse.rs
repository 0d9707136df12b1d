//! From a decoded source to a typed [`Runbook`]: frontmatter, the markdown
//! scan, and every extractor. Parsing never fails: problems it meets (bad
//! YAML, an unclosed fence) are diagnostics, and the rest is still read.

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Span};
use crate::frontmatter::{self, Split};
use crate::markdown::Document;
use crate::runbook::{Runbook, SCHEMA_VERSION, SectionInfo, VariableUse};
use crate::sections::sections;
use crate::source::SourceFile;
use crate::template::scan_variables;
use crate::{evaluation, extract, iteration, outputs, parameters};

/// Parse a source. `None` only for an empty file.
pub fn parse(src: &SourceFile) -> (Option<Runbook>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    if src.text().trim().is_empty() {
        diags.push(
            Diagnostic::new(Code::Empty, "runbook is empty")
                .help("start from a template: `wharf runbook new --evaluation programmatic NAME`"),
        );
        return (None, diags);
    }
    let mut rb = Runbook {
        schema_version: SCHEMA_VERSION,
        ..Runbook::default()
    };
    let body_line = match frontmatter::split(src) {
        Split::Missing => {
            let first = first_char_span(src);
            diags.push(
                Diagnostic::new(Code::MissingFrontmatter, "runbook has no frontmatter")
                    .at(first)
                    .label("expected `---` here")
                    .help("start the file with `---`, then `version: 1.0.0`, `evaluation: programmatic`, `agent: ...`, and a closing `---`"),
            );
            0
        }
        Split::Unterminated { open } => {
            diags.push(
                Diagnostic::new(Code::UnterminatedFrontmatter, "frontmatter is never closed")
                    .at(open)
                    .label("opened here")
                    .help("add a `---` line after the last frontmatter key"),
            );
            rb.anchors.frontmatter_open = Some(open);
            src.location(open.start).line
        }
        Split::Found {
            open,
            open_line,
            close_line,
        } => {
            rb.anchors.frontmatter_open = Some(open);
            if let Some((fm, keys)) = frontmatter::parse(src, open_line, close_line, &mut diags) {
                rb.frontmatter = fm;
                rb.anchors.keys = keys;
                rb.anchors.frontmatter_ok = true;
            }
            close_line + 1
        }
    };
    rb.anchors.body_start = src.line_start(body_line + 1);

    let doc = Document::scan(src.text(), body_line, &mut diags);
    let secs = sections(&doc.headings, doc.lines.len());
    if let Some((title, span)) = extract::title(&doc) {
        rb.title = Some(title);
        rb.anchors.title = Some(span);
    }
    rb.objective = extract::objective(&doc, &secs);
    rb.parameters = parameters::parameters(&doc, &secs);
    rb.results_dir = parameters::results_dir(&rb.parameters);
    let (outputs, heading) =
        outputs::required_outputs(&doc, &secs, &rb.results_dir, &rb.parameters);
    rb.required_outputs = outputs;
    rb.anchors.required_outputs_heading = heading;
    rb.dependencies = extract::dependencies(&doc, &secs);
    rb.steps = extract::steps(&secs);
    let (eval, rubric_span) = evaluation::evaluation(
        rb.frontmatter.evaluation.as_deref(),
        &doc,
        &secs,
        &rb.parameters,
    );
    rb.evaluation = eval;
    rb.anchors.rubric_table = rubric_span;
    rb.iteration = iteration::iteration(&doc, &secs, &rb.parameters);
    rb.verification = extract::verification(&doc, &secs);
    rb.checklist = extract::checklist(&doc, &secs);
    rb.sections = secs
        .iter()
        .map(|s| SectionInfo {
            level: s.heading.level,
            title: s.heading.title.clone(),
            kind: s.kind,
            step: s.step,
            line: s.heading.line + 1,
        })
        .collect();
    rb.variables = variables(src, &doc);
    let mut defs: Vec<Span> = rb.parameters.iter().map(|p| p.span).collect();
    defs.sort_by_key(|s| s.start);
    for v in &mut rb.variables {
        let i = defs.partition_point(|d| d.start <= v.span.start);
        v.definition = i
            .checked_sub(1)
            .and_then(|i| defs.get(i))
            .is_some_and(|d| v.span.end <= d.end);
    }
    (Some(rb), diags)
}

fn variables(src: &SourceFile, doc: &Document<'_>) -> Vec<VariableUse> {
    let mut out = Vec::new();
    let mut found = Vec::new();
    for (idx, line) in doc.lines.iter().enumerate().filter(|(_, l)| !l.front) {
        found.clear();
        scan_variables(line.text, line.start, &mut found);
        // Columns are counted incrementally so a long line stays linear.
        let (mut at, mut column) = (line.start, 1);
        for (name, span) in found.drain(..) {
            column += src
                .text()
                .get(at..span.start)
                .map_or(0, |s| s.chars().count());
            at = span.start;
            out.push(VariableUse {
                name,
                line: idx + 1,
                column,
                in_code: line.code,
                definition: false,
                span,
            });
        }
    }
    out
}

fn first_char_span(src: &SourceFile) -> Span {
    let start = src.text().len() - src.text().trim_start().len();
    let len = src
        .text()
        .get(start..)
        .and_then(|s| s.chars().next())
        .map_or(0, char::len_utf8);
    Span::new(start, start + len)
}
