//! The `wharf` configuration: defaults, then a TOML file, then `WHARF__SECTION__KEY`
//! environment variables. Unknown keys are errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;
use wharf_gateway::{GatewayConfig, ProviderSpec};
use wharf_ingest::{IngestConfig, StorageConfig};
use wharf_query::QueryConfig;
use wharf_sandbox::SandboxConfig;

/// Everything `wharf` can be configured with.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `[storage]`: where the tables live.
    pub storage: StorageConfig,
    /// `[ingest]`: write path.
    pub ingest: IngestConfig,
    /// `[query]`: SQL limits.
    pub query: QueryConfig,
    /// `[sandbox]`: where and how agents run.
    pub sandbox: SandboxConfig,
    /// `[gateway]`: the LLM gateway agents reach their model through.
    pub gateway: GatewayConfig,
    /// `[providers.NAME]`: model providers by name (`--provider NAME`, `model_provider: NAME`).
    pub providers: BTreeMap<String, ProviderSpec>,
    /// `[server]`: `wharf serve`.
    pub server: wharf_server::ServerConfig,
    /// `[grader]`: the rubric judge.
    pub grader: GraderConfig,
}

/// How rubric runbooks are judged.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GraderConfig {
    /// Judge model; unset = no judge (rubric runbooks cannot pass).
    pub judge_model: Option<String>,
    /// Provider of the judge: a `[providers.NAME]`, a kind, or (default) the OpenAI one.
    pub judge_provider: Option<String>,
    /// Judge answers are cached here (default `<state>/judge-cache` under the storage root's
    /// machine: `./wharf-judge-cache`).
    pub cache_dir: Option<PathBuf>,
    /// Samples per judgement (the median is kept, agreement reported).
    pub samples: Option<u32>,
    /// Judge calls at once.
    pub concurrency: Option<usize>,
}

/// The file used when none is given and `./wharf.toml` exists.
const DEFAULT_FILE: &str = "wharf.toml";

impl Config {
    /// Loads the layered configuration. `file` is `--config` (or `WHARF_CONFIG`).
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut figment = Figment::new();
        match file {
            Some(path) => {
                if !path.is_file() {
                    bail!("config file {} does not exist", path.display());
                }
                figment = figment.merge(Toml::file_exact(path));
            }
            None if Path::new(DEFAULT_FILE).is_file() => {
                figment = figment.merge(Toml::file_exact(DEFAULT_FILE));
            }
            None => {}
        }
        figment = figment.merge(Env::prefixed("WHARF__").split("__"));
        let config: Config = figment.extract().map_err(|e| {
            let mut msg = String::from("invalid configuration:");
            for err in e {
                msg.push_str(&format!("\n  {err}"));
            }
            anyhow::anyhow!(msg)
        })?;
        config.ingest.validate().context("invalid configuration")?;
        Ok(config)
    }

    /// Loads and checks a config file on its own (no environment), for tests and `--check`.
    pub fn parse_file(path: &Path) -> anyhow::Result<Config> {
        let config: Config = Figment::new()
            .merge(Toml::file_exact(path))
            .extract()
            .with_context(|| format!("parsing {}", path.display()))?;
        config.ingest.validate()?;
        Ok(config)
    }
}

/// Path of the checked-in example config, relative to the workspace root.
pub fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/example.toml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_parses_and_differs_from_defaults_only_where_it_says() {
        let config = Config::parse_file(&example_path()).unwrap();
        assert_eq!(config.storage.root, "./wharf-data");
        assert_eq!(config.ingest.default_collection, "default");
        assert_eq!(config.query, QueryConfig::default());
        assert_eq!(config.ingest, IngestConfig::default());
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[storage]\nroot = \"/x\"\nrooot = 1\n").unwrap();
        let err = format!("{:#}", Config::parse_file(&path).unwrap_err());
        assert!(err.contains("rooot"), "{err}");
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API
    fn environment_overrides_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("w.toml", "[storage]\nroot = \"/from-file\"\n")?;
            jail.set_env("WHARF__STORAGE__ROOT", "/from-env");
            jail.set_env("WHARF__INGEST__BATCH_LINES", "7");
            let config = Config::load(Some(Path::new("w.toml"))).unwrap();
            assert_eq!(config.storage.root, "/from-env");
            assert_eq!(config.ingest.batch_lines, 7);
            Ok(())
        });
    }
}
