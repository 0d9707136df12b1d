//! `wharf runbook show` in text form: a one-screen outline for people.

use std::fmt::Write as _;

use crate::runbook::Runbook;

/// A short human summary of a parsed runbook.
pub fn outline(rb: &Runbook) -> String {
    let mut o = String::new();
    let fm = &rb.frontmatter;
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
    let _ = writeln!(o, "{}", rb.title.as_deref().unwrap_or("(untitled runbook)"));
    let _ = writeln!(
        o,
        "version {} | evaluation {} | agent {} | model {} via {} | snapshot {}",
        or_dash(&fm.version),
        rb.evaluation.kind,
        or_dash(&fm.agent),
        or_dash(&fm.model),
        fm.model_provider
            .clone()
            .or_else(|| fm
                .model
                .as_deref()
                .and_then(crate::providers::infer_provider)
                .map(str::to_string))
            .unwrap_or_else(|| "-".to_string()),
        or_dash(&fm.snapshot),
    );
    let _ = writeln!(o, "results_dir: {}", rb.results_dir);
    let _ = writeln!(o, "required outputs ({}):", rb.required_outputs.len());
    for r in &rb.required_outputs {
        let _ = writeln!(o, "  {}", r.relative.as_deref().unwrap_or(&r.resolved));
    }
    let _ = writeln!(o, "parameters ({}):", rb.parameters.len());
    for p in &rb.parameters {
        let var = p
            .variable
            .as_deref()
            .map(|v| format!(" {{{{{v}}}}}"))
            .unwrap_or_default();
        let default = p
            .default
            .as_deref()
            .map_or_else(|| "(no default)".to_string(), |d| format!("= {d}"));
        let _ = writeln!(o, "  {}{var} {default}", p.name);
    }
    let _ = writeln!(o, "dependencies: {}", rb.dependencies.len());
    let _ = writeln!(o, "steps ({}):", rb.steps.len());
    for s in &rb.steps {
        let _ = writeln!(o, "  {}. {}", s.number, s.title);
    }
    if !rb.evaluation.rubric.is_empty() {
        let _ = writeln!(o, "rubric ({} criteria):", rb.evaluation.rubric.len());
        for c in &rb.evaluation.rubric {
            let _ = writeln!(o, "  {}", c.name);
        }
    }
    if let Some(rule) = &rb.evaluation.pass_rule {
        let num = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.1}"));
        let source = match (&rule.min_average_variable, rule.defaulted) {
            (_, true) => " (default)".to_string(),
            (Some(var), _) => format!(" (from {{{{{var}}}}})"),
            (None, _) => String::new(),
        };
        let _ = writeln!(
            o,
            "pass rule: average >= {}, no criterion below {}{source}",
            num(rule.min_average),
            num(rule.min_criterion),
        );
    }
    let _ = writeln!(
        o,
        "max rounds: {}{}",
        rb.iteration.max_rounds,
        rb.iteration
            .line
            .map_or_else(|| " (default)".to_string(), |l| format!(" (line {l})"))
    );
    match &rb.verification {
        Some(v) => {
            let _ = writeln!(
                o,
                "verification script: {} lines of {} (line {})",
                v.script.lines().count(),
                if v.language.is_empty() {
                    "shell"
                } else {
                    &v.language
                },
                v.line
            );
        }
        None => {
            let _ = writeln!(o, "verification script: none");
        }
    }
    let secrets: Vec<&str> = fm.secrets.iter().map(|s| s.name.as_str()).collect();
    let _ = writeln!(
        o,
        "secrets: {}",
        if secrets.is_empty() {
            "none".to_string()
        } else {
            secrets.join(", ")
        }
    );
    if !fm.primary_outputs.is_empty() {
        let _ = writeln!(o, "primary outputs: {}", fm.primary_outputs.join(", "));
    }
    o
}
