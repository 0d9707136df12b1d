//! The rubric judge built from `[grader]` ([`crate::config::GraderConfig`]).

use std::path::PathBuf;
use std::sync::Arc;

use wharf_grader::{DiskCache, Judge, JudgeConfig};

use crate::config::Config;

/// The configured judge, if any.
pub fn judge(config: &Config) -> anyhow::Result<Option<Arc<Judge>>> {
    let g = &config.grader;
    let Some(model) = &g.judge_model else {
        return Ok(None);
    };
    let env = |k: &str| std::env::var(k).ok();
    let provider = wharf_engine::resolve_provider(
        g.judge_provider.as_deref(),
        wharf_model::LlmApi::Chat,
        &config.providers,
        &env,
    )?;
    let mut jc = JudgeConfig::new(provider.base_url().to_owned(), model.clone());
    let key = provider.api_key().expose();
    if !key.is_empty() {
        jc.api_key = Some(key.to_owned());
    }
    if let Some(n) = g.samples {
        jc.samples = n.max(1);
    }
    if let Some(c) = g.concurrency {
        jc.concurrency = c.max(1);
    }
    let cache = g
        .cache_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("./wharf-judge-cache"));
    let judge = Judge::new(jc)?.with_cache(Arc::new(DiskCache::new(cache)));
    Ok(Some(Arc::new(judge)))
}
