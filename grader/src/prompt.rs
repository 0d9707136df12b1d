//! The judge's prompt: templates in `grader/prompts/`, rendered with the
//! objective, the rubric, the output files (bounded, truncation stated) and
//! the trajectory digest. Hashes identify the prompt version and the inputs.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;
use wharf_runbook::{RubricCriterion, Runbook};

use crate::answer::answer_schema;
use crate::digest::TrajectoryDigest;
use crate::error::GraderError;

/// The system message template.
pub const JUDGE_SYSTEM_TEMPLATE: &str = include_str!("../prompts/judge_system.md");
/// The user message template (`{{objective}}`, `{{criterion_count}}`,
/// `{{criterion_names}}`, `{{rubric}}`, `{{outputs}}`, `{{digest}}`).
pub const JUDGE_USER_TEMPLATE: &str = include_str!("../prompts/judge_user.md");

/// How much of the evidence the judge is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptLimits {
    /// Bytes shown of one output file (default 32 KiB).
    pub per_file_bytes: usize,
    /// Bytes shown of all output files together (default 128 KiB).
    pub total_bytes: usize,
    /// Characters of the trajectory digest (default 16 000).
    pub digest_chars: usize,
}

impl Default for PromptLimits {
    fn default() -> Self {
        PromptLimits {
            per_file_bytes: 32 * 1024,
            total_bytes: 128 * 1024,
            digest_chars: 16_000,
        }
    }
}

/// One output file as the judge sees it: the first bytes and the full size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// The path shown to the judge (relative to `results_dir`).
    pub path: String,
    /// The start of the file (at least what the limits show).
    pub head: Vec<u8>,
    /// The file's full size in bytes.
    pub size: u64,
}

impl OutputFile {
    /// A file held in memory.
    pub fn new(path: impl Into<String>, bytes: Vec<u8>) -> OutputFile {
        let size = bytes.len() as u64;
        OutputFile {
            path: path.into(),
            head: bytes,
            size,
        }
    }

    /// Reads at most `max_bytes` of `file` (without blocking the runtime).
    pub async fn read(
        file: &Path,
        shown_as: impl Into<String>,
        max_bytes: usize,
    ) -> std::io::Result<OutputFile> {
        let f = tokio::fs::File::open(file).await?;
        let size = f.metadata().await?.len();
        let mut head = Vec::new();
        f.take(max_bytes as u64).read_to_end(&mut head).await?;
        Ok(OutputFile {
            path: shown_as.into(),
            head,
            size,
        })
    }
}

/// Everything the judge is asked about.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeInput {
    /// The runbook's objective.
    pub objective: String,
    /// The rubric criteria to score.
    pub criteria: Vec<RubricCriterion>,
    /// The output files.
    pub outputs: Vec<OutputFile>,
    /// The trajectory digest.
    pub digest: TrajectoryDigest,
}

impl JudgeInput {
    /// The input for a rubric runbook; an error when it has no rubric.
    pub fn from_runbook(
        runbook: &Runbook,
        outputs: Vec<OutputFile>,
        digest: TrajectoryDigest,
    ) -> Result<JudgeInput, GraderError> {
        if runbook.evaluation.rubric.is_empty() {
            return Err(GraderError::Input(
                "the runbook has no rubric criteria; add a rubric table or use programmatic evaluation".into(),
            ));
        }
        let objective = runbook
            .objective
            .as_ref()
            .map(|o| o.text.clone())
            .or_else(|| runbook.title.clone())
            .unwrap_or_default();
        Ok(JudgeInput {
            objective,
            criteria: runbook.evaluation.rubric.clone(),
            outputs,
            digest,
        })
    }

    /// The criterion names in rubric order.
    pub fn criterion_names(&self) -> Vec<String> {
        self.criteria.iter().map(|c| c.name.clone()).collect()
    }
}

/// The rendered messages and the hashes that key the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedPrompt {
    /// The system message.
    pub system: String,
    /// The user message.
    pub user: String,
    /// [`prompt_sha256`]: the prompt version.
    pub prompt_sha256: String,
    /// sha256 of the rendered user message: the inputs as the judge saw them.
    pub inputs_sha256: String,
}

/// sha256 of the templates and the answer schema: changes when the prompt does.
pub fn prompt_sha256() -> String {
    let mut h = Sha256::new();
    h.update(JUDGE_SYSTEM_TEMPLATE.as_bytes());
    h.update([0]);
    h.update(JUDGE_USER_TEMPLATE.as_bytes());
    h.update([0]);
    h.update(answer_schema().to_string().as_bytes());
    hex(&h.finalize())
}

/// Renders the judge's messages for `input` within `limits`.
pub fn render(input: &JudgeInput, limits: &PromptLimits) -> Result<RenderedPrompt, GraderError> {
    if input.criteria.is_empty() {
        return Err(GraderError::Input("no rubric criteria to score".into()));
    }
    let names = input
        .criteria
        .iter()
        .map(|c| format!("\"{}\"", c.name))
        .collect::<Vec<_>>()
        .join(", ");
    let objective = if input.objective.trim().is_empty() {
        "(the runbook states no objective)".to_owned()
    } else {
        input.objective.trim().to_owned()
    };
    let digest = if input.digest.text.trim().is_empty() {
        "(no trajectory events were recorded)".to_owned()
    } else {
        bounded_chars(&input.digest.text, limits.digest_chars)
    };
    let count = input.criteria.len().to_string();
    let rubric = rubric(&input.criteria);
    let outputs = outputs(&input.outputs, limits);
    let user = fill(
        JUDGE_USER_TEMPLATE,
        &[
            ("objective", &objective),
            ("criterion_count", &count),
            ("criterion_names", &names),
            ("rubric", &rubric),
            ("outputs", &outputs),
            ("digest", &digest),
        ],
    );
    let inputs_sha256 = hex(&Sha256::digest(user.as_bytes()));
    Ok(RenderedPrompt {
        system: JUDGE_SYSTEM_TEMPLATE.to_owned(),
        user,
        prompt_sha256: prompt_sha256(),
        inputs_sha256,
    })
}

/// Replaces `{{name}}` in one pass (inserted text is never re-scanned).
pub fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        let value = after.find("}}").and_then(|end| {
            let name = after.get(2..end)?.trim();
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v, end + 2))
        });
        match value {
            Some((v, len)) => {
                out.push_str(v);
                rest = after.get(len..).unwrap_or("");
            }
            None => {
                out.push_str("{{");
                rest = after.get(2..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

fn rubric(criteria: &[RubricCriterion]) -> String {
    let mut out = String::new();
    for (i, c) in criteria.iter().enumerate() {
        let n = c.number.map_or(i + 1, |n| n as usize);
        let _ = writeln!(out, "## {n}. {}", c.name);
        for (score, text) in c.descriptors.iter().rev() {
            let _ = writeln!(out, "- {score}: {}", text.trim());
        }
        out.push('\n');
    }
    out.trim_end().to_owned()
}

fn outputs(files: &[OutputFile], limits: &PromptLimits) -> String {
    if files.is_empty() {
        return "(no output files were found)".to_owned();
    }
    let mut out = String::new();
    let mut budget = limits.total_bytes;
    for f in files {
        let _ = writeln!(out, "## {} ({} bytes)", f.path, f.size);
        let probe = &f.head[..f.head.len().min(8192)];
        if probe.contains(&0) {
            let _ = writeln!(out, "[binary file, {} bytes, not shown]\n", f.size);
            continue;
        }
        if budget == 0 {
            let _ = writeln!(
                out,
                "[omitted: the {} byte budget for output files is used up; this file has {} bytes]\n",
                limits.total_bytes, f.size
            );
            continue;
        }
        let want = f.head.len().min(limits.per_file_bytes).min(budget);
        let text = utf8_prefix(&f.head[..want]);
        budget -= text.len();
        let fence = fence_for(text);
        let _ = writeln!(out, "{fence}\n{text}\n{fence}");
        if (text.len() as u64) < f.size {
            let _ = writeln!(
                out,
                "[truncated: showed {} of {} bytes]",
                text.len(),
                f.size
            );
        }
        out.push('\n');
    }
    out.trim_end().to_owned()
}

/// The bytes up to the first invalid UTF-8 sequence (a cut character at the end is dropped).
fn utf8_prefix(bytes: &[u8]) -> &str {
    match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
    }
}

/// A backtick fence longer than any run inside `text`.
fn fence_for(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

fn bounded_chars(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max).collect();
    format!("{cut}\n[truncated: showed {max} of {n} characters]")
}

/// `bytes` as lowercase hex, two digits per byte (how the grader writes its sha256 digests).
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
