//! What wharf knows about runtimes, providers and model slugs, and whether a
//! model slug fits its provider (a bare `claude-sonnet-4-6` sent to
//! openrouter is the most common cause of runs that die in seconds).

/// Evaluation kinds wharf runs.
pub const EVALUATIONS: &[&str] = &["programmatic", "rubric"];

/// Agent runtimes (`agent:`).
pub const AGENTS: &[&str] = &[
    "claude-code",
    "codex",
    "gemini-cli",
    "opencode",
    "hermes",
    "command",
];

/// Named providers (`model_provider:`); any `http://` or `https://` base URL
/// of an OpenAI-compatible server is accepted too.
pub const PROVIDERS: &[&str] = &["openai", "anthropic", "openrouter", "google"];

/// Is this a provider wharf can route to?
pub fn is_known_provider(p: &str) -> bool {
    PROVIDERS.contains(&p) || is_base_url(p)
}

/// An OpenAI-compatible base URL.
pub fn is_base_url(p: &str) -> bool {
    let rest = p
        .strip_prefix("https://")
        .or_else(|| p.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.contains(char::is_whitespace))
}

/// The provider a slug implies when `model_provider` is absent.
pub fn infer_provider(model: &str) -> Option<&'static str> {
    if model.contains('/') {
        Some("openrouter")
    } else {
        native_vendor(model).map(|(_, provider)| provider)
    }
}

/// `(openrouter vendor, native provider)` for a bare model id.
fn native_vendor(model: &str) -> Option<(&'static str, &'static str)> {
    let m = model.to_ascii_lowercase();
    if m.starts_with("claude-") {
        Some(("anthropic", "anthropic"))
    } else if is_openai_model(&m) {
        Some(("openai", "openai"))
    } else if m.starts_with("gemini-") || m.starts_with("gemma-") {
        Some(("google", "google"))
    } else {
        None
    }
}

fn is_openai_model(m: &str) -> bool {
    let o_series = m
        .strip_prefix('o')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()));
    m.starts_with("gpt-")
        || m.starts_with("chatgpt-")
        || m.starts_with("codex-")
        || m.starts_with("ft:")
        || o_series
}

/// Why a model does not fit its provider, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// What the provider expects.
    pub expected: String,
    /// A corrected model or provider line.
    pub help: String,
}

/// Check a model slug against a provider. Unknown providers and base URLs
/// accept anything.
pub fn check_model(provider: &str, model: &str) -> Result<(), Mismatch> {
    let model = model.trim();
    let (vendor, bare) = match model.split_once('/') {
        Some((v, m)) => (Some(v), m),
        None => (None, model),
    };
    let lower = bare.to_ascii_lowercase();
    match provider {
        "openrouter" => match vendor {
            Some(v) if !v.is_empty() && !bare.is_empty() => Ok(()),
            _ => {
                let help = match native_vendor(model) {
                    Some((vendor, native)) => format!(
                        "write `model: {vendor}/{}`, or set `model_provider: {native}`",
                        openrouter_id(vendor, model)
                    ),
                    None => "write the OpenRouter id, e.g. `model: anthropic/claude-sonnet-4.6`"
                        .to_string(),
                };
                Err(Mismatch {
                    expected: "openrouter model ids are `vendor/model`".to_string(),
                    help,
                })
            }
        },
        "anthropic" => native(
            vendor,
            &lower,
            bare,
            "anthropic",
            "`claude-*`",
            lower.starts_with("claude-"),
            anthropic_id,
        ),
        "openai" => native(
            vendor,
            &lower,
            bare,
            "openai",
            "`gpt-*`, `o*` or `codex-*`",
            is_openai_model(&lower),
            str::to_string,
        ),
        "google" => native(
            vendor,
            &lower,
            bare,
            "google",
            "`gemini-*`",
            lower.starts_with("gemini-") || lower.starts_with("gemma-"),
            str::to_string,
        ),
        _ => Ok(()),
    }
}

fn native(
    vendor: Option<&str>,
    lower: &str,
    bare: &str,
    provider: &str,
    shape: &str,
    fits: bool,
    fix: impl Fn(&str) -> String,
) -> Result<(), Mismatch> {
    let expected = format!("{provider} model ids look like {shape}, with no `vendor/` prefix");
    if vendor.is_some() {
        let help = if fits {
            format!(
                "write `model: {}`, or set `model_provider: openrouter` to keep the slug",
                fix(bare)
            )
        } else {
            "set `model_provider: openrouter` for `vendor/model` slugs".to_string()
        };
        return Err(Mismatch { expected, help });
    }
    if fits {
        return Ok(());
    }
    let help = match native_vendor(lower) {
        Some((_, other)) if other != provider => {
            format!("this looks like an {other} model: set `model_provider: {other}`")
        }
        _ => format!("use a {provider} model id"),
    };
    Err(Mismatch { expected, help })
}

/// OpenRouter writes Anthropic versions with dots: `claude-sonnet-4-6` -> `claude-sonnet-4.6`.
fn openrouter_id(vendor: &str, model: &str) -> String {
    if vendor != "anthropic" {
        return model.to_string();
    }
    let parts: Vec<&str> = model.split('-').collect();
    let n = parts.len();
    match (parts.get(n.wrapping_sub(2)), parts.get(n.wrapping_sub(1))) {
        (Some(a), Some(b))
            if n >= 4
                && a.len() == 1
                && a.chars().all(|c| c.is_ascii_digit())
                && b.len() == 1
                && b.chars().all(|c| c.is_ascii_digit()) =>
        {
            format!("{}.{}", parts.get(..n - 1).unwrap_or(&[]).join("-"), b)
        }
        _ => model.to_string(),
    }
}

/// Anthropic writes versions with dashes: `claude-sonnet-4.6` -> `claude-sonnet-4-6`.
fn anthropic_id(model: &str) -> String {
    model.replace('.', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(check_model("openrouter", "anthropic/claude-sonnet-4.6").is_ok());
        let e = check_model("openrouter", "claude-sonnet-4-6").unwrap_err();
        assert!(e.help.contains("anthropic/claude-sonnet-4.6"), "{e:?}");
        assert!(check_model("anthropic", "claude-sonnet-4-6").is_ok());
        let e = check_model("anthropic", "anthropic/claude-sonnet-4.6").unwrap_err();
        assert!(e.help.contains("`model: claude-sonnet-4-6`"), "{e:?}");
        assert!(check_model("openai", "gpt-5.5").is_ok());
        assert!(check_model("openai", "o3-mini").is_ok());
        assert!(check_model("openai", "claude-opus-4-1").is_err());
        assert!(check_model("google", "gemini-2.5-pro").is_ok());
        assert!(check_model("https://llm.example/v1", "anything").is_ok());
        assert_eq!(infer_provider("gpt-5.5"), Some("openai"));
        assert_eq!(infer_provider("x/y"), Some("openrouter"));
    }
}
