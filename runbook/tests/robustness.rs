//! Bad input never panics or hangs: the checked-in corpus (`tests/corpus/`),
//! a property test over generated documents and raw bytes, a 50 MB file,
//! and documents shaped to trip quadratic algorithms.

// Helpers outside #[test] fns are not covered by clippy.toml's allow-*-in-tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::*;
use wharf_runbook::{Checked, Code, MAX_RUNBOOK_BYTES, check, render, report};

/// Everything a caller might do with a checked file must hold together.
fn assert_sane(c: &Checked) {
    let text = c.source.text();
    let spans = |diags: &[wharf_runbook::Diagnostic]| {
        for d in diags {
            if let Some(s) = d.span {
                assert!(s.start <= s.end && s.end <= text.len(), "{d:?}");
                assert!(
                    text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
                    "{d:?}"
                );
            }
        }
    };
    spans(&c.diagnostics);
    assert!(c.diagnostics.len() <= wharf_runbook::MAX_DIAGNOSTICS + 1);
    let _ = report::format_text(&c.source, &c.diagnostics);
    for j in report::to_json(&c.source, &c.diagnostics) {
        assert!(
            j.line
                .is_none_or(|l| l >= 1 && l <= c.source.line_count() + 1)
        );
    }
    let Some(rb) = &c.runbook else {
        return;
    };
    serde_json::to_string(rb).unwrap();
    let _ = wharf_runbook::outline(rb);
    // (Only the first uses: locating each one from scratch would make this
    // check itself quadratic on the adversarial documents.)
    for v in rb.variables.iter().take(500) {
        let at = c.source.line_start(v.line)
            + c.source
                .line_text(v.line)
                .char_indices()
                .nth(v.column - 1)
                .unwrap()
                .0;
        assert!(text[at..].starts_with("{{"), "{v:?}");
    }
    match render(&c.source, rb, &BTreeMap::new()) {
        Ok(out) => {
            if rb.variables.is_empty() {
                assert_eq!(out.text, text);
            }
        }
        Err(diags) => {
            assert!(diags.iter().any(|d| d.is_error()));
            spans(&diags);
        }
    }
}

#[test]
fn corpus_files_check_without_panicking_and_behave_as_recorded() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut summary = String::new();
    for path in &files {
        let name = path.file_name().unwrap().to_str().unwrap();
        let c = check(name, &std::fs::read(path).unwrap());
        assert_sane(&c);
        let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code.as_str()).collect();
        summary.push_str(&format!("{name}: [{}]", codes.join(" ")));
        if let Some(rb) = &c.runbook {
            let rule = rb
                .evaluation
                .pass_rule
                .as_ref()
                .map(|r| format!("{:?}/{:?}", r.min_average, r.min_criterion));
            summary.push_str(&format!(
                " outputs={} params={} deps={} steps={} rubric={} rule={} rounds={}{} script={} vars={}",
                rb.required_outputs.len(),
                rb.parameters.len(),
                rb.dependencies.len(),
                rb.steps.len(),
                rb.evaluation.rubric.len(),
                rule.unwrap_or_else(|| "-".into()),
                rb.iteration.max_rounds,
                if rb.iteration.defaulted { "(default)" } else { "" },
                rb.verification.as_ref().map_or("-".to_string(), |v| v.line.to_string()),
                rb.variables.len(),
            ));
        }
        summary.push('\n');
    }
    insta::assert_snapshot!("corpus_summary", summary);
}

#[test]
fn crlf_and_bom_change_nothing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let lf = check("a.md", &std::fs::read(dir.join("minimal.md")).unwrap());
    let crlf = check("a.md", &std::fs::read(dir.join("crlf-bom.md")).unwrap());
    assert!(lf.diagnostics.is_empty() && crlf.diagnostics.is_empty());
    let (a, b) = (lf.runbook.unwrap(), crlf.runbook.unwrap());
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        serde_json::to_value(&b).unwrap()
    );
}

fn with_deadline<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .expect("took too long: quadratic behaviour?")
}

#[test]
fn a_50_mb_file_is_refused_quickly() {
    let c = with_deadline(30, || check("big.md", &vec![b'a'; 50 * 1024 * 1024]));
    assert_eq!(
        c.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(),
        [Code::TooLarge]
    );
    assert!(c.runbook.is_none());
    // Through the file path too: at most limit + 1 bytes are read.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.md");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(50 * 1024 * 1024).unwrap();
    let c = with_deadline(30, move || wharf_runbook::commands::check_path(&path));
    assert_eq!(c.diagnostics.first().map(|d| d.code), Some(Code::TooLarge));
    let text = c.render_diagnostics();
    assert!(text.contains("error[R004]"), "{text}");
}

/// A document of about `size` bytes made by repeating `unit`.
fn repeat_to(prefix: &str, unit: &str, size: usize) -> String {
    let mut s = String::with_capacity(size + unit.len());
    s.push_str(prefix);
    while s.len() + unit.len() < size {
        s.push_str(unit);
    }
    s
}

#[test]
fn adversarial_documents_just_under_the_limit_stay_linear() {
    let fm = "---\nversion: 1\nevaluation: rubric\n---\n# T\n";
    let size = MAX_RUNBOOK_BYTES - 1024;
    let shapes: Vec<(&str, String)> = vec![
        ("one line of braces", repeat_to(fm, "{{a}}{{ {{b", size)),
        ("one line of todo", repeat_to(fm, "{TODO {todo: ", size)),
        (
            "table row of unmatched backticks",
            repeat_to(
                &format!("{fm}| a | b |\n|---|---|\n|"),
                "` `` ``` ```` |",
                size,
            ),
        ),
        (
            "many table rows",
            repeat_to(
                &format!("{fm}| # | Criterion | 5 | 3 | 1 |\n|---|---|---|---|---|\n"),
                "| 1 | c | `x|y` | \\| | z |\n",
                size,
            ),
        ),
        (
            "many headings",
            repeat_to(
                fm,
                "## Step 1: Iterate (max 3 rounds)\n### Parameters\n",
                size,
            ),
        ),
        (
            "many fences",
            repeat_to(fm, "```bash\n## x\n```\n~~~\n", size),
        ),
        ("deep list", repeat_to(fm, "        - x\n", size)),
        (
            "many parameters and uses",
            repeat_to(
                &format!("{fm}## Parameters\n| Parameter | Default |\n|---|---|\n"),
                "| `p` | {{p}} |\n",
                size,
            ),
        ),
        (
            "long pass-rule line",
            repeat_to(
                fm,
                "average ≥ overall >= mean at least criterion below ",
                size,
            ),
        ),
        (
            "long rounds line",
            repeat_to(fm, "max up to at most ≤ <= no more than 3 ", size),
        ),
        (
            "unclosed yaml flow",
            repeat_to("---\nversion: 1\nk: ", "[a, {b: c}, ", size - 8) + "\n---\n# T\n",
        ),
        (
            "long yaml list",
            repeat_to("---\nversion: 1\nk:\n", "  - {a: 1, b: [x, y]}\n", size - 8) + "---\n# T\n",
        ),
    ];
    for (name, doc) in shapes {
        assert!(doc.len() <= MAX_RUNBOOK_BYTES);
        let start = std::time::Instant::now();
        let c = with_deadline(120, move || check("big.md", doc.as_bytes()));
        assert_sane(&c);
        eprintln!("{name}: {:?}", start.elapsed());
    }
}

const FRAGMENTS: &[&str] = &[
    "---",
    "...",
    "# Title",
    "## Objective",
    "## REQUIRED OUTPUT FILES (MANDATORY)",
    "## Parameters",
    "## Dependencies",
    "## Step 1: Setup",
    "## 2. Work",
    "## Steps",
    "### Sub",
    "## Evaluate Against Rubric",
    "## Iterate on Errors (max 3 rounds)",
    "## Final Checklist (MANDATORY — do not skip)",
    "### Verification Script",
    "| File | Description |",
    "|---|---|",
    "|:--|--:|",
    "| `{{results_dir}}/a.md` | d |",
    "| `/app/results/b.json` | e |",
    "| # | Criterion | 5 (Excellent) | 3 | 1 |",
    "| 1 | **A** | x | y | z |",
    "| Status | Criteria |",
    "| `PASS` | ok |",
    "| Parameter | Template Variable | Default | Description |",
    "| P | `{{p}}` | `v` | d |",
    "| q | -- | -- |",
    "```bash",
    "```",
    "~~~",
    "````",
    "> ```sql",
    "```python",
    "{{x}}",
    "{{ secrets.K }}",
    "{{results_dir}}",
    "{{p}}",
    "{TODO: x}",
    "`a|b`",
    "\\|",
    "Pass threshold: overall average ≥ 4.0, no criterion below 3.",
    "version: 1.0.0",
    "agent: codex",
    "agent: [x",
    "model: claude-sonnet-4-6",
    "model_provider: openrouter",
    "model_provider: https://llm.invalid/v1",
    "evaluation: rubric",
    "secrets:",
    "  K:",
    "    env: K",
    "primary_outputs: [a.md]",
    "primary_outputs: 3",
    "- [ ] item",
    "\t- item",
    "    - nested",
    "",
    "  ",
    "é漢字👩‍👩‍👧",
];

fn document() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        6 => (0..FRAGMENTS.len()).prop_map(|i| FRAGMENTS[i].to_string()),
        1 => "[^\r]{0,24}",
        1 => "[{}|`#\\-*~ \t>:\\[\\]]{0,16}",
    ];
    proptest::collection::vec(line, 0..80).prop_map(|v| v.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    #[test]
    fn generated_documents_never_panic(doc in document()) {
        assert_sane(&check("gen.md", doc.as_bytes()));
    }

    #[test]
    fn line_endings_and_bom_do_not_change_diagnostics(doc in document()) {
        let positions = |c: &Checked| c.diagnostics.iter()
            .map(|d| (d.code, d.span.map(|s| c.source.location(s.start))))
            .collect::<Vec<_>>();
        // A second BOM is content, so start from a document without one.
        let doc = doc.trim_start_matches('\u{feff}');
        let lf = check("a.md", doc.as_bytes());
        let crlf = check("a.md", format!("\u{feff}{}", doc.replace('\n', "\r\n")).as_bytes());
        prop_assert_eq!(positions(&lf), positions(&crlf));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        assert_sane(&check("bytes.md", &bytes));
    }

    #[test]
    fn frontmatter_plus_arbitrary_text_never_panics(body in "\\PC{0,300}") {
        let doc = format!("---\nversion: 1.0.0\nagent: codex\n---\n{body}");
        assert_sane(&check("gen.md", doc.as_bytes()));
    }
}
