//! Rendering: values, defaults, `results_dir`, secrets as environment
//! references, positioned errors, and the `new` -> `check` -> `render` round trip.

// Helpers outside #[test] fns are not covered by clippy.toml's allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use wharf_runbook::{Code, TemplateKind, check_str, render, report, scaffold};

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const WITH_SECRET: &str = "---
version: 1.0.0
evaluation: programmatic
agent: command
secrets:
  API_TOKEN:
    env: WORDS_API_TOKEN
    description: token for the words API
---

# Words

## Objective

Fetch words in {{language}} for {{ topic }}.

## REQUIRED OUTPUT FILES

| File | Description |
|------|-------------|
| `{{results_dir}}/words.txt` | The words |

## Parameters

| Parameter | Template Variable | Default | Description |
|-----------|-------------------|---------|-------------|
| Language | `{{language}}` | `French` | Language |
| Topic | `{{topic}}` | -- | What the words are about |

## Step 1: Fetch (max 2 rounds)

```bash
curl -H \"Authorization: Bearer {{secrets.API_TOKEN}}\" \"https://words.invalid/{{language}}\" > {{results_dir}}/words.txt
echo \"{{ .Values.name }} and {{helm_value}} stay as they are\"
```

## Final Checklist

```bash
test -s {{results_dir}}/words.txt
```
";

#[test]
fn new_then_check_then_render_leaves_no_braces() {
    for kind in [TemplateKind::Programmatic, TemplateKind::Rubric] {
        let text = scaffold("word-count", kind).unwrap();
        let checked = check_str("new.md", &text);
        assert!(
            checked.diagnostics.is_empty(),
            "{kind:?}:\n{}",
            checked.render_diagnostics()
        );
        let rb = checked.runbook.as_ref().unwrap();
        assert_eq!(rb.title.as_deref(), Some("word-count — Agent Runbook"));
        assert!(rb.required_outputs.len() >= 2);
        assert_eq!(rb.iteration.max_rounds, 3);
        let rendered = render(&checked.source, rb, &BTreeMap::new()).unwrap();
        assert!(!rendered.text.contains("{{"), "{kind:?}: braces left");
        assert!(rendered.text.contains("RESULTS_DIR=\"/app/results\""));
        assert!(
            rendered.text.contains("written in English") || rendered.text.contains("in\nEnglish")
        );
        // The rendered text is itself a clean runbook.
        let again = check_str("rendered.md", &rendered.text);
        assert!(!again.has_errors(), "{}", again.render_diagnostics());
        if kind == TemplateKind::Rubric {
            assert_eq!(rb.evaluation.rubric.len(), 3);
            let rule = rb.evaluation.pass_rule.as_ref().unwrap();
            assert_eq!(
                (rule.min_average, rule.min_criterion, rule.defaulted),
                (Some(4.0), Some(3.0), false)
            );
        }
    }
}

#[test]
fn secrets_become_environment_references_and_values_fill_variables() {
    let checked = check_str("words.md", WITH_SECRET);
    let codes: Vec<Code> = checked.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [Code::UndefinedVariableInCode],
        "{}",
        checked.render_diagnostics()
    );
    let rb = checked.runbook.as_ref().unwrap();
    let out = render(
        &checked.source,
        rb,
        &values(&[("topic", "cheese"), ("results_dir", "/out")]),
    )
    .unwrap();
    assert!(out.text.contains("Bearer ${WORDS_API_TOKEN}"));
    assert!(!out.text.contains("secrets."));
    assert!(out.text.contains("Fetch words in French for cheese."));
    assert!(out.text.contains("> /out/words.txt"));
    assert!(
        out.text
            .contains("{{ .Values.name }} and {{helm_value}} stay as they are")
    );
    assert_eq!(out.env, ["WORDS_API_TOKEN"]);
    assert_eq!(
        out.values,
        values(&[
            ("language", "French"),
            ("results_dir", "/out"),
            ("topic", "cheese")
        ])
    );
    // The frontmatter is copied as is.
    assert!(out.text.starts_with("---\nversion: 1.0.0\n"));
    assert!(out.warnings.is_empty());
}

#[test]
fn missing_values_unknown_params_and_undeclared_secrets_are_positioned_errors() {
    let checked = check_str("words.md", WITH_SECRET);
    let rb = checked.runbook.as_ref().unwrap();
    let errors = render(&checked.source, rb, &values(&[("lang", "de")])).unwrap_err();
    insta::assert_snapshot!(
        "render_missing_value_and_unknown_param",
        report::format_text(&checked.source, &errors)
    );
    let codes: Vec<Code> = errors.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::UnknownParam, Code::MissingValue]);

    let text = WITH_SECRET
        .replace("secrets.API_TOKEN", "secrets.OTHER")
        .replace("for {{ topic }}", "for {{ topik }}");
    let checked = check_str("words.md", &text);
    let rb = checked.runbook.as_ref().unwrap();
    let errors = render(&checked.source, rb, &values(&[("topic", "x")])).unwrap_err();
    insta::assert_snapshot!(
        "render_undefined_and_undeclared",
        report::format_text(&checked.source, &errors)
    );
    let codes: Vec<Code> = errors.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::MissingValue, Code::UndeclaredSecret]);
}

#[test]
fn unknown_params_are_warnings_when_everything_else_resolves() {
    let checked = check_str("words.md", WITH_SECRET);
    let rb = checked.runbook.as_ref().unwrap();
    let out = render(
        &checked.source,
        rb,
        &values(&[("topic", "x"), ("colour", "red")]),
    )
    .unwrap();
    let codes: Vec<Code> = out.warnings.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::UnknownParam]);
    assert!(!out.text.contains("red"));
}

#[test]
fn crlf_and_bom_render_like_lf() {
    let crlf = format!("\u{feff}{}", WITH_SECRET.replace('\n', "\r\n"));
    let a = check_str("crlf.md", &crlf);
    let b = check_str("lf.md", WITH_SECRET);
    let codes = |c: &wharf_runbook::Checked| {
        c.diagnostics
            .iter()
            .map(|d| (d.code, d.span.map(|s| c.source.location(s.start))))
            .collect::<Vec<_>>()
    };
    assert_eq!(codes(&a), codes(&b));
    let ra = a.runbook.as_ref().unwrap();
    let rb = b.runbook.as_ref().unwrap();
    assert_eq!(
        ra.variables
            .iter()
            .map(|v| (&v.name, v.line, v.column))
            .collect::<Vec<_>>(),
        rb.variables
            .iter()
            .map(|v| (&v.name, v.line, v.column))
            .collect::<Vec<_>>()
    );
    let v = values(&[("topic", "t")]);
    let out_a = render(&a.source, ra, &v).unwrap().text;
    let out_b = render(&b.source, rb, &v).unwrap().text;
    assert_eq!(out_a.replace("\r\n", "\n"), out_b);
    assert!(out_a.contains("\r\n"), "line endings are preserved");
}

#[test]
fn values_are_inserted_verbatim_not_re_rendered() {
    let checked = check_str("words.md", WITH_SECRET);
    let rb = checked.runbook.as_ref().unwrap();
    let out = render(
        &checked.source,
        rb,
        &values(&[("topic", "{{language}} {{secrets.API_TOKEN}}")]),
    )
    .unwrap();
    assert!(out.text.contains("for {{language}} {{secrets.API_TOKEN}}."));
}
