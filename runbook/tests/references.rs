//! The five public reference runbooks (copied from Jetty's format, MIT) must
//! pass `check` with zero errors, and `show` must extract the numbers below,
//! which were counted by hand from the files.

// Helpers outside #[test] fns are not covered by clippy.toml's allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use wharf_runbook::{Checked, Code, Runbook, Severity, check};

fn load(name: &str) -> Checked {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(name);
    check(name, &std::fs::read(path).unwrap())
}

fn runbook(checked: &Checked) -> &Runbook {
    checked.runbook.as_ref().unwrap()
}

struct Expect {
    file: &'static str,
    evaluation: &'static str,
    agent: &'static str,
    provider: Option<&'static str>,
    snapshot: &'static str,
    outputs: usize,
    parameters: usize,
    with_defaults: usize,
    variables: &'static [&'static str],
    dependencies: usize,
    steps: usize,
    rubric: usize,
    pass_rule: Option<(f64, f64)>,
    programmatic: &'static [&'static str],
    max_rounds: u32,
    secrets: &'static [&'static str],
    primary: &'static [&'static str],
    checklist: usize,
    warnings: &'static [Code],
}

const EXPECTED: &[Expect] = &[
    Expect {
        file: "cheerios--ff-gay-intro-fr.md",
        evaluation: "rubric",
        agent: "opencode",
        provider: Some("openrouter"),
        snapshot: "python312-uv",
        outputs: 9,
        parameters: 8,
        with_defaults: 8,
        variables: &[
            "results_dir",
            "resolution",
            "aspect_ratio",
            "setting",
            "lead_1",
            "lead_2",
            "car_1",
            "car_2",
        ],
        dependencies: 6,
        steps: 9,
        rubric: 5,
        pass_rule: Some((4.0, 3.0)),
        programmatic: &[],
        max_rounds: 3,
        secrets: &["REPLICATE_API_TOKEN"],
        primary: &[],
        checklist: 7,
        warnings: &[],
    },
    Expect {
        file: "gooseworks-ai--capabilities--company-contact-finder.md",
        evaluation: "programmatic",
        agent: "codex",
        provider: None,
        snapshot: "python312-uv",
        outputs: 3,
        parameters: 5,
        with_defaults: 2,
        variables: &[
            "company_name",
            "company_linkedin_url",
            "target_titles",
            "num_results",
        ],
        dependencies: 6,
        steps: 3,
        rubric: 0,
        pass_rule: None,
        programmatic: &[],
        max_rounds: 3,
        secrets: &[],
        primary: &[],
        checklist: 0,
        // Four parameters are declared but never written as {{name}}: a
        // value passed for them would never reach the agent.
        warnings: &[Code::UnusedParameter; 4],
    },
    Expect {
        file: "jettyio--ambient-scribe-quality-gate.md",
        evaluation: "rubric",
        agent: "claude-code",
        provider: Some("openrouter"),
        snapshot: "python312-uv",
        outputs: 8,
        parameters: 6,
        with_defaults: 6,
        variables: &[
            "results_dir",
            "panel_size",
            "scribe_model",
            "judge_model",
            "max_iterations",
            "pass_threshold",
        ],
        dependencies: 3,
        steps: 10,
        rubric: 5,
        pass_rule: Some((4.0, 3.0)),
        programmatic: &[],
        max_rounds: 3,
        secrets: &["ANTHROPIC_API_KEY", "OPENAI_API_KEY"],
        primary: &[],
        checklist: 8,
        warnings: &[],
    },
    Expect {
        file: "jettyio--json-to-excel.md",
        evaluation: "programmatic",
        agent: "claude-code",
        provider: Some("openrouter"),
        snapshot: "python312-uv-office",
        outputs: 6,
        parameters: 7,
        with_defaults: 7,
        variables: &[
            "results_dir",
            "output_basename",
            "overflow_strategy",
            "max_overflow_inserts",
        ],
        dependencies: 3,
        steps: 10,
        rubric: 0,
        pass_rule: None,
        programmatic: &["PASS", "PARTIAL", "FAIL"],
        max_rounds: 3,
        secrets: &[],
        primary: &["filled_workbook.xlsx"],
        checklist: 7,
        warnings: &[],
    },
    Expect {
        file: "juliusbrussee--caveman.md",
        evaluation: "programmatic",
        agent: "claude-code",
        provider: Some("openrouter"),
        snapshot: "python312-uv",
        outputs: 2,
        parameters: 2,
        with_defaults: 2,
        variables: &[],
        dependencies: 2,
        steps: 8,
        rubric: 0,
        pass_rule: None,
        programmatic: &[],
        max_rounds: 3,
        secrets: &[],
        primary: &[],
        checklist: 8,
        warnings: &[],
    },
];

#[test]
fn references_pass_check_and_show_extracts_the_numbers() {
    for e in EXPECTED {
        let checked = load(e.file);
        let errors: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        assert!(
            errors.is_empty(),
            "{}: {}",
            e.file,
            checked.render_diagnostics()
        );
        let warnings: Vec<Code> = checked.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(
            warnings,
            e.warnings,
            "{}: {}",
            e.file,
            checked.render_diagnostics()
        );

        let rb = runbook(&checked);
        let fm = &rb.frontmatter;
        assert_eq!(rb.evaluation.kind, e.evaluation, "{}", e.file);
        assert_eq!(fm.agent.as_deref(), Some(e.agent), "{}", e.file);
        assert_eq!(fm.model_provider.as_deref(), e.provider, "{}", e.file);
        assert_eq!(fm.snapshot.as_deref(), Some(e.snapshot), "{}", e.file);
        assert_eq!(rb.required_outputs.len(), e.outputs, "{}", e.file);
        assert_eq!(rb.parameters.len(), e.parameters, "{}", e.file);
        assert_eq!(
            rb.parameters.iter().filter(|p| p.default.is_some()).count(),
            e.with_defaults,
            "{}",
            e.file
        );
        let vars: Vec<&str> = rb
            .parameters
            .iter()
            .filter_map(|p| p.variable.as_deref())
            .collect();
        assert_eq!(vars, e.variables, "{}", e.file);
        assert_eq!(rb.dependencies.len(), e.dependencies, "{}", e.file);
        assert_eq!(rb.steps.len(), e.steps, "{}", e.file);
        let numbers: Vec<u32> = rb.steps.iter().map(|s| s.number).collect();
        assert_eq!(
            numbers,
            (1..=u32::try_from(e.steps).unwrap()).collect::<Vec<_>>(),
            "{}",
            e.file
        );
        assert_eq!(rb.evaluation.rubric.len(), e.rubric, "{}", e.file);
        for c in &rb.evaluation.rubric {
            let scores: Vec<u8> = c.descriptors.keys().copied().collect();
            assert_eq!(scores, [1, 3, 5], "{}: {}", e.file, c.name);
        }
        let rule = rb.evaluation.pass_rule.as_ref().map(|r| {
            assert!(
                !r.defaulted,
                "{}: pass rule should be read from the runbook",
                e.file
            );
            (r.min_average.unwrap(), r.min_criterion.unwrap())
        });
        assert_eq!(rule, e.pass_rule, "{}", e.file);
        let labels: Vec<&str> = rb
            .evaluation
            .programmatic_criteria
            .iter()
            .map(|c| c.label.as_str())
            .collect();
        assert_eq!(labels, e.programmatic, "{}", e.file);
        assert_eq!(rb.iteration.max_rounds, e.max_rounds, "{}", e.file);
        assert!(!rb.iteration.defaulted, "{}", e.file);
        let secrets: Vec<&str> = fm.secrets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(secrets, e.secrets, "{}", e.file);
        assert_eq!(fm.primary_outputs, e.primary, "{}", e.file);
        assert_eq!(rb.checklist.len(), e.checklist, "{}", e.file);
        let script = rb.verification.as_ref().unwrap();
        assert_eq!(script.language, "bash", "{}", e.file);
        assert!(
            script.script.contains("FINAL OUTPUT VERIFICATION"),
            "{}",
            e.file
        );
        assert!(
            rb.objective.as_ref().is_some_and(|o| o.text.len() > 100),
            "{}",
            e.file
        );
        for o in &rb.required_outputs {
            let rel = o.relative.as_deref().unwrap();
            assert_eq!(o.resolved, format!("/app/results/{rel}"), "{}", e.file);
        }
    }
}

#[test]
fn reference_details() {
    let amb = load("jettyio--ambient-scribe-quality-gate.md");
    let rb = runbook(&amb);
    let rule = rb.evaluation.pass_rule.as_ref().unwrap();
    assert_eq!(rule.min_average_variable.as_deref(), Some("pass_threshold"));
    assert_eq!(
        rb.iteration.line,
        Some(34),
        "bound comes from '(≤3 rounds per encounter)'"
    );
    let globs: Vec<&str> = rb
        .required_outputs
        .iter()
        .filter_map(|o| o.glob.as_deref())
        .collect();
    assert_eq!(
        globs,
        [
            "transcripts/encounter_*.md",
            "notes/encounter_*.md",
            "scorecards/encounter_*.json"
        ]
    );
    let openai = rb
        .frontmatter
        .secrets
        .iter()
        .find(|s| s.name == "OPENAI_API_KEY")
        .unwrap();
    assert!(!openai.required);
    let first = rb.evaluation.rubric.first().unwrap();
    assert_eq!(
        (first.number, first.name.as_str()),
        (Some(1), "Completeness")
    );
    assert_eq!(
        first.descriptors.get(&5).map(String::as_str),
        Some("All salient ground-truth facts captured in the right section")
    );
    // `{{age, sex}}` inside a Python f-string is code, not a variable.
    assert!(rb.variables.iter().all(|v| !v.name.contains(',')));
    assert!(
        rb.variables
            .iter()
            .any(|v| v.name == "scribe_model" && v.in_code)
    );

    let goose = load("gooseworks-ai--capabilities--company-contact-finder.md");
    let rb = runbook(&goose);
    let company = rb.parameter("company_name").unwrap();
    assert_eq!(
        (company.required, company.default.as_deref()),
        (Some(true), None)
    );
    assert_eq!(
        rb.parameter("num_results").unwrap().default.as_deref(),
        Some("10")
    );
    assert_eq!(rb.frontmatter.model.as_deref(), Some("gpt-5.5"));
    assert_eq!(
        rb.steps.get(1).map(|s| s.title.as_str()),
        Some("Iterate on Errors (max 3 rounds)")
    );
    assert!(rb.frontmatter.origin.is_some());

    let cheerios = load("cheerios--ff-gay-intro-fr.md");
    let rb = runbook(&cheerios);
    // Double quotes around a whole default are syntax, not value.
    assert_eq!(
        rb.parameter("car_2").unwrap().default.as_deref(),
        Some("candy-pink Toyota Supra Mk4 with chrome wheels")
    );
    assert_eq!(
        rb.parameter("aspect_ratio").unwrap().default.as_deref(),
        Some("21:9")
    );
    assert_eq!(
        rb.evaluation.rubric.get(3).map(|c| c.name.as_str()),
        Some("F&F genre fidelity")
    );

    let excel = load("jettyio--json-to-excel.md");
    let rb = runbook(&excel);
    let template = rb
        .parameters
        .iter()
        .find(|p| p.name == "Template workbook")
        .unwrap();
    assert_eq!(template.variable, None);
    assert_eq!(
        template.default.as_deref(),
        Some("first `*.xlsx` in `/app/assets/`")
    );

    let caveman = load("juliusbrussee--caveman.md");
    let rb = runbook(&caveman);
    assert_eq!(rb.title.as_deref(), Some("caveman — Agent Runbook"));
    // The quoted ```sql block inside a blockquote must not swallow the rest.
    assert_eq!(
        rb.steps.last().map(|s| s.title.as_str()),
        Some("Write Results")
    );
}

#[test]
fn references_render_with_defaults_and_leave_only_code_braces() {
    for e in EXPECTED {
        let checked = load(e.file);
        let rb = runbook(&checked);
        let mut values = std::collections::BTreeMap::new();
        // Required parameters without defaults must be given.
        for p in &rb.parameters {
            if let (Some(v), None) = (&p.variable, &p.default) {
                values.insert(v.clone(), "x".to_string());
            }
        }
        let rendered = wharf_runbook::render(&checked.source, rb, &values).unwrap();
        assert!(!rendered.text.contains("{{results_dir}}"), "{}", e.file);
        for v in &rb.variables {
            if rb.defines(&v.name) {
                assert!(
                    !rendered.text.contains(&format!("{{{{{}}}}}", v.name)),
                    "{}: {}",
                    e.file,
                    v.name
                );
            }
        }
        if !rb.variables.is_empty() {
            assert_eq!(
                rendered.values.get("results_dir").map(String::as_str),
                Some("/app/results"),
                "{}",
                e.file
            );
        }
    }
}
