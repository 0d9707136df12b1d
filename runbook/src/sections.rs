//! Recognising what a heading is for, tolerant of the variants people write:
//! `## REQUIRED OUTPUT FILES (MANDATORY)`, `## Step 4: Evaluate Against
//! Rubric`, `## Final Checklist (MANDATORY — do not skip)`, `## 3. Write
//! Results`, or a step heading with no `Step N:` prefix under `## Steps`.

use serde::{Deserialize, Serialize};

use crate::markdown::Heading;

/// What a section is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    /// `## Objective`
    Objective,
    /// `## REQUIRED OUTPUT FILES`
    RequiredOutputs,
    /// `## Parameters`
    Parameters,
    /// `## Dependencies`
    Dependencies,
    /// `## Step N: ...` that is none of the below.
    Step,
    /// Evaluation: `Evaluate ...`, `Rubric`, `Grading`, `Scoring`.
    Evaluation,
    /// Iteration: `Iterate on Errors (max 3 rounds)`.
    Iteration,
    /// `## Final Checklist` or `## Verification`.
    FinalChecklist,
    /// Container of steps: `## Steps`, `## Workflow`, `## Procedure`.
    Steps,
    /// A heading that matches none of the above (and is not a step under `## Steps`).
    Other,
}

/// A heading with its meaning and the 0-based line range of its content.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    pub heading: Heading,
    pub kind: SectionKind,
    /// The step number, for step headings.
    pub step: Option<u32>,
    /// The heading's title with the step prefix removed.
    pub name: String,
    /// First content line (the line after the heading).
    pub from: usize,
    /// One past the last content line (next heading of the same or a higher level).
    pub to: usize,
}

/// Classify every heading and compute where its section ends.
pub(crate) fn sections(headings: &[Heading], line_count: usize) -> Vec<Section> {
    let mut out: Vec<Section> = headings
        .iter()
        .map(|h| {
            let (step, name) = split_step_prefix(&h.title, h.level);
            Section {
                kind: classify(&name, step.is_some()),
                heading: h.clone(),
                step,
                name,
                from: h.line + 1,
                to: line_count,
            }
        })
        .collect();
    // A section ends at the next heading of the same or a higher level: a
    // monotonic stack keeps this linear.
    let mut stack: Vec<usize> = Vec::new();
    for i in 0..out.len() {
        let (level, line) = match out.get(i) {
            Some(s) => (s.heading.level, s.heading.line),
            None => continue,
        };
        while let Some(&top) = stack.last() {
            match out.get_mut(top) {
                Some(t) if t.heading.level >= level => {
                    t.to = line;
                    stack.pop();
                }
                _ => break,
            }
        }
        stack.push(i);
    }
    number_unprefixed_steps(&mut out);
    out
}

/// Headings one level below a `## Steps` container are steps even without a
/// `Step N:` prefix; they are numbered in order.
fn number_unprefixed_steps(sections: &mut [Section]) {
    let mut container: Option<(u8, usize)> = None;
    let mut next = 1;
    for s in sections.iter_mut() {
        if s.kind == SectionKind::Steps {
            container = Some((s.heading.level, s.to));
            next = 1;
            continue;
        }
        if let Some((level, to)) = container {
            if s.heading.line >= to {
                container = None;
            } else if s.heading.level == level + 1 {
                if s.step.is_none() {
                    s.step = Some(next);
                    if s.kind == SectionKind::Other {
                        s.kind = SectionKind::Step;
                    }
                }
                next = s.step.map_or(next, |n| n.saturating_add(1));
            }
        }
    }
}

/// Lowercase, emphasis and parentheticals removed, whitespace collapsed.
pub(crate) fn normalize_title(title: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in title.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            '*' | '_' | '`' => {}
            _ if depth == 0 => out.extend(c.to_lowercase()),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `Step 4: Evaluate` -> `(Some(4), "Evaluate")`; `3. Write` at level <= 3 too.
pub(crate) fn split_step_prefix(title: &str, level: u8) -> (Option<u32>, String) {
    let t = crate::table::strip_emphasis(title);
    let lower = t.to_ascii_lowercase();
    let (rest, explicit) = match lower.strip_prefix("step") {
        Some(r) if r.starts_with([' ', '\t']) || r.starts_with(|c: char| c.is_ascii_digit()) => {
            (t.get(4..).unwrap_or("").trim_start(), true)
        }
        _ => (t, false),
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 6 {
        return (None, t.to_string());
    }
    let number: Option<u32> = rest.get(..digits).and_then(|d| d.parse().ok());
    let after = rest.get(digits..).unwrap_or("");
    let sep_ok = if explicit {
        after.is_empty() || after.starts_with([':', '.', ')', ' ', '-', '—', '–'])
    } else {
        level <= 3 && (after.starts_with(". ") || after.starts_with(") "))
    };
    if !sep_ok {
        return (None, t.to_string());
    }
    let name = after.trim_start_matches([':', '.', ')', ' ', '-', '—', '–', '\t']);
    (number, name.trim().to_string())
}

fn classify(name: &str, is_step: bool) -> SectionKind {
    let n = normalize_title(name);
    let starts =
        |p: &str| n == p || n.starts_with(&format!("{p} ")) || n.starts_with(&format!("{p}:"));
    if n.contains("required output") || starts("output files") || starts("outputs") {
        SectionKind::RequiredOutputs
    } else if starts("objective") || starts("goal") || starts("mission") {
        SectionKind::Objective
    } else if starts("parameters") || starts("template variables") {
        SectionKind::Parameters
    } else if starts("dependencies") || starts("prerequisites") {
        SectionKind::Dependencies
    } else if n.contains("final checklist")
        || starts("checklist")
        || starts("verification")
        || starts("final verification")
    {
        SectionKind::FinalChecklist
    } else if n.contains("evaluat")
        || n.contains("rubric")
        || n.starts_with("grad")
        || n.starts_with("scor")
    {
        SectionKind::Evaluation
    } else if n.contains("iterat") {
        SectionKind::Iteration
    } else if is_step {
        SectionKind::Step
    } else if starts("steps") || starts("workflow") || starts("procedure") || starts("instructions")
    {
        SectionKind::Steps
    } else {
        SectionKind::Other
    }
}
