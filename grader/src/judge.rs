//! The rubric judge: renders the prompt, asks an OpenAI-compatible model for
//! structured scores, validates them in code (re-asking on a malformed
//! answer), caches validated answers and combines N samples.

use std::sync::Arc;
use std::time::Duration;

use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    CreateChatCompletionRequest, ResponseFormat, ResponseFormatJsonSchema,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use wharf_runbook::PassRule;

use crate::answer::{JudgeAnswer, answer_schema, parse_answer};
use crate::cache::{CacheKey, JudgeCache};
use crate::decision::{Decision, decide};
use crate::error::GraderError;
use crate::prompt::{JudgeInput, PromptLimits, RenderedPrompt, render};
use crate::samples::{CriterionVerdict, aggregate};
use crate::transport::{RetryPolicy, Transport};

/// Default `grader_name` of rubric score rows.
pub const DEFAULT_JUDGE_NAME: &str = "rubric-judge";

/// How to reach and use the judge model. `Debug` redacts the key.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeConfig {
    /// OpenAI-compatible base URL including the version (`https://api.openai.com/v1`);
    /// requests go to `{base_url}/chat/completions`.
    pub base_url: String,
    /// Bearer key, if the endpoint needs one (never serialised).
    #[serde(skip_serializing, default)]
    pub api_key: Option<String>,
    /// Judge model id.
    pub model: String,
    /// `grader_name` of the score rows.
    pub name: String,
    /// Transport retries (429, 5xx, connection errors), honouring `retry-after`.
    pub retry: RetryPolicy,
    /// Re-asks after a malformed answer (default 2), then the judge errors.
    pub max_format_retries: u32,
    /// Requests in flight at once across all calls of one [`Judge`] (default 4).
    pub concurrency: usize,
    /// Independent samples per judgement (default 1); the score is their median.
    pub samples: u32,
    /// Sampling temperature, if set.
    pub temperature: Option<f32>,
    /// Timeout of one HTTP request (default 120 s).
    pub timeout: Duration,
    /// Bounds on the evidence shown.
    pub limits: PromptLimits,
}

impl std::fmt::Debug for JudgeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JudgeConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("model", &self.model)
            .field("name", &self.name)
            .field("retry", &self.retry)
            .field("max_format_retries", &self.max_format_retries)
            .field("concurrency", &self.concurrency)
            .field("samples", &self.samples)
            .field("temperature", &self.temperature)
            .field("timeout", &self.timeout)
            .field("limits", &self.limits)
            .finish()
    }
}

impl JudgeConfig {
    /// Defaults for `model` at `base_url`.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> JudgeConfig {
        JudgeConfig {
            base_url: base_url.into(),
            api_key: None,
            model: model.into(),
            name: DEFAULT_JUDGE_NAME.to_owned(),
            retry: RetryPolicy::default(),
            max_format_retries: 2,
            concurrency: 4,
            samples: 1,
            temperature: None,
            timeout: Duration::from_secs(120),
            limits: PromptLimits::default(),
        }
    }

    fn validate(&self) -> Result<(), GraderError> {
        let bad = |m: &str| Err(GraderError::Config(m.to_owned()));
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            return bad("base_url must start with http:// or https://");
        }
        if self.model.trim().is_empty() {
            return bad("model is empty; name the judge model");
        }
        if self.name.trim().is_empty() {
            return bad("name is empty");
        }
        if self.concurrency == 0 {
            return bad("concurrency must be at least 1");
        }
        if self.samples == 0 {
            return bad("samples must be at least 1");
        }
        Ok(())
    }
}

/// A judgement: the combined scores and what produced them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JudgeVerdict {
    /// The judge model's slug.
    pub model: String,
    /// `grader_name` of the score rows.
    pub name: String,
    /// The prompt version.
    pub prompt_sha256: String,
    /// The inputs as the judge saw them.
    pub inputs_sha256: String,
    /// Per criterion, in rubric order.
    pub criteria: Vec<CriterionVerdict>,
    /// The first sample's summary.
    pub summary: String,
    /// Samples combined (the configured `samples`).
    pub samples: u32,
    /// Samples answered from the cache.
    pub cached_samples: u32,
    /// HTTP requests sent (0 when everything came from the cache).
    pub requests: u32,
}

impl JudgeVerdict {
    /// `(criterion, score)` in rubric order.
    pub fn scores(&self) -> Vec<(&str, f64)> {
        self.criteria
            .iter()
            .map(|c| (c.criterion.as_str(), c.score))
            .collect()
    }

    /// The pass decision under `rule` (wharf's default when `None`).
    pub fn decide(&self, rule: Option<&PassRule>) -> Decision {
        decide(rule, &self.scores())
    }
}

/// The rubric judge. Cheap to share (`Arc`); all calls share one concurrency limit.
#[derive(Debug)]
pub struct Judge {
    config: JudgeConfig,
    transport: Transport,
    limit: Semaphore,
    cache: Option<Arc<dyn JudgeCache>>,
}

struct Sampled {
    answer: JudgeAnswer,
    cached: bool,
    requests: u32,
}

impl Judge {
    /// A judge for `config` (validated), without a cache.
    pub fn new(config: JudgeConfig) -> Result<Judge, GraderError> {
        config.validate()?;
        let transport = Transport::new(
            &config.base_url,
            config.api_key.clone(),
            config.timeout,
            config.retry,
        )?;
        Ok(Judge {
            limit: Semaphore::new(config.concurrency),
            transport,
            config,
            cache: None,
        })
    }

    /// Uses `cache` for validated answers.
    pub fn with_cache(mut self, cache: Arc<dyn JudgeCache>) -> Judge {
        self.cache = Some(cache);
        self
    }

    /// The settings the judge was built with.
    pub fn config(&self) -> &JudgeConfig {
        &self.config
    }

    /// The prompt this judge would send for `input`.
    pub fn prompt(&self, input: &JudgeInput) -> Result<RenderedPrompt, GraderError> {
        render(input, &self.config.limits)
    }

    /// Scores `input`'s criteria. Errors (transport, repeated malformed
    /// answers) are never turned into scores.
    pub async fn judge(&self, input: &JudgeInput) -> Result<JudgeVerdict, GraderError> {
        let prompt = self.prompt(input)?;
        let names = input.criterion_names();
        let samples = futures::future::try_join_all(
            (0..self.config.samples).map(|i| self.sample(&prompt, &names, i)),
        )
        .await?;
        let answers: Vec<JudgeAnswer> = samples.iter().map(|s| s.answer.clone()).collect();
        Ok(JudgeVerdict {
            model: self.config.model.clone(),
            name: self.config.name.clone(),
            prompt_sha256: prompt.prompt_sha256.clone(),
            inputs_sha256: prompt.inputs_sha256.clone(),
            criteria: aggregate(&answers),
            summary: answers
                .first()
                .map(|a| a.summary.clone())
                .unwrap_or_default(),
            samples: self.config.samples,
            cached_samples: samples.iter().filter(|s| s.cached).count() as u32,
            requests: samples.iter().map(|s| s.requests).sum(),
        })
    }

    async fn sample(
        &self,
        prompt: &RenderedPrompt,
        names: &[String],
        sample: u32,
    ) -> Result<Sampled, GraderError> {
        let key = CacheKey {
            model: self.config.model.clone(),
            prompt_sha256: prompt.prompt_sha256.clone(),
            inputs_sha256: prompt.inputs_sha256.clone(),
            sample,
        };
        if let Some(cache) = &self.cache {
            match cache.get(&key).await {
                Ok(Some(answer)) if answer_fits(&answer, names) => {
                    return Ok(Sampled {
                        answer,
                        cached: true,
                        requests: 0,
                    });
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("judge cache read failed, asking the model: {e}"),
            }
        }
        let mut messages: Vec<ChatCompletionRequestMessage> = vec![
            ChatCompletionRequestSystemMessage::from(prompt.system.as_str()).into(),
            ChatCompletionRequestUserMessage::from(prompt.user.as_str()).into(),
        ];
        let mut requests = 0;
        let mut answers = 0;
        loop {
            let sent = self
                .transport
                .send(&self.request(messages.clone()), &self.limit)
                .await?;
            requests += sent.attempts;
            answers += 1;
            let message = sent.response.choices.into_iter().next().map(|c| c.message);
            let text = message.as_ref().and_then(|m| m.content.clone());
            let problem = match (&text, message.as_ref().and_then(|m| m.refusal.as_ref())) {
                (Some(t), _) => match parse_answer(t, names) {
                    Ok(answer) => {
                        if let Some(cache) = &self.cache
                            && let Err(e) = cache.put(&key, &answer).await
                        {
                            tracing::warn!("judge cache write failed: {e}");
                        }
                        return Ok(Sampled {
                            answer,
                            cached: false,
                            requests,
                        });
                    }
                    Err(p) => p,
                },
                (None, Some(refusal)) => format!("the judge refused: {refusal}"),
                (None, None) => "the answer has no text".to_owned(),
            };
            if answers > self.config.max_format_retries {
                return Err(GraderError::Format {
                    attempts: answers,
                    message: problem,
                });
            }
            tracing::info!(
                attempt = answers,
                "judge answer rejected, re-asking: {problem}"
            );
            messages
                .push(ChatCompletionRequestAssistantMessage::from(text.unwrap_or_default()).into());
            messages.push(
                ChatCompletionRequestUserMessage::from(format!(
                    "Your answer was rejected: {problem}. Answer again with the corrected JSON object only."
                ))
                .into(),
            );
        }
    }

    /// Samples are independent requests (at the configured temperature).
    fn request(&self, messages: Vec<ChatCompletionRequestMessage>) -> CreateChatCompletionRequest {
        CreateChatCompletionRequest {
            messages,
            model: self.config.model.clone(),
            temperature: self.config.temperature,
            response_format: Some(ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema {
                    description: Some("scores for each rubric criterion".to_owned()),
                    name: "rubric_scores".to_owned(),
                    schema: Some(answer_schema()),
                    strict: Some(true),
                },
            }),
            ..CreateChatCompletionRequest::default()
        }
    }
}

/// A cached answer still covers exactly these criteria (defensive: the key already pins the inputs).
fn answer_fits(answer: &JudgeAnswer, names: &[String]) -> bool {
    answer.criteria.len() == names.len()
        && answer
            .criteria
            .iter()
            .zip(names)
            .all(|(a, n)| a.criterion == *n)
}
