//! Targeted checks of parsing and validation rules that the crafted bad
//! runbooks do not isolate.

// Helpers outside #[test] fns are not covered by clippy.toml's allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use wharf_runbook::{Code, SectionKind, Severity, check_str};

const MINIMAL: &str = include_str!("corpus/minimal.md");

fn codes(text: &str) -> Vec<Code> {
    check_str("t.md", text)
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect()
}

#[test]
fn missing_script_is_only_a_warning_for_rubric_runbooks() {
    let rubric = MINIMAL
        .replace("evaluation: programmatic", "evaluation: rubric")
        .replace(
            "## Final Checklist\n\n```bash\ntest -s \"{{results_dir}}/counts.txt\" && echo PASS || { echo FAIL; exit 1; }\n```\n",
            "## Evaluate\n\n| # | Criterion | 5 | 3 | 1 |\n|---|---|---|---|---|\n| 1 | Right | all | most | none |\n\nPass: average ≥ 4, no criterion below 3.\n",
        );
    let checked = check_str("t.md", &rubric);
    let d: Vec<_> = checked
        .diagnostics
        .iter()
        .map(|d| (d.code, d.severity))
        .collect();
    assert_eq!(d, [(Code::MissingVerificationScript, Severity::Warning)]);
    let rule = checked.runbook.unwrap().evaluation.pass_rule.unwrap();
    assert_eq!(
        (rule.min_average, rule.min_criterion),
        (Some(4.0), Some(3.0))
    );
}

#[test]
fn providers_urls_and_inference() {
    let url = MINIMAL.replace(
        "model_provider: anthropic",
        "model_provider: https://llm.internal/v1",
    );
    assert!(codes(&url).is_empty());
    let inferred = MINIMAL.replace("model_provider: anthropic\n", "");
    assert!(
        codes(&inferred).is_empty(),
        "provider is inferred from the slug"
    );
    let vendor_prefix = MINIMAL.replace(
        "model: claude-sonnet-4-6",
        "model: anthropic/claude-sonnet-4.6",
    );
    let checked = check_str("t.md", &vendor_prefix);
    let d = checked.diagnostics.first().unwrap();
    assert_eq!(d.code, Code::ModelProviderMismatch);
    assert_eq!(
        d.help.as_deref(),
        Some(
            "write `model: claude-sonnet-4-6`, or set `model_provider: openrouter` to keep the slug"
        )
    );
    let openai_on_google = MINIMAL
        .replace("model_provider: anthropic", "model_provider: google")
        .replace("model: claude-sonnet-4-6", "model: gpt-5.5");
    let checked = check_str("t.md", &openai_on_google);
    assert_eq!(
        checked.diagnostics.first().unwrap().help.as_deref(),
        Some("this looks like an openai model: set `model_provider: openai`")
    );
}

#[test]
fn unknown_keys_are_kept_and_versions_keep_their_text() {
    let text = MINIMAL.replace(
        "version: 1.0.0",
        "version: 1.0\ntimeout_sec: 900\ntags: [a, b]",
    );
    let checked = check_str("t.md", &text);
    assert!(
        checked.diagnostics.is_empty(),
        "{}",
        checked.render_diagnostics()
    );
    let fm = checked.runbook.unwrap().frontmatter;
    assert_eq!(fm.version.as_deref(), Some("1.0"));
    assert_eq!(fm.extra.get("timeout_sec"), Some(&serde_json::json!(900)));
    assert_eq!(fm.extra.get("tags"), Some(&serde_json::json!(["a", "b"])));
}

#[test]
fn outputs_as_bullets_and_steps_without_prefixes() {
    let text = MINIMAL
        .replace(
            "| File | Description |\n|------|-------------|\n| `{{results_dir}}/counts.txt` | Word count per input file |\n",
            "- `{{results_dir}}/counts.txt` — word count per input file\n- `report/<name>.md`: one per input\n",
        )
        .replace("## Step 1: Count", "## Steps\n\n### Count")
        .replace("## Step 2: Iterate on Errors (max 3 rounds)", "### Iterate on Errors (max 3 rounds)");
    let checked = check_str("t.md", &text);
    assert!(
        checked.diagnostics.is_empty(),
        "{}",
        checked.render_diagnostics()
    );
    let rb = checked.runbook.unwrap();
    let outs: Vec<_> = rb
        .required_outputs
        .iter()
        .map(|o| (o.resolved.as_str(), o.glob.as_deref()))
        .collect();
    assert_eq!(
        outs,
        [
            ("/app/results/counts.txt", None),
            ("/app/results/report/<name>.md", Some("report/*.md"))
        ]
    );
    assert_eq!(
        rb.required_outputs[0].description.as_deref(),
        Some("word count per input file")
    );
    let steps: Vec<_> = rb
        .steps
        .iter()
        .map(|s| (s.number, s.title.as_str()))
        .collect();
    assert_eq!(
        steps,
        [(1, "Count"), (2, "Iterate on Errors (max 3 rounds)")]
    );
}

#[test]
fn structure_inside_code_is_content() {
    let text = format!(
        "{MINIMAL}\n## Notes\n\n```markdown\n## REQUIRED OUTPUT FILES\n| File | Description |\n|---|---|\n| `x` | y |\n## Step 9: Fake\n```\n"
    );
    let rb = check_str("t.md", &text).runbook.unwrap();
    assert_eq!(rb.required_outputs.len(), 1);
    assert_eq!(rb.steps.len(), 2);
    assert!(rb.sections.iter().all(|s| s.title != "Step 9: Fake"));
    assert_eq!(rb.sections.last().map(|s| s.kind), Some(SectionKind::Other));
}

#[test]
fn results_dir_default_follows_the_parameter() {
    let text = MINIMAL.replace(
        "| `/app/results` | Output directory |",
        "| `/srv/out/` | Output directory |",
    );
    let rb = check_str("t.md", &text).runbook.unwrap();
    assert_eq!(rb.results_dir, "/srv/out");
    assert_eq!(rb.required_outputs[0].resolved, "/srv/out/counts.txt");
    assert_eq!(
        rb.required_outputs[0].relative.as_deref(),
        Some("counts.txt")
    );
}

#[test]
fn secrets_in_every_declared_form() {
    for (yaml, names) in [
        (
            "secrets: [A_TOKEN, B]",
            vec![("A_TOKEN", "A_TOKEN", true), ("B", "B", true)],
        ),
        (
            "secrets:\n  - name: A\n    env: A_ENV\n    required: false",
            vec![("A", "A_ENV", false)],
        ),
        ("secrets:\n  K: the key", vec![("K", "K", true)]),
        ("secrets: null", vec![]),
        ("secrets: {}", vec![]),
    ] {
        let text = MINIMAL.replace(
            "model_provider: anthropic\n",
            &format!("model_provider: anthropic\n{yaml}\n"),
        );
        let checked = check_str("t.md", &text);
        assert!(
            checked.diagnostics.is_empty(),
            "{yaml}: {}",
            checked.render_diagnostics()
        );
        let got: Vec<_> = checked
            .runbook
            .unwrap()
            .frontmatter
            .secrets
            .iter()
            .map(|s| (s.name.clone(), s.env.clone(), s.required))
            .collect();
        let want: Vec<_> = names
            .iter()
            .map(|(n, e, r)| (n.to_string(), e.to_string(), *r))
            .collect();
        assert_eq!(got, want, "{yaml}");
    }
    let bad = MINIMAL.replace(
        "model_provider: anthropic\n",
        "model_provider: anthropic\nsecrets: [\"not an env name\"]\n",
    );
    assert_eq!(codes(&bad), [Code::InvalidKeyType]);
}
