//! Everything checked before a run exists: the runbook, parameters, input files, agent,
//! model, provider and secrets. Any error here stops the run before a sandbox is made.

use std::collections::BTreeMap;

use wharf_gateway::{ProviderConfig, ProviderKind, ProviderSpec};
use wharf_model::LlmApi;
use wharf_runbook::Runbook;
use wharf_runtimes::Runtime;
use wharf_sandbox::SandboxConfig;

use crate::{EngineError, RunRequest, RunbookSource};

/// Largest input file uploaded.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// A run that passed every check.
#[derive(Debug)]
pub struct Prepared {
    /// The parsed runbook.
    pub runbook: Runbook,
    /// Runbook name (title, else file stem).
    pub name: String,
    /// sha256 of the runbook file.
    pub sha256: String,
    /// The mission text with parameters substituted.
    pub mission: String,
    /// The Final Checklist's verification script as the mission shows it (rendered by the
    /// runbook renderer: parameters substituted, secrets as `${ENV}`).
    pub verification: Option<wharf_runbook::VerificationScript>,
    /// Parameter values used.
    pub values: BTreeMap<String, String>,
    /// Input files: (name, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    /// The agent: the request's, else the runbook's `agent:`.
    pub runtime: &'static dyn Runtime,
    /// The model slug: the request's, else the runbook's `model:`; None when neither names one.
    pub model: Option<String>,
    /// Provider (absent for a `command` run without one).
    pub provider: Option<ProviderConfig>,
    /// Declared secrets: (name, env var, value).
    pub secrets: Vec<(String, String, String)>,
    /// The snapshot asked for (the request's, else the runbook's; `host` when neither).
    pub snapshot: Option<String>,
    /// Warnings to show.
    pub warnings: Vec<String>,
}

/// The snapshot a run or grading starts from (`host` when none is named), checked before
/// anything starts: an unknown name is an error, a stand-in (a Jetty name on `host`) adds a
/// warning.
pub(crate) fn check_snapshot(
    sandbox: &SandboxConfig,
    name: Option<&str>,
    warnings: &mut Vec<String>,
) -> Result<String, EngineError> {
    let name = name.unwrap_or("host");
    warnings.extend(wharf_sandbox::resolve_snapshot(&sandbox.snapshots, name)?.warning);
    Ok(name.to_owned())
}

/// The largest `max_rounds` a run may ask for.
pub const MAX_ROUNDS: u32 = 10;

/// Checks `request` against the runbook and the configuration.
pub async fn prepare(
    request: &RunRequest,
    sandbox: &SandboxConfig,
    providers: &BTreeMap<String, ProviderSpec>,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<Prepared, EngineError> {
    request.check()?;
    let Loaded {
        runbook,
        name,
        sha256,
        mission,
        verification,
        values,
        mut warnings,
    } = load(&request.runbook, &request.params).await?;

    let mut files = Vec::new();
    for file in &request.files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| EngineError::InputFile {
                path: file.clone(),
                reason: "names no file".into(),
            })?;
        let meta = tokio::fs::metadata(file)
            .await
            .map_err(|e| EngineError::InputFile {
                path: file.clone(),
                reason: e.to_string(),
            })?;
        if !meta.is_file() {
            return Err(EngineError::InputFile {
                path: file.clone(),
                reason: "is not a regular file".into(),
            });
        }
        if meta.len() > MAX_INPUT_BYTES {
            return Err(EngineError::InputFile {
                path: file.clone(),
                reason: format!(
                    "{} bytes, over the {MAX_INPUT_BYTES}-byte bound",
                    meta.len()
                ),
            });
        }
        if files.iter().any(|(n, _)| n == &name) {
            return Err(EngineError::InputFile {
                path: file.clone(),
                reason: format!("a second file named `{name}`"),
            });
        }
        let bytes = tokio::fs::read(file)
            .await
            .map_err(|e| EngineError::InputFile {
                path: file.clone(),
                reason: e.to_string(),
            })?;
        files.push((name, bytes));
    }

    let fm = &runbook.frontmatter;
    let agent = request
        .agent
        .clone()
        .or_else(|| fm.agent.clone())
        .ok_or_else(|| {
            EngineError::Runtime(wharf_runtimes::RuntimeError::InvalidInput {
                field: "agent",
                reason: "no agent chosen: pass --agent or set `agent:` in the runbook".into(),
            })
        })?;
    let runtime = wharf_runtimes::require_runtime(&agent)?;
    let model = request.model.clone().or_else(|| fm.model.clone());
    let provider_name = request
        .provider
        .clone()
        .or_else(|| fm.model_provider.clone());
    // The request's own mistakes first (a provider this agent cannot call), then what this
    // server lacks (the agent's CLI), then the provider's key.
    if runtime.wire_api().is_some() {
        check_provider_name(request, fm, provider_name.as_deref(), providers)?;
    }
    if let (Some(spec), Some(exe)) = (
        runtime.install_spec(),
        runtime.executable(&sandbox.tools_dir),
    ) && !tokio::fs::try_exists(&exe).await.unwrap_or(false)
    {
        return Err(EngineError::NotInstalled {
            agent: agent.clone(),
            version: spec.version.to_owned(),
            path: exe,
        });
    }
    // Provider keys: the request's secrets first, then the host (they go to the gateway
    // only). Runbook secrets: the request's secrets only when it has them.
    let provider_env = |name: &str| match &request.secrets {
        Some(map) => map.get(name).cloned().or_else(|| env(name)),
        None => env(name),
    };
    let secret_env = |name: &str| match &request.secrets {
        Some(map) => map.get(name).cloned(),
        None => env(name),
    };
    let provider = match (runtime.wire_api(), provider_name) {
        (Some(api), name) => Some(resolve_provider(
            name.as_deref(),
            api,
            providers,
            &provider_env,
        )?),
        // An agent that calls no model itself gets the gateway only for a provider wharf
        // routes: a runbook may name e.g. `replicate` for its own non-LLM steps.
        (None, Some(name)) if !routable(&name, providers) => {
            warnings.push(format!(
                "model_provider `{name}` is not a provider wharf routes; agent `{agent}` runs without the LLM gateway"
            ));
            None
        }
        (None, Some(name)) => Some(resolve_provider(
            Some(&name),
            LlmApi::Chat,
            providers,
            &provider_env,
        )?),
        (None, None) => None,
    };
    let snapshot = request.snapshot.clone().or_else(|| fm.snapshot.clone());
    check_snapshot(sandbox, snapshot.as_deref(), &mut warnings)?;
    let secret_source = if request.secrets.is_some() {
        "set it with the secrets API of the collection"
    } else {
        "set the environment variable on the host"
    };
    let mut secrets = Vec::new();
    for decl in &fm.secrets {
        match secret_env(&decl.env) {
            Some(value) => secrets.push((decl.name.clone(), decl.env.clone(), value)),
            None if decl.required => {
                return Err(EngineError::Runbook(format!(
                    "secret `{}` (`{}`) is required: {secret_source}",
                    decl.name, decl.env
                )));
            }
            None => warnings.push(format!(
                "optional secret `{}` (`{}`) is not set",
                decl.name, decl.env
            )),
        }
    }
    Ok(Prepared {
        runbook,
        name,
        sha256,
        verification,
        mission,
        values,
        files,
        runtime,
        model,
        provider,
        secrets,
        snapshot,
        warnings,
    })
}

/// A runbook checked and rendered with its parameters: what grading needs of it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The parsed runbook.
    pub runbook: Runbook,
    /// Runbook name (title, else file stem).
    pub name: String,
    /// sha256 of the runbook file.
    pub sha256: String,
    /// The mission text with parameters substituted.
    pub mission: String,
    /// The rendered Final Checklist script.
    pub verification: Option<wharf_runbook::VerificationScript>,
    /// Parameter values used.
    pub values: BTreeMap<String, String>,
    /// Warnings to show.
    pub warnings: Vec<String>,
}

/// Checks the runbook and renders it with `params`: the one check every run and grading
/// passes (CLI, API, queued runs).
pub async fn load(
    source: &RunbookSource,
    params: &[(String, String)],
) -> Result<Loaded, EngineError> {
    let checked = source.check().await?;
    if checked.has_errors() {
        return Err(EngineError::Runbook(checked.render_diagnostics()));
    }
    let Some(runbook) = checked.runbook.clone() else {
        return Err(EngineError::Runbook(checked.render_diagnostics()));
    };
    let values: BTreeMap<String, String> = params.iter().cloned().collect();
    let rendered = wharf_runbook::render(&checked.source, &runbook, &values).map_err(|diags| {
        EngineError::Runbook(wharf_runbook::report::format_text(&checked.source, &diags))
    })?;
    let warnings = rendered
        .warnings
        .iter()
        .map(|d| d.message.clone())
        .collect();
    let sha256 = crate::artifacts::sha256_hex(checked.source.text().as_bytes());
    let name = runbook.title.clone().unwrap_or_else(|| source.stem());
    let verification = match &runbook.verification {
        Some(original) => Some(
            wharf_runbook::check_str("rendered.md", &rendered.text)
                .runbook
                .and_then(|r| r.verification)
                .unwrap_or_else(|| original.clone()),
        ),
        None => None,
    };
    Ok(Loaded {
        runbook,
        name,
        sha256,
        mission: rendered.text,
        verification,
        values: rendered.values,
        warnings,
    })
}

/// Refuses a provider that an agent calling a model cannot use: a name wharf does not
/// route, or the runbook's own model and provider as written when they do not fit (the
/// check's R022 and R023 warnings, errors now that this run needs them).
fn check_provider_name(
    request: &RunRequest,
    fm: &wharf_runbook::Frontmatter,
    name: Option<&str>,
    providers: &BTreeMap<String, ProviderSpec>,
) -> Result<(), EngineError> {
    let Some(name) = name else {
        return Ok(());
    };
    if !routable(name, providers) {
        return Err(unknown_provider(name, providers));
    }
    if let (None, None, Some(model)) = (&request.model, &request.provider, &fm.model)
        && !providers.contains_key(name)
        && let Err(m) = wharf_runbook::providers::check_model(name, model)
    {
        return Err(EngineError::Provider(format!(
            "model `{model}` does not fit model_provider `{name}`: {}; {}",
            m.expected, m.help
        )));
    }
    Ok(())
}

fn unknown_provider(name: &str, providers: &BTreeMap<String, ProviderSpec>) -> EngineError {
    let known: Vec<&str> = providers.keys().map(String::as_str).collect();
    EngineError::Provider(format!(
        "unknown provider `{name}`: not configured ({}) and not one of openai, anthropic, google, openrouter or a base URL",
        if known.is_empty() {
            "no [providers] in config".to_owned()
        } else {
            known.join(", ")
        }
    ))
}

/// Is `name` a provider wharf could route to (configured, a known kind, or a base URL)?
fn routable(name: &str, providers: &BTreeMap<String, ProviderSpec>) -> bool {
    providers.contains_key(name)
        || wharf_runbook::providers::is_known_provider(name)
        || name.parse::<ProviderKind>().is_ok()
}

/// A provider by config name, kind name, or base URL; by default the one that speaks the
/// runtime's wire API.
pub fn resolve_provider(
    name: Option<&str>,
    api: LlmApi,
    providers: &BTreeMap<String, ProviderSpec>,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<ProviderConfig, EngineError> {
    let spec = match name {
        Some(n) if providers.contains_key(n) => {
            let mut spec = providers[n].clone();
            spec.name.get_or_insert_with(|| n.to_owned());
            spec
        }
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => ProviderSpec {
            name: Some("openai_compatible".into()),
            base_url: Some(url.to_owned()),
            ..ProviderSpec::new(ProviderKind::OpenaiCompatible)
        },
        Some(kind) => match kind.parse::<ProviderKind>() {
            Ok(kind) => ProviderSpec::new(kind),
            Err(_) => return Err(unknown_provider(kind, providers)),
        },
        None => {
            let kind = match api {
                LlmApi::Messages => ProviderKind::Anthropic,
                LlmApi::Gemini => ProviderKind::Gemini,
                LlmApi::Responses | LlmApi::Chat => ProviderKind::Openai,
            };
            // A provider configured under the kind's own name is the default for it.
            match providers.get(kind.as_str()) {
                Some(spec) => {
                    let mut spec = spec.clone();
                    spec.name.get_or_insert_with(|| kind.as_str().to_owned());
                    spec
                }
                None => ProviderSpec::new(kind),
            }
        }
    };
    Ok(spec.resolve_with(|v| env(v))?)
}
