//! Rendering: `{{name}}` from given values, then parameter defaults;
//! `{{results_dir}}` automatically; `{{secrets.NAME}}` becomes `${ENV}`, an
//! environment variable reference the sandbox resolves, so rendered text can
//! be stored and shown without leaking secrets. Values are inserted verbatim
//! (never re-rendered). The frontmatter is copied unchanged.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::runbook::Runbook;
use crate::source::SourceFile;

/// A rendered runbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rendered {
    /// The mission text with variables substituted.
    pub text: String,
    /// The value used for every variable that occurred.
    pub values: BTreeMap<String, String>,
    /// Environment variables the sandbox must provide (from `{{secrets.NAME}}`).
    pub env: Vec<String>,
    /// Warnings (values given for variables the runbook does not define).
    #[serde(skip)]
    pub warnings: Vec<Diagnostic>,
}

/// Render `rb` (parsed from `src`) with `values` (`name -> value`).
///
/// A value is used for every `{{name}}` it is given for, whether or not the
/// Parameters table lists the name (as Jetty renders `template_variables`).
/// Errors: an undeclared secret (R043), or a variable outside code with no
/// value, no default and no given value (R050), each with its position.
/// Names without a value inside code blocks are left as is.
pub fn render(
    src: &SourceFile,
    rb: &Runbook,
    values: &BTreeMap<String, String>,
) -> Result<Rendered, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for name in values.keys() {
        if !rb.defines(name) && !uses(rb, name) {
            warnings.push(
                Diagnostic::new(
                    Code::UnknownParam,
                    format!("`{name}` is not a parameter of this runbook; its value is ignored"),
                )
                .help(format!("parameters: {}", parameter_list(rb))),
            );
        }
    }
    let mut out = String::with_capacity(src.text().len());
    let mut used = BTreeMap::new();
    let mut env = Vec::new();
    let mut last = 0;
    for v in &rb.variables {
        let replacement = if let Some(secret) = v.secret_name() {
            match rb.frontmatter.secrets.iter().find(|s| s.name == secret) {
                Some(decl) => {
                    if !env.contains(&decl.env) {
                        env.push(decl.env.clone());
                    }
                    Some(format!("${{{}}}", decl.env))
                }
                None => {
                    errors.push(
                        Diagnostic::new(
                            Code::UndeclaredSecret,
                            format!("secret `{secret}` is not declared"),
                        )
                        .at(v.span)
                        .label("used here")
                        .help("declare it under `secrets:` in the frontmatter"),
                    );
                    None
                }
            }
        } else if let Some(value) = lookup(rb, values, &v.name) {
            used.insert(v.name.clone(), value.clone());
            Some(value)
        } else if v.definition {
            // The Parameters table cell of a variable with no value stays as is.
            None
        } else if rb.defines(&v.name) {
            errors.push(
                Diagnostic::new(
                    Code::MissingValue,
                    format!("no value for `{{{{{}}}}}`", v.name),
                )
                .at(v.span)
                .label("parameter has no default")
                .help(format!("pass `--param {}=VALUE`", v.name)),
            );
            None
        } else if v.in_code {
            None
        } else {
            // Not a parameter and no value given: Jetty renders any `{{name}}` it gets a
            // value for, so this is only an error now, when the run has none.
            errors.push(
                Diagnostic::new(
                    Code::MissingValue,
                    format!("no value for `{{{{{}}}}}`", v.name),
                )
                .at(v.span)
                .label(match crate::suggest::closest(&v.name, &defined_names(rb)) {
                    Some(c) => format!("not a parameter and no value given; did you mean `{{{{{c}}}}}`?"),
                    None => "not a parameter and no value given".to_string(),
                })
                .help(format!(
                    "pass `--param {0}=VALUE` (`template_variables` over the API), or add a row to the Parameters table: | {0} | `{{{{{0}}}}}` | default | description |",
                    v.name
                )),
            );
            None
        };
        if let (Some(r), Some(before)) = (replacement, src.text().get(last..v.span.start)) {
            out.push_str(before);
            out.push_str(&r);
            last = v.span.end;
        }
    }
    out.push_str(src.text().get(last..).unwrap_or(""));
    if errors.is_empty() {
        Ok(Rendered {
            text: out,
            values: used,
            env,
            warnings,
        })
    } else {
        errors.extend(warnings);
        Err(crate::diagnostic::finish(errors))
    }
}

fn lookup(rb: &Runbook, values: &BTreeMap<String, String>, name: &str) -> Option<String> {
    if let Some(v) = values.get(name) {
        return Some(v.clone());
    }
    if name == "results_dir" {
        return Some(rb.results_dir.clone());
    }
    rb.parameter(name).and_then(|p| p.default.clone())
}

/// Does the runbook use `{{name}}` (outside its Parameters table)?
fn uses(rb: &Runbook, name: &str) -> bool {
    rb.variables
        .iter()
        .any(|v| !v.definition && v.secret_name().is_none() && v.name == name)
}

fn defined_names(rb: &Runbook) -> Vec<&str> {
    std::iter::once("results_dir")
        .chain(rb.parameters.iter().filter_map(|p| p.variable.as_deref()))
        .collect()
}

fn parameter_list(rb: &Runbook) -> String {
    let mut names: Vec<&str> = rb
        .parameters
        .iter()
        .filter_map(|p| p.variable.as_deref())
        .collect();
    if !names.contains(&"results_dir") {
        names.insert(0, "results_dir");
    }
    names.join(", ")
}
