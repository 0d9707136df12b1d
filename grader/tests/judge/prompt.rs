//! What the judge is shown: bounded files with the truncation stated.

use wharf_grader::{OutputFile, PromptLimits};

use crate::support::*;

#[tokio::test]
async fn truncation_is_stated_in_the_prompt() {
    let srv = server(vec![text(&good())]);
    let mut inp = input();
    inp.outputs = vec![
        OutputFile::new("big.csv", vec![b'a'; 90_000]),
        OutputFile::new("small.md", b"tiny".to_vec()),
    ];
    inp.outputs
        .extend((0..4).map(|i| OutputFile::new(format!("part{i}.txt"), vec![b'b'; 40_000])));
    judge(&srv).judge(&inp).await.unwrap();
    let user = message(&chat_requests(&srv)[0], 1);
    assert!(user.contains("## big.csv (90000 bytes)"));
    assert!(
        user.contains("[truncated: showed 32768 of 90000 bytes]"),
        "per-file bound"
    );
    assert!(user.contains("## small.md (4 bytes)\n```\ntiny\n```"));
    // 128 KiB in all: 32768 + 4 + 32768 + 32768 shown, 32764 left for part2, none for part3.
    assert_eq!(
        user.matches("[truncated: showed 32768 of 40000 bytes]")
            .count(),
        2
    );
    assert!(user.contains("## part2.txt (40000 bytes)"));
    assert!(user.contains("[truncated: showed 32764 of 40000 bytes]"));
    assert!(user.contains(
        "## part3.txt (40000 bytes)\n[omitted: the 131072 byte budget for output files is used up; this file has 40000 bytes]"
    ));
    let shown = user.matches('a').count() + user.matches('b').count();
    assert!(shown <= 131_072 + 2_000, "shown {shown} bytes of files");
}

#[test]
fn the_total_budget_is_stated_when_used_up() {
    let mut inp = input();
    inp.outputs = (0..3)
        .map(|i| OutputFile::new(format!("f{i}"), vec![b'x'; 100]))
        .collect();
    let limits = PromptLimits {
        per_file_bytes: 80,
        total_bytes: 120,
        digest_chars: 1000,
    };
    let p = wharf_grader::prompt::render(&inp, &limits).unwrap();
    assert!(p.user.contains("## f0 (100 bytes)"));
    assert!(p.user.contains("[truncated: showed 80 of 100 bytes]"));
    assert!(p.user.contains("[truncated: showed 40 of 100 bytes]"));
    assert!(p.user.contains(
        "[omitted: the 120 byte budget for output files is used up; this file has 100 bytes]"
    ));
}

#[test]
fn the_prompt_hash_is_stable_and_inputs_hash_follows_inputs() {
    let limits = PromptLimits::default();
    let a = wharf_grader::prompt::render(&input(), &limits).unwrap();
    let b = wharf_grader::prompt::render(&input(), &limits).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.prompt_sha256, wharf_grader::prompt_sha256());
    let mut other = input();
    other.outputs[0] = OutputFile::new("report.md", b"# Report\nTotals: 43\n".to_vec());
    let c = wharf_grader::prompt::render(&other, &limits).unwrap();
    assert_eq!(a.prompt_sha256, c.prompt_sha256);
    assert_ne!(a.inputs_sha256, c.inputs_sha256);
}
