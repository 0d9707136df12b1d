//! Checks on a parsed runbook: frontmatter values, runtime/provider/model,
//! required structure, and template variables.

use std::collections::BTreeSet;

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Span};
use crate::providers::{self, AGENTS, EVALUATIONS, PROVIDERS};
use crate::runbook::Runbook;
use crate::source::SourceFile;
use crate::suggest::closest;

/// Every check. Parse-time diagnostics are not repeated here.
pub fn validate(src: &SourceFile, rb: &Runbook) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    if rb.anchors.frontmatter_ok {
        frontmatter(rb, &mut d);
        model(rb, &mut d);
    }
    structure(rb, &mut d);
    crate::template_checks::templates(src, rb, &mut d);
    d
}

fn value_span(rb: &Runbook, key: &str) -> Option<Span> {
    rb.anchors
        .keys
        .get(key)
        .map(|k| k.value)
        .or(rb.anchors.frontmatter_open)
}

fn frontmatter(rb: &Runbook, d: &mut Vec<Diagnostic>) {
    let fm = &rb.frontmatter;
    if fm.version.as_deref().is_none_or(|v| v.trim().is_empty()) {
        d.push(
            Diagnostic::new(Code::MissingVersion, "frontmatter has no `version`")
                .at_opt(rb.anchors.frontmatter_open)
                .label("in this frontmatter")
                .help("add `version: 1.0.0`; runs record it to tell runbook revisions apart"),
        );
    }
    match fm.evaluation.as_deref() {
        None => d.push(
            Diagnostic::new(Code::MissingEvaluation, "frontmatter has no `evaluation`")
                .at_opt(rb.anchors.frontmatter_open)
                .label("programmatic evaluation is assumed")
                .help("add `evaluation: programmatic` or `evaluation: rubric`"),
        ),
        Some(e) if !EVALUATIONS.contains(&e.trim().to_lowercase().as_str()) => d.push(
            Diagnostic::new(Code::UnknownEvaluation, format!("unknown evaluation `{e}`"))
                .at_opt(value_span(rb, "evaluation"))
                .label("not an evaluation wharf runs")
                .help(format!("known evaluations: {}", EVALUATIONS.join(", "))),
        ),
        Some(_) => {}
    }
    if let Some(agent) = fm.agent.as_deref()
        && !AGENTS.contains(&agent)
    {
        {
            d.push(
                Diagnostic::new(Code::UnknownAgent, format!("unknown agent `{agent}`"))
                    .at_opt(value_span(rb, "agent"))
                    .label(match closest(agent, AGENTS) {
                        Some(c) => format!("did you mean `{c}`?"),
                        None => "not a known runtime".to_string(),
                    })
                    .help(format!(
                        "known agents: {}; a run needs one of them (`--agent` overrides this key), grading does not",
                        AGENTS.join(", ")
                    )),
            );
        }
    }
    if let Some(p) = fm.model_provider.as_deref()
        && !providers::is_known_provider(p)
    {
        {
            d.push(
                Diagnostic::new(Code::UnknownProvider, format!("unknown model_provider `{p}`"))
                    .at_opt(value_span(rb, "model_provider"))
                    .label(match closest(p, PROVIDERS) {
                        Some(c) => format!("did you mean `{c}`?"),
                        None => "not a known provider".to_string(),
                    })
                    .help(format!(
                        "known providers: {}, or the base URL of an OpenAI-compatible server (https://...); \
                         a run fails only if its agent needs this provider",
                        PROVIDERS.join(", ")
                    )),
            );
        }
    }
}

fn model(rb: &Runbook, d: &mut Vec<Diagnostic>) {
    let fm = &rb.frontmatter;
    let (Some(model), Some(provider)) = (fm.model.as_deref(), fm.model_provider.as_deref()) else {
        return;
    };
    if let Err(m) = providers::check_model(provider, model) {
        d.push(
            Diagnostic::new(
                Code::ModelProviderMismatch,
                format!("model `{model}` does not fit model_provider `{provider}`"),
            )
            .at_opt(value_span(rb, "model"))
            .label(m.expected)
            .help(m.help),
        );
    }
}

fn structure(rb: &Runbook, d: &mut Vec<Diagnostic>) {
    let anchor = rb.anchors.title.or(rb.anchors.frontmatter_open);
    match rb.anchors.required_outputs_heading {
        None => d.push(
            Diagnostic::new(Code::MissingRequiredOutputs, "runbook has no REQUIRED OUTPUT FILES section")
                .at_opt(anchor)
                .label("in this runbook")
                .help("add `## REQUIRED OUTPUT FILES` with a `| File | Description |` table of paths under `{{results_dir}}`"),
        ),
        Some(h) if rb.required_outputs.is_empty() => d.push(
            Diagnostic::new(Code::EmptyRequiredOutputs, "REQUIRED OUTPUT FILES lists no file")
                .at(h)
                .label("no table rows or code-span bullets under this heading")
                .help("add a `| File | Description |` table with one row per file"),
        ),
        Some(_) => {}
    }
    if rb.objective.is_none() {
        d.push(
            Diagnostic::new(Code::MissingObjective, "runbook has no Objective section")
                .at_opt(anchor)
                .label("in this runbook")
                .help("add `## Objective`: the judge and the agent both read it first"),
        );
    }
    if rb.iteration.defaulted {
        d.push(
            Diagnostic::new(
                Code::UnboundedIteration,
                "runbook states no iteration limit",
            )
            .at_opt(anchor)
            .label(format!(
                "wharf will allow {} rounds",
                rb.iteration.max_rounds
            ))
            .help("add a step such as `## Step N: Iterate on Errors (max 3 rounds)`"),
        );
    }
    if rb.verification.is_none() {
        let programmatic = rb.evaluation.kind == "programmatic";
        d.push(
            Diagnostic::new(
                Code::MissingVerificationScript,
                "Final Checklist has no verification script",
            )
            .at_opt(anchor)
            .label(if programmatic {
                "programmatic evaluation will only check that the required outputs exist"
            } else {
                "the agent has nothing to run before finishing"
            })
            .help(
                "add `## Final Checklist` with a ```bash block that checks every required output",
            ),
        );
    }
    if rb.evaluation.kind == "rubric" && rb.evaluation.rubric.is_empty() {
        d.push(
            Diagnostic::new(
                Code::MissingRubric,
                "`evaluation: rubric` but no rubric table",
            )
            .at_opt(value_span(rb, "evaluation"))
            .label("the judge needs criteria")
            .help("add a table `| # | Criterion | 5 (Excellent) | 3 (Acceptable) | 1 (Poor) |`"),
        );
    }
    if !rb.evaluation.rubric.is_empty()
        && rb
            .evaluation
            .pass_rule
            .as_ref()
            .is_some_and(|r| r.defaulted)
    {
        d.push(
            Diagnostic::new(Code::MissingPassRule, "rubric has no pass rule")
                .at_opt(rb.anchors.rubric_table)
                .label("default: average >= 4.0, no criterion below 3")
                .help("state it under the table: `**Pass threshold: overall average ≥ 4.0, no individual criterion below 3.**`"),
        );
    }
    let required: BTreeSet<&str> = rb
        .required_outputs
        .iter()
        .flat_map(|o| {
            [
                o.relative.as_deref(),
                Some(o.resolved.as_str()),
                Some(o.path.as_str()),
            ]
        })
        .flatten()
        .collect();
    for p in &rb.frontmatter.primary_outputs {
        let rel = p.trim_start_matches("./");
        let under = format!("{}/{rel}", rb.results_dir);
        if !required.contains(rel) && !required.contains(under.as_str()) {
            d.push(
                Diagnostic::new(
                    Code::PrimaryOutputNotRequired,
                    format!("primary output `{p}` is not a required output"),
                )
                .at_opt(value_span(rb, "primary_outputs"))
                .label("declared here")
                .help(format!(
                    "add `{{{{results_dir}}}}/{rel}` to REQUIRED OUTPUT FILES"
                )),
            );
        }
    }
}
