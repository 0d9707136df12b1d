//! Grading: turns what a run produced into `scores` rows and a pass decision
//! (ARCHITECTURE.md, "Evaluation").
//!
//! - [`checks`]: programmatic checks, pure functions over what the engine
//!   gathered (required outputs, verification script, `validation_report.json`).
//! - [`Judge`]: the LLM rubric judge. The prompt ([`prompt`], templates in
//!   `grader/prompts/`) shows the objective, the rubric, bounded output files
//!   and a [`TrajectoryDigest`]; the answer is structured JSON validated in
//!   code ([`parse_answer`]) and re-asked when malformed; transport retries
//!   honour `retry-after`; validated answers are cached ([`JudgeCache`]);
//!   N samples are combined by median with their agreement.
//! - [`decide`]: the pass decision from the runbook's rule, never the judge's.
//! - [`feedback`]: the message for the next round when evaluation fails.
//! - [`check_scores`], [`judge_scores`], [`judge_error_scores`]: `ScoreRecord` rows.
//!
//! The engine calls this crate; nothing here touches sandboxes or storage.

mod answer;
mod cache;
pub mod checks;
mod decision;
mod digest;
mod error;
mod feedback;
mod glob;
mod judge;
mod pace;
pub mod prompt;
mod samples;
mod scores;
mod transport;

pub use answer::{CriterionScore, JudgeAnswer, MAX_SCORE, MIN_SCORE, answer_schema, parse_answer};
pub use cache::{CacheKey, DiskCache, JudgeCache, MemoryCache};
pub use checks::{CheckResult, OutputEntry, VerificationOutcome};
pub use decision::{Decision, FailedCriterion, decide};
pub use digest::{DigestEvent, TrajectoryDigest};
pub use error::GraderError;
pub use feedback::{FEEDBACK_MAX_CHARS, feedback};
pub use glob::glob_match;
pub use judge::{DEFAULT_JUDGE_NAME, Judge, JudgeConfig, JudgeVerdict};
pub use prompt::{JudgeInput, OutputFile, PromptLimits, RenderedPrompt, prompt_sha256};
pub use samples::{Agreement, CriterionVerdict, aggregate};
pub use scores::{
    CHECKS_GRADER_NAME, OVERALL_CRITERION, ScoreContext, check_scores, judge_error_scores,
    judge_scores,
};
pub use transport::{MAX_RETRY_AFTER, RetryPolicy, retry_after};
pub use wharf_stats::SplitMix64;
