//! Template checks: variables used but never defined (R040: a run must give
//! them a value; R041 in code),
//! undeclared secrets (R043), parameters never used (R042) or defined twice
//! (R045), and leftover `{TODO: ...}` markers (R044).

use std::collections::{BTreeMap, BTreeSet};

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::runbook::Runbook;
use crate::source::SourceFile;
use crate::suggest::closest;
use crate::template::scan_todos;

/// Run every template check.
pub(crate) fn templates(src: &SourceFile, rb: &Runbook, d: &mut Vec<Diagnostic>) {
    let secrets: BTreeSet<&str> = rb
        .frontmatter
        .secrets
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let mut used: BTreeSet<&str> = BTreeSet::new();
    let mut code_warned: BTreeSet<&str> = BTreeSet::new();
    let defined: Vec<&str> = std::iter::once("results_dir")
        .chain(rb.parameters.iter().filter_map(|p| p.variable.as_deref()))
        .collect();
    for v in &rb.variables {
        if !v.definition {
            used.insert(v.name.as_str());
        }
        if let Some(secret) = v.secret_name() {
            if !secrets.contains(secret) {
                d.push(
                    Diagnostic::new(Code::UndeclaredSecret, format!("secret `{secret}` is not declared"))
                        .at(v.span)
                        .label("used here")
                        .help(format!(
                            "declare it in the frontmatter: `secrets:` / `  {secret}:` / `    env: {secret}`"
                        )),
                );
            }
            continue;
        }
        if rb.defines(&v.name) {
            continue;
        }
        let suggestion = closest(&v.name, &defined).map(|c| format!("did you mean `{{{{{c}}}}}`?"));
        if v.in_code {
            if code_warned.insert(v.name.as_str()) {
                d.push(
                    Diagnostic::new(
                        Code::UndefinedVariableInCode,
                        format!("`{{{{{}}}}}` in a code block is not a defined variable", v.name),
                    )
                    .at(v.span)
                    .label(suggestion.unwrap_or_else(|| "left as is when rendering".to_string()))
                    .help(format!(
                        "if it is meant for wharf, add `{}` to the Parameters table; if it belongs to the code, ignore this",
                        v.name
                    )),
                );
            }
        } else {
            d.push(
                Diagnostic::new(Code::UndefinedVariable, format!("undefined template variable `{}`", v.name))
                    .at(v.span)
                    .label(suggestion.unwrap_or_else(|| {
                        "not a parameter: a run must give it a value (`--param`, `template_variables`)"
                            .to_string()
                    }))
                    .help(format!(
                        "add a row to the Parameters table: | {0} | `{{{{{0}}}}}` | default | description |",
                        v.name
                    )),
            );
        }
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &rb.parameters {
        let Some(var) = p.variable.as_deref() else {
            continue;
        };
        if let Some(first) = seen.insert(var, p.line) {
            d.push(
                Diagnostic::new(
                    Code::DuplicateParameter,
                    format!("parameter `{var}` is defined twice"),
                )
                .at(p.span)
                .label(format!("first defined on line {first}"))
                .help("remove one of the rows; the first one wins"),
            );
            continue;
        }
        if var != "results_dir" && !used.contains(var) {
            d.push(
                Diagnostic::new(Code::UnusedParameter, format!("parameter `{var}` is never used"))
                    .at(p.span)
                    .label(format!("`{{{{{var}}}}}` appears nowhere in the runbook"))
                    .help(format!(
                        "write `{{{{{var}}}}}` where the agent needs the value (a value passed for it is otherwise lost), or remove the row"
                    )),
            );
        }
    }
    let mut todos = Vec::new();
    let body = src.text().get(rb.anchors.body_start..).unwrap_or("");
    let mut offset = rb.anchors.body_start;
    for line in body.split_inclusive('\n') {
        scan_todos(line.trim_end_matches(['\n', '\r']), offset, &mut todos);
        offset += line.len();
    }
    for span in todos {
        d.push(
            Diagnostic::new(Code::LeftoverTodo, "leftover TODO marker")
                .at(span)
                .label("replace this before running")
                .help("the agent would read this placeholder as part of its mission"),
        );
    }
}
